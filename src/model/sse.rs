//! Server-sent events, bytes in → frames out. Pure and incremental: feed whatever the network
//! delivered, in any split, and get back every frame completed so far.
//!
//! Follows the WHATWG `text/event-stream` rules that matter for the Responses API:
//!
//! - lines end in LF, CRLF or a lone CR, and a CRLF may be split across two feeds;
//! - a line starting with `:` is a comment (servers send them as keep-alives);
//! - `data:` lines accumulate, joined with `\n`; a blank line dispatches the frame;
//! - `event:` names the frame, `id:` sets the last event id (which persists across frames);
//! - one space after the colon is dropped; a field name without a colon has an empty value;
//! - a leading UTF-8 byte-order mark is ignored; invalid UTF-8 becomes U+FFFD, never an error.
//!
//! Lines are found on bytes, not characters: LF and CR never occur inside a multi-byte UTF-8
//! sequence, so a feed boundary inside a character only means the line is not complete yet.

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseFrame {
    /// The `event:` field, when the frame had one (the Responses API always sends it).
    pub event: Option<String>,
    /// All `data:` lines of the frame joined with `\n`.
    pub data: String,
    /// The last event id seen on the stream so far (`id:` persists across frames).
    pub id: Option<String>,
}

/// A dispatched frame borrowed from the decoder's buffers: what [`SseDecoder::feed_with`]
/// hands out, so a consumer that parses frames at once allocates nothing per frame here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRef<'a> {
    pub event: Option<&'a str>,
    pub data: &'a str,
    pub id: Option<&'a str>,
}

impl FrameRef<'_> {
    pub fn to_owned(self) -> SseFrame {
        SseFrame {
            event: self.event.map(str::to_owned),
            data: self.data.to_owned(),
            id: self.id.map(str::to_owned),
        }
    }
}

impl SseFrame {
    pub fn as_ref(&self) -> FrameRef<'_> {
        FrameRef {
            event: self.event.as_deref(),
            data: &self.data,
            id: self.id.as_deref(),
        }
    }
}

/// The stream broke a limit the decoder enforces to keep memory bounded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("server-sent event larger than {limit} bytes")]
    FrameTooLarge { limit: usize },
}

