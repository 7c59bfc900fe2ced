//! The keys each program is sent and how its screen shows each one took
//! effect: the view keys 1–7 in turn, then (on the bench ledger and the
//! minimal loop) five envs right and back, then five rows down and back.

use std::time::{Duration, Instant};

use crate::pty::{Session, COLS};

/// Longer than the console's 33 ms frame cap, so the cap after one key's
/// frame is not what the next key measures.
const PAUSE: Duration = Duration::from_millis(100);
const VIEWS: [&str; 7] = [
    "Dashboard",
    "Checklists",
    "Flags",
    "Health",
    "Audit",
    "Rollouts",
    "Insights",
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Program {
    Minimal,
    /// The minimal loop repainting the whole screen on a view key (view
    /// keys only).
    MinimalFull,
    /// The console on the bench ledger (envs e0…e19).
    Relcon,
    /// `relcon demo`: views and rows only (its envs have other names).
    Demo,
}

#[derive(Default, PartialEq)]
pub struct Samples {
    /// ms from the key to the first frame that shows it.
    pub frame: Vec<f64>,
    /// ms from the key to the frame with the view's data.
    pub data: Vec<f64>,
}

pub struct Timings {
    pub rounds: usize,
    /// By measure, in the order first measured.
    pub samples: Vec<(String, Samples)>,
}

type Pred = Box<dyn Fn(&vt100::Screen) -> bool>;

struct Step {
    key: &'static str,
    label: String,
    frame: Pred,
    data: Pred,
}

/// The text of the highlighted tab: the cells of the top row drawn on a
/// background (only the selected view's tab has one).
fn selected_tab(s: &vt100::Screen) -> String {
    (0..COLS)
        .filter_map(|c| s.cell(0, c))
        .filter(|c| c.bgcolor() != vt100::Color::Default)
        .map(|c| c.contents())
        .collect::<String>()
        .trim()
        .to_string()
}

fn view_step(p: Program, n: usize) -> Step {
    let key = ["1", "2", "3", "4", "5", "6", "7"][n - 1];
    let label = format!("`{n}` {}", VIEWS[n - 1]);
    if matches!(p, Program::Minimal | Program::MinimalFull) {
        let want = format!("view {n} │");
        let frame: Pred = Box::new(move |s| s.contents().starts_with(&want));
        let data: Pred = Box::new(|_| true);
        return Step {
            key,
            label,
            frame,
            data,
        };
    }
    let tab = format!("{n} ");
    let frame: Pred = Box::new(move |s| selected_tab(s).starts_with(&tab));
    let tab = format!("{n} ");
    let data: Pred = Box::new(move |s| selected_tab(s).starts_with(&tab) && !s.contents().contains("loading"));
    Step {
        key,
        label,
        frame,
        data,
    }
}

/// `l`/`h` to env `n` (of e0…): the card, then the history rows of `n`
/// (the bench ledger promotes e(n-1) → e(n), so its rows say so).
fn env_step(p: Program, n: usize, right: bool) -> Step {
    let key = if right { "l" } else { "h" };
    let label = format!("`{key}` {} env", if right { "next" } else { "previous" });
    if p == Program::Minimal {
        let want = format!("env e{n}");
        let frame: Pred = Box::new(move |s| s.contents().lines().next().unwrap_or("").contains(&want));
        let data: Pred = Box::new(|_| true);
        return Step {
            key,
            label,
            frame,
            data,
        };
    }
    let card = format!("▸ e{n} ");
    let frame: Pred = Box::new(move |s| s.contents().contains(&card));
    let card = format!("▸ e{n} ");
    let title = format!("History · e{n} ·");
    let from = |m: usize| format!(" from e{m} ");
    let (want, gone): (Option<String>, Vec<String>) = match n {
        0 => (None, vec![from(0)]),
        1 => (Some(from(0)), vec![from(1)]),
        _ => (Some(from(n - 1)), vec![from(n - 2), from(n)]),
    };
    let data: Pred = Box::new(move |s| {
        let t = s.contents();
        t.contains(&card)
            && t.contains(&title)
            && want.as_ref().is_none_or(|w| t.contains(w))
            && gone.iter().all(|g| !t.contains(g))
    });
    Step {
        key,
        label,
        frame,
        data,
    }
}

/// `j`/`k` to row `k` (0-based) of the dashboard's history.
fn row_step(p: Program, k: usize, down: bool) -> Step {
    let key = if down { "j" } else { "k" };
    let label = format!("`{key}` row {}", if down { "down" } else { "up" });
    let want = if p == Program::Minimal {
        format!("> row {k:02}")
    } else {
        // The history's position, bottom right: "─ 3/2381 ╯".
        format!("─ {}/", k + 1)
    };
    let frame: Pred = Box::new(move |s| s.contents().contains(&want));
    let data: Pred = Box::new(|_| true);
    Step {
        key,
        label,
        frame,
        data,
    }
}

fn round(p: Program) -> Vec<Step> {
    // Each round starts on the dashboard: 1 comes last, from Insights.
    let mut steps: Vec<Step> = [2, 3, 4, 5, 6, 7, 1].into_iter().map(|n| view_step(p, n)).collect();
    if p == Program::MinimalFull {
        return steps;
    }
    if p != Program::Demo {
        steps.extend((1..=5).map(|n| env_step(p, n, true)));
        steps.extend((0..5).rev().map(|n| env_step(p, n, false)));
    }
    steps.extend((1..=5).map(|k| row_step(p, k, true)));
    steps.extend((0..5).rev().map(|k| row_step(p, k, false)));
    steps
}

fn ms(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1e3
}

/// One program under test: its terminal and what it measured so far.
pub struct Runner {
    p: Program,
    s: Session,
    samples: Vec<(String, Samples)>,
    rounds: usize,
}

impl Runner {
    /// Wait for the first frame (the dashboard with its data), then settle.
    pub fn start(p: Program, mut s: Session) -> Runner {
        s.until("the first frame", &view_step(p, 1).data);
        s.idle(Duration::from_secs(1));
        Runner {
            p,
            s,
            samples: Vec::new(),
            rounds: 0,
        }
    }

    /// Send one round of keys, timing each.
    pub fn round(&mut self) {
        for step in round(self.p) {
            let s = &mut self.s;
            let sent = s.press(step.key);
            let frame = s.until(&step.label, &step.frame);
            let data = if (step.data)(s.screen()) {
                frame
            } else {
                s.until(&format!("{} with its data", step.label), &step.data)
            };
            s.idle(PAUSE);
            let at = match self.samples.iter().position(|(l, _)| *l == step.label) {
                Some(at) => at,
                None => {
                    self.samples.push((step.label.clone(), Samples::default()));
                    self.samples.len() - 1
                }
            };
            self.samples[at].1.frame.push(ms(sent, frame));
            self.samples[at].1.data.push(ms(sent, data));
        }
        self.rounds += 1;
    }

    /// Quit the program; what it measured.
    pub fn finish(self) -> Timings {
        self.s.quit();
        Timings {
            rounds: self.rounds,
            samples: self.samples,
        }
    }
}
