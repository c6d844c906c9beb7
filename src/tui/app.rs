//! The workstation's state and its message vocabulary: `AppState`, `Msg` (everything that can
//! happen to the UI) and `Effect` (everything the UI asks the outside world to do). The update
//! function (`update.rs`) maps one to the other without I/O.

use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};

use super::composer::Composer;
use super::history::{History, HistorySearch};
use super::palette::Palette;
use super::picker::Picker;
use super::selection::{ClickTracker, CopyCursor, Selection};
use super::slots::{Slot, SlotId};
use super::theme::Theme;
use crate::event::SessionKind;
use crate::ids::{SessionId, Timestamp};

/// Terminal size in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub cols: u16,
    pub rows: u16,
}

/// Where keys go: the workstation (composer, commands) or the focused pane's program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Workstation,
    Pane,
}

/// How many slots the main area shows at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayoutMode {
    /// The focused slot alone.
    #[default]
    Zoom,
    /// Two side by side.
    Split,
    /// Up to four, 2×2.
    Grid,
}

impl Mode {
    /// Copy mode's cursor, also while its search prompt is open.
    pub fn copy_cursor(&self) -> Option<&CopyCursor> {
        match self {
            Self::CopyMode(copy) => Some(copy),
            Self::PaneSearch(prompt) => Some(&prompt.copy),
            _ => None,
        }
    }
}

impl LayoutMode {
    pub fn cells(self) -> usize {
        match self {
            Self::Zoom => 1,
            Self::Split => 2,
            Self::Grid => 4,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Zoom => "zoom",
            Self::Split => "split",
            Self::Grid => "grid",
        }
    }
}

/// What the keyboard is talking to right now.
#[derive(Debug, Default)]
pub enum Mode {
    #[default]
    Normal,
    Palette(Palette),
    Help {
        scroll: u16,
    },
    ConfirmQuit,
    /// Closing a slot whose program or turn still runs.
    ConfirmClose(SlotId),
    HistorySearch(HistorySearch),
    CopyMode(CopyCursor),
    /// Copy mode's search prompt: the query being typed over the copy cursor.
    PaneSearch(super::pane_search::SearchPrompt),
    /// The focused agent slot waits for an approval decision.
    Approval,
    /// Denying with a reason: the reason being typed.
    DenyReason(String),
    /// The new-slot dialog (agent, or a command to run in a pane).
    NewSlot(NewSlotDialog),
    /// A slot's worktree diff (full screen).
    Diff(Box<super::diff_view::DiffView>),
    /// Closing a slot that has a worktree: keep or remove it.
    CloseSlot(super::diff_view::CloseDialog),
    /// The resume or fork picker (full screen).
    Picker(Box<Picker>),
    /// The task board (full screen).
    Board(Box<super::board::BoardView>),
}

/// The new-slot dialog: what kind of slot, the command a pane runs, and whether the slot gets
/// its own git worktree (on by default for agents inside a repository, opt-in for panes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSlotDialog {
    pub kind: super::slots::SlotKind,
    pub command: String,
    pub worktree: bool,
}

/// A session the palette offers to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentSession {
    pub id: SessionId,
    pub title: String,
    pub kind: SessionKind,
    pub status: String,
    pub updated_at: Timestamp,
}

/// A one-line message in the status line until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

