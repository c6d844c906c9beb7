//! The keymap: which keys run which command, per mode, as data. Every mode's keys live here —
//! the workstation's, the composer's, a focused pane's, and each modal view's — so the key
//! handlers look commands up instead of matching literal keys, every hint on screen names the
//! key actually bound, `config.toml` can rebind any of them, and `docs/KEYS.md` lists them all.
//!
//! | file | owns |
//! |---|---|
//! | `chord.rs` | a key chord: matching, labels, the config syntax |
//! | `defaults.rs` | the default bindings of every mode |
//!
//! The leader (`[keys] leader`, Ctrl+G) is the pane's `pane.release`: from a pane it gives the
//! keys back to the workstation, and the key right after it may be `d` (detach) — a toggle with
//! a one-key tail, like tmux's prefix. From the workstation the same chord gives the keys back
//! to the focused pane.

mod chord;
mod defaults;

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;

pub use chord::{A, C, Chord, DEFAULT_LEADER, S, When};

use super::commands::{CommandId, by_name, command};

/// Where keys are being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyMode {
    /// Anywhere in the workstation while no pane has the keys.
    Workstation,
    /// Editing the prompt (the workstation's keys apply too).
    Composer,
    /// A pane has the keys: everything else goes to its program.
    Pane,
    Palette,
    Picker,
    /// The fork picker's second stage: which turn.
    PickerTurns,
    Help,
    /// Ctrl+Q while something runs: detach or stop.
    Leave,
    History,
    Copy,
    /// Typing what copy mode searches a pane's history for.
    PaneSearch,
    Approval,
    DenyReason,
    NewSlot,
    Diff,
    CloseWorktree,
    /// Closing a slot that still runs.
    ConfirmClose,
    /// A `/` command being typed in the composer.
    Slash,
    /// The task board (Alt+T).
    Board,
}

impl KeyMode {
    pub const ALL: [KeyMode; 19] = [
        Self::Workstation,
        Self::Composer,
        Self::Pane,
        Self::Palette,
        Self::Picker,
        Self::PickerTurns,
        Self::Help,
        Self::Leave,
        Self::History,
        Self::Copy,
        Self::PaneSearch,
        Self::Approval,
        Self::DenyReason,
        Self::NewSlot,
        Self::Diff,
        Self::CloseWorktree,
        Self::ConfirmClose,
        Self::Slash,
        Self::Board,
    ];

    /// The name `config.toml` uses (`[keys.palette]`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Workstation => "workstation",
            Self::Composer => "composer",
            Self::Pane => "pane",
            Self::Palette => "palette",
            Self::Picker => "picker",
            Self::PickerTurns => "picker_turns",
            Self::Help => "help",
            Self::Leave => "leave",
            Self::History => "history",
            Self::Copy => "copy",
            Self::PaneSearch => "pane_search",
            Self::Approval => "approval",
            Self::DenyReason => "deny_reason",
            Self::NewSlot => "new_slot",
            Self::Diff => "diff",
            Self::CloseWorktree => "close_slot",
            Self::ConfirmClose => "confirm_close",
            Self::Slash => "slash",
            Self::Board => "board",
        }
    }

    /// The heading `docs/KEYS.md` and help give it.
    pub fn title(self) -> &'static str {
        match self {
            Self::Workstation => "Workstation",
            Self::Composer => "Composer",
            Self::Pane => "While a pane has the keys",
            Self::Palette => "Command palette",
            Self::Picker => "Resume and fork pickers",
            Self::PickerTurns => "Fork picker: which turn",
            Self::Help => "Help",
            Self::Leave => "Leaving (Ctrl+Q while something runs)",
            Self::History => "History search",
            Self::Copy => "Copy mode",
            Self::PaneSearch => "Searching a pane's history (copy mode)",
            Self::Approval => "Approval prompt",
            Self::DenyReason => "Reason for a denial",
            Self::NewSlot => "New slot dialog",
            Self::Diff => "Diff view",
            Self::CloseWorktree => "Closing a slot with a worktree",
            Self::ConfirmClose => "Closing a slot that still runs",
            Self::Slash => "Slash commands (a `/` at the start of the prompt)",
            Self::Board => "Task board",
        }
    }

    pub fn by_name(name: &str) -> Option<KeyMode> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// One default binding row: in `mode`, `keys` run `command`.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub mode: KeyMode,
    pub command: CommandId,
    pub keys: &'static [Chord],
}

const fn bind(mode: KeyMode, command: CommandId, keys: &'static [Chord]) -> Binding {
    Binding {
        mode,
        command,
        keys,
    }
}

