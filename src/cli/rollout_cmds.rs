//! `relcon rollout start|status|pause|resume|advance|abort|run`: the same
//! ops (and intents) the console's Rollouts view uses.

use clap::Subcommand;

use super::args::{ActionArgs, JsonFlag, NeverAsks};
use super::output::print_json;
use super::term::{self, out};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::exec::CancelToken;
use crate::ops::intent::{self, Confirmation, Intent, Outcome};
use crate::ops::rollout::{self, Act, Did, RolloutStatus, What};
use crate::ops::Ctx;

#[derive(Subcommand, Debug)]
pub enum RolloutCmd {
    /// Start plan PLAN ([rollout.PLAN]) in ENV for a flag or a version
    /// (through ENV's traffic hook); passes the gates of a promotion into ENV.
    #[command(group = clap::ArgGroup::new("what").required(true).args(["flag", "version"]))]
    Start {
        env: String,
        plan: String,
        /// Move this flag's rollout percentage.
        #[arg(long, value_name = "FLAG", group = "what")]
        flag: Option<String>,
        /// Move traffic to this registered build through ENV's traffic hook.
        #[arg(long, value_name = "VERSION", group = "what")]
        version: Option<String>,
        #[command(flatten)]
        act: ActionArgs,
    },
    /// Active rollouts (or ENV's newest): step, weight, what comes next, the analysis.
    Status {
        env: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Stop the schedule where it is (the weight stays).
    Pause {
        env: String,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        yes: NeverAsks,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Go on from where it paused (the soak resumes; paused time does not count).
    Resume {
        env: String,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        yes: NeverAsks,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Move to the next step now (also how a person confirms a `confirm` step).
    Advance {
        env: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Abort now with the plan's on_abort (kill the flag, or weight 0).
    Abort {
        env: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Drive due steps headless (CI, a service manager); exits when nothing
    /// is left to drive (exit 1 if a rollout aborted), or keeps going with --forever.
    Run {
        /// Keep driving (and waiting for new rollouts) until Ctrl-C, as a
        /// service would.
        #[arg(long)]
        forever: bool,
        /// One JSON object per line for each thing done.
        #[command(flatten)]
        json: JsonFlag,
    },
}

impl RolloutCmd {
    /// The command's name when it writes (see `Cmd::write_verb`).
    pub fn write_verb(&self) -> Option<&'static str> {
        match self {
            RolloutCmd::Status { .. } => None,
            RolloutCmd::Start { .. } => Some("rollout start"),
            RolloutCmd::Pause { .. } => Some("rollout pause"),
            RolloutCmd::Resume { .. } => Some("rollout resume"),
            RolloutCmd::Advance { .. } => Some("rollout advance"),
            RolloutCmd::Abort { .. } => Some("rollout abort"),
            RolloutCmd::Run { .. } => Some("rollout run"),
        }
    }

    pub fn json(&self) -> bool {
        match self {
            RolloutCmd::Start { act, .. } => act.json.json,
            RolloutCmd::Status { json, .. }
            | RolloutCmd::Pause { json, .. }
            | RolloutCmd::Resume { json, .. }
            | RolloutCmd::Advance { json, .. }
            | RolloutCmd::Abort { json, .. }
            | RolloutCmd::Run { json, .. } => json.json,
        }
    }
}

pub fn run(ctx: &mut Ctx, cmd: &RolloutCmd) -> Result<i32> {
    match cmd {
        RolloutCmd::Start {
            env,
            plan,
            flag,
            version,
            act,
        } => {
            let what = match (flag, version) {
                (Some(f), None) => What::Flag(f.clone()),
                (None, Some(v)) => What::Version(v.clone()),
                _ => return Err(Error::usage("say what to roll out: --flag FLAG or --version VERSION")),
            };
            let intent = Intent::RolloutStart {
                env: env.clone(),
                plan: plan.clone(),
                what,
            };
            execute(ctx, intent, act.reason.clone(), act.force, act.yes, act.json.json)
        }
        RolloutCmd::Status { env, json } => {
            let list = rollout::status(ctx, env.as_deref())?;
            if json.json {
                print_json(&list);
            } else if list.is_empty() {
                out("no rollout is running");
            } else {
                for st in &list {
                    show(st);
                }
            }
            Ok(0)
        }
        RolloutCmd::Pause { env, reason, json, .. } => act(ctx, env, Act::Pause, reason, true, json.json),
        RolloutCmd::Resume { env, reason, json, .. } => act(ctx, env, Act::Resume, reason, true, json.json),
        RolloutCmd::Advance { env, reason, yes, json } => act(ctx, env, Act::Advance, reason, *yes, json.json),
        RolloutCmd::Abort { env, reason, yes, json } => act(ctx, env, Act::Abort, reason, *yes, json.json),
        RolloutCmd::Run { forever, json } => drive(ctx, *forever, json.json),
    }
}

fn act(ctx: &mut Ctx, env: &str, a: Act, reason: &Option<String>, yes: bool, json: bool) -> Result<i32> {
    let intent = Intent::Rollout {
        env: env.to_string(),
        act: a,
    };
    execute(ctx, intent, reason.clone(), false, yes, json)
}

fn execute(ctx: &mut Ctx, intent: Intent, reason: Option<String>, force: bool, yes: bool, json: bool) -> Result<i32> {
    super::deploy_cmds::confirm_intent(ctx, &intent, yes, force)?;
    let c = Confirmation { reason, force };
    match intent::execute(ctx, &intent, &c, &mut |_| {}, &CancelToken::default())? {
        Outcome::Rollout(st) => {
            if json {
                print_json(&st);
            } else {
                show(&st);
            }
            Ok(0)
        }
        other => Err(Error::runtime(format!("unexpected outcome: {}", other.summary()))),
    }
}

/// A rollout in a few lines: the card line, what it waits for, the analysis.
fn show(st: &RolloutStatus) {
    out(format!(
        "{} {} of {}: {}",
        inert(&st.env),
        inert(&st.rollout),
        inert(&st.target.describe()),
        inert(&st.line)
    ));
    let weights: Vec<String> = st
        .weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i as u32 + 1 == st.step {
                format!("[{w}]")
            } else {
                w.to_string()
            }
        })
        .collect();
    out(format!("  steps {} %", weights.join(" → ")));
    out(format!("  {}", inert(&st.waiting)));
    if let Some(a) = &st.analysis {
        for m in &a.last {
            out(format!(
                "  {} {}",
                m.verdict.symbol(),
                inert(&rollout::analysis::describe(m))
            ));
        }
    }
    if let Some(r) = &st.reason {
        out(format!("  reason: {}", inert(r)));
    }
}

/// `rollout run`: drive until nothing is left (or Ctrl-C with --forever).
fn drive(ctx: &mut Ctx, forever: bool, json: bool) -> Result<i32> {
    let cancel = CancelToken::default();
    crate::exec::signals::cancel_on_interrupt(cancel.clone(), ctx.actor.clone());
    // "Driven elsewhere" once per environment, not on every tick.
    let mut busy: Vec<String> = Vec::new();
    let aborts = rollout::run(ctx, forever, &cancel, &mut |d| {
        if let Did::Busy { env, .. } = d {
            if busy.contains(env) {
                return;
            }
            busy.push(env.clone());
        } else {
            busy.clear();
        }
        if json {
            match serde_json::to_string(d) {
                Ok(line) => term::out_exact(&(line + "\n")),
                Err(e) => term::err(format!("error: cannot encode JSON: {e}")),
            }
        } else {
            out(inert(&d.line()));
        }
    })?;
    Ok(i32::from(aborts > 0))
}
