//! Git for tasks: where a task's repository and base are, each attempt's worktree and branch
//! (`switchboard/task/<task>/<n>`) starting from the base plus every dependency's result
//! merged in, the result commit, its patch and the hashes of the files it changed.

use std::path::{Path, PathBuf};

use crate::event::{FileHash, MergedDependency};
use crate::ids::TaskId;
use crate::workspace::{Git, GitError};

/// Why an attempt's worktree could not be prepared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("merging the result of {dependency} conflicts in {files}")]
    Conflict { dependency: String, files: String },
    #[error("{0} already exists; remove it or retry the task")]
    Exists(String),
}

/// Why a task's repository or base is refused at submission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    #[error("{0} is not a directory")]
    NoDirectory(String),
    #[error("{0} is not inside a git repository")]
    NotARepository(String),
    #[error("base {base:?} does not exist in {repo}")]
    NoBase { base: String, repo: String },
    #[error(transparent)]
    Git(#[from] GitError),
}

/// The repository root containing `dir`, and the commit `base` names there.
pub fn resolve(dir: &str, base: &str) -> Result<(String, String), RepoError> {
    if !Path::new(dir).is_dir() {
        return Err(RepoError::NoDirectory(dir.to_owned()));
    }
    let root = crate::workspace::repo_root(Path::new(dir))?
        .ok_or_else(|| RepoError::NotARepository(dir.to_owned()))?;
    let repo = root.display().to_string();
    let commit = Git::new(&root)
        .run([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{base}^{{commit}}"),
        ])
        .map_err(|_| RepoError::NoBase {
            base: base.to_owned(),
            repo: repo.clone(),
        })?;
    if commit.is_empty() {
        return Err(RepoError::NoBase {
            base: base.to_owned(),
            repo,
        });
    }
    Ok((repo, commit))
}

/// An attempt's prepared worktree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptTree {
    pub path: PathBuf,
    pub branch: String,
    pub start_commit: String,
    pub merged: Vec<MergedDependency>,
}

/// `switchboard/task/<task>/<n>`.
pub fn branch(task: TaskId, attempt: u32) -> String {
    format!("switchboard/task/{}/{attempt}", task.name())
}

/// A dependency's result to merge: its id, how to name it, its result commit.
#[derive(Debug, Clone)]
pub struct DependencyResult {
    pub task: TaskId,
    pub label: String,
    pub commit: String,
}

/// A new worktree for attempt `attempt` of `task`: the base commit plus each dependency's
/// result merged in order. A conflict aborts the merge and names the files.
pub fn prepare(
    repo: &Path,
    worktrees_dir: &Path,
    task: TaskId,
    attempt: u32,
    base_commit: &str,
    dependencies: &[DependencyResult],
) -> Result<AttemptTree, PrepareError> {
    let git = Git::new(repo);
    git.run(["worktree", "prune"])?;
    let branch = branch(task, attempt);
    let repo_name = repo
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repo".into());
    let path = worktrees_dir.join(format!("{repo_name}-task-{}-{attempt}", task.name()));
    if path.exists() {
        return Err(PrepareError::Exists(path.display().to_string()));
    }
    std::fs::create_dir_all(worktrees_dir).map_err(|e| {
        PrepareError::Git(GitError::Failed {
            command: "worktree add".into(),
            message: format!("cannot create {}: {e}", worktrees_dir.display()),
        })
    })?;
    let path_arg = path.to_string_lossy().into_owned();
    git.run([
        "worktree",
        "add",
        "--quiet",
        "-B",
        &branch,
        &path_arg,
        base_commit,
    ])?;
    let tree = Git::new(&path);
    let mut merged = Vec::with_capacity(dependencies.len());
    for dep in dependencies {
        let message = format!(
            "merge the result of task {} ({})",
            dep.label,
            dep.task.short()
        );
        let ok = tree.succeeds([
            "-c",
            "commit.gpgsign=false",
            "merge",
            "--quiet",
            "--no-edit",
            "--no-verify",
            "-m",
            &message,
            &dep.commit,
        ])?;
        if !ok {
            let files = tree
                .run(["diff", "--name-only", "--diff-filter=U"])
                .unwrap_or_default();
            let _ = tree.run(["merge", "--abort"]);
            // Nothing of the attempt is in it yet: the next attempt starts clean.
            let _ = git.run(["worktree", "remove", "--force", &path_arg]);
            let _ = git.run(["branch", "-D", &branch]);
            let files = files.lines().collect::<Vec<_>>().join(", ");
            return Err(PrepareError::Conflict {
                dependency: format!("{} ({})", dep.label, dep.task.short()),
                files: if files.is_empty() {
                    "(no file named)".into()
                } else {
                    files
                },
            });
        }
        merged.push(MergedDependency {
            task: dep.task,
            commit: dep.commit.clone(),
        });
    }
    let start_commit = tree.run(["rev-parse", "HEAD"])?;
    Ok(AttemptTree {
        path,
        branch,
        start_commit,
        merged,
    })
}

/// Commits whatever the attempt left in its worktree (untracked files included,
/// `.gitignore` respected) as its result; returns the result commit (HEAD when there was
/// nothing to commit).
pub fn commit_result(worktree: &Path, message: &str) -> Result<String, GitError> {
    let git = Git::new(worktree);
    git.run(["add", "--all", "."])?;
    let clean = git.succeeds(["diff", "--cached", "--quiet"])?;
    if !clean {
        git.run([
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            message,
        ])?;
    }
    git.run(["rev-parse", "HEAD"])
}

/// The patch from `from` to `to` (binary-safe), and the files it touches with the SHA-256 of
/// their content at `to` (`None` when deleted).
pub fn patch_and_files(
    worktree: &Path,
    from: &str,
    to: &str,
) -> Result<(Vec<u8>, Vec<FileHash>), GitError> {
    let git = Git::new(worktree);
    let patch = git.run_raw(["diff", "--binary", "--no-color", "--no-ext-diff", from, to])?;
    let names = git.run_raw(["diff", "--name-only", "-z", "--no-renames", from, to])?;
    let mut files = Vec::new();
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let path = String::from_utf8_lossy(name).into_owned();
        let spec = format!("{to}:{path}");
        let sha256 = if git.succeeds(["cat-file", "-e", &spec])? {
            Some(super::evidence::sha256_hex(&git.run_raw(["show", &spec])?))
        } else {
            None
        };
        files.push(FileHash { path, sha256 });
    }
    Ok((patch, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_name_task_and_attempt() {
        let id = TaskId(0x0193_abcd_ef01_7000_8000_0000_0000_0001);
        assert_eq!(branch(id, 2), "switchboard/task/0193abcdef01/2");
        let a = TaskId::new();
        assert_eq!(TaskId::parse(&a.to_string()), Some(a));
        assert_eq!(uuid::Uuid::from_u128(a.0).get_version_num(), 4);
    }
}
