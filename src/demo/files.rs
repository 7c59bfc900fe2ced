//! The demo's config and hook scripts. The config is a real, documented
//! starting point (`relcon demo --print-config`).

use chrono::{DateTime, Duration, Utc};

/// The deploy hook every demo env uses: real shell, data only from RELCON_*.
pub const DEPLOY_SH: &str = r#"#!/bin/sh
# Demo deploy hook. In real life: heroku pipelines:promote, kubectl apply -k …
set -eu
echo "==> $RELCON_ACTION $RELCON_VERSION (${RELCON_COMMIT}) to $RELCON_ENV as v$RELCON_RELEASE"
echo "    by $RELCON_ACTOR${RELCON_REASON:+ — $RELCON_REASON}"
sleep 1
echo "    pulling registry.example.com/customer-portal:$RELCON_VERSION"
sleep 1
echo "    rolling restart: 3 replicas"
printf '%s' "$RELCON_VERSION" > "services/$RELCON_ENV.next"
sleep 1
echo "==> $RELCON_ENV is rolling out $RELCON_VERSION"
"#;

pub const MIGRATE_SH: &str = r#"#!/bin/sh
set -eu
echo "==> running database migrations for $RELCON_VERSION on $RELCON_ENV"
sleep 1
echo "    2 migrations applied"
"#;

pub const SMOKE_SH: &str = r#"#!/bin/sh
set -eu
echo "==> smoke test $RELCON_ENV_URL"
sleep 1
test -f "services/$RELCON_ENV.next" || test "$(cat "services/$RELCON_ENV.version")" = "$RELCON_VERSION"
echo "    login, checkout, portal: ok"
"#;

pub const FAULT_SH: &str = r#"#!/bin/sh
# Toggle a fault in the selected environment's demo service.
f="services/$RELCON_ENV.fault"
if [ -e "$f" ]; then rm -f "$f"; echo "fault cleared in $RELCON_ENV"; else touch "$f"; echo "fault injected into $RELCON_ENV: health turns red"; fi
"#;

/// The config, with each env's service on its port.
pub fn config(ports: &[u16], now: DateTime<Utc>) -> String {
    let port = |i: usize| ports.get(i).copied().unwrap_or(0);
    let holiday_from = (now + Duration::days(28)).format("%Y-%m-%d");
    let holiday_to = (now + Duration::days(42)).format("%Y-%m-%d");
    let dev = environment(
        "dev",
        None,
        port(0),
        r#"deploy = { run = "sh hooks/deploy.sh", timeout = "2m" }
checklists = { after = ["post-deploy"] }
"#,
    );
    let staging = environment(
        "staging",
        Some("dev"),
        port(1),
        r#"deploy = { run = "sh hooks/deploy.sh", timeout = "2m" }
checklists = { after = ["staging-validation"] }
require_healthy = true
"#,
    );
    let prod = environment(
        "prod",
        Some("staging"),
        port(2),
        &format!(
            r#"protected = true
approvals = 1
deploy = [
  {{ name = "migrate", run = "sh hooks/migrate.sh", timeout = "5m" }},
  {{ name = "deploy", run = "sh hooks/deploy.sh", timeout = "10m" }},
  {{ name = "smoke", run = "sh hooks/smoke.sh", timeout = "2m" }},
]
checklists = {{ before = ["pre-deploy"], after = ["post-deploy"] }}
freeze = ["{holiday_from} 00:00 - {holiday_to} 08:00 UTC"]
"#
        ),
    );
    format!("{HEADER}{dev}{staging}{prod}{LISTS_FLAGS_KEYS}{}", super::rollout::PLAN)
}

const HEADER: &str = r#"# The relcon demo: a three-stage pipeline with real hooks and live health.
# Start your own from `relcon init`; see docs/config.md.

[project]
name = "customer-portal"

[ledger]
url = "sqlite:ledger.db"

"#;

/// One `[[environment]]`: its service on `port`, `settings` between its url
/// and the health checks every demo env shares.
fn environment(name: &str, from: Option<&str>, port: u16, settings: &str) -> String {
    let from = from.map(|f| format!("promote_from = \"{f}\"\n")).unwrap_or_default();
    format!(
        r#"[[environment]]
name = "{name}"
{from}url = "http://127.0.0.1:{port}"
{settings}verify_timeout = "30s"
health = [
  {{ name = "api", url = "http://127.0.0.1:{port}/health", interval = "2s", timeout = "1s" }},
  {{ name = "web", url = "http://127.0.0.1:{port}/", interval = "5s", timeout = "1s" }},
]

"#
    )
}

const LISTS_FLAGS_KEYS: &str = r#"[checklist.pre-deploy]
title = "Pre-deployment"
items = [
  "All tests pass in CI",
  "Code review completed",
  "Database migrations tested on staging",
  { text = "Security review signed off", role = "security" },
  "Rollback plan prepared",
]

[checklist.staging-validation]
title = "Staging validation"
items = [
  "Login and SSO work",
  "Customer portal /portal routes load",
  "Checkout end to end with a test card",
  "Invoices render as PDF",
  "Email notifications arrive",
  "Error rate below 1% for 15 minutes",
  "p95 response time below 2s",
  { text = "QA sign-off", role = "QA" },
  { text = "Product sign-off", role = "product" },
]

[checklist.post-deploy]
title = "Post-deployment"
items = [
  "Verify critical user flows",
  "Monitor error rates for 15 minutes",
  "Update release notes",
  "Notify #releases",
]

[flag.customer_portal]
description = "Customer portal /portal routes (pilot companies first)"
env.dev = { enabled = true }
env.staging = { enabled = true }
env.prod = { enabled = false, rollout = 0, targets = ["15", "42", "103"] }

[flag.new_checkout]
description = "Rewritten checkout flow"
env.dev = { enabled = true }
env.staging = { enabled = true, rollout = 50 }
env.prod = { enabled = false }

[flag.dark_mode]
description = "Dark theme for the dashboard"
env.dev = { enabled = true }
env.staging = { enabled = true }
env.prod = { enabled = true }

[flag.legacy_reports_export]
description = "Old CSV export, kept for two big tenants"
env.prod = { enabled = true, rollout = 0, targets = ["7", "311"] }

[export]
flags = [
  { format = "flagd", path = "flags/{env}.flagd.json" },
  { format = "dotenv", path = "flags/{env}.env" },
]

[keys.dashboard]
"F" = { shell = "sh hooks/fault.sh", desc = "Demo: toggle a fault in this env" }
"#;