/// Why `config.toml`'s `[keys]` cannot be used; one line naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error(
        "[keys] leader = {0:?} is not a key chord with Ctrl, Alt or a function key (try \"ctrl-g\", \"ctrl-]\" or \"f12\")"
    )]
    Leader(String),
    #[error("[keys] {0}: not a mode (modes: {1})")]
    UnknownMode(String, String),
    #[error(
        "[keys.{mode}] {chord:?}: not a key chord (e.g. \"ctrl-j\", \"esc\", \"shift-tab\", \"f5\")"
    )]
    BadChord { mode: String, chord: String },
    #[error(
        "[keys.{mode}] {chord:?} = {command:?}: no such command (the names are in docs/KEYS.md; \"none\" unbinds)"
    )]
    UnknownCommand {
        mode: String,
        chord: String,
        command: String,
    },
    #[error("[keys.{mode}] {chord:?} = {command:?}: expected a command name in quotes")]
    NotAName {
        mode: String,
        chord: String,
        command: String,
    },
}

/// The keys in effect: the defaults, the leader, and the user's rebindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    /// Bindings in order (docs and hints name the first key of a command first).
    bindings: Vec<(KeyMode, Chord, CommandId)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = Vec::new();
        for row in defaults::BINDINGS {
            for key in row.keys {
                bindings.push((row.mode, *key, row.command));
            }
        }
        Self { bindings }
    }
}

impl Keymap {
    /// The defaults with the leader and `[keys.<mode>]` tables of `config.toml` applied.
    pub fn configured(
        leader: &str,
        modes: &BTreeMap<String, toml::Value>,
    ) -> Result<Self, KeymapError> {
        let mut keymap = Self::default();
        let leader_chord = Chord::parse(leader)
            .filter(|c| !c.mods.is_empty() || matches!(c.code, crossterm::event::KeyCode::F(_)))
            .ok_or_else(|| KeymapError::Leader(leader.to_owned()))?;
        keymap.rebind(
            KeyMode::Pane,
            leader_chord,
            Some(CommandId::ReleaseKeys),
            true,
        );
        for (name, table) in modes {
            let mode = KeyMode::by_name(name).ok_or_else(|| {
                let names: Vec<&str> = KeyMode::ALL.iter().map(|m| m.name()).collect();
                KeymapError::UnknownMode(name.clone(), names.join(", "))
            })?;
            let Some(table) = table.as_table() else {
                return Err(KeymapError::UnknownMode(
                    name.clone(),
                    "expected a table such as [keys.palette]".into(),
                ));
            };
            for (chord_text, value) in table {
                let chord = Chord::parse(chord_text).ok_or_else(|| KeymapError::BadChord {
                    mode: name.clone(),
                    chord: chord_text.clone(),
                })?;
                let command_name = value.as_str().ok_or_else(|| KeymapError::NotAName {
                    mode: name.clone(),
                    chord: chord_text.clone(),
                    command: value.to_string(),
                })?;
                let command = match command_name {
                    "none" => None,
                    other => Some(
                        by_name(other)
                            .ok_or_else(|| KeymapError::UnknownCommand {
                                mode: name.clone(),
                                chord: chord_text.clone(),
                                command: other.to_owned(),
                            })?
                            .id,
                    ),
                };
                keymap.rebind(mode, chord, command, false);
            }
        }
        Ok(keymap)
    }

    /// Binds `chord` in `mode` to `command` (`None`: unbinds it). The chord's old meaning in
    /// that mode goes; with `exclusive`, so do the command's other keys (the leader is one key).
    fn rebind(&mut self, mode: KeyMode, chord: Chord, command: Option<CommandId>, exclusive: bool) {
        self.bindings.retain(|(m, c, id)| {
            let same_key = *m == mode && c.same_key(&chord);
            let replaced = exclusive && *m == mode && Some(*id) == command;
            !same_key && !replaced
        });
        if let Some(command) = command {
            self.bindings.push((mode, chord, command));
        }
    }

    /// The command `key` runs in `mode`, if any (bindings whose condition `enabled` rejects
    /// are skipped, so a key can mean one thing while the composer is empty and text otherwise).
    pub fn lookup(
        &self,
        mode: KeyMode,
        key: &KeyEvent,
        enabled: impl Fn(When) -> bool,
    ) -> Option<CommandId> {
        self.bindings
            .iter()
            .find(|(m, chord, id)| {
                *m == mode
                    && chord.matches(key.code, key.modifiers)
                    && enabled(chord.when)
                    && enabled(command(*id).when)
            })
            .map(|(_, _, id)| *id)
    }

