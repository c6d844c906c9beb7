//! The scripted provider: a loopback HTTP/1.1 server that answers `POST …/responses` from a
//! [`Scenario`], so the demo and the tests exercise the real client over real HTTP and SSE.
//!
//! Hand-rolled on tokio (one request per connection, `Connection: close`, chunked bodies) to
//! keep dependencies minimal and to control the wire exactly: where writes split, when a body
//! is cut, when it stalls. Every request is recorded (method, path, JSON body, whether it
//! carried a bearer token) for tests to assert on; the token itself is never kept or logged.

mod faults;
mod render;
pub mod scenario;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use scenario::{End, ItemSpec, Reply, RequestView, Scenario};

/// Why this value: request heads from HTTP clients are a few hundred bytes; 64 KiB refuses
/// garbage without limiting any real client.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Why this value: a long conversation resent in full can reach megabytes; 64 MiB is far above
/// any test or demo request and still bounds memory.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Why this value: a stalled reply waits for the client to give up; if it never does, the
/// connection is released after ten minutes so a forgotten demo cannot pin it forever.
const STALL_LIMIT: Duration = Duration::from_secs(600);
/// The key the demo sends; any non-empty bearer token is accepted.
pub const DEMO_KEY: &str = "switchboard-demo";

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// An `Authorization: Bearer <non-empty>` header was present (the token is not kept).
    pub authorized: bool,
    /// The body parsed as JSON (`Null` when it was not JSON).
    pub body: Value,
}

struct Shared {
    scenario: Scenario,
    requests: Mutex<Vec<RecordedRequest>>,
    /// Requests that reached the scenario (numbering for sequence mode and ids).
    answered: AtomicUsize,
    /// Connections the client closed before the reply ended.
    disconnects: watch::Sender<usize>,
}

/// A running scripted provider; stops when dropped.
#[derive(Debug)]
pub struct ScriptedProvider {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("answered", &self.answered)
            .finish_non_exhaustive()
    }
}

impl ScriptedProvider {
    /// Binds `127.0.0.1` on a free port and starts serving. Needs a tokio runtime.
    pub async fn start(scenario: Scenario) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            scenario,
            requests: Mutex::new(Vec::new()),
            answered: AtomicUsize::new(0),
            disconnects: watch::channel(0).0,
        });
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        tracing::info!(%addr, "scripted provider listening");
        Ok(Self {
            addr,
            shared,
            accept,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give the client: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Waits until the client has closed `count` connections before their replies ended.
    pub async fn wait_for_disconnects(&self, count: usize) {
        let mut seen = self.shared.disconnects.subscribe();
        // The sender lives in `self.shared`, so `wait_for` cannot fail while we borrow self.
        let _ = seen.wait_for(|n| *n >= count).await;
    }

    pub fn disconnects(&self) -> usize {
        *self.shared.disconnects.borrow()
    }
}

impl Drop for ScriptedProvider {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => {
                    connections.spawn(serve(socket, shared.clone()));
                }
                Err(err) => tracing::warn!(%err, "scripted provider accept failed"),
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// What the server read of one request.
struct Incoming {
    method: String,
    path: String,
    authorized: bool,
    body: Vec<u8>,
}

async fn serve(mut socket: TcpStream, shared: Arc<Shared>) {
    // Small scripted writes must leave as separate segments, or chunking tests would only
    // exercise whatever Nagle's algorithm coalesced.
    let _ = socket.set_nodelay(true);
    let incoming = match read_request(&mut socket).await {
        Ok(Some(incoming)) => incoming,
        Ok(None) => return,
        Err(message) => {
            let _ = write_error(&mut socket, 400, &message, None, None, None).await;
            return;
        }
    };
    let body: Value = serde_json::from_slice(&incoming.body).unwrap_or(Value::Null);
    lock(&shared.requests).push(RecordedRequest {
        method: incoming.method.clone(),
        path: incoming.path.clone(),
        authorized: incoming.authorized,
        body: body.clone(),
    });
    let path = incoming.path.split('?').next().unwrap_or_default();
    if incoming.method != "POST" || !path.ends_with("/responses") {
        let message = format!("no route for {} {}", incoming.method, incoming.path);
        let _ = write_error(&mut socket, 404, &message, Some("not_found"), None, None).await;
        return;
    }
    if !incoming.authorized {
        let message = "missing bearer token in the Authorization header";
        let code = Some("invalid_api_key");
        let _ = write_error(&mut socket, 401, message, code, None, None).await;
        return;
    }
    let number = shared.answered.fetch_add(1, Ordering::SeqCst) + 1;
    let view = RequestView::of(&body);
    let reply = match shared.scenario.reply_for(number, &view) {
        Ok(reply) => reply.clone(),
        Err(message) => {
            let _ = write_error(&mut socket, 400, &message, Some("scenario"), None, None).await;
            return;
        }
    };
    if let Some(error) = &reply.http_error {
        let _ = write_error(
            &mut socket,
            error.status,
            &error.message,
            error.code.as_deref(),
            error.kind.as_deref(),
            error.retry_after,
        )
        .await;
        return;
    }
    let ctx = render::RenderContext {
        number,
        view: &view,
        body: &body,
    };
    let events = render::render(&reply, &ctx);
    if stream_reply(&mut socket, &reply, events).await.is_err() {
        shared.disconnects.send_modify(|n| *n += 1);
    }
}

/// Reads the head and a `Content-Length` body. `Ok(None)` when the peer sent nothing.
async fn read_request(socket: &mut TcpStream) -> Result<Option<Incoming>, String> {
    let mut buffer = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(pos) = memchr::memmem::find(&buffer, b"\r\n\r\n") {
            break pos;
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err("request head too large".to_owned());
        }
        let mut chunk = [0u8; 4096];
        match socket.read(&mut chunk).await {
            Ok(0) if buffer.is_empty() => return Ok(None),
            Ok(0) => return Err("connection closed inside the request head".to_owned()),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(err) => return Err(format!("cannot read request: {err}")),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split_whitespace();
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let mut length = 0usize;
    let mut authorized = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                length = value.parse().map_err(|_| "bad content-length".to_owned())?;
            }
            "transfer-encoding" => {
                return Err("chunked request bodies are not supported".to_owned());
            }
            "authorization" => {
                authorized = value
                    .strip_prefix("Bearer ")
                    .is_some_and(|token| !token.trim().is_empty());
            }
            _ => {}
        }
    }
    if length > MAX_BODY_BYTES {
        return Err("request body too large".to_owned());
    }
    let mut body = buffer.split_off(head_end + 4);
    while body.len() < length {
        let mut chunk = vec![0u8; (length - body.len()).min(64 * 1024)];
        match socket.read(&mut chunk).await {
            Ok(0) => return Err("connection closed inside the request body".to_owned()),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(err) => return Err(format!("cannot read request body: {err}")),
        }
    }
    body.truncate(length);
    Ok(Some(Incoming {
        method,
        path,
        authorized,
        body,
    }))
}

