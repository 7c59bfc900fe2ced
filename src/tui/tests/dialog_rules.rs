//! The action dialog's rules: reason, typed name, force, cancel.

use super::{dialog, gate, typed};
use crate::tui::event::Job;
use crate::tui::popups::Outcome;
use crate::tui::testing::key;

#[test]
fn protected_env_needs_a_reason_and_its_typed_name() {
    let mut d = dialog(true, vec![gate("running", true, false)]);
    assert_eq!(d.on_key(&key("enter")), Outcome::Consumed);
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("reason")), "{:?}", d.hint);
    typed(&mut d, "hotfix");
    d.on_key(&key("enter"));
    assert!(
        d.hint.as_deref().is_some_and(|h| h.contains("type prod")),
        "{:?}",
        d.hint
    );
    d.on_key(&key("tab"));
    typed(&mut d, "pro");
    assert_eq!(d.on_key(&key("enter")), Outcome::Consumed);
    typed(&mut d, "d");
    match d.on_key(&key("enter")) {
        Outcome::Run(Job::Promote { opts, .. }) => {
            assert_eq!(opts.reason.as_deref(), Some("hotfix"));
            assert_eq!(opts.expect, Some(7), "the source vN the dialog showed");
            assert!(!opts.force);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unprotected_env_confirms_with_enter_alone() {
    let mut d = dialog(false, vec![gate("running", true, false)]);
    assert!(matches!(d.on_key(&key("enter")), Outcome::Run(_)));
}

#[test]
fn failing_gates_need_force_and_force_needs_a_reason() {
    let mut d = dialog(
        false,
        vec![gate("running", true, false), gate("approvals", false, true)],
    );
    assert!(d.locked());
    // Typing does nothing while refused; Enter explains.
    typed(&mut d, "abc");
    assert_eq!(d.reason.value(), "");
    d.on_key(&key("enter"));
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("refused by 1 gate")));
    d.on_key(&key("F"));
    assert!(d.force && !d.locked());
    d.on_key(&key("enter"));
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("reason")));
    typed(&mut d, "incident 42");
    assert!(matches!(d.on_key(&key("enter")), Outcome::Run(Job::Promote { opts, .. }) if opts.force));
    // A running deployment cannot be forced past.
    let mut d = dialog(false, vec![gate("running", false, false)]);
    d.on_key(&key("F"));
    assert!(!d.force);
    assert!(d.ready().is_err());
}

#[test]
fn running_dialog_cancels_with_x_and_hides_with_esc() {
    let mut d = dialog(false, vec![gate("running", true, false)]);
    assert!(matches!(d.on_key(&key("enter")), Outcome::Run(_)));
    assert_eq!(d.on_key(&key("x")), Outcome::Cancel);
    assert_eq!(d.on_key(&key("esc")), Outcome::Close);
}