/// Largest frame (or unterminated line) the decoder buffers. Why this value: a
/// `response.completed` event repeats the whole output, encrypted reasoning included, which can
/// reach a few megabytes on long answers; 64 MiB is far above that and still bounds what a
/// broken or hostile server can make us hold.
pub const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// Incremental decoder state. Cheap to create; one per HTTP response body.
#[derive(Debug)]
pub struct SseDecoder {
    /// Bytes of a line whose terminator has not arrived yet.
    partial: Vec<u8>,
    /// The previous feed ended in CR: a LF at the start of the next feed belongs to it.
    after_cr: bool,
    /// No line has been completed yet, so a byte-order mark may still need stripping.
    at_start: bool,
    /// The frame's `event:` value; meaningful only while `has_event`. Buffers are reused from
    /// frame to frame, so steady-state decoding does not allocate.
    event: String,
    has_event: bool,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    limit: usize,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::with_limit(MAX_FRAME_BYTES)
    }

    /// A decoder with a custom frame size limit (tests use small ones).
    pub fn with_limit(limit: usize) -> Self {
        Self {
            partial: Vec::new(),
            after_cr: false,
            at_start: true,
            event: String::new(),
            has_event: false,
            data: String::new(),
            has_data: false,
            last_id: None,
            limit,
        }
    }

    /// Decodes `input`, appending every frame it completes to `out`. Bytes of an unfinished
    /// line or frame are kept for the next call.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<SseFrame>) -> Result<(), SseError> {
        self.feed_with(input, |frame| out.push(frame.to_owned()))
    }

    /// Decodes `input`, calling `on_frame` with each frame it completes, borrowed.
    pub fn feed_with(
        &mut self,
        mut input: &[u8],
        mut on_frame: impl FnMut(FrameRef<'_>),
    ) -> Result<(), SseError> {
        let out = &mut on_frame;
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = input.strip_prefix(b"\n") {
                input = rest;
            }
        }
        while let Some(pos) = memchr::memchr2(b'\n', b'\r', input) {
            if self.partial.is_empty() {
                self.line(&input[..pos], out)?;
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(&input[..pos]);
                let result = self.line(&line, out);
                line.clear();
                self.partial = line;
                result?;
            }
            let mut next = pos + 1;
            if input[pos] == b'\r' {
                match input.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            input = &input[next..];
        }
        if self.partial.len() + input.len() + self.data.len() > self.limit {
            return Err(self.too_large());
        }
        self.partial.extend_from_slice(input);
        Ok(())
    }

    /// Convenience for tests and one-shot decoding: every frame in `input`.
    pub fn decode_all(input: &[u8]) -> Result<Vec<SseFrame>, SseError> {
        let mut out = Vec::new();
        Self::new().feed(input, &mut out)?;
        Ok(out)
    }

    /// Whether bytes of an unfinished frame are buffered (the stream stopped mid-event).
    pub fn has_partial(&self) -> bool {
        !self.partial.is_empty() || self.has_data || self.has_event
    }

    fn too_large(&mut self) -> SseError {
        // Drop what was buffered so a caller that keeps feeding does not grow without bound.
        self.partial = Vec::new();
        self.data = String::new();
        self.has_data = false;
        self.has_event = false;
        SseError::FrameTooLarge { limit: self.limit }
    }

    fn line(
        &mut self,
        mut line: &[u8],
        out: &mut impl FnMut(FrameRef<'_>),
    ) -> Result<(), SseError> {
        if self.at_start {
            self.at_start = false;
            if let Some(rest) = line.strip_prefix("\u{feff}".as_bytes()) {
                line = rest;
            }
        }
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (name, value) = match memchr::memchr(b':', line) {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match name {
            b"data" => {
                if self.data.len() + value.len() + 1 > self.limit {
                    return Err(self.too_large());
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.has_data = true;
                push_utf8(&mut self.data, value);
            }
            b"event" => {
                self.event.clear();
                push_utf8(&mut self.event, value);
                self.has_event = true;
            }
            // The spec ignores ids containing NUL.
            b"id" if !value.contains(&0) => {
                let mut id = String::with_capacity(value.len());
                push_utf8(&mut id, value);
                self.last_id = Some(id);
            }
            // `retry:` tunes browser reconnection, which this client does not do; other
            // field names are ignored by the spec.
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut impl FnMut(FrameRef<'_>)) {
        let has_event = std::mem::take(&mut self.has_event);
        if !std::mem::take(&mut self.has_data) {
            return;
        }
        out(FrameRef {
            event: has_event.then_some(self.event.as_str()),
            data: &self.data,
            id: self.last_id.as_deref(),
        });
        self.data.clear();
    }
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

fn push_utf8(out: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => out.push_str(text),
        Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(event: Option<&str>, data: &str) -> SseFrame {
        SseFrame {
            event: event.map(str::to_owned),
            data: data.to_owned(),
            id: None,
        }
    }

    fn decode_split(input: &[u8], split: usize) -> Vec<SseFrame> {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder.feed(&input[..split], &mut out).unwrap();
        decoder.feed(&input[split..], &mut out).unwrap();
        out
    }

    #[test]
    fn lf_crlf_and_lone_cr_give_the_same_frames() {
        let lf = b"event: a\ndata: one\n\nevent: b\ndata: two\ndata: three\n\n";
        let crlf = b"event: a\r\ndata: one\r\n\r\nevent: b\r\ndata: two\r\ndata: three\r\n\r\n";
        let cr = b"event: a\rdata: one\r\revent: b\rdata: two\rdata: three\r\r";
        let expected = vec![frame(Some("a"), "one"), frame(Some("b"), "two\nthree")];
        for input in [&lf[..], &crlf[..], &cr[..]] {
            assert_eq!(SseDecoder::decode_all(input).unwrap(), expected);
            for split in 0..=input.len() {
                assert_eq!(decode_split(input, split), expected, "split at {split}");
            }
        }
    }

    #[test]
    fn comments_are_skipped_and_fields_parse_per_spec() {
        let input = b": keep-alive\n\ndata\n\ndata:x\n\ndata:  two spaces\nbogus: 1\n\n";
        assert_eq!(
            SseDecoder::decode_all(input).unwrap(),
            vec![
                frame(None, ""),
                frame(None, "x"),
                frame(None, " two spaces")
            ]
        );
    }

    #[test]
    fn frame_without_data_is_not_dispatched_and_its_name_does_not_leak() {
        let input = b"event: lonely\n\ndata: x\n\n";
        assert_eq!(
            SseDecoder::decode_all(input).unwrap(),
            vec![frame(None, "x")]
        );
    }

    #[test]
    fn id_persists_across_frames() {
        let frames =
            SseDecoder::decode_all(b"id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n").unwrap();
        let ids: Vec<_> = frames.iter().map(|f| f.id.as_deref()).collect();
        assert_eq!(ids, vec![Some("7"), Some("7"), Some("")]);
    }

    #[test]
    fn bom_is_stripped_even_when_split() {
        let input = "\u{feff}data: x\n\n".as_bytes();
        for split in 0..=input.len() {
            assert_eq!(decode_split(input, split), vec![frame(None, "x")]);
        }
    }

    #[test]
    fn split_inside_a_utf8_character_is_harmless() {
        let input = "data: h\u{e9}llo \u{1f389}\n\n".as_bytes();
        for split in 0..=input.len() {
            assert_eq!(
                decode_split(input, split),
                vec![frame(None, "h\u{e9}llo \u{1f389}")]
            );
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let frames = SseDecoder::decode_all(b"data: \xff\xfe\n\n").unwrap();
        assert_eq!(frames[0].data, "\u{fffd}\u{fffd}");
    }

    #[test]
    fn unterminated_frame_is_reported_as_partial() {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder.feed(b"data: x\n", &mut out).unwrap();
        assert!(out.is_empty());
        assert!(decoder.has_partial());
        decoder.feed(b"\n", &mut out).unwrap();
        assert!(!decoder.has_partial());
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn default_is_new() {
        let frames = SseDecoder::default();
        assert_eq!(format!("{frames:?}"), format!("{:?}", SseDecoder::new()));
    }

    #[test]
    fn oversized_frames_are_an_error() {
        let mut decoder = SseDecoder::with_limit(16);
        let mut out = Vec::new();
        assert!(decoder.feed(b"data: 0123456789abcdef", &mut out).is_err());
        let mut decoder = SseDecoder::with_limit(16);
        let err = decoder.feed(b"data: 0123456789\ndata: 0123456789\n", &mut out);
        assert_eq!(err, Err(SseError::FrameTooLarge { limit: 16 }));
    }
}
