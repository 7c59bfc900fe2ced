//! What `relcon init` writes: a commented config that loads as it is.

pub const INIT_TEMPLATE: &str = r#"# relcon.toml — the release console's configuration.
# Reference: docs/config.md. Durations are humane ("5s", "10m", "2h").
# Unknown keys are errors, so a typo never silently does nothing.

[project]
name = "my-service"
# repo = "."                         # a git repo, to list commits between releases

[ledger]
url = "sqlite:.relcon/ledger.db"     # relative to this file's folder

# Environments, in pipeline order. `promote_from` links a stage to the one
# before it; a promotion ships the exact build current there. Never a rebuild.
[[environment]]
name = "dev"
url = "https://dev.example.com"
# The deploy hook runs with `sh -c` in this folder. Data arrives ONLY as
# environment variables (RELCON_ENV, RELCON_VERSION, RELCON_COMMIT,
# RELCON_ARTIFACT, RELCON_RELEASE, RELCON_ACTOR, RELCON_REASON …), never
# spliced into the command text. Exit code 0 means success.
deploy = 'echo "deploying $RELCON_VERSION ($RELCON_COMMIT) to $RELCON_ENV"'

[[environment]]
name = "staging"
promote_from = "dev"
url = "https://staging.example.com"
# A table sets a timeout; e.g. run = "kubectl apply -k k8s/overlays/staging".
deploy = { run = 'echo "deploying $RELCON_VERSION to $RELCON_ENV"', timeout = "10m" }
checklists = { before = [], after = ["post-deploy"] }

[[environment]]
name = "prod"
promote_from = "staging"
protected = true                     # promotions only; the TUI asks to type "prod"
approvals = 1                        # distinct people, not the one who promotes
# A list of named steps runs in order; the first failing step fails the deployment.
deploy = [
  { name = "deploy", run = 'echo "deploying $RELCON_VERSION to $RELCON_ENV"', timeout = "15m" },
  { name = "smoke", run = 'echo "smoke test of release v$RELCON_RELEASE"' },
]
# rollback = 'heroku rollback "v$RELCON_TARGET_RELEASE" -a my-app'   # defaults to `deploy`
checklists = { before = ["pre-deploy"], after = ["post-deploy"] }
# freeze = ["Fri 16:00 - Mon 08:00 UTC"]   # no promotions into prod then (unless --force)

# [[environment.health]]
# name = "api"
# url = "https://api.example.com/health"
# interval = "5s"
# timeout = "2s"

[checklist.pre-deploy]
title = "Pre-deployment"
items = [
  "All tests pass",
  "Code review completed",
  "Database migrations tested",
  "Rollback plan prepared",
]

[checklist.post-deploy]
title = "Post-deployment"
items = [
  "Verify critical user flows",
  "Monitor error rates for 15 minutes",
  "Update release notes",
]

# A feature flag: its state per environment until the ledger records a change.
[flag.customer_portal]
description = "Customer portal /portal routes"
env.staging = { enabled = true }
env.prod = { enabled = true, rollout = 10, targets = ["15", "42", "103"] }

[ui]
theme = "default"                    # default, light, high-contrast, colorblind, or a path

# Rebind keys per mode (global, dashboard, audit, checklists, flags, health):
# [keys.dashboard]
# "P" = { run = "promote", desc = "Promote to next env" }
"#;
