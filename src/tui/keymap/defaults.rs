//! The default bindings of every mode. Order matters: a command's first key is the one hints
//! show. Keys that are not commands (typing into a query, the mouse) are `notes`.

use crossterm::event::KeyCode;

use super::KeyMode::{
    Approval, Board, CloseWorktree, Composer, ConfirmClose, Copy, DenyReason, Diff, Help, History,
    Leave, NewSlot, Palette, Pane, PaneSearch, Picker, PickerTurns, Slash, Workstation,
};
use super::chord::{A, C, S};
use super::{Binding, Chord, KeyMode, bind};
use crate::tui::commands::CommandId::*;

const fn plain(code: KeyCode) -> Chord {
    Chord::plain(code)
}
const fn key(c: char) -> Chord {
    Chord::key(c)
}
const fn ctrl(c: char) -> Chord {
    Chord::ctrl(c)
}
const fn alt(c: char) -> Chord {
    Chord::alt(c)
}
const fn new(code: KeyCode, mods: crossterm::event::KeyModifiers) -> Chord {
    Chord::new(code, mods)
}

const ESC: Chord = plain(KeyCode::Esc);
const ENTER: Chord = plain(KeyCode::Enter);
const UP: Chord = plain(KeyCode::Up);
const DOWN: Chord = plain(KeyCode::Down);
const PGUP: Chord = plain(KeyCode::PageUp);
const PGDN: Chord = plain(KeyCode::PageDown);
const BACKSPACE: Chord = plain(KeyCode::Backspace);

