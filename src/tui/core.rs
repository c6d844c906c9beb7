//! The core side of the UI boundary: runs store effects off the UI task and answers with
//! messages. The UI never touches the store itself.

mod agents;
mod diffs;
mod panes;
mod preview;

use std::sync::Arc;

use tokio::sync::mpsc;

pub use agents::{Agents, ModelSetup};
pub use panes::{Panes, shell_name, status_of};
pub use preview::{preview_lines, strip_ansi};

use std::collections::HashMap;

use super::app::{Effect, Msg, RecentSession};
use super::picker::{PickerRow, PickerStatus, TurnChoice};
use crate::event::SessionKind;
use crate::ids::{Seq, SessionId};
use crate::process::ProcessOwner;
use crate::store::Store;
use crate::store::StoreError;

/// Recent sessions offered in the palette.
const RECENT_SESSIONS: usize = 50;
/// Prompts loaded into composer history at start.
const HISTORY_PROMPTS: usize = 500;

#[derive(Debug, Clone)]
pub struct Core {
    store: Store,
    cwd: String,
    panes: Arc<Panes>,
    agents: Arc<Agents>,
    worktrees: Arc<WorktreeSpot>,
    wakeups: Arc<crate::pty::PaneWakeups>,
}

/// How the core is set up.
#[derive(Debug, Clone)]
pub struct CoreOptions {
    pub scrollback_lines: usize,
    pub worktrees_dir: std::path::PathBuf,
    pub model: Option<ModelSetup>,
}

/// Where slot worktrees come from: the repository the workstation runs in, and the directory
/// new worktrees go under.
#[derive(Debug)]
pub struct WorktreeSpot {
    pub repo: Option<std::path::PathBuf>,
    pub dir: std::path::PathBuf,
}

impl WorktreeSpot {
    /// A new worktree for slot `name` (a short random tail keeps names unique across runs).
    pub fn create(&self, name: &str) -> Result<crate::workspace::Worktree, String> {
        let repo = self
            .repo
            .as_ref()
            .ok_or_else(|| "not inside a git repository".to_owned())?;
        let id = SessionId::new().to_string();
        let name = format!("{name}-{}", &id[id.len() - 6..]);
        crate::workspace::create(repo, &self.dir, &name).map_err(|e| e.to_string())
    }
}

/// The event recording a worktree in its session.
pub fn worktree_event(worktree: &crate::workspace::Worktree) -> crate::event::SessionWorktree {
    crate::event::SessionWorktree {
        path: worktree.path.display().to_string(),
        branch: worktree.branch.clone(),
        base: worktree.base.clone(),
        repo: worktree.repo.display().to_string(),
    }
}

impl Core {
    pub fn new(store: Store, options: CoreOptions) -> Self {
        let cwd = std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let repo = crate::workspace::repo_root(std::path::Path::new(&cwd))
            .ok()
            .flatten();
        let (waker, wakeups) = crate::pty::pane_wakeups();
        let worktrees = Arc::new(WorktreeSpot {
            repo,
            dir: options.worktrees_dir,
        });
        Self {
            store,
            cwd,
            panes: Arc::new(Panes::new(
                waker,
                options.scrollback_lines,
                Arc::clone(&worktrees),
            )),
            agents: Arc::new(Agents::new(options.model, Arc::clone(&worktrees))),
            worktrees,
            wakeups: Arc::new(wakeups),
        }
    }

    /// Whether the workstation runs inside a git repository (slots can get worktrees).
    pub fn in_repo(&self) -> bool {
        self.worktrees.repo.is_some()
    }

    /// The coalesced "some pane changed" signal the driver waits on.
    pub fn wakeups(&self) -> Arc<crate::pty::PaneWakeups> {
        Arc::clone(&self.wakeups)
    }

    /// Applies pane sizes (one resize per pane that changed; a program gets one SIGWINCH).
    pub fn resize_panes(&self, sizes: &[(super::slots::SlotId, crate::pty::PaneSize)]) {
        for (slot, size) in sizes {
            self.panes.resize(*slot, *size);
        }
    }

    /// The slot with focus: its pane parses at full speed, the others are capped.
    pub fn focus_panes(&self, focused: Option<super::slots::SlotId>) {
        self.panes.focus(focused);
    }

    /// Stops every pane's program and running turn (the workstation is closing).
    pub fn shutdown(&self) {
        self.panes.kill_all();
        self.agents.shutdown();
    }

    /// What agents talk to, for the status line.
    pub fn model_label(&self) -> Option<String> {
        self.agents.label()
    }

