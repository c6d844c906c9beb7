//! Forking a session together with its code: the fork gets a worktree of its own, checked out
//! at the snapshot commit recorded when the cut was made (the end of the chosen turn).

use std::path::{Path, PathBuf};

use super::git::GitError;
use super::worktree::{Worktree, create_at, remove, repo_root};
use crate::event::{EventKind, SessionWorktree};
use crate::ids::{Seq, SessionId};
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
    if let Some(worktree) = &worktree {
        store.append_durable(
            child,
            vec![EventKind::SessionWorktree(SessionWorktree {
                path: worktree.path.display().to_string(),
                branch: worktree.branch.clone(),
                base: worktree.base.clone(),
                repo: worktree.repo.display().to_string(),
            })],
        )?;
    }
    Ok(ForkedSession {
        id: child,
        worktree,
    })
}
