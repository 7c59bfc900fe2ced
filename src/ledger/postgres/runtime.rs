//! Calling the sync PostgreSQL client from inside a tokio runtime.

/// The sync client runs each call on its own runtime's `block_on`, which
/// panics on a thread already driving a tokio runtime (the console's loop,
/// `health --watch`). There the call runs on a helper thread while this
/// one waits for it; everywhere else, right here.
pub(super) fn outside_runtime<T>(f: impl FnOnce() -> T) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    /// A closure (or its result) that crosses to the helper thread.
    struct Carried<X>(X);
    // SAFETY: the helper thread runs while the calling thread is blocked in
    // `join`, so what the closure borrows is never used by two threads at
    // once, and spawn and join order every access (as a plain call would).
    unsafe impl<X> Send for Carried<X> {}
    let job = Carried(f);
    std::thread::scope(|s| {
        let helper = s.spawn(move || {
            let job = job;
            Carried((job.0)())
        });
        match helper.join() {
            Ok(out) => out.0,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
