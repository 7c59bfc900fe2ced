//! The Flags view: every flag × env, the highlighted flag in detail and
//! its recorded changes. It owns the cursor and the cache of change
//! histories, and turns the flag keys into flag-change intents.

pub mod cache;
mod history;
mod keys;

pub use keys::prompted;
mod render;

use std::collections::HashMap;

use ratatui::layout::Rect;
use ratatui::Frame;

pub use cache::{Cached, FlagHistory};

use super::{ListPos, Shared};
use crate::ops::flags::FlagListRow;
use crate::tui::event::FlagHistoryKey;
use crate::tui::render::theme::Theme;

#[derive(Debug, Default)]
pub struct Flags {
    pub pos: ListPos,
    /// Flag-change histories per (flag, env).
    pub histories: HashMap<FlagHistoryKey, Cached>,
    /// `/`: only flags whose name holds every word.
    pub filter: String,
}

impl Flags {
    /// The flag under the cursor.
    pub fn flag_name<'a>(&self, sh: &'a Shared) -> Option<&'a str> {
        self.names(sh).get(self.pos.cursor as usize).copied()
    }

    /// The flags shown: all, or those the filter matches (every word, any case).
    pub fn names<'a>(&self, sh: &'a Shared) -> Vec<&'a str> {
        let words: Vec<String> = self.filter.split_whitespace().map(str::to_lowercase).collect();
        sh.config
            .flags
            .keys()
            .map(String::as_str)
            .filter(|f| words.iter().all(|w| f.to_lowercase().contains(w.as_str())))
            .collect()
    }

    /// A new filter starts at the top.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.pos = ListPos::default();
    }

    /// The state of `flag` in `env` from the snapshot (flags × envs, in order).
    pub fn row<'a>(sh: &'a Shared, flag: &str, env: &str) -> Option<&'a FlagListRow> {
        let rows = &sh.snap.as_ref()?.flags;
        let fi = sh.config.flags.keys().position(|f| f == flag)?;
        let ei = sh.config.environments.iter().position(|e| e.name == env)?;
        let n = sh.config.environments.len();
        // `ops::flags::list` orders them so; fall back to a search if not.
        match rows.get(fi * n + ei) {
            Some(r) if r.flag == flag && r.env == env => Some(r),
            _ => rows.iter().find(|r| r.flag == flag && r.env == env),
        }
    }

    pub fn render(&self, f: &mut Frame, area: Rect, sh: &Shared, theme: &Theme) {
        render::render(f, area, sh, self, theme);
    }
}
