//! The native agent: one session's turn loop. A user message is streamed to the model; the
//! function calls of a response run (after approval) as `shell` commands in a PTY and their
//! outputs go back; that repeats until a response has no calls. Every step is an event in the
//! store, and the owner (the workstation, `switchboard exec`) sees each event as it is queued.
//!
//! ```text
//! Agent::create / Agent::resume ──▶ Agent::spawn ──▶ RunningAgent { handle, updates, task }
//!   handle.submit(text)      starts a turn (queued while one runs)
//!   handle.decide(id, d)     answers an ApprovalNeeded
//!   handle.interrupt()       Esc: drops the stream, kills the command, ends the turn
//!   updates.recv()           AgentUpdate::{Event, ApprovalNeeded, TurnFinished}
//! ```
//!
//! | file | owns |
//! |---|---|
//! | [`approval`] | policies, the known-safe lists, session rules (pure) |
//! | `turn.rs` | the loop: stream, collect calls, the turn's end and snapshot |
//! | `compact.rs` | compaction before a request when the conversation outgrows `compact_at` |
//! | `call.rs` | one call: checks, approval, execution in a PTY, its events |
//! | `recorder.rs` | store + owner + projections in one call; delta/output coalescing |
//! | `inbox.rs` | what the owner sends; what a turn acts on at once and what waits |
//! | [`shell`] | `bash -lc` in a PTY: workdir, timeout, process-group kill |
//! | [`output`] | how much of a call's output is stored |
//!
//! `docs/AGENT.md` has the exact event sequence, the approval lists and the shell limits.

pub mod approval;
mod call;
mod compact;
mod inbox;
pub mod output;
mod recorder;
pub mod shell;
mod turn;

use std::path::{Path, PathBuf};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use approval::{ApprovalDecision, ApprovalPolicy, SessionRules, Verdict};

use crate::event::{
    Event, EventKind, SessionCreated, SessionKind, SessionOwned, SessionWorktree, TurnOutcome,
    Usage,
};
use crate::ids::{Seq, SessionId, Timestamp};
use crate::model::conversation::{DEFAULT_COMPACT_AT, summary_budget};
use crate::model::{Conversation, ResponsesClient};
use crate::process::ProcessOwner;
use crate::session::SessionState;
use crate::store::{Store, StoreError};
use crate::workspace::Worktree;
use inbox::{Control, Inbox};
use recorder::{Projections, Recorder};

/// The system text sent with every request unless the owner gives its own.
pub const DEFAULT_INSTRUCTIONS: &str = "You are a coding agent working in a software project. \
Use the `shell` tool to inspect files, run commands, build and test; commands run with \
`bash -lc` in the project's directory and may need the user's approval. Keep answers short \
and say what you changed.";

/// Why this value: updates waiting for the owner before the agent waits for it (back-pressure,
/// never unbounded memory); a UI drains the queue every frame, so 1,024 is seconds of stream.
const UPDATE_QUEUE: usize = 1024;

/// How an agent talks to the model and who may approve its commands.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub client: ResponsesClient,
    pub policy: ApprovalPolicy,
    /// The request's `instructions` (system text).
    pub instructions: Option<String>,
    /// Set when nobody can answer approval requests (headless `exec`): a command that would
    /// need approval is denied by the policy, and this text is added to the reason the model
    /// reads.
    pub unattended: Option<String>,
    /// Run commands in a login shell (`bash -lc`, the default) so the user's profile sets up
    /// PATH (pyenv, nvm, cargo…) as in their terminal; `false` runs `bash -c`, which is
    /// faster and independent of the profile (tests).
    pub login_shell: bool,
    /// A JSON schema the final message must match, sent as the request's strict
    /// `text.format` (`exec --output-schema`).
    pub output_schema: Option<serde_json::Value>,
    /// The request's `reasoning.effort` (`minimal`, `low`, `medium`, `high`…); `None` leaves it
    /// to the model.
    pub reasoning_effort: Option<String>,
    /// Compact the conversation when it is estimated (or reported) to exceed this many tokens
    /// (`[model] compact_at`); `None` never compacts.
    pub compact_at: Option<u64>,
}

impl AgentConfig {
    /// The default policy (`on-request`), [`DEFAULT_INSTRUCTIONS`], an owner who answers.
    pub fn new(client: ResponsesClient) -> Self {
        Self {
            client,
            policy: ApprovalPolicy::default(),
            instructions: Some(DEFAULT_INSTRUCTIONS.to_owned()),
            unattended: None,
            login_shell: true,
            output_schema: None,
            reasoning_effort: None,
            compact_at: Some(DEFAULT_COMPACT_AT),
        }
    }
}

