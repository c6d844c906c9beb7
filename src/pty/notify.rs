//! Coalescing change notifications from slots to the UI.
//!
//! Each slot has a dirty flag; the first change after the UI last looked sets it and puts one
//! token in a channel of capacity 1 shared by every slot. Later changes find the flag set (or
//! the channel full) and send nothing. So a pane printing a million lines a second causes at
//! most one pending wake-up, the UI's queue never grows, and the UI draws at its own pace:
//! it wakes, asks each slot [`super::PtySlot::take_changed`], and redraws those that say yes.

use std::time::Duration;

/// The sending side, cloned into every slot.
#[derive(Debug, Clone)]
pub struct PaneWaker {
    tx: flume::Sender<()>,
}

/// The UI's side: wait here for "some pane changed".
#[derive(Debug)]
pub struct PaneWakeups {
    rx: flume::Receiver<()>,
}

/// A waker for slots and the receiver the UI waits on.
pub fn pane_wakeups() -> (PaneWaker, PaneWakeups) {
    // One token is enough to say "look again"; more would only repeat it.
    let (tx, rx) = flume::bounded(1);
    (PaneWaker { tx }, PaneWakeups { rx })
}

impl PaneWaker {
    /// Makes a token available unless one already is. Never blocks.
    pub fn wake(&self) {
        let _ = self.tx.try_send(());
    }
}

impl PaneWakeups {
    /// Consumes a pending token without waiting; whether there was one.
    pub fn try_take(&self) -> bool {
        self.rx.try_recv().is_ok()
    }

    /// Waits up to `timeout` for a token; whether one came. Also returns `false` at once when
    /// every waker is gone.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.rx.recv_timeout(timeout).is_ok()
    }

    /// Waits for a token from async code; `false` when every waker is gone.
    pub async fn wait(&self) -> bool {
        self.rx.recv_async().await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_wakes_leave_one_token() {
        let (waker, wakeups) = pane_wakeups();
        for _ in 0..1000 {
            waker.clone().wake();
        }
        assert!(wakeups.try_take());
        assert!(!wakeups.try_take());
        drop(waker);
        assert!(!wakeups.wait_timeout(Duration::from_secs(5)));
    }
}
