//! PTY slots in the server: started, restarted, restored from the store, sized for the
//! clients that show them, badged by activity, and closed with their session recorded.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::core::{ClientId, Core, Input};
use super::slots::{PaneState, Runtime, SlotEntry};
use crate::event::{EventKind, SessionClosed, SessionCreated, SessionKind};
use crate::ids::SessionId;
use crate::protocol::{Notification, Scope, SlotKind, SlotStatus};
use crate::pty::{Activity, PaneSize, ProgramExit, PtySlot, Recorder, SlotOptions, SpawnSpec};
use crate::store::{Store, StoreError};

/// How fast a pane nobody is typing into takes in output: 1 MiB/s is ~14,000 lines of 75
/// columns a second — far more than anyone reads — while parsing and recording it costs a few
/// percent of a core, which leaves the CPU to the pane being typed into. (With three flooding
/// panes on two cores, 4 MiB/s each made the focused pane's echo 4× slower at p99; see
/// docs/BENCHMARKS.md.) A flooding program is slowed by back-pressure; nothing is dropped.
pub const BACKGROUND_PARSE_RATE: u64 = 1024 * 1024;

/// How fast the other panes take in output while someone types (see [`TYPING_HOLD`]):
/// 256 KiB/s is still ~3,500 lines a second. With eight flooding panes, 1 MiB/s each kept
/// 8 MiB/s of parsing and recording on two cores beside the key's path. A pane held back
/// this way is its inbox behind (~1.4 s while the typing lasts, ~0.35 s once it is back to
/// [`BACKGROUND_PARSE_RATE`]); nothing is dropped.
pub const TYPING_BACKGROUND_PARSE_RATE: u64 = 256 * 1024;

/// After a key, how long its client counts as typing: people pause less than this between
/// keys, and a command's first output comes within it. Meanwhile a pane another window
/// focuses is capped like a background one: a flood someone watches there took a core from
/// the echo of the keys typed here (docs/BENCHMARKS.md, "Many slots").
pub const TYPING_HOLD: Duration = Duration::from_secs(1);

/// How fast a pane takes in output (`None`: as fast as it can): while anyone types, only the
/// panes typed into go at full speed and the others slow to a trickle; otherwise the panes a
/// window focuses go at full speed and the rest at the background rate.
fn parse_rate(slot: SessionId, typing: &[SessionId], focused: bool) -> Option<u64> {
    if typing.is_empty() {
        (!focused).then_some(BACKGROUND_PARSE_RATE)
    } else {
        (!typing.contains(&slot)).then_some(TYPING_BACKGROUND_PARSE_RATE)
    }
}

/// A started pane.
pub struct Spawned {
    pub pane: Arc<PtySlot>,
    pub cwd: String,
    pub worktree: Option<crate::event::SessionWorktree>,
    /// Why it did not get the worktree it asked for.
    pub note: Option<String>,
}

impl std::fmt::Debug for Spawned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spawned").field("cwd", &self.cwd).finish()
    }
}

/// What to start.
struct Start {
    slot: SessionId,
    /// The session exists already (a restart records into it).
    stored: bool,
    command: Option<String>,
    cwd: String,
    size: PaneSize,
    preamble: Vec<u8>,
    worktree: bool,
}

/// The user's shell, as a command line for titles.
pub fn shell_name() -> String {
    std::env::var("SHELL").unwrap_or_else(|_| crate::pty::FALLBACK_SHELL.to_owned())
}

/// A slot's badge for a program's state.
pub fn status_of(status: &crate::pty::SlotStatus) -> SlotStatus {
    match status {
        crate::pty::SlotStatus::Running => SlotStatus::Running,
        crate::pty::SlotStatus::Exited(ProgramExit::Code(code)) => SlotStatus::Exited(Some(*code)),
        crate::pty::SlotStatus::Exited(ProgramExit::Signal(_)) => SlotStatus::Exited(None),
        crate::pty::SlotStatus::FailedToStart { reason } => SlotStatus::Error(reason.clone()),
    }
}

impl Core {
    pub fn open_pane(
        &mut self,
        client: ClientId,
        slot: SessionId,
        command: Option<String>,
        size: PaneSize,
        worktree: bool,
    ) {
        if self.slot(slot).is_some() {
            return;
        }
        let cwd = self.client_cwd(client);
        let name = command
            .as_deref()
            .map(|c| crate::tui::text::truncate(c, 24))
            .unwrap_or_else(|| {
                let shell = shell_name();
                shell.rsplit('/').next().unwrap_or("shell").to_owned()
            });
        let mut info = SlotEntry::info(slot, SlotKind::Pty, name, cwd.clone());
        info.command = command.clone();
        let mut entry = SlotEntry::new(info, Runtime::Pane(PaneState::Starting));
        entry.size = Some(size);
        self.slots.push(entry);
        self.publish(slot);
        self.start_pane(Start {
            slot,
            stored: false,
            command,
            cwd,
            size,
            preamble: Vec::new(),
            worktree,
        });
    }