pub const BINDINGS: &[Binding] = &[
    bind(Workstation, OpenPalette, &[ctrl('p')]),
    bind(
        Workstation,
        ToggleHelp,
        &[
            plain(KeyCode::F(1)),
            plain(KeyCode::Char('?')).if_composer_empty(),
        ],
    ),
    bind(Workstation, Quit, &[ctrl('q')]),
    bind(Workstation, Detach, &[]),
    bind(Workstation, StopServer, &[]),
    bind(Workstation, Suspend, &[ctrl('z')]),
    bind(Workstation, NewAgentSlot, &[ctrl('t')]),
    bind(Workstation, NewShellSlot, &[ctrl('n')]),
    bind(Workstation, RunCommandSlot, &[alt('n')]),
    bind(Workstation, RestartSlot, &[plain(KeyCode::F(5))]),
    bind(Workstation, LayoutZoom, &[alt('1')]),
    bind(Workstation, LayoutSplit, &[alt('2')]),
    bind(Workstation, LayoutGrid, &[alt('4')]),
    bind(Workstation, ToggleReasoning, &[alt('r')]),
    bind(Workstation, ShowDiff, &[alt('d')]),
    bind(Workstation, ShowBoard, &[alt('t')]),
    bind(Workstation, ResumeSession, &[ctrl('o')]),
    bind(Workstation, ForkSession, &[]),
    bind(Workstation, NextSlot, &[new(KeyCode::PageDown, C)]),
    bind(Workstation, PrevSlot, &[new(KeyCode::PageUp, C)]),
    bind(Workstation, CloseSlot, &[]),
    bind(Workstation, ScrollUp, &[plain(KeyCode::PageUp)]),
    bind(Workstation, ScrollDown, &[plain(KeyCode::PageDown)]),
    bind(Workstation, ScrollTop, &[new(KeyCode::Home, C)]),
    bind(Workstation, ScrollBottom, &[new(KeyCode::End, C)]),
    bind(Workstation, CopyMode, &[alt('c')]),
    bind(Workstation, SearchPane, &[]),
    bind(Workstation, Interrupt, &[plain(KeyCode::Esc)]),
    bind(Composer, Submit, &[plain(KeyCode::Enter)]),
    bind(
        Composer,
        InsertNewline,
        &[new(KeyCode::Enter, S), new(KeyCode::Enter, A), ctrl('j')],
    ),
    bind(Composer, HistorySearch, &[ctrl('r')]),
    bind(Composer, ClearOrInterrupt, &[ctrl('c')]),
    bind(Composer, CursorLeft, &[plain(KeyCode::Left), ctrl('b')]),
    bind(Composer, CursorRight, &[plain(KeyCode::Right), ctrl('f')]),
    bind(Composer, CursorUp, &[plain(KeyCode::Up)]),
    bind(Composer, CursorDown, &[plain(KeyCode::Down)]),
    bind(Composer, LineStart, &[ctrl('a'), plain(KeyCode::Home)]),
    bind(Composer, LineEnd, &[ctrl('e'), plain(KeyCode::End)]),
    bind(Composer, WordLeft, &[alt('b'), new(KeyCode::Left, C)]),
    bind(Composer, WordRight, &[alt('f'), new(KeyCode::Right, C)]),
    bind(Composer, Backspace, &[plain(KeyCode::Backspace), ctrl('h')]),
    bind(Composer, DeleteChar, &[plain(KeyCode::Delete), ctrl('d')]),
    bind(Composer, KillToEnd, &[ctrl('k')]),
    bind(Composer, KillToStart, &[ctrl('u')]),
    bind(Composer, KillWord, &[ctrl('w')]),
    bind(Composer, Yank, &[ctrl('y')]),
    bind(Workstation, ToggleSidebar, &[alt('s')]),
    // A pane has the keys.
    bind(Pane, ReleaseKeys, &[ctrl('g')]),
    bind(Pane, PaneScrollUp, &[new(KeyCode::PageUp, S)]),
    bind(Pane, PaneScrollDown, &[new(KeyCode::PageDown, S)]),
    // Command palette.
    bind(Palette, Accept, &[ENTER]),
    bind(Palette, Close, &[ESC]),
    bind(Palette, Up, &[UP, ctrl('p')]),
    bind(Palette, Down, &[DOWN, ctrl('n')]),
    bind(Palette, ClearQuery, &[ctrl('u')]),
    bind(Palette, Backspace, &[BACKSPACE]),
    // Resume and fork pickers.
    bind(Picker, Accept, &[ENTER]),
    bind(Picker, Close, &[ESC]),
    bind(Picker, Up, &[UP, ctrl('p')]),
    bind(Picker, Down, &[DOWN, ctrl('n')]),
    bind(Picker, PageUp, &[PGUP]),
    bind(Picker, PageDown, &[PGDN]),
    bind(Picker, ToggleHere, &[plain(KeyCode::Tab)]),
    bind(Picker, ToggleFinished, &[ctrl('x')]),
    bind(Picker, ClearQuery, &[ctrl('u')]),
    bind(Picker, Backspace, &[BACKSPACE]),
    bind(PickerTurns, Accept, &[ENTER]),
    bind(PickerTurns, Close, &[ESC]),
    bind(PickerTurns, Up, &[UP]),
    bind(PickerTurns, Down, &[DOWN]),
    bind(PickerTurns, PageUp, &[PGUP]),
    bind(PickerTurns, PageDown, &[PGDN]),
    // Help.
    bind(
        Help,
        Close,
        &[ESC, plain(KeyCode::F(1)), key('?'), key('q')],
    ),
    bind(Help, Up, &[UP, key('k')]),
    bind(Help, Down, &[DOWN, key('j')]),
    bind(Help, PageUp, &[PGUP]),
    bind(Help, PageDown, &[PGDN, key(' ')]),
    // Leaving while something runs.
    bind(Leave, Detach, &[key('d'), ENTER]),
    bind(Leave, StopServer, &[key('s')]),
    bind(Leave, Close, &[ESC, key('n')]),
    // History search.
    bind(History, Accept, &[ENTER]),
    bind(History, Close, &[ESC, ctrl('c')]),
    bind(History, OlderMatch, &[ctrl('r'), UP]),
    bind(History, NewerMatch, &[ctrl('s'), DOWN]),
    bind(History, ClearQuery, &[ctrl('u')]),
    bind(History, Backspace, &[BACKSPACE]),
    // Copy mode.
    bind(Copy, CopySelection, &[ENTER, key('y')]),
    bind(Copy, MarkSelection, &[key('v'), key(' ')]),
    bind(Copy, Close, &[ESC, key('q')]),
    bind(Copy, CursorLeft, &[plain(KeyCode::Left), key('h')]),
    bind(Copy, CursorRight, &[plain(KeyCode::Right), key('l')]),
    bind(Copy, CursorUp, &[UP, key('k')]),
    bind(Copy, CursorDown, &[DOWN, key('j')]),
    bind(Copy, LineStart, &[plain(KeyCode::Home), key('0')]),
    bind(Copy, LineEnd, &[plain(KeyCode::End), key('$')]),
    bind(Copy, ScrollTop, &[key('g')]),
    bind(Copy, ScrollBottom, &[key('G')]),
    bind(Copy, PageUp, &[PGUP]),
    bind(Copy, PageDown, &[PGDN]),
    bind(Copy, SearchBack, &[key('/')]),
    bind(Copy, SearchForward, &[key('?')]),
    bind(Copy, SearchNext, &[key('n')]),
    bind(Copy, SearchPrevious, &[key('N')]),
    // Typing a pane search.
    bind(PaneSearch, Accept, &[ENTER]),
    bind(PaneSearch, Close, &[ESC, ctrl('c')]),
    bind(PaneSearch, ClearQuery, &[ctrl('u')]),
    bind(PaneSearch, Backspace, &[BACKSPACE]),
    // The approval prompt.
    bind(Approval, Approve, &[key('y')]),
    bind(Approval, ApproveForSession, &[key('a')]),
    bind(Approval, Deny, &[key('n')]),
    bind(Approval, DenyWithReason, &[key('r')]),
    bind(Approval, DecideLater, &[ESC]),
    bind(Approval, Interrupt, &[ctrl('c')]),
    bind(Approval, Quit, &[ctrl('q')]),
    bind(DenyReason, Accept, &[ENTER]),
    bind(DenyReason, Close, &[ESC]),
    bind(DenyReason, Backspace, &[BACKSPACE]),
    // The new-slot dialog.
    bind(NewSlot, Accept, &[ENTER]),
    bind(NewSlot, Close, &[ESC, ctrl('c')]),
    bind(NewSlot, ToggleWorktree, &[plain(KeyCode::Tab)]),
    bind(NewSlot, ClearQuery, &[ctrl('u')]),
    bind(NewSlot, Backspace, &[BACKSPACE]),
    // The diff view.
    bind(Diff, Close, &[ESC, key('q')]),
    bind(Diff, Up, &[UP, key('k')]),
    bind(Diff, Down, &[DOWN, key('j')]),
    bind(Diff, PageUp, &[PGUP]),
    bind(Diff, PageDown, &[PGDN, key(' ')]),
    bind(Diff, NextSource, &[plain(KeyCode::Tab)]),
    bind(Diff, PrevSource, &[plain(KeyCode::BackTab)]),
    // Closing a slot with a worktree.
    bind(CloseWorktree, KeepWorktree, &[key('k')]),
    bind(CloseWorktree, RemoveWorktree, &[key('r')]),
    bind(CloseWorktree, ForceRemoveWorktree, &[key('R')]),
    bind(CloseWorktree, Close, &[ESC, key('n')]),
    // Closing a slot that still runs.
    bind(ConfirmClose, Accept, &[key('y'), ENTER]),
    bind(ConfirmClose, Close, &[ESC, key('n')]),
    // Slash commands.
    bind(Slash, Accept, &[ENTER]),
    bind(Slash, Complete, &[plain(KeyCode::Tab)]),
    bind(Slash, Up, &[UP]),
    bind(Slash, Down, &[DOWN]),
    bind(Slash, Close, &[ESC]),
    // The task board.
    bind(Board, Close, &[ESC, key('q')]),
    bind(Board, Up, &[UP, key('k')]),
    bind(Board, Down, &[DOWN, key('j')]),
    bind(Board, PageUp, &[PGUP]),
    bind(Board, PageDown, &[PGDN]),
    bind(Board, Accept, &[ENTER]),
    bind(Board, BoardFilter, &[plain(KeyCode::Tab)]),
    bind(Board, BoardSearch, &[key('/')]),
    bind(Board, BoardNew, &[key('n')]),
    bind(Board, BoardApprove, &[key('a')]),
    bind(Board, BoardReject, &[key('x')]),
    bind(Board, BoardRetry, &[key('r')]),
    bind(Board, BoardCancel, &[key('c')]),
    bind(Board, BoardResume, &[key('R')]),
    bind(Board, BoardOpen, &[key('o')]),
];

