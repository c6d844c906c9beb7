//! Worktrees for new slots: made from the repository the requesting client runs in.

use std::path::Path;

use crate::event::SessionWorktree;
use crate::ids::SessionId;
use crate::workspace::Worktree;

/// Why a slot got no worktree.
#[derive(Debug, thiserror::Error)]
pub enum WorktreeError {
    #[error("{0} is not inside a git repository")]
    NotARepository(String),
    #[error(transparent)]
    Git(#[from] crate::workspace::GitError),
}

/// A new worktree of the repository containing `cwd`, named `prefix` plus a short random
/// tail (unique across runs).
pub fn create(cwd: &str, dir: &Path, prefix: &str) -> Result<Worktree, WorktreeError> {
    let repo = crate::workspace::repo_root(Path::new(cwd))?
        .ok_or_else(|| WorktreeError::NotARepository(cwd.to_owned()))?;
    let id = SessionId::new().to_string();
    let name = format!("{prefix}-{}", &id[id.len() - 6..]);
    Ok(crate::workspace::create(&repo, dir, &name)?)
}

/// The event recording a worktree in its session.
pub fn event(worktree: &Worktree) -> SessionWorktree {
    SessionWorktree {
        path: worktree.path.display().to_string(),
        branch: worktree.branch.clone(),
        base: worktree.base.clone(),
        repo: worktree.repo.display().to_string(),
    }
}
