//! `identity = "database"` (DESIGN §11): the actor is the role the server
//! authenticated, so `$RELCON_USER` cannot spoof an approval, and "approved
//! by someone else" means another login.

mod common;

use common::pg::{self, TestRole};
use common::{pipeline_config, Backend, Sandbox};

#[test]
fn identity_database_refuses_a_spoofed_relcon_user() {
    let Some(server) = pg::server() else { return };
    // Declared first, dropped last: after the database that grants them.
    let promoter = TestRole::create(&server);
    let approver = TestRole::create(&server);
    let sb = Sandbox::on(
        Backend::Postgres,
        &pipeline_config("\"true\"", "approvals = 1", "\n[ledger]\nidentity = \"database\"\n"),
    );
    sb.run(&["ledger", "init", "--grant", &promoter.name, "--grant", &approver.name])
        .ok();
    let url = |role: &str| pg::with_user(sb.ledger_url().unwrap(), role);
    let as_role = |role: &str, user: &str, args: &[&str]| {
        sb.run_env(
            &[("RELCON_LEDGER_URL", url(role).as_str()), ("RELCON_USER", user)],
            args,
        )
    };

    as_role(
        &promoter.name,
        "whoever",
        &["release", "register", "1.0", "--commit", "c1"],
    )
    .ok();
    as_role(&promoter.name, "whoever", &["deploy", "dev", "1.0", "--yes"]).ok();
    as_role(&promoter.name, "whoever", &["promote", "dev", "staging", "--yes"]).ok();

    // The promoter claims to be someone else: the ledger records the login.
    as_role(&promoter.name, &approver.name, &["approve", "prod", "1.0"]).ok();
    let audit = sb.audit();
    let approval = audit.iter().find(|e| e["kind"] == "approval.granted").unwrap();
    assert_eq!(
        approval["actor"],
        promoter.name.as_str(),
        "$RELCON_USER was ignored: {approval}"
    );
    assert!(
        audit.iter().all(|e| e["actor"] != "whoever"),
        "every action is the login's"
    );
    // …so it is the promoter's own approval, which does not count.
    let refused = as_role(
        &promoter.name,
        &approver.name,
        &["promote", "staging", "prod", "--reason", "ship", "--yes"],
    )
    .code(3);
    assert!(refused.stderr.contains("your own approval does not count"), "{refused}");

    // Another login's approval does.
    as_role(&approver.name, &promoter.name, &["approve", "prod", "1.0"]).ok();
    as_role(
        &promoter.name,
        "whoever",
        &["promote", "staging", "prod", "--reason", "ship", "--yes"],
    )
    .ok();
    assert_eq!(sb.env_status("prod")["release"]["deployed_by"], promoter.name.as_str());
}

#[test]
fn identity_database_needs_a_postgres_ledger() {
    let sb = Sandbox::new(&pipeline_config(
        "\"true\"",
        "",
        "\n[ledger]\nidentity = \"database\"\n",
    ));
    let r = sb.run(&["status"]).code(2);
    assert!(r.stderr.contains("needs a PostgreSQL ledger"), "{r}");
}
