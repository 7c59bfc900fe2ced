//! `--read-only` in the console: every command that writes is refused, in
//! every view, whatever key it is bound to — the commands are enumerated,
//! not picked by hand — and the `:` line refuses what writes too.

use ratatui::crossterm::event::{KeyCode as CK, KeyEvent, KeyModifiers};

use super::{app, ctx};
use crate::config::keys::MODES;
use crate::config::{Command, KeyCode, KeySpec};
use crate::ops::register::{register, NewBuild};
use crate::tui::dialogs::Popup;
use crate::tui::event::Effect;
use crate::tui::testing::{key, press, type_text};
use crate::tui::{App, Msg, View};

/// Every command: each one `[keys]` names (`Command::entry` is the one
/// table), and a user's shell command.
fn every_command() -> Vec<Command> {
    let mut all: Vec<Command> = Command::all_names().into_iter().filter_map(Command::parse).collect();
    all.push(Command::Shell(0));
    all
}

const F5: KeySpec = KeySpec {
    code: KeyCode::F(5),
    ctrl: false,
    alt: false,
};

/// F5 runs `cmd` in every mode (a user's `[keys]` could bind any command anywhere).
fn bind_everywhere(a: &mut App, cmd: Command) {
    for mode in MODES {
        a.shared.keymap.bind(mode, F5, cmd, None);
    }
}

fn f5() -> Msg {
    Msg::Key(KeyEvent::new(CK::F(5), KeyModifiers::NONE))
}

/// A ledger with something to act on everywhere: releases in dev and
/// staging, a pending build for prod, open checklist items, flags.
fn world() -> (tempfile::TempDir, crate::ops::Ctx) {
    let (d, mut ctx) = ctx();
    let build = |v: &str| NewBuild {
        version: v.into(),
        commit: format!("c0ffee{v}"),
        artifact: None,
        notes: None,
    };
    register(&mut ctx, build("1.0.0")).unwrap();
    let none = crate::ops::deploy::Options::default();
    let cancel = crate::exec::CancelToken::default();
    crate::ops::deploy::deploy(&mut ctx, "dev", "1.0.0", &none, &mut |_| {}, &cancel).unwrap();
    crate::ops::deploy::promote(&mut ctx, "dev", "staging", &none, &mut |_| {}, &cancel).unwrap();
    (d, ctx)
}

#[test]
fn read_only_refuses_every_command_that_writes_in_every_view() {
    let (_d, mut ctx) = world();
    let writing: Vec<Command> = every_command().into_iter().filter(|c| c.writes()).collect();
    // The set itself is pinned by config's own tests; here, it is found.
    for w in [
        Command::Promote,
        Command::Rollback,
        Command::Kill,
        Command::Tick,
        Command::Shell(0),
    ] {
        assert!(writing.contains(&w), "{w:?} not among {writing:?}");
    }
    let mut a = app(&mut ctx, true);
    a.shared.keymap.bind_shell("global", F5, "touch shell-ran".into(), None);
    press(&mut ctx, &mut a, &["l"]);
    for (i, view) in View::ALL.iter().enumerate() {
        press(&mut ctx, &mut a, &[&(i + 1).to_string()]);
        assert_eq!(a.view, *view);
        for &cmd in &writing {
            bind_everywhere(&mut a, cmd);
            a.status = None;
            let fx = a.update(f5());
            let said = a.status.as_ref().map(|s| s.0.clone()).unwrap_or_default();
            assert!(fx.is_empty(), "{cmd:?} in {view:?}: {fx:?}");
            assert!(a.popups.is_empty(), "{cmd:?} in {view:?} opened a popup");
            assert!(said.starts_with("read-only"), "{cmd:?} in {view:?}: {said:?}");
        }
    }
}

/// The check above is not vacuous: the same keys in a console that may
/// write act (a dialog, a prompt, a job) or say why not — never "read-only".
#[test]
fn the_same_commands_act_when_the_console_may_write() {
    let (_d, mut ctx) = world();
    for cmd in every_command().into_iter().filter(|c| c.writes()) {
        let mut a = app(&mut ctx, false);
        bind_everywhere(&mut a, cmd);
        let view = match cmd {
            Command::Tick | Command::Untick | Command::Note => "2",
            Command::Kill | Command::Targets | Command::Increase | Command::Decrease => "3",
            _ => "1",
        };
        press(&mut ctx, &mut a, &["l", view]);
        let fx = a.update(f5());
        let said = a.status.as_ref().map(|s| s.0.clone()).unwrap_or_default();
        assert!(!said.starts_with("read-only"), "{cmd:?}: {said}");
        let acts = matches!(
            cmd,
            Command::Promote | Command::Rollback | Command::Kill | Command::Increase | Command::Targets
        );
        if acts {
            let opened = a
                .popups
                .iter()
                .any(|p| matches!(p, Popup::Dialog(_) | Popup::Prompt(_)));
            assert!(opened, "{cmd:?} opened nothing: {fx:?} {said}");
        }
    }
}

#[test]
fn read_only_refuses_a_writing_command_line_and_allows_a_reading_one() {
    let (_d, mut ctx) = world();
    let mut a = app(&mut ctx, true);
    for line in [
        "promote dev staging",
        "rollback staging",
        "approve prod 1.0.0",
        "hold clear prod",
        "resolve prod failed",
        "check staging post-deploy 1",
        "flag kill dev beta",
        "flag set dev beta on",
    ] {
        press(&mut ctx, &mut a, &[":"]);
        type_text(&mut ctx, &mut a, line);
        let fx = a.update(Msg::Key(key("enter")));
        assert!(fx.is_empty(), "{line}: {fx:?}");
        assert!(a.popups.is_empty(), "{line} opened a popup");
        let said = a.status.as_ref().map(|s| s.0.clone()).unwrap_or_default();
        assert!(said.starts_with("read-only"), "{line}: {said}");
    }
    press(&mut ctx, &mut a, &[":"]);
    type_text(&mut ctx, &mut a, "flag eval dev beta 42");
    let fx = a.update(Msg::Key(key("enter")));
    assert!(matches!(fx.as_slice(), [Effect::Run { .. }]), "{fx:?}");
}
