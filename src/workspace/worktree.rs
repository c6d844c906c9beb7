//! Worktrees per slot, snapshot commits per turn, restore on fork, diffs, safe removal.

use std::path::{Path, PathBuf};

use super::git::{Git, GitError};
use crate::ids::{Seq, SessionId};

/// Longest slot-derived part of a branch or directory name; keeps `git branch` readable.
const NAME_MAX: usize = 40;

/// A slot's worktree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worktree {
    /// The repository the worktree belongs to (its main working tree).
    pub repo: PathBuf,
    pub path: PathBuf,
    pub branch: String,
    /// The commit the branch started from.
    pub base: String,
}

impl Worktree {
    /// The worktree a `session.worktree` event recorded (older events name no repository: it
    /// is found from the worktree, else taken to be the worktree itself).
    pub fn recorded(recorded: &crate::event::SessionWorktree) -> Self {
        let path = PathBuf::from(&recorded.path);
        let repo = if recorded.repo.is_empty() {
            repo_root(&path)
                .ok()
                .flatten()
                .unwrap_or_else(|| path.clone())
        } else {
            PathBuf::from(&recorded.repo)
        };
        Self {
            repo,
            path,
            branch: recorded.branch.clone(),
            base: recorded.base.clone(),
        }
    }
}

/// The repository root containing `dir`, or `None` when `dir` is not in a repository.
pub fn repo_root(dir: &Path) -> Result<Option<PathBuf>, GitError> {
    match Git::new(dir).run(["rev-parse", "--show-toplevel"]) {
        Ok(root) => Ok(Some(PathBuf::from(root))),
        Err(GitError::NotARepository(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

fn sanitize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(NAME_MAX).collect();
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "slot".to_owned()
    } else {
        out
    }
}

/// `switchboard/<slot-name>`, made safe for git.
pub fn branch_name(slot_name: &str) -> String {
    format!("switchboard/{}", sanitize(slot_name))
}

/// The private ref holding a session's snapshot at `seq`.
pub fn checkpoint_ref(session: SessionId, seq: Seq) -> String {
    format!("refs/switchboard/{session}/{seq}")
}

/// A new worktree for slot `name` on branch `switchboard/<name>`, starting at the repository's
/// `HEAD`, under `worktrees_dir`.
pub fn create(repo: &Path, worktrees_dir: &Path, name: &str) -> Result<Worktree, GitError> {
    let head = Git::new(repo)
        .run(["rev-parse", "--verify", "HEAD^{commit}"])
        .map_err(|_| GitError::Failed {
            command: "rev-parse HEAD".into(),
            message: format!(
                "{} has no commits yet; commit something first",
                repo.display()
            ),
        })?;
    create_at(repo, worktrees_dir, name, &head)
}

/// A new worktree for slot `name` checked out at `commit` (a fork restoring a snapshot).
pub fn create_at(
    repo: &Path,
    worktrees_dir: &Path,
    name: &str,
    commit: &str,
) -> Result<Worktree, GitError> {
    let git = Git::new(repo);
    // A worktree directory deleted by hand leaves a stale registration; drop those first.
    git.run(["worktree", "prune"])?;
    let branch = branch_name(name);
    if git.succeeds([
        "show-ref",
        "--verify",
        "--quiet",
        &format!("refs/heads/{branch}"),
    ])? {
        return Err(GitError::Failed {
            command: "worktree add".into(),
            message: format!(
                "branch {branch} is taken; pick another slot name or delete the branch"
            ),
        });
    }
    let repo_name = repo
        .file_name()
        .map(|n| sanitize(&n.to_string_lossy()))
        .unwrap_or_else(|| "repo".into());
    let path = worktrees_dir.join(format!("{repo_name}-{}", sanitize(name)));
    if path.exists() {
        return Err(GitError::Failed {
            command: "worktree add".into(),
            message: format!("{} already exists", path.display()),
        });
    }
    std::fs::create_dir_all(worktrees_dir).map_err(|e| GitError::Failed {
        command: "worktree add".into(),
        message: format!("cannot create {}: {e}", worktrees_dir.display()),
    })?;
    let base = git.run(["rev-parse", "--verify", &format!("{commit}^{{commit}}")])?;
    let path_arg = path.to_string_lossy().into_owned();
    git.run([
        "worktree", "add", "--quiet", "-b", &branch, &path_arg, &base,
    ])?;
    Ok(Worktree {
        repo: repo.to_owned(),
        path,
        branch,
        base,
    })
}

/// A tree object of the worktree's exact state (tracked and untracked files, `.gitignore`
/// respected), built in a private index so the user's index is never touched.
fn snapshot_tree(worktree: &Path) -> Result<String, GitError> {
    let index = std::env::temp_dir().join(format!(
        "switchboard-index-{}-{}",
        std::process::id(),
        SessionId::new()
    ));
    let git = Git::new(worktree).with_env("GIT_INDEX_FILE", index.to_string_lossy());
    let result = (|| {
        git.run(["read-tree", "HEAD"])?;
        git.run(["add", "--all", "."])?;
        git.run(["write-tree"])
    })();
    let _ = std::fs::remove_file(&index);
    result
}

/// Records the worktree's exact state as a commit on `refs/switchboard/<session>/<seq>`, without
/// moving the branch or touching the index; returns the commit id.
pub fn checkpoint(worktree: &Path, session: SessionId, seq: Seq) -> Result<String, GitError> {
    let tree = snapshot_tree(worktree)?;
    let git = Git::new(worktree);
    let head = git.run(["rev-parse", "HEAD"])?;
    let message = format!("switchboard snapshot of session {session} at seq {seq}");
    let commit = git.run(["commit-tree", &tree, "-p", &head, "-m", &message])?;
    git.run(["update-ref", &checkpoint_ref(session, seq), &commit])?;
    Ok(commit)
}

/// The diff of the worktree's current state (untracked files included) against its merge-base
/// with `base`.
pub fn diff_against_base(worktree: &Path, base: &str) -> Result<String, GitError> {
    let git = Git::new(worktree);
    let merge_base = git.run(["merge-base", "HEAD", base])?;
    let tree = snapshot_tree(worktree)?;
    let bytes = git.run_raw(["diff", "--no-color", "--no-ext-diff", &merge_base, &tree])?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The diff between two commits (e.g. the snapshots of two turns).
pub fn diff_between(repo: &Path, from: &str, to: &str) -> Result<String, GitError> {
    let bytes = Git::new(repo).run_raw(["diff", "--no-color", "--no-ext-diff", from, to])?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// What removing a worktree would lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RemoveCheck {
    /// Files with uncommitted changes (untracked included).
    pub uncommitted: usize,
    /// Commits on the branch that its base does not have.
    pub unmerged: usize,
}

impl RemoveCheck {
    pub fn loses_work(&self) -> bool {
        self.uncommitted > 0 || self.unmerged > 0
    }

    /// What the worktree holds, naming only what it has ("1 uncommitted file", "2 unmerged
    /// commits", or both joined by "and").
    pub fn describe(&self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut parts = Vec::new();
        if self.uncommitted > 0 {
            parts.push(format!(
                "{} uncommitted file{}",
                self.uncommitted,
                plural(self.uncommitted)
            ));
        }
        if self.unmerged > 0 {
            parts.push(format!(
                "{} unmerged commit{}",
                self.unmerged,
                plural(self.unmerged)
            ));
        }
        if parts.is_empty() {
            return "nothing uncommitted or unmerged".to_owned();
        }
        parts.join(" and ")
    }
}

/// What removing `worktree` would lose.
pub fn removal_check(worktree: &Worktree) -> Result<RemoveCheck, GitError> {
    if !worktree.path.exists() {
        return Ok(RemoveCheck::default());
    }
    let status = Git::new(&worktree.path).run(["status", "--porcelain"])?;
    let unmerged = Git::new(&worktree.repo).run([
        "rev-list",
        "--count",
        &format!("{}..{}", worktree.base, worktree.branch),
    ])?;
    Ok(RemoveCheck {
        uncommitted: status.lines().count(),
        unmerged: unmerged.trim().parse().unwrap_or(0),
    })
}

/// What removing the worktree at `path` would lose when its base is no longer known (the
/// session that recorded it was removed): uncommitted files, and the commits of its `HEAD`
/// that no other branch, tag or remote branch holds.
pub fn orphan_check(path: &Path) -> Result<RemoveCheck, GitError> {
    let git = Git::new(path);
    let status = git.run(["status", "--porcelain"])?;
    let branch = git.run(["symbolic-ref", "--quiet", "--short", "HEAD"]).ok();
    let exclude = branch.map(|b| format!("--exclude={b}"));
    let mut args = vec!["rev-list", "--count", "HEAD", "--not"];
    if let Some(exclude) = &exclude {
        args.push(exclude);
    }
    args.extend(["--branches", "--tags", "--remotes"]);
    let unmerged = git.run(args)?;
    Ok(RemoveCheck {
        uncommitted: status.lines().count(),
        unmerged: unmerged.trim().parse().unwrap_or(0),
    })
}

/// Deletes the snapshot refs of `session` (`refs/switchboard/<session>/…`) in `repo`: the
/// session is gone, and so is every reader of its per-turn snapshots.
pub fn remove_snapshots(repo: &Path, session: SessionId) -> Result<usize, GitError> {
    let git = Git::new(repo);
    let refs = git.run([
        "for-each-ref",
        "--format=%(refname)",
        &format!("refs/switchboard/{session}/"),
    ])?;
    let refs: Vec<&str> = refs.lines().filter(|l| !l.is_empty()).collect();
    for name in &refs {
        git.run(["update-ref", "-d", name])?;
    }
    Ok(refs.len())
}

/// Removes the worktree and its branch. Refuses when work would be lost unless `force`.
pub fn remove(worktree: &Worktree, force: bool) -> Result<(), GitError> {
    let check = removal_check(worktree)?;
    if check.loses_work() && !force {
        return Err(GitError::Failed {
            command: "worktree remove".into(),
            message: format!(
                "{} has {}; confirm to remove it anyway",
                worktree.path.display(),
                check.describe()
            ),
        });
    }
    let git = Git::new(&worktree.repo);
    if worktree.path.exists() {
        let path = worktree.path.to_string_lossy().into_owned();
        git.run(["worktree", "remove", "--force", &path])?;
    } else {
        git.run(["worktree", "prune"])?;
    }
    git.run(["branch", "-D", &worktree.branch])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_for_git() {
        assert_eq!(
            branch_name("Agent 1: fix the FLAKY test!"),
            "switchboard/agent-1-fix-the-flaky-test"
        );
        assert_eq!(branch_name("///"), "switchboard/slot");
        assert_eq!(sanitize(&"x".repeat(100)).len(), NAME_MAX);
    }
}
