//! What the server reads from the store (and git) for clients: transcripts, session lists,
//! previews, turns, diffs, forks and restored slots. Each runs on a blocking task and comes
//! back to the core as an input, so the core never waits on disk.

use std::collections::HashMap;

use super::core::{ClientId, Core, Input};
use super::slots::{AgentState, PaneState, Runtime, SlotEntry};
use crate::event::{Event, SessionKind, SessionWorktree};
use crate::ids::{Seq, SessionId};
use crate::process::ProcessOwner;
use crate::protocol::{
    Notification, Scope, SessionSummary, SlotInfo, SlotKind, SlotStatus, ViewLayout, Welcome,
};
use crate::store::{Store, StoreError};

/// Recent sessions offered in the palette.
const RECENT_SESSIONS: usize = 50;
/// Prompts loaded into composer history at attach.
const HISTORY_PROMPTS: usize = 500;

/// The welcome a workstation gets at attach.
pub fn welcome(
    store: &Store,
    slots: Vec<SlotInfo>,
    layout: Option<ViewLayout>,
    model: String,
    cwd: &str,
    mut notes: Vec<String>,
) -> Welcome {
    let history = store.recent_prompts(HISTORY_PROMPTS).unwrap_or_else(|err| {
        notes.push(format!("cannot read prompt history: {err}"));
        Vec::new()
    });
    let recent = recent_sessions(store).unwrap_or_default();
    let in_repo = crate::workspace::repo_root(std::path::Path::new(cwd))
        .ok()
        .flatten()
        .is_some();
    Welcome {
        slots,
        layout,
        history,
        recent,
        model,
        in_repo,
        notes,
    }
}

/// Every session, newest first, with whether a live process drives it. Owner liveness is
/// checked once per owner (most sessions share a handful of owners).
pub fn summaries(store: &Store) -> Result<Vec<SessionSummary>, StoreError> {
    let mut alive: HashMap<ProcessOwner, bool> = HashMap::new();
    Ok(store
        .sessions()?
        .into_iter()
        // The store's own logs (the task board's, the MCP calls') are not sessions to open.
        .filter(|meta| !meta.kind.is_log())
        .map(|meta| {
            let live = meta
                .owner
                .is_some_and(|owner| *alive.entry(owner).or_insert_with(|| owner.is_alive()));
            SessionSummary { meta, live }
        })
        .collect())
}

/// The newest agent sessions, for the palette.
pub fn recent_sessions(store: &Store) -> Result<Vec<SessionSummary>, StoreError> {
    Ok(summaries(store)?
        .into_iter()
        .filter(|s| s.meta.kind == SessionKind::Agent)
        .take(RECENT_SESSIONS)
        .collect())
}

/// The end of a session's history, for its transcript.
#[derive(Debug)]
pub struct TranscriptTail {
    pub title: String,
    pub from: Seq,
    pub events: Vec<(Event, bool)>,
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

impl Core {
    /// Runs `work` on a blocking task and sends its notification to `client`.
    pub(super) fn reply_with(
        &self,
        client: ClientId,
        work: impl FnOnce(&Store) -> Notification + Send + 'static,
    ) {
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        tokio::task::spawn_blocking(move || {
            let notification = work(&store);
            let _ = inputs.blocking_send(Input::Reply {
                client,
                notification,
            });
        });
    }

    pub fn load_transcript(&mut self, client: ClientId, slot: SessionId, tail: u64) {
        // Events already streamed but perhaps not yet durable when the read runs.
        let recent: Vec<Event> = self
            .slot(slot)
            .map(|s| s.recent.iter().cloned().collect())
            .unwrap_or_default();
        self.reply_with(client, move |store| {
            match transcript_tail(store, slot, tail) {
                Ok(mut loaded) => {
                    let last = loaded.events.last().map_or(Seq::ZERO, |(e, _)| e.seq);
                    loaded.events.extend(
                        recent
                            .into_iter()
                            .filter(|e| e.seq > last)
                            .map(|e| (e, false)),
                    );
                    Notification::TranscriptLoaded {
                        slot,
                        title: loaded.title,
                        from: loaded.from,
                        events: loaded.events,
                    }
                }
                Err(StoreError::MissingSession(_)) => Notification::TranscriptLoaded {
                    slot,
                    title: String::new(),
                    from: Seq(1),
                    events: recent.into_iter().map(|e| (e, false)).collect(),
                },
                Err(err) => failure(Scope::Store, format!("cannot read the transcript: {err}")),
            }
        });
    }

    /// Finds a session the way the command line names it.
    pub fn resolve(&mut self, client: ClientId, lookup: crate::protocol::Lookup) {
        self.reply_with(client, move |store| {
            Notification::Resolved(lookup_session(store, &lookup).map_err(|e| e.to_string()))
        });
    }

