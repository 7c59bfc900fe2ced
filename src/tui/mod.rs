//! The console (DESIGN.md §6). One loop owns the state: terminal keys,
//! backend messages and a 1 s clock arrive on channels; queued messages are
//! drained before one draw; the screen is drawn only when something changed.
//! The store and hooks never run on the UI task: see `backend`.

mod actions;
pub mod app;
mod audit_rows;
pub mod backend;
mod cmdline;
mod commands;
pub mod commits;
pub mod components;
pub mod event;
mod flag_actions;
pub mod flag_history;
pub mod format;
mod jobs;
pub mod keys;
pub mod layout;
pub mod live;
pub mod popups;
pub mod presence;
pub mod reader;
pub mod render;
pub mod snapshot;
pub mod team;
mod terminal;
pub mod testing;
pub mod theme;
mod view;
mod watcher;

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tokio::time::MissedTickBehavior;

pub use app::{App, AppInit, View};
pub use event::{Effect, Msg};
pub use render::draw;
pub use snapshot::{Query, Snapshot};
pub use theme::Theme;

use crate::ops::{self, Ctx};
use backend::Backend;

pub fn main(cli: &crate::cli::Cli) -> i32 {
    let config = match crate::cli::load_config(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            crate::cli::output::print_error(&e);
            return e.exit_code();
        }
    };
    // A bad --theme is a usage error; a bad configured theme only a warning.
    let (theme, warning) = match (
        cli.theme.as_deref(),
        pick_theme(cli.theme.as_deref(), &config.theme, &config.dir),
    ) {
        (_, Ok(t)) => (t, None),
        (Some(_), Err(e)) => {
            crate::cli::term::err(format!("error: {e}"));
            return 2;
        }
        (None, Err(e)) => (Theme::default_dark(), Some(format!("▲ {e}; using the default theme"))),
    };
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        crate::cli::term::err(
            "error: the console needs a terminal; use `relcon status`, `relcon history ENV` … without one",
        );
        return 2;
    }
    // A read-only console records nothing: no recovery writes, no export repair.
    let open = if cli.read_only { Ctx::open_read_only } else { Ctx::open };
    let ctx = match open(config, ops::identity::actor(), ops::system_clock()) {
        Ok(c) => c,
        Err(e) => {
            crate::cli::output::print_error(&e);
            return e.exit_code();
        }
    };
    let warning = warning.or_else(|| ctx.notices.first().map(|n| format!("▲ {n}")));
    let code = match start(&ctx, theme, cli.read_only, warning) {
        Ok(code) => code,
        Err(e) => {
            crate::cli::output::print_error(&e);
            1
        }
    };
    // The context (and its connection) is dropped here, off the runtime.
    drop(ctx);
    code
}

/// Everything that touches the store happens here, before the runtime
/// starts, or on threads of its own (DESIGN §2: no blocking call on the UI
/// task; the PostgreSQL client even panics inside a runtime).
fn start(ctx: &Ctx, theme: Theme, read_only: bool, warning: Option<String>) -> crate::Result<i32> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    // The terminal's size decides how many history rows the first frame needs.
    let size = ratatui::crossterm::terminal::size().unwrap_or((80, 24));
    let mut app = App::new(AppInit {
        config: ctx.config.clone(),
        actor: ctx.actor.clone(),
        read_only,
        now: ctx.now(),
        size,
    });
    // The first snapshot is read before the first frame, so it is complete.
    let mut first = Vec::new();
    match Snapshot::load(ctx, &app.query) {
        Ok(s) => first = app.update(Msg::Snapshot(Box::new(s))),
        Err(e) => app.set_status(backend::one_line(&e), theme::State::Error),
    }
    if let Some(w) = warning {
        app.set_status(w, theme::State::Warn);
    }
    let backend = Backend::start(ctx, app.query.clone(), tx.clone())?;
    // A read-only console announces itself (presence is not the ledger),
    // but never into a SQLite file, whose bytes it promises not to change.
    let sqlite = matches!(ctx.config.ledger.location, crate::config::LedgerLocation::Sqlite(_));
    let presence = presence::PresenceHandle::start(
        ctx.config.clone(),
        ctx.actor.clone(),
        ctx.host.clone(),
        !(read_only && sqlite),
        tx.clone(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::Error::runtime(format!("cannot start the runtime: {e}")))?;
    let session = Session {
        backend: &backend,
        presence: &presence,
        clock: ctx.clock.clone(),
        theme,
    };
    let code = rt.block_on(run(app, first, session, tx, rx));
    presence.leave(std::time::Duration::from_secs(2));
    code
}

