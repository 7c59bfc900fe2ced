//! The Checklists view: the selected env's open runs. It owns the cursor
//! over their items and turns the tick keys into tick intents (asking for
//! a note or the role to sign in first where the item needs one).

mod render;

use ratatui::layout::Rect;
use ratatui::Frame;

use super::{ListPos, Shared, View};
use crate::ops::checklist::TickRequest;
use crate::ops::intent::Intent;
use crate::tui::dialogs::PromptKind;
use crate::tui::event::{item_key, Job};
use crate::tui::input::Asked;
use crate::tui::render::format::fit;
use crate::tui::render::theme::Theme;

#[derive(Debug, Default)]
pub struct Checklists {
    pub pos: ListPos,
    /// `/`: only items whose text (or list, section, role, note, ticker)
    /// holds every word.
    pub filter: String,
}

/// The highlighted checklist item and what a tick needs to know of it.
struct Picked {
    req: TickRequest,
    done: bool,
    role: Option<String>,
    text: String,
}

impl Checklists {
    /// (run, item) of every checklist item shown, in order: all of the
    /// env's open runs, or the items the filter matches (every word, any case).
    pub fn items(&self, sh: &Shared) -> Vec<(usize, usize)> {
        let Some(s) = &sh.snap else { return Vec::new() };
        let env = sh.env_name();
        let words: Vec<String> = self.filter.split_whitespace().map(str::to_lowercase).collect();
        s.runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.env == env)
            .flat_map(|(ri, r)| r.items.iter().enumerate().map(move |(ii, it)| (ri, ii, r, it)))
            .filter(|(_, _, r, it)| {
                if words.is_empty() {
                    return true;
                }
                let opt = |o: &Option<String>| o.clone().unwrap_or_default();
                let hay = format!(
                    "{} {} {} {} {} {} {} {}",
                    it.text,
                    r.name,
                    r.title,
                    r.build,
                    opt(&it.section),
                    opt(&it.role),
                    opt(&it.note),
                    opt(&it.by)
                )
                .to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .map(|(ri, ii, _, _)| (ri, ii))
            .collect()
    }

    /// A new filter starts at the top.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.pos = ListPos::default();
    }

    /// The highlighted item as announced to the others ("pre-deploy@1.4.2#3").
    pub fn highlighted_key(&self, sh: &Shared) -> Option<String> {
        let (ri, ii) = *self.items(sh).get(self.pos.cursor as usize)?;
        let run = sh.snap.as_ref()?.runs.get(ri)?;
        let it = run.items.get(ii)?;
        Some(item_key(&run.name, &run.build, it.n))
    }

    fn picked(&self, sh: &Shared) -> Option<Picked> {
        let (ri, ii) = *self.items(sh).get(self.pos.cursor as usize)?;
        let run = sh.snap.as_ref()?.runs.get(ri)?;
        let item = run.items.get(ii)?;
        let req = TickRequest {
            env: run.env.clone(),
            checklist: run.name.clone(),
            item: item.n.to_string(),
            // The run shown, so the tick lands on the run the person sees.
            version: Some(run.build.clone()),
            undo: false,
            note: None,
            role: None,
        };
        Some(Picked {
            req,
            done: item.done,
            role: item.role.clone(),
            text: item.text.clone(),
        })
    }

    fn nothing_here(sh: &Shared) -> Asked {
        Asked::say(format!("{} has no open checklist item here", sh.env_name()))
    }

    /// Space (tick) and `u` (untick) on the highlighted item.
    pub fn tick(&self, sh: &Shared, undo: bool) -> Asked {
        let Some(Picked {
            req, done, role, text, ..
        }) = self.picked(sh)
        else {
            return Checklists::nothing_here(sh);
        };
        let req = TickRequest { undo, ..req };
        match (undo, done, role) {
            // Space toggles: on a ticked item it unticks (as `u` does).
            (false, true, _) => self.tick(sh, true),
            (true, false, _) => Asked::say(format!("“{text}” is not ticked")),
            // Role items are signed (and unsigned) in a role: ask for it, prefilled.
            (_, _, Some(role)) => {
                let verb = if undo { "untick" } else { "tick" };
                Asked::Prompt {
                    kind: PromptKind::Role(req),
                    context: format!("{verb} “{}”: signed by {role}", fit(&text, 40)),
                    value: role,
                }
            }
            (_, _, None) => Asked::Run(Job::act(Intent::Tick(req))),
        }
    }

    /// `n`: a note on the highlighted item (ticked with it).
    pub fn note(&self, sh: &Shared) -> Asked {
        let Some(Picked { req, role, text, .. }) = self.picked(sh) else {
            return Checklists::nothing_here(sh);
        };
        let context = format!(
            "note on “{}”{}",
            fit(&text, 40),
            role.as_ref().map(|r| format!(" (as {r})")).unwrap_or_default()
        );
        Asked::Prompt {
            kind: PromptKind::Note(TickRequest { role, ..req }),
            value: String::new(),
            context,
        }
    }

    pub fn render(&self, f: &mut Frame, area: Rect, sh: &Shared, theme: &Theme) {
        render::render(f, area, sh, self, theme);
    }
}

/// Others whose cursor is on `key` in the Checklists view of this env.
pub fn partners_on<'a>(sh: &'a Shared, key: &str) -> Vec<&'a str> {
    sh.team
        .others
        .iter()
        .filter(|p| p.view == View::Checklists.mode())
        .filter(|p| p.env.as_deref() == Some(sh.env_name()))
        .filter(|p| p.item.as_deref() == Some(key))
        .map(|p| p.actor.as_str())
        .collect()
}
