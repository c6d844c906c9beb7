//! The command registry: one table of every command with its id, title, description, default
//! keys, where its keys apply and when it is enabled. The keymap, the palette, the help overlay
//! and `docs/KEYS.md` all read this table, so they cannot disagree.

use crossterm::event::{KeyCode, KeyModifiers};

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
}

/// Where a command's keys apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere in the workstation (not while a pane has focus).
    Global,
    /// While the composer is being edited.
    Composer,
}

impl Scope {
    pub fn label(self) -> &'static str {
        match self {
            Self::Global => "Workstation",
            Self::Composer => "Composer",
        }
    }
}

/// When a command can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// At least one slot is open.
    HasSlots,
    /// The composer is empty (so a printable key like `?` is a command, not text).
    ComposerEmpty,
}

/// A key chord, and when it is bound (e.g. `?` only while the composer is empty, where it
/// would otherwise be text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
    pub when: When,
}

impl Chord {
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        Self {
            code,
            mods,
            when: When::Always,
        }
    }

    /// The same chord, bound only while the composer is empty.
    const fn if_composer_empty(self) -> Self {
        Self {
            when: When::ComposerEmpty,
            ..self
        }
    }

    const fn plain(code: KeyCode) -> Self {
        Self::new(code, KeyModifiers::NONE)
    }

    const fn ctrl(c: char) -> Self {
        Self::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    const fn alt(c: char) -> Self {
        Self::new(KeyCode::Char(c), KeyModifiers::ALT)
    }

    /// Whether a pressed key matches. Shift is ignored for printable characters (the
    /// character already carries it), never for other keys.
    pub fn matches(&self, code: KeyCode, mods: KeyModifiers) -> bool {
        let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT;
        let (mut want, mut got) = (self.mods & relevant, mods & relevant);
        if let KeyCode::Char(c) = code {
            want.remove(KeyModifiers::SHIFT);
            got.remove(KeyModifiers::SHIFT);
            let lower = |k: KeyCode| match k {
                KeyCode::Char(x) if !want.is_empty() => KeyCode::Char(x.to_ascii_lowercase()),
                other => other,
            };
            return lower(self.code) == lower(KeyCode::Char(c)) && want == got;
        }
        self.code == code && want == got
    }

    /// "Ctrl+P", "Shift+Enter", "F1", "?" (with a note when the binding is conditional).
    pub fn label(&self) -> String {
        match self.when {
            When::ComposerEmpty => format!("{} (empty prompt)", self.key_label()),
            When::Always | When::HasSlots => self.key_label(),
        }
    }

    fn key_label(&self) -> String {
        let mut parts = Vec::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            parts.push("Ctrl".to_owned());
        }
        if self.mods.contains(KeyModifiers::ALT) {
            parts.push("Alt".to_owned());
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            parts.push("Shift".to_owned());
        }
        parts.push(key_label(self.code));
        parts.join("+")
    }
}

fn key_label(code: KeyCode) -> String {
    match code {
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Char(c) if c.is_ascii_alphabetic() => c.to_ascii_uppercase().to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Delete".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        other => format!("{other:?}"),
    }
}

/// Takes keys back from a focused pane: rarely used by programs (it is the terminal bell in
/// shells), unlike Ctrl+A, Ctrl+B or Ctrl+] which tmux, screen and telnet users expect.
pub const DEFAULT_LEADER: Chord = Chord::ctrl('g');

