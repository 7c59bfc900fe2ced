//! Key bindings: what a key can be bound to (`Command`), per mode, with a
//! global fallback. Every binding carries a description for the footer and
//! the help screen, so help is generated from the keymap, never hand-written.

use std::collections::BTreeMap;

pub use super::command::Command;
pub use super::keyspec::{KeyCode, KeySpec};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: KeySpec,
    pub command: Command,
    pub desc: String,
}

/// Modes that have their own bindings; "global" applies everywhere unless a
/// mode binds the same key.
pub const MODES: &[&str] = &[
    "global",
    "dashboard",
    "audit",
    "checklists",
    "flags",
    "health",
    "rollouts",
    "insights",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    pub modes: BTreeMap<String, Vec<Binding>>,
    /// Shell commands bound with `{ shell = "…" }`, run in the config's
    /// folder with RELCON_ENV set to the selected environment.
    pub shell: Vec<String>,
}

impl Keymap {
    pub fn defaults() -> Keymap {
        use Command::*;
        use KeyCode as K;
        let g: Vec<(KeySpec, Command)> = vec![
            (KeySpec::ch('q'), Quit),
            (
                KeySpec {
                    code: K::Char('c'),
                    ctrl: true,
                    alt: false,
                },
                Quit,
            ),
            (KeySpec::ch('?'), Help),
            (KeySpec::ch(':'), CommandLine),
            (KeySpec::ch('/'), Filter),
            (KeySpec::ch('!'), Incident),
            (KeySpec::ch('o'), Output),
            (KeySpec::plain(K::Tab), NextView),
            (KeySpec::plain(K::BackTab), PrevView),
            (KeySpec::ch('1'), ViewDashboard),
            (KeySpec::ch('2'), ViewChecklists),
            (KeySpec::ch('3'), ViewFlags),
            (KeySpec::ch('4'), ViewHealth),
            (KeySpec::ch('5'), ViewAudit),
            (KeySpec::ch('6'), ViewRollouts),
            (KeySpec::ch('7'), ViewInsights),
            (KeySpec::ch('c'), ViewChecklists),
            (KeySpec::ch('f'), ViewFlags),
            (KeySpec::plain(K::Left), Left),
            (KeySpec::ch('h'), Left),
            (KeySpec::plain(K::Right), Right),
            (KeySpec::ch('l'), Right),
            (KeySpec::plain(K::Up), Up),
            (KeySpec::ch('k'), Up),
            (KeySpec::plain(K::Down), Down),
            (KeySpec::ch('j'), Down),
            (KeySpec::plain(K::PageUp), PageUp),
            (KeySpec::plain(K::PageDown), PageDown),
            (KeySpec::ch('g'), Top),
            (KeySpec::plain(K::Home), Top),
            (KeySpec::ch('G'), Bottom),
            (KeySpec::plain(K::End), Bottom),
            (KeySpec::plain(K::Enter), Select),
            (KeySpec::plain(K::Esc), Back),
            (
                KeySpec {
                    code: K::Char('r'),
                    ctrl: true,
                    alt: false,
                },
                Refresh,
            ),
        ];
        let d: Vec<(KeySpec, Command)> = vec![
            (KeySpec::ch('p'), Promote),
            (KeySpec::ch('P'), PromoteThrough),
            (KeySpec::ch('r'), Rollback),
            (KeySpec::ch('a'), Approve),
            (KeySpec::ch('H'), HoldClear),
            (KeySpec::ch('R'), Resolve),
            (KeySpec::ch('x'), Cancel),
        ];
        let c: Vec<(KeySpec, Command)> = vec![
            (KeySpec::ch(' '), Tick),
            (KeySpec::ch('u'), Untick),
            (KeySpec::ch('n'), Note),
        ];
        let f: Vec<(KeySpec, Command)> = vec![
            (KeySpec::ch(' '), Tick),
            // `k` stays "up" here as everywhere; the kill switch is `K`.
            (KeySpec::ch('K'), Kill),
            (KeySpec::ch('+'), Increase),
            (KeySpec::ch('-'), Decrease),
            (KeySpec::ch('t'), Targets),
            (KeySpec::ch('e'), Eval),
        ];
        let ro: Vec<(KeySpec, Command)> = vec![
            (KeySpec::ch('p'), RolloutPause),
            (KeySpec::ch('r'), RolloutResume),
            (KeySpec::ch('n'), RolloutAdvance),
            (KeySpec::ch('x'), RolloutAbort),
        ];
        let mk = |v: Vec<(KeySpec, Command)>| -> Vec<Binding> {
            v.into_iter()
                .map(|(key, command)| Binding {
                    key,
                    command,
                    desc: command.default_desc().to_string(),
                })
                .collect()
        };
        let mut modes = BTreeMap::new();
        modes.insert("global".to_string(), mk(g));
        modes.insert("dashboard".to_string(), mk(d));
        modes.insert("checklists".to_string(), mk(c));
        let mut flags = mk(f);
        for b in flags.iter_mut().filter(|b| b.command == Tick) {
            b.desc = "Toggle on/off".into();
        }
        modes.insert("flags".to_string(), flags);
        modes.insert("rollouts".to_string(), mk(ro));
        for m in ["audit", "health", "insights"] {
            modes.insert(m.to_string(), Vec::new());
        }
        Keymap {
            modes,
            shell: Vec::new(),
        }
    }

