//! The console (DESIGN.md §6). One loop owns the state: terminal keys,
//! worker messages and a 1 s clock arrive on channels; queued messages are
//! drained before one draw; the screen is drawn only when something changed.
//!
//! What runs where: on the UI task, `event_loop` drives `app` (state and
//! update), which holds the `views` (each with its own state and drawing)
//! and the `dialogs`; `input` turns keys and `:` lines into what they ask
//! for (an `ops::intent::Intent` to confirm, a job, a view); `render`
//! draws. On threads of their own, `worker` reads the ledger (snapshots,
//! previews through `intent::preview`), runs jobs (`intent::execute`, the
//! path the CLI takes), watches for new events and announces presence.
//! `event` is the protocol between the two sides.

pub mod app;
pub mod dialogs;
pub mod event;
mod event_loop;
pub mod input;
pub mod pace;
pub mod render;
pub mod snapshot;
pub mod testing;
pub mod views;
pub mod worker;

use std::io::IsTerminal;
use std::path::Path;

pub use app::{App, AppInit};
pub use event::{Effect, Msg};
pub use render::draw;
pub use render::theme::{self, Theme};
pub use snapshot::{Query, Snapshot};
pub use views::View;

use crate::ops::{self, Ctx};
use event_loop::Session;
use worker::presence;
use worker::Backend;

pub fn main(cli: &crate::cli::Cli) -> i32 {
    let config = match ops::load_config(cli.config.as_deref()) {
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
    match Snapshot::first(ctx, &app.query) {
        Ok(s) => first = app.update(Msg::Snapshot(Box::new(s))),
        Err(e) => app.set_status(worker::one_line(&e), theme::State::Error),
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
    // Notifications recorded by this console (or left pending by others) go out from here.
    let _notifier = crate::ops::notify::spawn_notifier(ctx);
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
    let code = rt.block_on(event_loop::run(app, first, session, tx, rx));
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

#[cfg(test)]
mod tests;