impl Chord {
    /// Parses "ctrl-g", "ctrl+]", "alt-x", "f12" (config files).
    pub fn parse(text: &str) -> Option<Chord> {
        let lower = text.trim().to_lowercase();
        let mut mods = KeyModifiers::NONE;
        let mut rest = lower.as_str();
        loop {
            if let Some(r) = rest
                .strip_prefix("ctrl-")
                .or_else(|| rest.strip_prefix("ctrl+"))
            {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest
                .strip_prefix("alt-")
                .or_else(|| rest.strip_prefix("alt+"))
            {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            f if f.starts_with('f') && f.len() > 1 => KeyCode::F(f[1..].parse().ok()?),
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
            _ => return None,
        };
        (!mods.is_empty() || matches!(code, KeyCode::F(_))).then_some(Chord::new(code, mods))
    }
}

/// One row of the registry.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub id: CommandId,
    /// Stable dotted name, used in docs and config.
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub keys: &'static [Chord],
    pub scope: Scope,
    pub when: When,
    /// Offered in the command palette (editing keys are not).
    pub in_palette: bool,
}

const C: KeyModifiers = KeyModifiers::CONTROL;
const S: KeyModifiers = KeyModifiers::SHIFT;
const A: KeyModifiers = KeyModifiers::ALT;

macro_rules! command {
    ($id:ident, $name:literal, $title:literal, $desc:literal, [$($key:expr),*], $scope:ident, $when:ident, $palette:literal) => {
        Command {
            id: CommandId::$id,
            name: $name,
            title: $title,
            description: $desc,
            keys: &[$($key),*],
            scope: Scope::$scope,
            when: When::$when,
            in_palette: $palette,
        }
    };
}

/// The registry. Order is the order of the help overlay and `docs/KEYS.md`.
pub const COMMANDS: &[Command] = &[
    command!(
        OpenPalette,
        "palette.open",
        "Command palette",
        "Search commands, slots and recent sessions",
        [Chord::ctrl('p')],
        Global,
        Always,
        false
    ),
    command!(
        ToggleHelp,
        "help.toggle",
        "Help",
        "Show every command and its keys",
        [
            Chord::plain(KeyCode::F(1)),
            Chord::plain(KeyCode::Char('?')).if_composer_empty()
        ],
        Global,
        Always,
        true
    ),
    command!(
        Quit,
        "app.quit",
        "Quit",
        "Leave the window; asks whether to detach or stop",
        [Chord::ctrl('q')],
        Global,
        Always,
        true
    ),
    command!(
        Detach,
        "app.detach",
        "Detach",
        "Leave; every slot keeps running in the server",
        [],
        Global,
        Always,
        true
    ),
    command!(
        StopServer,
        "server.stop",
        "Stop the server",
        "End every slot (sessions closed) and the server",
        [],
        Global,
        Always,
        true
    ),
    command!(
        Suspend,
        "app.suspend",
        "Suspend",
        "Stop switchboard and return to the shell; `fg` resumes it",
        [Chord::ctrl('z')],
        Global,
        Always,
        true
    ),
    command!(
        NewAgentSlot,
        "slot.new_agent",
        "New agent slot",
        "Open an empty native agent slot; the next prompt starts its session",
        [Chord::ctrl('t')],
        Global,
        Always,
        true
    ),
    command!(
        NewShellSlot,
        "slot.new_shell",
        "New shell slot",
        "Open your shell in a new pane; keys go to it until Ctrl+G",
        [Chord::ctrl('n')],
        Global,
        Always,
        true
    ),
    command!(
        RunCommandSlot,
        "slot.new_command",
        "New slot: run command…",
        "Type a command line to run in a new pane (through your shell)",
        [Chord::alt('n')],
        Global,
        Always,
        true
    ),
    command!(
        RestartSlot,
        "slot.restart",
        "Restart slot program",
        "Run the focused pane's ended program again, below its last screen",
        [Chord::plain(KeyCode::F(5))],
        Global,
        HasSlots,
        true
    ),
    command!(
        LayoutZoom,
        "layout.zoom",
        "Layout: one slot",
        "Show the focused slot alone",
        [Chord::alt('1')],
        Global,
        Always,
        true
    ),
    command!(
        LayoutSplit,
        "layout.split",
        "Layout: side by side",
        "Show the two most recently focused slots side by side",
        [Chord::alt('2')],
        Global,
        Always,
        true
    ),
    command!(
        LayoutGrid,
        "layout.grid",
        "Layout: 2×2 grid",
        "Show the four most recently focused slots in a grid",
        [Chord::alt('4')],
        Global,
        Always,
        true
    ),
    command!(
        ToggleReasoning,
        "view.reasoning",
        "Show / hide reasoning",
        "Unfold or fold the model's reasoning summaries in the focused agent slot",
        [Chord::alt('r')],
        Global,
        HasSlots,
        true
    ),
    command!(
        ShowDiff,
        "view.diff",
        "Show diff",
        "The focused slot's worktree changes: the whole branch, or turn by turn (Tab)",
        [Chord::alt('d')],
        Global,
        HasSlots,
        true
    ),
    command!(
        ShowBoard,
        "view.board",
        "Task board",
        "Tasks grouped by state: filter, details, approve or reject a gate, retry, cancel, submit",
        [Chord::alt('t')],
        Global,
        Always,
        true
    ),
    command!(
        ResumeSession,
        "session.resume",
        "Resume session…",
        "Pick a stored session (fuzzy search, preview) and open it in a slot",
        [Chord::ctrl('o')],
        Global,
        Always,
        true
    ),
    command!(
        ForkSession,
        "session.fork",
        "Fork session…",
        "Pick a session, then a turn, and open a fork cut after it",
        [],
        Global,
        Always,
        true
    ),
    command!(
        NextSlot,
        "slot.next",
        "Next slot",
        "Focus the next slot",
        [Chord::new(KeyCode::PageDown, C)],
        Global,
        HasSlots,
        true
    ),
    command!(
        PrevSlot,
        "slot.prev",
        "Previous slot",
        "Focus the previous slot",
        [Chord::new(KeyCode::PageUp, C)],
        Global,
        HasSlots,
        true
    ),
    command!(
        CloseSlot,
        "slot.close",
        "Close slot",
        "Close the focused slot (its session stays in the store)",
        [],
        Global,
        HasSlots,
        true
    ),
    command!(
        ScrollUp,
        "view.scroll_up",
        "Scroll up",
        "Scroll the focused slot up a page",
        [Chord::plain(KeyCode::PageUp)],
        Global,
        HasSlots,
        true
    ),
    command!(
        ScrollDown,
        "view.scroll_down",
        "Scroll down",
        "Scroll the focused slot down a page",
        [Chord::plain(KeyCode::PageDown)],
        Global,
        HasSlots,
        true
    ),
    command!(
        ScrollTop,
        "view.scroll_top",
        "Scroll to top",
        "Jump to the start of the focused slot",
        [Chord::new(KeyCode::Home, C)],
        Global,
        HasSlots,
        true
    ),
    command!(
        ScrollBottom,
        "view.scroll_bottom",
        "Scroll to bottom",
        "Jump to the newest output and follow it",
        [Chord::new(KeyCode::End, C)],
        Global,
        HasSlots,
        true
    ),
    command!(
        CopyMode,
        "copy.mode",
        "Copy mode",
        "Select text with the keyboard and copy it (OSC 52)",
        [Chord::alt('c')],
        Global,
        HasSlots,
        true
    ),
    command!(
        Interrupt,
        "agent.interrupt",
        "Interrupt turn",
        "Stop the focused agent's turn: the stream is cancelled and a running command killed",
        [Chord::plain(KeyCode::Esc)],
        Global,
        HasSlots,
        true
    ),
    command!(
        Submit,
        "composer.submit",
        "Submit",
        "Send the composer's text to the focused agent slot",
        [Chord::plain(KeyCode::Enter)],
        Composer,
        Always,
        false
    ),
    command!(
        InsertNewline,
        "composer.newline",
        "New line",
        "Insert a line break",
        [
            Chord::new(KeyCode::Enter, S),
            Chord::new(KeyCode::Enter, A),
            Chord::ctrl('j')
        ],
        Composer,
        Always,
        false
    ),
    command!(
        HistorySearch,
        "composer.history_search",
        "Search history",
        "Search earlier prompts (Ctrl+R again for older matches)",
        [Chord::ctrl('r')],
        Composer,
        Always,
        true
    ),
    command!(
        ClearOrInterrupt,
        "composer.clear",
        "Clear / interrupt",
        "Clear the composer; when empty, interrupt the focused slot's turn",
        [Chord::ctrl('c')],
        Composer,
        Always,
        false
    ),
    command!(
        CursorLeft,
        "composer.left",
        "Cursor left",
        "Move one character left",
        [Chord::plain(KeyCode::Left), Chord::ctrl('b')],
        Composer,
        Always,
        false
    ),
    command!(
        CursorRight,
        "composer.right",
        "Cursor right",
        "Move one character right",
        [Chord::plain(KeyCode::Right), Chord::ctrl('f')],
        Composer,
        Always,
        false
    ),
    command!(
        CursorUp,
        "composer.up",
        "Up / older prompt",
        "Previous line; on the first line, the previous prompt from history",
        [Chord::plain(KeyCode::Up)],
        Composer,
        Always,
        false
    ),
    command!(
        CursorDown,
        "composer.down",
        "Down / newer prompt",
        "Next line; on the last line, the next prompt from history",
        [Chord::plain(KeyCode::Down)],
        Composer,
        Always,
        false
    ),
    command!(
        LineStart,
        "composer.line_start",
        "Line start",
        "Move to the start of the line",
        [Chord::ctrl('a'), Chord::plain(KeyCode::Home)],
        Composer,
        Always,
        false
    ),
    command!(
        LineEnd,
        "composer.line_end",
        "Line end",
        "Move to the end of the line",
        [Chord::ctrl('e'), Chord::plain(KeyCode::End)],
        Composer,
        Always,
        false
    ),
    command!(
        WordLeft,
        "composer.word_left",
        "Word left",
        "Move to the previous word",
        [Chord::alt('b'), Chord::new(KeyCode::Left, C)],
        Composer,
        Always,
        false
    ),
    command!(
        WordRight,
        "composer.word_right",
        "Word right",
        "Move past the next word",
        [Chord::alt('f'), Chord::new(KeyCode::Right, C)],
        Composer,
        Always,
        false
    ),
    command!(
        Backspace,
        "composer.backspace",
        "Delete back",
        "Delete the character before the cursor",
        [Chord::plain(KeyCode::Backspace), Chord::ctrl('h')],
        Composer,
        Always,
        false
    ),
    command!(
        DeleteChar,
        "composer.delete",
        "Delete",
        "Delete the character under the cursor",
        [Chord::plain(KeyCode::Delete), Chord::ctrl('d')],
        Composer,
        Always,
        false
    ),
    command!(
        KillToEnd,
        "composer.kill_to_end",
        "Kill to end",
        "Cut from the cursor to the end of the line",
        [Chord::ctrl('k')],
        Composer,
        Always,
        false
    ),
    command!(
        KillToStart,
        "composer.kill_to_start",
        "Kill to start",
        "Cut from the start of the line to the cursor",
        [Chord::ctrl('u')],
        Composer,
        Always,
        false
    ),
    command!(
        KillWord,
        "composer.kill_word",
        "Kill word",
        "Cut the word before the cursor",
        [Chord::ctrl('w')],
        Composer,
        Always,
        false
    ),
    command!(
        Yank,
        "composer.yank",
        "Paste cut text",
        "Insert the text cut last",
        [Chord::ctrl('y')],
        Composer,
        Always,
        false
    ),
];

/// The registry row of a command.
pub fn command(id: CommandId) -> &'static Command {
    COMMANDS.iter().find(|c| c.id == id).unwrap_or(&COMMANDS[0])
}

