//! The task runner: the server's component that owns the board. It is driven by the server
//! core — client commands, its own work finishing off the core's task ([`TaskInput`]), the
//! native agents of attempts, deadlines — and answers with [`Effect`]s the core carries out
//! (notifications, the hidden agent slot of a native attempt, approvals). Like the core it
//! never waits: git, processes and store reads run on blocking tasks that report back.
//! Board events are written by one writer task; what the runner says about a change waits
//! in an outbox until the events recording it are durable, so no client hears of a change a
//! `kill -9` could still lose.
//!
//! | file | owns |
//! |---|---|
//! | `admit.rs` | submissions: drafts checked, resolved and admitted all or nothing |
//! | `attempt.rs` | starting an attempt: worktree, session, prompt, the executor |
//! | `executors.rs` | shell, preset and Codex executors as processes, their transcripts |
//! | `finish.rs` | the result commit, validations, the next state, scheduling |
//! | `actions.rs` | approve, reject, retry, cancel, resume; native agents' updates |
//! | `reads.rs` | show, logs, evidence for clients |
//! | `writer.rs` | the writer task: board events in order, each batch durable, then reported |
//! | `outbox.rs` | effects held behind the batches before them, released in order (pure) |
//! | `release.rs` | what the outbox releases: carried out, or turned into errors if lost |

mod actions;
mod admit;
mod attempt;
mod executors;
mod finish;
mod outbox;
mod reads;
mod release;
mod writer;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::board::Board;
use super::schedule::Caps;
use crate::agent::ApprovalDecision;
use crate::event::{
    Event, EventKind, SessionCreated, SessionKind, TaskAttemptEnded, TaskState, TaskStateChanged,
    TaskValidation,
};
use crate::ids::{Seq, SessionId, TaskId, Timestamp};
use crate::protocol::tasks::{TaskCommand, TaskNotification};
use crate::protocol::{AgentOptions, Notification};
use crate::store::Store;

pub use attempt::Prepared;
pub use executors::ExecOutcome;
pub use outbox::Batch;
pub use writer::WriteError;

use outbox::Outbox;
use writer::Write;

/// A client of the server (the core's numbering).
pub type ClientId = u64;

/// How the runner is set up (from `config.toml`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub caps: Caps,
    pub worktrees_dir: PathBuf,
    pub approval: String,
    pub validation_timeout: Duration,
    pub codex: Vec<String>,
    pub presets: std::collections::BTreeMap<String, String>,
    /// Commands run in a login shell (`bash -lc`).
    pub login_shell: bool,
}

impl Settings {
    pub fn from_config(config: &crate::config::TasksConfig, worktrees_dir: PathBuf) -> Self {
        Self {
            caps: Caps {
                global: config.max_running.max(1),
                per_repo: config.max_running_per_repo.max(1),
            },
            worktrees_dir,
            approval: config.approval.clone(),
            validation_timeout: Duration::from_secs(config.validation_timeout_secs.max(1)),
            codex: config.codex.clone(),
            presets: config.commands.clone(),
            login_shell: true,
        }
    }
}

/// What the runner asks of the core.
#[derive(Debug)]
pub enum Effect {
    /// A notification for one client.
    Reply(ClientId, Notification),
    /// A notification for every workstation.
    Broadcast(Notification),
    /// A task or slot waits for a person.
    NeedsYou(String),
    /// Run a native attempt: a hidden agent slot on the (stored) session, given the prompt.
    StartAgent {
        slot: SessionId,
        cwd: String,
        worktree: crate::event::SessionWorktree,
        options: AgentOptions,
        prompt: String,
    },
    Decide {
        slot: SessionId,
        call_id: String,
        decision: ApprovalDecision,
    },
    Interrupt {
        slot: SessionId,
    },
    /// The hidden slot of a native attempt is no longer the task's.
    DropAgent {
        slot: SessionId,
    },
    /// An event of an attempt's session, for a slot that shows it.
    SessionEvent(Box<Event>),
}

