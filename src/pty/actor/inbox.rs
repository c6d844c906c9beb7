//! Bytes read from the PTY that wait to be parsed. The reader thread appends each read; the
//! parser thread takes everything queued in one swap. Splitting the two lets the next PTY
//! reads (a system call and a kernel wake-up per ~4 KiB) overlap the parse of the previous
//! ones, and turns many small reads into few large feeds.

use std::sync::{Condvar, Mutex};

use crate::pty::lock;

/// Unparsed bytes the reader may hold before it stops reading (back-pressure to the
/// program): a few dozen PTY reads, enough to keep the parser busy across scheduling hiccups,
/// and a small, fixed amount of memory per slot.
pub(super) const INBOX_BYTES: usize = 256 * 1024;

#[derive(Default)]
struct State {
    bytes: Vec<u8>,
    closed: bool,
}

#[derive(Default)]
pub(super) struct Inbox {
    state: Mutex<State>,
    changed: Condvar,
}

impl Inbox {
    fn wait<'a>(
        &self,
        guard: std::sync::MutexGuard<'a, State>,
    ) -> std::sync::MutexGuard<'a, State> {
        self.changed
            .wait(guard)
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends a read, waiting while the inbox is full. `false` once the inbox is closed (the
    /// parser is gone), so the reader stops.
    pub fn push(&self, chunk: &[u8]) -> bool {
        let mut state = lock(&self.state);
        while state.bytes.len() >= INBOX_BYTES && !state.closed {
            state = self.wait(state);
        }
        if state.closed {
            return false;
        }
        state.bytes.extend_from_slice(chunk);
        self.changed.notify_all();
        true
    }

    /// Nothing waits to be parsed.
    pub fn is_empty(&self) -> bool {
        lock(&self.state).bytes.is_empty()
    }

    /// Waits until bytes wait or the inbox is closed; `false` when it is closed and drained.
    pub fn wait_for_bytes(&self) -> bool {
        let mut state = lock(&self.state);
        while state.bytes.is_empty() && !state.closed {
            state = self.wait(state);
        }
        !state.bytes.is_empty()
    }

    /// No more bytes will come (end of file, or the parser stopped).
    pub fn close(&self) {
        lock(&self.state).closed = true;
        self.changed.notify_all();
    }

    /// Waits for bytes and moves at most `max` of them (the oldest) into `batch`: all of them
    /// by swapping buffers (the batch's allocation is handed back for the next reads), or a
    /// slice when a paced pane parses a frame's share at a time instead of a whole inbox in one
    /// burst. `false` when the inbox is closed and drained.
    pub fn take_up_to(&self, batch: &mut Vec<u8>, max: usize) -> bool {
        batch.clear();
        let mut state = lock(&self.state);
        while state.bytes.is_empty() && !state.closed {
            state = self.wait(state);
        }
        if state.bytes.is_empty() {
            return false;
        }
        if state.bytes.len() <= max {
            std::mem::swap(&mut state.bytes, batch);
        } else {
            batch.extend_from_slice(&state.bytes[..max]);
            state.bytes.drain(..max);
        }
        self.changed.notify_all();
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn bytes_arrive_in_order_and_the_end_is_seen() {
        let inbox = Arc::new(Inbox::default());
        let writer = {
            let inbox = Arc::clone(&inbox);
            std::thread::spawn(move || {
                for i in 0..10_000u32 {
                    assert!(inbox.push(&i.to_le_bytes()));
                }
                inbox.close();
            })
        };
        let mut got = Vec::new();
        let mut batch = Vec::new();
        // Slices of odd sizes, and everything at once, keep the order.
        let mut turn = 0usize;
        while inbox.take_up_to(&mut batch, [7, 4096, usize::MAX][turn % 3]) {
            assert!(batch.len() <= INBOX_BYTES + 4);
            if turn.is_multiple_of(3) {
                assert!(batch.len() <= 7);
            }
            got.extend_from_slice(&batch);
            turn += 1;
        }
        writer.join().unwrap();
        let expected: Vec<u8> = (0..10_000u32).flat_map(u32::to_le_bytes).collect();
        assert_eq!(got, expected);
        assert!(!inbox.push(b"late"));
    }
}
