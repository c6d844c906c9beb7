//! `SessionState` and `reduce`: the fold every view, checkpoint and resume goes through.
//!
//! The state holds what the first frame and the next turn need — status, counters, usage,
//! sizes, short previews — never the whole transcript, so a checkpoint stays small however long
//! the session grows and resume stays O(tail).

use serde::{Deserialize, Serialize};

use crate::event::{Event, EventKind, SessionKind, SessionWorktree, TurnOutcome, Usage};
use crate::ids::{Seq, SessionId, Timestamp};

/// Longest preview of a message kept in state; enough for a picker row or a title.
const PREVIEW_CHARS: usize = 200;

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Created, nothing running yet.
    #[default]
    New,
    /// A turn or a program is in progress.
    Running,
    /// Waiting for the user.
    Idle,
    /// The slot's program ended.
    Exited,
    /// Stopped part-way (interrupt, or the owning process died).
    Interrupted,
    /// The last turn failed or the program never started.
    Failed,
    /// The user closed it.
    Closed,
    #[serde(other)]
    Other,
}

impl SessionStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Running => "running",
            Self::Idle => "idle",
            Self::Exited => "exited",
            Self::Interrupted => "interrupted",
            Self::Failed => "failed",
            Self::Closed => "closed",
            Self::Other => "other",
        }
    }

    /// Whether the session claims something is still in progress.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running)
    }
}

/// The fold of a session's events up to `last_seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionState {
    pub last_seq: Seq,
    pub kind: SessionKind,
    pub title: Option<String>,
    /// First user message, shortened: the title of an untitled session.
    pub first_prompt: Option<String>,
    pub last_prompt: Option<String>,
    pub cwd: String,
    pub command: Option<String>,
    pub model: Option<String>,
    pub status: SessionStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// `(session, seq)` this session was forked from.
    pub parent: Option<(SessionId, Seq)>,
    pub user_messages: u64,
    /// Seq of the latest user message (where the current or last turn began).
    #[serde(default)]
    pub last_user_seq: Option<Seq>,
    pub turns: u32,
    pub responses: u64,
    pub tool_calls: u64,
    pub usage: Usage,
    pub pty_bytes_out: u64,
    pub pty_bytes_in: u64,
    pub cols: u16,
    pub rows: u16,
    pub exit_code: Option<i32>,
    pub last_error: Option<String>,
    pub owner: Option<crate::process::ProcessOwner>,
    pub last_commit: Option<String>,
    /// The session's own git worktree, when it has one (added after the first schema).
    #[serde(default)]
    pub worktree: Option<SessionWorktree>,
    /// Events of kinds this build does not know (kept in the log, counted here).
    pub unknown_events: u64,
    /// Seq of the latest `slot.spawned`: a PTY screen replay never needs anything before it.
    #[serde(default)]
    pub pty_spawned_at: Option<Seq>,
    /// Seq of the latest `pty.screen` checkpoint, so a screen replay starts there (O(1) to
    /// find) and reads only the output after it.
    #[serde(default)]
    pub pty_screen_at: Option<Seq>,
}

impl SessionState {
    /// Title to show: the explicit one, else the first prompt, else the command.
    pub fn display_title(&self) -> String {
        self.title
            .clone()
            .or_else(|| self.first_prompt.clone())
            .or_else(|| self.command.clone())
            .unwrap_or_else(|| "(untitled)".to_owned())
    }
}

