//! Code state per slot: a git worktree and branch of its own, an exact snapshot of the worktree
//! at the end of every agent turn (a commit on a private ref, without touching the branch or
//! the index the user sees), forks that restore a snapshot into a new worktree, and diffs.
//! Everything shells out to `git`.

mod diff;
mod fork;
mod git;
mod worktree;

pub use diff::{DiffFile, DiffLine, DiffLineKind, FileDiff, parse_unified};
pub use fork::{ForkError, ForkedSession, fork_with_code};
pub use git::{Git, GitError};
pub use worktree::{
    RemoveCheck, Worktree, branch_name, checkpoint, checkpoint_ref, create, create_at,
    diff_against_base, diff_between, orphan_check, removal_check, remove, remove_snapshots,
    repo_root,
};
