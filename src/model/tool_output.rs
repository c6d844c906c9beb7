//! What a tool call's output becomes for the model: terminal escape sequences stripped, line
//! ends normalised, and bounded to a head and a tail with a note of what was cut.
//!
//! The store keeps a call's raw PTY bytes (`tool.output` events, for the transcript); the model
//! gets this cleaned, bounded text. Both the live agent and [`super::Conversation::from_events`]
//! build it with [`OutputForModel`] from the same bytes in the same order, so a resumed
//! conversation equals the live one. It is streaming: memory stays bounded however much a
//! command prints, and the result does not depend on how the bytes were chunked.

/// Why this value: the start of an output usually says what ran (a compiler's first error, a
/// test runner's header); 8 KiB is ~2k tokens, enough for a screenful of it.
pub const MODEL_OUTPUT_HEAD: usize = 8 * 1024;
/// Why this value: the end says how it ended (the failing test, the summary line, the last
/// error); as much as the head. Head and tail together cost at most ~4k tokens per call.
pub const MODEL_OUTPUT_TAIL: usize = 8 * 1024;

/// Streaming cleaner and bounder of one call's output.
pub struct OutputForModel {
    parser: vte::Parser,
    text: BoundedText,
}

impl std::fmt::Debug for OutputForModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputForModel")
            .field("bytes", &self.text.total)
            .finish_non_exhaustive()
    }
}

impl Default for OutputForModel {
    fn default() -> Self {
        Self::with_limits(MODEL_OUTPUT_HEAD, MODEL_OUTPUT_TAIL)
    }
}

impl OutputForModel {
    pub fn new() -> Self {
        Self::default()
    }

    /// Custom head and tail sizes (tests use small ones).
    pub fn with_limits(head: usize, tail: usize) -> Self {
        Self {
            parser: vte::Parser::new(),
            text: BoundedText {
                head: String::new(),
                tail: String::new(),
                head_max: head,
                tail_max: tail,
                cut: 0,
                total: 0,
                pending_cr: false,
            },
        }
    }

    /// Feeds raw bytes as the PTY produced them (escape sequences, CRLF, partial UTF-8).
    pub fn feed(&mut self, bytes: &[u8]) {
        self.parser.advance(&mut self.text, bytes);
    }

    /// The cleaned text: all of it when it fits, else head, a `[… N bytes cut …]` line, tail.
    pub fn finish(mut self) -> String {
        if self.text.pending_cr {
            self.text.pending_cr = false;
            self.text.push('\n');
        }
        self.text.finish()
    }
}

struct BoundedText {
    head: String,
    tail: String,
    head_max: usize,
    tail_max: usize,
    /// Bytes of cleaned text dropped between head and tail so far.
    cut: u64,
    /// Bytes of cleaned text seen.
    total: u64,
    /// A CR was seen; the next character decides whether it was a CRLF.
    pending_cr: bool,
}

impl BoundedText {
    fn push(&mut self, c: char) {
        let len = c.len_utf8();
        self.total += len as u64;
        if self.tail.is_empty() && self.head.len() + len <= self.head_max {
            self.head.push(c);
            return;
        }
        self.tail.push(c);
        // Trim in bulk once the tail holds twice its limit: amortised O(1) per character.
        if self.tail.len() > 2 * self.tail_max.max(1) {
            self.trim_tail();
        }
    }

    fn trim_tail(&mut self) {
        if self.tail.len() <= self.tail_max {
            return;
        }
        let mut start = self.tail.len() - self.tail_max;
        while !self.tail.is_char_boundary(start) {
            start += 1;
        }
        self.cut += start as u64;
        self.tail.drain(..start);
    }

    fn finish(mut self) -> String {
        self.trim_tail();
        if self.cut == 0 {
            self.head.push_str(&self.tail);
            return self.head;
        }
        let mut out = self.head;
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!(
            "[… {} bytes cut …]\n",
            crate::text::thousands(self.cut)
        ));
        out.push_str(&self.tail);
        out
    }

    fn newline_for_cr(&mut self) {
        if self.pending_cr {
            self.pending_cr = false;
            self.push('\n');
        }
    }
}

