//! Terminal keys → the config's `KeySpec`, and key hints for the footer.

use ratatui::crossterm::event::{KeyCode as CK, KeyEvent, KeyModifiers};

use crate::config::{Command, KeyCode, KeySpec, Keymap};

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
    fn user_bindings_win_over_defaults() {
        let mut k = Keymap::defaults();
        k.bind("checklists", KeySpec::ch('u'), Command::Refresh, None);
        assert_eq!(k.lookup("checklists", KeySpec::ch(' ')), Some(Command::Tick));
        assert_eq!(k.lookup("checklists", KeySpec::ch('u')), Some(Command::Refresh));
        assert_eq!(k.lookup("checklists", KeySpec::ch('n')), Some(Command::Note));
    }

    #[test]
    fn hints_group_keys_and_hide_writes_when_read_only() {
        let k = Keymap::defaults();
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
