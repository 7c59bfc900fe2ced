//! Keys → effects: what each key asks the worker for.

use super::{app, ctx};
use crate::ops::flags::{Change, FlagOp, Switch};
use crate::ops::intent::Intent;
use crate::tui::dialogs::Popup;
use crate::tui::event::{Effect, Job};
use crate::tui::testing::{self, key, press, serve};
use crate::tui::Msg;

#[test]
fn p_asks_for_a_plan_of_promoting_to_the_next_env() {
    let (_d, mut ctx) = ctx();
    let mut a = app(&mut ctx, false);
    let fx = a.update(Msg::Key(key("p")));
    assert!(
        matches!(fx.as_slice(), [Effect::Preview { intent: Intent::Promote { from, to, .. }, .. }, Effect::Run { job: crate::tui::event::Job::Diff(_), .. }] if from == "dev" && to == "staging"),
        "{fx:?}"
    );
    assert!(matches!(a.popups.last(), Some(Popup::Dialog(_))));
    // The last stage has nowhere to promote to: a message, no dialog.
    press(&mut ctx, &mut a, &["esc", "l", "l"]);
    assert!(a.update(Msg::Key(key("p"))).is_empty());
    assert!(a.popups.is_empty());
    assert!(a.status.as_ref().is_some_and(|s| s.0.contains("last stage")));
    // P on prod plans the whole chain.
    let fx = a.update(Msg::Key(key("P")));
    assert!(
        matches!(fx.as_slice(), [Effect::Preview { intent: Intent::PromoteThrough { target }, .. }] if target == "prod"),
        "{fx:?}"
    );
}

#[test]
fn flag_keys_plan_the_change_they_name() {
    let (_d, mut ctx) = ctx();
    let mut a = app(&mut ctx, false);
    press(&mut ctx, &mut a, &["3"]);
    let plan_of = |fx: &[Effect]| match fx {
        [Effect::Preview {
            intent: Intent::Flag { env, flag, op },
            ..
        }] => (env.clone(), flag.clone(), op.clone()),
        other => panic!("{other:?}"),
    };
    // dev has beta at 25 %: + steps to 50 %, - to 10 %, space turns it off.
    let fx = a.update(Msg::Key(key("+")));
    assert_eq!(
        plan_of(&fx),
        (
            "dev".into(),
            "beta".into(),
            FlagOp::Set(Change {
                switch: Some(Switch::Percent(50)),
                add_targets: vec![],
                remove_targets: vec![]
            })
        )
    );
    press(&mut ctx, &mut a, &["esc"]);
    let fx = a.update(Msg::Key(key("-")));
    assert_eq!(
        plan_of(&fx).2,
        FlagOp::Set(Change {
            switch: Some(Switch::Percent(10)),
            add_targets: vec![],
            remove_targets: vec![]
        })
    );
    press(&mut ctx, &mut a, &["esc"]);
    let fx = a.update(Msg::Key(key("space")));
    assert_eq!(
        plan_of(&fx).2,
        FlagOp::Set(Change {
            switch: Some(Switch::Off),
            add_targets: vec![],
            remove_targets: vec![]
        })
    );
    press(&mut ctx, &mut a, &["esc", "t"]);
    testing::type_text(&mut ctx, &mut a, "42 +103 -15");
    let fx = a.update(Msg::Key(key("enter")));
    assert_eq!(
        plan_of(&fx).2,
        FlagOp::Set(Change {
            switch: None,
            add_targets: vec!["42".into(), "103".into()],
            remove_targets: vec!["15".into()]
        })
    );
    // K kills; the dialog needs no typed name outside a protected env.
    press(&mut ctx, &mut a, &["esc"]);
    let fx = a.update(Msg::Key(key("K")));
    assert_eq!(plan_of(&fx).2, FlagOp::Kill);
    serve(&mut ctx, &mut a, fx);
    assert!(matches!(
        a.update(Msg::Key(key("enter"))).as_slice(),
        [Effect::Run {
            job: Job::Intent {
                intent: Intent::Flag { op: FlagOp::Kill, .. },
                ..
            },
            ..
        }]
    ));
}

/// While a rollout's abort (or advance) dialog is open, this console's driver is told to leave that
/// env alone; once it is gone, to drive it again.
#[test]
fn an_open_rollout_dialog_holds_the_consoles_driver() {
    use crate::ops::intent::Intent;
    use crate::tui::dialogs::{Dialog, Popup};
    use crate::tui::event::Effect;
    use crate::tui::Msg;
    let (_d, mut ctx) = super::ctx();
    let mut a = super::app(&mut ctx, false);
    let intent = Intent::Rollout {
        env: "prod".into(),
        act: crate::ops::rollout::Act::Abort,
    };
    a.popups
        .push(Popup::Dialog(Box::new(Dialog::new(7, intent, None, Vec::new(), None))));
    let fx = a.update(Msg::Clock(a.shared.now));
    assert!(fx.contains(&Effect::HoldRollout(Some("prod".into()))), "{fx:?}");
    assert!(
        !a.update(Msg::Clock(a.shared.now))
            .iter()
            .any(|e| matches!(e, Effect::HoldRollout(_))),
        "said once"
    );
    a.popups.clear();
    let fx = a.update(Msg::Clock(a.shared.now));
    assert!(fx.contains(&Effect::HoldRollout(None)), "{fx:?}");
}