/// Keys of the modal views, documented next to the commands (they are fixed, not commands).
pub const MODAL_KEYS: &[(&str, &[(&str, &str)])] = &[
    (
        "While a pane has focus",
        &[
            (
                "every key",
                "goes to the program (Alt, Ctrl, arrows, function keys as a terminal sends them)",
            ),
            (
                "Ctrl+G (configurable: [keys] leader)",
                "keys back to the workstation; again to return",
            ),
            (
                "Ctrl+G, then d",
                "detach: leave the window, everything keeps running",
            ),
            ("Shift+PgUp / Shift+PgDn", "scroll the pane's history"),
            (
                "Shift+drag",
                "select text even when the program uses the mouse",
            ),
        ],
    ),
    (
        "Command palette",
        &[
            ("type", "fuzzy-search commands, slots and recent sessions"),
            ("↑ / ↓, Ctrl+P / Ctrl+N", "move the selection"),
            ("Enter", "run the selected entry"),
            ("Esc", "close"),
        ],
    ),
    (
        "Resume and fork pickers",
        &[
            (
                "type",
                "fuzzy-search title, kind, directory, branch and status",
            ),
            ("↑ / ↓, PgUp / PgDn", "move the selection"),
            (
                "Enter",
                "resume the session (fork: choose it, then the turn)",
            ),
            ("Tab", "this directory only / all directories"),
            ("Ctrl+X", "include exited and closed sessions"),
            ("Esc", "back / close"),
        ],
    ),
    (
        "Diff view (Alt+D)",
        &[
            ("↑ / ↓, j / k", "choose the file"),
            ("PgUp / PgDn, Space", "scroll its hunks"),
            ("Tab / Shift+Tab", "whole branch, then turn by turn"),
            ("Esc or q", "close"),
        ],
    ),
    (
        "Task board (Alt+T)",
        &[
            (
                "↑ / ↓, j / k, PgUp / PgDn",
                "choose a task (in the detail: scroll it)",
            ),
            ("Tab", "filter: all, then one state at a time"),
            ("/", "filter by name or title"),
            ("Enter", "details: attempts, validations, logs, the diff"),
            ("a", "approve (a gate, or the command the agent waits on)"),
            ("x", "reject, with a reason you type"),
            ("r / c / R", "retry / cancel / resume in place"),
            (
                "o",
                "open the latest attempt's session in a slot, to watch or steer it",
            ),
            (
                "n",
                "new task: goal, title, executor, validation, depends, gate (Tab moves, Ctrl+Enter submits)",
            ),
            ("Esc or q", "close the detail, then the board"),
        ],
    ),
    (
        "Closing a slot with a worktree",
        &[
            ("k", "close and keep the worktree and branch"),
            (
                "r",
                "close and remove them (refused when work would be lost)",
            ),
            ("R", "remove even though work would be lost"),
            ("Esc", "do not close"),
        ],
    ),
    (
        "Leaving (Ctrl+Q while something runs)",
        &[
            (
                "d or Enter",
                "detach: everything keeps running in the server",
            ),
            (
                "s",
                "stop the server and every slot (sessions recorded as closed)",
            ),
            ("Esc or n", "stay"),
        ],
    ),
    (
        "Approval prompt",
        &[
            ("y", "run the command once"),
            (
                "a",
                "run it, and identical commands for the rest of the session",
            ),
            ("n", "deny (the model is told)"),
            ("r", "deny with a reason you type (sent to the model)"),
            ("Esc", "decide later (the turn waits)"),
            ("Ctrl+C", "interrupt the turn"),
        ],
    ),
    (
        "History search (Ctrl+R)",
        &[
            ("type", "search earlier prompts"),
            ("Ctrl+R", "older match"),
            ("Enter", "put the match in the composer"),
            ("Esc", "cancel"),
        ],
    ),
    (
        "Help",
        &[("↑ / ↓, PgUp / PgDn", "scroll"), ("Esc, F1, ?, q", "close")],
    ),
    (
        "Copy mode (Alt+C)",
        &[
            ("←↑→↓, h j k l", "move the cursor"),
            ("v or Space", "start / restart the selection"),
            ("Enter or y", "copy the selection (OSC 52) and leave"),
            ("Esc or q", "leave without copying"),
        ],
    ),
    (
        "Mouse",
        &[
            (
                "drag",
                "select text in the focused area; released selections are copied",
            ),
            ("double-click", "select a word"),
            ("triple-click", "select a line"),
            ("click a slot", "focus it"),
            ("wheel", "scroll"),
        ],
    ),
    (
        "Confirmations",
        &[("y or Enter", "confirm"), ("n or Esc", "cancel")],
    ),
];

