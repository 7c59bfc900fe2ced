//! GitHub Actions as a hook (issue 16), against a loopback stand-in of the
//! REST API: dispatch → run lookup → polling with live job/step lines →
//! success or failure; a cancel cancels the run. The stand-in refuses any
//! request without the token or relcon's User-Agent, and checks the
//! dispatch body.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

use common::{wait_until, Sandbox};
use relcon::exec::CancelToken;
use relcon::ledger::{SqliteStore, Store};
use relcon::ops::deploy::{self, Options};

const TOKEN: &str = "ghp_standin0123456789abcdef";
const OLD_RUN: u64 = 7001;
const NEW_RUN: u64 = 7002;

#[derive(Default)]
struct Api {
    /// "success", "failure", or "" (runs until cancelled).
    conclusion: String,
    dispatched: Option<Value>,
    polls: u32,
    cancelled: bool,
    /// Every request: "METHOD path?query".
    log: Vec<String>,
}

type Shared = Arc<Mutex<Api>>;

fn json_resp(status: StatusCode, v: Value) -> Response {
    (status, [("content-type", "application/json")], v.to_string()).into_response()
}

fn run_doc(api: &Api) -> Value {
    let (status, conclusion) = match (api.polls, api.cancelled, api.conclusion.as_str()) {
        (_, true, _) => ("completed", json!("cancelled")),
        (0, ..) => ("queued", Value::Null),
        (1, ..) | (_, _, "") => ("in_progress", Value::Null),
        (_, _, c) => ("completed", json!(c)),
    };
    json!({"id": NEW_RUN, "status": status, "conclusion": conclusion,
           "html_url": format!("https://github.com/acme/shop/actions/runs/{NEW_RUN}")})
}

fn jobs_doc(api: &Api) -> Value {
    let run = run_doc(api);
    let done = run["status"] == "completed";
    let step = |n: u32, name: &str, finished: bool, concl: &Value| {
        if finished {
            json!({"number": n, "name": name, "status": "completed", "conclusion": concl})
        } else {
            json!({"number": n, "name": name, "status": "in_progress", "conclusion": null})
        }
    };
    let started = api.polls >= 1;
    let mut steps = vec![];
    if started {
        steps.push(step(1, "Checkout", true, &json!("success")));
        steps.push(step(2, "Deploy", done, &run["conclusion"]));
    }
    json!({"total_count": 1, "jobs": [{"id": 31, "name": "deploy", "status": run["status"],
           "conclusion": run["conclusion"], "steps": steps}]})
}

async fn handle(
    axum::extract::State(state): axum::extract::State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut api = state.lock().unwrap();
    api.log.push(format!("{method} {uri}"));
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if h("authorization") != format!("Bearer {TOKEN}") {
        return json_resp(StatusCode::UNAUTHORIZED, json!({"message": "Bad credentials"}));
    }
    if !h("user-agent").starts_with("relcon/") {
        return json_resp(StatusCode::FORBIDDEN, json!({"message": "missing User-Agent"}));
    }
    let base = "/repos/acme/shop/actions";
    let path = uri.path().strip_prefix(base).unwrap_or("?");
    let query = uri.query().unwrap_or("");
    match (method.as_str(), path) {
        ("GET", "/workflows/deploy.yml/runs") => {
            if !query.contains("event=workflow_dispatch") {
                return json_resp(StatusCode::BAD_REQUEST, json!({"message": "expected event filter"}));
            }
            let mut runs = vec![json!({"id": OLD_RUN, "status": "completed", "html_url": "old"})];
            if api.dispatched.is_some() {
                runs.insert(0, run_doc(&api));
            }
            json_resp(
                StatusCode::OK,
                json!({"total_count": runs.len(), "workflow_runs": runs}),
            )
        }
        ("POST", "/workflows/deploy.yml/dispatches") => {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let want = json!({"ref": "release", "inputs": {"version": "2.1.0", "environment": "dev", "image": "ghcr.io/acme/shop@sha256:42"}});
            if v != want {
                return json_resp(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"message": format!("bad body {v}")}),
                );
            }
            api.dispatched = Some(v);
            StatusCode::NO_CONTENT.into_response()
        }
        ("GET", p) if p == format!("/runs/{NEW_RUN}") => json_resp(StatusCode::OK, run_doc(&api)),
        // relcon reads the jobs after the run on every poll: one poll done.
        ("GET", p) if p == format!("/runs/{NEW_RUN}/jobs") => {
            let doc = jobs_doc(&api);
            api.polls += 1;
            json_resp(StatusCode::OK, doc)
        }
        ("POST", p) if p == format!("/runs/{NEW_RUN}/cancel") => {
            api.cancelled = true;
            json_resp(StatusCode::ACCEPTED, json!({}))
        }
        _ => json_resp(StatusCode::NOT_FOUND, json!({"message": "Not Found"})),
    }
}

