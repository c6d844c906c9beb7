//! The command registry: one table of every command with its id, stable name, title,
//! description and when it is enabled. The keymap (`keymap.rs`: which keys run which command
//! in which mode), the palette, the help overlay and `docs/KEYS.md` all read it, so they
//! cannot disagree.
//!
//! | file | owns |
//! |---|---|
//! | `table.rs` | the registry's rows, in the order help and `docs/KEYS.md` list them |

pub use super::keymap::{Chord, DEFAULT_LEADER, When};

/// Every command the workstation knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandId {
    OpenPalette,
    ToggleHelp,
    Quit,
    Detach,
    StopServer,
    Suspend,
    NewAgentSlot,
    NewShellSlot,
    RunCommandSlot,
    RestartSlot,
    LayoutZoom,
    LayoutSplit,
    LayoutGrid,
    ToggleReasoning,
    ShowDiff,
    ShowBoard,
    ResumeSession,
    ForkSession,
    NextSlot,
    PrevSlot,
    CloseSlot,
    ScrollUp,
    ScrollDown,
    ScrollTop,
    ScrollBottom,
    CopyMode,
    SearchPane,
    Interrupt,
    Submit,
    InsertNewline,
    HistorySearch,
    ClearOrInterrupt,
    CursorLeft,
    CursorRight,
    CursorUp,
    CursorDown,
    LineStart,
    LineEnd,
    WordLeft,
    WordRight,
    Backspace,
    DeleteChar,
    KillToEnd,
    KillToStart,
    KillWord,
    Yank,
    // Modal views: lists, dialogs, queries.
    Accept,
    Close,
    Up,
    Down,
    PageUp,
    PageDown,
    ClearQuery,
    ToggleHere,
    ToggleFinished,
    OlderMatch,
    NewerMatch,
    MarkSelection,
    CopySelection,
    SearchBack,
    SearchForward,
    SearchNext,
    SearchPrevious,
    Approve,
    ApproveForSession,
    Deny,
    DenyWithReason,
    DecideLater,
    ToggleWorktree,
    NextSource,
    PrevSource,
    KeepWorktree,
    RemoveWorktree,
    ForceRemoveWorktree,
    ReleaseKeys,
    PaneScrollUp,
    PaneScrollDown,
    ToggleSidebar,
    SetModel,
    SetApproval,
    RenameSlot,
    ShowStatus,
    Complete,
    BoardFilter,
    BoardSearch,
    BoardNew,
    BoardApprove,
    BoardReject,
    BoardRetry,
    BoardCancel,
    BoardResume,
    BoardOpen,
}

/// One row of the registry.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub id: CommandId,
    /// Stable dotted name, used in docs and `config.toml`.
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub when: When,
    /// Offered in the command palette (editing keys are not).
    pub in_palette: bool,
}

macro_rules! command {
    ($id:ident, $name:literal, $title:literal, $desc:literal, $when:ident, $palette:literal) => {
        Command {
            id: CommandId::$id,
            name: $name,
            title: $title,
            description: $desc,
            when: When::$when,
            in_palette: $palette,
        }
    };
}

mod table;

pub use table::COMMANDS;

/// The registry row of a command.
pub fn command(id: CommandId) -> &'static Command {
    COMMANDS.iter().find(|c| c.id == id).unwrap_or(&COMMANDS[0])
}

/// The command with this stable name (`config.toml` bindings).
pub fn by_name(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

#[cfg(test)]
mod tests;
