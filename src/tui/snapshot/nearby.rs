//! The first history windows of the envs either side of the one shown,
//! read with each snapshot, so that `h` and `l` show theirs at once.

use super::{history_page, EnvPage, Query};
use crate::error::Result;
use crate::ops::status::Status;
use crate::ops::{self, Ctx};

/// The first window and runs of the envs either side of `q.env`, from
/// `known` where it has them.
pub(super) fn nearby(
    ctx: &Ctx,
    q: &Query,
    status: &Status,
    known: impl Fn(&str) -> Result<Option<EnvPage>>,
) -> Result<Vec<EnvPage>> {
    let envs = &ctx.config.environments;
    let Some(at) = envs.iter().position(|e| e.name == q.env) else {
        return Ok(Vec::new());
    };
    let either_side = [at.checked_sub(1), Some(at + 1)];
    let mut pages = Vec::new();
    for e in either_side.into_iter().flatten().filter_map(|i| envs.get(i)) {
        let page = match known(&e.name)? {
            Some(p) => p,
            None => {
                let first = Query {
                    env: e.name.clone(),
                    history_offset: 0,
                    history_filter: String::new(),
                    ..q.clone()
                };
                EnvPage {
                    history: history_page(ctx, &first, status)?,
                    limit: q.history_limit,
                    runs: ops::checklist::runs(ctx, &e.name)?,
                }
            }
        };
        pages.push(page);
    }
    Ok(pages)
}
