//! What a parsed command asks ops to do, as an `Intent` and what the person
//! said with it: one translation, used by the CLI and by the console's `:`
//! line, so the two front ends cannot read a command differently.

use super::{Cmd, FlagCmd, IncidentCmd};
use crate::domain::incident::Severity;
use crate::error::{Error, Result};
use crate::ops::checklist::TickRequest;
use crate::ops::flags::{Change, FlagOp, Switch};
use crate::ops::intent::{Confirmation, Intent};

/// An action, with the reason and `--force` given on the command line.
#[derive(Debug, Clone)]
pub struct Asked {
    pub intent: Intent,
    pub confirmation: Confirmation,
}

impl Asked {
    fn new(intent: Intent, reason: &Option<String>, force: bool) -> Self {
        Asked {
            intent,
            confirmation: Confirmation {
                reason: reason.clone(),
                force,
            },
        }
    }
}

impl FlagCmd {
    /// `flag set | kill | restore` as the flag change it asks for; `None`
    /// for the reads (`list`, `eval`, `export`).
    pub fn intent(&self) -> Result<Option<Asked>> {
        let flag = |env: &String, flag: &String, op| Intent::Flag {
            env: env.clone(),
            flag: flag.clone(),
            op,
        };
        Ok(Some(match self {
            FlagCmd::Set {
                env,
                flag: name,
                state,
                target,
                untarget,
                act,
            } => {
                let switch = state.as_deref().map(Switch::parse).transpose()?;
                if switch.is_none() && target.is_empty() && untarget.is_empty() {
                    return Err(Error::usage(
                        "say what to change: on, off, PERCENT%, --target KEY or --untarget KEY",
                    ));
                }
                let change = Change {
                    switch,
                    add_targets: target.clone(),
                    remove_targets: untarget.clone(),
                };
                Asked::new(flag(env, name, FlagOp::Set(change)), &act.reason, act.force)
            }
            FlagCmd::Kill {
                env,
                flag: name,
                reason,
                ..
            } => Asked::new(flag(env, name, FlagOp::Kill), reason, false),
            FlagCmd::Restore { env, flag: name, act } => {
                Asked::new(flag(env, name, FlagOp::Restore), &act.reason, act.force)
            }
            FlagCmd::List { .. } | FlagCmd::Eval { .. } | FlagCmd::Export { .. } => return Ok(None),
        }))
    }
}

impl IncidentCmd {
    /// `incident open | note | resolve` as its intent; `None` for the reads
    /// (`show`, `list`).
    pub fn intent(&self) -> Result<Option<Asked>> {
        Ok(Some(match self {
            IncidentCmd::Open {
                env,
                severity,
                summary,
                affected,
                ..
            } => {
                let severity = Severity::parse(severity).ok_or_else(|| {
                    Error::usage(format!(
                        "--severity {severity:?}: expected critical, high, medium or low"
                    ))
                })?;
                let intent = Intent::IncidentOpen {
                    env: env.clone(),
                    severity,
                    summary: summary.clone(),
                    affected: *affected,
                };
                Asked::new(intent, &None, false)
            }
            IncidentCmd::Note { env, text, .. } => Asked::new(
                Intent::IncidentNote {
                    env: env.clone(),
                    text: text.clone(),
                },
                &None,
                false,
            ),
            IncidentCmd::Resolve { env, reason, .. } => {
                Asked::new(Intent::IncidentResolve { env: env.clone() }, reason, false)
            }
            IncidentCmd::Show { .. } | IncidentCmd::List { .. } => return Ok(None),
        }))
    }
}

impl Cmd {
    /// `check` as the tick (or untick) it asks for.
    pub fn tick(&self) -> Option<TickRequest> {
        match self {
            Cmd::Check {
                env,
                checklist,
                item,
                undo,
                note,
                role,
                version,
                ..
            } => Some(TickRequest {
                env: env.clone(),
                checklist: checklist.clone(),
                item: item.clone(),
                undo: *undo,
                note: note.clone(),
                role: role.clone(),
                version: version.clone(),
            }),
            _ => None,
        }
    }
}