/// What the agent tells its owner, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentUpdate {
    /// An event exactly as the store keeps it (seq, time and kind), sent right after it was
    /// queued for append: folding these with `session::reduce` gives what a replay gives.
    Event(Event),
    /// A command waits for the owner's decision ([`AgentHandle::decide`] with this `call_id`).
    ApprovalNeeded {
        call_id: String,
        command: String,
        /// The directory it would run in.
        cwd: String,
        /// Why it is not known-safe.
        reason: String,
    },
    /// The turn is over and all of its events are durable.
    TurnFinished {
        turn: u32,
        outcome: TurnOutcome,
        /// What went wrong (failed turns), as recorded in `turn.ended`.
        error: Option<String>,
        /// Tokens of every response in the turn.
        usage: Usage,
        /// The last assistant message of the turn.
        final_message: Option<String>,
        /// The worktree snapshot recorded at the end of the turn.
        commit: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("session {session} is a {kind} session, not a native agent session")]
    NotAnAgent {
        session: SessionId,
        kind: &'static str,
    },
    #[error(
        "session {session} is driven by another live process (pid {pid}); continue it there or stop that process first"
    )]
    Busy { session: SessionId, pid: u32 },
}

/// One native session's agent: its settings and everything it folded from the session.
#[derive(Debug)]
pub struct Agent {
    config: AgentConfig,
    rec: Recorder,
}

impl Agent {
    /// A new native session working in `cwd`, owned by this process. With a `worktree` the
    /// session records it (`session.worktree`), runs its commands there and snapshots it at
    /// the end of every turn.
    pub async fn create(
        store: Store,
        config: AgentConfig,
        cwd: &Path,
        worktree: Option<&Worktree>,
        title: Option<String>,
    ) -> Result<Self, AgentError> {
        Self::create_as(store, SessionId::new(), config, cwd, worktree, title).await
    }

    /// [`Self::create`] with the session's id chosen by the caller (a slot named before its
    /// first prompt).
    pub async fn create_as(
        store: Store,
        session: SessionId,
        config: AgentConfig,
        cwd: &Path,
        worktree: Option<&Worktree>,
        title: Option<String>,
    ) -> Result<Self, AgentError> {
        let mut kinds = vec![EventKind::SessionCreated(SessionCreated {
            kind: SessionKind::Agent,
            title,
            cwd: cwd.display().to_string(),
            command: None,
            model: Some(config.client.settings().model.clone()),
            owner: Some(ProcessOwner::current()),
        })];
        if let Some(worktree) = worktree {
            kinds.push(EventKind::SessionWorktree(worktree_event(worktree)));
        }
        let at = Timestamp::now();
        store
            .append_at_async(session, at, kinds.clone())
            .await?
            .durable()
            .await?;
        let mut projections = Projections::default();
        for (index, kind) in kinds.into_iter().enumerate() {
            projections.fold(&Event {
                session,
                seq: Seq(index as u64 + 1),
                at,
                kind,
            });
        }
        Ok(Self {
            config,
            rec: Recorder::new(store, session, projections),
        })
    }

    /// Continues a stored native session: its state from the latest checkpoint, its
    /// conversation and session rules from the store's projection (calls left open by a crash
    /// are closed) — what it costs depends on the conversation since its latest compaction, not
    /// on the session's length — and this process takes ownership (`session.owned`). Refused
    /// while another live process holds it.
    ///
    /// The conversation is read while `session.owned` is being made durable: the read is the
    /// larger part of a resume and the commit's fsync is a wait, so they overlap.
    pub async fn resume(
        store: Store,
        session: SessionId,
        config: AgentConfig,
    ) -> Result<Self, AgentError> {
        let reader = store.clone();
        let state = tokio::task::spawn_blocking(move || reader.resume(session))
            .await
            .map_err(|e| StoreError::Io(format!("reading the session failed: {e}")))??
            .state;
        if state.kind != SessionKind::Agent {
            return Err(AgentError::NotAnAgent {
                session,
                kind: state.kind.label(),
            });
        }
        // The lease: a live process that took the session (`session.owned`) keeps it until it
        // closes it or dies, turn or no turn, so two processes never interleave turns.
        let me = ProcessOwner::current();
        if let Some(owner) = state.owner
            && owner != me
            && owner.is_alive()
        {
            return Err(AgentError::Busy {
                session,
                pid: owner.pid,
            });
        }
        let reader = store.clone();
        let budget = config.compact_at.map(summary_budget);
        let upto = state.last_seq;
        let reading =
            tokio::task::spawn_blocking(move || reader.conversation_at(session, upto, budget));
        let projections = Projections {
            state,
            ..Projections::default()
        };
        let mut rec = Recorder::new(store, session, projections);
        let owned = EventKind::SessionOwned(SessionOwned {
            pid: me.pid,
            host: crate::process::hostname(),
            started: me.started,
        });
        rec.emit(owned.clone()).await?;
        let owned_seq = Seq(rec.next_seq().0 - 1);
        let synced = rec.sync().await;
        let stored = reading
            .await
            .map_err(|e| StoreError::Io(format!("reading the session failed: {e}")))??;
        synced?;
        rec.projections.rules = stored.session_rules();
        let mut conversation = stored.conversation;
        // The conversation is at the seq before `session.owned`; fold that in (it adds nothing).
        conversation.apply(owned_seq.0, &owned);
        // Calls of a process that is gone never finish.
        conversation.close_pending_calls();
        rec.projections.conversation = conversation;
        Ok(Self { config, rec })
    }