    /// The keys of `command` in `mode`, in order.
    pub fn keys(&self, mode: KeyMode, command: CommandId) -> Vec<Chord> {
        self.bindings
            .iter()
            .filter(|(m, _, id)| *m == mode && *id == command)
            .map(|(_, chord, _)| *chord)
            .collect()
    }

    /// The first key of `command` in `mode`, as hints show it ("Ctrl+P").
    pub fn key(&self, mode: KeyMode, command: CommandId) -> Option<String> {
        self.keys(mode, command).first().map(Chord::key_label)
    }

    /// The chord that takes the keys back from a pane.
    pub fn leader(&self) -> Chord {
        self.keys(KeyMode::Pane, CommandId::ReleaseKeys)
            .first()
            .copied()
            .unwrap_or(DEFAULT_LEADER)
    }

    /// Hint parts such as `Enter run` for each `(command, what)` that has a key in `mode`.
    pub fn hints(&self, mode: KeyMode, items: &[(CommandId, &str)]) -> Vec<String> {
        items
            .iter()
            .filter_map(|(id, what)| {
                let key = self.key(mode, *id)?;
                // Down named with its Up as one pair of arrows, as people expect to read it.
                let up = self.key(mode, CommandId::Up);
                let key = if *id == CommandId::Down && key == "↓" && up.as_deref() == Some("↑")
                {
                    "↑↓".to_owned()
                } else {
                    key
                };
                Some(format!("{key} {what}"))
            })
            .collect()
    }

    /// Every mode's bindings in order, as `(mode, keys, command)` rows for help and docs.
    pub fn rows(&self) -> Vec<(KeyMode, Vec<Chord>, CommandId)> {
        let mut rows: Vec<(KeyMode, Vec<Chord>, CommandId)> = Vec::new();
        for mode in KeyMode::ALL {
            for (m, chord, id) in &self.bindings {
                if *m != mode {
                    continue;
                }
                match rows
                    .iter_mut()
                    .find(|(rm, _, rid)| *rm == mode && rid == id)
                {
                    Some(row) => row.1.push(*chord),
                    None => rows.push((mode, vec![*chord], *id)),
                }
            }
            if matches!(mode, KeyMode::Workstation) {
                // Palette-only commands, so docs list them with their modes.
                let bound = |id: CommandId| {
                    self.bindings.iter().any(|(m, _, b)| {
                        *b == id && matches!(m, KeyMode::Workstation | KeyMode::Composer)
                    })
                };
                for c in super::commands::COMMANDS
                    .iter()
                    .filter(|c| c.in_palette && !bound(c.id))
                {
                    rows.push((mode, Vec::new(), c.id));
                }
            }
        }
        rows
    }

    /// `docs/KEYS.md`: every mode's keys (a test fails when the file drifts from the defaults).
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "# Keys\n\n<!-- Generated from src/tui/keymap by `switchboard debug keys-doc`; do not edit by hand. -->\n\n\
             Every key can be rebound per mode in `config.toml`: a `[keys.MODE]` table maps a \
             chord to a command name (`\"none\"` unbinds it), e.g.\n\n```toml\n[keys]\n\
             leader = \"ctrl-g\"\n\n[keys.palette]\n\"ctrl-j\" = \"list.down\"\n\"ctrl-k\" = \"list.up\"\n```\n\n\
             **The leader** (`Ctrl+G` unless `[keys] leader` says otherwise) moves the keys \
             between a pane and the workstation, and is a one-shot prefix like tmux's: while a \
             pane has the keys, every key goes to its program except the leader, which takes \
             them back; the one key after it may be `d` (detach: leave the window, everything \
             keeps running) or any workstation key. In the workstation, the leader on a \
             focused pane whose program runs gives that pane the keys again. Hints in the \
             status line, dialogs and help always name the configured leader.\n",
        );
        let rows = self.rows();
        for mode in KeyMode::ALL {
            out.push_str(&format!(
                "\n## {} (`[keys.{}]`)\n\n| keys | command | what it does |\n|---|---|---|\n",
                mode.title(),
                mode.name()
            ));
            for (_, keys, id) in rows.iter().filter(|(m, _, _)| *m == mode) {
                let c = command(*id);
                let keys = if keys.is_empty() {
                    "palette".to_owned()
                } else {
                    keys.iter()
                        .map(|k| format!("`{}`", k.label()))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                out.push_str(&format!(
                    "| {keys} | {} (`{}`) | {} |\n",
                    c.title, c.name, c.description
                ));
            }
            for (what, does) in defaults::notes(mode) {
                out.push_str(&format!("| {what} | | {does} |\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
