//! Presence (DESIGN §11; not in the ledger): on a thread and a connection of
//! its own, the console announces who it is and where it looks every few
//! seconds and right after the person moves (a few times a second at most),
//! reads who else is here and sends the list to the app, and leaves on quit.
//! Errors are silent: presence just goes stale.

use std::hash::{BuildHasher, Hasher};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use crate::config::Config;
use crate::ledger::{self, Presence, Store};
use crate::tui::event::{Msg, Whereabouts};

/// Announce and read who else is here, in one wake-up (a console at rest
/// costs one small write and one read per beat, nothing in between).
const BEAT: Duration = Duration::from_secs(3);
/// Consoles seen within this are "here".
const WITHIN: Duration = Duration::from_secs(10);
/// At most this often after a move (keys held down move many times a second).
const THROTTLE: Duration = Duration::from_millis(250);

enum Cmd {
    Here(Whereabouts),
    Leave,
}

/// The presence thread, as the loop and `main` talk to it.
pub struct PresenceHandle {
    tx: mpsc::Sender<Cmd>,
    left: mpsc::Receiver<()>,
}

/// One id per running console: host, pid and a random part.
pub fn console_id(host: &str) -> String {
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    format!("{host}-{}-{:08x}", std::process::id(), random as u32)
}

impl PresenceHandle {
    /// Start announcing as `actor` on `host`. `announce` false: only read
    /// who else is here (a read-only console on a SQLite file, which must not
    /// change a byte of it).
    pub fn start(config: Config, actor: String, host: String, announce: bool, app: UnboundedSender<Msg>) -> Self {
        let (tx, rx) = mpsc::channel();
        let (done, left) = mpsc::channel();
        let me = Presence {
            console: console_id(&host),
            actor,
            host,
            ..Presence::default()
        };
        // No thread, no presence: the console works without it.
        let _ = std::thread::Builder::new()
            .name("relcon-presence".into())
            .spawn(move || {
                presence_loop(&config, me, announce, &rx, &app);
                let _ = done.send(());
            });
        PresenceHandle { tx, left }
    }

    /// The person moved (view, env, highlighted item).
    pub fn here(&self, w: Whereabouts) {
        let _ = self.tx.send(Cmd::Here(w));
    }

    /// Leave (on quit), waiting at most `within` for the store.
    pub fn leave(&self, within: Duration) {
        if self.tx.send(Cmd::Leave).is_ok() {
            let _ = self.left.recv_timeout(within);
        }
    }
}

fn presence_loop(
    config: &Config,
    mut me: Presence,
    announce: bool,
    rx: &mpsc::Receiver<Cmd>,
    app: &UnboundedSender<Msg>,
) {
    let mut store: Option<Box<dyn Store>> = None;
    let now = Instant::now();
    let mut next_beat = now;
    let mut last_announce = now - THROTTLE;
    let mut moved = false;
    loop {
        let mut due = next_beat;
        if moved {
            due = due.min(last_announce + THROTTLE);
        }
        match rx.recv_timeout(due.saturating_duration_since(Instant::now())) {
            Ok(Cmd::Here(w)) => {
                me.view = w.view;
                me.env = w.env;
                me.item = w.item;
                moved = true;
            }
            Ok(Cmd::Leave) | Err(RecvTimeoutError::Disconnected) => {
                if let (true, Some(s)) = (announce, store.as_mut()) {
                    let _ = s.leave(&me.console);
                }
                return;
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        let now = Instant::now();
        let beat = now >= next_beat;
        if !(beat || (moved && now >= last_announce + THROTTLE)) {
            continue;
        }
        if store.is_none() {
            store = ledger::open(config).ok();
        }
        let Some(s) = store.as_mut() else {
            next_beat = now + BEAT;
            continue;
        };
        if announce {
            let _ = s.announce(&me);
        }
        moved = false;
        last_announce = now;
        if beat {
            if let Ok(list) = s.present(WITHIN, &me.console) {
                if app.send(Msg::Presence(list)).is_err() {
                    return;
                }
            }
            next_beat = now + BEAT;
        }
    }
}
