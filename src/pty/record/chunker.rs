//! Sizing `pty.output` chunks to redb's pages.
//!
//! redb stores a value bigger than half a page alone in a leaf whose size is rounded up to a
//! power-of-two number of 4 KiB pages: a 33 KiB value takes 64 KiB. Raw 32 KiB chunks therefore
//! cost 1.8–2× their size on disk. Chunks are now compressed (zstd, in the store's codec) and
//! cut so that the *stored* value just fits a 16 KiB allocation: the chunker remembers how
//! well recent output compressed, gathers the raw bytes that should fill the allocation, and
//! shrinks the cut if the encoded value turns out too big.

use crate::event::{EventKind, PtyOutput};
use crate::ids::Timestamp;
use crate::store::{Prepared, StoreError};

/// redb's page size.
const PAGE_BYTES: usize = 4096;

/// Pages one chunk's leaf takes (a power of two, since redb rounds to one). Four pages make a
/// flood a few dozen appends per MB, and with 16 KiB leaves the B-tree's per-leaf costs
/// (a branch entry, a checksum) stay near 0.3 %.
const CHUNK_PAGES: usize = 4;

/// A leaf holding one value also holds its header (4 bytes), the value's length (4) and the
/// `(session, seq)` key (24); the rest of this margin absorbs the estimate's error.
const LEAF_OVERHEAD: usize = 64;

/// The most a stored chunk may take so that its leaf fits `CHUNK_PAGES` pages.
pub const VALUE_BUDGET: usize = CHUNK_PAGES * PAGE_BYTES - LEAF_OVERHEAD;

/// Raw bytes that fit the budget even when nothing compresses (the codec then stores them
/// plain, behind an envelope of a few dozen bytes).
const INCOMPRESSIBLE_RAW: usize = VALUE_BUDGET - 256;

/// Raw bytes in one chunk at most, however well output compresses: `yes` compresses ~3000:1,
/// and a chunk is what a replay or an export handles at once, so it stays a modest buffer.
pub const MAX_CHUNK_RAW: usize = 256 * 1024;

/// Attempts at shrinking a cut whose value came out too big before accepting it as it is.
const MAX_ATTEMPTS: usize = 4;

/// Cuts output into chunks whose stored values fill [`VALUE_BUDGET`].
#[derive(Debug, Clone)]
pub struct Chunker {
    /// Stored bytes per raw byte of recent chunks.
    ratio: f64,
}

impl Default for Chunker {
    fn default() -> Self {
        Self { ratio: 1.0 }
    }
}

impl Chunker {
    /// Raw bytes to gather before cutting a chunk.
    pub fn goal(&self) -> usize {
        let raw = (VALUE_BUDGET as f64 / self.ratio.max(1e-6) * 0.98) as usize;
        raw.clamp(INCOMPRESSIBLE_RAW, MAX_CHUNK_RAW)
    }

    /// Encodes a chunk from the front of `output` (at most [`Self::goal`] bytes) whose stored
    /// value fits the budget; returns it and how many bytes of `output` it holds.
    pub fn cut(&mut self, at: Timestamp, output: &[u8]) -> Result<(Prepared, usize), StoreError> {
        let mut take = output.len().min(self.goal());
        let mut attempt = 0;
        loop {
            attempt += 1;
            let chunk = Prepared::new(
                at,
                EventKind::PtyOutput(PtyOutput {
                    bytes: output[..take].to_vec().into(),
                }),
            )?;
            let stored = chunk.stored_len();
            let fits = stored <= VALUE_BUDGET || take <= INCOMPRESSIBLE_RAW;
            if fits || attempt >= MAX_ATTEMPTS {
                // Only full chunks say how well output compresses; a small tail says little.
                if take >= INCOMPRESSIBLE_RAW {
                    let ratio = stored as f64 / take as f64;
                    self.ratio = 0.5 * self.ratio + 0.5 * ratio;
                }
                return Ok((chunk, take));
            }
            let scaled = take as f64 * VALUE_BUDGET as f64 / stored as f64 * 0.97;
            take = (scaled as usize).max(INCOMPRESSIBLE_RAW).min(take - 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(len: usize, seed: u32) -> Vec<u8> {
        let mut x = seed.max(1);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    fn base64ish(len: usize) -> Vec<u8> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        noise(len, 7)
            .into_iter()
            .enumerate()
            .map(|(i, b)| {
                if i % 78 == 77 {
                    b'\n'
                } else {
                    ALPHABET[(b % 64) as usize]
                }
            })
            .collect()
    }

    /// Cuts all of `output`, returning (raw, stored) per chunk.
    fn cut_all(output: &[u8]) -> Vec<(usize, usize)> {
        let mut chunker = Chunker::default();
        let mut rest = output;
        let mut out = Vec::new();
        while rest.len() >= chunker.goal() {
            let (chunk, took) = chunker.cut(Timestamp(1), rest).unwrap();
            out.push((took, chunk.stored_len()));
            rest = &rest[took..];
        }
        out
    }

    #[test]
    fn chunks_fit_the_budget_and_fill_it() {
        for (name, output) in [
            ("base64", base64ish(2 << 20)),
            ("noise", noise(2 << 20, 3)),
            (
                "terminal",
                b"\x1b[32mok\x1b[0m test passed\r\n".repeat(80_000),
            ),
        ] {
            let chunks = cut_all(&output);
            assert!(chunks.len() > 2, "{name}");
            for &(raw, stored) in &chunks[1..] {
                assert!(stored <= VALUE_BUDGET, "{name}: {stored} > budget");
                assert!(raw <= MAX_CHUNK_RAW, "{name}: {raw}");
            }
            // After the first chunk teaches the ratio, chunks fill their pages (base64 and
            // noise) or reach the raw cap (well-compressing output).
            let (raw, stored) = chunks[chunks.len() / 2];
            assert!(
                stored > VALUE_BUDGET * 9 / 10 || raw == MAX_CHUNK_RAW,
                "{name}: {raw} raw → {stored} stored"
            );
        }
    }

    #[test]
    fn a_short_tail_is_one_small_chunk() {
        let mut chunker = Chunker::default();
        let (chunk, took) = chunker.cut(Timestamp(1), b"hello\r\n").unwrap();
        assert_eq!(took, 7);
        assert!(chunk.stored_len() < 100);
    }
}