/// Work the runner started off the core, finished.
#[derive(Debug)]
pub enum TaskInput {
    /// The board read from the store at start.
    Loaded(Result<Vec<Event>, crate::store::StoreError>),
    /// A submission checked against git and the config.
    Checked {
        client: ClientId,
        request: Box<crate::protocol::tasks::SubmitRequest>,
        result: Result<Vec<admit::Resolved>, admit::AdmitError>,
    },
    Prepared {
        task: TaskId,
        attempt: u32,
        result: Result<Box<Prepared>, PrepareFailure>,
    },
    Thread {
        task: TaskId,
        attempt: u32,
        thread: String,
    },
    Executed {
        task: TaskId,
        attempt: u32,
        outcome: ExecOutcome,
    },
    Recorded {
        task: TaskId,
        attempt: u32,
        ended: Box<TaskAttemptEnded>,
    },
    Validated {
        task: TaskId,
        attempt: u32,
        results: Vec<TaskValidation>,
    },
    /// An event a process executor recorded in its attempt's session.
    SessionEvent(Box<Event>),
    /// A read of an attempt's session for one client (logs, evidence), answered in order
    /// with the client's other answers.
    Read {
        client: ClientId,
        notification: Notification,
    },
    /// The writer settled a batch of board events: durable, or lost.
    Written {
        batch: Batch,
        result: Result<(), WriteError>,
    },
}

/// Why an attempt could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepareFailure {
    /// A dependency's result does not merge: the task is blocked.
    Conflict(String),
    /// Anything else: the attempt failed.
    Failed(String),
}

/// Where a live attempt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Preparing,
    Executing,
    Recording,
    Validating,
}

/// An attempt with work in flight.
#[derive(Debug)]
struct Live {
    attempt: u32,
    phase: Phase,
    cancel: super::process::Cancel,
    /// Set when a person cancelled it (the executor's end then reads as cancelled).
    cancelled: bool,
    /// A native attempt's hidden agent slot.
    slot: Option<SessionId>,
    /// A native attempt's command waiting for approval: `(call_id, command)`.
    approval: Option<(String, String)>,
    /// A native attempt's time limit.
    deadline: Option<Instant>,
    timed_out: bool,
    started: Instant,
}

/// What waits in the outbox: an effect for the core, or a process executor to start (an
/// attempt runs only once its start is on record, whatever its executor).
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "an effect goes to the core as it is; boxing it would add an allocation per effect to shrink a queue that is mostly empty"
)]
enum Held {
    Effect(Effect),
    Run(Box<executors::Job>),
}

pub struct Runner {
    store: Store,
    settings: Settings,
    inputs: mpsc::Sender<crate::server::core::Input>,
    board: Board,
    /// The board is loaded; commands that arrive before wait in `early`.
    ready: bool,
    /// Commands received while the board was loading, answered in order once it is.
    early: Vec<(ClientId, TaskCommand)>,
    next_seq: u64,
    writer: mpsc::UnboundedSender<Write>,
    live: HashMap<TaskId, Live>,
    /// Clients following tasks (`--wait`).
    watchers: Vec<(ClientId, Vec<TaskId>)>,
    /// How native attempts of a task reach the model (from the submitting client; memory
    /// only, never stored: it may hold a key).
    agents: HashMap<TaskId, AgentOptions>,
    /// What the runner said, held until the board events before it are durable.
    outbox: Outbox<Held>,
    /// Set once a batch was lost: the board in memory is then ahead of the store, so it
    /// starts nothing and answers nothing until a restart reloads it.
    lost: Option<WriteError>,
    /// Released by the outbox, for the core.
    effects: Vec<Effect>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("tasks", &self.board.len())
            .field("live", &self.live.len())
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// A runner for `store`; reads the board off the task (then [`TaskInput::Loaded`]).
    /// Needs a tokio runtime.
    pub fn new(
        store: Store,
        settings: Settings,
        inputs: mpsc::Sender<crate::server::core::Input>,
    ) -> Self {
        let (writer, rx) = mpsc::unbounded_channel();
        tokio::spawn(writer::write_board(store.clone(), rx, inputs.clone()));
        let reader = store.clone();
        let loaded = inputs.clone();
        tokio::task::spawn_blocking(move || {
            let events = match reader.meta(super::BOARD) {
                Ok(_) => reader.events(super::BOARD),
                Err(crate::store::StoreError::MissingSession(_)) => Ok(Vec::new()),
                Err(e) => Err(e),
            };
            let _ =
                loaded.blocking_send(crate::server::core::Input::Task(TaskInput::Loaded(events)));
        });
        Self {
            store,
            settings,
            inputs,
            board: Board::new(),
            ready: false,
            early: Vec::new(),
            next_seq: 1,
            writer,
            live: HashMap::new(),
            watchers: Vec::new(),
            agents: HashMap::new(),
            outbox: Outbox::default(),
            lost: None,
            effects: Vec::new(),
        }
    }

    pub fn board(&self) -> &Board {
        &self.board
    }

