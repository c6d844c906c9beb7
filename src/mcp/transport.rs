//! JSON-RPC over stdio, one message a line, as MCP's stdio transport says. rmcp's own stdio
//! transport drops a line that is not JSON without a word (so a client that sent it waits
//! forever); ours answers it — a parse error (-32700), or an invalid request (-32600) with the
//! request's id when it has one — and reads on. Lines are bounded, so a peer that never sends
//! a newline cannot grow the buffer without limit.

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// The longest line read: a message is a tool call's arguments (a prompt, a plan), and 16 MiB
/// is far past any of those (rmcp's own transport draws the line at the same place).
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// JSON-RPC's codes for what a line can be wrong with.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The server's side of a line-delimited JSON-RPC stream.
pub struct LineTransport<R, W> {
    reader: BufReader<R>,
    /// The line read so far (kept across cancelled reads: rmcp polls `receive` in a select).
    line: Vec<u8>,
    /// An oversized line is being skipped up to its newline.
    skipping: bool,
    /// The longest line read ([`MAX_LINE`]; smaller in tests).
    max_line: usize,
    writer: Arc<Mutex<W>>,
}

impl<R, W> std::fmt::Debug for LineTransport<R, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineTransport")
            .field("buffered", &self.line.len())
            .finish_non_exhaustive()
    }
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> LineTransport<R, W> {
    pub fn new(reader: R, writer: W) -> Self {
        Self {
            reader: BufReader::new(reader),
            line: Vec::new(),
            skipping: false,
            max_line: MAX_LINE,
            writer: Arc::new(Mutex::new(writer)),
        }
    }

    /// Lines longer than `max_line` bytes are skipped and answered.
    pub fn with_max_line(mut self, max_line: usize) -> Self {
        self.max_line = max_line;
        self
    }
}

/// What one line is.
#[derive(Debug)]
pub enum Line {
    Message(Box<RxJsonRpcMessage<RoleServer>>),
    /// Nothing to do: a blank line, or a notification this server does not know (a
    /// notification gets no answer, even an error).
    Ignore,
    /// An error response to write back.
    Answer(Value),
}

/// Reads one line as a message for the server.
pub fn parse(line: &[u8]) -> Line {
    let line = line.strip_prefix(UTF8_BOM).unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Line::Ignore;
    }
    let error = match serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(line) {
        Ok(message) => return Line::Message(Box::new(message)),
        Err(error) => error,
    };
    let value = match serde_json::from_slice::<Value>(line) {
        Ok(value) => value,
        Err(syntax) => {
            return Line::Answer(error_line(
                Value::Null,
                PARSE_ERROR,
                &format!("parse error: the line is not JSON ({syntax})"),
            ));
        }
    };
    let Some(object) = value.as_object() else {
        return Line::Answer(error_line(
            Value::Null,
            INVALID_REQUEST,
            "invalid request: a message is one JSON object (batches are not supported)",
        ));
    };
    let id = object.get("id").cloned();
    if id.is_none() && object.contains_key("method") {
        tracing::debug!(%error, "ignored a notification this server does not know");
        return Line::Ignore;
    }
    // Only an id JSON-RPC allows is echoed; anything else is answered as unknown.
    let id = id.filter(|id| id.is_string() || id.is_i64() || id.is_u64());
    Line::Answer(error_line(
        id.unwrap_or(Value::Null),
        INVALID_REQUEST,
        &format!("invalid request: {error}"),
    ))
}