impl vte::Perform for BoundedText {
    fn print(&mut self, c: char) {
        self.newline_for_cr();
        self.push(c);
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\n' => {
                // CRLF (what a PTY turns every LF into) is one line end.
                self.pending_cr = false;
                self.push('\n');
            }
            // A lone CR (progress bars) starts the line again: shown as a new line.
            b'\r' => {
                self.newline_for_cr();
                self.pending_cr = true;
            }
            b'\t' => {
                self.newline_for_cr();
                self.push('\t');
            }
            // Bell, backspace and other controls carry nothing the model can read.
            _ => {}
        }
    }
}

/// The `function_call_output` text for a finished shell call: its status line, then its
/// output cleaned and bounded. The agent sends exactly this, so a conversation rebuilt from
/// events equals the live one.
pub fn tool_output_text(output: &[u8], exit_code: Option<i32>, killed: Option<&str>) -> String {
    let mut model = OutputForModel::new();
    model.feed(output);
    finished_text(model, exit_code, killed)
}

/// [`tool_output_text`] for output that was fed as it arrived.
pub fn finished_text(
    output: OutputForModel,
    exit_code: Option<i32>,
    killed: Option<&str>,
) -> String {
    let status = match (exit_code, killed) {
        (_, Some(reason)) => format!("killed: {reason}"),
        (Some(code), None) => format!("exit code: {code}"),
        (None, None) => "exit code: unknown".to_owned(),
    };
    format!("{status}\n{}", output.finish())
}

/// The `function_call_output` text for a call that could not run (bad arguments, unknown
/// tool, a `workdir` outside the session's directory).
pub fn tool_error_text(error: &str) -> String {
    format!("error: {error}")
}

/// The `function_call_output` text for a call the user or the policy denied.
pub fn denial_text(reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!("denied: {reason}"),
        None => "denied by the user".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::thousands;

    fn clean(bytes: &[u8]) -> String {
        let mut model = OutputForModel::new();
        model.feed(bytes);
        model.finish()
    }

    #[test]
    fn escapes_are_stripped_and_line_ends_normalised() {
        let raw = b"\x1b[1;31merror\x1b[0m: bad\r\n\x1b]0;title\x0750%\r60%\rdone\r\n\tok";
        assert_eq!(clean(raw), "error: bad\n50%\n60%\ndone\n\tok");
        assert_eq!(clean(b"a\r"), "a\n");
        assert_eq!(clean("é\u{1b}[2Kx".as_bytes()), "éx");
    }

    #[test]
    fn output_that_fits_is_kept_whole() {
        let text = "line\n".repeat(100);
        assert_eq!(clean(text.as_bytes()), text);
    }

    #[test]
    fn long_output_keeps_head_and_tail_and_says_what_was_cut() {
        let mut model = OutputForModel::with_limits(10, 6);
        model.feed(b"0123456789abcdefghijklmnopqrstuvwxyz");
        assert_eq!(model.finish(), "0123456789\n[… 20 bytes cut …]\nuvwxyz");
        let text: String = (0..200_000).map(|i| format!("{i}\n")).collect();
        let out = clean(text.as_bytes());
        assert!(out.starts_with("0\n1\n2\n"), "{}", &out[..20]);
        assert!(out.ends_with("199998\n199999\n"));
        let cut = text.len() - MODEL_OUTPUT_HEAD - MODEL_OUTPUT_TAIL;
        assert!(out.contains(&format!("[… {} bytes cut …]", thousands(cut as u64))));
        assert!(out.len() < MODEL_OUTPUT_HEAD + MODEL_OUTPUT_TAIL + 64);
    }

    #[test]
    fn chunking_does_not_change_the_result() {
        let raw: Vec<u8> = "héllo \x1b[32mwörld\x1b[0m\r\n"
            .repeat(50)
            .into_bytes()
            .into_iter()
            .chain(b"\r\n\xff end".iter().copied())
            .collect();
        let whole = {
            let mut model = OutputForModel::with_limits(64, 64);
            model.feed(&raw);
            model.finish()
        };
        for size in [1, 2, 3, 7, 64] {
            let mut model = OutputForModel::with_limits(64, 64);
            for chunk in raw.chunks(size) {
                model.feed(chunk);
            }
            assert_eq!(model.finish(), whole, "chunks of {size}");
        }
        assert!(whole.ends_with("\n\u{fffd} end"), "{whole}");
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(183_402), "183,402");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