    /// Whether an attempt's work or a board write is in flight (the server must not leave
    /// idle).
    pub fn is_busy(&self) -> bool {
        !self.live.is_empty() || self.outbox.in_flight()
    }

    /// The next time [`Self::tick`] has something to do.
    pub fn deadline(&self) -> Option<Instant> {
        self.live
            .values()
            .filter(|l| !l.timed_out)
            .filter_map(|l| l.deadline)
            .min()
    }

    /// What every workstation gets at attach: the whole board.
    pub fn board_notification(&self) -> Notification {
        Notification::Task(TaskNotification::Board(super::view::summaries(&self.board)))
    }

    /// A client's command.
    pub fn command(&mut self, client: ClientId, command: TaskCommand) -> Vec<Effect> {
        if !self.ready {
            // A client that starts the server submits at once; it waits for the board
            // rather than being told to try again.
            self.early.push((client, command));
            return self.take();
        }
        if let Some(error) = &self.lost {
            let error = error.to_string();
            self.refuse(client, error);
            return self.take();
        }
        self.answer(client, command);
        self.take()
    }

    fn answer(&mut self, client: ClientId, command: TaskCommand) {
        match command {
            TaskCommand::Submit(request) => self.submit(client, *request),
            TaskCommand::List => self.push(Effect::Reply(client, self.board_notification())),
            TaskCommand::Show { id } => self.show(client, &id),
            TaskCommand::Logs { id, attempt } => self.logs(client, &id, attempt),
            TaskCommand::Evidence { id, attempt } => self.evidence(client, &id, attempt),
            TaskCommand::Act { id, action } => self.act(client, &id, action),
        }
    }

    /// Work of the runner's finished.
    pub fn input(&mut self, input: TaskInput) -> Vec<Effect> {
        match input {
            TaskInput::Loaded(result) => self.loaded(result),
            TaskInput::Checked {
                client,
                request,
                result,
            } => self.checked(client, *request, result),
            TaskInput::Prepared {
                task,
                attempt,
                result,
            } => self.prepared(task, attempt, result),
            TaskInput::Thread {
                task,
                attempt,
                thread,
            } => self.emit(EventKind::TaskThread(crate::event::TaskThread {
                task,
                attempt,
                thread,
            })),
            TaskInput::Executed {
                task,
                attempt,
                outcome,
            } => self.executed(task, attempt, outcome),
            TaskInput::Recorded {
                task,
                attempt,
                ended,
            } => self.recorded(task, attempt, *ended),
            TaskInput::Validated {
                task,
                attempt,
                results,
            } => self.validated(task, attempt, results),
            TaskInput::SessionEvent(event) => self.push(Effect::SessionEvent(event)),
            TaskInput::Read {
                client,
                notification,
            } => self.push(Effect::Reply(client, notification)),
            TaskInput::Written { batch, result } => self.written(batch, result),
        }
        self.take()
    }

    /// A client left: it follows nothing any more.
    pub fn detached(&mut self, client: ClientId) {
        self.watchers.retain(|(c, _)| *c != client);
    }

    /// Deadlines passed: native attempts past their timeout are interrupted.
    pub fn tick(&mut self, now: Instant) -> Vec<Effect> {
        let mut due = Vec::new();
        for live in self.live.values_mut() {
            if !live.timed_out && live.deadline.is_some_and(|d| d <= now) {
                live.timed_out = true;
                due.extend(live.slot);
            }
        }
        for slot in due {
            self.push(Effect::Interrupt { slot });
        }
        self.take()
    }

