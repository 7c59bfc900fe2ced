//! The top line (views as tabs, who you are) and the two bottom lines: the
//! keys that work *here*, and the status line for messages.

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::format::{cols, fit, text, who, SPINNER};
use super::theme::{State, Theme};
use crate::config::Command;
use crate::tui::app::App;
use crate::tui::input::keys;
use crate::tui::views::{team, View};

/// The tabs in four widths: with the project name, without it, with short
/// view names, and those without the "relcon" label, whichever fits first.
fn tab_spans(app: &App, theme: &Theme, project: Option<&str>, short: bool) -> Vec<Span<'static>> {
    tab_spans_labelled(app, theme, project, short, true, false)
}

/// The views with a tab: the Rollouts tab once there is something to show
/// there (a plan in the config), or while it is open — it costs the header
/// a tab's room.
fn shown_views(app: &App) -> impl Iterator<Item = View> + '_ {
    let rollouts = !app.shared.config.rollouts.is_empty();
    View::ALL
        .into_iter()
        .filter(move |v| *v != View::Rollouts || rollouts || app.view == *v)
}

/// The tabs; `keys_only`: the other views' keys without their titles (the
/// narrowest form, so the view shown always has its tab).
fn tab_spans_labelled(
    app: &App,
    theme: &Theme,
    project: Option<&str>,
    short: bool,
    label: bool,
    keys_only: bool,
) -> Vec<Span<'static>> {
    let mut spans = if label {
        vec![Span::styled(" relcon ", theme.accent())]
    } else {
        Vec::new()
    };
    if let Some(p) = project {
        spans.push(Span::styled(format!("{} ", text(p)), theme.muted()));
    }
    for v in shown_views(app) {
        let key = app
            .shared
            .keymap
            .key_for("global", v.command())
            .map(|k| format!("{k} "))
            .unwrap_or_default();
        let style = if v == app.view {
            theme.selection().patch(theme.accent())
        } else {
            theme.muted()
        };
        let title = match (short, v) {
            (true, View::Dashboard) => "Dash",
            (true, View::Checklists) => "Lists",
            (true, View::Rollouts) => "Roll",
            (true, View::Insights) => "DORA",
            _ => v.title(),
        };
        spans.push(Span::styled("│", theme.muted()));
        if keys_only && v != app.view && !key.is_empty() {
            spans.push(Span::styled(format!(" {}", key), style));
        } else {
            spans.push(Span::styled(format!(" {key}{title} "), style));
        }
    }
    spans
}

/// The view whose tab is at column `x` of the top row (a click), as
/// `tabs` draws them.
pub fn tab_at(app: &App, width: u16, x: u16) -> Option<View> {
    let spans = chosen_tabs(app, &Theme::default_dark(), width as usize);
    let mut col = 0usize;
    let mut view = 0usize;
    let mut after_bar = false;
    for s in &spans {
        let w = cols(&s.content);
        if after_bar {
            if (col..col + w).contains(&usize::from(x)) {
                return shown_views(app).nth(view);
            }
            view += 1;
        }
        after_bar = s.content == "│";
        col += w;
    }
    None
}

/// The tab spans `tabs` draws at `width`.
fn chosen_tabs(app: &App, theme: &Theme, width: usize) -> Vec<Span<'static>> {
    tab_layout(app, theme, width).0
}