    pub fn session(&self) -> SessionId {
        self.rec.session()
    }

    /// The session's state, folded live (equal to a replay of the store).
    pub fn state(&self) -> &SessionState {
        &self.rec.projections.state
    }

    /// The input the next request sends (before the next user message).
    pub fn conversation(&self) -> &Conversation {
        &self.rec.projections.conversation
    }

    pub fn rules(&self) -> &SessionRules {
        &self.rec.projections.rules
    }

    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// Where commands run: the session's worktree when it has one, else its directory.
    pub fn directory(&self) -> PathBuf {
        let state = self.state();
        match &state.worktree {
            Some(worktree) => PathBuf::from(&worktree.path),
            None => PathBuf::from(&state.cwd),
        }
    }

    /// Records `events` and waits until they are durable.
    pub(crate) async fn record(&mut self, events: Vec<EventKind>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        for event in events {
            self.rec.emit(event).await?;
        }
        self.rec.sync().await
    }

    /// Gives the session a worktree (`session.worktree`): later commands run there and every
    /// turn end snapshots it.
    pub async fn attach_worktree(&mut self, worktree: &Worktree) -> Result<(), StoreError> {
        let event = EventKind::SessionWorktree(worktree_event(worktree));
        self.rec.emit(event).await?;
        self.rec.sync().await
    }

    /// Runs the agent on the current tokio runtime. It ends when every [`AgentHandle`] is
    /// dropped (a turn in progress is interrupted first); the task then gives the agent back.
    pub fn spawn(mut self) -> RunningAgent {
        let (updates_tx, updates) = mpsc::channel(UPDATE_QUEUE);
        self.rec.set_updates(updates_tx);
        let (control, control_rx) = mpsc::unbounded_channel();
        let handle = AgentHandle {
            session: self.session(),
            control,
        };
        let task = tokio::spawn(self.run(Inbox::new(control_rx)));
        RunningAgent {
            handle,
            updates,
            task,
        }
    }
}

fn worktree_event(worktree: &Worktree) -> SessionWorktree {
    SessionWorktree {
        path: worktree.path.display().to_string(),
        branch: worktree.branch.clone(),
        base: worktree.base.clone(),
        repo: worktree.repo.display().to_string(),
    }
}

/// A spawned agent: how to talk to it, what it says, and the task to join.
#[derive(Debug)]
pub struct RunningAgent {
    pub handle: AgentHandle,
    pub updates: mpsc::Receiver<AgentUpdate>,
    /// Ends (giving the agent back) once every handle is dropped.
    pub task: JoinHandle<Agent>,
}

/// The owner's side of a running agent. Cheap to clone; every method returns at once.
#[derive(Debug, Clone)]
pub struct AgentHandle {
    session: SessionId,
    control: mpsc::UnboundedSender<Control>,
}

/// The agent's task has ended (it panicked or was dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the agent has stopped")]
pub struct AgentGone;

impl AgentHandle {
    pub fn session(&self) -> SessionId {
        self.session
    }

    fn send(&self, control: Control) -> Result<(), AgentGone> {
        self.control.send(control).map_err(|_| AgentGone)
    }

    /// Starts a turn with this user message, or queues it behind the turn in progress.
    pub fn submit(&self, text: impl Into<String>) -> Result<(), AgentGone> {
        self.send(Control::Submit(text.into()))
    }

    /// Answers [`AgentUpdate::ApprovalNeeded`] for `call_id` (a stale answer is ignored).
    pub fn decide(
        &self,
        call_id: impl Into<String>,
        decision: ApprovalDecision,
    ) -> Result<(), AgentGone> {
        self.send(Control::Decide {
            call_id: call_id.into(),
            decision,
        })
    }

    /// Interrupts the turn in progress (Esc): the stream is dropped, a running command is
    /// killed, the turn ends `interrupted`. Nothing happens between turns.
    pub fn interrupt(&self) -> Result<(), AgentGone> {
        self.send(Control::Interrupt)
    }

    /// Records the session's new worktree (between turns).
    pub fn attach_worktree(&self, worktree: &Worktree) -> Result<(), AgentGone> {
        self.send(Control::AttachWorktree(worktree.clone()))
    }

    /// After the turn in progress (at once when idle): use `config` for the next turns, when
    /// given, and record `events` (a rename, new settings) as this session's writer.
    pub fn reconfigure(
        &self,
        config: Option<AgentConfig>,
        events: Vec<EventKind>,
    ) -> Result<(), AgentGone> {
        self.send(Control::Reconfigure {
            config: config.map(Box::new),
            record: events,
        })
    }
}
