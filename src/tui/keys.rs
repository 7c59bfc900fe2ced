//! Terminal keys → the config's `KeySpec`, and the TUI's additions to the
//! default keymap (bound only where the user left the command unbound).

use ratatui::crossterm::event::{KeyCode as CK, KeyEvent, KeyModifiers};

use crate::config::{Binding, Command, KeyCode, KeySpec, Keymap};

pub fn spec(k: &KeyEvent) -> Option<KeySpec> {
    let code = match k.code {
        CK::Char(c) => KeyCode::Char(c),
        CK::Left => KeyCode::Left,
        CK::Right => KeyCode::Right,
        CK::Up => KeyCode::Up,
        CK::Down => KeyCode::Down,
        CK::Enter => KeyCode::Enter,
        CK::Esc => KeyCode::Esc,
        CK::Tab => KeyCode::Tab,
        CK::BackTab => KeyCode::BackTab,
        CK::Backspace => KeyCode::Backspace,
        CK::Delete => KeyCode::Delete,
        CK::Home => KeyCode::Home,
        CK::End => KeyCode::End,
        CK::PageUp => KeyCode::PageUp,
        CK::PageDown => KeyCode::PageDown,
        CK::F(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(KeySpec {
        code,
        ctrl: k.modifiers.contains(KeyModifiers::CONTROL),
        alt: k.modifiers.contains(KeyModifiers::ALT),
    })
}

/// Keys the engine's defaults do not bind yet. Checklists: space ticks, `u`
/// unticks, `n` adds a note. Flags: space toggles, `K` kills (or restores),
/// `+`/`-` step the rollout, `t` edits targets, `e` evaluates a key. A
/// user's own binding always wins.
pub fn with_tui_defaults(mut keymap: Keymap) -> Keymap {
    let wanted = [
        ("checklists", ' ', Command::Tick),
        ("checklists", 'u', Command::Untick),
        ("checklists", 'n', Command::Note),
        ("flags", ' ', Command::Tick),
        ("flags", 'K', Command::Kill),
        ("flags", '+', Command::Increase),
        ("flags", '-', Command::Decrease),
        ("flags", 't', Command::Targets),
        ("flags", 'e', Command::Eval),
    ];
    for (mode, c, cmd) in wanted {
        let key = KeySpec::ch(c);
        let list: &[Binding] = keymap.modes.get(mode).map(Vec::as_slice).unwrap_or(&[]);
        let has_cmd = list.iter().any(|b| b.command == cmd);
        let key_taken = list.iter().any(|b| b.key == key);
        if !has_cmd && !key_taken {
            let desc = (mode == "flags" && cmd == Command::Tick).then(|| "Toggle on/off".to_string());
            keymap.bind(mode, key, cmd, desc);
        }
    }
    keymap
}

/// The bindings to show in `mode`: grouped by command (keys joined with
/// "/"), writes hidden in read-only mode.
pub fn hints(keymap: &Keymap, mode: &str, read_only: bool) -> Vec<(String, Command, String)> {
    let mut out: Vec<(String, Command, String)> = Vec::new();
    for b in keymap.effective(mode) {
        if read_only && b.command.writes() {
            continue;
        }
        match out.iter_mut().find(|(_, c, _)| *c == b.command) {
            Some(entry) => {
                entry.0.push('/');
                entry.0.push_str(&b.key.to_string());
            }
            None => out.push((b.key.to_string(), b.command, b.desc.clone())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEvent;

    #[test]
    fn user_bindings_win_over_tui_defaults() {
        let mut k = Keymap::defaults();
        k.bind("checklists", KeySpec::ch('t'), Command::Tick, None);
        k.bind("checklists", KeySpec::ch('u'), Command::Refresh, None);
        let k = with_tui_defaults(k);
        assert_eq!(k.lookup("checklists", KeySpec::ch(' ')), None);
        assert_eq!(k.lookup("checklists", KeySpec::ch('t')), Some(Command::Tick));
        assert_eq!(k.lookup("checklists", KeySpec::ch('u')), Some(Command::Refresh));
        assert_eq!(k.lookup("checklists", KeySpec::ch('n')), Some(Command::Note));
    }

    #[test]
    fn hints_group_keys_and_hide_writes_when_read_only() {
        let k = with_tui_defaults(Keymap::defaults());
        let h = hints(&k, "dashboard", false);
        assert!(h.iter().any(|(keys, c, _)| *c == Command::Left && keys == "←/h"));
        assert!(h.iter().any(|(_, c, _)| *c == Command::Promote));
        let ro = hints(&k, "dashboard", true);
        assert!(ro.iter().all(|(_, c, _)| !c.writes()));
        assert!(ro.iter().any(|(_, c, _)| *c == Command::ViewFlags));
    }

    #[test]
    fn shifted_letters_and_ctrl_map() {
        let k = KeyEvent::new(CK::Char('P'), KeyModifiers::SHIFT);
        assert_eq!(spec(&k), Some(KeySpec::ch('P')));
        let k = KeyEvent::new(CK::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            spec(&k),
            Some(KeySpec {
                code: KeyCode::Char('c'),
                ctrl: true,
                alt: false
            })
        );
    }
}
