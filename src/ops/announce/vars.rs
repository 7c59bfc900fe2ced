//! The facts of an announcement as the values its template names.

use super::*;

fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn list(items: Vec<String>, none: &str) -> String {
    if items.is_empty() {
        format!("  {none}")
    } else {
        items.join("\n")
    }
}

fn names(v: &[String], none: &str) -> String {
    if v.is_empty() {
        none.to_string()
    } else {
        v.join(", ")
    }
}

fn flag_line(f: &FlagListRow) -> String {
    let mark = match (f.enabled, f.rollout) {
        (false, _) => "✗",
        (true, 100) => "✅",
        _ => "◐",
    };
    let killed = if f.killed { " (killed)" } else { "" };
    let targets = if f.targets.is_empty() {
        String::new()
    } else {
        format!(", targets: {}", f.targets.join(", "))
    };
    format!("  {mark} {}: {}{targets}{killed}", f.flag, f.state)
}

/// Every placeholder a template may use, with its value.
pub fn vars(f: &Facts) -> Vec<(&'static str, String)> {
    let short = f.commit.get(..7).unwrap_or(&f.commit).to_string();
    let commits = match &f.commits {
        None => "  (commits unknown: set project.repo to list them)".to_string(),
        Some(c) => list(
            c.iter()
                .map(|c| format!("  ✅ {} {} ({})", c.sha, c.subject, c.author))
                .collect(),
            "(no new commits)",
        ),
    };
    let commit_count = match &f.commits {
        None => "commits unknown".to_string(),
        Some(c) if c.len() == 1 => "1 commit".to_string(),
        Some(c) => format!("{} commits", c.len()),
    };
    let rollout: Vec<String> = f
        .flags
        .iter()
        .filter(|x| x.enabled && (x.rollout < 100 || !x.targets.is_empty()))
        .map(|x| {
            let mut parts = Vec::new();
            if x.rollout < 100 {
                parts.push(format!("{} % of users", x.rollout));
            }
            if !x.targets.is_empty() {
                parts.push(format!("pilot: {}", x.targets.join(", ")));
            }
            format!("  ├─ {}: {}", x.flag, parts.join(" + "))
        })
        .collect();
    let approvers = if f.approvers.is_empty() {
        if f.approvals_needed > 0 {
            format!("nobody yet ({} needed)", f.approvals_needed)
        } else {
            "no approval required".to_string()
        }
    } else {
        f.approvers.join(", ")
    };
    vec![
        ("project", f.project.clone()),
        ("env", f.env.clone()),
        ("url", f.url.clone().unwrap_or_else(|| "(no url configured)".into())),
        ("version", f.version.clone()),
        ("commit", short),
        (
            "release",
            f.release.map_or_else(|| "not deployed yet".into(), |n| format!("v{n}")),
        ),
        (
            "deployed_at",
            f.deployed_at.as_ref().map_or_else(|| "not yet".into(), when),
        ),
        (
            "deployed_by",
            f.deployed_by.clone().unwrap_or_else(|| "nobody yet".into()),
        ),
        ("time", when(&f.time)),
        (
            "source_env",
            f.source_env.clone().unwrap_or_else(|| "(first stage)".into()),
        ),
        ("next_env", f.next_env.clone().unwrap_or_else(|| "(last stage)".into())),
        (
            "previous",
            f.previous.as_ref().map_or_else(
                || "the first release".into(),
                |p| format!("v{} ({})", p.number, p.version),
            ),
        ),
        ("commit_count", commit_count),
        ("commits", commits),
        (
            "flags",
            list(f.flags.iter().map(flag_line).collect(), "(no feature flags)"),
        ),
        ("rollout", list(rollout, "(no flag is partly rolled out)")),
        (
            "checklists",
            list(
                f.checklists
                    .iter()
                    .map(|c| {
                        let mark = if c.done == c.total { "✅" } else { "☐" };
                        format!("  {mark} {}: {}/{} done", c.title, c.done, c.total)
                    })
                    .collect(),
                "(no checklists)",
            ),
        ),
        ("approvers", approvers),
        ("next_approvers", names(&f.next_approvers, "nobody yet")),
        (
            "on_call",
            f.on_call
                .clone()
                .unwrap_or_else(|| "(set on_call under [announce])".into()),
        ),
    ]
}
