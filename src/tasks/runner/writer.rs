//! The board's writer: one task that appends board events in order, waits for each batch to
//! be durable and tells the core (`TaskInput::Written`), which releases what the runner held
//! behind that batch (see `outbox.rs`).

use tokio::sync::{mpsc, oneshot};

use super::TaskInput;
use super::outbox::Batch;
use crate::event::EventKind;
use crate::ids::Timestamp;
use crate::server::core::Input;
use crate::store::{Store, StoreError};

/// What the runner asks of the writer, in the board's order.
#[derive(Debug)]
pub(super) enum Write {
    Append(Batch, Timestamp, Vec<EventKind>),
    /// Answered once everything queued before it has been reported.
    Flush(oneshot::Sender<()>),
}

/// Why a batch of board events was not recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("the task board could not record the change: {0}")]
    Store(String),
    /// Writing later batches after a lost one would leave a later change durable without an
    /// earlier one: the log would no longer be the board's history.
    #[error(
        "the task board stopped recording after a change was lost ({0}); restart the server to reload it from the store"
    )]
    Stopped(String),
    #[error("the task board's writer is gone")]
    WriterGone,
}

impl From<StoreError> for WriteError {
    fn from(error: StoreError) -> Self {
        Self::Store(error.to_string())
    }
}

/// Writes board events in order; each batch waits for its commit before the next is queued,
/// so a crash never leaves a later change durable without an earlier one. After a failed
/// batch nothing more is written, for the same reason.
pub(super) async fn write_board(
    store: Store,
    mut rx: mpsc::UnboundedReceiver<Write>,
    inputs: mpsc::Sender<Input>,
) {
    let mut lost: Option<String> = None;
    while let Some(write) = rx.recv().await {
        match write {
            Write::Append(batch, at, kinds) => {
                let result = match &lost {
                    Some(why) => Err(WriteError::Stopped(why.clone())),
                    None => append(&store, at, kinds).await,
                };
                if let Err(error) = &result
                    && lost.is_none()
                {
                    tracing::error!(%error, "cannot record a task event");
                    lost = Some(error.to_string());
                }
                // The core gone means the server is leaving: nobody is left to tell.
                let _ = inputs
                    .send(Input::Task(TaskInput::Written { batch, result }))
                    .await;
            }
            Write::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}

async fn append(store: &Store, at: Timestamp, kinds: Vec<EventKind>) -> Result<(), WriteError> {
    let pending = store
        .append_at_async(crate::tasks::BOARD, at, kinds)
        .await?;
    pending.durable().await?;
    Ok(())
}
