//! docs/recipes/*.md are run, so they cannot drift (issue 16): each page's
//! `# file:` blocks are written into a sandbox, its `$ relcon …` lines run
//! in order against the real binary with stand-in CLIs on PATH (heroku,
//! curl, kubectl, argocd, vercel, supabase) that record their arguments,
//! and the recorded calls must equal the page's `<!-- stub calls -->` block.

mod common;

use std::path::Path;

use common::Sandbox;

const STUBS: &[&str] = &["heroku", "curl", "kubectl", "argocd", "vercel", "supabase"];

/// A stand-in: one line per call (name and arguments, space-separated) in
/// $STUB_LOG. curl answers like Heroku's release API, numbering from v42.
fn stub(name: &str) -> String {
    let mut s = String::from("printf '%s' \"$(basename \"$0\")\" >> \"$STUB_LOG\"\nfor a in \"$@\"; do printf ' %s' \"$a\" >> \"$STUB_LOG\"; done\necho >> \"$STUB_LOG\"\n");
    if name == "curl" {
        s.push_str(
            "n=$(cat \"$STUB_LOG.n\" 2>/dev/null || echo 41)\nn=$((n + 1))\necho $n > \"$STUB_LOG.n\"\nprintf '{\"id\": \"01234567-r%s\", \"version\": %s, \"status\": \"succeeded\"}\\n' $n $n\n",
        );
    }
    s
}

struct Page {
    files: Vec<(String, String)>,
    commands: Vec<Vec<String>>,
    calls: String,
}

/// Split a console line like a shell would for double quotes (all the
/// pages use).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn page(name: &str) -> Page {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/recipes").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut files = Vec::new();
    let mut commands = Vec::new();
    let mut calls = None;
    let mut lines = text.lines().peekable();
    let mut stub_calls_next = false;
    while let Some(line) = lines.next() {
        if line.trim() == "<!-- stub calls -->" {
            stub_calls_next = true;
            continue;
        }
        let Some(lang) = line.strip_prefix("```") else { continue };
        let mut body = Vec::new();
        for l in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            body.push(l);
        }
        if stub_calls_next {
            calls = Some(body.join("\n") + "\n");
            stub_calls_next = false;
        } else if let Some(f) = body.first().and_then(|l| l.strip_prefix("# file: ")) {
            let rest = body[1..].join("\n") + "\n";
            files.push((f.trim().to_string(), rest));
        } else if lang == "console" {
            for l in body {
                if let Some(cmd) = l.strip_prefix("$ relcon ") {
                    commands.push(words(cmd));
                }
            }
        }
    }
    Page {
        files,
        commands,
        calls: calls.unwrap_or_else(|| panic!("{name} has no <!-- stub calls --> block")),
    }
}

/// Run a page; returns the sandbox and the calls the stubs recorded.
fn run(name: &str) -> (Sandbox, String) {
    let p = page(name);
    assert!(
        p.files.iter().any(|(f, _)| f == "relcon.toml"),
        "{name} has no relcon.toml block"
    );
    assert!(!p.commands.is_empty(), "{name} runs nothing");
    let sb = Sandbox::empty();
    for (f, text) in &p.files {
        match text.strip_prefix("#!/bin/sh\n") {
            Some(body) => sb.script(f, body.trim_end()),
            None => sb.write(f, text),
        }
    }
    for s in STUBS {
        sb.script(&format!("bin/{s}"), &stub(s));
    }
    let log = sb.path("stub-calls.log");
    std::fs::write(&log, "").unwrap();
    let path = format!(
        "{}:{}",
        sb.path("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = [("PATH", path.as_str()), ("STUB_LOG", log.to_str().unwrap())];
    for cmd in &p.commands {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let r = sb.run_env(&env, &args);
        assert_eq!(r.code, 0, "{name}: relcon {}\n{r}", cmd.join(" "));
    }
    let got = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        got, p.calls,
        "{name}: the page's stub calls differ from what relcon ran"
    );
    (sb, got)
}

#[test]
fn heroku_promotes_the_recorded_slug_and_rolls_back_by_heroku_release() {
    let (sb, got) = run("heroku.md");
    assert!(got.ends_with("heroku rollback v43 -a shop-prod\n"), "{got}");
    // The release id is stored with the deployment (and shown in audit).
    let audit = sb.json(&["audit", "--json"]);
    let outputs: Vec<&serde_json::Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "deployment.outputs")
        .collect();
    assert_eq!(outputs.len(), 4, "one per curl release: {audit}");
    let h = sb.history("prod");
    assert_eq!(h[0]["status"], "succeeded");
    assert_eq!(h[0]["version"], "1.4.2", "rolled back to the first build");
}

#[test]
fn kustomize_pins_the_digest_and_waits_for_the_rollout() {
    let (sb, _) = run("kustomize.md");
    assert_eq!(sb.history("prod")[0]["version"], "2.0.0");
}

#[test]
fn argocd_pauses_auto_sync_before_a_rollback() {
    let (_, got) = run("argocd.md");
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines[lines.len() - 4], "argocd app set shop-prod --sync-policy none");
}

#[test]
fn vercel_supabase_migrates_then_promotes_the_exact_deployment() {
    let (sb, _) = run("vercel-supabase.md");
    let audit = sb.json(&["audit", "--json"]);
    let ticks = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "checklist.ticked")
        .count();
    assert_eq!(ticks, 3, "the staging validation was walked: {audit}");
    assert_eq!(sb.history("prod")[0]["version"], "2026.11.20-3");
}

#[test]
fn a_failing_stand_in_fails_the_recipe() {
    // The harness can fail: kubectl exiting 1 in the rollout step fails the deployment.
    let p = page("kustomize.md");
    let sb = Sandbox::empty();
    for (f, text) in &p.files {
        sb.write(f, text);
    }
    sb.script(
        "bin/kubectl",
        "case \"$*\" in *rollout*) echo 'deployment exceeded its progress deadline' >&2; exit 1;; esac",
    );
    let path = format!(
        "{}:{}",
        sb.path("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = [("PATH", path.as_str())];
    sb.run_env(
        &env,
        &[
            "release",
            "register",
            "2.0.0",
            "--commit",
            "1a2b3c4",
            "--artifact",
            "sha256:5e8f",
        ],
    )
    .ok();
    let r = sb.run_env(&env, &["deploy", "staging", "2.0.0", "--yes"]).code(4);
    assert!(r.stderr.contains("step rollout"), "{r}");
}