/// `docs/KEYS.md`, generated from the registry (a test fails when the file drifts).
pub fn keys_markdown() -> String {
    let mut out = String::from(
        "# Keys\n\n<!-- Generated from src/tui/commands.rs by `switchboard debug keys-doc`; do not edit by hand. -->\n",
    );
    for scope in [Scope::Global, Scope::Composer] {
        out.push_str(&format!(
            "\n## {}\n\n| keys | command | what it does |\n|---|---|---|\n",
            scope.label()
        ));
        for c in COMMANDS.iter().filter(|c| c.scope == scope) {
            let keys: Vec<String> = c.keys.iter().map(|k| format!("`{}`", k.label())).collect();
            let keys = if keys.is_empty() {
                "palette".to_owned()
            } else {
                keys.join(", ")
            };
            out.push_str(&format!(
                "| {keys} | {} (`{}`) | {} |\n",
                c.title, c.name, c.description
            ));
        }
    }
    for (title, keys) in MODAL_KEYS {
        out.push_str(&format!(
            "\n## {title}\n\n| keys | what they do |\n|---|---|\n"
        ));
        for (k, what) in *keys {
            out.push_str(&format!("| {k} | {what} |\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command id, listed through an exhaustive match so a new variant cannot be
    /// forgotten here.
    fn all_ids() -> Vec<CommandId> {
        use CommandId::*;
        let ids = vec![
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
        ];
        for id in &ids {
            match id {
                OpenPalette | ToggleHelp | Quit | Detach | StopServer | Suspend | NewAgentSlot
                | NewShellSlot | RunCommandSlot | RestartSlot | LayoutZoom | LayoutSplit
                | LayoutGrid | ToggleReasoning | ShowDiff | ShowBoard | ResumeSession
                | ForkSession | NextSlot | PrevSlot | CloseSlot | ScrollUp | ScrollDown
                | ScrollTop | ScrollBottom | CopyMode | Interrupt | Submit | InsertNewline
                | HistorySearch | ClearOrInterrupt | CursorLeft | CursorRight | CursorUp
                | CursorDown | LineStart | LineEnd | WordLeft | WordRight | Backspace
                | DeleteChar | KillToEnd | KillToStart | KillWord | Yank => {}
            }
        }
        ids
    }

    #[test]
    fn every_command_has_a_registry_row() {
        for id in all_ids() {
            assert!(
                COMMANDS.iter().any(|c| c.id == id),
                "{id:?} has no row in COMMANDS"
            );
        }
        assert_eq!(COMMANDS.len(), all_ids().len());
    }

    #[test]
    fn names_and_ids_are_unique() {
        for (i, a) in COMMANDS.iter().enumerate() {
            for b in &COMMANDS[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn no_two_commands_share_a_key_in_one_scope() {
        for (i, a) in COMMANDS.iter().enumerate() {
            for b in &COMMANDS[i + 1..] {
                let clash = a
                    .keys
                    .iter()
                    .any(|k| b.keys.iter().any(|o| o.code == k.code && o.mods == k.mods));
                let overlapping =
                    a.scope == b.scope || a.scope == Scope::Global || b.scope == Scope::Global;
                assert!(
                    !(clash && overlapping),
                    "{} and {} share a key",
                    a.name,
                    b.name
                );
            }
        }
    }

    #[test]
    fn chords_match_like_a_terminal_sends_them() {
        let ctrl_p = Chord::ctrl('p');
        assert!(ctrl_p.matches(KeyCode::Char('p'), KeyModifiers::CONTROL));
        assert!(!ctrl_p.matches(KeyCode::Char('p'), KeyModifiers::NONE));
        let question = Chord::plain(KeyCode::Char('?'));
        assert!(question.matches(KeyCode::Char('?'), KeyModifiers::SHIFT));
        let shift_enter = Chord::new(KeyCode::Enter, KeyModifiers::SHIFT);
        assert!(!shift_enter.matches(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(
            Chord::new(KeyCode::PageDown, KeyModifiers::CONTROL).label(),
            "Ctrl+PgDn"
        );
    }
}
