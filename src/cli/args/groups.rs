//! The subcommands of `release`, `checklist`, `hold`, `audit`, `ledger`, `flag` and `incident`.

use clap::{Args, Subcommand};
use std::path::PathBuf;

use super::{ActionArgs, JsonFlag};

#[derive(Subcommand, Debug)]
pub enum ReleaseCmd {
    /// Register a build made by CI. Versions are unique; builds never change.
    Register {
        version: String,
        #[arg(long)]
        commit: String,
        #[arg(long)]
        artifact: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        /// When the commit was made (RFC 3339), for change lead time; else
        /// read from `project.repo`.
        #[arg(long, value_name = "RFC3339")]
        commit_time: Option<String>,
        #[command(flatten)]
        yes: NeverAsks,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Subcommand, Debug)]
pub enum ChecklistCmd {
    /// Turn a markdown checklist ("- [ ] item" lines) into a template.
    Import {
        file: PathBuf,
        #[arg(long)]
        name: String,
        /// Append the template to the config file instead of printing it.
        #[arg(long)]
        write: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum HoldCmd {
    /// Let promotions into ENV again.
    Clear {
        env: String,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        yes: NeverAsks,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Recompute the hash chain and every projection, and check the head
    /// against this machine's checkpoint; names the first problem (exit 1).
    Verify {
        /// Also require event SEQ to have HASH (a head anchored elsewhere,
        /// e.g. printed by `relcon audit head` in CI).
        #[arg(long, value_name = "SEQ:HASH")]
        expect_head: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Print the newest event as SEQ:HASH, to anchor outside the ledger.
    Head {
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Subcommand, Debug)]
pub enum LedgerCmd {
    /// Recompute every projection from the events.
    Rebuild,
    /// Create or migrate the ledger's schema (PostgreSQL: the `relcon`
    /// schema, its append-only triggers, and grants).
    Init {
        /// A database role to grant what relcon needs (append, never rewrite). Repeatable.
        #[arg(long, value_name = "ROLE")]
        grant: Vec<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Copy every event, verbatim, into an empty ledger (sqlite:PATH or
    /// postgres://…), verify it, and print both heads.
    Copy {
        /// Where to: `sqlite:PATH` (relative to here) or `postgres://USER@HOST/DB`.
        #[arg(long, value_name = "URL")]
        to: String,
        /// The variable holding the target server's password (default: the config's `password_env`).
        #[arg(long, value_name = "NAME")]
        password_env: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Subcommand, Debug)]
pub enum FlagCmd {
    /// Every flag in every environment.
    List {
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Turn a flag on, off, or on for a percentage; add or remove targets.
    Set {
        env: String,
        flag: String,
        /// on, off, or a percentage like 25%.
        state: Option<String>,
        /// A targeting key that always gets the flag (repeatable).
        #[arg(long = "target", value_name = "KEY")]
        target: Vec<String>,
        /// Remove a targeting key (repeatable).
        #[arg(long = "untarget", value_name = "KEY")]
        untarget: Vec<String>,
        #[command(flatten)]
        act: ActionArgs,
    },
    /// Kill switch: off now (rollout 0, targets kept but inactive).
    Kill {
        env: String,
        flag: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Back to the state before the kill.
    Restore {
        env: String,
        flag: String,
        #[command(flatten)]
        act: ActionArgs,
    },
    /// What a targeting key gets, and why (or every key on stdin, one a line).
    Eval {
        env: String,
        flag: String,
        #[arg(required_unless_present = "stdin")]
        key: Option<String>,
        /// Read targeting keys from stdin, one a line; one result a line
        /// (JSON lines with --json).
        #[arg(long, conflicts_with = "key")]
        stdin: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Rewrite every configured export (or --check which are stale).
    Export {
        /// Write nothing; exit 1 naming every file that is missing or does
        /// not hold what the ledger says.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
}

// `--yes` on a writing command that never asks: scripts pass it to every
// action (deploy, promote, rollback, flag changes ask without it), so here
// it must not be a usage error. (A plain comment: a doc comment on a
// flattened struct can become the command's about text.)
#[derive(Args, Debug, Clone, Copy)]
pub struct NeverAsks {
    /// Accepted so scripts can pass it to every action; changes nothing:
    /// this command never asks for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Subcommand, Debug)]
pub enum IncidentCmd {
    /// Open an incident on ENV; prints the action its severity calls for.
    Open {
        env: String,
        /// critical, high, medium or low.
        #[arg(long)]
        severity: String,
        /// What is happening, in a line.
        #[arg(long)]
        summary: Option<String>,
        /// Percent of users affected (the tree's "more than 10 %").
        #[arg(long, value_name = "PCT")]
        affected: Option<u32>,
        #[command(flatten)]
        yes: NeverAsks,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Add a line to the open incident's timeline.
    Note {
        env: String,
        text: String,
        #[command(flatten)]
        yes: NeverAsks,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Close the open incident.
    Resolve {
        env: String,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        yes: NeverAsks,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Incidents, newest first, or ENV's open one with its recommendation.
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// ENV's open incident and what the decision tree recommends now.
    Show {
        env: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Subcommand, Debug)]
pub enum NotifyCmd {
    /// Pending, delivered and failing notifications per sink, with the last error.
    Status {
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Deliver every pending notification now; exit 0 when none is left pending.
    Flush {
        /// Give up after this long (each sink keeps its own timeout per attempt).
        #[arg(long, default_value = "60s", value_name = "DURATION")]
        timeout: String,
        #[command(flatten)]
        yes: NeverAsks,
        #[command(flatten)]
        json: JsonFlag,
    },
}