    /// Bind a shell command; returns its command.
    pub fn bind_shell(&mut self, mode: &str, key: KeySpec, run: String, desc: Option<String>) -> Command {
        let cmd = Command::Shell(self.shell.len() as u16);
        self.shell.push(run.clone());
        self.bind(mode, key, cmd, Some(desc.unwrap_or(run)));
        cmd
    }

    /// Bind `key` in `mode`, replacing any binding of that key there.
    pub fn bind(&mut self, mode: &str, key: KeySpec, command: Command, desc: Option<String>) {
        let list = self.modes.entry(mode.to_string()).or_default();
        list.retain(|b| b.key != key);
        list.push(Binding {
            key,
            command,
            desc: desc.unwrap_or_else(|| command.default_desc().to_string()),
        });
    }

    /// The command a key runs in `mode` (mode first, then global).
    pub fn lookup(&self, mode: &str, key: KeySpec) -> Option<Command> {
        let find = |m: &str| {
            self.modes
                .get(m)
                .and_then(|l| l.iter().find(|b| b.key == key))
                .map(|b| b.command)
        };
        find(mode).or_else(|| find("global"))
    }

    /// Bindings that work in `mode`: its own, then global ones not shadowed.
    pub fn effective(&self, mode: &str) -> Vec<&Binding> {
        let own: Vec<&Binding> = self.modes.get(mode).map(|l| l.iter().collect()).unwrap_or_default();
        let mut out = own.clone();
        if mode != "global" {
            if let Some(g) = self.modes.get("global") {
                out.extend(g.iter().filter(|b| !own.iter().any(|o| o.key == b.key)));
            }
        }
        out
    }

    /// The first key bound to `command` in `mode` (for hints like "p promote").
    pub fn key_for(&self, mode: &str, command: Command) -> Option<KeySpec> {
        self.effective(mode)
            .into_iter()
            .find(|b| b.command == command)
            .map(|b| b.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_modes_have_their_keys() {
        let k = Keymap::defaults();
        assert_eq!(k.lookup("checklists", KeySpec::ch(' ')), Some(Command::Tick));
        assert_eq!(k.lookup("flags", KeySpec::ch('K')), Some(Command::Kill));
        assert_eq!(
            k.lookup("flags", KeySpec::ch('k')),
            Some(Command::Up),
            "k is up everywhere"
        );
        assert_eq!(k.lookup("flags", KeySpec::ch('+')), Some(Command::Increase));
    }

    #[test]
    fn parses_keys() {
        assert_eq!(KeySpec::parse("q"), Some(KeySpec::ch('q')));
        assert_eq!(KeySpec::parse("G"), Some(KeySpec::ch('G')));
        assert_eq!(KeySpec::parse("space"), Some(KeySpec::ch(' ')));
        assert_eq!(
            KeySpec::parse("ctrl-c"),
            Some(KeySpec {
                code: KeyCode::Char('c'),
                ctrl: true,
                alt: false
            })
        );
        assert_eq!(KeySpec::parse("F5"), Some(KeySpec::plain(KeyCode::F(5))));
        assert_eq!(KeySpec::parse("shift-tab"), Some(KeySpec::plain(KeyCode::BackTab)));
        assert_eq!(KeySpec::parse("-"), Some(KeySpec::ch('-')));
        assert_eq!(KeySpec::parse("nope"), None);
        assert_eq!(KeySpec::parse("f13"), None);
    }

    #[test]
    fn mode_bindings_shadow_global() {
        let mut k = Keymap::defaults();
        assert_eq!(k.lookup("dashboard", KeySpec::ch('k')), Some(Command::Up));
        k.bind("flags", KeySpec::ch('k'), Command::Kill, None);
        assert_eq!(k.lookup("flags", KeySpec::ch('k')), Some(Command::Kill));
        assert_eq!(k.lookup("dashboard", KeySpec::ch('k')), Some(Command::Up));
        assert_eq!(k.lookup("dashboard", KeySpec::ch('p')), Some(Command::Promote));
        assert_eq!(k.lookup("audit", KeySpec::ch('p')), None);
        let eff = k.effective("flags");
        assert_eq!(eff.iter().filter(|b| b.key == KeySpec::ch('k')).count(), 1);
    }
}
