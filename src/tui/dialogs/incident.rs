//! Incident mode (`!`, DESIGN §13): pick a severity (one key), the
//! incident is opened in the ledger, the decision tree for that severity is
//! shown with the action it recommends now, and `Enter` opens that action's
//! dialog with the reason filled in (the incident's label), so only the
//! typed name is left. What to recommend is ops' answer (the preview of the
//! incident intent); this panel only shows it.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{is_escape, Component, Outcome};
use crate::domain::incident::{Branch, Incident, Recommendation, Remedy, Severity};
use crate::ops::flags::FlagOp;
use crate::ops::intent::{Intent, Preview};
use crate::tui::render::format::{age, text, SPINNER};
use crate::tui::render::layout;
use crate::tui::render::theme::Theme;

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Asking for the severity.
    Severity,
    /// The incident is being opened (or read back).
    Opening,
    /// Open: the tree and the recommended action.
    Shown,
    /// Opening it failed: why.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct IncidentPanel {
    /// Its job and preview come back under this id.
    pub id: u64,
    pub env: String,
    pub stage: Stage,
    /// The severity cursor while asking.
    pub cursor: usize,
    /// The configured tree (`[incident]`), shown for the chosen severity.
    pub tree: crate::domain::incident::Tree,
    /// The env's open incident, as the last snapshot says.
    pub incident: Option<Incident>,
    pub recommendation: Option<Result<Recommendation, String>>,
    /// The clock, for the incident's age.
    pub now: DateTime<Utc>,
}

impl IncidentPanel {
    pub fn new(
        id: u64,
        env: &str,
        tree: crate::domain::incident::Tree,
        open: Option<Incident>,
        now: DateTime<Utc>,
    ) -> Self {
        IncidentPanel {
            id,
            env: env.to_string(),
            stage: if open.is_some() { Stage::Shown } else { Stage::Severity },
            cursor: 0,
            tree,
            incident: open,
            recommendation: None,
            now,
        }
    }

    /// The intent whose preview carries the recommendation (and which
    /// opens the incident).
    pub fn intent(&self, severity: Severity) -> Intent {
        Intent::IncidentOpen {
            env: self.env.clone(),
            severity,
            summary: None,
            affected: None,
        }
    }

    /// Keys wait while the incident is opened and its advice worked out.
    pub fn loading(&self) -> bool {
        match self.stage {
            Stage::Opening => true,
            Stage::Shown => self.incident.is_none() || self.recommendation.is_none(),
            _ => false,
        }
    }

    pub fn set_preview(&mut self, result: Result<Preview, String>) {
        self.recommendation = Some(result.and_then(|p| {
            p.recommendation
                .ok_or_else(|| "no recommendation for this incident".to_string())
        }));
    }

    /// The env's open incident from a fresh snapshot.
    pub fn on_incident(&mut self, open: Option<Incident>, now: DateTime<Utc>) {
        self.now = now;
        if open.is_some() && self.stage == Stage::Opening {
            self.stage = Stage::Shown;
        }
        if open.is_some() || self.stage == Stage::Shown {
            self.incident = open;
        }
    }

    /// The open job ended.
    pub fn finished(&mut self, result: &Result<String, String>) {
        if let Err(e) = result {
            self.stage = Stage::Failed(e.clone());
        }
    }

    /// The reason the recommended action is pre-filled with: the link
    /// back to the incident.
    pub fn reason(&self) -> Option<String> {
        self.incident
            .as_ref()
            .map(|i| format!("{}: {}", i.label(), i.summary.as_deref().unwrap_or(i.severity.as_str())))
    }

    /// The action `Enter` takes: the recommended kill or rollback.
    pub fn action(&self) -> Option<Intent> {
        let r = self.recommendation.as_ref()?.as_ref().ok()?;
        match (r.remedy, &r.flag, r.to) {
            (Remedy::KillFlag, Some(flag), _) => Some(Intent::Flag {
                env: self.env.clone(),
                flag: flag.clone(),
                op: FlagOp::Kill,
            }),
            (Remedy::Rollback, _, Some(n)) => Some(Intent::Rollback {
                env: self.env.clone(),
                to: Some(n),
            }),
            _ => None,
        }
    }

    fn severity(&self) -> Option<Severity> {
        self.incident.as_ref().map(|i| i.severity)
    }

