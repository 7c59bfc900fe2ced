//! `[export] flags`: the files applications read, and the checks that keep
//! two of them from silently overwriting each other.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use super::schema::{ExportFormat, FlagExportRaw};
use super::ConfigError;

/// One configured export: a format and a path template (`{env}` is
/// replaced by each environment's name), relative to the config's folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagExport {
    pub format: ExportFormat,
    pub path: String,
}

/// The `.env` variable of a flag: `FEATURE_` and the name upper-cased, with
/// anything but ASCII letters and digits as `_` (`beta-ui.v2` →
/// `FEATURE_BETA_UI_V2`). Its extras add `_ROLLOUT` and `_TARGETS`.
pub fn dotenv_name(flag: &str) -> String {
    let body: String = flag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("FEATURE_{body}")
}

/// Every export writes its own files: a path shared by several environments
/// (no `{env}`) or by two exports is an error, and so are two flags whose
/// `.env` variables would collide. `flags` are the flag names with the span
/// of their table, in file order.
pub(super) fn check(
    path: &Path,
    source: &str,
    raw: Vec<FlagExportRaw>,
    env_names: &[String],
    flags: &[(String, Range<usize>)],
) -> Result<Vec<FlagExport>, ConfigError> {
    let err = |span: Range<usize>, msg: String| ConfigError::at(path, source, Some(span), msg);
    let mut files: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    for ex in &raw {
        let template = ex.path.get_ref();
        if template.trim().is_empty() {
            return Err(err(
                ex.path.span(),
                "export path is empty: expected e.g. \"flags/{env}.flagd.json\"".into(),
            ));
        }
        if !template.contains("{env}") && env_names.len() > 1 {
            return Err(err(
                ex.path.span(),
                format!(
                    "export path {template:?} has no {{env}}, so all {} environments ({}) would write the same file: put {{env}} in the path, e.g. \"flags/{{env}}.flagd.json\"",
                    env_names.len(),
                    env_names.join(", ")
                ),
            ));
        }
        for env in env_names {
            let file = template.replace("{env}", env);
            let this = (ex.format.as_str(), template.as_str());
            if let Some((f, t)) = files.insert(file.clone(), this) {
                return Err(err(
                    ex.path.span(),
                    format!(
                        "the {} export {template:?} writes {file:?}, which the {f} export {t:?} writes too: give each export its own path",
                        this.0
                    ),
                ));
            }
        }
    }
    if raw.iter().any(|e| e.format == ExportFormat::Dotenv) {
        let mut vars: BTreeMap<String, &str> = BTreeMap::new();
        for (flag, span) in flags {
            let base = dotenv_name(flag);
            for var in [base.clone(), format!("{base}_ROLLOUT"), format!("{base}_TARGETS")] {
                if let Some(other) = vars.insert(var.clone(), flag) {
                    return Err(err(
                        span.clone(),
                        format!(
                            "flags {other:?} and {flag:?} would both write {var} in the .env export: rename one of them"
                        ),
                    ));
                }
            }
        }
    }
    Ok(raw
        .into_iter()
        .map(|e| FlagExport {
            format: e.format,
            path: e.path.into_inner(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_names_upper_case_and_replace_the_rest() {
        assert_eq!(dotenv_name("customer_portal"), "FEATURE_CUSTOMER_PORTAL");
        assert_eq!(dotenv_name("beta-ui.v2"), "FEATURE_BETA_UI_V2");
        assert_eq!(dotenv_name("beta_ui_v2"), "FEATURE_BETA_UI_V2");
        assert_eq!(dotenv_name("ünï"), "FEATURE__N_");
    }
}
