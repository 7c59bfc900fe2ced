//! A program in a 160×48 pseudo-terminal whose output is read on a thread
//! and stamped with the time it arrived, so a key's latency is the time
//! from writing it to the chunk after which the screen shows its frame
//! (not the time a polling loop happened to look). A program that marks its
//! frames as synchronized updates (DEC 2026, as relcon does) has shown one
//! only once its end marker came: the first kilobyte of a frame is not the
//! frame. One that does not (the minimal loop: a frame fits one chunk) is
//! judged chunk by chunk.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

pub const ROWS: u16 = 48;
pub const COLS: u16 = 160;
/// A frame that has not come by then will not come: the run fails.
const PATIENCE: Duration = Duration::from_secs(20);

type Child = Box<dyn portable_pty::Child + Send + Sync>;

pub struct Session {
    parser: vt100::Parser,
    /// Inside a synchronized update (its begin marker came, its end not yet).
    in_frame: bool,
    /// The last bytes of the previous chunk, for a marker split across two.
    tail: Vec<u8>,
    chunks: Receiver<(Instant, Vec<u8>)>,
    writer: Box<dyn Write + Send>,
    child: Child,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    /// Start `program args` in `cwd` with `env`, proxies and relcon's own
    /// settings of whoever runs the bench removed.
    pub fn start(program: &Path, args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.cwd(cwd);
        cmd.env("TERM", "xterm-256color");
        cmd.env("RELCON_USER", "bench");
        for v in [
            "RELCON_CONFIG",
            "RELCON_LEDGER_URL",
            "NO_COLOR",
            "RELCON_READ_ONLY",
            "RELCON_BENCH_MINIMAL_LOOP",
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ] {
            cmd.env_remove(v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("start the program");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let (tx, chunks) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                    break;
                }
            }
        });
        Session {
            parser: vt100::Parser::new(ROWS, COLS, 0),
            in_frame: false,
            tail: Vec::new(),
            chunks,
            writer,
            child,
            _master: pair.master,
        }
    }

    pub fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    /// Read until `pred` holds; returns when the chunk that made it hold
    /// arrived, or panics with the screen after `PATIENCE`.
    pub fn until(&mut self, what: &str, pred: &dyn Fn(&vt100::Screen) -> bool) -> Instant {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(wait) {
                Ok((at, bytes)) => {
                    self.take(&bytes);
                    if !self.in_frame && pred(self.parser.screen()) {
                        return at;
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => panic!(
                    "no frame showing {what} within {PATIENCE:?}; screen:\n{}",
                    self.parser.screen().contents()
                ),
            }
        }
    }

    /// Take in whatever the program draws for `d` (a pause between keys).
    pub fn idle(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while let Ok((_, bytes)) = self.chunks.recv_timeout(end.saturating_duration_since(Instant::now())) {
            self.take(&bytes);
        }
    }

    /// Feed a chunk to the screen and note whether a synchronized update is
    /// still open after it (the last marker in it decides).
    fn take(&mut self, bytes: &[u8]) {
        const BEGIN: &[u8] = b"\x1b[?2026h";
        const END: &[u8] = b"\x1b[?2026l";
        self.parser.process(bytes);
        let mut seen = std::mem::take(&mut self.tail);
        seen.extend_from_slice(bytes);
        let last = |m: &[u8]| seen.windows(m.len()).rposition(|w| w == m);
        match (last(BEGIN), last(END)) {
            (Some(b), Some(e)) => self.in_frame = b > e,
            (Some(_), None) => self.in_frame = true,
            (None, Some(_)) => self.in_frame = false,
            (None, None) => {}
        }
        self.tail = seen[seen.len().saturating_sub(BEGIN.len() - 1)..].to_vec();
    }

    /// Send `key`; the time it was written.
    pub fn press(&mut self, key: &str) -> Instant {
        let at = Instant::now();
        self.writer.write_all(key.as_bytes()).expect("write a key");
        self.writer.flush().expect("flush a key");
        at
    }

    /// `q`, then wait for the exit (killing it if it lingers).
    pub fn quit(mut self) {
        let _ = self.writer.write_all(b"q");
        let _ = self.writer.flush();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}
