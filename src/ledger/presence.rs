//! Presence: which consoles are open, who runs them and where they look.
//! Not history, so not in the ledger: a small table every console upserts
//! every few seconds, judged by the database clock.

use std::time::Duration;

use super::sql::{vals, Db};
use super::store::Presence;
use crate::error::Result;

pub fn announce(db: &dyn Db, p: &Presence) -> Result<()> {
    let now = db.now_ms()?;
    db.exec(
        "INSERT INTO presence (console, actor, host, view, env, item, seen_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (console) DO UPDATE SET actor = excluded.actor, host = excluded.host, view = excluded.view,
           env = excluded.env, item = excluded.item, seen_ms = excluded.seen_ms",
        vals![&p.console, &p.actor, &p.host, &p.view, &p.env, &p.item, now],
    )?;
    // Consoles that vanished without leaving: forget them after a while.
    db.exec("DELETE FROM presence WHERE seen_ms < ?1", vals![now - 3_600_000])?;
    Ok(())
}

pub fn list(db: &dyn Db, within: Duration, except: &str) -> Result<Vec<Presence>> {
    let since = db.now_ms()? - within.as_millis() as i64;
    db.query(
        "SELECT console, actor, host, view, env, item, seen_ms FROM presence WHERE seen_ms >= ?1 AND console <> ?2",
        vals![since, except],
    )?
    .iter()
    .map(|r| {
        Ok(Presence {
            console: r.text(0)?,
            actor: r.text(1)?,
            host: r.text(2)?,
            view: r.text(3)?,
            env: r.opt_text(4)?,
            item: r.opt_text(5)?,
            seen_ms: r.int(6)?,
        })
    })
    .collect::<Result<Vec<_>>>()
    // Sorted here, by bytes: databases collate text differently.
    .map(|mut v| {
        v.sort_by(|a, b| (&a.actor, &a.console).cmp(&(&b.actor, &b.console)));
        v
    })
}

pub fn leave(db: &dyn Db, console: &str) -> Result<()> {
    db.exec("DELETE FROM presence WHERE console = ?1", vals![console])?;
    Ok(())
}
