//! A call on the store's one connection: connect when there is none, drop
//! one the server ended, and run the call again on a new one when nothing
//! of it can have been recorded.

use super::runtime::outside_runtime;
use super::{connect, Cache, Conn, PgStore};
use crate::error::{Error, Result};

/// How a call on a connection failed.
enum Failed {
    Connect(Error),
    /// The error, and whether it ended the connection.
    Call(postgres::Error, bool),
}

fn fatal(d: &postgres::error::DbError) -> bool {
    d.severity() == "FATAL" || d.code().code().starts_with("57P")
}

/// The server ended the session and said so: the statement it answered was
/// never run or rolled back with the session (a socket that just broke
/// leaves a write's fate unknown).
fn ended_by_server(e: &postgres::Error) -> bool {
    e.as_db_error().is_some_and(fatal)
}

impl PgStore {
    /// Run `f` on a live connection, connecting (again) when there is none.
    /// A lost connection is dropped, so the next call reconnects by itself;
    /// when the server itself ended the session (an administrator, a
    /// restart: nothing of the call can have committed), `f` runs once more
    /// on a new connection at once, so a single dropped connection fails no
    /// call — the result of a deployment whose hook outlived it included.
    pub(super) fn with<T>(&self, f: impl FnMut(&mut Conn) -> std::result::Result<T, postgres::Error>) -> Result<T> {
        self.with_again(f, ended_by_server)
    }

    /// The same, `f` run once more on a new connection when the first was
    /// lost and `again` says nothing of it can have been recorded.
    pub(super) fn with_again<T>(
        &self,
        mut f: impl FnMut(&mut Conn) -> std::result::Result<T, postgres::Error>,
        again: impl Fn(&postgres::Error) -> bool,
    ) -> Result<T> {
        outside_runtime(|| match self.attempt(&mut f) {
            Err(Failed::Call(e, true)) if again(&e) => self.attempt(&mut f).map_err(|f| self.failed(f)),
            r => r.map_err(|f| self.failed(f)),
        })
    }

    fn attempt<T>(
        &self,
        f: &mut impl FnMut(&mut Conn) -> std::result::Result<T, postgres::Error>,
    ) -> std::result::Result<T, Failed> {
        let mut guard = self.conn.borrow_mut();
        if guard.as_ref().is_some_and(|c| c.client.is_closed()) {
            *guard = None;
        }
        let conn = match guard.as_mut() {
            Some(c) => c,
            None => guard.insert(Conn {
                client: connect::connect(&self.target).map_err(Failed::Connect)?,
                stmts: Cache::default(),
                listening: false,
            }),
        };
        match f(conn) {
            Ok(v) => Ok(v),
            Err(e) => {
                // A FATAL error (the server terminated this session) ends the
                // connection too, even before the client has read the socket's end.
                let lost = conn.client.is_closed() || e.is_closed() || e.as_db_error().is_none_or(fatal);
                if lost {
                    *guard = None;
                }
                Err(Failed::Call(e, lost))
            }
        }
    }

    fn failed(&self, f: Failed) -> Error {
        match f {
            Failed::Connect(e) => e,
            Failed::Call(e, lost) => self.error(&e, lost),
        }
    }

    fn error(&self, e: &postgres::Error, lost: bool) -> Error {
        let msg = connect::one_line(e);
        if lost {
            Error::runtime(format!(
                "ledger server {} is unreachable ({msg}); nothing was written, relcon reconnects by itself",
                self.target.display
            ))
        } else {
            Error::runtime(format!("ledger server {}: {msg}", self.target.display))
        }
    }
}