    pub fn load_sessions(&mut self, client: ClientId) {
        self.reply_with(client, |store| match recent_sessions(store) {
            Ok(recent) => Notification::SessionsLoaded(recent),
            Err(err) => failure(Scope::Store, err.to_string()),
        });
    }

    pub fn load_picker(&mut self, client: ClientId) {
        self.reply_with(client, |store| match summaries(store) {
            Ok(rows) => Notification::PickerLoaded(rows),
            Err(err) => failure(Scope::Store, err.to_string()),
        });
    }

    pub fn load_preview(&mut self, client: ClientId, session: SessionId) {
        self.reply_with(client, move |store| {
            let lines = super::preview::preview_lines(store, session)
                .unwrap_or_else(|err| vec![format!("no preview: {err}")]);
            Notification::PreviewLoaded { session, lines }
        });
    }

    pub fn load_turns(&mut self, client: ClientId, session: SessionId) {
        self.reply_with(client, move |store| {
            match (store.turns(session), store.meta(session)) {
                (Ok(turns), Ok(meta)) => Notification::TurnsLoaded {
                    session,
                    title: meta.title,
                    turns,
                },
                (Err(err), _) | (_, Err(err)) => failure(Scope::Store, err.to_string()),
            }
        });
    }

    /// Forks a session with its code and opens the fork in a slot for every client; the
    /// client that asked focuses it.
    pub fn fork(&mut self, client: ClientId, session: SessionId, at: Option<Seq>, open: bool) {
        let dir = self.settings.worktrees_dir.clone();
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        tokio::task::spawn_blocking(move || {
            let forked = crate::workspace::fork_with_code(&store, session, at, &dir);
            let input = match forked {
                Ok(forked) if !open => Input::Reply {
                    client,
                    notification: Notification::Forked {
                        child: forked.id,
                        title: store.meta(session).map(|m| m.title).unwrap_or_default(),
                        worktree: forked.worktree.map(|w| w.path.display().to_string()),
                    },
                },
                Ok(forked) => match restore(&store, forked.id) {
                    Ok(mut entry) => {
                        let parent = store.meta(session).map(|m| m.title).unwrap_or_default();
                        entry.info.name = crate::text::truncate(&format!("fork of {parent}"), 24);
                        Input::Restored {
                            client: Some(client),
                            entry: Box::new(entry),
                            forked: Some(Notification::Forked {
                                child: forked.id,
                                title: store.meta(session).map(|m| m.title).unwrap_or_default(),
                                worktree: forked.worktree.map(|w| w.path.display().to_string()),
                            }),
                        }
                    }
                    Err(err) => Input::Reply {
                        client,
                        notification: failure(Scope::Store, err.to_string()),
                    },
                },
                Err(err) => Input::Reply {
                    client,
                    notification: failure(Scope::Git, format!("cannot fork: {err}")),
                },
            };
            let _ = inputs.blocking_send(input);
        });
    }

    /// Opens a stored session in a slot (a pane's last screen, or an agent's transcript).
    pub fn open_session(&mut self, client: ClientId, session: SessionId) {
        if let Some(entry) = self.slot_mut(session) {
            // A hidden run (a task's native attempt, an exec turn) becomes everyone's slot
            // to watch or steer.
            if entry.hidden {
                entry.hidden = false;
                self.publish(session);
                self.save_open_slots();
            }
            return;
        }
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        tokio::task::spawn_blocking(move || {
            let input = match restore(&store, session) {
                Ok(entry) => Input::Restored {
                    client: Some(client),
                    entry: Box::new(entry),
                    forked: None,
                },
                Err(err) => Input::Reply {
                    client,
                    notification: failure(Scope::Store, format!("cannot open {session}: {err}")),
                },
            };
            let _ = inputs.blocking_send(input);
        });
    }

    /// A slot rebuilt from the store joins the others.
    pub fn restored(
        &mut self,
        client: Option<ClientId>,
        mut entry: SlotEntry,
        forked: Option<Notification>,
    ) {
        let slot = entry.info.slot;
        if self.slot(slot).is_some() {
            return;
        }
        if let Some(options) = client
            .and_then(|c| self.clients.get(&c))
            .map(|c| c.info.agents.clone())
        {
            if entry.info.kind == SlotKind::Agent {
                entry.info.model = Some(self.models.label(&options));
            }
            entry.agents = options;
        }
        self.slots.push(entry);
        self.publish(slot);
        self.save_open_slots();
        if let (Some(client), Some(forked)) = (client, forked) {
            self.send(client, forked);
        }
    }

    pub fn load_diff(&mut self, client: ClientId, slot: SessionId, source: usize) {
        let Some(worktree) = self.slot(slot).and_then(|s| s.info.worktree.clone()) else {
            return;
        };
        self.reply_with(client, move |store| {
            let (sources, files) = super::diffs::load(store, slot, &worktree, source);
            Notification::DiffLoaded {
                slot,
                source,
                sources,
                files,
            }
        });
    }