/// `NO_COLOR` wins; then `--theme`, then the config's `[ui] theme`: a
/// built-in name, a path, or a name in the config's `themes/` folder.
pub fn pick_theme(flag: Option<&str>, configured: &str, config_dir: &Path) -> Result<Theme, String> {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return Ok(Theme::monochrome());
    }
    let name = flag.unwrap_or(configured);
    if Theme::builtin_names().contains(&name) {
        return Theme::load(name);
    }
    // A path given on the command line is relative to where you are; one
    // in the config, to the config's folder.
    let mut candidates = Vec::new();
    if flag.is_some() {
        candidates.push(std::path::PathBuf::from(name));
    }
    candidates.push(config_dir.join(name));
    candidates.push(config_dir.join("themes").join(format!("{name}.toml")));
    match candidates.into_iter().find(|p| p.is_file()) {
        Some(p) => Theme::load(&p.to_string_lossy()),
        None => Theme::load(name),
    }
}

/// What the loop talks to: threads that do the work, and the clock.
struct Session<'a> {
    backend: &'a Backend,
    presence: &'a presence::PresenceHandle,
    clock: ops::Clock,
    theme: Theme,
}

/// The loop; returns the exit code (0 on quit, 128 + signal on a signal).
/// It never touches the store: effects go to the backend's threads.
async fn run(
    mut app: App,
    first: Vec<Effect>,
    session: Session<'_>,
    tx: tokio::sync::mpsc::UnboundedSender<Msg>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Msg>,
) -> crate::Result<i32> {
    let Session {
        backend,
        presence,
        clock: clock_fn,
        theme,
    } = session;
    apply(backend, first);
    let (mut terminal, _guard) = terminal::init();
    let size = terminal.size()?;
    let effects = app.update(Msg::Resize(size.width, size.height));
    apply(backend, effects);
    terminal::spawn_input(tx)?;
    let mut here = app.whereabouts();
    presence.here(here.clone());
    // Health pollers run as tasks on this runtime; samples go to the app
    // (lights, sparklines) and to the reader (drift, require_healthy).
    let (htx, mut hrx) = tokio::sync::mpsc::unbounded_channel();
    let _pollers = crate::health::poller::spawn(&app.config, htx, crate::health::poller::DEFAULT_CONCURRENCY);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut spin = tokio::time::interval(Duration::from_millis(100));
    spin.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // At most one frame per FRAME: with a thousand health endpoints samples
    // arrive hundreds of times a second, and drawing for each one would cost
    // more than the polling. Input is still drawn within a frame's time.
    const FRAME: Duration = Duration::from_millis(33);
    let mut last_draw = tokio::time::Instant::now() - FRAME;
    loop {
        if app.dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| render::draw(f, &app, &theme))?;
            app.dirty = false;
            last_draw = tokio::time::Instant::now();
        }
        if app.quit {
            break;
        }
        let busy = app.busy();
        let dirty = app.dirty;
        let msg = tokio::select! {
            Some(m) = rx.recv() => m,
            Some(u) = hrx.recv() => {
                backend.health(u.clone());
                Msg::Health(u)
            }
            _ = clock.tick() => Msg::Clock(clock_fn()),
            _ = spin.tick(), if busy => Msg::Spin,
            _ = tokio::time::sleep_until(last_draw + FRAME), if dirty => continue,
            _ = sigterm.recv() => return Ok(128 + 15),
            _ = sighup.recv() => return Ok(128 + 1),
            _ = sigint.recv() => return Ok(128 + 2),
        };
        let mut effects = app.update(msg);
        // Drain what queued up meanwhile, then draw once.
        while let Ok(m) = rx.try_recv() {
            effects.extend(app.update(m));
        }
        while let Ok(u) = hrx.try_recv() {
            backend.health(u.clone());
            effects.extend(app.update(Msg::Health(u)));
        }
        apply(backend, effects);
        // The person moved: the others see it (throttled on the presence thread).
        let now_here = app.whereabouts();
        if now_here != here {
            presence.here(now_here.clone());
            here = now_here;
        }
    }
    Ok(0)
}

fn apply(backend: &Backend, effects: Vec<Effect>) {
    for e in effects {
        match e {
            Effect::Query(q) => backend.query(q),
            Effect::Preview { id, intent } => backend.preview(id, intent),
            Effect::Run { id, job } => backend.run(id, job),
            Effect::Cancel => backend.cancel(),
            Effect::Commits(key) => backend.commits(key),
            Effect::FlagHistory { key, seq } => backend.flag_history(key, seq),
        }
    }
}

#[cfg(test)]
mod tests;
