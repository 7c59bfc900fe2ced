//! What terminal users reach for first (issue 16): shell completions, a man
//! page, `--version` with the commit, and the config found like git finds
//! its repository (`--config`, `$RELCON_CONFIG`, then `relcon.toml` here or
//! in the nearest parent).

mod common;

use std::process::Command;

use common::{Run, Sandbox};

const CONFIG: &str = "[project]\nname = \"walk\"\n\n[[environment]]\nname = \"dev\"\n";

#[test]
fn completions_for_every_shell() {
    let sb = Sandbox::empty();
    for (shell, marker) in [
        ("bash", "complete -F _relcon"),
        ("zsh", "#compdef relcon"),
        ("fish", "complete -c relcon"),
        ("elvish", "edit:completion:arg-completer[relcon]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let r = sb.run(&["completions", shell]).ok();
        assert!(r.stdout.contains(marker), "{shell}: no {marker:?} in\n{}", r.stdout);
        // Subcommands and their flags are in it.
        for word in ["promote", "rollback", "read-only"] {
            assert!(r.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    let r = sb.run(&["completions", "tcsh"]).code(2);
    assert!(r.stderr.contains("possible values"), "{r}");
}

#[test]
fn bash_accepts_the_completion_script() {
    let sb = Sandbox::empty();
    let r = sb.run(&["completions", "bash"]).ok();
    sb.write("relcon.bash", &r.stdout);
    let out = Command::new("bash")
        .arg("-c")
        .arg(". ./relcon.bash && complete -p relcon")
        .current_dir(sb.root())
        .output()
        .expect("bash");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("_relcon"));
}

#[test]
fn the_man_page_is_roff_on_stdout() {
    let sb = Sandbox::empty();
    let r = sb.run(&["man"]).ok();
    assert!(r.stdout.contains(".TH relcon 1"), "{}", r.stdout);
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH VERSION",
    ] {
        assert!(r.stdout.contains(section), "no {section}");
    }
    // What scripts branch on, and every variable relcon reads, before the version.
    let exit = r.stdout.find(".SH \"EXIT STATUS\"").unwrap();
    assert!(exit < r.stdout.find(".SH VERSION").unwrap());
    for var in [
        "RELCON_CONFIG",
        "RELCON_USER",
        "RELCON_LEDGER_URL",
        "RELCON_READ_ONLY",
        "NO_COLOR",
    ] {
        assert!(r.stdout[exit..].contains(var), "{var} in ENVIRONMENT");
    }
    assert!(r.stdout.contains("relcon\\-promote"), "subcommands are listed");
}

#[test]
fn version_names_the_commit() {
    let r = Sandbox::empty().run(&["--version"]).ok();
    let line = r.stdout.trim();
    let want_prefix = format!("relcon {} (", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&want_prefix) && line.ends_with(')'), "{line}");
    let commit = &line[want_prefix.len()..line.len() - 1];
    // In a git checkout it is HEAD's short hash (or the commit it was built at).
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match head {
        Ok(h) if h.status.success() => {
            let full = Command::new("git")
                .args(["rev-parse", "--verify", "--quiet", &format!("{commit}^{{commit}}")])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .output()
                .unwrap();
            assert!(full.status.success(), "{commit:?} is not a commit of this repository");
        }
        _ => assert_eq!(commit, "unknown"),
    }
}

#[test]
fn the_config_is_found_from_a_subfolder() {
    let sb = Sandbox::new(CONFIG);
    sb.write("services/api/src/.keep", "");
    let deep = sb.path("services/api/src");
    let run = |dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]| {
        let mut c = sb.command_as(common::USER, args);
        c.current_dir(dir);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let r = run(&deep, &["status", "--json"], &[]).ok();
    assert_eq!(r.json()["project"], "walk");
    // The ledger is the one next to the config, not one in the subfolder.
    assert!(sb.exists(".relcon/ledger.db"));
    assert!(!deep.join(".relcon").exists());
    // A nearer relcon.toml wins, as a nested git repository would.
    sb.write("services/relcon.toml", &CONFIG.replace("walk", "nested"));
    let r = run(&deep, &["status", "--json"], &[]).ok();
    assert_eq!(r.json()["project"], "nested");
    // $RELCON_CONFIG and --config come first.
    let top = sb.config_path();
    let r = run(
        &deep,
        &["status", "--json"],
        &[("RELCON_CONFIG", top.to_str().unwrap())],
    )
    .ok();
    assert_eq!(r.json()["project"], "walk");
    let r = run(&deep, &["--config", top.to_str().unwrap(), "status", "--json"], &[]).ok();
    assert_eq!(r.json()["project"], "walk");
    // Nothing above: the message names what to do.
    let empty = Sandbox::empty();
    let r = run(empty.root(), &["status"], &[]).code(2);
    assert!(r.stderr.contains("relcon init"), "{r}");
}

/// `RELCON_LOG=debug` writes `$XDG_STATE_HOME/relcon/relcon.log`: the
/// command, the config, each hook step and its outcome — and no secret,
/// though the hook prints one and gets one in its environment.
#[test]
fn the_log_file_follows_relcon_log_and_never_holds_secrets() {
    let secret = "s3cr3t-value-9f8e7d6c";
    let sb = Sandbox::new(&format!(
        "{CONFIG}deploy = 'echo \"token is $DEPLOY_KEY\"'\n\n[exec]\nredact = [\"DEPLOY_KEY\"]\n"
    ));
    let state = sb.path("state");
    let log = state.join("relcon/relcon.log");
    let env = |level: &'static str| {
        vec![
            ("XDG_STATE_HOME", state.to_str().unwrap().to_string()),
            ("DEPLOY_KEY", secret.to_string()),
            ("RELCON_LOG", level.to_string()),
        ]
    };
    let run = |env: &[(&str, String)], args: &[&str]| {
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        sb.run_env(&pairs, args)
    };
    // Off by default: no file.
    run(&env("")[..2], &["release", "register", "1.0", "--commit", "abc"]).ok();
    assert!(!log.exists(), "logging is off by default");
    run(&env("debug"), &["deploy", "dev", "1.0", "--yes", "--reason", "ship"]).ok();
    let text = std::fs::read_to_string(&log).expect("the log file");
    assert!(text.contains("relcon started"), "{text}");
    assert!(text.contains("verb=\"deploy\""), "{text}");
    assert!(text.contains("relcon.toml"), "the config path: {text}");
    assert!(text.contains("hook step") && text.contains("ok=true"), "{text}");
    assert!(
        !text.contains(secret) && !text.contains("token is"),
        "no output, no secret: {text}"
    );
    // A bad level says so and does not log.
    let before = text.len();
    let r = run(&env("loud"), &["status"]).ok();
    assert!(r.stderr.contains("RELCON_LOG=\"loud\""), "{r}");
    assert_eq!(std::fs::read_to_string(&log).unwrap().len(), before);
}

