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
mod tests {
    use super::*;

    fn text(data: &str) -> Option<String> {
        delta(data).map(|d| d.as_delta().text.to_owned())
    }

    #[test]
    fn a_plain_delta_borrows_and_an_escaped_one_is_decoded() {
        let data = r#"{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hi","logprobs":[],"obfuscation":"k2"}"#;
        let fast = delta(data).unwrap();
        assert!(matches!(fast.text, Cow::Borrowed("Hi")));
        let d = fast.as_delta();
        assert_eq!((d.item_id, d.output_index, d.index), ("msg_1", 1, 0));
        assert_eq!(
            text(
                r#"{"type":"response.output_text.delta","output_index":0,"content_index":0,"delta":"a\n\"b\" \u00e9"}"#
            ),
            Some("a\n\"b\" \u{e9}".to_owned())
        );
        assert_eq!(
            text(
                r#"{"type":"response.output_text.delta","output_index":0,"content_index":0,"delta":"\\ \/ \t\r\b\f \n"}"#
            ),
            Some("\\ / \t\r\u{8}\u{c} \n".to_owned())
        );
    }

    #[test]
    fn special_bytes_are_found_at_every_position() {
        for len in 0..20 {
            for at in 0..=len {
                for special in [b'"', b'\\', 0x00, 0x1f] {
                    let mut bytes = vec![b'a'; len];
                    // Bytes that sit next to the special ones in value: no false match.
                    bytes.iter_mut().step_by(3).for_each(|b| *b = 0x20);
                    bytes.iter_mut().skip(1).step_by(4).for_each(|b| *b = 0xe9);
                    if at < len {
                        bytes[at] = special;
                        assert_eq!(find_special(&bytes), Some(at), "{bytes:?}");
                    } else {
                        assert_eq!(find_special(&bytes), None, "{bytes:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn anything_unusual_is_left_to_serde() {
        let base = r#""type":"response.output_text.delta","output_index":0,"content_index":0"#;
        for data in [
            format!(r#"{{{base},"delta":"x"}} extra"#),
            format!(r#"{{{base},"delta":"x","delta":"y"}}"#),
            format!(r#"{{{base},"delta":"x","logprobs":[1]}}"#),
            format!(r#"{{{base},"delta":"x","n":1.5}}"#),
            format!(r#"{{{base},"delta":"x","n":-1}}"#),
            format!(r#"{{{base},"delta":"x","n":01}}"#),
            format!(r#"{{{base},"delta":"x","o":"a\u0041"}}"#),
            format!(r#"{{{base},"delta":"bad \x"}}"#),
            format!("{{{base},\"delta\":\"raw \u{1} control\"}}"),
            format!(r#"{{{base},"delta":null}}"#),
            format!(r#"{{{base},"delta":"x","item":{{}}}}"#),
            format!(r#"{{{base},"delta":"x",}}"#),
            format!(r#"{{{base},"delta":"x","text":"t"}}"#),
            r#"{"type":"response.output_text.delta","output_index":"first","content_index":0,"delta":"x"}"#.to_owned(),
            r#"{"type":"response.output_text.delta","output_index":4294967296,"content_index":0,"delta":"x"}"#.to_owned(),
            r#"{"type":"response.output_text.delta","content_index":0,"delta":"x"}"#.to_owned(),
            r#"{"type":"response.completed","output_index":0,"content_index":0,"delta":"x"}"#.to_owned(),
            r#"{"type":"response.output_text.delta","output_index":0,"content_index":0,"delta":"trunc"#.to_owned(),
        ] {
            assert!(delta(&data).is_none(), "{data}");
        }
        assert_eq!(
            text(&format!(
                " {{ {base} , \"delta\" : \"ok\" , \"x\" : [ ] , \"y\" : true }}\n"
            )),
            Some("ok".to_owned())
        );
    }

    use crate::model::sse::FrameRef;
    use proptest::prelude::*;

    /// What serde's general path makes of `data`, owned.
    fn serde_view(data: &str) -> Result<Option<crate::model::ResponseEvent>, String> {
        let frame = FrameRef {
            event: None,
            data,
            id: None,
        };
        super::super::parse::parse_with_serde(frame, |e| e.into_owned()).map_err(|e| e.to_string())
    }

    /// Mostly strings (deltas, with and without escapes, valid or not), sometimes anything.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "\"[a-zA-Z0-9 \u{e9}\u{1f389}]{0,12}\"",
            2 => "\"[a-z \\\\\"\u{e9}\u{1f389}nut0-9]{0,12}\"",
            3 => "\"(\\\\u[0-9a-fA-F]{4}|\\\\[nrtbf/x\"]|[a-z])*\"",
            1 => other_value(),
        ]
    }

    fn other_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("0".to_owned()),
            Just("7".to_owned()),
            Just("01".to_owned()),
            Just("-3".to_owned()),
            Just("1.5".to_owned()),
            Just("4294967296".to_owned()),
            Just("99999999999999999999".to_owned()),
            Just("[]".to_owned()),
            Just("[ 1 ]".to_owned()),
            Just("{}".to_owned()),
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("nul".to_owned()),
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            1 => Just("type"),
            1 => Just("item_id"),
            1 => Just("output_index"),
            1 => Just("content_index"),
            1 => Just("summary_index"),
            1 => Just("delta"),
            6 => Just("sequence_number"),
            6 => Just("logprobs"),
            6 => Just("obfuscation"),
            1 => Just("text"),
            1 => Just("part"),
            1 => Just("t\\u0079pe"),
        ]
        .prop_map(str::to_owned)
    }

    fn kind() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("response.output_text.delta"),
            Just("response.refusal.delta"),
            Just("response.reasoning_summary_text.delta"),
            Just("response.reasoning_text.delta"),
            Just("response.function_call_arguments.delta"),
            Just("response.output_text.done"),
            Just("response.created"),
        ]
        .prop_map(|k| format!("\"{k}\""))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        /// Wherever the fast path answers, serde gives the very same event.
        #[test]
        fn the_fast_path_agrees_with_serde(
            kind in kind(),
            required in proptest::collection::vec(proptest::bool::weighted(0.9), 4),
            extra in proptest::collection::vec((key(), value()), 0..3),
            text in value(),
            space in prop_oneof![Just(""), Just(" "), Just("\n\t ")],
            tail in prop_oneof![4 => Just(""), 2 => Just(" "), 1 => Just("x"), 1 => Just(","), 1 => Just("}")],
        ) {
            let mut pairs = vec![format!("\"type\":{kind}")];
            let fixed = [
                ("item_id", "\"msg_1\"".to_owned()),
                ("output_index", "1".to_owned()),
                ("content_index", "0".to_owned()),
                ("summary_index", "2".to_owned()),
            ];
            for (keep, (k, v)) in required.iter().zip(fixed) {
                if *keep {
                    pairs.push(format!("\"{k}\":{v}"));
                }
            }
            pairs.push(format!("\"delta\":{text}"));
            for (k, v) in &extra {
                pairs.push(format!("\"{k}\":{v}"));
            }
            let data = format!("{{{space}{}{space}}}{tail}", pairs.join(&format!(",{space}")));
            if let Some(fast) = delta(&data) {
                let fast = crate::model::EventRef::Delta(fast.as_delta()).into_owned();
                prop_assert_eq!(serde_view(&data), Ok(Some(fast)), "{}", data);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = delta(&text);
            let _ = delta(&format!("{{\"type\":\"response.output_text.delta\",{text}"));
        }
    }
}
