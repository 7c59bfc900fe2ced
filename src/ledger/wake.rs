//! Ending a store's `wait_for_change` from another thread, so a thread that
//! waits for other writers (the console's watcher, a rollout driver) need
//! not also wake every second to see whether it should stop.

use std::sync::Arc;

/// Ends the current wait on one store and every later one: SQLite sets an
/// eventfd that stays set; PostgreSQL sets a flag its waits read and sends
/// a NOTIFY on the ledger's channel, which ends the wait already under way.
#[derive(Clone)]
pub struct Wake(Arc<dyn Fn() + Send + Sync>);

impl Wake {
    pub fn new(wake: impl Fn() + Send + Sync + 'static) -> Wake {
        Wake(Arc::new(wake))
    }

    pub fn wake(&self) {
        (self.0)()
    }
}