    /// The sessions open in slots when the workstation last ran, with their kinds.
    pub fn open_slots(&self) -> Vec<(SessionId, SessionKind)> {
        self.store
            .open_slots()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|id| self.store.meta(id).ok().map(|meta| (id, meta.kind)))
            .collect()
    }

    /// The directory the workstation runs in.
    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    /// What the first frame needs from the store: prompt history and recent sessions. Read
    /// before the loop starts (a few milliseconds), so a key pressed at once — Up to recall the
    /// last prompt — never races the load.
    pub fn preload(&self) -> Vec<Msg> {
        let history = match self.store.recent_prompts(HISTORY_PROMPTS) {
            Ok(prompts) => Msg::HistoryLoaded(prompts),
            Err(err) => Msg::StoreFailed {
                slot: None,
                text: None,
                error: err.to_string(),
            },
        };
        vec![history, load_sessions(&self.store)]
    }

    pub fn run(&self, effect: Effect, tx: &mpsc::Sender<Msg>) {
        let store = self.store.clone();
        let tx = tx.clone();
        match effect {
            Effect::StartTurn {
                slot,
                session,
                text,
                worktree,
            } => {
                let cwd = self.cwd.clone();
                let start = agents::Start {
                    slot,
                    session,
                    cwd,
                    text,
                    worktree,
                };
                self.agents.submit(store, start, tx);
            }
            Effect::Decide {
                slot,
                call_id,
                decision,
            } => self.agents.decide(slot, call_id, decision),
            Effect::Interrupt(slot) => self.agents.interrupt(slot),
            Effect::LoadTranscript {
                slot,
                session,
                tail,
            } => {
                tokio::task::spawn_blocking(move || {
                    let msg = match transcript_tail(&store, session, tail) {
                        Ok(loaded) => Msg::TranscriptLoaded {
                            slot,
                            session,
                            title: loaded.title,
                            from: loaded.from,
                            events: loaded.events,
                        },
                        Err(err) => Msg::StoreFailed {
                            slot: Some(slot),
                            text: None,
                            error: err.to_string(),
                        },
                    };
                    let _ = tx.blocking_send(msg);
                });
            }
            Effect::LoadSessions => {
                tokio::task::spawn_blocking(move || {
                    let _ = tx.blocking_send(load_sessions(&store));
                });
            }
            Effect::LoadPicker => {
                tokio::task::spawn_blocking(move || {
                    let msg = match picker_rows(&store) {
                        Ok(rows) => Msg::PickerLoaded(rows),
                        Err(err) => store_failed(err),
                    };
                    let _ = tx.blocking_send(msg);
                });
            }
            Effect::LoadPreview(session) => {
                tokio::task::spawn_blocking(move || {
                    let lines = preview_lines(&store, session)
                        .unwrap_or_else(|err| vec![format!("no preview: {err}")]);
                    let _ = tx.blocking_send(Msg::PreviewLoaded { session, lines });
                });
            }
            Effect::LoadTurns(session) => {
                tokio::task::spawn_blocking(move || {
                    let msg = match (store.turns(session), store.meta(session)) {
                        (Ok(turns), Ok(meta)) => Msg::TurnsLoaded(TurnChoice {
                            session,
                            title: meta.title,
                            selected: turns.len().saturating_sub(1),
                            turns,
                        }),
                        (Err(err), _) | (_, Err(err)) => store_failed(err),
                    };
                    let _ = tx.blocking_send(msg);
                });
            }
            Effect::Fork { session, at } => {
                let dir = self.worktrees.dir.clone();
                tokio::task::spawn_blocking(move || {
                    let forked = crate::workspace::fork_with_code(&store, session, at, &dir);
                    let msg = match forked {
                        Ok(forked) => Msg::Forked {
                            child: forked.id,
                            title: store.meta(session).map(|m| m.title).unwrap_or_default(),
                            worktree: forked.worktree.map(|w| w.path.display().to_string()),
                        },
                        Err(err) => Msg::StoreFailed {
                            slot: None,
                            text: None,
                            error: err.to_string(),
                        },
                    };
                    let _ = tx.blocking_send(msg);
                });
            }
            Effect::SpawnPane {
                slot,
                session,
                command,
                cwd,
                size,
                preamble,
                worktree,
            } => {
                let panes = Arc::clone(&self.panes);
                tokio::task::spawn_blocking(move || {
                    let request = panes::SpawnRequest {
                        session,
                        command,
                        cwd,
                        size,
                        preamble,
                        worktree,
                    };
                    let msg = match panes.spawn(&store, slot, request) {
                        Ok(spawned) => Msg::PaneSpawned {
                            slot,
                            session: spawned.session,
                            pane: super::slots::PaneHandle::Live(spawned.pane),
                            cwd: spawned.cwd,
                            worktree: spawned.worktree,
                            note: spawned.note,
                        },
                        Err(err) => store_failed(err),
                    };
                    panes::send(&tx, msg);
                });
            }
            Effect::WritePane { slot, bytes } => {
                if let Some(error) = self.panes.write(slot, &bytes) {
                    tracing::warn!(?slot, %error, "pane input not delivered");
                }
            }
            Effect::RestorePane { slot, session } => {
                tokio::task::spawn_blocking(move || {
                    panes::send(&tx, panes::restore(&store, slot, session))
                });
            }
            Effect::KillPane(slot) => {
                self.panes.kill(slot);
                self.agents.close(slot);
            }
            Effect::CloseSession(session) => {
                tokio::spawn(async move {
                    let closed =
                        crate::event::EventKind::SessionClosed(crate::event::SessionClosed {
                            reason: Some("slot closed".into()),
                        });
                    if let Err(err) = store.append_async(session, vec![closed]).await {
                        tracing::warn!(error = %err, "cannot record a closed session");
                    }
                });
            }
            Effect::SaveOpenSlots(sessions) => {
                tokio::task::spawn_blocking(move || {
                    if let Err(err) = store.set_open_slots(&sessions) {
                        tracing::warn!(error = %err, "cannot remember open slots");
                    }
                });
            }
            Effect::LoadDiff {
                slot: _,
                session,
                worktree,
                source,
            } => {
                tokio::task::spawn_blocking(move || {
                    let (sources, files) = diffs::load(&store, session, &worktree, source);
                    let _ = tx.blocking_send(Msg::DiffLoaded {
                        source,
                        sources,
                        files,
                    });
                });
            }
            Effect::CheckWorktree { slot, worktree } => {
                tokio::task::spawn_blocking(move || {
                    let check = diffs::check(&worktree);
                    let _ = tx.blocking_send(Msg::WorktreeChecked { slot, check });
                });
            }
            Effect::RemoveWorktree { worktree, force } => {
                tokio::task::spawn_blocking(move || {
                    let (text, error) = diffs::remove(&worktree, force);
                    let _ = tx.blocking_send(Msg::Notice { text, error });
                });
            }
            Effect::Copy(_) | Effect::Suspend | Effect::Quit => {}
        }
    }
}