#[derive(Debug)]
pub struct AppState {
    pub size: Size,
    pub theme: Theme,
    pub slots: Vec<Slot>,
    pub focused: Option<SlotId>,
    /// Slots by most recent focus, newest first: which ones a split or grid shows.
    pub mru: Vec<SlotId>,
    pub focus: Focus,
    pub layout: LayoutMode,
    /// Which keys run which command in every mode (defaults plus `config.toml`).
    pub keymap: super::keymap::Keymap,
    /// The slot list is hidden (more room on narrow terminals).
    pub sidebar_hidden: bool,
    /// The selected entry of the `/` command list.
    pub slash_selected: usize,
    /// `/status` asked the server; its answer becomes a notice.
    pub status_wanted: bool,
    /// The leader was just pressed in a pane: `d` next detaches (tmux's prefix, then `d`).
    pub leader_armed: bool,
    /// When a pane counts as waiting or idle.
    pub activity: crate::pty::ActivityPolicy,
    /// What agents talk to, for the status line (e.g. "gpt-5", "demo provider (no key)").
    pub model: Option<String>,
    /// The workstation runs inside a git repository, so slots can get worktrees.
    pub in_repo: bool,
    pub mode: Mode,
    pub composer: Composer,
    pub history: History,
    pub recent: Vec<RecentSession>,
    /// Every task on the board, kept current by the server.
    pub tasks: super::board::TaskBoard,
    /// Parts that failed and have not recovered, with what went wrong (shown in the status
    /// line until the server says the part works again).
    pub failures: Vec<(crate::protocol::Scope, String)>,
    pub notice: Option<Notice>,
    /// A slot to focus as soon as the server opens it (a resumed or forked session).
    pub pending_focus: Option<SlotId>,
    /// A copy waiting for pane rows the server sends.
    pub pending_copy: Option<Selection>,
    /// Copy mode's pane search: the last query and the search the server is running.
    pub pane_search: super::pane_search::PaneSearchState,
    /// Why the workstation is leaving (shown after the terminal is restored).
    pub farewell: Option<String>,
    pub selection: Option<Selection>,
    pub clicks: ClickTracker,
    /// "Now" for ages shown on screen; set by the driver, fixed in tests.
    pub now: Timestamp,
    /// The directory the workstation was started in (the picker's "this directory" filter).
    pub cwd: String,
    /// Set when the workstation should exit.
    pub quit: bool,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    /// The focused slot's content changed (drawn at full frame rate; background changes wait
    /// longer).
    pub focus_dirty: bool,
}

impl AppState {
    pub fn new(size: Size, theme: Theme) -> Self {
        Self {
            size,
            theme,
            slots: Vec::new(),
            focused: None,
            mru: Vec::new(),
            focus: Focus::Workstation,
            layout: LayoutMode::Zoom,
            keymap: super::keymap::Keymap::default(),
            sidebar_hidden: false,
            slash_selected: 0,
            status_wanted: false,
            leader_armed: false,
            activity: crate::pty::ActivityPolicy::default(),
            model: None,
            in_repo: false,
            mode: Mode::Normal,
            composer: Composer::default(),
            history: History::default(),
            recent: Vec::new(),
            tasks: Default::default(),
            failures: Vec::new(),
            notice: None,
            pending_focus: None,
            pending_copy: None,
            pane_search: Default::default(),
            farewell: None,
            selection: None,
            clicks: ClickTracker::default(),
            now: Timestamp::now(),
            cwd: String::new(),
            quit: false,
            dirty: true,
            focus_dirty: true,
        }
    }

    /// The chord that takes keys back from a pane (configurable, `Ctrl+G` by default).
    pub fn leader(&self) -> super::keymap::Chord {
        self.keymap.leader()
    }

    pub fn slot(&self, id: SlotId) -> Option<&Slot> {
        self.slots.iter().find(|s| s.id == id)
    }

    pub fn slot_mut(&mut self, id: SlotId) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.id == id)
    }

    pub fn focused_slot(&self) -> Option<&Slot> {
        self.focused.and_then(|id| self.slot(id))
    }

    pub fn focused_slot_mut(&mut self) -> Option<&mut Slot> {
        let id = self.focused?;
        self.slot_mut(id)
    }

    /// Records a failure of `scope` (replacing an older one of the same part).
    pub fn fail(&mut self, scope: crate::protocol::Scope, text: impl Into<String>) {
        let text = text.into();
        self.failures.retain(|(s, _)| *s != scope);
        self.failures.push((scope, text.clone()));
        self.notify_error(text);
    }

    /// The part works again.
    pub fn recover(&mut self, scope: crate::protocol::Scope) {
        self.failures.retain(|(s, _)| *s != scope);
    }

    /// Slots whose work keeps running after a detach.
    pub fn live_slots(&self) -> usize {
        self.slots.iter().filter(|s| s.is_live()).count()
    }

    pub fn notify(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: false,
        });
    }

    pub fn notify_error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: true,
        });
    }
}

/// Everything that can happen to the workstation.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent, Instant),
    Resize(Size),
    FocusGained,
    FocusLost,
    /// The server said something.
    Server(crate::protocol::Notification),
    /// The connection to the server ended.
    ServerGone,
    /// SIGTERM, SIGHUP or SIGINT: leave now (the server keeps everything running).
    Terminate,
}

/// Everything the workstation asks the outside world to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A command for the server.
    Send(crate::protocol::Command),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Stop the process (Ctrl+Z) and redraw fully on resume.
    Suspend,
    /// Leave the workstation: a detach, everything keeps running in the server.
    Quit,
    /// Ring the bell and raise a desktop notification: someone is needed.
    Alert(String),
}
