//! `relcon ledger init` and `relcon ledger copy`.

use super::output::print_json;
use super::term::out;
use crate::config::Config;
use crate::error::Result;
use crate::ops::{ledger_admin, Ctx};

pub fn init(config: &Config, grant: &[String], json: bool) -> Result<i32> {
    let r = ledger_admin::init(config, grant)?;
    if json {
        print_json(&r);
        return Ok(0);
    }
    if r.from == r.to {
        out(format!("ledger {} is ready (schema version {})", r.ledger, r.to));
    } else {
        out(format!("ledger {}: schema version {} → {}", r.ledger, r.from, r.to));
    }
    if !r.indexes.is_empty() {
        out(format!("created indexes: {}", r.indexes.join(", ")));
    }
    for role in &r.granted {
        out(format!(
            "granted {role}: append events and read everything; never update or delete history"
        ));
    }
    Ok(0)
}

pub fn copy(ctx: &Ctx, to: &str, password_env: Option<String>, json: bool) -> Result<i32> {
    let r = ledger_admin::copy(ctx.store.as_ref(), &ctx.config.ledger, to, password_env)?;
    if json {
        print_json(&r);
        return Ok(0);
    }
    out(format!("copied {} events from {} to {}", r.events, r.from, r.to));
    out(format!("source head {}", r.source_head));
    out(format!("copy head   {}", r.target_head));
    Ok(0)
}
