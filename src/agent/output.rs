//! How much of a shell call's raw output reaches the store: at most [`STORED_OUTPUT_MAX`]
//! bytes plus the tail (the API key is redacted before, by `model::StreamRedactor`). The model's view is built from exactly these stored
//! bytes (`model::tool_output`), so live and resumed conversations agree.

use std::collections::VecDeque;

/// Why this value: 8 MiB holds any build or test log a person would scroll through, while a
/// runaway command (`yes`, a log tail) cannot fill the store: at PTY speed it could print
/// gigabytes before its timeout.
pub const STORED_OUTPUT_MAX: usize = 8 * 1024 * 1024;
/// Why this value: when output goes past the cap, the end of it still matters most (the
/// summary, the last error); 64 KiB is several screens, and 8× what the model is shown.
pub const STORED_TAIL: usize = 64 * 1024;

/// Caps what is stored of one call's output: the first `max` bytes as they come, then only a
/// running tail, written at the end after a note of what was left out.
#[derive(Debug)]
pub struct StoredOutput {
    max: usize,
    tail_max: usize,
    stored: usize,
    /// Bytes past the cap that are not in `tail` (dropped for good).
    omitted: u64,
    tail: VecDeque<u8>,
}

impl Default for StoredOutput {
    fn default() -> Self {
        Self::with_limits(STORED_OUTPUT_MAX, STORED_TAIL)
    }
}

impl StoredOutput {
    pub fn with_limits(max: usize, tail_max: usize) -> Self {
        Self {
            max,
            tail_max,
            stored: 0,
            omitted: 0,
            tail: VecDeque::new(),
        }
    }

    /// The part of `chunk` to store now (empty once the cap is reached).
    pub fn admit<'a>(&mut self, chunk: &'a [u8]) -> &'a [u8] {
        let room = self.max - self.stored;
        let (now, later) = chunk.split_at(room.min(chunk.len()));
        self.stored += now.len();
        if !later.is_empty() {
            self.tail.extend(later);
            let excess = self.tail.len().saturating_sub(self.tail_max);
            self.tail.drain(..excess);
            self.omitted += excess as u64;
        }
        now
    }

    /// What to store when the call ends: nothing when everything fit, else a note of how
    /// much was left out followed by the tail.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        if self.tail.is_empty() {
            return None;
        }
        let mut out = format!(
            "\r\n[switchboard: {} bytes of output were not recorded]\r\n",
            self.omitted
        )
        .into_bytes();
        out.extend(self.tail.drain(..));
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_past_the_cap_keeps_the_tail_and_says_what_was_dropped() {
        let mut stored = StoredOutput::with_limits(10, 4);
        let mut kept = Vec::new();
        for chunk in [&b"0123456"[..], b"789abc", b"defgh", b"ij"] {
            kept.extend_from_slice(stored.admit(chunk));
        }
        assert_eq!(kept, b"0123456789");
        let end = stored.finish().unwrap();
        assert_eq!(
            String::from_utf8(end).unwrap(),
            "\r\n[switchboard: 6 bytes of output were not recorded]\r\nghij"
        );
        let mut small = StoredOutput::with_limits(10, 4);
        assert_eq!(small.admit(b"short"), b"short");
        assert_eq!(small.finish(), None);
    }
}
