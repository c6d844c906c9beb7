//! The server's heart: one task owning every slot and every attached client. Everything that
//! happens reaches it as an [`Input`] — a client's command, an agent's update, "some pane
//! changed", the result of work done off the task — and it answers by changing its state and
//! sending [`Notification`]s. It never awaits anything but its next input: store reads, git
//! and waiting for programs run on blocking tasks that report back as inputs, and a slow
//! client is never waited for (its queue is bounded; pane frames are skipped, not queued).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::frames::PaneView;
use super::models::Models;
use super::slots::SlotEntry;
use crate::agent::AgentUpdate;
use crate::ids::SessionId;
use crate::protocol::{
    ClientInfo, ClientKind, Command, Notification, Scope, SlotInfo, ViewLayout, Viewport,
};
use crate::pty::{ActivityPolicy, PaneWaker, PaneWakeups, PtySlot};
use crate::store::Store;

/// A connection's number, unique for the server's life.
pub type ClientId = u64;

/// Notifications that may wait for a client's writer before the client counts as stuck and
/// is dropped: seconds of streamed agent output. Pane frames never queue (see `frames.rs`).
pub const CLIENT_QUEUE: usize = 4096;

/// What a client's writer task is given.
#[derive(Debug)]
pub enum Outgoing {
    One(Notification),
    /// Pane frames: when written, the writer clears the client's busy flag and sends
    /// [`Input::Drained`], so the next frame is computed from the screen as it is then.
    Frames(Vec<Notification>),
    /// Write what is queued, then close.
    Close,
}

/// The core's handle on a client's writer.
#[derive(Debug, Clone)]
pub struct ClientOut {
    pub tx: mpsc::Sender<Outgoing>,
    pub frames_busy: Arc<AtomicBool>,
}

/// Panes by slot, shared with connection readers so a keystroke goes straight to its program
/// without waiting for the core.
pub type PaneDirectory = Arc<parking_lot::RwLock<HashMap<SessionId, Arc<PtySlot>>>>;

/// Work a slot's agent finished starting.
pub struct StartedAgent {
    pub running: crate::agent::RunningAgent,
    pub label: String,
    pub worktree: Option<crate::event::SessionWorktree>,
}

impl std::fmt::Debug for StartedAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartedAgent")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// Everything that can happen to the server.
#[derive(Debug)]
pub enum Input {
    Attached {
        client: ClientId,
        info: ClientInfo,
        out: ClientOut,
    },
    Command {
        client: ClientId,
        command: Command,
    },
    /// A client's keys went straight to a pane (frames of that pane go out at once).
    Typed {
        client: ClientId,
        slot: SessionId,
    },
    Detached {
        client: ClientId,
    },
    Agent {
        slot: SessionId,
        update: AgentUpdate,
    },
    AgentReady {
        slot: SessionId,
        result: Result<StartedAgent, String>,
        note: Option<String>,
    },
    /// An agent's update stream ended (its task stopped).
    AgentStopped {
        slot: SessionId,
    },
    PaneReady {
        slot: SessionId,
        result: Result<super::panes::Spawned, String>,
    },
    /// A stored session rebuilt as a slot (opened, forked, or restored at start).
    Restored {
        client: Option<ClientId>,
        entry: Box<SlotEntry>,
        /// Sent to `client` once the slot is in (a fork's news).
        forked: Option<Notification>,
    },
    /// A headless turn's session was found (or will be new).
    TurnTarget {
        client: ClientId,
        request: Box<crate::protocol::TurnRequest>,
        target: Result<super::runs::Target, String>,
    },
    /// A client's frames were written.
    Drained {
        client: ClientId,
    },
    /// Work done off the task, for one client.
    Reply {
        client: ClientId,
        notification: Notification,
    },
    /// Work done off the task, for every workstation.
    Broadcast(Notification),
    /// The stop sequence finished: leave.
    Stopped,
    /// Work the task runner started, finished.
    Task(crate::tasks::runner::TaskInput),
}

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct CoreSettings {
    pub scrollback_lines: usize,
    pub worktrees_dir: PathBuf,
    pub activity: ActivityPolicy,
    pub socket: PathBuf,
    /// Leave once no client is attached and nothing runs (after this grace, so a quick
    /// re-attach finds the server still there).
    pub idle_exit: Option<Duration>,
    /// The task board's runner.
    pub tasks: crate::tasks::runner::Settings,
    /// `config.toml`'s `notify` command (run when someone is needed).
    pub notify: Vec<String>,
}

