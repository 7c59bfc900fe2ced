//! Keys in the action dialog: `F` forces past overridable gates, Tab moves
//! between the inputs, Enter in the reason moves on to the typed name and
//! starts the job once everything is in place.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

use super::dialog::{Dialog, Field, Phase};
use super::{is_escape, Outcome};

impl Dialog {
    pub fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        self.hint = None;
        match &self.phase {
            Phase::Planning => {
                return if is_escape(key) {
                    Outcome::Close
                } else {
                    Outcome::Consumed
                }
            }
            Phase::Running => {
                return match key.code {
                    KeyCode::Char('x') => Outcome::Cancel,
                    _ if is_escape(key) || key.code == KeyCode::Enter => Outcome::Close,
                    _ => Outcome::Consumed,
                }
            }
            Phase::Done(_) => {
                return if is_escape(key) || matches!(key.code, KeyCode::Enter | KeyCode::Char('q')) {
                    Outcome::Close
                } else {
                    Outcome::Consumed
                }
            }
            Phase::Editing => {}
        }
        if is_escape(key) || (self.failed().is_some() && key.code == KeyCode::Enter) {
            return Outcome::Close;
        }
        if self.locked() {
            if key.code == KeyCode::Char('F') && self.forceable() {
                self.force = true;
                self.focus = Field::Reason;
            } else if key.code == KeyCode::Enter {
                self.hint = self.ready().err();
            }
            return Outcome::Consumed;
        }
        match key.code {
            KeyCode::Enter => match self.ready() {
                Ok(()) => {
                    self.phase = Phase::Running;
                    return Outcome::Run(self.job());
                }
                // Enter in the reason moves on to the typed name (a
                // required reason must be there first).
                Err(_) if self.focus == Field::Reason && self.next_is_confirm() => self.focus = Field::Confirm,
                Err(e) => self.hint = Some(e),
            },
            KeyCode::Tab | KeyCode::Down => self.cycle(1),
            KeyCode::BackTab | KeyCode::Up => self.cycle(-1),
            _ if self.focus == Field::Outcome => match key.code {
                KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') | KeyCode::Char('h') | KeyCode::Char('l') => {
                    self.set_succeeded(!self.succeeded())
                }
                KeyCode::Char('s') => self.set_succeeded(true),
                KeyCode::Char('f') => self.set_succeeded(false),
                _ => {}
            },
            _ => {
                let input = if self.focus == Field::Confirm {
                    &mut self.confirm
                } else {
                    &mut self.reason
                };
                input.handle_event(&Event::Key(*key));
            }
        }
        Outcome::Consumed
    }

    fn next_is_confirm(&self) -> bool {
        self.protected.is_some() && !(self.reason_required() && self.reason.value().trim().is_empty())
    }

    fn cycle(&mut self, by: i32) {
        let f = self.fields();
        let i = f.iter().position(|x| *x == self.focus).unwrap_or(0) as i32;
        let n = f.len() as i32;
        self.focus = f[((i + by).rem_euclid(n)) as usize];
    }
}
