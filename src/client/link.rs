//! A connection to the server over any byte stream (a Unix socket, an ssh child's stdio):
//! the hello exchange, then a writer task taking commands and a reader task yielding
//! notifications. When the server goes away the notification stream ends.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::ClientError;
use crate::protocol::frame::{self, FrameDecoder};
use crate::protocol::{
    BUILD, ClientInfo, Command, Hello, HelloReply, MAX_COMMAND_FRAME, MAX_NOTIFICATION_FRAME,
    Notification,
};

/// How long the server may take to answer a hello (ssh included).
const HELLO_TIMEOUT: Duration = Duration::from_secs(20);

/// How long leaving waits for queued commands to be written.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// Commands that may wait for the writer: a burst of keys or a paste; a client that fills
/// it is waiting on a dead server anyway.
const COMMAND_QUEUE: usize = 1024;

/// Notifications read ahead of their consumer.
const NOTIFICATION_QUEUE: usize = 1024;

/// An open connection.
#[derive(Debug)]
pub struct Link {
    pub server: HelloReply,
    pub commands: mpsc::Sender<Command>,
    pub notifications: mpsc::Receiver<Notification>,
    /// The writer task: ends once every command sender is dropped and all is written.
    pub writer: tokio::task::JoinHandle<()>,
}

impl Link {
    /// Says hello over `reader`/`writer` and starts the reader and writer tasks.
    pub async fn open<R, W>(
        mut reader: R,
        mut writer: W,
        info: ClientInfo,
    ) -> Result<Link, ClientError>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let version = crate::protocol::announced_version();
        let hello = Hello {
            version,
            build: BUILD.to_owned(),
            client: info,
        };
        writer
            .write_all(&frame::encode(&hello, MAX_COMMAND_FRAME)?)
            .await?;
        writer.flush().await?;
        let mut decoder = FrameDecoder::new(MAX_NOTIFICATION_FRAME);
        let reply: HelloReply = tokio::time::timeout(HELLO_TIMEOUT, async {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                if let Some(body) = decoder.next_frame()? {
                    return Ok::<_, ClientError>(frame::decode(&body)?);
                }
                let n = reader.read(&mut buf).await?;
                if n == 0 {
                    return Err(ClientError::Closed(
                        super::connect::CLOSED_UNANSWERED.into(),
                    ));
                }
                decoder.push(&buf[..n]);
            }
        })
        .await
        .map_err(|_| ClientError::Closed(format!(" (no answer within {HELLO_TIMEOUT:?})")))??;
        if let Some(why) = reply.refused.clone() {
            return Err(ClientError::Mismatch(why));
        }
        if reply.version != version {
            return Err(ClientError::Mismatch(crate::protocol::mismatch_message(
                (version, BUILD),
                (reply.version, &reply.build),
            )));
        }
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (notification_tx, notifications) = mpsc::channel(NOTIFICATION_QUEUE);
        let writer = tokio::spawn(write_commands(writer, command_rx));
        tokio::spawn(read_notifications(reader, decoder, notification_tx));
        Ok(Link {
            server: reply,
            commands,
            notifications,
            writer,
        })
    }

    /// A link to this store's server over `stream` (from [`super::connect_or_start`]). A
    /// server that ends while we connect (killed, crashed, stopping) resets the connection or
    /// closes it unanswered; then the server is looked for, or started, once more.
    pub async fn local(
        context: &crate::cli::Context,
        stream: std::os::unix::net::UnixStream,
        info: ClientInfo,
    ) -> Result<Link, ClientError> {
        match Self::over_socket(stream, info.clone()).await {
            Err(error) if error.server_went_away() => {
                tracing::debug!(%error, "the server went away while we connected; once more");
                let stream = super::connect_or_start(context)?;
                Self::over_socket(stream, info).await
            }
            other => other,
        }
    }

    /// Opens a link over a connected Unix socket.
    pub async fn over_socket(
        stream: std::os::unix::net::UnixStream,
        info: ClientInfo,
    ) -> Result<Link, ClientError> {
        stream.set_nonblocking(true)?;
        let stream = tokio::net::UnixStream::from_std(stream)?;
        let (reader, writer) = stream.into_split();
        Self::open(reader, writer, info).await
    }

    /// Waits (briefly) until every command sent is written, then closes.
    pub async fn close(self) {
        let Link {
            commands, writer, ..
        } = self;
        drop(commands);
        let _ = tokio::time::timeout(FLUSH_TIMEOUT, writer).await;
    }

    /// Sends one command and returns the first notification `pick` accepts (headless
    /// requests such as `server status`).
    pub async fn request<T>(
        &mut self,
        command: Command,
        mut pick: impl FnMut(Notification) -> Option<T>,
    ) -> Result<T, ClientError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| ClientError::Closed(String::new()))?;
        while let Some(notification) = self.notifications.recv().await {
            if let Some(found) = pick(notification) {
                return Ok(found);
            }
        }
        Err(ClientError::Closed(String::new()))
    }
}

async fn write_commands<W: AsyncWrite + Unpin>(mut writer: W, mut rx: mpsc::Receiver<Command>) {
    let mut bytes = Vec::new();
    while let Some(first) = rx.recv().await {
        bytes.clear();
        let mut next = Some(first);
        while let Some(command) = next {
            match frame::encode(&command, MAX_COMMAND_FRAME) {
                Ok(frame) => bytes.extend_from_slice(&frame),
                Err(err) => tracing::warn!(%err, "cannot encode a command"),
            }
            next = rx.try_recv().ok();
        }
        if writer.write_all(&bytes).await.is_err() || writer.flush().await.is_err() {
            return;
        }
    }
    let _ = writer.shutdown().await;
}

async fn read_notifications<R: AsyncRead + Unpin>(
    mut reader: R,
    mut decoder: FrameDecoder,
    tx: mpsc::Sender<Notification>,
) {
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        loop {
            match decoder.next_frame() {
                Ok(Some(body)) => match frame::decode::<Notification>(&body) {
                    Ok(notification) => {
                        if tx.send(notification).await.is_err() {
                            return;
                        }
                    }
                    Err(err) => tracing::warn!(%err, "skipped a notification"),
                },
                Ok(None) => break,
                Err(err) => {
                    tracing::warn!(%err, "the server's stream is out of step");
                    return;
                }
            }
        }
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => decoder.push(&buf[..n]),
        }
    }
}
