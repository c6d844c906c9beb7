//! Terminal replies: the queries a program sends to learn about its terminal (cursor position,
//! device attributes, colours, size) and the answers a real terminal would write back.
//!
//! vt100 parses the screen but answers nothing, and its callbacks drop what an answer needs
//! (the terminator of an OSC query). So a small scanner walks the same bytes alongside it,
//! tracking just enough of the escape-sequence state machine (the one vte implements) to spot
//! complete queries, also when one is split across read chunks. [`super::PaneScreen::feed`]
//! feeds vt100 up to the end of each query before answering, so a cursor position report names
//! the position at the point of the query, not at the end of the chunk.
//!
//! Answered (as xterm answers them):
//!
//! | query | meaning | reply |
//! |---|---|---|
//! | `CSI 6 n` / `CSI ? 6 n` | cursor position report | `CSI row ; col R` / `CSI ? row ; col R` |
//! | `CSI 5 n` | device status | `CSI 0 n` (OK) |
//! | `CSI c` / `CSI 0 c` | primary device attributes | `CSI ? 1 ; 2 c` (VT100 with advanced video) |
//! | `CSI > c` / `CSI > 0 c` | secondary device attributes | `CSI > 0 ; 276 ; 0 c` (xterm patch 276) |
//! | `CSI 18 t` | text area size in characters | `CSI 8 ; rows ; cols t` |
//! | `OSC 10 ; ?` / `OSC 11 ; ?` | default foreground / background colour | `OSC 10 ; rgb:rrrr/gggg/bbbb` + the query's terminator (BEL or ST) |
//!
//! Anything else (kitty keyboard queries, DECRQM, XTGETTCAP…) gets no answer, which programs
//! read as "not supported" after their own timeout or at the next answered query.

use std::io::Write as _;

/// Longest parameter string of a CSI sequence the scanner keeps. Every query it answers is at
/// most 3 bytes of parameters; longer ones are not queries and are only skipped.
const MAX_CSI_PARAMS: usize = 8;

/// Longest OSC payload the scanner keeps; the colour queries are 4 bytes (`10;?`). Longer
/// payloads (titles, hyperlinks, clipboard data) are skipped without being stored.
const MAX_OSC_PAYLOAD: usize = 8;

/// An RGB colour as a terminal reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb {
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }
}

/// The default colours a pane reports to OSC 10/11 queries. Programs use them to pick a light
/// or dark theme (Codex does), so the UI should pass the outer terminal's real colours when it
/// knows them; the default is a dark terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyColors {
    pub foreground: Rgb,
    pub background: Rgb,
}

impl Default for ReplyColors {
    fn default() -> Self {
        Self {
            foreground: Rgb::new(0xd0, 0xd0, 0xd0),
            background: Rgb::new(0x00, 0x00, 0x00),
        }
    }
}

/// How an OSC sequence ended; its answer ends the same way, as xterm does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OscEnd {
    Bel,
    St,
}

/// A complete query found in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Query {
    /// `CSI 6 n`; `private` for the DEC form `CSI ? 6 n`.
    CursorPosition { private: bool },
    /// `CSI 5 n`.
    DeviceStatus,
    /// `CSI c`, `CSI 0 c`.
    PrimaryAttributes,
    /// `CSI > c`, `CSI > 0 c`.
    SecondaryAttributes,
    /// `CSI 18 t`.
    SizeInChars,
    /// `OSC 10 ; ?`.
    Foreground(OscEnd),
    /// `OSC 11 ; ?`.
    Background(OscEnd),
}

/// What the screen looks like when a query is answered.
pub(crate) struct QueryContext {
    /// 0-based cursor row and column (column may equal `cols` when a wrap is pending).
    pub cursor: (u16, u16),
    /// Rows and columns.
    pub size: (u16, u16),
    pub colors: ReplyColors,
}

