//! The on-call views, rendered headlessly at 80×24 and 160×48 and
//! snapshotted: the diff pane (`Enter` on a release: commits from a real git
//! repo, flag changes, approvals), the incident panel (`!`: severity, the
//! tree, the recommendation), the "terminal too small" message; and the one
//! line the promote and rollback dialogs show of what changed.

mod tui_support;

use relcon::config::Config;
use relcon::exec::CancelToken;
use relcon::ops::deploy::Options;
use relcon::ops::{self};
use relcon::tui::dialogs::Popup;
use relcon::tui::testing::press;
use tui_support::*;

const REPO_CONFIG: &str = r#"
[project]
name = "portal"
repo = "repo"

[ledger]
url = "sqlite:ledger.db"

[[environment]]
name = "dev"
deploy = "true"

[[environment]]
name = "prod"
promote_from = "dev"
deploy = "true"

[flag.beta]
env.dev = { enabled = false }
"#;

/// dev: v1 at the first commit, v2 at the third, v3 at the fifth, and a
/// flag change between v2 and v3.
fn repo_world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let ids = git_repo(
        &dir.path().join("repo"),
        &[
            ("Ana", "Initial customer portal"),
            ("Bo", "Tenant switcher in the header"),
            ("Ana", "Fix the login redirect loop"),
            ("Cy", "Invoices as PDF"),
            ("Bo", "Retry card authorisation once"),
        ],
    );
    std::fs::write(dir.path().join("relcon.toml"), REPO_CONFIG).unwrap();
    let config = Config::load(&dir.path().join("relcon.toml")).unwrap();
    let clock = std::sync::Arc::new(std::sync::Mutex::new(now() - chrono::Duration::days(3)));
    let c2 = clock.clone();
    let ctx = ops::Ctx::open(config, "ana".into(), std::sync::Arc::new(move || *c2.lock().unwrap())).unwrap();
    let mut w = World { _dir: dir, ctx, clock };
    let cancel = CancelToken::default();
    for (i, (v, commit)) in [("1.0.0", &ids[0]), ("1.1.0", &ids[2]), ("1.2.0", &ids[4])]
        .into_iter()
        .enumerate()
    {
        w.set(now() - chrono::Duration::hours(60 - 12 * i as i64));
        register(&mut w, v, commit);
        if v == "1.2.0" {
            w.as_user("bo");
            ops::flags::set(
                &mut w.ctx,
                "dev",
                "beta",
                &ops::flags::Change {
                    switch: Some(ops::flags::Switch::On),
                    ..Default::default()
                },
                Some("try it in dev".into()),
                false,
            )
            .unwrap();
            w.as_user("ana");
        }
        ops::deploy::deploy(&mut w.ctx, "dev", v, &Options::default(), &mut |_| {}, &cancel).unwrap();
    }
    w.set(now());
    w
}

#[test]
fn enter_on_a_release_shows_what_it_changed_and_esc_goes_back() {
    let mut w = repo_world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["enter"]);
    assert!(matches!(a.popups.last(), Some(Popup::Diff(_))), "the diff pane is open");
    let (t, _) = screen(&a, 160, 48);
    insta::assert_snapshot!("diff_160x48", t);
    assert!(t.contains("What changed · dev v3"), "{t}");
    assert!(t.contains("dev v2 1.1.0 → dev v3 1.2.0"), "{t}");
    // Newest first, only the commits v3 brought.
    let newest = t.find("Retry card authorisation once").expect("the newest commit");
    let older = t.find("Invoices as PDF").expect("the older commit");
    assert!(newest < older && !t.contains("Fix the login redirect loop"), "{t}");
    assert!(t.contains("Flag changes (1)") && t.contains("try it in dev"), "{t}");
    insta::assert_snapshot!("diff_80x24", screen(&a, 80, 24).0);
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(a.popups.is_empty(), "esc goes back");
    assert!(!screen(&a, 160, 48).0.contains("What changed ·"));
}

