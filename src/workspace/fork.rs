//! Forking a session together with its code: the fork gets a worktree of its own, checked out
//! at the snapshot commit recorded when the cut was made (the end of the chosen turn).

use std::path::{Path, PathBuf};

use super::git::GitError;
use super::worktree::{Worktree, create_at, remove, repo_root};
use crate::event::{EventKind, SessionKind, SessionRenamed, SessionWorktree};
use crate::ids::{Seq, SessionId};
use crate::session::SessionState;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ForkError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot restore the code of the fork: {0}")]
    Git(#[from] GitError),
}

/// A new fork, and its worktree when the parent had one.
#[derive(Debug, Clone)]
pub struct ForkedSession {
    pub id: SessionId,
    pub worktree: Option<Worktree>,
}

/// Forks `parent` after `at` (its last event when `None`). When the parent works in a
/// worktree, the fork gets a new worktree and branch checked out at the commit recorded at
/// the cut, so its code is exactly what the parent had then. The worktree is made first: a
/// fork whose code cannot be restored is not created at all.
pub fn fork_with_code(
    store: &Store,
    parent: SessionId,
    at: Option<Seq>,
    worktrees_dir: &Path,
) -> Result<ForkedSession, ForkError> {
    let meta = store.meta(parent)?;
    let cut = at.unwrap_or(meta.last_seq);
    if cut == Seq::ZERO || cut > meta.last_seq {
        return Err(StoreError::SeqOutOfRange {
            session: parent,
            seq: cut,
            last: meta.last_seq,
        }
        .into());
    }
    let state = store.state_at(parent, cut)?;
    let worktree = match &state.worktree {
        None => None,
        Some(source) => {
            let repo = if source.repo.is_empty() {
                repo_root(Path::new(&source.path))?
                    .ok_or_else(|| GitError::NotARepository(PathBuf::from(&source.path)))?
            } else {
                PathBuf::from(&source.repo)
            };
            // The code at the cut: the snapshot of the last turn that ended before it, or
            // where the branch started when no turn had ended yet.
            let commit = state
                .last_commit
                .clone()
                .unwrap_or_else(|| source.base.clone());
            let name = format!("fork-{}", &SessionId::new().to_string()[24..]);
            Some(create_at(&repo, worktrees_dir, &name, &commit)?)
        }
    };
    let child = match store.fork(parent, Some(cut)) {
        Ok(child) => child,
        Err(err) => {
            if let Some(worktree) = &worktree {
                let _ = remove(worktree, true);
            }
            return Err(err.into());
        }
    };
    // A title that says what the fork is, so the list never shows two identical rows.
    let mut events = vec![EventKind::SessionRenamed(SessionRenamed {
        title: fork_title(&state),
    })];
    if let Some(worktree) = &worktree {
        events.push(EventKind::SessionWorktree(SessionWorktree {
            path: worktree.path.display().to_string(),
            branch: worktree.branch.clone(),
            base: worktree.base.clone(),
            repo: worktree.repo.display().to_string(),
        }));
    }
    store.append_durable(child, events)?;
    Ok(ForkedSession {
        id: child,
        worktree,
    })
}

/// "TITLE (fork at turn N)": the parent's title (without an earlier fork suffix, so a fork of
/// a fork does not stack them) and where it was cut; a pane's fork is just "(fork)".
pub fn fork_title(parent: &SessionState) -> String {
    let title = parent
        .title
        .clone()
        .or_else(|| parent.first_prompt.clone())
        .or_else(|| parent.command.clone())
        .unwrap_or_else(|| "session".to_owned());
    let title = crate::text::truncate_words(title.lines().next().unwrap_or(""), 60);
    let base = match title.rfind(" (fork") {
        Some(at) if title.ends_with(')') => title[..at].to_owned(),
        _ => title,
    };
    match (parent.kind, parent.user_messages) {
        (SessionKind::Pty, _) => format!("{base} (fork)"),
        (_, 0) => format!("{base} (fork before the first turn)"),
        (_, turns) => format!("{base} (fork at turn {turns})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        kind: SessionKind,
        title: Option<&str>,
        prompt: Option<&str>,
        turns: u64,
    ) -> SessionState {
        SessionState {
            kind,
            title: title.map(str::to_owned),
            first_prompt: prompt.map(str::to_owned),
            user_messages: turns,
            ..SessionState::default()
        }
    }

    #[test]
    fn fork_titles_say_where_they_were_cut() {
        let cases = [
            (
                state(SessionKind::Agent, Some("fix the build"), None, 2),
                "fix the build (fork at turn 2)",
            ),
            (
                state(SessionKind::Agent, None, Some("list files"), 1),
                "list files (fork at turn 1)",
            ),
            (
                state(SessionKind::Agent, Some("a (fork at turn 2)"), None, 3),
                "a (fork at turn 3)",
            ),
            (
                state(SessionKind::Agent, None, None, 0),
                "session (fork before the first turn)",
            ),
            (
                state(SessionKind::Pty, Some("bash"), None, 0),
                "bash (fork)",
            ),
        ];
        for (parent, want) in cases {
            assert_eq!(fork_title(&parent), want);
        }
    }
}