impl Query {
    /// Appends the reply a terminal would send.
    pub fn answer(self, ctx: &QueryContext, out: &mut Vec<u8>) {
        // Writing to a Vec cannot fail, so the results below are ignored.
        let (rows, cols) = ctx.size;
        match self {
            Query::CursorPosition { private } => {
                let row = ctx.cursor.0.min(rows.saturating_sub(1)) + 1;
                // A pending wrap leaves the cursor one past the last column; xterm reports
                // the last column.
                let col = ctx.cursor.1.min(cols.saturating_sub(1)) + 1;
                let mark = if private { "?" } else { "" };
                let _ = write!(out, "\x1b[{mark}{row};{col}R");
            }
            Query::DeviceStatus => out.extend_from_slice(b"\x1b[0n"),
            Query::PrimaryAttributes => out.extend_from_slice(b"\x1b[?1;2c"),
            Query::SecondaryAttributes => out.extend_from_slice(b"\x1b[>0;276;0c"),
            Query::SizeInChars => {
                let _ = write!(out, "\x1b[8;{rows};{cols}t");
            }
            Query::Foreground(end) => osc_color(out, 10, ctx.colors.foreground, end),
            Query::Background(end) => osc_color(out, 11, ctx.colors.background, end),
        }
    }
}

fn osc_color(out: &mut Vec<u8>, which: u8, rgb: Rgb, end: OscEnd) {
    // xterm reports 16 bits per channel: each 8-bit value repeated.
    let _ = write!(
        out,
        "\x1b]{which};rgb:{r:02x}{r:02x}/{g:02x}{g:02x}/{b:02x}{b:02x}",
        r = rgb.r,
        g = rgb.g,
        b = rgb.b
    );
    out.extend_from_slice(match end {
        OscEnd::Bel => b"\x07",
        OscEnd::St => b"\x1b\\",
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Ground,
    Escape,
    EscapeIntermediate,
    Csi,
    Osc,
    /// DCS: ends at ESC, CAN, SUB or 0x9C.
    Dcs,
    /// SOS, PM, APC: end at ESC, CAN or SUB.
    String,
}

/// Follows the escape-sequence state of a byte stream (the parts of vte's state machine that
/// decide where sequences begin and end) and reports complete queries. Carries its state from
/// one call to the next, so a query split across chunks is still found.
#[derive(Debug, Default)]
pub(crate) struct QueryScanner {
    state: State,
    buf: [u8; MAX_OSC_PAYLOAD],
    len: usize,
    /// The sequence grew past the buffer or held a byte no query has: not a query.
    spoiled: bool,
}

impl QueryScanner {
    /// Whether the stream is between sequences, so injecting a complete sequence cannot
    /// corrupt one in progress.
    pub fn at_ground(&self) -> bool {
        self.state == State::Ground
    }

    fn start(&mut self, state: State) {
        self.state = state;
        self.len = 0;
        self.spoiled = false;
    }

    fn keep(&mut self, byte: u8, max: usize) {
        if self.len < max.min(self.buf.len()) {
            self.buf[self.len] = byte;
            self.len += 1;
        } else {
            self.spoiled = true;
        }
    }

    /// Scans `bytes` up to and including the next complete query; returns the number of bytes
    /// consumed through the query's last byte, and the query. `None`: no query ends in `bytes`
    /// (all of it was consumed).
    pub fn next_query(&mut self, bytes: &[u8]) -> Option<(usize, Query)> {
        let mut i = 0;
        while i < bytes.len() {
            if self.state == State::Ground {
                match memchr::memchr(0x1b, &bytes[i..]) {
                    Some(at) => {
                        i += at + 1;
                        self.start(State::Escape);
                        continue;
                    }
                    None => return None,
                }
            }
            let byte = bytes[i];
            i += 1;
            if let Some(query) = self.step(byte) {
                return Some((i, query));
            }
        }
        None
    }

    /// One byte outside the ground state.
    fn step(&mut self, byte: u8) -> Option<Query> {
        // CAN and SUB abort any sequence; ESC starts a new one (after ending an OSC or DCS).
        match byte {
            0x18 | 0x1a => {
                self.start(State::Ground);
                return None;
            }
            0x1b => {
                let ended = if self.state == State::Osc {
                    self.osc_query(OscEnd::St)
                } else {
                    None
                };
                self.start(State::Escape);
                return ended;
            }
            _ => {}
        }
        match self.state {
            State::Ground => None,
            State::Escape => {
                match byte {
                    // C0 controls execute without leaving the sequence; DEL and high bytes are
                    // ignored.
                    0x00..=0x1f | 0x7f..=0xff => {}
                    0x20..=0x2f => self.state = State::EscapeIntermediate,
                    b'[' => self.start(State::Csi),
                    b']' => self.start(State::Osc),
                    b'P' => self.start(State::Dcs),
                    b'X' | b'^' | b'_' => self.start(State::String),
                    _ => self.start(State::Ground),
                }
                None
            }
            State::EscapeIntermediate => {
                if (0x30..=0x7e).contains(&byte) {
                    self.start(State::Ground);
                }
                None
            }
            State::Csi => match byte {
                0x20..=0x3f => {
                    self.keep(byte, MAX_CSI_PARAMS);
                    None
                }
                0x40..=0x7e => {
                    let query = self.csi_query(byte);
                    self.start(State::Ground);
                    query
                }
                _ => None,
            },
            State::Osc => match byte {
                0x07 => {
                    let query = self.osc_query(OscEnd::Bel);
                    self.start(State::Ground);
                    query
                }
                0x00..=0x1f => None,
                _ => {
                    self.keep(byte, MAX_OSC_PAYLOAD);
                    None
                }
            },
            State::Dcs => {
                if byte == 0x9c {
                    self.start(State::Ground);
                }
                None
            }
            State::String => None,
        }
    }

    fn csi_query(&self, final_byte: u8) -> Option<Query> {
        if self.spoiled {
            return None;
        }
        match (&self.buf[..self.len], final_byte) {
            (b"6", b'n') => Some(Query::CursorPosition { private: false }),
            (b"?6", b'n') => Some(Query::CursorPosition { private: true }),
            (b"5", b'n') => Some(Query::DeviceStatus),
            (b"" | b"0", b'c') => Some(Query::PrimaryAttributes),
            (b">" | b">0", b'c') => Some(Query::SecondaryAttributes),
            (b"18", b't') => Some(Query::SizeInChars),
            _ => None,
        }
    }

    fn osc_query(&self, end: OscEnd) -> Option<Query> {
        if self.spoiled {
            return None;
        }
        match &self.buf[..self.len] {
            b"10;?" => Some(Query::Foreground(end)),
            b"11;?" => Some(Query::Background(end)),
            _ => None,
        }
    }
}

/// Whether `bytes` ends inside a UTF-8 character (so the parser holds part of one). When the
/// tail is only continuation bytes it cannot tell, and says yes: callers use this to postpone
/// work to a safer moment, never to skip it.
pub(crate) fn ends_mid_utf8(bytes: &[u8]) -> bool {
    for (back, &byte) in bytes.iter().rev().take(4).enumerate() {
        match byte {
            0x00..=0x7f => return false,
            0x80..=0xbf => continue,
            0xc0..=0xdf => return back + 1 < 2,
            0xe0..=0xef => return back + 1 < 3,
            _ => return back + 1 < 4,
        }
    }
    !bytes.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queries(chunks: &[&[u8]]) -> Vec<(usize, usize, Query)> {
        let mut scanner = QueryScanner::default();
        let mut out = Vec::new();
        for (index, chunk) in chunks.iter().enumerate() {
            let mut at = 0;
            while let Some((used, query)) = scanner.next_query(&chunk[at..]) {
                at += used;
                out.push((index, at, query));
            }
        }
        out
    }

    fn answer(query: Query) -> String {
        let ctx = QueryContext {
            cursor: (4, 9),
            size: (24, 80),
            colors: ReplyColors::default(),
        };
        let mut out = Vec::new();
        query.answer(&ctx, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn finds_each_query_and_where_it_ends() {
        let table: &[(&[u8], Query)] = &[
            (b"\x1b[6n", Query::CursorPosition { private: false }),
            (b"\x1b[?6n", Query::CursorPosition { private: true }),
            (b"\x1b[5n", Query::DeviceStatus),
            (b"\x1b[c", Query::PrimaryAttributes),
            (b"\x1b[0c", Query::PrimaryAttributes),
            (b"\x1b[>c", Query::SecondaryAttributes),
            (b"\x1b[>0c", Query::SecondaryAttributes),
            (b"\x1b[18t", Query::SizeInChars),
            (b"\x1b]10;?\x07", Query::Foreground(OscEnd::Bel)),
            (b"\x1b]11;?\x1b\\", Query::Background(OscEnd::St)),
        ];
        for (bytes, expected) in table {
            let mut input = b"ab".to_vec();
            input.extend_from_slice(bytes);
            input.extend_from_slice(b"cd");
            let found = queries(&[&input]);
            // An ST-terminated OSC is complete at its ESC; the `\` is scanned as an escape.
            let end = if bytes.ends_with(b"\x1b\\") {
                2 + bytes.len() - 1
            } else {
                2 + bytes.len()
            };
            assert_eq!(found, vec![(0, end, *expected)], "{bytes:?}");
        }
    }

    #[test]
    fn ignores_look_alikes() {
        for bytes in [
            &b"\x1b[16n"[..],
            b"\x1b[6;1n",
            b"\x1b[1c",
            b"\x1b[=c",
            b"\x1b[14t",
            b"\x1b[?u",
            b"\x1b]10;rgb:1/2/3\x07",
            b"\x1b]110;?\x07",
            b"\x1b]0;title \x1b[6n\x07",
            b"\x1bP\x1b[6n",
            b"\x1b[6\x18n",
            b"6n c [c",
            b"\x1b]10;?\x18",
            b"\x1b_x\x1b[c",
        ] {
            let found: Vec<_> = queries(&[bytes]).into_iter().map(|q| q.2).collect();
            let expect: Vec<Query> = match bytes {
                // An OSC or APC cut short by ESC ends there; what follows is a real query.
                b"\x1b]0;title \x1b[6n\x07" => vec![Query::CursorPosition { private: false }],
                b"\x1bP\x1b[6n" => vec![Query::CursorPosition { private: false }],
                b"\x1b_x\x1b[c" => vec![Query::PrimaryAttributes],
                _ => vec![],
            };
            assert_eq!(found, expect, "{bytes:?}");
        }
    }

    #[test]
    fn queries_split_across_chunks_are_found() {
        let whole = b"x\x1b[6ny\x1b]11;?\x1b\\z\x1b[>0c";
        let expected: Vec<Query> = queries(&[whole]).into_iter().map(|q| q.2).collect();
        assert_eq!(expected.len(), 3);
        for cut in 0..whole.len() {
            let (a, b) = whole.split_at(cut);
            let found: Vec<Query> = queries(&[a, b]).into_iter().map(|q| q.2).collect();
            assert_eq!(found, expected, "cut at {cut}");
        }
        // Byte by byte.
        let singles: Vec<&[u8]> = whole.chunks(1).collect();
        let found: Vec<Query> = queries(&singles).into_iter().map(|q| q.2).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn answers_like_xterm() {
        let table = [
            (Query::CursorPosition { private: false }, "\x1b[5;10R"),
            (Query::CursorPosition { private: true }, "\x1b[?5;10R"),
            (Query::DeviceStatus, "\x1b[0n"),
            (Query::PrimaryAttributes, "\x1b[?1;2c"),
            (Query::SecondaryAttributes, "\x1b[>0;276;0c"),
            (Query::SizeInChars, "\x1b[8;24;80t"),
            (
                Query::Foreground(OscEnd::Bel),
                "\x1b]10;rgb:d0d0/d0d0/d0d0\x07",
            ),
            (
                Query::Background(OscEnd::St),
                "\x1b]11;rgb:0000/0000/0000\x1b\\",
            ),
        ];
        for (query, reply) in table {
            assert_eq!(answer(query), reply, "{query:?}");
        }
    }

    #[test]
    fn pending_wrap_reports_the_last_column() {
        let ctx = QueryContext {
            cursor: (0, 80),
            size: (24, 80),
            colors: ReplyColors::default(),
        };
        let mut out = Vec::new();
        Query::CursorPosition { private: false }.answer(&ctx, &mut out);
        assert_eq!(out, b"\x1b[1;80R");
    }

    #[test]
    fn utf8_tails() {
        assert!(!ends_mid_utf8(b""));
        assert!(!ends_mid_utf8(b"abc"));
        assert!(!ends_mid_utf8("日本".as_bytes()));
        assert!(ends_mid_utf8(&"日".as_bytes()[..2]));
        assert!(ends_mid_utf8(&"😀".as_bytes()[..3]));
        assert!(!ends_mid_utf8("a😀".as_bytes()));
        assert!(ends_mid_utf8(&[0x80]));
    }
}
