//! The command line's verbs, parsed into what they ask for.

use super::parse::parse;
use super::Intent;
use crate::tui::event::Job;
use crate::tui::popups::DialogKind;
use crate::tui::theme::State;

const ENVS: &[&str] = &["dev", "staging", "prod"];

#[test]
fn verbs_map_to_dialogs() {
    assert_eq!(
        parse("promote staging prod --reason 'ship it'", ENVS),
        Intent::Dialog {
            kind: DialogKind::Promote {
                from: "staging".into(),
                to: "prod".into(),
                expect: None
            },
            reason: Some("ship it".into()),
            force: false,
            succeeded: None
        }
    );
    assert_eq!(
        parse("rollback prod --to v12", ENVS),
        Intent::Dialog {
            kind: DialogKind::Rollback {
                env: "prod".into(),
                to: Some(12)
            },
            reason: None,
            force: false,
            succeeded: None
        }
    );
    assert!(matches!(
        parse("approve prod 1.4.2", ENVS),
        Intent::Dialog {
            kind: DialogKind::Approve { .. },
            ..
        }
    ));
    assert!(matches!(
        parse("hold clear prod", ENVS),
        Intent::Dialog {
            kind: DialogKind::HoldClear { .. },
            ..
        }
    ));
    assert!(matches!(
        parse("resolve prod failed", ENVS),
        Intent::Dialog {
            succeeded: Some(false),
            ..
        }
    ));
    assert!(matches!(
        parse("promote --through prod", ENVS),
        Intent::Dialog {
            kind: DialogKind::Through { .. },
            ..
        }
    ));
    assert_eq!(parse("q", ENVS), Intent::Quit);
}

#[test]
fn check_runs_a_tick_and_errors_are_one_line() {
    match parse("check staging post-deploy 2 --note 'looks fine'", ENVS) {
        Intent::Run(Job::Tick(t)) => {
            assert_eq!(
                (t.env.as_str(), t.checklist.as_str(), t.item.as_str()),
                ("staging", "post-deploy", "2")
            );
            assert_eq!(t.note.as_deref(), Some("looks fine"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(parse("rollback moon", ENVS), Intent::Say(m, State::Error) if m.contains("unknown environment")));
    assert!(matches!(parse("frobnicate", ENVS), Intent::Say(m, State::Error) if !m.contains('\n')));
    assert!(
        matches!(parse("rollback prod --to twelve", ENVS), Intent::Say(m, _) if m.contains("not a release number"))
    );
}
