//! The boundary between the store and redb on a damaged file.
//!
//! redb trusts the pages it reads: a file altered outside redb (a flipped bit on disk, a
//! truncated copy) can make it index out of bounds or hit `unreachable!()` deep in a B-tree
//! walk. Every call into redb therefore runs inside [`guarded`], which catches such a panic and
//! turns it into [`StoreError::Damaged`] (one line naming the file and what to do). While a
//! guarded call runs, the panic hook installed by [`install_quiet_hook`] stays silent, so the
//! user sees that one line and not a backtrace; panics anywhere else are reported as before.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Once;

use super::error::StoreError;

thread_local! {
    /// Depth of guarded calls on this thread (they nest: a read inside a repair).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Whether this thread is inside a guarded call, so a panic now is a damaged file being read
/// (the workstation's terminal hook leaves the screen alone for those).
pub fn in_guarded_call() -> bool {
    DEPTH.with(Cell::get) > 0
}

/// Runs `work`, turning a panic inside it into [`StoreError::Damaged`] for `path`.
pub(crate) fn guarded<T>(
    path: &Path,
    work: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    install_quiet_hook();
    DEPTH.with(|d| d.set(d.get() + 1));
    let outcome = catch_unwind(AssertUnwindSafe(work));
    DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    match outcome {
        Ok(result) => result,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the database engine failed".to_owned());
            tracing::warn!(path = %path.display(), %detail, "caught a panic reading the store");
            Err(StoreError::damaged(path, &detail))
        }
    }
}

/// Wraps the current panic hook once per process: silent inside guarded calls, the previous
/// hook everywhere else. Hooks installed later (the workstation's terminal restorer) wrap this
/// one and ask [`in_guarded_call`] themselves.
pub fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !in_guarded_call() {
                previous(info);
            }
        }));
    });
}

/// The first page of a store file as found before opening it: redb's header (both commit
/// slots and the "in use" marks an open sets). Put back when the file turns out damaged and
/// nothing was committed, so a command that fails on a damaged file leaves it byte for byte.
#[derive(Debug)]
pub(crate) struct HeaderCopy {
    bytes: Vec<u8>,
}

/// redb keeps its whole header in the first page.
const HEADER_PAGE: u64 = 4096;

impl HeaderCopy {
    pub fn read(path: &Path) -> Option<Self> {
        use std::io::Read;
        let mut bytes = Vec::with_capacity(HEADER_PAGE as usize);
        std::fs::File::open(path)
            .and_then(|file| file.take(HEADER_PAGE).read_to_end(&mut bytes))
            .ok()?;
        Some(Self { bytes })
    }

    /// Writes the copy back, unless another process has the file open (it would be reading
    /// the header this process is about to change under it).
    pub fn restore(&self, path: &Path) {
        use std::io::{Seek, Write};
        if super::holders::any(path) {
            tracing::warn!(path = %path.display(), "damaged store left as is: another process has it open");
            return;
        }
        let result = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut file| {
                file.seek(std::io::SeekFrom::Start(0))?;
                file.write_all(&self.bytes)?;
                file.sync_all()
            });
        if let Err(err) = result {
            tracing::warn!(path = %path.display(), %err, "cannot put back the damaged store's header");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_damaged_store_error() {
        let path = Path::new("/data/store.redb");
        let result: Result<(), StoreError> = guarded(path, || panic!("index out of bounds"));
        let message = result.unwrap_err().to_string();
        assert!(message.contains("/data/store.redb"), "{message}");
        assert!(message.contains("store repair"), "{message}");
        assert!(!message.contains('\n'));
        assert!(!in_guarded_call());
        assert_eq!(guarded(path, || Ok(7)).unwrap(), 7);
    }

    #[test]
    fn guards_nest() {
        let path = Path::new("/s");
        let inner = guarded(path, || {
            let caught: Result<(), StoreError> = guarded(path, || panic!("inner"));
            assert!(in_guarded_call());
            Ok(caught.is_err())
        });
        assert!(inner.unwrap());
        assert!(!in_guarded_call());
    }
}