const USER_CONFIG: &str = r#"theme = "light"

[identity]
user = "ana@example.com"

[keys.global]
"Q" = "quit"

[skin.prod]
theme = "high-contrast"
"#;

/// The user config in `$XDG_CONFIG_HOME/relcon/config.toml`: identity (a
/// real run records it as the actor), theme, keys and per-environment skins
/// over the project's config; its mistakes name its own file and line.
#[test]
fn the_user_config_sets_identity_theme_keys_and_skins() {
    let sb = Sandbox::new(&format!(
        "{CONFIG}\n[[environment]]\nname = \"prod\"\npromote_from = \"dev\"\n\n[ui]\ntheme = \"default\"\n"
    ));
    sb.write("xdg/relcon/config.toml", USER_CONFIG);
    let xdg = sb.path("xdg");
    let mut c = sb.command_as("ignored", ["release", "register", "1.0", "--commit", "abc"]);
    c.env_remove("RELCON_USER").env("XDG_CONFIG_HOME", &xdg);
    assert!(c.status().unwrap().success());
    let audit = sb.json(&["audit", "--json"]);
    assert_eq!(audit[0]["actor"], "ana@example.com", "{audit}");
    // $RELCON_USER still wins.
    let mut c = sb.command_as("bo", ["release", "register", "1.1", "--commit", "def"]);
    c.env("XDG_CONFIG_HOME", &xdg);
    assert!(c.status().unwrap().success());
    assert_eq!(sb.json(&["audit", "--json"])[0]["actor"], "bo");

    // Loaded in-process: only this test of this binary reads the variable.
    std::env::set_var("XDG_CONFIG_HOME", &xdg);
    let config = relcon::config::Config::load(&sb.config_path()).unwrap();
    assert_eq!(config.theme, "light", "over the project's [ui] theme");
    assert_eq!(config.skins.get("prod").map(String::as_str), Some("high-contrast"));
    let q = relcon::config::KeySpec::parse("Q").unwrap();
    assert_eq!(
        config.keymap.lookup("global", q),
        Some(relcon::config::Command::parse("quit").unwrap())
    );
    std::env::remove_var("XDG_CONFIG_HOME");

    sb.write(
        "xdg/relcon/config.toml",
        "theme = \"light\"\n[skin.prod]\ntheme = \"x\"\ncolour = \"red\"\n",
    );
    let mut c = sb.command_as(common::USER, ["status"]);
    c.env("XDG_CONFIG_HOME", &xdg);
    let out = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("relcon/config.toml:4:1") && stderr.contains("colour"),
        "{stderr}"
    );
}