/// One attached client.
#[derive(Debug)]
pub struct Client {
    pub info: ClientInfo,
    pub out: ClientOut,
    pub viewport: Viewport,
    pub views: HashMap<SessionId, PaneView>,
    /// When the next paced frame may go out.
    pub frame_due: Option<Instant>,
    /// The pane this client last typed into, and when.
    pub typed: Option<(SessionId, Instant)>,
}

impl Client {
    pub fn is_workstation(&self) -> bool {
        self.info.kind == ClientKind::Workstation
    }
}

pub struct Core {
    pub store: Store,
    pub settings: CoreSettings,
    pub models: Models,
    pub slots: Vec<SlotEntry>,
    pub clients: BTreeMap<ClientId, Client>,
    pub layouts: HashMap<String, ViewLayout>,
    /// Headless clients following a slot's turn (`switchboard exec`), by slot.
    pub subscribers: HashMap<SessionId, Vec<ClientId>>,
    pub last_layout: Option<ViewLayout>,
    pub inputs: mpsc::Sender<Input>,
    pub waker: PaneWaker,
    pub panes: PaneDirectory,
    /// Each pane's live view, shared between clients (see `frames.rs`).
    pub pane_rows: super::frames::PaneRows,
    pub activity_due: Option<Instant>,
    /// While some client types (until this time), only the panes typed into parse at full
    /// speed (see `apply_parse_rates`); then every focused pane gets it back.
    pub typing_until: Option<Instant>,
    /// Told to every client at attach (e.g. sessions found interrupted at start).
    pub notes: Vec<String>,
    pub started: Instant,
    pub stopping: bool,
    /// When the server became idle with no client (see [`CoreSettings::idle_exit`]).
    pub idle_since: Option<Instant>,
    /// Stopped: leave at this time (the clients' goodbyes are written by then).
    pub exit_at: Option<Instant>,
    pub done: bool,
    /// The task board (see `server/tasks.rs`).
    pub tasks: crate::tasks::Runner,
    /// The store's MCP log (see `server/audit.rs`).
    pub audit: super::audit::AuditLog,
    /// Running pane searches, to cancel (see `server/search.rs`).
    pub searches: super::search::Searches,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("slots", &self.slots.len())
            .field("clients", &self.clients.len())
            .finish_non_exhaustive()
    }
}

impl Core {
    pub fn new(
        store: Store,
        settings: CoreSettings,
        models: Models,
        inputs: mpsc::Sender<Input>,
        waker: PaneWaker,
    ) -> Self {
        let tasks =
            crate::tasks::Runner::new(store.clone(), settings.tasks.clone(), inputs.clone());
        Self {
            tasks,
            audit: super::audit::AuditLog::start(store.clone()),
            store,
            settings,
            models,
            slots: Vec::new(),
            clients: BTreeMap::new(),
            layouts: HashMap::new(),
            subscribers: HashMap::new(),
            last_layout: None,
            inputs,
            waker,
            panes: Arc::default(),
            pane_rows: Default::default(),
            activity_due: None,
            typing_until: None,
            notes: Vec::new(),
            started: Instant::now(),
            stopping: false,
            idle_since: None,
            exit_at: None,
            done: false,
            searches: Default::default(),
        }
    }

