//! `relcon announce` (print, or send through a sink) and `relcon review`.

use std::io::{BufRead, IsTerminal};

use super::output::print_json;
use super::term::{self, out, out_lines};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::ops::announce::{self, Template};
use crate::ops::review::{self, QUESTIONS};
use crate::ops::Ctx;

pub fn announce(ctx: &Ctx, env: &str, t: Template, json: bool) -> Result<i32> {
    let a = announce::render(ctx, env, t)?;
    if json {
        print_json(&a);
    } else {
        out_lines(a.text.trim_end());
    }
    Ok(0)
}

pub fn send(ctx: &mut Ctx, env: &str, t: Template, sink: &str, json: bool) -> Result<i32> {
    let mut a = announce::render(ctx, env, t)?;
    let e = announce::send(ctx, &mut a, sink)?;
    if json {
        print_json(&a);
    } else {
        out_lines(a.text.trim_end());
        out(format!(
            "→ recorded as event {} for {} (delivered now, or retried until it is: relcon notify status)",
            e.seq,
            inert(sink)
        ));
    }
    Ok(0)
}

/// The answers from the flags, or asked one by one on a terminal.
fn answers(given: &[String]) -> Result<Vec<String>> {
    if !given.is_empty() || !std::io::stdin().is_terminal() {
        return Ok(given.to_vec());
    }
    let mut out = Vec::new();
    for q in QUESTIONS {
        term::prompt(&format!("{q} "));
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        out.push(line.trim().to_string());
    }
    Ok(out)
}

pub fn review(ctx: &mut Ctx, env: &str, number: Option<u64>, given: &[String], json: bool) -> Result<i32> {
    let list = answers(given)?;
    if list.is_empty() {
        return Err(Error::usage(format!(
            "review needs its {} answers: --answer \"…\" once per question, in order: {}",
            QUESTIONS.len(),
            QUESTIONS.join(" / ")
        )));
    }
    let r = review::record(ctx, env, number, &list)?;
    if json {
        print_json(&r);
        return Ok(0);
    }
    out(format!(
        "✔ review of {} v{} ({}) recorded (event {})",
        inert(env),
        r.number,
        inert(&r.version),
        r.seq
    ));
    for a in &r.answers {
        out(format!("  {} {}", a.question, inert(&a.answer)));
    }
    Ok(0)
}