/// The tabs, who else is here, who you are, the open incident: what the
/// top row shows at `width`.
type TabLayout = (Vec<Span<'static>>, Option<String>, String, String);

fn tab_layout(app: &App, theme: &Theme, width: usize) -> TabLayout {
    let project = app
        .shared
        .snap
        .as_ref()
        .map(|s| s.status.project.clone())
        .unwrap_or_else(|| app.shared.config.project.name.clone());
    // An open incident anywhere says so in the header, with its age.
    let incident = app
        .shared
        .snap
        .as_ref()
        .and_then(|s| s.status.environments.iter().rev().find_map(|e| e.incident.as_ref()))
        .map(|i| {
            format!(
                " ✖ {} {} {} {} ",
                i.label(),
                i.severity.as_str(),
                text(&i.env),
                super::format::age(app.shared.now, i.opened_at)
            )
        })
        .unwrap_or_default();
    let read_only = if app.shared.read_only { " ▲ read-only" } else { "" };
    let me = format!("{incident}{}{read_only} ", text(&app.shared.actor));
    let used = |s: &[Span]| s.iter().map(|x| cols(&x.content)).sum::<usize>();
    // Who else is here gets room before the project name: the fullest
    // account of the others that fits with some form of the tabs, then
    // names only, then a count, then nothing.
    // Each form is built only when the wider ones did not fit (the first
    // usually does): this runs on every frame.
    let mut tab_forms: [Option<Vec<Span<'static>>>; 5] = Default::default();
    let mut form = |i: usize| -> Vec<Span<'static>> {
        tab_forms[i]
            .get_or_insert_with(|| match i {
                0 => tab_spans(app, theme, Some(&project), false),
                1 => tab_spans(app, theme, None, false),
                2 => tab_spans(app, theme, None, true),
                3 => tab_spans_labelled(app, theme, None, true, false, false),
                _ => tab_spans_labelled(app, theme, None, true, false, true),
            })
            .clone()
    };
    let fits = |tabs: &[Span], here: usize| used(tabs) + here + cols(&me) < width;
    for here in team::others_forms(&app.shared.team.others) {
        let here = format!("{here} │ ");
        for i in 0..4 {
            let tabs = form(i);
            if fits(&tabs, cols(&here)) {
                return (tabs, Some(here), me, incident);
            }
        }
    }
    if let Some(tabs) = (0..4).map(&mut form).find(|t| fits(t, 0)) {
        return (tabs, None, me, incident);
    }
    // Too narrow for the whole name: the name before its "@", cut to the
    // room left with a "…" (titled tabs while a few letters of it fit, then
    // only the keys but the shown view's). The incident and read-only marks
    // stay whole.
    let marks = cols(&incident) + cols(read_only) + 2;
    let titled = form(3);
    let tabs = if used(&titled) + marks + 4 <= width {
        titled
    } else {
        form(4)
    };
    let room = width.saturating_sub(used(&tabs) + marks);
    let me = format!("{incident}{}{read_only} ", fit(who(&app.shared.actor), room));
    (tabs, None, me, incident)
}

pub fn tabs(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = area.width as usize;
    let used = |s: &[Span]| s.iter().map(|x| cols(&x.content)).sum::<usize>();
    let (mut spans, here, me, incident) = tab_layout(app, theme, width);
    let right = cols(&me) + here.as_deref().map_or(0, cols);
    let gap = width.saturating_sub(used(&spans) + right);
    spans.push(Span::raw(" ".repeat(gap)));
    if let Some(h) = here {
        spans.push(Span::styled(h, theme.accent()));
    }
    let me = me.strip_prefix(incident.as_str()).unwrap_or(&me).to_string();
    if !incident.is_empty() {
        spans.push(Span::styled(incident, theme.error().add_modifier(Modifier::REVERSED)));
    }
    spans.push(Span::styled(
        me,
        if app.shared.read_only {
            theme.warn().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            theme.muted()
        },
    ));
    super::rows::put_line(f.buffer_mut(), area.x, area.y, area.width, &Line::from(spans));
}

/// Navigation is summarised ("h/l env") instead of listed key by key.
const SUMMARISED: &[Command] = &[
    Command::Left,
    Command::Right,
    Command::Up,
    Command::Down,
    Command::PageUp,
    Command::PageDown,
    Command::Top,
    Command::Bottom,
    Command::Select,
    Command::Back,
    Command::Refresh,
    Command::PrevView,
    Command::ViewDashboard,
    Command::ViewChecklists,
    Command::ViewFlags,
    Command::ViewHealth,
    Command::ViewAudit,
    Command::ViewRollouts,
    Command::ViewInsights,
    Command::Help,
    // Offered on the status line when a hook's dialog is hidden.
    Command::Output,
];

/// A short footer word for a default description; a user's own `desc` is kept.
fn label(cmd: Command, desc: &str) -> String {
    if desc == "Toggle on/off" {
        return "toggle".into();
    }
    if desc != cmd.default_desc() {
        return desc.to_string();
    }
    let short = match cmd {
        Command::PromoteThrough => "promote thru",
        Command::Rollback => "rollback",
        Command::HoldClear => "clear hold",
        Command::Resolve => "resolve",
        Command::Cancel => "cancel hook",
        Command::Tick => "tick",
        Command::Note => "note",
        Command::CommandLine => "command",
        Command::NextView => "next view",
        Command::Kill => "kill/restore",
        Command::Increase => "rollout+",
        Command::Decrease => "rollout−",
        Command::Targets => "targets",
        Command::Eval => "eval",
        _ => "",
    };
    if short.is_empty() {
        desc.split_whitespace().next().unwrap_or(desc).to_lowercase()
    } else {
        short.to_string()
    }
}

pub fn hints(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mode = app.view.mode();
    let all = keys::hints(&app.shared.keymap, mode, app.shared.read_only);
    let key = |c: Command| app.shared.keymap.key_for(mode, c).map(|k| k.to_string());
    let own: Vec<Command> = app
        .shared
        .keymap
        .modes
        .get(mode)
        .map(|l| l.iter().map(|b| b.command).collect())
        .unwrap_or_default();
    let shown = |cmd: &Command| !SUMMARISED.contains(cmd);
    // This view's own keys first, then navigation, then the global rest.
    let mut items: Vec<(String, String)> = all
        .iter()
        .filter(|(_, c, _)| own.contains(c) && shown(c))
        .map(|(k, c, d)| (k.clone(), label(*c, d)))
        .collect();
    let nav = [
        (Command::Left, Command::Right, "env"),
        (Command::Up, Command::Down, "move"),
    ];
    for (a, b, what) in nav {
        if let (Some(x), Some(y)) = (key(a), key(b)) {
            items.push((format!("{x}/{y}"), what.into()));
        }
    }
    items.extend(
        all.iter()
            .filter(|(_, c, _)| !own.contains(c) && shown(c))
            .map(|(k, c, d)| (k.clone(), label(*c, d))),
    );
    let help = key(Command::Help).map(|k| (k, "help".to_string()));
    let width = area.width as usize;
    let reserve = help.as_ref().map_or(0, |(k, d)| cols(k) + cols(d) + 3);
    // This view's own keys matter most: when they do not all fit two
    // spaces apart, one space apart (80 columns keep the Flags keys).
    let n_own = all.iter().filter(|(_, c, _)| own.contains(c) && shown(c)).count();
    let own_w: usize = items.iter().take(n_own).map(|(k, d)| cols(k) + cols(d) + 3).sum();
    let gap = if 1 + own_w + reserve > width { " " } else { "  " };
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (k, d) in items {
        let w = cols(&k) + 1 + cols(&d) + cols(gap);
        if used + w + reserve > width {
            break;
        }
        used += w;
        spans.push(Span::styled(k, theme.accent()));
        spans.push(Span::styled(format!(" {d}{gap}"), theme.muted()));
    }
    if let Some((k, d)) = help {
        spans.push(Span::styled(k, theme.accent()));
        spans.push(Span::styled(format!(" {d}"), theme.muted()));
    }
    super::rows::put_line(f.buffer_mut(), area.x, area.y, area.width, &Line::from(spans));
}

pub fn status(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let spin = SPINNER[app.shared.spin % SPINNER.len()];
    // Messages quote data (errors name versions, people, reasons): inert.
    let line = match (&app.status, app.running.first()) {
        (Some((msg, State::Busy)), Some(r)) => {
            Line::styled(format!(" {spin} {} {}", text(msg), text(&r.label)), theme.accent())
        }
        (Some((msg, level)), _) => Line::styled(format!(" {}", text(msg)), theme.state(*level)),
        (None, Some(r)) => Line::styled(
            format!(" {spin} {} running — x cancels", text(&r.label)),
            theme.accent(),
        ),
        (None, None) => Line::styled(
            " press ? for help · : for commands (same verbs as the CLI)",
            theme.muted(),
        ),
    };
    f.render_widget(line, area);
}
