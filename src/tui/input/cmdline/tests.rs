//! The command line's verbs, parsed into the intents the keys make.

use super::parse::parse;
use crate::ops::flags::FlagOp;
use crate::ops::intent::Intent;
use crate::tui::event::Job;
use crate::tui::input::Asked;
use crate::tui::render::theme::State;

const ENVS: &[&str] = &["dev", "staging", "prod"];

/// The intent a line asks to confirm in a dialog.
fn dialog(line: &str) -> Intent {
    match parse(line, ENVS) {
        Asked::Dialog { intent, .. } => intent,
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn verbs_map_to_intents() {
    assert_eq!(
        parse("promote staging prod --reason 'ship it'", ENVS),
        Asked::Dialog {
            intent: Intent::Promote {
                from: "staging".into(),
                to: "prod".into(),
                expect: None
            },
            reason: Some("ship it".into()),
            force: false,
        }
    );
    assert_eq!(
        dialog("rollback prod --to v12"),
        Intent::Rollback {
            env: "prod".into(),
            to: Some(12)
        }
    );
    assert!(matches!(dialog("approve prod 1.4.2"), Intent::Approve { .. }));
    assert_eq!(dialog("hold clear prod"), Intent::HoldClear { env: "prod".into() });
    assert_eq!(
        dialog("resolve prod failed"),
        Intent::Resolve {
            env: "prod".into(),
            succeeded: false
        }
    );
    assert_eq!(
        dialog("promote --through prod"),
        Intent::PromoteThrough { target: "prod".into() }
    );
    assert!(matches!(
        dialog("flag kill prod beta --reason incident"),
        Intent::Flag { op: FlagOp::Kill, .. }
    ));
    assert_eq!(parse("q", ENVS), Asked::Quit);
}

#[test]
fn check_runs_a_tick_and_errors_are_one_line() {
    match parse("check staging post-deploy 2 --note 'looks fine'", ENVS) {
        Asked::Run(Job::Intent {
            intent: Intent::Tick(t),
            ..
        }) => {
            assert_eq!(
                (t.env.as_str(), t.checklist.as_str(), t.item.as_str()),
                ("staging", "post-deploy", "2")
            );
            assert_eq!(t.note.as_deref(), Some("looks fine"));
        }
        other => panic!("{other:?}"),
    }
    for line in [
        "rollback moon",
        "promote dev moon",
        "promote --through moon",
        "check moon pre-deploy 1",
        "flag eval moon beta 42",
        "history moon",
    ] {
        assert!(
            matches!(parse(line, ENVS), Asked::Say(ref m, State::Error) if m.contains("unknown environment \"moon\"")),
            "{line}"
        );
    }
    assert!(matches!(parse("frobnicate", ENVS), Asked::Say(m, State::Error) if !m.contains('\n')));
    assert!(matches!(parse("rollback prod --to twelve", ENVS), Asked::Say(m, _) if m.contains("not a release number")));
}