async fn write_error(
    socket: &mut TcpStream,
    status: u16,
    message: &str,
    code: Option<&str>,
    kind: Option<&str>,
    retry_after: Option<f64>,
) -> std::io::Result<()> {
    let body = json!({"error": {
        "message": message,
        "type": kind.unwrap_or(if status >= 500 { "server_error" } else { "invalid_request_error" }),
        "param": null,
        "code": code,
    }})
    .to_string();
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        reason(status),
        body.len()
    );
    if let Some(seconds) = retry_after {
        head.push_str(&format!("retry-after: {seconds}\r\n"));
    }
    head.push_str("\r\n");
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body.as_bytes()).await?;
    socket.shutdown().await
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Streams the events as a chunked body, honouring the reply's chunking, pacing and ending.
/// An error means the client went away first.
async fn stream_reply(
    socket: &mut TcpStream,
    reply: &Reply,
    events: Vec<String>,
) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n\
                cache-control: no-cache\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
    socket.write_all(head.as_bytes()).await?;
    let events = faults::apply(&reply.end, events);
    let writes: Vec<Vec<u8>> = match reply.chunk_bytes {
        Some(size) => events
            .concat()
            .into_bytes()
            .chunks(size.max(1))
            .map(<[u8]>::to_vec)
            .collect(),
        None => events.into_iter().map(String::into_bytes).collect(),
    };
    for (index, write) in writes.iter().enumerate() {
        if index > 0 && reply.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(reply.delay_ms)).await;
        }
        let mut chunk = format!("{:x}\r\n", write.len()).into_bytes();
        chunk.extend_from_slice(write);
        chunk.extend_from_slice(b"\r\n");
        socket.write_all(&chunk).await?;
        socket.flush().await?;
    }
    match &reply.end {
        End::Cut { abrupt: true, .. } => return Ok(()),
        End::Stall { .. } => return wait_for_close(socket).await,
        _ => {}
    }
    socket.write_all(b"0\r\n\r\n").await?;
    socket.shutdown().await
}

/// Holds a stalled connection open until the client closes it (reported as an error, which
/// counts as a disconnect) or [`STALL_LIMIT`] passes.
async fn wait_for_close(socket: &mut TcpStream) -> std::io::Result<()> {
    let mut sink = [0u8; 1024];
    let closed = async {
        loop {
            match socket.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    match tokio::time::timeout(STALL_LIMIT, closed).await {
        Ok(()) => Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "client closed a stalled stream",
        )),
        Err(_) => Ok(()),
    }
}
