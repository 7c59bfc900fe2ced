//! Semantic colours, parsed from `themes/*.toml` with ratatui's `Color:
//! FromStr`. Widgets ask the theme for a *meaning* (ok, error, env_prod),
//! never for a colour, and the theme is passed into render (no global).

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../../themes/default.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    ("high-contrast", include_str!("../../../themes/high-contrast.toml")),
    ("colorblind", include_str!("../../../themes/colorblind.toml")),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    pub fg: Color,
    pub bg: Color,
    pub muted: Color,
    pub accent: Color,
    pub border: Color,
    pub border_focused: Color,
    pub selection: Color,
    pub ok: Color,
    pub warn: Color,
    pub error: Color,
    pub env_prod: Color,
    /// NO_COLOR: every colour is `Reset`; emphasis comes from modifiers.
    pub mono: bool,
}

/// The file format: every slot optional, missing ones come from the default theme.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    fg: Option<String>,
    bg: Option<String>,
    muted: Option<String>,
    accent: Option<String>,
    border: Option<String>,
    border_focused: Option<String>,
    selection: Option<String>,
    ok: Option<String>,
    warn: Option<String>,
    error: Option<String>,
    env_prod: Option<String>,
}

impl Theme {
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|b| b.0).collect()
    }

    /// The default dark theme (embedded, always parses).
    pub fn default_dark() -> Theme {
        Theme::parse(BUILTIN[0].1, None).unwrap_or_else(|_| Theme::monochrome())
    }

    /// A theme without colours, for `NO_COLOR`.
    pub fn monochrome() -> Theme {
        let r = Color::Reset;
        Theme {
            name: "monochrome".into(),
            fg: r,
            bg: r,
            muted: r,
            accent: r,
            border: r,
            border_focused: r,
            selection: r,
            ok: r,
            warn: r,
            error: r,
            env_prod: r,
            mono: true,
        }
    }

    /// A built-in name (`default`, `light`, `high-contrast`, `colorblind`) or a path to a TOML file.
    pub fn load(name_or_path: &str) -> Result<Theme, String> {
        if let Some((_, text)) = BUILTIN.iter().find(|b| b.0 == name_or_path) {
            return Theme::parse(text, Some(&Theme::default_dark()));
        }
        let path = Path::new(name_or_path);
        if path.extension().is_none() && !path.exists() {
            return Err(format!(
                "unknown theme {name_or_path:?}: expected one of {} or a path to a .toml file",
                Theme::builtin_names().join(", ")
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read theme {}: {e}", path.display()))?;
        Theme::parse(&text, Some(&Theme::default_dark())).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parse a theme file; slots it leaves out come from `base`.
    pub fn parse(text: &str, base: Option<&Theme>) -> Result<Theme, String> {
        let f: ThemeFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let pick = |slot: &str, v: &Option<String>, fallback: Option<Color>| -> Result<Color, String> {
            match (v, fallback) {
                (Some(s), _) => Color::from_str(s).map_err(|_| format!("theme slot `{slot}`: {s:?} is not a colour (a name like \"cyan\", an index 0-255, or \"#rrggbb\")")),
                (None, Some(c)) => Ok(c),
                (None, None) => Err(format!("theme slot `{slot}` is missing")),
            }
        };
        Ok(Theme {
            name: f.name.clone().unwrap_or_else(|| "custom".into()),
            fg: pick("fg", &f.fg, base.map(|b| b.fg))?,
            bg: pick("bg", &f.bg, base.map(|b| b.bg))?,
            muted: pick("muted", &f.muted, base.map(|b| b.muted))?,
            accent: pick("accent", &f.accent, base.map(|b| b.accent))?,
            border: pick("border", &f.border, base.map(|b| b.border))?,
            border_focused: pick("border_focused", &f.border_focused, base.map(|b| b.border_focused))?,
            selection: pick("selection", &f.selection, base.map(|b| b.selection))?,
            ok: pick("ok", &f.ok, base.map(|b| b.ok))?,
            warn: pick("warn", &f.warn, base.map(|b| b.warn))?,
            error: pick("error", &f.error, base.map(|b| b.error))?,
            env_prod: pick("env_prod", &f.env_prod, base.map(|b| b.env_prod))?,
            mono: false,
        })
    }

    pub fn base(&self) -> Style {
        Style::new().fg(self.fg).bg(self.bg)
    }
    pub fn text(&self) -> Style {
        Style::new().fg(self.fg)
    }
    pub fn muted(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::DIM)
        } else {
            Style::new().fg(self.muted)
        }
    }
    pub fn accent(&self) -> Style {
        Style::new().fg(self.accent).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        Style::new().fg(self.ok)
    }
    pub fn warn(&self) -> Style {
        Style::new().fg(self.warn).add_modifier(Modifier::BOLD)
    }
    pub fn error(&self) -> Style {
        Style::new().fg(self.error).add_modifier(Modifier::BOLD)
    }
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            Style::new().fg(self.border_focused).add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(self.border)
        }
    }
    pub fn env_prod(&self) -> Style {
        Style::new().fg(self.env_prod).add_modifier(Modifier::BOLD)
    }
    /// The highlighted row: a background colour, or reverse video without colours.
    pub fn selection(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().bg(self.selection).add_modifier(Modifier::BOLD)
        }
    }
    /// Style for a state word: "ok" / "warn" / "error" / anything else (unknown).
    pub fn state(&self, s: State) -> Style {
        match s {
            State::Ok => self.ok(),
            State::Warn => self.warn(),
            State::Error => self.error(),
            State::Unknown => self.muted(),
            State::Busy => self.accent(),
        }
    }
}