/// Start the stand-in; returns its base URL and state.
fn stand_in(conclusion: &str) -> (String, Shared) {
    let state: Shared = Arc::new(Mutex::new(Api {
        conclusion: conclusion.into(),
        ..Api::default()
    }));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let s = state.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = Router::new().fallback(handle).with_state(s);
            axum::serve(listener, app).await.unwrap();
        });
    });
    (url, state)
}

fn sandbox(api: &str, token_env: &str) -> Sandbox {
    Sandbox::new(&format!(
        r#"[project]
name = "shop"

[[environment]]
name = "dev"

[environment.deploy]
github_workflow = "deploy.yml"
repo = "acme/shop"
ref = "release"
inputs = {{ version = "{{{{ version }}}}", environment = "{{{{ env }}}}", image = "ghcr.io/acme/shop@{{{{ artifact }}}}" }}
token_env = "{token_env}"
api = "{api}"
interval = "50ms"
timeout = "60s"
"#
    ))
}

fn register(sb: &Sandbox) {
    sb.run(&[
        "release",
        "register",
        "2.1.0",
        "--commit",
        "abc1234",
        "--artifact",
        "sha256:42",
    ])
    .ok();
}

fn stored_output(sb: &Sandbox, n: u64) -> String {
    let store = SqliteStore::open(&sb.ledger_path()).unwrap();
    store
        .view()
        .release("dev", n)
        .unwrap()
        .unwrap()
        .output
        .unwrap_or_default()
}

#[test]
fn a_successful_run_is_a_succeeded_deployment_with_its_steps_as_output() {
    let (url, api) = stand_in("success");
    let sb = sandbox(&url, "GH_DEPLOY_TOKEN");
    register(&sb);
    let r = sb
        .run_env(&[("GH_DEPLOY_TOKEN", TOKEN)], &["deploy", "dev", "2.1.0", "--yes"])
        .ok();
    let out = stored_output(&sb, 1);
    for want in [
        "dispatched deploy.yml on acme/shop (release)",
        &format!("run {NEW_RUN}: https://github.com/acme/shop/actions/runs/{NEW_RUN}"),
        "job deploy: queued",
        "job deploy: in_progress",
        "deploy › Checkout: completed (success)",
        "deploy › Deploy: completed (success)",
        &format!("run {NEW_RUN} completed: success"),
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}\n{r}");
    }
    assert!(!out.contains(&OLD_RUN.to_string()), "the older run is not ours: {out}");
    assert_eq!(sb.history("dev")[0]["status"], "succeeded");
    let api = api.lock().unwrap();
    // list (before) → dispatch → list (find) → poll run/jobs …
    assert!(api.log[0].starts_with("GET /repos/acme/shop/actions/workflows/deploy.yml/runs?event=workflow_dispatch"));
    assert_eq!(
        api.log[1],
        "POST /repos/acme/shop/actions/workflows/deploy.yml/dispatches"
    );
    assert!(
        api.log[2].contains("/workflows/deploy.yml/runs?event=workflow_dispatch")
            && api.log[2].contains("created=%3E%3D")
    );
    assert!(api
        .log
        .iter()
        .any(|l| l == &format!("GET /repos/acme/shop/actions/runs/{NEW_RUN}/jobs")));
    assert!(api.polls >= 3 && !api.cancelled);
}