    /// Runs until the server stops (or leaves idle).
    pub async fn run(mut self, mut rx: mpsc::Receiver<Input>, wakeups: PaneWakeups) {
        let mut panes_open = true;
        while !self.done {
            let deadline = self.deadline();
            let sleep = tokio::time::sleep_until(
                deadline
                    .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600))
                    .into(),
            );
            tokio::select! {
                input = rx.recv() => match input {
                    Some(input) => self.handle(input),
                    None => break,
                },
                open = wakeups.wait(), if panes_open => {
                    panes_open = open;
                    self.panes_changed(Instant::now());
                }
                () = sleep, if deadline.is_some() => self.on_deadline(Instant::now()),
            }
        }
        tracing::info!("server core stopped");
    }

    fn deadline(&self) -> Option<Instant> {
        let frames = self.clients.values().filter_map(|c| c.frame_due).min();
        let idle = self
            .idle_since
            .zip(self.settings.idle_exit)
            .map(|(since, grace)| since + grace);
        [
            frames,
            self.activity_due,
            self.typing_until,
            idle,
            self.exit_at,
            self.tasks.deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn on_deadline(&mut self, now: Instant) {
        if self.exit_at.is_some_and(|at| at <= now) {
            self.done = true;
            return;
        }
        if self.activity_due.is_some_and(|due| due <= now) {
            self.activity_due = None;
            self.activity_tick(now);
        }
        if self.typing_until.is_some_and(|until| until <= now) {
            self.typing_until = None;
            self.apply_parse_rates(now);
        }
        self.flush_frames(now);
        let effects = self.tasks.tick(now);
        self.task_effects(effects);
        if let (Some(since), Some(grace)) = (self.idle_since, self.settings.idle_exit)
            && now >= since + grace
            && self.clients.is_empty()
            && !self.anything_live()
        {
            tracing::info!("no client and nothing running: the server leaves");
            self.done = true;
        }
    }

    pub fn handle(&mut self, input: Input) {
        match input {
            Input::Attached { client, info, out } => self.attach(client, info, out),
            Input::Command { client, command } => self.command(client, command),
            Input::Typed { client, slot } => self.typed(client, slot, Instant::now()),
            Input::Detached { client } => self.detach(client),
            Input::Agent { slot, update } => self.agent_input(slot, update),
            Input::AgentReady { slot, result, note } => self.agent_ready_input(slot, result, note),
            Input::AgentStopped { slot } => self.agent_stopped(slot),
            Input::PaneReady { slot, result } => self.pane_ready(slot, result),
            Input::TurnTarget {
                client,
                request,
                target,
            } => self.turn_target(client, *request, target),
            Input::Restored {
                client,
                entry,
                forked,
            } => self.restored(client, *entry, forked),
            Input::Drained { client } => {
                if self.clients.contains_key(&client) {
                    self.flush_frames(Instant::now());
                }
            }
            Input::Reply {
                client,
                notification,
            } => self.send(client, notification),
            Input::Broadcast(notification) => self.broadcast(notification),
            Input::Stopped => self.stopped(),
            Input::Task(input) => {
                let effects = self.tasks.input(input);
                self.task_effects(effects);
            }
        }
        self.check_idle();
    }

    fn command(&mut self, client: ClientId, command: Command) {
        if self.stopping && !matches!(command, Command::Status) {
            return;
        }
        match command {
            Command::OpenAgent {
                slot,
                name,
                worktree,
            } => self.open_agent(client, slot, name, worktree),
            Command::Submit { slot, text } => self.submit(client, slot, text),
            Command::Decide {
                slot,
                call_id,
                decision,
            } => self.decide(slot, call_id, decision),
            Command::Interrupt { slot } => self.interrupt(slot),
            Command::OpenPane {
                slot,
                command,
                size,
                worktree,
            } => self.open_pane(client, slot, command, size, worktree),
            Command::RestartPane { slot, size } => self.restart_pane(client, slot, size),
            Command::OpenSession { session } => self.open_session(client, session),
            Command::CloseSlot { slot } => self.close_slot(slot),
            Command::WritePane { slot, bytes } => self.write_pane(client, slot, &bytes),
            Command::Viewport(viewport) => self.set_viewport(client, viewport),
            Command::ScrollPane {
                slot,
                offset,
                history,
            } => self.scroll_pane(client, slot, offset, history),
            Command::LoadPaneText { slot, start, count } => {
                self.pane_text(client, slot, start, count)
            }
            Command::SearchPane(request) => self.search_pane(client, request),
            Command::CancelPaneSearch { slot } => self.cancel_search(client, slot),
            Command::LoadTranscript { slot, tail } => self.load_transcript(client, slot, tail),
            Command::LoadSessions => self.load_sessions(client),
            Command::LoadPicker => self.load_picker(client),
            Command::LoadPreview { session } => self.load_preview(client, session),
            Command::LoadTurns { session } => self.load_turns(client, session),
            Command::Fork { session, at, open } => self.fork(client, session, at, open),
            Command::RunTurn(request) => self.run_turn(client, *request),
            Command::LoadDiff { slot, source } => self.load_diff(client, slot, source),
            Command::CheckWorktree { slot } => self.check_worktree(client, slot),
            Command::RemoveWorktree { worktree, force } => {
                self.remove_worktree(client, worktree, force)
            }
            Command::SaveLayout(layout) => self.save_layout(client, layout),
            Command::DetachViewers { slot } => self.detach_viewers(slot),
            Command::Unqueue { slot, index } => self.unqueue(client, slot, index),
            Command::Configure {
                slot,
                model,
                approval,
            } => self.configure(slot, model, approval),
            Command::RenameSlot { slot, title } => self.rename(slot, title),
            Command::StopServer => self.stop(),
            Command::Resolve(lookup) => self.resolve(client, lookup),
            Command::Status => {
                let status = self.status();
                self.send(client, Notification::Status(status));
            }
            Command::Task(command) => self.task_command(client, command),
            Command::LoadSession(lookup) => self.load_session(client, lookup),
            Command::RecordCall(call) => self.audit.record(*call),
        }
    }

    fn attach(&mut self, client: ClientId, info: ClientInfo, out: ClientOut) {
        tracing::info!(client, pid = info.pid, key = %info.key, "client attached");
        let workstation = info.kind == ClientKind::Workstation;
        let model = self.models.label(&info.agents);
        let cwd = info.cwd.clone();
        let layout = self
            .layouts
            .get(&info.key)
            .cloned()
            .or_else(|| self.last_layout.clone());
        self.clients.insert(
            client,
            Client {
                info,
                out,
                viewport: Viewport::default(),
                views: HashMap::new(),
                frame_due: None,
                typed: None,
            },
        );
        self.idle_since = None;
        if !workstation {
            return;
        }
        let board = self.tasks.board_notification();
        self.send(client, board);
        let slots: Vec<SlotInfo> = self
            .slots
            .iter()
            .filter(|s| !s.hidden)
            .map(|s| s.info.clone())
            .collect();
        let notes = self.notes.clone();
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        // History and recent sessions are read off the task; the welcome goes out with them.
        tokio::task::spawn_blocking(move || {
            let welcome = super::reads::welcome(&store, slots, layout, model, &cwd, notes);
            let _ = inputs.blocking_send(Input::Reply {
                client,
                notification: Notification::Welcome(Box::new(welcome)),
            });
        });
    }

    fn detach(&mut self, client: ClientId) {
        self.unsubscribe(client);
        self.tasks.detached(client);
        self.cancel_searches_of(client);
        if let Some(gone) = self.clients.remove(&client) {
            tracing::info!(client, pid = gone.info.pid, "client detached");
            if gone.is_workstation() {
                self.apply_pane_sizes();
            }
        }
    }

    /// Sends to one client. A client whose queue is full is stuck: it is dropped (it can
    /// attach again and get everything afresh) rather than waited for.
    pub fn send(&mut self, client: ClientId, notification: Notification) {
        let Some(c) = self.clients.get(&client) else {
            return;
        };
        if let Err(mpsc::error::TrySendError::Full(_)) =
            c.out.tx.try_send(Outgoing::One(notification))
        {
            tracing::warn!(client, "client is not reading; dropping it");
            let _ = c.out.tx.try_send(Outgoing::Close);
            self.clients.remove(&client);
        }
    }

    /// Sends to every workstation.
    pub fn broadcast(&mut self, notification: Notification) {
        let targets: Vec<ClientId> = self
            .clients
            .iter()
            .filter(|(_, c)| c.is_workstation())
            .map(|(id, _)| *id)
            .collect();
        for client in targets {
            self.send(client, notification.clone());
        }
    }

    /// Tells every workstation about a failure of `scope`.
    pub fn broadcast_failure(&mut self, scope: Scope, text: String) {
        self.broadcast(Notification::Notice {
            text,
            failure: Some(scope),
        });
    }

    pub fn slot(&self, id: SessionId) -> Option<&SlotEntry> {
        self.slots.iter().find(|s| s.info.slot == id)
    }

    pub fn slot_mut(&mut self, id: SessionId) -> Option<&mut SlotEntry> {
        self.slots.iter_mut().find(|s| s.info.slot == id)
    }

    /// Tells every workstation a slot's new state (a headless run's slot is nobody's to see).
    pub fn publish(&mut self, id: SessionId) {
        if let Some(info) = self.slot(id).filter(|s| !s.hidden).map(|s| s.info.clone()) {
            self.broadcast(Notification::Slot(Box::new(info)));
        }
    }

    /// Sends a slot's news to whoever follows it: every workstation (unless the slot is a
    /// headless run's) and the headless clients subscribed to it.
    pub fn emit(&mut self, id: SessionId, notification: Notification) {
        let hidden = self.slot(id).is_some_and(|s| s.hidden);
        let followers = self.subscribers.get(&id).cloned().unwrap_or_default();
        if !hidden {
            self.broadcast(notification.clone());
        }
        for client in followers {
            self.send(client, notification.clone());
        }
    }

    /// Whether stopping now would end something: a running program, a turn in progress, a
    /// command waiting for approval, an agent starting.
    pub fn anything_live(&self) -> bool {
        self.slots.iter().any(SlotEntry::is_live) || self.tasks.is_busy()
    }

    fn check_idle(&mut self) {
        if self.clients.is_empty() && !self.anything_live() {
            self.idle_since.get_or_insert_with(Instant::now);
        } else {
            self.idle_since = None;
        }
    }

    /// Remembers the open slots for the next server (restored at its start).
    pub fn save_open_slots(&self) {
        let ids: Vec<SessionId> = self
            .slots
            .iter()
            .filter(|s| s.info.stored && !s.hidden)
            .map(|s| s.info.slot)
            .collect();
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(err) = store.set_open_slots(&ids) {
                tracing::warn!(error = %err, "cannot remember open slots");
            }
        });
    }

    fn save_layout(&mut self, client: ClientId, layout: ViewLayout) {
        let Some(c) = self.clients.get(&client) else {
            return;
        };
        self.layouts.insert(c.info.key.clone(), layout.clone());
        self.last_layout = Some(layout);
    }

    fn detach_viewers(&mut self, slot: SessionId) {
        let targets: Vec<ClientId> = self
            .clients
            .iter()
            .filter(|(_, c)| c.is_workstation() && c.viewport.focused == Some(slot))
            .map(|(id, _)| *id)
            .collect();
        for client in targets {
            self.send(
                client,
                Notification::Detached {
                    reason: "detached (everything keeps running)".into(),
                },
            );
        }
    }

    /// Frames may go out for this client again (its writer finished the last batch).
    pub fn frames_free(&self, client: ClientId) -> bool {
        self.clients
            .get(&client)
            .is_some_and(|c| !c.out.frames_busy.load(Ordering::Acquire))
    }
}