    pub fn check_worktree(&mut self, client: ClientId, slot: SessionId) {
        let Some(worktree) = self.slot(slot).and_then(|s| s.info.worktree.clone()) else {
            return;
        };
        self.reply_with(client, move |_| Notification::WorktreeChecked {
            slot,
            check: super::diffs::check(&worktree),
        });
    }

    pub fn remove_worktree(&mut self, client: ClientId, worktree: SessionWorktree, force: bool) {
        self.reply_with(client, move |_| {
            let (text, error) = super::diffs::remove(&worktree, force);
            Notification::Notice {
                text,
                failure: error.then_some(Scope::Git),
            }
        });
    }

    /// Closes a slot for everyone.
    pub fn close_slot(&mut self, slot: SessionId) {
        let Some(index) = self.slots.iter().position(|s| s.info.slot == slot) else {
            return;
        };
        let entry = self.slots.remove(index);
        self.panes.write().remove(&slot);
        self.forget_pane_rows(slot);
        drop(super::slots::stop_entry(
            entry,
            self.store.clone(),
            "slot closed",
        ));
        for client in self.clients.values_mut() {
            client.views.remove(&slot);
        }
        self.broadcast(Notification::SlotClosed { slot });
        self.save_open_slots();
    }
}

/// Why a lookup found nothing.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Cut(#[from] crate::session::CutError),
    #[error("there is no session to resume yet")]
    NoSession,
}

/// The session (and cut) a lookup names.
pub fn lookup_session(
    store: &Store,
    lookup: &crate::protocol::Lookup,
) -> Result<crate::protocol::Resolved, LookupError> {
    let session = match (&lookup.id, lookup.last) {
        (Some(id), _) => store.resolve(id)?,
        (None, _) => {
            store
                .sessions()?
                .into_iter()
                .filter(|meta| !meta.kind.is_log())
                .max_by_key(|meta| meta.updated_at)
                .ok_or(LookupError::NoSession)?
                .id
        }
    };
    let at = crate::session::Cut::from_args(lookup.at, lookup.turn).resolve(store, session)?;
    Ok(crate::protocol::Resolved { session, at })
}

fn failure(scope: Scope, text: String) -> Notification {
    Notification::Notice {
        text,
        failure: Some(scope),
    }
}

/// A slot for a stored session: a pane shows its last recorded screen (restartable), an
/// agent is ready for its next prompt.
pub fn restore(store: &Store, session: SessionId) -> Result<SlotEntry, StoreError> {
    let meta = store.meta(session)?;
    let kind = match meta.kind {
        SessionKind::Pty => SlotKind::Pty,
        SessionKind::Agent | SessionKind::Tasks | SessionKind::Mcp | SessionKind::Other => {
            SlotKind::Agent
        }
    };
    let name = match (&meta.command, kind) {
        (Some(command), SlotKind::Pty) => command.clone(),
        _ => meta.title.clone(),
    };
    let mut info = SlotEntry::info(
        session,
        kind,
        crate::text::truncate(&name, 24),
        meta.cwd.clone(),
    );
    info.stored = true;
    info.command = meta.command.clone();
    info.worktree = store.resume(session).ok().and_then(|r| r.state.worktree);
    let runtime = match kind {
        SlotKind::Pty => {
            let screen = crate::pty::replay_screen(store, session)?;
            info.status = match (meta.status, meta.exit_code, &meta.last_error) {
                (crate::session::SessionStatus::Failed, _, Some(error)) => {
                    SlotStatus::Error(error.clone())
                }
                (_, code, _) => SlotStatus::Exited(code),
            };
            info.restartable = true;
            Runtime::Pane(PaneState::Recorded(Box::new(screen)))
        }
        SlotKind::Agent => {
            info.status = match (meta.status, &meta.last_error) {
                (crate::session::SessionStatus::Failed, Some(error)) => {
                    SlotStatus::Error(error.clone())
                }
                _ => SlotStatus::Idle,
            };
            Runtime::Agent(AgentState::Idle)
        }
    };
    Ok(SlotEntry::new(info, runtime))
}

/// What a restored slot shows before any client asks: a pane's screen as a client copy.
pub enum RestoredView {
    Pane(crate::protocol::ScreenCopy),
    Agent,
}

/// A restored slot's screen, as `switchboard render` paints it.
pub fn view_of(entry: SlotEntry) -> RestoredView {
    match entry.runtime {
        Runtime::Pane(PaneState::Recorded(mut screen)) => {
            let view = screen.view_rows(0);
            RestoredView::Pane(crate::protocol::ScreenCopy {
                size: screen.size(),
                cursor: view.cursor,
                modes: screen.modes(),
                title: screen.title().to_owned(),
                scroll: crate::protocol::screen::ScrollState {
                    offset: 0,
                    history: view.history,
                },
                input_hidden: false,
                rows: view.rows.into_iter().map(std::sync::Arc::new).collect(),
            })
        }
        _ => RestoredView::Agent,
    }
}