#[test]
fn a_failed_run_fails_the_deployment() {
    let (url, _api) = stand_in("failure");
    let sb = sandbox(&url, "GH_DEPLOY_TOKEN");
    register(&sb);
    let r = sb
        .run_env(&[("GH_DEPLOY_TOKEN", TOKEN)], &["deploy", "dev", "2.1.0", "--yes"])
        .code(4);
    assert!(
        r.stderr.contains(&format!("workflow run {NEW_RUN} concluded failure")),
        "{r}"
    );
    let h = sb.history("dev");
    assert_eq!(h[0]["status"], "failed");
    assert!(stored_output(&sb, 1).contains("deploy › Deploy: completed (failure)"));
}

#[test]
fn a_wrong_token_is_refused_at_the_first_call_and_never_stored() {
    let (url, api) = stand_in("success");
    let sb = sandbox(&url, "GH_DEPLOY_TOKEN");
    register(&sb);
    let r = sb
        .run_env(
            &[("GH_DEPLOY_TOKEN", "ghp_wrong_wrong_wrong")],
            &["deploy", "dev", "2.1.0", "--yes"],
        )
        .code(4);
    assert!(r.stderr.contains("HTTP 401"), "{r}");
    assert!(api.lock().unwrap().dispatched.is_none());
    // Without the variable nothing starts: checked before the deployment.
    let r = sb.run(&["deploy", "dev", "2.1.0", "--yes"]).code(2);
    assert!(r.stderr.contains("$GH_DEPLOY_TOKEN, which is not set"), "{r}");
    assert_eq!(sb.history("dev").len(), 1);
}

#[test]
fn cancelling_the_deployment_cancels_the_run() {
    let (url, api) = stand_in("");
    let var = "GH_CANCEL_TEST_TOKEN";
    std::env::set_var(var, TOKEN);
    let sb = sandbox(&url, var);
    register(&sb);
    let mut ctx = sb.ctx("ana");
    let token = CancelToken::default();
    let canceller = {
        let token = token.clone();
        let api = api.clone();
        std::thread::spawn(move || {
            assert!(
                wait_until(Duration::from_secs(20), || api.lock().unwrap().polls >= 3),
                "never polled"
            );
            token.cancel("bo");
        })
    };
    let err = deploy::deploy(&mut ctx, "dev", "2.1.0", &Options::default(), &mut |_| {}, &token)
        .expect_err("a cancelled deployment fails");
    canceller.join().unwrap();
    assert_eq!(err.exit_code(), 4);
    assert!(err.to_string().contains("cancelled by bo"), "{err}");
    assert!(api.lock().unwrap().cancelled, "the run was cancelled on GitHub");
    let last = api.lock().unwrap().log.last().cloned().unwrap();
    assert_eq!(last, format!("POST /repos/acme/shop/actions/runs/{NEW_RUN}/cancel"));
    let r = ctx.store.view().release("dev", 1).unwrap().unwrap();
    assert_eq!(r.status.as_str(), "failed");
    assert!(r
        .output
        .unwrap_or_default()
        .contains(&format!("cancel of run {NEW_RUN} requested (HTTP 202)")));
}

#[test]
fn a_github_hook_without_repo_or_token_is_a_config_error() {
    let sb = Sandbox::new("[project]\nname = \"s\"\n[[environment]]\nname = \"dev\"\ndeploy = { github_workflow = \"deploy.yml\", token_env = \"T\" }\n");
    let r = sb.run(&["status"]).code(2);
    assert!(
        r.stderr.contains("relcon.toml:5:") && r.stderr.contains("needs `repo"),
        "{r}"
    );
    let sb = Sandbox::new("[project]\nname = \"s\"\n[[environment]]\nname = \"dev\"\ndeploy = { github_workflow = \"deploy.yml\", repo = \"a/b\", inputs = { v = \"{{ vers }}\" }, token_env = \"T\" }\n");
    let r = sb.run(&["status"]).code(2);
    assert!(r.stderr.contains("unknown placeholder {{ vers }}"), "{r}");
}
