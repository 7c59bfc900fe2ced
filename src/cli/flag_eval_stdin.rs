//! `relcon flag eval ENV FLAG --stdin [--json]`: one targeting key a line
//! in, one result a line out (JSON lines with --json, the `flag eval --json`
//! shape). The flag's state is read once; 10 000 keys take milliseconds.
//! A key that cannot be evaluated (not ASCII, not UTF-8) gets an `error`
//! line instead, and the command exits 2 after the last key.

use std::io::BufRead;

use serde_json::json;

use super::term;
use crate::error::{Error, Result};
use crate::flags::eval::check_key;
use crate::ops::flags;
use crate::ops::Ctx;

/// Output is written in blocks of about this size.
const BLOCK: usize = 64 * 1024;

pub fn run(ctx: &Ctx, env: &str, flag: &str, json: bool) -> Result<i32> {
    let state = flags::state(ctx, env, flag)?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut raw = Vec::new();
    let mut block = String::with_capacity(BLOCK + 1024);
    let mut refused = 0usize;
    let mut n = 0usize;
    loop {
        raw.clear();
        if input
            .read_until(b'\n', &mut raw)
            .map_err(|e| Error::runtime(format!("cannot read stdin: {e}")))?
            == 0
        {
            break;
        }
        n += 1;
        let line = raw.strip_suffix(b"\n").unwrap_or(&raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let checked = std::str::from_utf8(line)
            .map_err(|_| format!("line {n} is not UTF-8"))
            .and_then(|key| check_key(key).map(|()| key));
        match checked {
            Ok(key) => {
                let r = flags::eval_with(&state, env, flag, key);
                if json {
                    block.push_str(&serde_json::to_string(&r).unwrap_or_default());
                    block.push('\n');
                } else {
                    // Quoted, so an empty key shows as "".
                    block.push_str(&crate::domain::inert(&format!("{key:?} {} ({})", r.variant, r.reason)));
                    block.push('\n');
                }
            }
            Err(e) => {
                refused += 1;
                let key = String::from_utf8_lossy(line);
                if json {
                    let v = json!({ "flag": flag, "env": env, "key": key, "error": e });
                    block.push_str(&v.to_string());
                    block.push('\n');
                } else {
                    term::err(format!("error: line {n}: {e}"));
                }
            }
        }
        if block.len() >= BLOCK {
            term::out_exact(&block);
            block.clear();
            if term::stdout_lost() {
                return Ok(0);
            }
        }
    }
    term::out_exact(&block);
    if refused > 0 {
        // Not an Err: stdout holds JSON lines, no error document goes after them.
        term::err(format!(
            "error: {refused} of {n} keys could not be evaluated (see their lines)"
        ));
        return Ok(2);
    }
    Ok(0)
}