    /// Runs an ended pane's program again in its directory, recording into the same session;
    /// its last screen stays above the new run.
    pub fn restart_pane(&mut self, client: ClientId, slot: SessionId, size: PaneSize) {
        let Some(entry) = self.slot_mut(slot) else {
            return;
        };
        let screen = match &entry.runtime {
            Runtime::Pane(PaneState::Live(pane)) if pane.is_running() => None,
            Runtime::Pane(PaneState::Live(pane)) => {
                Some(pane.with_screen(|s| s.vt().contents_formatted()))
            }
            Runtime::Pane(PaneState::Recorded(screen)) => Some(screen.vt().contents_formatted()),
            _ => None,
        };
        let Some(screen) = screen else {
            self.send(
                client,
                Notification::Notice {
                    text: "only a pane whose program ended can be restarted".into(),
                    failure: None,
                },
            );
            return;
        };
        let what = entry.info.command.clone().unwrap_or_else(shell_name);
        let mut preamble = screen.into_bytes();
        preamble.extend_from_slice(
            format!(
                "\r\n\x1b[0;2m── restarted `{what}` in {} ──\x1b[0m\r\n",
                entry.info.cwd
            )
            .as_bytes(),
        );
        entry.runtime = Runtime::Pane(PaneState::Starting);
        entry.info.status = SlotStatus::Starting;
        entry.info.restartable = false;
        let start = Start {
            slot,
            stored: entry.info.stored,
            command: entry.info.command.clone(),
            cwd: entry.info.cwd.clone(),
            size,
            preamble,
            worktree: false,
        };
        self.panes.write().remove(&slot);
        self.publish(slot);
        self.start_pane(start);
    }

    fn start_pane(&mut self, start: Start) {
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        let waker = self.waker.clone();
        let scrollback = self.settings.scrollback_lines;
        let worktrees = self.settings.worktrees_dir.clone();
        tokio::task::spawn_blocking(move || {
            let slot = start.slot;
            let result =
                spawn(&store, start, waker, scrollback, &worktrees).map_err(|e| e.to_string());
            let _ = inputs.blocking_send(Input::PaneReady { slot, result });
        });
    }

    pub fn pane_ready(&mut self, slot: SessionId, result: Result<Spawned, String>) {
        let focused_somewhere = self
            .clients
            .values()
            .any(|c| c.viewport.focused == Some(slot));
        let Some(entry) = self.slot_mut(slot) else {
            // Closed while it started.
            if let Ok(spawned) = result {
                spawned.pane.kill();
            }
            return;
        };
        match result {
            Ok(spawned) => {
                if let Some(note) = spawned.note.clone() {
                    self.broadcast(Notification::Notice {
                        text: note,
                        failure: Some(Scope::Git),
                    });
                }
                let Some(entry) = self.slot_mut(slot) else {
                    return;
                };
                entry.info.stored = true;
                entry.info.cwd = spawned.cwd;
                if spawned.worktree.is_some() {
                    entry.info.worktree = spawned.worktree;
                }
                entry.info.status = status_of(&spawned.pane.status());
                entry.info.restartable = !spawned.pane.is_running();
                let rate = (!focused_somewhere).then_some(BACKGROUND_PARSE_RATE);
                spawned.pane.set_parse_rate(rate);
                // Output that came while it started set the change flag, and wake-ups go out
                // only when the flag goes from clear to set: clear it, then send what is there.
                spawned.pane.take_changed();
                self.panes.write().insert(slot, Arc::clone(&spawned.pane));
                if let Some(entry) = self.slot_mut(slot) {
                    entry.runtime = Runtime::Pane(PaneState::Live(spawned.pane));
                }
                self.forget_pane_rows(slot);
                self.publish(slot);
                self.save_open_slots();
                self.apply_pane_sizes();
                self.flush_frames(Instant::now());
            }
            Err(error) => {
                entry.info.status = SlotStatus::Error(error.clone());
                entry.info.restartable = entry.info.stored;
                self.publish(slot);
                self.broadcast_failure(Scope::Pty, format!("pane: {error}"));
            }
        }
    }