    fn tree_lines(&self, sev: Severity, theme: &Theme) -> Vec<Line<'static>> {
        let b: &Branch = self.tree.branch(sev);
        let picked = self
            .recommendation
            .as_ref()
            .and_then(|r| r.as_ref().ok())
            .map(|r| r.remedy);
        let mut out = vec![Line::styled(
            format!("Decision tree ({}):", sev.as_str()),
            theme.accent(),
        )];
        let list = |head: Option<String>, l: &[Remedy], out: &mut Vec<Line<'static>>| {
            if let Some(h) = head {
                out.push(Line::styled(format!("  {h}"), theme.text()));
            }
            for (i, r) in l.iter().enumerate() {
                let mark = if Some(*r) == picked { "▶" } else { " " };
                let style = if Some(*r) == picked {
                    theme.accent()
                } else {
                    theme.text()
                };
                out.push(Line::styled(format!("  {mark} {}. {}", i + 1, words(*r)), style));
            }
        };
        match b.affected_over {
            Some(pct) => {
                list(
                    Some(format!("more than {pct} % of users affected:")),
                    &b.prefer,
                    &mut out,
                );
                list(Some("otherwise:".into()), &b.otherwise, &mut out);
            }
            None => list(None, &b.prefer, &mut out),
        }
        out
    }

    fn lines(&self, theme: &Theme, spin: usize) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        match &self.stage {
            Stage::Severity => {
                out.push(Line::styled(
                    format!("Open an incident on {}: how bad is it?", text(&self.env)),
                    theme.text(),
                ));
                out.push(Line::raw(""));
                for (i, s) in Severity::ALL.iter().enumerate() {
                    let style = if i == self.cursor {
                        theme.selection()
                    } else {
                        theme.text()
                    };
                    let key = &s.as_str()[..1];
                    out.push(Line::from(vec![
                        Span::styled(format!("  {key}  "), theme.accent()),
                        Span::styled(format!("{:<10}", s.as_str()), style),
                    ]));
                }
            }
            Stage::Failed(e) => out.push(Line::styled(format!("✖ {}", text(e)), theme.error())),
            Stage::Opening => out.push(Line::styled(
                format!("{} opening the incident…", SPINNER[spin % SPINNER.len()]),
                theme.accent(),
            )),
            Stage::Shown => {
                if let Some(i) = &self.incident {
                    let state = match &i.mitigated_at {
                        Some(m) => format!("mitigated {}", age(self.now, *m)),
                        None => "open".into(),
                    };
                    out.push(Line::styled(
                        format!(
                            "{} · {} · {state} · opened {} by {}",
                            i.label(),
                            i.severity.as_str(),
                            age(self.now, i.opened_at),
                            text(&i.opened_by)
                        ),
                        theme.warn(),
                    ));
                }
                if let Some(sev) = self.severity() {
                    out.push(Line::raw(""));
                    out.extend(self.tree_lines(sev, theme));
                }
                out.push(Line::raw(""));
                match &self.recommendation {
                    None => out.push(Line::styled(
                        format!("{} working out the recommended action…", SPINNER[spin % SPINNER.len()]),
                        theme.accent(),
                    )),
                    Some(Err(e)) => out.push(Line::styled(format!("✖ {}", text(e)), theme.error())),
                    Some(Ok(r)) => {
                        out.push(Line::styled(format!("recommended: {}", text(&r.why)), theme.accent()));
                        if let (Some(_), Some(reason)) = (self.action(), self.reason()) {
                            out.push(Line::styled(
                                format!("enter: do it now, reason “{}”", text(&reason)),
                                theme.text(),
                            ));
                        }
                    }
                }
            }
        }
        out
    }
}

/// A remedy as a person reads it in the tree.
fn words(r: Remedy) -> &'static str {
    match r {
        Remedy::KillFlag => "kill the most recent flag change",
        Remedy::Rollback => "roll back to the previous release",
        Remedy::Hotfix => "keep running, fast-track a hotfix",
        Remedy::Record => "record it and plan the fix",
    }
}

impl Component for IncidentPanel {
    fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        if is_escape(key) {
            return Outcome::Close;
        }
        match &self.stage {
            Stage::Severity => {
                let n = Severity::ALL.len();
                let pick = match key.code {
                    KeyCode::Char(c @ '1'..='4') => Some(c as usize - '1' as usize),
                    KeyCode::Char(c) => Severity::ALL.iter().position(|s| s.as_str().starts_with(c)),
                    KeyCode::Enter => Some(self.cursor),
                    KeyCode::Down => {
                        self.cursor = (self.cursor + 1) % n;
                        None
                    }
                    KeyCode::Up => {
                        self.cursor = (self.cursor + n - 1) % n;
                        None
                    }
                    _ => None,
                };
                match pick {
                    Some(i) => {
                        self.stage = Stage::Opening;
                        Outcome::IncidentOpen(self.intent(Severity::ALL[i]))
                    }
                    None => Outcome::Consumed,
                }
            }
            Stage::Failed(_) if key.code == KeyCode::Enter => Outcome::Close,
            Stage::Shown if key.code == KeyCode::Enter => match (self.action(), self.reason()) {
                (Some(intent), Some(reason)) => Outcome::Act { intent, reason },
                _ => Outcome::Close,
            },
            // A note on the open incident, or resolving it: the same
            // intents as `relcon incident note|resolve` (and the `:` line).
            Stage::Shown if self.incident.is_some() && key.code == KeyCode::Char('n') => {
                Outcome::IncidentNote(self.env.clone())
            }
            Stage::Shown if self.incident.is_some() && key.code == KeyCode::Char('R') => {
                Outcome::Ask(Intent::IncidentResolve { env: self.env.clone() })
            }
            _ => Outcome::Consumed,
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, spin: usize) {
        let lines = self.lines(theme, spin);
        let h = lines.len() as u16 + 2;
        let r = layout::popup(area, 72, h);
        f.render_widget(Clear, r);
        let hint = match self.stage {
            Stage::Severity => " c/h/m/l or ↑↓ enter pick · esc cancel ",
            Stage::Shown if self.action().is_some() => " enter take the action · n note · R resolve · esc close ",
            Stage::Shown if self.incident.is_some() => " n note · R resolve · esc close ",
            _ => " esc close ",
        };
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border(true))
            .title(Span::styled(format!(" Incident · {} ", text(&self.env)), theme.error()))
            .title_bottom(Line::styled(hint, theme.muted()))
            .style(theme.base());
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), r);
    }
}