#[test]
fn promote_and_rollback_dialogs_say_what_changed_in_one_line() {
    let mut w = repo_world();
    let mut a = app(&mut w, (160, 48), false);
    // dev's build into prod: everything since prod's (none) release.
    press(&mut w.ctx, &mut a, &["p"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(t.contains("what changed: "), "{t}");
    press(&mut w.ctx, &mut a, &["esc", "r"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(t.contains("takes out: 1.1.0 → 1.2.0"), "{t}");
}

#[test]
fn incident_panel_shows_the_tree_and_the_recommended_action() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    // Nothing selected yet: incident mode means prod.
    press(&mut w.ctx, &mut a, &["!"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(t.contains("Incident · prod") && t.contains("how bad is it?"), "{t}");
    insta::assert_snapshot!("incident_severity_80x24", screen(&a, 80, 24).0);
    press(&mut w.ctx, &mut a, &["c"]);
    let (t, _) = screen(&a, 160, 48);
    insta::assert_snapshot!("incident_160x48", t);
    assert!(t.contains("Decision tree (critical):"), "{t}");
    assert!(t.contains("recommended: critical: roll back to v1"), "{t}");
    insta::assert_snapshot!("incident_80x24", screen(&a, 80, 24).0);
    let open = ops::incident::list(&w.ctx, 5).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].env, "prod");
    // Enter: the rollback dialog, the reason filled in, the cursor on the name.
    press(&mut w.ctx, &mut a, &["enter"]);
    let (t, _) = screen(&a, 160, 48);
    let label = open[0].label();
    assert!(
        t.contains("Roll back prod") && t.contains(&format!("{label}: critical")),
        "{t}"
    );
    match a.popups.last() {
        Some(Popup::Dialog(d)) => {
            assert_eq!(d.focus, relcon::tui::dialogs::dialog::Field::Confirm);
            assert_eq!(d.reason.value(), format!("{label}: critical"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn too_small_says_so_and_comes_back() {
    let mut w = world();
    let mut a = app(&mut w, (50, 15), false);
    let (t, _) = screen(&a, 50, 15);
    insta::assert_snapshot!("too_small_50x15", t);
    assert!(t.contains("terminal too small: 50×15"), "{t}");
    a.resize(59, 24);
    assert!(screen(&a, 59, 24).0.contains("needs at least 60×12"));
    for (w_, h) in [(80, 24), (160, 48)] {
        a.resize(w_, h);
        let (t, _) = screen(&a, w_, h);
        assert!(!t.contains("too small") && t.contains(" relcon "), "{w_}×{h}: {t}");
    }
}

#[test]
fn enter_in_audit_shows_the_event_whole_and_esc_goes_back() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["5"]);
    // The newest event: fay's approval of 1.3.0, with its note.
    press(&mut w.ctx, &mut a, &["enter"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(matches!(a.popups.last(), Some(Popup::Text(_))), "{t}");
    assert!(
        t.contains("Event #") && t.contains("approval.granted") && t.contains("reviewed the diff") && t.contains("fay"),
        "{t}"
    );
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(a.popups.is_empty());
    assert_eq!(a.view, relcon::tui::views::View::Audit, "esc goes back to the trail");
}

#[test]
fn slash_filters_the_view_it_is_pressed_in() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    // Flags: `/` then text narrows the flags; the view stays Flags.
    press(&mut w.ctx, &mut a, &["3", "/"]);
    relcon::tui::testing::type_text(&mut w.ctx, &mut a, "check");
    press(&mut w.ctx, &mut a, &["enter"]);
    assert_eq!(a.view, relcon::tui::views::View::Flags);
    let (t, _) = screen(&a, 160, 48);
    assert!(t.contains("1 match “check”") && t.contains("new_checkout"), "{t}");
    assert!(!t.contains("▸ customer_portal"), "{t}");
    assert_eq!(a.views.flags.flag_name(&a.shared), Some("new_checkout"));
    // Esc clears it.
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(screen(&a, 160, 48).0.contains("▸ customer_portal"));
    // Audit: its own filter.
    press(&mut w.ctx, &mut a, &["5", "/"]);
    relcon::tui::testing::type_text(&mut w.ctx, &mut a, "approved");
    press(&mut w.ctx, &mut a, &["enter"]);
    assert_eq!(a.view, relcon::tui::views::View::Audit);
    assert!(a.views.audit.visible().iter().all(|r| r.summary.contains("approved")));
}

#[test]
fn a_running_hooks_dialog_hidden_with_esc_comes_back_with_o() {
    use relcon::tui::Msg;
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["l", "l", "r"]);
    relcon::tui::testing::type_text(&mut w.ctx, &mut a, "checkout errors");
    press(&mut w.ctx, &mut a, &["enter"]);
    relcon::tui::testing::type_text(&mut w.ctx, &mut a, "prod");
    // Confirmed: the hook would run now (the effect is held back, so it "runs").
    let running = a.update(Msg::Key(relcon::tui::testing::key("enter")));
    assert!(!running.is_empty());
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(a.popups.is_empty() && a.hidden.is_some());
    assert!(
        a.status.as_ref().is_some_and(|s| s.0.contains("o shows its output")),
        "{:?}",
        a.status
    );
    press(&mut w.ctx, &mut a, &["o"]);
    assert!(matches!(a.popups.last(), Some(Popup::Dialog(_))));
    // It finishes while shown: the result is in the same dialog.
    relcon::tui::testing::serve(&mut w.ctx, &mut a, running);
    let (t, _) = screen(&a, 160, 48);
    assert!(t.contains("✔ prod v3"), "{t}");
    // Closed once done, it is still there until the next hook: `o`
    // shows its output again.
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(a.popups.is_empty());
    press(&mut w.ctx, &mut a, &["o"]);
    assert!(screen(&a, 160, 48).0.contains("✔ prod v3"));
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(a.popups.is_empty());
}

#[test]
fn the_command_line_completes_keeps_a_history_and_shows_long_errors_whole() {
    use relcon::tui::testing::type_text;
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    // Tab: verb, env, flag; Enter runs the line (a dialog, as the keys make).
    press(&mut w.ctx, &mut a, &[":"]);
    type_text(&mut w.ctx, &mut a, "fla");
    press(&mut w.ctx, &mut a, &["tab"]);
    type_text(&mut w.ctx, &mut a, "ki");
    press(&mut w.ctx, &mut a, &["tab"]);
    type_text(&mut w.ctx, &mut a, "pr");
    press(&mut w.ctx, &mut a, &["tab"]);
    type_text(&mut w.ctx, &mut a, "cust");
    press(&mut w.ctx, &mut a, &["tab"]);
    match a.popups.last() {
        Some(Popup::Prompt(p)) => assert_eq!(p.input.value(), "flag kill prod customer_portal "),
        other => panic!("{other:?}"),
    }
    press(&mut w.ctx, &mut a, &["enter"]);
    assert!(screen(&a, 160, 48).0.contains("Kill customer_portal in prod"));
    press(&mut w.ctx, &mut a, &["esc"]);
    // Up recalls it.
    press(&mut w.ctx, &mut a, &[":", "up"]);
    match a.popups.last() {
        Some(Popup::Prompt(p)) => assert_eq!(p.input.value(), "flag kill prod customer_portal"),
        other => panic!("{other:?}"),
    }
    press(&mut w.ctx, &mut a, &["esc"]);
    // An error longer than the status line: shown whole in a pane.
    a.resize(60, 24);
    press(&mut w.ctx, &mut a, &[":"]);
    type_text(
        &mut w.ctx,
        &mut a,
        "promote staging prod --expect v1 --no-such-option-at-all-anywhere-in-relcon-whatsoever-really-not",
    );
    press(&mut w.ctx, &mut a, &["enter"]);
    let (t, _) = screen(&a, 60, 24);
    assert!(matches!(a.popups.last(), Some(Popup::Text(_))), "{t}");
    assert!(t.contains("error"), "{t}");
}

#[test]
fn incident_show_and_list_on_the_command_line_read_and_never_open_one() {
    use relcon::tui::testing::type_text;
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    let line = |w: &mut World, a: &mut relcon::tui::App, text: &str| {
        press(&mut w.ctx, a, &[":"]);
        type_text(&mut w.ctx, a, text);
        press(&mut w.ctx, a, &["enter"]);
    };
    // No open incident: it says so, as the CLI prints null (the severity
    // picker that `!` opens is for opening one).
    line(&mut w, &mut a, "incident show prod");
    assert!(a.popups.is_empty(), "{:?}", a.popups.len());
    let t = screen(&a, 160, 48).0;
    assert!(t.contains("prod has no open incident (! opens one)"), "{t}");
    // The list: the Audit view, on the incidents' events.
    ops::incident::open(&mut w.ctx, "prod", relcon::domain::incident::Severity::High, None, None).unwrap();
    line(&mut w, &mut a, "incident list");
    let t = screen(&a, 160, 48).0;
    assert!(
        t.contains("Audit") && t.contains("incident.") && t.contains("opened"),
        "{t}"
    );
    // With one open, show is incident mode on it.
    line(&mut w, &mut a, "incident show prod");
    assert!(matches!(a.popups.last(), Some(Popup::Incident(_))), "{t}");
}

#[test]
fn promote_through_shows_every_steps_gates() {
    let mut w = world();
    register(&mut w, "1.4.0", "e5f6a7b8c9");
    ops::deploy::deploy(
        &mut w.ctx,
        "dev",
        "1.4.0",
        &Options::default(),
        &mut |_| {},
        &CancelToken::default(),
    )
    .unwrap();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["l", "l", "P"]);
    let (t, _) = screen(&a, 160, 48);
    let later = t.find("then prod ← staging").unwrap_or_else(|| panic!("{t}"));
    assert!(t[later..].contains("its gates as of now:"), "{t}");
    // prod's own gates, listed under its step: the freeze and the approvals.
    assert!(
        t[later..].contains("✖ freeze") && t[later..].contains("approvals"),
        "{t}"
    );
}

#[test]
fn slash_filters_the_history_checklists_and_health() {
    use relcon::tui::testing::type_text;
    use relcon::tui::views::View;
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    // Dashboard history: the cursor moves over the matches; Enter keeps the
    // filter, the highlighted release is the match, Esc clears it.
    press(&mut w.ctx, &mut a, &["1", "/"]);
    type_text(&mut w.ctx, &mut a, "1.1.0");
    press(&mut w.ctx, &mut a, &["enter"]);
    assert_eq!(a.view, View::Dashboard);
    assert!(a.popups.is_empty());
    let (t, _) = screen(&a, 160, 48);
    assert!(t.contains("filter “1.1.0”: 1 match"), "{t}");
    assert!(
        !t.contains("deploy 1.3.0") && !t.contains("deploy 1.0.0"),
        "other releases are hidden: {t}"
    );
    let picked = |a: &relcon::tui::App| {
        let d = &a.views.dashboard;
        d.release(&a.shared, d.history.cursor).map(|r| r.version.clone())
    };
    assert_eq!(picked(&a).as_deref(), Some("1.1.0"));
    press(&mut w.ctx, &mut a, &["j"]);
    assert_eq!(picked(&a).as_deref(), Some("1.1.0"), "one match: j stays on it");
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(a.views.dashboard.filter.is_empty());
    assert_eq!(picked(&a).as_deref(), Some("1.3.0"), "back to the newest");
    assert!(screen(&a, 160, 48).0.contains("1.0.0"));

    // Checklists (staging's validation run): only the items that match.
    press(&mut w.ctx, &mut a, &["2", "l", "/"]);
    type_text(&mut w.ctx, &mut a, "qa");
    press(&mut w.ctx, &mut a, &["enter"]);
    assert_eq!(a.view, View::Checklists);
    let (t, _) = screen(&a, 160, 48);
    assert!(
        t.contains("filter “qa”: 1 match") && t.contains("Exploratory QA pass"),
        "{t}"
    );
    assert!(!t.contains("Smoke tests green"), "{t}");
    assert_eq!(
        a.views.checklists.highlighted_key(&a.shared).as_deref(),
        Some("staging-validation@1.3.0#2")
    );
    press(&mut w.ctx, &mut a, &["esc"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(
        t.contains("Smoke tests green") && t.contains("Exploratory QA pass"),
        "{t}"
    );

    // Health: an env named by the filter, or the rows that hold it.
    press(&mut w.ctx, &mut a, &["4", "/"]);
    type_text(&mut w.ctx, &mut a, "api");
    press(&mut w.ctx, &mut a, &["enter"]);
    assert_eq!(a.view, View::Health);
    let (t, _) = screen(&a, 160, 48);
    assert!(
        t.contains("filter “api”") && t.contains("prod") && t.contains("api"),
        "{t}"
    );
    assert!(
        !t.contains("no health checks configured"),
        "dev and staging have no api row: {t}"
    );
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(screen(&a, 160, 48).0.contains("no health checks configured"));
    // A filter that matches nothing says so.
    press(&mut w.ctx, &mut a, &["/"]);
    type_text(&mut w.ctx, &mut a, "zzz");
    press(&mut w.ctx, &mut a, &["enter"]);
    assert!(screen(&a, 160, 48).0.contains("nothing matches the filter"));
}

#[test]
fn incident_panel_notes_and_resolves_through_the_incident_intents() {
    use relcon::tui::testing::type_text;
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["!", "c"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(
        t.contains("n note") && t.contains("R resolve"),
        "the panel says its keys: {t}"
    );
    // `n`: a note, typed in a prompt over the panel; the panel stays.
    press(&mut w.ctx, &mut a, &["n"]);
    assert!(matches!(a.popups.last(), Some(Popup::Prompt(_))));
    type_text(&mut w.ctx, &mut a, "paged the db team");
    press(&mut w.ctx, &mut a, &["enter"]);
    assert!(matches!(a.popups.last(), Some(Popup::Incident(_))), "back on the panel");
    let inc = &ops::incident::list(&w.ctx, 5).unwrap()[0];
    assert_eq!((inc.env.as_str(), inc.notes), ("prod", 1));
    let audit = ops::audit::list(&w.ctx, 10, None).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.kind.starts_with("incident.not") && e.body.contains("paged the db team")),
        "the note is in the ledger: {audit:?}"
    );
    // `R`: the resolve dialog (a reason), then it is resolved in the ledger.
    press(&mut w.ctx, &mut a, &["R"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(t.contains("Resolve prod's incident"), "{t}");
    type_text(&mut w.ctx, &mut a, "fixed in 1.3.1");
    press(&mut w.ctx, &mut a, &["enter"]);
    if matches!(a.popups.last(), Some(Popup::Dialog(d)) if d.focus == relcon::tui::dialogs::dialog::Field::Confirm) {
        type_text(&mut w.ctx, &mut a, "prod");
        press(&mut w.ctx, &mut a, &["enter"]);
    }
    let inc = &ops::incident::list(&w.ctx, 5).unwrap()[0];
    assert!(inc.resolved_at.is_some(), "{inc:?}");
    assert_eq!(inc.resolution.as_deref(), Some("fixed in 1.3.1"));
    assert_eq!(inc.resolved_by.as_deref(), Some("ana"));
}
