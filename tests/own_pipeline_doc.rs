//! docs/own-pipeline.md replayed: every `$ ` line of its plain ``` blocks
//! runs, in order, with the real binary in a fresh folder (as `sh -c`, the
//! folder, exported `RELCON_*` variables and `$?` carried from line to
//! line), and what it prints must be the lines the doc shows under it.
//! Two lines show a person answering a prompt (`[y/N] y`, `Type "prod" to
//! confirm: prod`); with no terminal here those commands run with `--yes`
//! and the prompt line is not compared. Timestamps and ages ("0s ago")
//! depend on when the test runs and are compared as shapes; the freeze the
//! tutorial uses is absolute, so no gate depends on the day.
//! `UPDATE_DOCS=1 cargo test --test own_pipeline_doc` rewrites the outputs.

mod common;

use std::path::Path;
use std::process::Command;

const DOC: &str = "docs/own-pipeline.md";

/// One command and the output the doc shows for it (line indexes into the doc).
struct Step {
    cmd: String,
    /// Doc lines of the shown output: [from, to).
    from: usize,
    to: usize,
    prompt: bool,
}

fn steps(lines: &[&str]) -> Vec<Step> {
    let mut out = Vec::new();
    // Inside a fence, and whether it is a plain one.
    let mut fence: Option<bool> = None;
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if l.starts_with("```") {
            // Only plain blocks hold commands (```toml, ```text do not).
            fence = match fence {
                Some(_) => None,
                None => Some(l == "```"),
            };
            i += 1;
            continue;
        }
        if fence == Some(true) {
            if let Some(cmd) = l.strip_prefix("$ ") {
                let from = i + 1;
                let mut to = from;
                while to < lines.len() && !lines[to].starts_with("$ ") && !lines[to].starts_with("```") {
                    to += 1;
                }
                // Blank lines before the next command only separate.
                let mut end = to;
                while end > from && lines[end - 1].is_empty() {
                    end -= 1;
                }
                let prompt = lines[from..end]
                    .iter()
                    .any(|o| o.ends_with("[y/N] y") || o.starts_with("Type \""));
                out.push(Step {
                    cmd: cmd.to_string(),
                    from,
                    to: end,
                    prompt,
                });
                i = to;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Digits of timestamps (`2026-11-22 02:14[:50]`) and ages (`12s ago`) as `#`.
fn shape(line: &str) -> String {
    let c: Vec<char> = line.chars().collect();
    let mut out = c.clone();
    let d = |i: usize| c.get(i).is_some_and(|x| x.is_ascii_digit());
    let at = |i: usize, ch: char| c.get(i) == Some(&ch);
    for i in 0..c.len() {
        let stamp = (0..4).all(|k| d(i + k))
            && at(i + 4, '-')
            && d(i + 5)
            && d(i + 6)
            && at(i + 7, '-')
            && d(i + 8)
            && d(i + 9)
            && at(i + 10, ' ')
            && d(i + 11)
            && d(i + 12)
            && at(i + 13, ':')
            && d(i + 14)
            && d(i + 15);
        if stamp {
            let mut n = 16;
            if at(i + 16, ':') && d(i + 17) && d(i + 18) {
                n = 19;
            }
            for k in i..i + n {
                if c[k].is_ascii_digit() {
                    out[k] = '#';
                }
            }
        }
    }
    let s: String = out.into_iter().collect();
    // Ages: the digits right before "s ago".
    let mut r = String::new();
    let mut rest = s.as_str();
    while let Some(j) = rest.find("s ago") {
        let head = &rest[..j];
        let keep = head.trim_end_matches(|ch: char| ch.is_ascii_digit());
        r.push_str(keep);
        if keep.len() < head.len() {
            r.push('#');
        }
        r.push_str("s ago");
        rest = &rest[j + "s ago".len()..];
    }
    r.push_str(rest);
    r
}

/// `audit verify`'s head hash covers the events' times: the doc shows `head N:…`.
fn elide_head(line: &str) -> String {
    match line.find(", head ").and_then(|i| line[i..].find(':').map(|j| i + j)) {
        Some(k) => format!("{}:…", &line[..k]),
        None => line.to_string(),
    }
}

fn run(dir: &Path, state: &Path, cmd: &str, last: i32) -> (i32, String) {
    let bin_dir = Path::new(common::BIN).parent().unwrap();
    let script = format!(
        "cd \"$(cat '{s}/pwd' 2>/dev/null || echo '{d}')\" || exit 99\n\
         [ -f '{s}/env' ] && . '{s}/env'\n\
         (exit {last})\n\
         {{ {cmd}\n}} 2>&1\n\
         rc=$?\n\
         pwd > '{s}/pwd'\n\
         export -p | grep ' RELCON_' > '{s}/env'\n\
         exit $rc\n",
        s = state.display(),
        d = dir.display(),
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default()),
        )
        .env("HOME", state)
        .env("XDG_CONFIG_HOME", state.join("config"))
        .env("RELCON_STATE_DIR", state.join("relcon-state"))
        .env_remove("RELCON_USER")
        .env_remove("RELCON_CONFIG")
        .env_remove("RELCON_LEDGER_URL")
        .env_remove("RELCON_READ_ONLY")
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sh");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn own_pipeline_outputs_are_what_the_commands_print() {
    let path = format!("{}/{DOC}", env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(&path).expect("the doc");
    let lines: Vec<&str> = doc.lines().collect();
    let steps = steps(&lines);
    assert!(
        steps.len() >= 30,
        "the tutorial looks cut short: {} commands",
        steps.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut last = 0;
    let mut replaced: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut stale = Vec::new();
    for s in &steps {
        let cmd = if s.prompt {
            format!("{} --yes", s.cmd)
        } else {
            s.cmd.clone()
        };
        let (code, out) = run(dir.path(), state.path(), &cmd, last);
        last = code;
        let got: Vec<String> = out.lines().map(elide_head).collect();
        // The prompt line stays as the doc has it; the rest is real output.
        let shown: Vec<&str> = lines[s.from..s.to].to_vec();
        let (kept, shown_out): (Vec<String>, Vec<&str>) = if s.prompt {
            let n = shown
                .iter()
                .position(|o| o.ends_with("[y/N] y") || o.starts_with("Type \""))
                .unwrap()
                + 1;
            (shown[..n].iter().map(|x| x.to_string()).collect(), shown[n..].to_vec())
        } else {
            (Vec::new(), shown)
        };
        let want: Vec<String> = shown_out.iter().map(|l| shape(l)).collect();
        let have: Vec<String> = got.iter().map(|l| shape(l)).collect();
        if want != have {
            stale.push(format!(
                "$ {}\n--- the doc shows\n{}\n--- it prints\n{}",
                s.cmd,
                shown_out.join("\n"),
                got.join("\n")
            ));
            let mut new = kept;
            new.extend(got);
            replaced.push((s.from, s.to, new));
        }
    }
    if stale.is_empty() {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        for (from, to, new) in &replaced {
            out.extend(lines[i..*from].iter().map(|l| l.to_string()));
            out.extend(new.iter().cloned());
            i = *to;
        }
        out.extend(lines[i..].iter().map(|l| l.to_string()));
        std::fs::write(&path, out.join("\n") + "\n").expect("write the doc");
        return;
    }
    panic!(
        "{DOC} is stale ({} commands): run UPDATE_DOCS=1 cargo test --test own_pipeline_doc\n\n{}",
        stale.len(),
        stale.join("\n\n")
    );
}
