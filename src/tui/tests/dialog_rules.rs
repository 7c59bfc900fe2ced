//! The action dialog's rules: reason, typed name, force, cancel.

use super::{app, ctx, dialog, gate, plan, preview, typed};
use crate::ops::intent::{Confirmation, Intent};
use crate::tui::dialogs::{Outcome, Popup};
use crate::tui::event::{Effect, Job};
use crate::tui::testing::{self, key};
use crate::tui::Msg;

#[test]
fn protected_env_needs_a_reason_and_its_typed_name() {
    let mut d = dialog(true, vec![gate("running", true, false)]);
    assert_eq!(d.on_key(&key("enter")), Outcome::Consumed);
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("reason")), "{:?}", d.hint);
    typed(&mut d, "hotfix");
    // Enter in the reason moves on to the name to type.
    d.on_key(&key("enter"));
    assert_eq!(d.focus, crate::tui::dialogs::dialog::Field::Confirm);
    assert_eq!(d.hint, None);
    typed(&mut d, "pro");
    assert_eq!(d.on_key(&key("enter")), Outcome::Consumed);
    typed(&mut d, "d");
    match d.on_key(&key("enter")) {
        Outcome::Run(Job::Intent {
            intent: Intent::Promote { expect, .. },
            confirmation: Confirmation { reason, force },
        }) => {
            assert_eq!(reason.as_deref(), Some("hotfix"));
            assert_eq!(expect, Some(7), "the source vN the dialog showed");
            assert!(!force);
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
    assert!(matches!(
        d.on_key(&key("enter")),
        Outcome::Run(Job::Intent { confirmation, .. }) if confirmation.force
    ));
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

#[test]
fn an_open_dialog_follows_its_gates_but_not_a_different_build() {
    // An approval lands while the dialog is open: the fresh plan unlocks it.
    let mut d = dialog(true, vec![gate("running", true, false), gate("approvals", false, true)]);
    assert!(d.locked());
    d.set_preview(preview(plan(
        true,
        vec![gate("running", true, false), gate("approvals", true, true)],
    )));
    assert!(!d.locked() && d.moved.is_none());
    typed(&mut d, "weekly");
    d.on_key(&key("tab"));
    typed(&mut d, "prod");
    assert!(d.ready().is_ok());
    // The source got another build meanwhile: keep what was shown, refuse Enter.
    let mut other = plan(true, vec![gate("running", true, false)]);
    other.source_release = Some(8);
    other.build.version = "1.4.3".into();
    d.set_preview(preview(other));
    assert!(d.moved.is_some() && d.ready().is_err());
    assert_eq!(d.on_key(&key("enter")), Outcome::Consumed);
    assert!(matches!(d.deciding().map(|s| &s.plan), Some(Ok(p)) if p.build.version == "1.4.2"));
}

#[test]
fn a_fresh_snapshot_replans_a_dialog_waiting_for_confirmation() {
    let (_d, mut ctx) = ctx();
    let mut a = app(&mut ctx, false);
    let fx = a.update(Msg::Key(key("p")));
    testing::serve(&mut ctx, &mut a, fx);
    let snap = a.shared.snap.clone().unwrap();
    let fx = a.update(Msg::Snapshot(Box::new(snap)));
    assert!(
        matches!(
            fx.as_slice(),
            [Effect::Preview {
                intent: Intent::Promote { .. },
                ..
            }]
        ),
        "{fx:?}"
    );
    assert!(matches!(a.popups.last(), Some(Popup::Dialog(_))));
}
