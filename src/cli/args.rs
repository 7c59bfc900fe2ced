//! The command line (clap derive). Every TUI action has a command here.

mod groups;
mod intents;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

pub use groups::{AuditCmd, ChecklistCmd, FlagCmd, HoldCmd, IncidentCmd, LedgerCmd, NeverAsks, NotifyCmd, ReleaseCmd};
pub use intents::Asked;

#[derive(Parser, Debug)]
#[command(
    name = "relcon",
    version = crate::cli::conventions::VERSION,
    about = "A terminal release console: promote, roll back and toggle flags — gated, and recorded in a tamper-evident ledger."
)]
pub struct Cli {
    /// Config file (else $RELCON_CONFIG, else relcon.toml in this folder or the nearest parent).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Theme for the TUI: default, light, high-contrast, colorblind, or a path.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Write nothing: the console hides every action that writes, and a
    /// command that writes is refused (exit 2). Also RELCON_READ_ONLY=1.
    #[arg(long, global = true, env = "RELCON_READ_ONLY", value_parser = clap::builder::FalseyValueParser::new())]
    pub read_only: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Write a commented relcon.toml.
    Init {
        /// Where to write it.
        #[arg(default_value = "relcon.toml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// The embedded sandbox: a living release console with nothing to set up.
    Demo {
        /// Keep the demo's files in DIR (reused next time).
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
        /// Print the demo's config and exit.
        #[arg(long)]
        print_config: bool,
    },
    /// Environments, current releases, gates and checklists.
    Status(JsonFlag),
    /// Releases of one environment, newest first.
    History {
        env: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Builds: register an immutable artifact made by CI.
    Release {
        #[command(subcommand)]
        cmd: ReleaseCmd,
    },
    /// Deploy a registered build to an environment (not into a protected one).
    Deploy {
        env: String,
        version: String,
        #[command(flatten)]
        act: ActionArgs,
    },
    /// Promote the exact build current in FROM to TO.
    Promote {
        from: Option<String>,
        to: Option<String>,
        /// Walk the whole chain up to ENV, one gated step at a time.
        #[arg(long, value_name = "ENV", conflicts_with_all = ["from", "to"])]
        through: Option<String>,
        /// Refuse unless FROM's current release is this one (e.g. v12).
        #[arg(long, value_name = "vN", conflicts_with = "through")]
        expect: Option<String>,
        #[command(flatten)]
        act: ActionArgs,
    },
    /// Roll back to an earlier release (default: the one before the current build).
    Rollback {
        env: String,
        #[arg(long, value_name = "vN")]
        to: Option<String>,
        #[command(flatten)]
        act: ActionArgs,
    },
    /// Approve a build into an environment.
    Approve {
        env: String,
        version: String,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        yes: NeverAsks,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Show checklist runs for an env, or import a markdown checklist.
    #[command(args_conflicts_with_subcommands = true)]
    Checklist {
        #[command(subcommand)]
        cmd: Option<ChecklistCmd>,
        env: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Tick (or --undo) one checklist item: by number or unique text prefix.
    Check {
        env: String,
        checklist: String,
        item: String,
        #[arg(long)]
        undo: bool,
        #[arg(long)]
        note: Option<String>,
        /// The role you sign as (for items that need one).
        #[arg(long = "as", value_name = "ROLE")]
        role: Option<String>,
        /// The build whose run to tick (default: the open run).
        #[arg(long = "build", value_name = "VERSION")]
        version: Option<String>,
        #[command(flatten)]
        yes: NeverAsks,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Feature flags: list, set, kill, restore, eval, export.
    Flag {
        #[command(subcommand)]
        cmd: FlagCmd,
    },
    /// Health of every endpoint and metric (one poll, or --watch).
    Health {
        env: Option<String>,
        /// Keep polling; print one line per change.
        #[arg(long)]
        watch: bool,
        /// Watch until every check is healthy; exit 1 if not within TIMEOUT (e.g. 5m).
        #[arg(long, value_name = "TIMEOUT")]
        until_healthy: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Holds placed by rollbacks.
    Hold {
        #[command(subcommand)]
        cmd: HoldCmd,
    },
    /// Settle an interrupted deployment.
    Resolve {
        env: String,
        #[arg(value_parser = ["succeeded", "failed"])]
        outcome: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The ledger's events, newest first; `audit verify` checks the hash chain.
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        cmd: Option<AuditCmd>,
        /// Only events at or after TIME (RFC 3339, a date, or an age like "2h").
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// What changed: between two releases of ENV (default: its current
    /// release and the succeeded one before it), or, given two
    /// environments, what promoting FROM into TO would bring.
    Diff {
        /// ENV, or FROM when the next argument is an environment.
        env: String,
        /// vA (the older release), or TO.
        a: Option<String>,
        /// vB (the newer release; default: the current one).
        b: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// DORA metrics of one environment (default: the last stage): deployment
    /// frequency, change lead time, change fail rate, recovery time, rework.
    Metrics {
        env: Option<String>,
        /// Start of the window: RFC 3339, a date, or an age like "90d".
        #[arg(long, default_value = "90d", value_name = "TIME")]
        since: String,
        /// End of the window (default: now).
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// List the events behind every number.
        #[arg(long)]
        explain: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Ledger maintenance.
    Ledger {
        #[command(subcommand)]
        cmd: LedgerCmd,
    },
    /// Incidents: open one, note, resolve; the recommended action for its severity.
    Incident {
        #[command(subcommand)]
        cmd: IncidentCmd,
    },
    /// Progressive rollouts: 5 → 25 → 50 → 100 % with soaks and automatic analysis.
    Rollout {
        #[command(subcommand)]
        cmd: super::rollout_cmds::RolloutCmd,
    },
    /// An announcement from the ledger's facts (the portal guide's templates;
    /// override with announce/<template>.md next to the config).
    Announce {
        env: String,
        #[arg(long, value_enum)]
        template: crate::ops::announce::Template,
        /// Post it through this [[notify]] sink (recorded, delivered via the outbox).
        #[arg(long, value_name = "SINK")]
        send: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Post-deployment review: the four questions, recorded on the release
    /// (default: the current one). Prompts on a TTY.
    Review {
        env: String,
        /// vN (default: the current release).
        release: Option<String>,
        /// One per question, in order (repeat 4 times; "" skips one).
        #[arg(long = "answer", value_name = "TEXT")]
        answers: Vec<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Notifications ([[notify]] sinks): delivery state, or deliver what is pending now.
    Notify {
        #[command(subcommand)]
        cmd: NotifyCmd,
    },
    /// Print a shell completion script, e.g. `relcon completions zsh > _relcon`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `relcon man | man -l -`.
    Man,
}

#[derive(Args, Debug, Clone, Copy)]
pub struct JsonFlag {
    /// Machine-readable output (stable; see docs/json.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ActionArgs {
    /// Why: recorded in the ledger, required in protected environments.
    #[arg(long)]
    pub reason: Option<String>,
    /// Do not ask for confirmation (required without a TTY).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Override failing gates (needs --reason; recorded).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

impl Cmd {
    /// The command's name when it writes (the ledger, an export, a config or
    /// a demo folder), None when it only reads: `--read-only` refuses the
    /// former. Exhaustive on purpose: a new command must say which it is.
    pub fn write_verb(&self) -> Option<&'static str> {
        match self {
            Cmd::Init { .. } => Some("init"),
            Cmd::Demo { print_config, .. } => (!print_config).then_some("demo"),
            Cmd::Status(_) | Cmd::History { .. } | Cmd::Health { .. } | Cmd::Diff { .. } | Cmd::Metrics { .. } => None,
            Cmd::Release {
                cmd: ReleaseCmd::Register { .. },
            } => Some("release register"),
            Cmd::Deploy { .. } => Some("deploy"),
            Cmd::Promote { .. } => Some("promote"),
            Cmd::Rollback { .. } => Some("rollback"),
            Cmd::Approve { .. } => Some("approve"),
            Cmd::Checklist { cmd: None, .. } => None,
            Cmd::Checklist {
                cmd: Some(ChecklistCmd::Import { write, .. }),
                ..
            } => write.then_some("checklist import --write"),
            Cmd::Check { .. } => Some("check"),
            Cmd::Flag { cmd } => match cmd {
                FlagCmd::List { .. } | FlagCmd::Eval { .. } => None,
                FlagCmd::Export { check, .. } => (!check).then_some("flag export"),
                FlagCmd::Set { .. } => Some("flag set"),
                FlagCmd::Kill { .. } => Some("flag kill"),
                FlagCmd::Restore { .. } => Some("flag restore"),
            },
            Cmd::Hold {
                cmd: HoldCmd::Clear { .. },
            } => Some("hold clear"),
            Cmd::Resolve { .. } => Some("resolve"),
            Cmd::Audit { cmd: None, .. }
            | Cmd::Audit {
                cmd: Some(AuditCmd::Verify { .. } | AuditCmd::Head { .. }),
                ..
            } => None,
            Cmd::Ledger { cmd } => match cmd {
                LedgerCmd::Rebuild => Some("ledger rebuild"),
                LedgerCmd::Init { .. } => Some("ledger init"),
                LedgerCmd::Copy { .. } => Some("ledger copy"),
            },
            Cmd::Incident { cmd } => match cmd {
                IncidentCmd::Open { .. } => Some("incident open"),
                IncidentCmd::Note { .. } => Some("incident note"),
                IncidentCmd::Resolve { .. } => Some("incident resolve"),
                IncidentCmd::List { .. } | IncidentCmd::Show { .. } => None,
            },
            Cmd::Rollout { cmd } => cmd.write_verb(),
            Cmd::Announce { send, .. } => send.is_some().then_some("announce --send"),
            Cmd::Review { .. } => Some("review"),
            Cmd::Notify { cmd } => match cmd {
                NotifyCmd::Status { .. } => None,
                NotifyCmd::Flush { .. } => Some("notify flush"),
            },
            Cmd::Completions { .. } | Cmd::Man => None,
        }
    }
}
