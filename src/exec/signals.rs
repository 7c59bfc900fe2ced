//! SIGINT/SIGTERM during a CLI deployment cancel the hook (recorded as
//! "cancelled by …") instead of killing relcon mid-deployment.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::CancelToken;

static SIGNALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    SIGNALLED.store(true, Ordering::SeqCst);
}

/// Install the handlers and a watcher thread that cancels `token`.
pub fn cancel_on_interrupt(token: CancelToken, actor: String) {
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    std::thread::spawn(move || loop {
        if SIGNALLED.load(Ordering::SeqCst) {
            token.cancel(&actor);
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    });
}