/// Keys of a mode that are not commands, for the docs.
pub fn notes(mode: KeyMode) -> &'static [(&'static str, &'static str)] {
    match mode {
        Pane => &[
            (
                "every other key",
                "goes to the program (Alt, Ctrl, arrows, function keys as a terminal sends them)",
            ),
            (
                "leader, then `d`",
                "detach: leave the window, everything keeps running",
            ),
            (
                "Shift+drag",
                "select text even when the program uses the mouse",
            ),
        ],
        Palette => &[("type", "fuzzy-search commands, slots and recent sessions")],
        Picker => &[(
            "type",
            "fuzzy-search title, kind, directory, branch and status",
        )],
        History => &[(
            "type",
            "search earlier prompts; the match shows as you type",
        )],
        Slash => &[
            ("type", "`/` then a command: the list narrows as you type"),
            (
                "`//`",
                "a prompt that starts with `/`, sent as typed (one `/`)",
            ),
        ],
        DenyReason | NewSlot => &[("type", "the text")],
        PaneSearch => &[(
            "type",
            "the text to find; Enter on an empty prompt repeats the last search",
        )],
        Board => &[
            (
                "Esc / Enter (searching)",
                "end the search, keeping the filter",
            ),
            (
                "in the new-task form",
                "type; Tab / Shift+Tab move between fields, Space toggles the gate, Ctrl+Enter submits, Esc closes",
            ),
            (
                "in a rejection",
                "type the reason; Enter sends it, Esc drops it",
            ),
        ],
        Workstation => &[
            (
                "drag",
                "select text; released selections are copied (OSC 52)",
            ),
            ("double-click / triple-click", "select a word / a line"),
            ("click a slot", "focus it"),
            ("wheel", "scroll"),
        ],
        Composer | PickerTurns | Help | Leave | Copy | Approval | Diff | CloseWorktree
        | ConfirmClose => &[],
    }
}