fn preview(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= PREVIEW_CHARS {
        line
    } else {
        let mut cut: String = line.chars().take(PREVIEW_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// Applies one event. The only code path that turns events into state: live views, checkpoints
/// and resume all call it, so a resumed session equals the live one by construction.
pub fn reduce(state: &mut SessionState, event: &Event) {
    state.last_seq = event.seq;
    if state.created_at == Timestamp::default() {
        state.created_at = event.at;
    }
    state.updated_at = state.updated_at.max(event.at);
    match &event.kind {
        EventKind::SessionCreated(created) => {
            state.kind = created.kind;
            state.title = created.title.clone();
            state.cwd = created.cwd.clone();
            state.command = created.command.clone();
            state.model = created.model.clone();
            state.owner = created.owner;
            state.created_at = event.at;
            state.status = SessionStatus::New;
        }
        EventKind::SessionRenamed(renamed) => state.title = Some(renamed.title.clone()),
        EventKind::SessionSettings(settings) => {
            if let Some(model) = &settings.model {
                state.model = Some(model.clone());
            }
        }
        EventKind::SessionForked(forked) => {
            state.parent = Some((forked.parent, forked.at));
            state.created_at = event.at;
            state.owner = None;
            if state.status.is_active() {
                state.status = SessionStatus::Interrupted;
            }
        }
        EventKind::SessionClosed(_) => {
            state.status = SessionStatus::Closed;
            // A closed session is nobody's: its lease ends with it.
            state.owner = None;
        }
        EventKind::SessionInterrupted(interrupted) => {
            state.status = SessionStatus::Interrupted;
            state.last_error = Some(interrupted.reason.clone());
            state.owner = None;
        }
        EventKind::SessionOwned(owned) => {
            state.owner = Some(crate::process::ProcessOwner {
                pid: owned.pid,
                started: owned.started,
            })
        }
        EventKind::SessionWorktree(worktree) => state.worktree = Some(worktree.clone()),
        EventKind::SlotSpawned(spawned) => {
            state.pty_spawned_at = Some(event.seq);
            state.status = SessionStatus::Running;
            state.cols = spawned.cols;
            state.rows = spawned.rows;
            state.exit_code = None;
            state.last_error = None;
        }
        EventKind::SlotExited(exited) => {
            state.exit_code = exited.code;
            state.last_error = exited.error.clone();
            state.status = if exited.error.is_some() {
                SessionStatus::Failed
            } else {
                SessionStatus::Exited
            };
        }
        EventKind::SlotResized(resized) => {
            state.cols = resized.cols;
            state.rows = resized.rows;
        }
        EventKind::UserMessage(message) => {
            state.user_messages += 1;
            state.last_user_seq = Some(event.seq);
            let text = preview(&message.text);
            if state.first_prompt.is_none() {
                state.first_prompt = Some(text.clone());
            }
            state.last_prompt = Some(text);
        }
        EventKind::TurnStarted(started) => {
            state.turns = state.turns.max(started.turn);
            state.status = SessionStatus::Running;
        }
        EventKind::TurnEnded(ended) => {
            state.status = match ended.outcome {
                TurnOutcome::Completed | TurnOutcome::Other => SessionStatus::Idle,
                TurnOutcome::Interrupted => SessionStatus::Interrupted,
                TurnOutcome::Failed => SessionStatus::Failed,
            };
            state.last_error = ended.error.clone();
            if ended.commit.is_some() {
                state.last_commit = ended.commit.clone();
            }
        }
        EventKind::ResponseStarted(started) => {
            state.responses += 1;
            state.model = Some(started.model.clone());
        }
        EventKind::ResponseCompleted(completed) => state.usage.add(&completed.usage),
        EventKind::ConversationCompacted(compacted) => state.usage.add(&compacted.usage),
        EventKind::ResponseFailed(failed) => state.last_error = Some(failed.message.clone()),
        EventKind::ToolRequested(_) => state.tool_calls += 1,
        EventKind::PtyOutput(output) => state.pty_bytes_out += output.bytes.0.len() as u64,
        // Counted as the output it replaced, so a replay folds to the state the live fold had.
        EventKind::PtyDropped(dropped) => state.pty_bytes_out += dropped.bytes,
        EventKind::PtyInput(input) => state.pty_bytes_in += input.bytes.0.len() as u64,
        EventKind::PtyScreen(_) => state.pty_screen_at = Some(event.seq),
        EventKind::Unknown(_) => state.unknown_events += 1,
        EventKind::ResponseDelta(_)
        | EventKind::ResponseItemDone(_)
        | EventKind::ResponseRetrying(_)
        | EventKind::ToolApproved(_)
        | EventKind::ToolDenied(_)
        | EventKind::ToolStarted(_)
        | EventKind::ToolOutput(_)
        | EventKind::ToolFinished(_)
        | EventKind::TaskState(_)
        | EventKind::TaskPlan(_)
        | EventKind::TaskSubmitted(_)
        | EventKind::TaskAttemptStarted(_)
        | EventKind::TaskThread(_)
        | EventKind::TaskAttemptEnded(_)
        | EventKind::TaskValidation(_)
        | EventKind::TaskPatch(_)
        | EventKind::McpCall(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{SessionCreated, SlotExited, UserMessage};

    fn event(seq: u64, kind: EventKind) -> Event {
        Event {
            session: SessionId(1),
            seq: Seq(seq),
            at: Timestamp(seq as i64 * 1000),
            kind,
        }
    }

    #[test]
    fn untitled_sessions_take_their_first_prompt() {
        let mut state = SessionState::default();
        reduce(
            &mut state,
            &event(
                1,
                EventKind::SessionCreated(SessionCreated {
                    cwd: "/tmp".into(),
                    ..Default::default()
                }),
            ),
        );
        reduce(
            &mut state,
            &event(
                2,
                EventKind::UserMessage(UserMessage {
                    text: "fix the\n  flaky test".into(),
                }),
            ),
        );
        reduce(
            &mut state,
            &event(
                3,
                EventKind::UserMessage(UserMessage {
                    text: "and more".into(),
                }),
            ),
        );
        assert_eq!(state.display_title(), "fix the flaky test");
        assert_eq!(state.last_prompt.as_deref(), Some("and more"));
        assert_eq!(state.user_messages, 2);
        assert_eq!(state.last_seq, Seq(3));
    }

    #[test]
    fn a_program_that_never_started_is_failed() {
        let mut state = SessionState::default();
        reduce(
            &mut state,
            &event(
                1,
                EventKind::SlotExited(SlotExited {
                    error: Some("command not found: nope".into()),
                    ..Default::default()
                }),
            ),
        );
        assert_eq!(state.status, SessionStatus::Failed);
    }

    #[test]
    fn pty_replay_points_are_tracked() {
        use crate::event::{PtyOutput, PtyScreen, SlotSpawned};
        let mut state = SessionState::default();
        reduce(
            &mut state,
            &event(1, EventKind::SlotSpawned(SlotSpawned::default())),
        );
        reduce(
            &mut state,
            &event(2, EventKind::PtyOutput(PtyOutput::default())),
        );
        assert_eq!(state.pty_spawned_at, Some(Seq(1)));
        assert_eq!(state.pty_screen_at, None);
        reduce(
            &mut state,
            &event(3, EventKind::PtyScreen(PtyScreen::default())),
        );
        reduce(
            &mut state,
            &event(4, EventKind::PtyOutput(PtyOutput::default())),
        );
        assert_eq!(state.pty_screen_at, Some(Seq(3)));
    }

    #[test]
    fn previews_are_bounded() {
        let long = "x".repeat(PREVIEW_CHARS * 3);
        assert_eq!(preview(&long).chars().count(), PREVIEW_CHARS);
    }
}
