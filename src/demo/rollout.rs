//! The demo's rollout (DESIGN §12): `customer_portal` goes to everyone in
//! prod in short steps while you watch; the fault key (`F` on prod) turns
//! prod's health red, and the analysis aborts it and kills the flag.

/// Appended to the demo's config.
pub const PLAN: &str = r#"
[rollout.portal]
steps = [
  { weight = 10, soak = "40s" },
  { weight = 25, soak = "40s" },
  { weight = 50, soak = "60s" },
  { weight = 100 },
]
analysis = { interval = "5s", failure_limit = 2, checks = ["api"] }
on_abort = "kill"
"#;

/// Start it on a freshly seeded demo: behind prod's gates like any
/// rollout, overriding them (recorded) if the seeded month left one closed.
pub fn start(ctx: &mut crate::ops::Ctx) -> crate::error::Result<()> {
    use crate::ops::rollout::{start, What};
    let what = What::Flag("customer_portal".into());
    let reason = || Some("portal for everyone: pilots are happy".to_string());
    match start(ctx, "prod", "portal", &what, reason(), false) {
        Err(e) if crate::ops::intent::refused(&e) => start(ctx, "prod", "portal", &what, reason(), true).map(|_| ()),
        other => other.map(|_| ()),
    }
}
