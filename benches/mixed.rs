//! Synthetic terminal output for the ingest benches: coloured log lines, `\r` progress bars,
//! cursor-addressed redraws, wide characters and long wrapping lines, deterministic.

use std::io::Write as _;

use super::stats::Rng;

const WORDS: &[&str] = &[
    "compiling",
    "error",
    "warning:",
    "src/main.rs:42:7",
    "test",
    "ok",
    "FAILED",
    "let",
    "fn",
    "=>",
    "{",
    "}",
    "Finished",
    "release",
    "target(s)",
    "in",
    "0.42s",
    "日本語",
    "中文",
    "한국어",
    "😀",
    "✅",
    "→",
    "│",
    "─",
];

/// About `bytes` of mixed terminal output.
pub fn mixed_output(bytes: usize) -> Vec<u8> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(bytes + 4096);
    while out.len() < bytes {
        match rng.below(10) {
            // Coloured log lines (16, 256 and RGB colours, bold, underline).
            0..=3 => {
                for _ in 0..rng.below(12) + 3 {
                    match rng.below(4) {
                        0 => write!(out, "\x1b[3{}m", rng.below(8)),
                        1 => write!(out, "\x1b[1;38;5;{}m", rng.below(256)),
                        2 => write!(
                            out,
                            "\x1b[38;2;{};{};{}m",
                            rng.below(256),
                            rng.below(256),
                            rng.below(256)
                        ),
                        _ => write!(out, "\x1b[4m"),
                    }
                    .unwrap();
                    out.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
                    out.extend_from_slice(b"\x1b[0m ");
                }
                out.extend_from_slice(b"\r\n");
            }
            // A progress bar redrawn in place with carriage returns.
            4 | 5 => {
                for pct in (0..=100).step_by(5) {
                    let filled = pct / 5;
                    write!(
                        out,
                        "\r\x1b[32m[{}{}]\x1b[0m {pct:3}% {}",
                        "#".repeat(filled),
                        " ".repeat(20 - filled),
                        WORDS[rng.below(WORDS.len() as u64) as usize]
                    )
                    .unwrap();
                }
                out.extend_from_slice(b"\x1b[K\r\n");
            }
            // Cursor movement: a small full-screen redraw.
            6 | 7 => {
                for _ in 0..rng.below(8) + 2 {
                    write!(
                        out,
                        "\x1b[{};{}H\x1b[K\x1b[7m{}\x1b[27m",
                        rng.below(24) + 1,
                        rng.below(60) + 1,
                        WORDS[rng.below(WORDS.len() as u64) as usize]
                    )
                    .unwrap();
                }
                out.extend_from_slice(b"\x1b[24;1H\r\n");
            }
            // Wide characters.
            8 => {
                for _ in 0..rng.below(30) + 10 {
                    out.extend_from_slice(
                        ["日本", "語の", "テキ", "スト", "😀", "🎉", "中文"][rng.below(7) as usize]
                            .as_bytes(),
                    );
                }
                out.extend_from_slice(b"\r\n");
            }
            // A long line that wraps several times.
            _ => {
                let len = 200 + rng.below(800) as usize;
                for i in 0..len {
                    out.push(b'a' + (i % 26) as u8);
                }
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    out
}