fn error_line(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// How reading a line ended.
enum Read {
    Line,
    Oversized,
    Eof,
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// Reads up to the next newline into `self.line`, skipping a line longer than
    /// [`MAX_LINE`]. Cancel-safe: progress lives in `self`.
    async fn read_line(&mut self) -> std::io::Result<Read> {
        loop {
            let buffer = self.reader.fill_buf().await?;
            if buffer.is_empty() {
                // A last line without its newline still counts.
                let partial = !self.line.is_empty() && !self.skipping;
                return Ok(if partial { Read::Line } else { Read::Eof });
            }
            let (taken, ended) = match memchr::memchr(b'\n', buffer) {
                Some(at) => (at + 1, true),
                None => (buffer.len(), false),
            };
            if !self.skipping {
                let body = if ended { &buffer[..taken - 1] } else { buffer };
                self.line.extend_from_slice(body);
            }
            self.reader.consume(taken);
            if self.line.len() > self.max_line {
                self.line.clear();
                self.skipping = true;
            }
            if ended {
                if std::mem::take(&mut self.skipping) {
                    return Ok(Read::Oversized);
                }
                if self.line.last() == Some(&b'\r') {
                    self.line.pop();
                }
                return Ok(Read::Line);
            }
        }
    }
}

async fn write_line<W: AsyncWrite + Unpin>(
    writer: &Mutex<W>,
    mut bytes: Vec<u8>,
) -> std::io::Result<()> {
    bytes.push(b'\n');
    let mut writer = writer.lock().await;
    writer.write_all(&bytes).await?;
    writer.flush().await
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let writer = Arc::clone(&self.writer);
        let bytes = serde_json::to_vec(&item);
        async move { write_line(&writer, bytes?).await }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            match self.read_line().await {
                Ok(Read::Line) => {}
                Ok(Read::Oversized) => {
                    let answer = error_line(
                        Value::Null,
                        INVALID_REQUEST,
                        &format!(
                            "invalid request: the line is longer than {} bytes",
                            self.max_line
                        ),
                    );
                    if write_line(&self.writer, answer.to_string().into_bytes())
                        .await
                        .is_err()
                    {
                        return None;
                    }
                    continue;
                }
                Ok(Read::Eof) => return None,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the client's messages");
                    return None;
                }
            }
            let parsed = parse(&self.line);
            self.line.clear();
            match parsed {
                Line::Message(message) => return Some(*message),
                Line::Ignore => {}
                Line::Answer(answer) => {
                    // The code only: the message may quote what the client sent.
                    tracing::info!(code = %answer["error"]["code"], "answered a malformed line");
                    if write_line(&self.writer, answer.to_string().into_bytes())
                        .await
                        .is_err()
                    {
                        return None;
                    }
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.writer.lock().await.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(line: &str) -> Value {
        match parse(line.as_bytes()) {
            Line::Answer(value) => value,
            other => panic!("{line:?} was not answered: {other:?}"),
        }
    }

    #[test]
    fn lines_that_are_not_json_get_a_parse_error() {
        for line in [
            "{not json",
            "]",
            "\"unterminated",
            "{\"jsonrpc\":\"2.0\",\"id\":1",
        ] {
            let value = answer(line);
            assert_eq!(value["error"]["code"], PARSE_ERROR, "{line}: {value}");
            assert_eq!(value["id"], Value::Null);
            assert_eq!(value["jsonrpc"], "2.0");
        }
    }

    #[test]
    fn json_that_is_no_request_gets_invalid_request_with_its_id() {
        let value = answer(r#"{"jsonrpc":"2.0","id":7,"method":42}"#);
        assert_eq!(value["error"]["code"], INVALID_REQUEST);
        assert_eq!(value["id"], 7);
        let value = answer(r#"{"jsonrpc":"2.0","id":"a","params":{}}"#);
        assert_eq!(value["id"], "a");
        for line in [
            "[1,2]",
            "42",
            r#"{"jsonrpc":"2.0","id":{"x":1},"method":7}"#,
        ] {
            let value = answer(line);
            assert_eq!(value["error"]["code"], INVALID_REQUEST, "{line}");
            assert_eq!(value["id"], Value::Null, "{line}");
        }
    }

    #[test]
    fn requests_parse_and_blank_lines_and_unknown_notifications_are_skipped() {
        let line = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#;
        assert!(matches!(parse(line.as_bytes()), Line::Message(_)));
        let with_bom = [UTF8_BOM, line.as_bytes()].concat();
        assert!(matches!(parse(&with_bom), Line::Message(_)));
        assert!(matches!(parse(b"   "), Line::Ignore));
        let odd = r#"{"jsonrpc":"2.0","method":"notifications/whatever","params":{"x":1}}"#;
        assert!(matches!(
            parse(odd.as_bytes()),
            Line::Ignore | Line::Message(_)
        ));
    }

    #[tokio::test]
    async fn an_oversized_line_is_skipped_and_answered() {
        let big = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{}\"}}",
            "x".repeat(20_000)
        );
        let input = format!("{big}\n{}\n", r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#);
        let (mut client, server_out) = tokio::io::duplex(64 * 1024);
        // Longer than the transport's read buffer (8 KiB): it arrives in pieces.
        let reader = std::io::Cursor::new(input.into_bytes());
        let mut transport = LineTransport::new(reader, server_out).with_max_line(1024);
        let next = transport
            .receive()
            .await
            .expect("the line after the long one");
        let rmcp::model::JsonRpcMessage::Request(request) = next else {
            panic!("not a request: {next:?}");
        };
        assert_eq!(request.id, rmcp::model::RequestId::Number(2));
        drop(transport);
        let mut written = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut client, &mut written)
            .await
            .unwrap();
        let answer: Value = serde_json::from_str(written.trim()).unwrap();
        assert_eq!(answer["error"]["code"], INVALID_REQUEST);
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("longer than 1024 bytes")
        );
    }

    #[tokio::test]
    async fn the_stream_goes_on_after_bad_lines() {
        let input = concat!(
            "garbage\n",
            "\n",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
            "\r\n",
            r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#,
        );
        let (client, server_out) = tokio::io::duplex(4096);
        let mut transport = LineTransport::new(input.as_bytes(), server_out);
        let first = transport
            .receive()
            .await
            .expect("a message after the garbage");
        assert!(matches!(first, rmcp::model::JsonRpcMessage::Request(_)));
        let second = transport
            .receive()
            .await
            .expect("the unterminated last line");
        assert!(matches!(second, rmcp::model::JsonRpcMessage::Request(_)));
        assert!(transport.receive().await.is_none());
        drop(transport);
        let mut written = String::new();
        let mut client = client;
        tokio::io::AsyncReadExt::read_to_string(&mut client, &mut written)
            .await
            .unwrap();
        let lines: Vec<Value> = written
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "{written}");
        assert_eq!(lines[0]["error"]["code"], PARSE_ERROR);
    }
}
