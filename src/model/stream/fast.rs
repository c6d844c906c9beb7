//! A fast path for delta events, most of a stream: one pass over the frame's JSON that
//! borrows the item id and the text, instead of serde's general walk into the 15-field
//! `WireEvent` (a profile put about two thirds of the typed layer's instructions there).
//!
//! It accepts only a strict subset of JSON: one flat object whose values are strings, unsigned
//! integers, `[]`, `null`, `true` or `false`, with no escapes in keys or in ignored strings,
//! no duplicate known key and nothing after the object. Anything else — a nested value, a
//! float, a missing field, a wrong type, an escape it would have to check — returns `None`
//! and the frame goes through serde (`parse.rs`), which decides and words any error. So on
//! every input the fast path either agrees with serde or stays out of it (a property test
//! checks this on generated delta-shaped JSON).

use std::borrow::Cow;

use super::Delta;
use crate::event::DeltaChannel;

/// A delta event read by the fast path; its strings borrow from the frame unless they had
/// escapes.
#[derive(Debug)]
pub(super) struct FastDelta<'a> {
    channel: DeltaChannel,
    item_id: Option<Cow<'a, str>>,
    output_index: u32,
    index: u32,
    text: Cow<'a, str>,
}

impl FastDelta<'_> {
    pub(super) fn as_delta(&self) -> Delta<'_> {
        Delta {
            channel: self.channel,
            item_id: self.item_id.as_deref().unwrap_or_default(),
            output_index: self.output_index,
            index: self.index,
            text: &self.text,
        }
    }
}

/// The delta event in `data`, or `None` when the fast path cannot be sure (serde decides).
pub(super) fn delta(data: &str) -> Option<FastDelta<'_>> {
    let mut fields = Fields::default();
    let mut cursor = Cursor {
        text: data,
        bytes: data.as_bytes(),
        at: 0,
    };
    cursor.object(&mut fields)?;
    let (channel, index_field) = super::parse::delta_kind(fields.kind?)?;
    let index = match index_field {
        Some("summary_index") => fields.summary_index?,
        Some(_) => fields.content_index?,
        None => 0,
    };
    Some(FastDelta {
        channel,
        item_id: fields.item_id,
        output_index: fields.output_index?,
        index,
        text: fields.delta?,
    })
}

#[derive(Default)]
struct Fields<'a> {
    kind: Option<&'a str>,
    item_id: Option<Cow<'a, str>>,
    output_index: Option<u32>,
    content_index: Option<u32>,
    summary_index: Option<u32>,
    delta: Option<Cow<'a, str>>,
}

struct Cursor<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