fn store_failed(err: StoreError) -> Msg {
    Msg::StoreFailed {
        slot: None,
        text: None,
        error: err.to_string(),
    }
}

/// Every session as a picker row, newest first. Owner liveness is checked once per owner
/// (most sessions share a handful of owners), so 10,000 sessions cost 10,000 decodes and a few
/// `/proc` reads.
pub fn picker_rows(store: &Store) -> Result<Vec<PickerRow>, StoreError> {
    let mut alive: HashMap<ProcessOwner, bool> = HashMap::new();
    Ok(store
        .sessions()?
        .iter()
        .map(|meta| {
            let live = meta
                .owner
                .is_some_and(|owner| *alive.entry(owner).or_insert_with(|| owner.is_alive()));
            PickerRow::new(meta, PickerStatus::of(meta, live), meta.branch.clone())
        })
        .collect())
}

/// The newest agent sessions, for the palette.
pub fn recent_sessions(store: &Store) -> Result<Vec<RecentSession>, crate::store::StoreError> {
    Ok(store
        .sessions()?
        .into_iter()
        .filter(|meta| meta.kind == SessionKind::Agent)
        .take(RECENT_SESSIONS)
        .map(|meta| RecentSession {
            id: meta.id,
            title: meta.title,
            kind: meta.kind,
            status: meta.status.label().to_owned(),
            updated_at: meta.updated_at,
        })
        .collect())
}

fn load_sessions(store: &Store) -> Msg {
    match recent_sessions(store) {
        Ok(recent) => Msg::SessionsLoaded(recent),
        Err(err) => Msg::StoreFailed {
            slot: None,
            text: None,
            error: err.to_string(),
        },
    }
}

/// The end of a session's history, for its transcript.
pub struct TranscriptTail {
    pub title: String,
    pub from: Seq,
    pub events: Vec<(crate::event::Event, bool)>,
}

/// About `tail` events from the end of a session, starting at a turn boundary when one is near,
/// so resuming costs the tail whatever the session's length.
pub fn transcript_tail(
    store: &Store,
    session: SessionId,
    tail: u64,
) -> Result<TranscriptTail, StoreError> {
    let meta = store.meta(session)?;
    let want = Seq(meta.last_seq.0.saturating_sub(tail).max(1));
    let from = if want.0 <= 1 {
        Seq(1)
    } else {
        store
            .turn_start_from(session, want)?
            .filter(|seq| *seq <= meta.last_seq)
            .unwrap_or(want)
    };
    let mut events = Vec::new();
    store.for_each_event(
        session,
        Seq(from.0 - 1),
        meta.last_seq,
        |event, inherited| {
            events.push((event, inherited));
            Ok(())
        },
    )?;
    Ok(TranscriptTail {
        title: meta.title,
        from,
        events,
    })
}
