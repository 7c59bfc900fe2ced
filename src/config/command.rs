//! What a key can be bound to, its name in `[keys]`, its description and
//! whether it writes (hidden by `--read-only`).

/// Something a key can be bound to. Names are what `[keys]` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Quit,
    Help,
    CommandLine,
    Filter,
    NextView,
    PrevView,
    ViewDashboard,
    ViewChecklists,
    ViewFlags,
    ViewHealth,
    ViewAudit,
    ViewInsights,
    Left,
    Right,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Select,
    Back,
    Promote,
    PromoteThrough,
    Rollback,
    Approve,
    HoldClear,
    Resolve,
    Cancel,
    Tick,
    Untick,
    Note,
    Kill,
    Eval,
    Targets,
    Increase,
    Decrease,
    Refresh,
    ViewRollouts,
    RolloutPause,
    RolloutResume,
    RolloutAdvance,
    RolloutAbort,
    /// Incident mode on the selected env (or prod): severity, the tree, the action.
    Incident,
    /// Show again the dialog of a hook hidden with Esc (its live output).
    Output,
    /// A user command from `[keys]` (`{ shell = "…" }`): index into `Keymap::shell`.
    Shell(u16),
}

/// What the keymap, the help screen and `--read-only` know of a command.
struct Entry {
    /// Its name in `[keys]` and on the `:` line.
    name: &'static str,
    desc: &'static str,
    /// Changes the ledger or runs a hook.
    writes: bool,
}

const fn reads(name: &'static str, desc: &'static str) -> Entry {
    Entry {
        name,
        desc,
        writes: false,
    }
}

const fn writes(name: &'static str, desc: &'static str) -> Entry {
    Entry {
        name,
        desc,
        writes: true,
    }
}

impl Command {
    /// Every command a name in `[keys]` can reach, in the order help lists
    /// them (`Shell` is bound by `{ shell = "…" }`, not by name).
    #[rustfmt::skip]
    pub const ALL: [Command; 45] = {
        use Command::*;
        [
            Quit, Help, CommandLine, Filter, NextView, PrevView,
            ViewDashboard, ViewChecklists, ViewFlags, ViewHealth, ViewAudit, ViewInsights,
            Left, Right, Up, Down, PageUp, PageDown, Top, Bottom, Select, Back,
            Promote, PromoteThrough, Rollback, Approve, HoldClear, Resolve, Cancel,
            Tick, Untick, Note, Kill, Eval, Targets, Increase, Decrease, Refresh,
            ViewRollouts, RolloutPause, RolloutResume, RolloutAdvance, RolloutAbort,
            Incident, Output,
        ]
    };

    /// No wildcard arm: a new variant does not compile until it says its
    /// name and whether it writes, so it cannot slip past `--read-only`.
    const fn entry(self) -> Entry {
        use Command::*;
        match self {
            Quit => reads("quit", "Quit"),
            Help => reads("help", "Help"),
            CommandLine => reads("command-line", "Command line"),
            Filter => reads("filter", "Filter"),
            NextView => reads("next-view", "Next view"),
            PrevView => reads("prev-view", "Previous view"),
            ViewDashboard => reads("view-dashboard", "Dashboard"),
            ViewChecklists => reads("view-checklists", "Checklists"),
            ViewFlags => reads("view-flags", "Flags"),
            ViewHealth => reads("view-health", "Health"),
            ViewAudit => reads("view-audit", "Audit"),
            ViewInsights => reads("view-insights", "Insights"),
            Left => reads("left", "Previous environment"),
            Right => reads("right", "Next environment"),
            Up => reads("up", "Up"),
            Down => reads("down", "Down"),
            PageUp => reads("page-up", "Page up"),
            PageDown => reads("page-down", "Page down"),
            Top => reads("top", "Top"),
            Bottom => reads("bottom", "Bottom"),
            Select => reads("select", "Open / select"),
            Back => reads("back", "Back / close"),
            Promote => writes("promote", "Promote to next env"),
            PromoteThrough => writes("promote-through", "Promote through the chain"),
            Rollback => writes("rollback", "Roll back"),
            Approve => writes("approve", "Approve"),
            HoldClear => writes("hold-clear", "Clear hold"),
            Resolve => writes("resolve", "Resolve interrupted"),
            Cancel => writes("cancel", "Cancel running hook"),
            Tick => writes("tick", "Tick / toggle"),
            Untick => writes("untick", "Untick"),
            Note => writes("note", "Add note"),
            Kill => writes("kill", "Kill flag"),
            Eval => reads("eval", "Evaluate a key"),
            Targets => writes("targets", "Edit targets"),
            Increase => writes("increase", "Increase rollout"),
            Decrease => writes("decrease", "Decrease rollout"),
            Refresh => reads("refresh", "Refresh"),
            ViewRollouts => reads("view-rollouts", "Rollouts"),
            RolloutPause => writes("rollout-pause", "Pause the rollout"),
            RolloutResume => writes("rollout-resume", "Resume the rollout"),
            RolloutAdvance => writes("rollout-advance", "Advance the rollout a step"),
            RolloutAbort => writes("rollout-abort", "Abort the rollout"),
            Incident => writes("incident", "Incident mode"),
            Output => reads("output", "Show the hook's output again"),
            // A user's command may do anything: treat it as writing.
            Shell(_) => writes("shell", "Run command"),
        }
    }

    pub fn parse(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }
    pub fn name(self) -> &'static str {
        self.entry().name
    }
    pub fn default_desc(self) -> &'static str {
        self.entry().desc
    }
    /// Commands that change the ledger or run hooks; hidden by `--read-only`.
    pub fn writes(self) -> bool {
        self.entry().writes
    }
    pub fn all_names() -> Vec<&'static str> {
        Command::ALL.iter().map(|c| c.name()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `name` comes from the match in `entry`, `parse` searches `ALL` by
    /// name: a name given to two commands breaks the round trip.
    #[test]
    fn every_command_round_trips_by_name() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Command::ALL {
            assert!(seen.insert(c.name()), "{} named twice", c.name());
            assert_eq!(Command::parse(c.name()), Some(c), "{}", c.name());
        }
        assert_eq!(Command::all_names().len(), Command::ALL.len());
        assert_eq!(
            Command::parse("shell"),
            None,
            "shell commands are bound by `{{ shell = … }}`"
        );
    }

    /// The read-only set, spelled out: flipping a command to reading (or
    /// adding a writing one) must be a decision made here too.
    #[test]
    fn exactly_these_commands_write() {
        use Command::*;
        let writing: Vec<Command> = Command::ALL.into_iter().filter(|c| c.writes()).collect();
        assert_eq!(
            writing,
            [
                Promote,
                PromoteThrough,
                Rollback,
                Approve,
                HoldClear,
                Resolve,
                Cancel,
                Tick,
                Untick,
                Note,
                Kill,
                Targets,
                Increase,
                Decrease,
                RolloutPause,
                RolloutResume,
                RolloutAdvance,
                RolloutAbort,
                Incident
            ]
        );
        assert!(Shell(0).writes() && Shell(7).writes());
    }
}
