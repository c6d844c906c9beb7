//! One client connection: check the peer, read its hello, answer it, then forward its
//! commands to the core (keystrokes for panes go straight to the program) while a writer task
//! sends it notifications. A malformed or oversized frame closes this connection only.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::core::{CLIENT_QUEUE, ClientId, ClientOut, Input, Outgoing, PaneDirectory};
use crate::protocol::frame::{self, FrameDecoder};
use crate::protocol::{
    BUILD, Command, Hello, HelloReply, MAX_COMMAND_FRAME, MAX_NOTIFICATION_FRAME,
};

/// How long a new connection may take to say hello before it is dropped: generous for an
/// ssh-forwarded client, short enough that a stray connection holds nothing for long.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes read from a client per call.
const READ_CHUNK: usize = 64 * 1024;

/// Why a connection ended early.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    #[error("no hello within {0:?}")]
    NoHello(Duration),
    #[error("closed before its hello")]
    ClosedEarly,
    #[error(transparent)]
    Frame(#[from] frame::FrameError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads the first whole frame (the hello) from `reader`.
async fn read_hello<R: AsyncRead + Unpin>(
    reader: &mut R,
    decoder: &mut FrameDecoder,
) -> Result<Hello, ConnError> {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        if let Some(body) = decoder.next_frame()? {
            return Ok(frame::decode(&body)?);
        }
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Err(ConnError::ClosedEarly);
        }
        decoder.push(&buf[..n]);
    }
}

/// Serves one connection until it closes.
pub async fn serve<R, W>(
    client: ClientId,
    mut reader: R,
    mut writer: W,
    inputs: mpsc::Sender<Input>,
    panes: PaneDirectory,
    version: u32,
) -> Result<(), ConnError>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let mut decoder = FrameDecoder::new(MAX_COMMAND_FRAME);
    let hello = tokio::time::timeout(HELLO_TIMEOUT, read_hello(&mut reader, &mut decoder))
        .await
        .map_err(|_| ConnError::NoHello(HELLO_TIMEOUT))??;
    let refused = (hello.version != version).then(|| {
        crate::protocol::mismatch_message((hello.version, &hello.build), (version, BUILD))
    });
    let reply = HelloReply {
        version,
        build: BUILD.to_owned(),
        pid: std::process::id(),
        refused: refused.clone(),
    };
    writer
        .write_all(&frame::encode(&reply, MAX_NOTIFICATION_FRAME)?)
        .await?;
    writer.flush().await?;
    if let Some(why) = refused {
        tracing::info!(client, "refused a client: {why}");
        return Ok(());
    }
    let (tx, rx) = mpsc::channel(CLIENT_QUEUE);
    let frames_busy = Arc::new(AtomicBool::new(false));
    let out = ClientOut {
        tx,
        frames_busy: Arc::clone(&frames_busy),
    };
    let writer_task = tokio::spawn(write_loop(client, writer, rx, frames_busy, inputs.clone()));
    if inputs
        .send(Input::Attached {
            client,
            info: hello.client,
            out,
        })
        .await
        .is_err()
    {
        return Ok(());
    }
    let result = read_loop(client, &mut reader, decoder, &inputs, &panes).await;
    let _ = inputs.send(Input::Detached { client }).await;
    writer_task.abort();
    result
}

async fn read_loop<R: AsyncRead + Unpin>(
    client: ClientId,
    reader: &mut R,
    mut decoder: FrameDecoder,
    inputs: &mpsc::Sender<Input>,
    panes: &PaneDirectory,
) -> Result<(), ConnError> {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        while let Some(body) = decoder.next_frame()? {
            let command: Command = frame::decode(&body)?;
            if let Command::WritePane { slot, bytes } = &command {
                // Straight to the program: a keystroke never waits behind the core.
                let pane = panes.read().get(slot).cloned();
                if let Some(pane) = pane
                    && pane.write(bytes).is_ok()
                {
                    let _ = inputs
                        .send(Input::Typed {
                            client,
                            slot: *slot,
                        })
                        .await;
                    continue;
                }
            }
            if inputs
                .send(Input::Command { client, command })
                .await
                .is_err()
            {
                return Ok(());
            }
        }
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        decoder.push(&buf[..n]);
    }
}

async fn write_loop<W: AsyncWrite + Unpin>(
    client: ClientId,
    mut writer: W,
    mut rx: mpsc::Receiver<Outgoing>,
    frames_busy: Arc<AtomicBool>,
    inputs: mpsc::Sender<Input>,
) {
    let mut bytes = Vec::new();
    while let Some(first) = rx.recv().await {
        // Everything queued goes out in one write.
        let mut batch = vec![first];
        while let Ok(next) = rx.try_recv() {
            batch.push(next);
        }
        bytes.clear();
        let mut frames = false;
        let mut close = false;
        for outgoing in batch {
            let notifications = match outgoing {
                Outgoing::One(n) => vec![n],
                Outgoing::Frames(ns) => {
                    frames = true;
                    ns
                }
                Outgoing::Close => {
                    close = true;
                    Vec::new()
                }
            };
            for notification in notifications {
                match frame::encode(&notification, MAX_NOTIFICATION_FRAME) {
                    Ok(frame) => bytes.extend_from_slice(&frame),
                    Err(err) => tracing::warn!(client, %err, "cannot encode a notification"),
                }
            }
        }
        if writer.write_all(&bytes).await.is_err() || writer.flush().await.is_err() {
            return;
        }
        if frames {
            frames_busy.store(false, Ordering::Release);
            let _ = inputs.send(Input::Drained { client }).await;
        }
        if close {
            let _ = writer.shutdown().await;
            return;
        }
    }
}
