//! The registry's rows: every command's id, name, title, description and condition.

use super::CommandId;
use super::{Command, When};

/// The registry. Order is the order of the help overlay and `docs/KEYS.md`.
pub const COMMANDS: &[Command] = &[
    command!(
        OpenPalette,
        "palette.open",
        "Command palette",
        "Search commands, slots and recent sessions",
        Always,
        false
    ),
    command!(
        ToggleHelp,
        "help.toggle",
        "Help",
        "Show every command and its keys",
        Always,
        true
    ),
    command!(
        Quit,
        "app.quit",
        "Quit",
        "Leave the window; asks whether to detach or stop",
        Always,
        true
    ),
    command!(
        Detach,
        "app.detach",
        "Detach",
        "Leave; every slot keeps running in the server",
        Always,
        true
    ),
    command!(
        StopServer,
        "server.stop",
        "Stop the server",
        "End every slot (sessions closed) and the server",
        Always,
        true
    ),
    command!(
        Suspend,
        "app.suspend",
        "Suspend",
        "Stop switchboard and return to the shell; `fg` resumes it",
        Always,
        true
    ),
    command!(
        NewAgentSlot,
        "slot.new_agent",
        "New agent slot",
        "Open an empty native agent slot; the next prompt starts its session",
        Always,
        true
    ),
    command!(
        NewShellSlot,
        "slot.new_shell",
        "New shell slot",
        "Open your shell in a new pane; keys go to it until you press the leader",
        Always,
        true
    ),
    command!(
        RunCommandSlot,
        "slot.new_command",
        "New slot: run command…",
        "Type a command line to run in a new pane (through your shell)",
        Always,
        true
    ),
    command!(
        RestartSlot,
        "slot.restart",
        "Restart slot program",
        "Run the focused pane's ended program again, below its last screen",
        HasSlots,
        true
    ),
    command!(
        LayoutZoom,
        "layout.zoom",
        "Layout: one slot",
        "Show the focused slot alone",
        Always,
        true
    ),
    command!(
        LayoutSplit,
        "layout.split",
        "Layout: side by side",
        "Show the two most recently focused slots side by side",
        Always,
        true
    ),
    command!(
        LayoutGrid,
        "layout.grid",
        "Layout: 2×2 grid",
        "Show the four most recently focused slots in a grid",
        Always,
        true
    ),
    command!(
        ToggleReasoning,
        "view.reasoning",
        "Show / hide reasoning",
        "Unfold or fold the model's reasoning summaries in the focused agent slot",
        HasSlots,
        true
    ),
    command!(
        ShowDiff,
        "view.diff",
        "Show diff",
        "The focused slot's worktree changes: the whole branch, or turn by turn (Tab)",
        HasSlots,
        true
    ),
    command!(
        ShowBoard,
        "view.board",
        "Task board",
        "Tasks grouped by state: filter, details, approve or reject a gate, retry, cancel, submit",
        Always,
        true
    ),
    command!(
        ResumeSession,
        "session.resume",
        "Resume session…",
        "Pick a stored session (fuzzy search, preview) and open it in a slot",
        Always,
        true
    ),
    command!(
        ForkSession,
        "session.fork",
        "Fork session…",
        "Pick a session, then a turn, and open a fork cut after it",
        Always,
        true
    ),
    command!(
        NextSlot,
        "slot.next",
        "Next slot",
        "Focus the next slot",
        HasSlots,
        true
    ),
    command!(
        PrevSlot,
        "slot.prev",
        "Previous slot",
        "Focus the previous slot",
        HasSlots,
        true
    ),
    command!(
        CloseSlot,
        "slot.close",
        "Close slot",
        "Close the focused slot (its session stays in the store)",
        HasSlots,
        true
    ),
    command!(
        ScrollUp,
        "view.scroll_up",
        "Scroll up",
        "Scroll the focused slot up a page",
        HasSlots,
        true
    ),
    command!(
        ScrollDown,
        "view.scroll_down",
        "Scroll down",
        "Scroll the focused slot down a page",
        HasSlots,
        true
    ),
    command!(
        ScrollTop,
        "view.scroll_top",
        "Scroll to top",
        "Jump to the start of the focused slot",
        HasSlots,
        true
    ),
    command!(
        ScrollBottom,
        "view.scroll_bottom",
        "Scroll to bottom",
        "Jump to the newest output and follow it",
        HasSlots,
        true
    ),
    command!(
        CopyMode,
        "copy.mode",
        "Copy mode",
        "Select text with the keyboard and copy it (OSC 52), or search the pane's history",
        HasSlots,
        true
    ),
    command!(
        SearchPane,
        "copy.search",
        "Search pane history",
        "Find text in the focused pane's output, back to its first line (in copy mode; lowercase matches any case)",
        HasSlots,
        true
    ),
    command!(
        Interrupt,
        "agent.interrupt",
        "Interrupt turn",
        "Stop the focused agent's turn: the stream is cancelled and a running command killed",
        HasSlots,
        true
    ),
    command!(
        Submit,
        "composer.submit",
        "Submit",
        "Send the composer's text to the focused agent slot",
        Always,
        false
    ),
    command!(
        InsertNewline,
        "composer.newline",
        "New line",
        "Insert a line break",
        Always,
        false
    ),
    command!(
        HistorySearch,
        "composer.history_search",
        "Search history",
        "Search earlier prompts as you type; the same key again for older matches",
        Always,
        true
    ),
    command!(
        ClearOrInterrupt,
        "composer.clear",
        "Clear / interrupt",
        "Clear the composer; when empty, interrupt the focused slot's turn",
        Always,
        false
    ),
    command!(
        CursorLeft,
        "composer.left",
        "Cursor left",
        "Move one character left",
        Always,
        false
    ),
    command!(
        CursorRight,
        "composer.right",
        "Cursor right",
        "Move one character right",
        Always,
        false
    ),
    command!(
        CursorUp,
        "composer.up",
        "Up / older prompt",
        "Previous line; on the first line, the previous prompt from history",
        Always,
        false
    ),
    command!(
        CursorDown,
        "composer.down",
        "Down / newer prompt",
        "Next line; on the last line, the next prompt from history",
        Always,
        false
    ),
    command!(
        LineStart,
        "composer.line_start",
        "Line start",
        "Move to the start of the line",
        Always,
        false
    ),
    command!(
        LineEnd,
        "composer.line_end",
        "Line end",
        "Move to the end of the line",
        Always,
        false
    ),
    command!(
        WordLeft,
        "composer.word_left",
        "Word left",
        "Move to the previous word",
        Always,
        false
    ),
    command!(
        WordRight,
        "composer.word_right",
        "Word right",
        "Move past the next word",
        Always,
        false
    ),
    command!(
        Backspace,
        "composer.backspace",
        "Delete back",
        "Delete the character before the cursor",
        Always,
        false
    ),
    command!(
        DeleteChar,
        "composer.delete",
        "Delete",
        "Delete the character under the cursor",
        Always,
        false
    ),
    command!(
        KillToEnd,
        "composer.kill_to_end",
        "Kill to end",
        "Cut from the cursor to the end of the line",
        Always,
        false
    ),
    command!(
        KillToStart,
        "composer.kill_to_start",
        "Kill to start",
        "Cut from the start of the line to the cursor",
        Always,
        false
    ),
    command!(
        KillWord,
        "composer.kill_word",
        "Kill word",
        "Cut the word before the cursor",
        Always,
        false
    ),
    command!(
        Yank,
        "composer.yank",
        "Paste cut text",
        "Insert the text cut last",
        Always,
        false
    ),
    command!(
        ToggleSidebar,
        "view.sidebar",
        "Toggle the slot list",
        "Hide or show the slot list (more room on narrow terminals)",
        Always,
        true
    ),
    command!(
        SetModel,
        "agent.model",
        "Model…",
        "The model for the focused agent's next turns (/model NAME)",
        HasSlots,
        true
    ),
    command!(
        SetApproval,
        "agent.approvals",
        "Approval policy…",
        "When the focused agent asks first: untrusted, on-request, never (/approvals)",
        HasSlots,
        true
    ),
    command!(
        RenameSlot,
        "slot.rename",
        "Rename slot…",
        "A new name for the focused slot and its session (/rename TITLE)",
        HasSlots,
        true
    ),
    command!(
        ShowStatus,
        "app.status",
        "Status",
        "The server, this window and the focused slot in one line (/status)",
        Always,
        true
    ),
    command!(
        Complete,
        "slash.complete",
        "Complete",
        "Complete the slash command",
        Always,
        false
    ),
    command!(
        BoardFilter,
        "board.filter",
        "Filter",
        "Show all tasks, then one state at a time",
        Always,
        false
    ),
    command!(
        BoardSearch,
        "board.search",
        "Search",
        "Only tasks whose name or title contains what you type",
        Always,
        false
    ),
    command!(
        BoardNew,
        "board.new",
        "New task",
        "A form: goal, title, executor, validation, depends, gate",
        Always,
        false
    ),
    command!(
        BoardApprove,
        "board.approve",
        "Approve",
        "Approve the gate, or the command the agent waits on",
        Always,
        false
    ),
    command!(
        BoardReject,
        "board.reject",
        "Reject",
        "Reject, with a reason you type",
        Always,
        false
    ),
    command!(
        BoardRetry,
        "board.retry",
        "Retry",
        "Start a fresh attempt of a failed, blocked or cancelled task",
        Always,
        false
    ),
    command!(
        BoardCancel,
        "board.cancel",
        "Cancel",
        "Stop the task's attempt and cancel it",
        Always,
        false
    ),
    command!(
        BoardResume,
        "board.resume",
        "Resume",
        "Resume an interrupted attempt in place, in its worktree",
        Always,
        false
    ),
    command!(
        BoardOpen,
        "board.open",
        "Open session",
        "Open the latest attempt's session in a slot, to watch or steer it",
        Always,
        false
    ),
    command!(
        Accept,
        "dialog.accept",
        "Accept",
        "Run, choose or confirm",
        Always,
        false
    ),
    command!(
        Close,
        "dialog.close",
        "Close",
        "Close the view or dialog",
        Always,
        false
    ),
    command!(Up, "list.up", "Up", "Move the selection up", Always, false),
    command!(
        Down,
        "list.down",
        "Down",
        "Move the selection down",
        Always,
        false
    ),
    command!(
        PageUp,
        "list.page_up",
        "Page up",
        "Move a page up",
        Always,
        false
    ),
    command!(
        PageDown,
        "list.page_down",
        "Page down",
        "Move a page down",
        Always,
        false
    ),
    command!(
        ClearQuery,
        "query.clear",
        "Clear",
        "Clear what was typed",
        Always,
        false
    ),
    command!(
        ToggleHere,
        "picker.here",
        "This directory",
        "This directory only, or all directories",
        Always,
        false
    ),
    command!(
        ToggleFinished,
        "picker.finished",
        "Finished too",
        "Include exited and closed sessions",
        Always,
        false
    ),
    command!(
        OlderMatch,
        "history.older",
        "Older",
        "The older match",
        Always,
        false
    ),
    command!(
        NewerMatch,
        "history.newer",
        "Newer",
        "The newer match",
        Always,
        false
    ),
    command!(
        MarkSelection,
        "copy.mark",
        "Mark",
        "Start (or restart) a selection at the cursor",
        Always,
        false
    ),
    command!(
        CopySelection,
        "copy.copy",
        "Copy",
        "Copy the selection (OSC 52)",
        Always,
        false
    ),
    command!(
        SearchBack,
        "copy.search_back",
        "Search back",
        "Find text you type in older history, up to the pane's first line (lowercase matches any case)",
        Always,
        false
    ),
    command!(
        SearchForward,
        "copy.search_forward",
        "Search forward",
        "Find text you type in newer history, down to the live screen",
        Always,
        false
    ),
    command!(
        SearchNext,
        "copy.search_next",
        "Next match",
        "The next match, the way the last search went",
        Always,
        false
    ),
    command!(
        SearchPrevious,
        "copy.search_prev",
        "Previous match",
        "The next match the other way",
        Always,
        false
    ),
    command!(
        Approve,
        "approval.once",
        "Approve",
        "Run the command once",
        Always,
        false
    ),
    command!(
        ApproveForSession,
        "approval.session",
        "Approve for the session",
        "Run it, and identical commands for the rest of the session",
        Always,
        false
    ),
    command!(
        Deny,
        "approval.deny",
        "Deny",
        "Do not run it (the model is told)",
        Always,
        false
    ),
    command!(
        DenyWithReason,
        "approval.deny_reason",
        "Deny with a reason",
        "Type a reason the model reads",
        Always,
        false
    ),
    command!(
        DecideLater,
        "approval.later",
        "Later",
        "Decide later (the turn waits)",
        Always,
        false
    ),
    command!(
        ToggleWorktree,
        "new_slot.worktree",
        "Worktree",
        "Its own git worktree, or the current directory",
        Always,
        false
    ),
    command!(
        NextSource,
        "diff.next",
        "Next",
        "Whole branch, then turn by turn",
        Always,
        false
    ),
    command!(
        PrevSource,
        "diff.prev",
        "Previous",
        "The other way round",
        Always,
        false
    ),
    command!(
        KeepWorktree,
        "close.keep",
        "Keep",
        "Close and keep the worktree and branch",
        Always,
        false
    ),
    command!(
        RemoveWorktree,
        "close.remove",
        "Remove",
        "Close and remove them (refused when work would be lost)",
        Always,
        false
    ),
    command!(
        ForceRemoveWorktree,
        "close.force_remove",
        "Remove anyway",
        "Remove even though work would be lost",
        Always,
        false
    ),
    command!(
        ReleaseKeys,
        "pane.release",
        "Keys to the workstation",
        "Take the keys back from the pane (the leader; then d detaches)",
        Always,
        false
    ),
    command!(
        PaneScrollUp,
        "pane.scroll_up",
        "Scroll history up",
        "Scroll the pane's history up",
        Always,
        false
    ),
    command!(
        PaneScrollDown,
        "pane.scroll_down",
        "Scroll history down",
        "Scroll the pane's history down",
        Always,
        false
    ),
];
