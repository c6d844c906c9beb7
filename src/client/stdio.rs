//! Remote attach over ssh. `switchboard attach --stdio` runs on the machine with the server
//! and copies bytes between its stdin/stdout and the server's socket (starting the server if
//! needed): it never parses the protocol, so it adds no version skew of its own.
//! `switchboard attach --remote HOST` runs the system `ssh` to that command and speaks the
//! protocol over the child's pipes. ssh does authentication, encryption and the transport;
//! the server opens no network port.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;

use super::ClientError;
use crate::cli::Context;

/// Copies stdin to the server and the server to stdout until either side closes.
pub async fn bridge(context: &Context) -> Result<(), ClientError> {
    let stream = super::connect_or_start(context)?;
    stream.set_nonblocking(true)?;
    let stream = tokio::net::UnixStream::from_std(stream)?;
    let (mut from_server, mut to_server) = stream.into_split();
    let mut stdin = tokio::io::stdin();
    let mut stdout = tokio::io::stdout();
    let up = async {
        let _ = tokio::io::copy(&mut stdin, &mut to_server).await;
        let _ = to_server.shutdown().await;
    };
    let down = async {
        let _ = tokio::io::copy(&mut from_server, &mut stdout).await;
        let _ = stdout.flush().await;
    };
    // When the server side closes, we are done; when stdin closes, the server sees the
    // client leave and closes its side too.
    tokio::select! {
        () = down => {}
        () = async { up.await; std::future::pending::<()>().await } => {}
    }
    Ok(())
}

/// How to reach a remote server.
#[derive(Debug, Clone)]
pub struct Remote {
    /// `[user@]host`.
    pub host: String,
    /// Extra arguments for ssh (before the host).
    pub ssh_args: Vec<String>,
    /// The switchboard binary on the remote machine.
    pub remote_bin: String,
}

/// A running `ssh HOST switchboard attach --stdio`, whose pipes carry the protocol.
pub struct RemoteChild {
    pub child: tokio::process::Child,
    pub reader: tokio::process::ChildStdout,
    pub writer: tokio::process::ChildStdin,
}

/// Starts ssh. `SWITCHBOARD_SSH` names another ssh binary (tests use a stand-in that runs
/// the command locally).
pub fn spawn_remote(remote: &Remote) -> Result<RemoteChild, ClientError> {
    let ssh = std::env::var("SWITCHBOARD_SSH").unwrap_or_else(|_| "ssh".to_owned());
    let mut command = tokio::process::Command::new(&ssh);
    command
        .args(&remote.ssh_args)
        .arg("-T")
        .arg(&remote.host)
        .arg("--")
        .arg(&remote.remote_bin)
        .args(["attach", "--stdio"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|e| ClientError::Start(format!("cannot run {ssh}: {e}")))?;
    let reader = child
        .stdout
        .take()
        .ok_or_else(|| ClientError::Start("ssh has no stdout".into()))?;
    let writer = child
        .stdin
        .take()
        .ok_or_else(|| ClientError::Start("ssh has no stdin".into()))?;
    Ok(RemoteChild {
        child,
        reader,
        writer,
    })
}
