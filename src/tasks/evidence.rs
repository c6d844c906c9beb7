//! Evidence of an attempt: SHA-256 of what it produced, bounded logs, and the files
//! `task evidence --export DIR` writes (plus a `SHA256SUMS` that `sha256sum -c` verifies).

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Most output kept from one validation or shell executor: a test suite's log a person reads
/// (4 MiB is tens of thousands of lines); past it the last 64 KiB are kept, since a log's end
/// says how the command ended.
pub const MAX_LOG: usize = 4 * 1024 * 1024;
const LOG_TAIL: usize = 64 * 1024;

/// The SHA-256 of `bytes`, as lowercase hex (what `sha256sum` prints).
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Output of a command as it comes, kept within [`MAX_LOG`]: the head, then the tail.
#[derive(Debug, Default, Clone)]
pub struct BoundedLog {
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    dropped: u64,
}

impl BoundedLog {
    pub fn push(&mut self, bytes: &[u8]) {
        let room = (MAX_LOG - LOG_TAIL).saturating_sub(self.head.len());
        let (into_head, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(into_head);
        for &byte in rest {
            if self.tail.len() == LOG_TAIL {
                self.tail.pop_front();
                self.dropped += 1;
            }
            self.tail.push_back(byte);
        }
    }

    /// The kept bytes, with a line saying how much was cut, if anything.
    pub fn finish(self) -> Vec<u8> {
        let mut out = self.head;
        if self.dropped > 0 {
            out.extend_from_slice(
                format!(
                    "\n[switchboard: {} bytes of output were not kept]\n",
                    self.dropped
                )
                .as_bytes(),
            );
        }
        out.extend(self.tail);
        out
    }
}

/// One file of an evidence bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFile {
    /// A plain file name (no directories).
    pub name: String,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

/// Writes the files into `dir` (created if needed) and a `SHA256SUMS` manifest over them;
/// returns the manifest's lines.
pub fn export(dir: &Path, files: &[EvidenceFile]) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut lines = Vec::with_capacity(files.len());
    for file in files {
        let name = Path::new(&file.name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "unnamed".into());
        std::fs::write(dir.join(&name), &file.bytes)?;
        lines.push(format!("{}  {name}", sha256_hex(&file.bytes)));
    }
    let mut manifest = std::fs::File::create(dir.join("SHA256SUMS"))?;
    for line in &lines {
        writeln!(manifest, "{line}")?;
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_standard() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn logs_are_bounded_head_and_tail() {
        let mut log = BoundedLog::default();
        log.push(b"start\n");
        for _ in 0..(MAX_LOG / 1000 + 10) {
            log.push(&[b'x'; 1000]);
        }
        log.push(b"\nthe end\n");
        let kept = log.finish();
        assert!(kept.len() < MAX_LOG + 200);
        assert!(kept.starts_with(b"start\n"));
        assert!(kept.ends_with(b"the end\n"));
        let text = String::from_utf8_lossy(&kept);
        assert!(text.contains("bytes of output were not kept"));
    }
}