/// A status as shown: the symbol always travels with the colour, so the
/// meaning survives colour blindness and NO_COLOR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Ok,
    Warn,
    Error,
    Unknown,
    Busy,
}

impl State {
    pub fn symbol(self) -> &'static str {
        match self {
            State::Ok => "●",
            State::Warn => "▲",
            State::Error => "✖",
            State::Unknown => "?",
            State::Busy => "◌",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_fully() {
        for (name, text) in BUILTIN {
            let t = Theme::parse(text, None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&t.name, name);
        }
    }

    /// Secondary text on a light terminal must be readable: a dark grey
    /// (WCAG contrast ≥ 4.5 against white), never ANSI's light "gray".
    #[test]
    fn light_theme_secondary_text_is_readable_on_white() {
        let t = Theme::load("light").unwrap();
        let Color::Rgb(r, g, b) = t.muted else {
            panic!("light muted should be an RGB grey, not {:?}", t.muted)
        };
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
        let contrast = 1.05 / (l + 0.05);
        assert!(contrast >= 4.5, "contrast {contrast:.2} against white");
    }

    #[test]
    fn colorblind_never_pairs_red_with_green() {
        let t = Theme::load("colorblind").unwrap();
        let reddish = [Color::Red, Color::LightRed];
        let greenish = [Color::Green, Color::LightGreen];
        for c in [t.ok, t.warn, t.error] {
            assert!(!reddish.contains(&c) && !greenish.contains(&c), "{c:?}");
        }
        assert_ne!(t.ok, t.error);
    }

    #[test]
    fn missing_slots_fall_back_and_bad_colours_are_named() {
        let t = Theme::parse("ok = \"blue\"", Some(&Theme::default_dark())).unwrap();
        assert_eq!(t.ok, Color::Blue);
        assert_eq!(t.error, Theme::default_dark().error);
        let e = Theme::parse("error = \"not-a-colour\"", Some(&Theme::default_dark())).unwrap_err();
        assert!(e.contains("error"), "{e}");
        assert!(Theme::parse("typo = \"red\"", None).is_err());
        assert!(Theme::load("no-such-theme").is_err());
    }
}