/// Sets `slot` once; a second value for the same field is left to serde (which rejects it).
fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn object(&mut self, fields: &mut Fields<'a>) -> Option<()> {
        self.eat(b'{')?;
        self.skip_ws();
        if self.peek()? != b'}' {
            loop {
                self.skip_ws();
                let (key, escaped) = self.string()?;
                if escaped {
                    return None;
                }
                self.eat(b':')?;
                self.skip_ws();
                self.field(key, fields)?;
                self.skip_ws();
                match self.peek()? {
                    b',' => self.at += 1,
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.at += 1;
        self.skip_ws();
        (self.at == self.bytes.len()).then_some(())
    }

    fn field(&mut self, key: &str, fields: &mut Fields<'a>) -> Option<()> {
        match key {
            "type" => {
                let (kind, escaped) = self.string()?;
                if escaped {
                    return None;
                }
                set(&mut fields.kind, kind)
            }
            "item_id" => {
                let id = self.text_value()?;
                set(&mut fields.item_id, id)
            }
            "delta" => {
                let text = self.text_value()?;
                set(&mut fields.delta, text)
            }
            "output_index" => {
                let index = self.index()?;
                set(&mut fields.output_index, index)
            }
            "content_index" => {
                let index = self.index()?;
                set(&mut fields.content_index, index)
            }
            "summary_index" => {
                let index = self.index()?;
                set(&mut fields.summary_index, index)
            }
            // Fields other events carry: serde checks their shapes, so a delta event that
            // has one at all is left to it.
            "text" | "refusal" | "arguments" | "item" | "part" | "response" | "code"
            | "message" | "param" => None,
            _ => self.ignored_value(),
        }
    }

    /// A string's raw contents (between the quotes) and whether it has escapes. Raw control
    /// characters are invalid JSON: `None`.
    fn string(&mut self) -> Option<(&'a str, bool)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let rest = self.bytes.get(start..)?;
        let mut end = 0;
        let mut escaped = false;
        loop {
            end += find_special(rest.get(end..)?)?;
            match rest.get(end)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    end += 2;
                }
                // A raw control character: invalid JSON.
                _ => return None,
            }
        }
        self.at = start + end + 1;
        Some((self.text.get(start..start + end)?, escaped))
    }

    /// A string value, its escapes decoded (by serde_json, so they follow its rules).
    fn text_value(&mut self) -> Option<Cow<'a, str>> {
        let open = self.at;
        let (raw, escaped) = self.string()?;
        if !escaped {
            return Some(Cow::Borrowed(raw));
        }
        if let Some(text) = unescape(raw) {
            return Some(Cow::Owned(text));
        }
        let quoted = self.text.get(open..self.at)?;
        serde_json::from_str::<String>(quoted).ok().map(Cow::Owned)
    }

    /// An unsigned integer that fits `u32`, without a sign, fraction, exponent or leading zero.
    fn index(&mut self) -> Option<u32> {
        let value = self.unsigned()?;
        u32::try_from(value).ok()
    }

    fn unsigned(&mut self) -> Option<u64> {
        let start = self.at;
        let mut value: u64 = 0;
        while let Some(digit @ b'0'..=b'9') = self.peek() {
            value = value
                .checked_mul(10)?
                .checked_add(u64::from(digit - b'0'))?;
            self.at += 1;
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes.get(start) == Some(&b'0');
        let more = matches!(self.peek(), Some(b'.' | b'e' | b'E'));
        (digits > 0 && !leading_zero && !more).then_some(value)
    }

    /// A value of a field the event does not use: checked, not kept.
    fn ignored_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => {
                let (_, escaped) = self.string()?;
                (!escaped).then_some(())
            }
            b'0'..=b'9' => self.unsigned().map(drop),
            b'[' => {
                self.at += 1;
                self.eat(b']')
            }
            _ => {
                for word in [&b"null"[..], b"true", b"false"] {
                    if self.bytes.get(self.at..)?.starts_with(word) {
                        self.at += word.len();
                        return Some(());
                    }
                }
                None
            }
        }
    }
}

/// `raw` with its one-character escapes decoded (`\\n`, `\\"`, …: model text is full of
/// them); `None` for `\\u` escapes and anything odd, which serde_json then decodes or rejects.
fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = memchr::memchr(b'\\', rest.as_bytes()) {
        out.push_str(rest.get(..at)?);
        let decoded = match rest.as_bytes().get(at + 1)? {
            b'n' => '\n',
            b't' => '\t',
            b'r' => '\r',
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            _ => return None,
        };
        out.push(decoded);
        rest = rest.get(at + 2..)?;
    }
    out.push_str(rest);
    Some(out)
}

/// The index of the first `"`, `\` or control character (below 0x20) in `bytes`.
///
/// Eight bytes at a time with the classic zero-byte tricks (what serde_json does too): strings
/// are most of a delta event's bytes, and short strings make `memchr` calls cost more than
/// they save. In each word the lowest flagged byte is always a true match (a false flag can
/// only appear above a true one), and bytes are read little-endian, so the lowest is the first.
fn find_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let x = u64::from_le_bytes(word);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let zero_in = |v: u64| v.wrapping_sub(ONES) & !v;
        let control = x.wrapping_sub(ONES * 0x20) & !x;
        let found = (zero_in(quote) | zero_in(backslash) | control) & HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|p| at + p)
}

#[cfg(test)]
mod tests;
