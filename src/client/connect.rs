//! Finding the server of this store: connect to its socket, or start one and connect. Two
//! clients starting at once start one server: the second waits on the spawn lock, then finds
//! the first one's server. A server that fails to start says why on its readiness pipe, and
//! the client prints that one line.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::cli::Context;
use crate::server::ServerFiles;
use crate::server::socket::SocketError;

/// How long a starting server may take to say it is ready: opening a big store and
/// restoring its open slots takes well under a second; a loaded machine gets slack.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Why the client cannot talk to a server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Mismatch(String),
    #[error("the server could not start: {0}")]
    Start(String),
    #[error("the server did not get ready within {0:?}; see {1}")]
    StartTimeout(Duration, String),
    #[error("cannot reach the server at {path}: {source}")]
    Connect {
        path: String,
        source: std::io::Error,
    },
    #[error("no server is running for this store")]
    NoServer,
    #[error("the server closed the connection{0}")]
    Closed(String),
    #[error(transparent)]
    Frame(#[from] crate::protocol::FrameError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Socket(#[from] SocketError),
}

impl ClientError {
    /// The server ended while this client was saying hello: nothing was done yet, so
    /// connecting again (to a fresh server) is safe.
    pub fn server_went_away(&self) -> bool {
        match self {
            Self::Io(e) => matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ),
            Self::Closed(why) => why == CLOSED_UNANSWERED,
            _ => false,
        }
    }
}

/// [`ClientError::Closed`]'s detail when the server hung up before answering hello.
pub(crate) const CLOSED_UNANSWERED: &str = " before answering";

/// The server files of the context's store.
pub fn server_files(context: &Context) -> ServerFiles {
    ServerFiles::new(&context.paths.run_dir, &context.paths.store_file)
}

/// The running server's socket, or `None` when no server runs.
pub fn connect_existing(context: &Context) -> Result<Option<UnixStream>, ClientError> {
    let files = server_files(context);
    match UnixStream::connect(&files.socket) {
        Ok(stream) => Ok(Some(stream)),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            Ok(None)
        }
        Err(source) => Err(ClientError::Connect {
            path: files.socket.display().to_string(),
            source,
        }),
    }
}

/// Connects to the server, starting one when none runs.
pub fn connect_or_start(context: &Context) -> Result<UnixStream, ClientError> {
    if let Some(stream) = connect_existing(context)? {
        return Ok(stream);
    }
    let files = server_files(context);
    files.prepare()?;
    let spawn_lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&files.spawn_lock)?;
    // Blocks while another client starts the server; then its server is found below.
    let _guard = nix::fcntl::Flock::lock(spawn_lock, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, errno)| ClientError::Start(format!("cannot take the spawn lock: {errno}")))?;
    if let Some(stream) = connect_existing(context)? {
        return Ok(stream);
    }
    start_server(context)?;
    connect_existing(context)?.ok_or(ClientError::NoServer)
}

/// Starts `switchboard server --detached` and waits for its "ready" line.
fn start_server(context: &Context) -> Result<(), ClientError> {
    let exe = std::env::current_exe()?;
    std::fs::create_dir_all(&context.paths.log_dir)?;
    let out_path: PathBuf = context.paths.log_dir.join("server.out");
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&out_path)?;
    let mut command = Command::new(exe);
    if let Some(home) = &context.home {
        command.env("SWITCHBOARD_HOME", home);
    }
    let mut child = command
        .args(["server", "--detached"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .spawn()
        .map_err(|e| ClientError::Start(e.to_string()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| ClientError::Start("no pipe to the server".into()))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("server-start".into())
        .spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
            // Reap the server when it ends, so it never lingers as a zombie of ours.
            let _ = child.wait();
        })?;
    let line = rx
        .recv_timeout(START_TIMEOUT)
        .map_err(|_| ClientError::StartTimeout(START_TIMEOUT, out_path.display().to_string()))?;
    let line = line.trim();
    if line.starts_with("ready") {
        return Ok(());
    }
    let why = line.strip_prefix("error: ").unwrap_or(line);
    if why.is_empty() {
        return Err(ClientError::Start(format!(
            "it exited at once; see {}",
            out_path.display()
        )));
    }
    Err(ClientError::Start(why.to_owned()))
}
