//! `$RELCON_OUTPUT`: a file a deploy or rollback hook may write `key=value`
//! lines into (e.g. `heroku_release=v123`). When the deployment succeeds,
//! relcon records them with it; later hooks of the environment get them
//! as `RELCON_CURRENT_OUT_<KEY>` (the release being replaced) and, on a
//! rollback, `RELCON_TARGET_OUT_<KEY>` (the release rolled back to).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::exec::{sanitize, Redactor};

/// At most this much of the file is read, and this many keys kept.
const FILE_LIMIT: u64 = 16 * 1024;
const MAX_KEYS: usize = 32;
const VALUE_LIMIT: usize = 1024;

/// The file, created empty and private to the user, removed on drop.
pub struct OutputFile {
    path: PathBuf,
}

impl OutputFile {
    pub fn create() -> std::io::Result<OutputFile> {
        // Deployments run side by side on one process's threads (a console
        // deploying to two envs, parallel tests): the pid and the clock
        // alone once gave two of them one name. A counter makes each name
        // this process's own; a file left by a dead process that had the
        // same pid is stepped over.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        OutputFile::create_at(nanos)
    }

    /// [`OutputFile::create`] as if the clock read `nanos`.
    fn create_at(nanos: u32) -> std::io::Result<OutputFile> {
        use std::os::unix::fs::OpenOptionsExt;
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mut tries = 0;
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("relcon-output-{}-{nanos}-{n}", std::process::id()));
            let opened = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path);
            match opened {
                Ok(mut f) => {
                    f.flush()?;
                    return Ok(OutputFile { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `key=value` lines written so far: keys of letters, digits and
    /// `_` (stored lower-case), values sanitised and redacted; other lines
    /// are ignored. A later line with the same key wins.
    pub fn read(&self, redactor: &Redactor) -> BTreeMap<String, String> {
        let mut raw = Vec::new();
        if let Ok(f) = std::fs::File::open(&self.path) {
            let _ = f.take(FILE_LIMIT).read_to_end(&mut raw);
        }
        parse(&String::from_utf8_lossy(&raw), redactor)
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

pub fn parse(text: &str, redactor: &Redactor) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else { continue };
        let k = k.trim();
        if k.is_empty() || k.len() > 64 || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if out.len() >= MAX_KEYS && !out.contains_key(&k.to_ascii_lowercase()) {
            continue;
        }
        let v: String = redactor.redact(&sanitize(v.trim())).chars().take(VALUE_LIMIT).collect();
        out.insert(k.to_ascii_lowercase(), v);
    }
    out
}

/// `RELCON_<PREFIX>_OUT_<KEY>` variables.
pub fn vars(prefix: &str, outputs: &BTreeMap<String, String>) -> Vec<(String, String)> {
    outputs
        .iter()
        .map(|(k, v)| (format!("RELCON_{prefix}_OUT_{}", k.to_ascii_uppercase()), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_value_lines_only() {
        let r = Redactor::with_secrets(vec!["hunter22".into()]);
        let got = parse(
            "heroku_release=v123\nnoise\nbad key=x\nSlug = abc \ntoken=hunter22\nheroku_release=v124\n",
            &r,
        );
        let want: BTreeMap<String, String> = [("heroku_release", "v124"), ("slug", "abc"), ("token", "***")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(vars("TARGET", &got)[0].0, "RELCON_TARGET_OUT_HEROKU_RELEASE");
    }

    /// Deployments started in the same nanosecond on one process's threads
    /// (a console deploying to two envs, parallel tests) each get a file of
    /// their own: the pid and the clock alone once gave two of them one
    /// name, and the second deployment failed before its hook ran.
    #[test]
    fn files_made_at_the_same_instant_are_all_distinct() {
        let made: Vec<OutputFile> = std::thread::scope(|s| {
            let threads: Vec<_> = (0..4)
                .map(|_| s.spawn(|| (0..25).map(|_| OutputFile::create_at(7).unwrap()).collect::<Vec<_>>()))
                .collect();
            threads.into_iter().flat_map(|t| t.join().unwrap()).collect()
        });
        let paths: std::collections::HashSet<&Path> = made.iter().map(|f| f.path()).collect();
        assert_eq!(paths.len(), 100);
        assert!(made.iter().all(|f| f.path().is_file()));
    }
}
