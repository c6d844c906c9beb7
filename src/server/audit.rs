//! The store's MCP log: every tool call a `switchboard mcp` process served, one `mcp.call`
//! event each, in one session of kind `mcp` per store ([`LOG`]). The server is its only
//! writer (as for the task board's log): MCP processes send [`crate::protocol::Command::RecordCall`]
//! and the core hands the record to a writer task here, so the core never waits on the disk.

use tokio::sync::mpsc;

use crate::event::{EventKind, McpCall, SessionCreated, SessionKind};
use crate::ids::SessionId;
use crate::store::{Store, StoreError};

/// The session holding the MCP log: one per store, a fixed id (a UUIDv7 of time zero ending in
/// "mcplog", so it sorts with the task board's log among the oldest and never crowds the
/// newest-first lists).
pub const LOG: SessionId = SessionId(0x0000_0000_0000_7000_8000_6d63_706c_6f67);

/// Records that may wait for the store: each is one tool call that already did real work, so
/// a thousand waiting means the store is stuck; past that a record is dropped with a warning
/// rather than making the core wait.
const QUEUE: usize = 1024;

/// The core's handle on the log's writer task.
#[derive(Debug)]
pub struct AuditLog {
    tx: mpsc::Sender<McpCall>,
}

impl AuditLog {
    /// Starts the writer task (needs a tokio runtime).
    pub fn start(store: Store) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write_log(store, rx));
        Self { tx }
    }

    /// Queues a call's record.
    pub fn record(&self, call: McpCall) {
        if let Err(error) = self.tx.try_send(call) {
            tracing::warn!(%error, "an MCP call was not recorded: the log's writer is behind");
        }
    }
}

/// Writes records in order, each batch durable before the next; the log's `session.created`
/// comes first when the store has no log yet.
async fn write_log(store: Store, mut rx: mpsc::Receiver<McpCall>) {
    let mut exists = false;
    while let Some(first) = rx.recv().await {
        let mut kinds = Vec::new();
        if !exists {
            match has_log(&store).await {
                Ok(true) => {}
                Ok(false) => kinds.push(EventKind::SessionCreated(SessionCreated {
                    kind: SessionKind::Mcp,
                    title: Some("MCP calls".into()),
                    cwd: "/".into(),
                    command: None,
                    model: None,
                    owner: None,
                })),
                Err(error) => {
                    tracing::error!(%error, "cannot read the MCP log; a call goes unrecorded");
                    continue;
                }
            }
            exists = true;
        }
        kinds.push(EventKind::McpCall(Box::new(first)));
        while let Ok(more) = rx.try_recv() {
            kinds.push(EventKind::McpCall(Box::new(more)));
        }
        let result = match store.append_async(LOG, kinds).await {
            Ok(pending) => pending.durable().await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(error) = result {
            tracing::error!(%error, "cannot record an MCP call");
        }
    }
}

async fn has_log(store: &Store) -> Result<bool, StoreError> {
    let store = store.clone();
    let found = tokio::task::spawn_blocking(move || match store.meta(LOG) {
        Ok(_) => Ok(true),
        Err(StoreError::MissingSession(_)) => Ok(false),
        Err(error) => Err(error),
    })
    .await;
    found.unwrap_or_else(|e| Err(StoreError::Io(format!("a background task failed: {e}"))))
}
