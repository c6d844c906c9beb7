//! Running `git` as a child process, with errors that say what went wrong in one line.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Identity of the snapshot commits switchboard writes, so they work without a git identity
/// configured and are recognisable in `git log`.
const AUTHOR_NAME: &str = "switchboard";
const AUTHOR_EMAIL: &str = "switchboard@localhost";

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum GitError {
    #[error("git is not installed or not on PATH")]
    Missing,
    #[error("{} is not inside a git repository", .0.display())]
    NotARepository(PathBuf),
    #[error("git {command} failed: {message}")]
    Failed { command: String, message: String },
}

/// Held around every `git worktree …` and `git branch …` this process runs. Git does not
/// make them safe against each other: a `worktree prune` reading `.git/worktrees` while a
/// `worktree add` is writing its entry fails ("failed to read …/commondir") and can drop the
/// half-made entry. The server prepares many attempts' worktrees at once, so they take turns.
static WORKTREE_ADMIN: parking_lot::Mutex<()> = parking_lot::Mutex::new(());

/// `git -C dir …`, with extra environment.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Git {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            env: Vec::new(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The same, with one more environment variable for every command.
    pub fn with_env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.to_owned(), value.into()));
        self
    }

    fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", AUTHOR_NAME)
            .env("GIT_AUTHOR_EMAIL", AUTHOR_EMAIL)
            .env("GIT_COMMITTER_NAME", AUTHOR_NAME)
            .env("GIT_COMMITTER_EMAIL", AUTHOR_EMAIL)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
    }

    fn output<I, S>(&self, args: I) -> Result<Output, GitError>
    where
        I: IntoIterator<Item = S> + Clone,
        S: AsRef<OsStr>,
    {
        let admin =
            args.clone().into_iter().next().is_some_and(|first| {
                matches!(first.as_ref().to_str(), Some("worktree" | "branch"))
            });
        let _turn = admin.then(|| WORKTREE_ADMIN.lock());
        self.command(args.clone()).output().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                GitError::Missing
            } else {
                GitError::Failed {
                    command: describe(args),
                    message: e.to_string(),
                }
            }
        })
    }

    /// Runs and returns trimmed stdout, or the first line of stderr as the error.
    pub fn run<I, S>(&self, args: I) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S> + Clone,
        S: AsRef<OsStr>,
    {
        let output = self.output(args.clone())?;
        if output.status.success() {
            return Ok(String::from_utf8_lossy(&output.stdout)
                .trim_end()
                .to_owned());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("not a git repository") {
            return Err(GitError::NotARepository(self.dir.clone()));
        }
        let message = stderr
            .lines()
            .map(|l| {
                l.trim()
                    .trim_start_matches("fatal: ")
                    .trim_start_matches("error: ")
            })
            .find(|l| !l.is_empty())
            .unwrap_or("no message")
            .to_owned();
        Err(GitError::Failed {
            command: describe(args),
            message,
        })
    }

    /// Runs and returns raw stdout (diffs keep their exact bytes), failing like [`Self::run`].
    pub fn run_raw<I, S>(&self, args: I) -> Result<Vec<u8>, GitError>
    where
        I: IntoIterator<Item = S> + Clone,
        S: AsRef<OsStr>,
    {
        let output = self.output(args.clone())?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        self.run(args).map(|_| Vec::new())
    }

    /// Whether the command succeeds (for yes/no questions such as "does this ref exist").
    pub fn succeeds<I, S>(&self, args: I) -> Result<bool, GitError>
    where
        I: IntoIterator<Item = S> + Clone,
        S: AsRef<OsStr>,
    {
        Ok(self.output(args)?.status.success())
    }
}

fn describe<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    args.into_iter()
        .take(2)
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