    /// Bytes for a pane (the fallback path: connection readers write straight to programs).
    pub fn write_pane(&mut self, client: ClientId, slot: SessionId, bytes: &[u8]) {
        let Some(pane) = self.slot(slot).and_then(|s| s.live_pane()).cloned() else {
            return;
        };
        if let Err(error) = pane.write(bytes) {
            self.send(
                client,
                Notification::Notice {
                    text: format!("not delivered: {error}"),
                    failure: None,
                },
            );
        }
    }

    /// A client shows other panes, at other sizes, or focuses another slot.
    pub fn set_viewport(&mut self, client: ClientId, viewport: crate::protocol::Viewport) {
        let Some(c) = self.clients.get_mut(&client) else {
            return;
        };
        c.viewport = viewport;
        self.retain_views(client);
        self.apply_pane_sizes();
        self.apply_parse_rates(Instant::now());
        self.flush_frames(Instant::now());
    }

    /// A client typed into a pane: its echo goes out at once (`frames.rs`), and while it
    /// types no other pane parses at full speed.
    pub fn typed(&mut self, client: ClientId, slot: SessionId, now: Instant) {
        let Some(c) = self.clients.get_mut(&client) else {
            return;
        };
        c.typed = Some((slot, now));
        self.typing_until = Some(now + TYPING_HOLD);
        self.apply_parse_rates(now);
    }

    /// Sizes every pane for the clients showing it: the smallest cell among them (as tmux's
    /// `window-size smallest`), so every client sees the whole screen; a larger cell shows
    /// the pane with blank space around it and says why.
    pub fn apply_pane_sizes(&mut self) {
        for entry in &mut self.slots {
            let Some(pane) = entry.live_pane().cloned() else {
                continue;
            };
            let wanted = self
                .clients
                .values()
                .filter(|c| c.is_workstation())
                .flat_map(|c| c.viewport.panes.iter())
                .filter(|(id, _)| *id == entry.info.slot)
                .map(|(_, size)| *size)
                .filter(|size| !size.is_empty())
                .reduce(|a, b| PaneSize::new(a.rows.min(b.rows), a.cols.min(b.cols)));
            if let Some(size) = wanted
                && entry.size != Some(size)
            {
                entry.size = Some(size);
                if let Err(error) = pane.resize(size) {
                    tracing::warn!(%error, "cannot resize a pane");
                }
            }
        }
    }

    /// Gives the panes any client focuses full parsing speed and caps the others; while a
    /// client types, only the panes typed into run at full speed.
    pub fn apply_parse_rates(&self, now: Instant) {
        let typing: Vec<SessionId> = self
            .clients
            .values()
            .filter_map(|c| c.typed)
            .filter(|(_, at)| now.saturating_duration_since(*at) < TYPING_HOLD)
            .map(|(slot, _)| slot)
            .collect();
        for entry in &self.slots {
            let Some(pane) = entry.live_pane() else {
                continue;
            };
            let slot = entry.info.slot;
            let focused = self
                .clients
                .values()
                .any(|c| c.viewport.focused == Some(slot));
            pane.set_parse_rate(parse_rate(slot, &typing, focused));
        }
    }

    /// Some pane changed: follow exits and recording failures, arm the activity check, and
    /// send the frames that are due.
    pub fn panes_changed(&mut self, now: Instant) {
        let mut changed = Vec::new();
        let mut output = false;
        for entry in &mut self.slots {
            let Some(pane) = entry.live_pane().cloned() else {
                continue;
            };
            if !pane.take_changed() {
                continue;
            }
            output = true;
            let status = pane.status();
            let recording = pane.recording_error();
            if recording != entry.info.recording_error {
                entry.info.recording_error = recording;
                changed.push(entry.info.slot);
            }
            if !status.is_running() {
                let badge = status_of(&status);
                if entry.info.status != badge {
                    entry.info.status = badge;
                    entry.info.restartable = true;
                    changed.push(entry.info.slot);
                }
            }
        }
        for slot in changed {
            self.publish(slot);
        }
        if output && self.activity_due.is_none() {
            self.activity_due = Some(now + super::ACTIVITY_TICK);
        }
        self.flush_frames(now);
    }

