//! Config errors for values that parse but could never work (DESIGN §10,
//! issue 10): exports that would overwrite each other (a path without
//! `{env}` shared by several environments, two exports on one file, two
//! flags on one `.env` variable), zero timeouts and intervals, health URLs
//! that are not http(s), version pointers without a leading `/`, and a
//! config without environments. Each names file:line:col, like
//! tests/config_errors.rs.

mod common;

use std::path::Path;

use common::Sandbox;
use relcon::config::{Config, ConfigError};

const FILE: &str = "/srv/shop/relcon.toml";
const HEAD: &str = "[project]\nname = \"shop\"\n";

/// The error points at `line:col`, starts with `file:line:col: ` and holds
/// every `expect` fragment.
#[track_caller]
fn assert_err_at(src: &str, line: usize, col: usize, expect: &[&str]) -> String {
    let e: ConfigError = match Config::parse(Path::new(FILE), src) {
        Ok(_) => panic!("config should have been rejected:\n{src}"),
        Err(e) => e,
    };
    let text = e.to_string();
    assert_eq!((e.line, e.column), (line, col), "wrong position in:\n{text}");
    assert!(text.starts_with(&format!("{FILE}:{line}:{col}: ")), "{text}");
    for frag in expect {
        assert!(text.contains(frag), "expected {frag:?} in:\n{text}");
    }
    text
}

const TWO_ENVS: &str =
    "\n[[environment]]\nname = \"staging\"\n\n[[environment]]\nname = \"prod\"\npromote_from = \"staging\"\n";

#[test]
fn two_flags_writing_one_dotenv_variable() {
    // Lines: 1-2 head, 3-9 envs, 10 blank, 11 [flag.beta-ui.v2] …
    let src = format!(
        "{HEAD}{TWO_ENVS}\n[flag.\"beta-ui.v2\"]\nenv.prod = {{ enabled = true }}\n\n[flag.beta_ui_v2]\nenv.prod = {{ enabled = false }}\n\n[export]\nflags = [{{ format = \"dotenv\", path = \"{{env}}.env\" }}]\n"
    );
    assert_err_at(
        &src,
        14,
        1,
        &[
            "flags \"beta-ui.v2\" and \"beta_ui_v2\"",
            "FEATURE_BETA_UI_V2",
            "rename one",
        ],
    );
    // A flag's extras collide with another flag's name too.
    let src = format!(
        "{HEAD}{TWO_ENVS}\n[flag.checkout]\n\n[flag.checkout_rollout]\n\n[export]\nflags = [{{ format = \"dotenv\", path = \"{{env}}.env\" }}]\n"
    );
    assert_err_at(&src, 13, 1, &["FEATURE_CHECKOUT_ROLLOUT"]);
    // Without a .env export there are no variables to collide.
    let src = format!(
        "{HEAD}{TWO_ENVS}\n[flag.\"beta-ui.v2\"]\n\n[flag.beta_ui_v2]\n\n[export]\nflags = [{{ format = \"flagd\", path = \"{{env}}.json\" }}]\n"
    );
    Config::parse(Path::new(FILE), &src).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn an_export_path_shared_by_several_environments() {
    let src = format!("{HEAD}{TWO_ENVS}\n[export]\nflags = [{{ format = \"dotenv\", path = \"flags/app.env\" }}]\n");
    assert_err_at(
        &src,
        12,
        38,
        &[
            "\"flags/app.env\" has no {env}",
            "staging, prod",
            "put {env} in the path",
        ],
    );
    let src = format!(
        "{HEAD}{TWO_ENVS}\n[export]\nflags = [\n  {{ format = \"flagd\", path = \"flags/{{env}}\" }},\n  {{ format = \"dotenv\", path = \"flags/{{env}}\" }},\n]\n"
    );
    assert_err_at(
        &src,
        14,
        31,
        &[
            "dotenv export \"flags/{env}\" writes \"flags/staging\"",
            "flagd export",
            "its own path",
        ],
    );
    // One environment may use a fixed path.
    let src = format!(
        "{HEAD}\n[[environment]]\nname = \"prod\"\n\n[export]\nflags = [{{ format = \"dotenv\", path = \".env\" }}]\n"
    );
    Config::parse(Path::new(FILE), &src).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn zero_timeouts_and_intervals() {
    let src =
        format!("{HEAD}\n[[environment]]\nname = \"dev\"\ndeploy = {{ run = \"./deploy.sh\", timeout = \"0s\" }}\n");
    assert_err_at(&src, 6, 43, &["duration of zero", "above zero"]);
    let src = format!(
        "{HEAD}\n[[environment]]\nname = \"dev\"\ndeploy = [{{ name = \"smoke\", run = \"true\", timeout = \"0ms\" }}]\n"
    );
    assert_err_at(&src, 6, 53, &["duration of zero"]);
    let src = format!(
        "{HEAD}\n[[environment]]\nname = \"dev\"\n\n[[environment.health]]\nname = \"api\"\nurl = \"https://dev/health\"\ntimeout = \"0s\"\n"
    );
    assert_err_at(&src, 10, 11, &["duration of zero"]);
    let src = format!(
        "{HEAD}\n[[environment]]\nname = \"dev\"\n\n[[environment.health]]\nname = \"api\"\nurl = \"https://dev/health\"\ninterval = \"0s\"\n"
    );
    assert_err_at(&src, 10, 12, &["duration of zero"]);
}

#[test]
fn health_urls_must_be_http_and_pointers_start_with_a_slash() {
    for url in [
        "ftp://dev/health",
        "dev.example.com/health",
        "http://",
        "file:///etc/passwd",
    ] {
        let src = format!(
            "{HEAD}\n[[environment]]\nname = \"dev\"\n\n[[environment.health]]\nname = \"api\"\nurl = \"{url}\"\n"
        );
        assert_err_at(&src, 9, 7, &[&format!("health url {url:?}"), "http:// or https://"]);
    }
    let src = format!(
        "{HEAD}\n[[environment]]\nname = \"dev\"\n\n[[environment.health]]\nname = \"api\"\nurl = \"https://dev/health\"\nversion = {{ pointer = \"build.version\" }}\n"
    );
    assert_err_at(&src, 10, 23, &["pointer \"build.version\"", "starts with '/'"]);
    let src = format!(
        "{HEAD}\n[[environment]]\nname = \"dev\"\n\n[[environment.health]]\nname = \"api\"\nurl = \"https://dev/health\"\nversion = {{ url = \"actuator/info\", pointer = \"/build/version\" }}\n"
    );
    assert_err_at(&src, 10, 19, &["\"actuator/info\"", "http:// or https://"]);
}

#[test]
fn a_config_without_environments() {
    let e = assert_err_at(HEAD, 1, 1, &["no environments", "[[environment]]"]);
    assert!(!e.contains('\u{1b}'));
    // Through the binary: exit 2 with the position.
    let sb = Sandbox::new(HEAD);
    let r = sb.run(&["status"]).code(2);
    assert!(r.stderr.contains("relcon.toml:1:1: no environments"), "{r}");
}
