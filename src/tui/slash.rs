//! Slash commands, as in Codex: a `/` at the start of the prompt opens a list of commands that
//! narrows as you type; Enter runs the one typed or selected, with what follows as its
//! argument (`/model gpt-5`, `/rename fix the parser`). `//` at the start sends a prompt that
//! begins with a single `/`. The commands are registry commands, so palette, help and slash
//! run the same code.

use super::app::{AppState, Effect};
use super::commands::CommandId;
use super::slots::SlotKind;
use crate::protocol::Command;

/// One slash command: its word, the registry command, and what its argument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slash {
    pub name: &'static str,
    pub command: CommandId,
    pub args: &'static str,
}

const fn slash(name: &'static str, command: CommandId, args: &'static str) -> Slash {
    Slash {
        name,
        command,
        args,
    }
}

/// Every slash command, in the order the list shows them.
pub const SLASH: &[Slash] = &[
    slash("new", CommandId::NewAgentSlot, ""),
    slash("shell", CommandId::NewShellSlot, ""),
    slash("model", CommandId::SetModel, "NAME"),
    slash(
        "approvals",
        CommandId::SetApproval,
        "untrusted | on-request | never",
    ),
    slash("diff", CommandId::ShowDiff, ""),
    slash("fork", CommandId::ForkSession, ""),
    slash("resume", CommandId::ResumeSession, ""),
    slash("rename", CommandId::RenameSlot, "TITLE"),
    slash("status", CommandId::ShowStatus, ""),
    slash("help", CommandId::ToggleHelp, ""),
    slash("detach", CommandId::Detach, ""),
    slash("quit", CommandId::Quit, ""),
];

/// The word typed after `/` and the rest, when the prompt is a slash command.
pub fn typed(state: &AppState) -> Option<(String, String)> {
    let lines = state.composer.lines();
    let [line] = lines else {
        return None;
    };
    let rest = line.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    let (word, args) = rest.split_once(' ').unwrap_or((rest, ""));
    Some((word.to_owned(), args.trim().to_owned()))
}

/// Whether the slash list is open (a `/` word is being typed, no argument yet).
pub fn active(state: &AppState) -> bool {
    typed(state).is_some_and(|(_, args)| args.is_empty()) && !state.composer.text().contains(' ')
}

/// The commands whose word starts with `word` (then those containing it).
pub fn matches(word: &str) -> Vec<&'static Slash> {
    let word = word.to_lowercase();
    let mut found: Vec<&Slash> = SLASH.iter().filter(|s| s.name.starts_with(&word)).collect();
    found.extend(
        SLASH
            .iter()
            .filter(|s| !s.name.starts_with(&word) && s.name.contains(&word)),
    );
    found
}

/// The selected entry of the open list.
pub fn selected(state: &AppState) -> Option<&'static Slash> {
    let (word, _) = typed(state)?;
    let found = matches(&word);
    found
        .get(state.slash_selected.min(found.len().saturating_sub(1)))
        .copied()
}

/// Tab: the selected command's word in the prompt, ready for its argument.
pub fn complete(state: &mut AppState) {
    if let Some(entry) = selected(state) {
        let text = if entry.args.is_empty() {
            format!("/{}", entry.name)
        } else {
            format!("/{} ", entry.name)
        };
        state.composer.set_text(&text);
        state.slash_selected = 0;
    }
}

/// Enter on a slash command: runs it (the word typed, or the selection while the list is
/// open). An unknown word keeps the prompt and says so.
pub fn run(state: &mut AppState) -> Vec<Effect> {
    let Some((word, args)) = typed(state) else {
        return Vec::new();
    };
    let entry = SLASH
        .iter()
        .find(|s| s.name == word)
        .or_else(|| args.is_empty().then(|| selected(state)).flatten());
    let Some(entry) = entry else {
        state.notify_error(format!(
            "no command /{word}: type / to see them (// sends a prompt starting with /)"
        ));
        return Vec::new();
    };
    if !entry.args.is_empty() && args.is_empty() && entry.command != CommandId::SetModel {
        state.composer.set_text(&format!("/{} ", entry.name));
        state.notify(format!("/{} {}", entry.name, entry.args));
        return Vec::new();
    }
    state.history.push(state.composer.text());
    state.composer.clear();
    state.slash_selected = 0;
    with_argument(state, entry, &args)
}

fn with_argument(state: &mut AppState, entry: &Slash, args: &str) -> Vec<Effect> {
    let agent = state
        .focused_slot()
        .filter(|s| s.kind == SlotKind::Agent)
        .map(|s| (s.id, s.model.clone()));
    match entry.command {
        CommandId::SetModel => match (agent, args) {
            (Some((_, model)), "") => {
                let model = model.or_else(|| state.model.clone()).unwrap_or_default();
                state.notify(format!(
                    "this agent talks to {model}; /model NAME changes it"
                ));
                Vec::new()
            }
            (Some((slot, _)), name) => {
                state.notify(format!(
                    "{name} from the next turn (recorded in the session)"
                ));
                vec![Effect::Send(Command::Configure {
                    slot,
                    model: Some(name.to_owned()),
                    approval: None,
                })]
            }
            (None, _) => {
                state.notify_error("focus an agent slot first: /model sets its model");
                Vec::new()
            }
        },
        CommandId::SetApproval => match (agent, args.parse::<crate::agent::ApprovalPolicy>()) {
            (Some((slot, _)), Ok(policy)) => {
                state.notify(format!(
                    "approval policy {policy} from the next turn (recorded in the session)"
                ));
                vec![Effect::Send(Command::Configure {
                    slot,
                    model: None,
                    approval: Some(policy),
                })]
            }
            (Some(_), Err(_)) => {
                state.notify_error(format!(
                    "/approvals takes untrusted, on-request or never (not {args:?})"
                ));
                Vec::new()
            }
            (None, _) => {
                state.notify_error("focus an agent slot first: /approvals sets its policy");
                Vec::new()
            }
        },
        CommandId::RenameSlot => match state.focused {
            Some(slot) => {
                if let Some(target) = state.slot_mut(slot) {
                    target.name = crate::text::truncate(args, 24);
                }
                vec![Effect::Send(Command::RenameSlot {
                    slot,
                    title: args.to_owned(),
                })]
            }
            None => {
                state.notify_error("no slot to rename");
                Vec::new()
            }
        },
        other => super::update::run_command(state, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_narrow_the_list_and_prefixes_come_first() {
        let names: Vec<&str> = matches("re").iter().map(|s| s.name).collect();
        assert_eq!(names[..2], ["resume", "rename"]);
        assert!(!names.contains(&"shell"));
        assert_eq!(matches("").len(), SLASH.len());
        assert!(matches("zzz").is_empty());
    }

    #[test]
    fn every_slash_word_is_unique() {
        for (i, a) in SLASH.iter().enumerate() {
            for b in &SLASH[i + 1..] {
                assert_ne!(a.name, b.name);
            }
        }
    }
}
