//! Reading what a deployment's hook recorded through `$RELCON_OUTPUT`
//! (`deployment.outputs` events; no projection: hooks read it rarely).

use std::collections::BTreeMap;

use super::Db;
use crate::error::Result;
use crate::ledger::bodies::DeploymentOutputs;
use crate::ledger::kind;
use crate::vals;

/// The outputs recorded for release `number` of `env` (empty if none).
pub fn of_release(db: &dyn Db, env: &str, number: u64) -> Result<BTreeMap<String, String>> {
    let rows = db.query(
        "SELECT body FROM events WHERE kind = ?1 AND env = ?2 ORDER BY seq DESC",
        vals![kind::DEPLOYMENT_OUTPUTS, env],
    )?;
    for row in rows {
        if let Ok(b) = serde_json::from_str::<DeploymentOutputs>(&row.text(0)?) {
            if b.number == number {
                return Ok(b.outputs);
            }
        }
    }
    Ok(BTreeMap::new())
}