    /// Re-badges running panes by activity (running / waiting for input / idle); checks
    /// again later only while some badge may still change with time.
    pub fn activity_tick(&mut self, now: Instant) {
        let policy = self.settings.activity;
        let mut changed = Vec::new();
        let mut again = false;
        for entry in &mut self.slots {
            let Some(pane) = entry.live_pane().cloned() else {
                continue;
            };
            if !pane.is_running() {
                continue;
            }
            let status = match pane.activity(now, &policy) {
                Activity::Busy => SlotStatus::Running,
                Activity::WaitingForInput => SlotStatus::Waiting,
                Activity::Idle => SlotStatus::Idle,
            };
            let quiet = pane
                .last_output()
                .map(|at| now.saturating_duration_since(at));
            again |= quiet.is_some_and(|q| q < policy.idle_after);
            if entry.info.status != status {
                entry.info.status = status;
                changed.push(entry.info.slot);
            }
        }
        for slot in changed {
            self.publish(slot);
        }
        if again {
            self.activity_due = Some(now + super::ACTIVITY_TICK);
        }
    }

    /// Content rows of a pane as text, for a client copying past what it holds.
    pub fn pane_text(&mut self, client: ClientId, slot: SessionId, start: usize, count: usize) {
        let count = count.min(super::MAX_TEXT_ROWS);
        let rows = match self.slot_mut(slot).map(|e| &mut e.runtime) {
            Some(Runtime::Pane(PaneState::Live(pane))) => {
                pane.with_screen_mut(|s| s.content_rows(start, count))
            }
            Some(Runtime::Pane(PaneState::Recorded(screen))) => screen.content_rows(start, count),
            _ => return,
        };
        self.send(client, Notification::PaneText { slot, start, rows });
    }
}

/// Records a clean close (best effort: the session is in the store either way).
pub fn record_closed(store: &Store, session: SessionId, reason: &str) {
    let closed = EventKind::SessionClosed(SessionClosed {
        reason: Some(reason.to_owned()),
    });
    if let Err(err) = store.append_durable(session, vec![closed]) {
        tracing::warn!(error = %err, %session, "cannot record a closed session");
    }
}

/// Starts a program in a PTY, recording into the slot's session (created unless `stored`,
/// in a worktree of its own when asked and possible).
fn spawn(
    store: &Store,
    start: Start,
    waker: crate::pty::PaneWaker,
    scrollback_lines: usize,
    worktrees_dir: &std::path::Path,
) -> Result<Spawned, StoreError> {
    let Start {
        slot,
        stored,
        command,
        mut cwd,
        size,
        preamble,
        worktree,
    } = start;
    let mut note = None;
    let mut recorded = None;
    if !stored {
        let made = if worktree {
            match super::worktree::create(&cwd, worktrees_dir, "pane") {
                Ok(made) => Some(made),
                Err(why) => {
                    note = Some(format!("no worktree: {why}"));
                    None
                }
            }
        } else {
            None
        };
        if let Some(made) = &made {
            cwd = made.path.display().to_string();
        }
        store.create_session_as(
            slot,
            SessionCreated {
                kind: SessionKind::Pty,
                title: None,
                cwd: cwd.clone(),
                command: Some(command.clone().unwrap_or_else(shell_name)),
                model: None,
                owner: None,
            },
        )?;
        if let Some(made) = &made {
            let event = super::worktree::event(made);
            store.append_durable(slot, vec![EventKind::SessionWorktree(event.clone())])?;
            recorded = Some(event);
        }
    }
    let spec = SpawnSpec {
        command,
        cwd: PathBuf::from(&cwd),
        size,
        env: vec![("SWITCHBOARD_SLOT".into(), slot.to_string())],
        scrollback_lines,
        preamble,
    };
    let options = SlotOptions {
        waker: Some(waker),
        recorder: Some(Recorder {
            store: store.clone(),
            session: slot,
        }),
        ..SlotOptions::default()
    };
    Ok(Spawned {
        pane: Arc::new(PtySlot::spawn(spec, options)),
        cwd,
        worktree: recorded,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_win_and_focus_decides_otherwise() {
        let typed = SessionId::new();
        let other = SessionId::new();
        let full = None;
        let background = Some(BACKGROUND_PARSE_RATE);
        let trickle = Some(TYPING_BACKGROUND_PARSE_RATE);
        // (slot, panes typed into, focused by some window) -> rate
        let table = [
            (other, vec![], true, full),
            (other, vec![], false, background),
            (typed, vec![typed], true, full),
            (typed, vec![typed], false, full),
            (other, vec![typed], true, trickle),
            (other, vec![typed], false, trickle),
        ];
        for (slot, typing, focused, rate) in table {
            assert_eq!(
                parse_rate(slot, &typing, focused),
                rate,
                "{typing:?} {focused}"
            );
        }
    }
}
