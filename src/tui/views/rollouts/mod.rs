//! The Rollouts view (DESIGN §12): the selected environment's rollout —
//! its timeline, every analysis sample against its threshold, and keys to
//! pause, resume, advance and abort (abort asks for confirmation: it is the
//! emergency path). Also the line the environment card shows.

mod render;

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

use super::Shared;
use crate::ops::intent::Intent;
use crate::ops::rollout::{Act, RolloutStatus};
use crate::tui::event::Job;
use crate::tui::input::Asked;
use crate::tui::render::format::fit;
use crate::tui::render::theme::{State, Theme};

pub use render::view_lines;

#[derive(Debug, Default)]
pub struct Rollouts;

impl Rollouts {
    pub fn render(&self, f: &mut Frame, area: Rect, sh: &Shared, theme: &Theme) {
        render::render(f, area, sh, theme);
    }
}

/// The rollout the console knows of in `env` (active, or ended lately).
pub fn of<'a>(sh: &'a Shared, env: &str) -> Option<&'a RolloutStatus> {
    sh.snap.as_ref()?.rollouts.iter().find(|r| r.env == env)
}

/// `rollout 2/4 · 25 % · next in 1h12m · analysis ● 12/12`, as of the
/// console's clock, for the environment's card.
pub fn card_line(env: &str, sh: &Shared, theme: &Theme, w: usize) -> Option<Line<'static>> {
    let st = of(sh, env)?;
    let text = line_text(st, sh);
    let style = match st.phase {
        crate::domain::rollout::Phase::Aborted => theme.error(),
        crate::domain::rollout::Phase::Completed => theme.ok(),
        _ if st.no_driver => theme.warn(),
        _ if st.analysis.as_ref().is_some_and(|a| a.failures_in_a_row > 0) => theme.warn(),
        _ => theme.accent(),
    };
    Some(Line::styled(fit(&text, w), style))
}

/// The rollout's one line as of the console's clock; a running one counts
/// down ("next in 3m12s", "due 4s ago"), so the clock redraws it.
pub fn line_text(st: &RolloutStatus, sh: &Shared) -> String {
    if st.phase == crate::domain::rollout::Phase::Running {
        crate::tui::render::redraw_at::every_second(sh.now);
    }
    crate::ops::rollout::card_line(st, sh.now)
}

/// What a key asks of the selected environment's rollout: pause and
/// resume at once, advance and abort through a confirmation.
pub fn ask(sh: &Shared, act: Act) -> Asked {
    let env = sh.env_name().to_string();
    let active = of(sh, &env).is_some_and(|r| r.phase.active());
    if !active {
        return Asked::Say(format!("{env} has no rollout running or paused"), State::Warn);
    }
    let intent = Intent::Rollout { env, act };
    match act {
        Act::Pause | Act::Resume => Asked::Run(Job::act(intent)),
        Act::Advance | Act::Abort => Asked::dialog(intent),
    }
}

/// What the confirmation dialog says about the rollout it acts on.
pub fn facts(sh: &Shared, env: &str, act: Act) -> Vec<String> {
    let Some(st) = of(sh, env) else {
        return vec![format!("{env} has no rollout.")];
    };
    let question = match act {
        Act::Abort => format!(
            "ABORT the rollout of {} in {env} at {} %?",
            st.target.describe(),
            st.weight
        ),
        Act::Advance => format!("Advance the rollout of {} in {env} now?", st.target.describe()),
        Act::Pause => format!("Pause the rollout of {} in {env}?", st.target.describe()),
        Act::Resume => format!("Resume the rollout of {} in {env}?", st.target.describe()),
    };
    let mut out = vec![question, format!("{}: {}", st.rollout, line_text(st, sh))];
    out.push(match act {
        Act::Abort => {
            let on_abort = sh
                .config
                .rollouts
                .get(&st.rollout)
                .map(|p| p.on_abort)
                .unwrap_or_default();
            format!(
                "Aborting {} now (the plan's on_abort): the emergency path.",
                st.target.abort_effect(on_abort, env)
            )
        }
        Act::Advance => match st.weights.get(st.step as usize) {
            Some(w) => format!(
                "Moves from {} % to {w} % now, whatever the soak and the analysis say.",
                st.weight
            ),
            None => "This is the last step.".to_string(),
        },
        _ => String::new(),
    });
    out
}

/// `:rollout …` in the console: the same verbs as the CLI, through the
/// same intents (a start, an advance and an abort are confirmed first).
pub fn command_line(cmd: crate::cli::rollout_cmds::RolloutCmd) -> Asked {
    use crate::cli::rollout_cmds::RolloutCmd as R;
    use crate::ops::rollout::What;
    let confirm = |intent, reason| Asked::Dialog {
        intent,
        reason,
        force: false,
    };
    match cmd {
        R::Start {
            env,
            plan,
            flag,
            version,
            act,
        } => {
            let what = match (flag, version) {
                (Some(f), None) => What::Flag(f),
                (None, Some(v)) => What::Version(v),
                _ => return Asked::say("usage: rollout start ENV PLAN --flag FLAG | --version VERSION"),
            };
            Asked::Dialog {
                intent: Intent::RolloutStart { env, plan, what },
                reason: act.reason,
                force: act.force,
            }
        }
        R::Status { env, .. } => Asked::View(super::View::Rollouts, env),
        R::Pause { env, .. } => Asked::Run(Job::act(Intent::Rollout { env, act: Act::Pause })),
        R::Resume { env, .. } => Asked::Run(Job::act(Intent::Rollout { env, act: Act::Resume })),
        R::Advance { env, reason, .. } => confirm(Intent::Rollout { env, act: Act::Advance }, reason),
        R::Abort { env, reason, .. } => confirm(Intent::Rollout { env, act: Act::Abort }, reason),
        R::Run { .. } => Asked::say("the console drives rollouts itself while it is open"),
    }
}
