//! Diffs and removal checks of slot worktrees (git runs here, never on the UI thread).

use std::path::Path;

use crate::event::SessionWorktree;
use crate::ids::SessionId;
use crate::store::Store;
use crate::workspace::{self, FileDiff, RemoveCheck, Worktree};

/// The sources a diff view can show (whole branch, then each turn with a snapshot) and the
/// files of `source`.
pub fn load(
    store: &Store,
    session: SessionId,
    recorded: &SessionWorktree,
    source: usize,
) -> (Vec<String>, Result<Vec<FileDiff>, String>) {
    let turns: Vec<(String, String)> = store
        .turns(session)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, turn)| {
            let prompt: String = turn
                .prompt
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(40)
                .collect();
            turn.commit
                .map(|commit| (format!("turn {}: {prompt}", i + 1), commit))
        })
        .collect();
    let mut sources = vec!["whole branch".to_owned()];
    sources.extend(turns.iter().map(|(label, _)| label.clone()));
    let tree = Worktree::recorded(recorded);
    let diff = if source == 0 || source > turns.len() {
        if !Path::new(&tree.path).exists() {
            return (
                sources,
                Err(format!("the worktree {} was deleted", tree.path.display())),
            );
        }
        workspace::diff_against_base(&tree.path, &tree.base)
    } else {
        let to = &turns[source - 1].1;
        let from = if source >= 2 {
            turns[source - 2].1.clone()
        } else {
            tree.base.clone()
        };
        workspace::diff_between(&tree.repo, &from, to)
    };
    (
        sources,
        diff.map(|text| workspace::parse_unified(&text))
            .map_err(|e| e.to_string()),
    )
}

pub fn check(recorded: &SessionWorktree) -> Result<RemoveCheck, String> {
    workspace::removal_check(&Worktree::recorded(recorded)).map_err(|e| e.to_string())
}

/// Removes the worktree; the message says what happened.
pub fn remove(recorded: &SessionWorktree, force: bool) -> (String, bool) {
    match workspace::remove(&Worktree::recorded(recorded), force) {
        Ok(()) => (
            format!(
                "removed worktree {} and branch {}",
                recorded.path, recorded.branch
            ),
            false,
        ),
        Err(err) => (format!("worktree kept: {err}"), true),
    }
}