    /// The server stops: every attempt in flight is stopped and recorded as interrupted
    /// (its worktree kept, so `task resume` continues it). The returned task finishes once
    /// every board write queued before it has been reported (the core then has the news of
    /// the interruptions, released by those reports, before it says goodbye).
    pub fn stop(&mut self) -> tokio::task::JoinHandle<()> {
        let ids: Vec<TaskId> = self.live.keys().copied().collect();
        for id in ids {
            if let Some(live) = self.live.remove(&id) {
                live.cancel.cancel();
                if let Some(slot) = live.slot {
                    self.push(Effect::DropAgent { slot });
                }
                self.set_state(
                    id,
                    TaskState::Interrupted,
                    Some(format!(
                        "the server stopped during attempt {}; its worktree is kept: `task resume` continues it",
                        live.attempt
                    )),
                    "server stop",
                );
            }
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let _ = self.writer.send(Write::Flush(tx));
        tokio::spawn(async move {
            let _ = rx.await;
        })
    }

    fn refuse(&mut self, client: ClientId, error: String) {
        self.push(Effect::Reply(
            client,
            Notification::Task(TaskNotification::Refused { error }),
        ));
    }

    fn loaded(&mut self, result: Result<Vec<Event>, crate::store::StoreError>) {
        let events = match result {
            Ok(events) => events,
            Err(error) => {
                tracing::error!(%error, "cannot read the task board");
                for (client, _) in std::mem::take(&mut self.early) {
                    self.refuse(client, format!("cannot read the task board: {error}"));
                }
                self.push(Effect::Broadcast(Notification::Notice {
                    text: format!("cannot read the task board: {error}"),
                    failure: Some(crate::protocol::Scope::Store),
                }));
                return;
            }
        };
        self.board = Board::replay(&events);
        self.next_seq = events.last().map_or(1, |e| e.seq.0 + 1);
        self.ready = true;
        if events.is_empty() {
            self.emit(EventKind::SessionCreated(SessionCreated {
                kind: SessionKind::Tasks,
                title: Some("task board".into()),
                cwd: "/".into(),
                command: None,
                model: None,
                owner: None,
            }));
        }
        self.reconcile();
        for (client, command) in std::mem::take(&mut self.early) {
            self.answer(client, command);
        }
        self.schedule();
    }

    /// Startup reconciliation: attempts that were running when the last server ended are
    /// interrupted, their worktrees kept.
    fn reconcile(&mut self) {
        let stale: Vec<(TaskId, Option<u32>, Option<String>)> = self
            .board
            .tasks()
            .iter()
            .filter(|t| t.is_active())
            .map(|t| {
                let last = t.last_attempt();
                (
                    t.id,
                    last.map(|a| a.number),
                    last.map(|a| a.worktree.clone()),
                )
            })
            .collect();
        for (id, attempt, worktree) in stale {
            let note = match (attempt, worktree) {
                (Some(n), Some(path)) => format!(
                    "the server ended while attempt {n} ran; its worktree {path} is kept: `task resume` continues it"
                ),
                _ => "the server ended while the task started".to_owned(),
            };
            self.set_state(id, TaskState::Interrupted, Some(note), "server start");
        }
    }

    /// Appends board events (in order) and folds them into the board at once.
    fn emit(&mut self, kind: EventKind) {
        self.emit_all(vec![kind]);
    }

    fn emit_all(&mut self, kinds: Vec<EventKind>) {
        if kinds.is_empty() {
            return;
        }
        let at = Timestamp::now();
        for kind in &kinds {
            let event = Event {
                session: super::BOARD,
                seq: Seq(self.next_seq),
                at,
                kind: kind.clone(),
            };
            self.next_seq += 1;
            self.board.apply(&event);
        }
        let batch = self.outbox.next_batch();
        if self.writer.send(Write::Append(batch, at, kinds)).is_err() {
            // No report will come: what waits for this batch fails now rather than never.
            self.written(batch, Err(WriteError::WriterGone));
        }
    }

    /// Records a state change and tells whoever follows the task.
    fn set_state(&mut self, id: TaskId, state: TaskState, note: Option<String>, by: &str) {
        let attempt = self
            .board
            .get(id)
            .and_then(|t| t.last_attempt())
            .map(|a| a.number);
        self.emit(EventKind::TaskState(TaskStateChanged {
            task: id.to_string(),
            state,
            note: note.clone(),
            by: Some(by.to_owned()),
            attempt,
        }));
        self.changed(id);
        let needs_person = matches!(state, TaskState::AwaitingApproval | TaskState::Interrupted)
            || state.is_failure();
        if needs_person && let Some(task) = self.board.get(id) {
            let text = format!(
                "task {} is {}{}",
                task.label(),
                state.label().replace('_', " "),
                note.map(|n| format!(": {n}")).unwrap_or_default()
            );
            self.push(Effect::NeedsYou(text));
        }
    }

    /// Sends a task's summary to every workstation and its followers.
    fn changed(&mut self, id: TaskId) {
        let Some(task) = self.board.get(id) else {
            return;
        };
        let notification = Notification::Task(TaskNotification::Changed(Box::new(
            super::view::TaskSummary::of(task),
        )));
        let followers: Vec<ClientId> = self
            .watchers
            .iter()
            .filter(|(_, tasks)| tasks.contains(&id))
            .map(|(client, _)| *client)
            .collect();
        for client in followers {
            self.push(Effect::Reply(client, notification.clone()));
        }
        self.push(Effect::Broadcast(notification));
    }
}
