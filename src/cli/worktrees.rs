//! `switchboard worktrees`: every worktree sessions, forks and slots made — the ones the store
//! names and any left in the worktrees directory by a session that is gone — with its branch,
//! its session and what state it is in (clean, dirty, unmerged, missing).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;

use super::Context;
use crate::ids::ShortIds;
use crate::store::{SessionMeta, Store};
use crate::workspace::{self, Git, RemoveCheck, Worktree};

/// Longest session title shown in the table.
const TITLE_CHARS: usize = 28;

/// What a worktree holds that its branch's base does not.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Clean,
    /// Uncommitted files (untracked included), and maybe unmerged commits too.
    Dirty(RemoveCheck),
    /// Commits the base does not have, nothing uncommitted.
    Unmerged(RemoveCheck),
    /// The directory is gone.
    Missing,
    /// git could not tell.
    Unknown(String),
}

impl State {
    fn of(check: Result<RemoveCheck, String>, path: &Path) -> Self {
        if !path.exists() {
            return Self::Missing;
        }
        match check {
            Ok(check) if check.uncommitted > 0 => Self::Dirty(check),
            Ok(check) if check.unmerged > 0 => Self::Unmerged(check),
            Ok(_) => Self::Clean,
            Err(err) => Self::Unknown(err),
        }
    }

    fn word(&self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Dirty(_) => "dirty",
            Self::Unmerged(_) => "unmerged",
            Self::Missing => "missing",
            Self::Unknown(_) => "unknown",
        }
    }

    fn check(&self) -> Option<RemoveCheck> {
        match self {
            Self::Dirty(check) | Self::Unmerged(check) => Some(*check),
            _ => None,
        }
    }
}

/// One worktree and who made it.
struct Row {
    path: PathBuf,
    branch: String,
    /// The session that made it (the oldest one naming it: forks inherit their parent's
    /// until they get their own).
    session: Option<SessionMeta>,
    state: State,
}

pub fn run(context: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let store = context.open_store()?;
    let rows = collect(&store, &context.paths.worktrees_dir)?;
    let short = store.short_ids()?;
    let mut out = std::io::stdout().lock();
    if json {
        let values: Vec<_> = rows.iter().map(row_json).collect();
        serde_json::to_writer_pretty(&mut out, &values)?;
        writeln!(out)?;
    } else {
        table(&rows, &short, &context.paths.worktrees_dir, &mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn collect(store: &Store, worktrees_dir: &Path) -> anyhow::Result<Vec<Row>> {
    let mut sessions = store.sessions()?;
    sessions.sort_by_key(|meta| meta.created_at);
    let mut rows: BTreeMap<PathBuf, Row> = BTreeMap::new();
    for meta in sessions {
        let Some(path) = meta.worktree.clone().map(PathBuf::from) else {
            continue;
        };
        if rows.contains_key(&path) {
            continue;
        }
        let recorded = store.resume(meta.id)?.state.worktree;
        let (branch, check) = match &recorded {
            Some(recorded) => {
                let worktree = Worktree::recorded(recorded);
                let check = workspace::removal_check(&worktree).map_err(|e| e.to_string());
                (recorded.branch.clone(), check)
            }
            None => (
                meta.branch.clone().unwrap_or_default(),
                Err("not recorded".into()),
            ),
        };
        let state = State::of(check, &path);
        rows.insert(
            path.clone(),
            Row {
                path,
                branch,
                session: Some(meta),
                state,
            },
        );
    }
    // Directories a removed session left behind (kept because they held work).
    if let Ok(entries) = std::fs::read_dir(worktrees_dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() || rows.contains_key(&path) {
                continue;
            }
            let branch = Git::new(&path)
                .run(["rev-parse", "--abbrev-ref", "HEAD"])
                .unwrap_or_default();
            let check = workspace::orphan_check(&path).map_err(|e| e.to_string());
            let state = State::of(check, &path);
            rows.insert(
                path.clone(),
                Row {
                    path,
                    branch,
                    session: None,
                    state,
                },
            );
        }
    }
    Ok(rows.into_values().collect())
}

fn table(
    rows: &[Row],
    short: &ShortIds,
    worktrees_dir: &Path,
    out: &mut impl Write,
) -> std::io::Result<()> {
    if rows.is_empty() {
        return writeln!(
            out,
            "no worktrees: `switchboard exec --worktree`, forks of sessions with code, and new slots in a repository make them (under {})",
            worktrees_dir.display()
        );
    }
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|row| {
            let session = match &row.session {
                Some(meta) => {
                    let title: String = meta.title.chars().take(TITLE_CHARS).collect();
                    format!("{}  {title}", short.get(meta.id))
                }
                None => "(session removed)".to_owned(),
            };
            let state = match &row.state {
                State::Dirty(check) | State::Unmerged(check) => {
                    format!("{} ({})", row.state.word(), counts(check))
                }
                other => other.word().to_owned(),
            };
            [
                state,
                session,
                row.branch.clone(),
                row.path.display().to_string(),
            ]
        })
        .collect();
    let width = |i: usize, head: &str| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([head.len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0, "STATE"), width(1, "SESSION"), width(2, "BRANCH"));
    writeln!(
        out,
        "{:<w0$}  {:<w1$}  {:<w2$}  PATH",
        "STATE", "SESSION", "BRANCH"
    )?;
    for [state, session, branch, path] in &cells {
        writeln!(out, "{state:<w0$}  {session:<w1$}  {branch:<w2$}  {path}")?;
    }
    Ok(())
}

/// What a dirty or unmerged worktree holds, short enough for the STATE column:
/// "2 files", "1 commit", "2 files, 1 commit".
fn counts(check: &RemoveCheck) -> String {
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if check.uncommitted > 0 {
        parts.push(plural(check.uncommitted, "file"));
    }
    if check.unmerged > 0 {
        parts.push(plural(check.unmerged, "commit"));
    }
    parts.join(", ")
}

fn row_json(row: &Row) -> serde_json::Value {
    let check = row.state.check();
    json!({
        "path": row.path.display().to_string(),
        "branch": row.branch,
        "state": row.state.word(),
        "uncommitted": check.map(|c| c.uncommitted),
        "unmerged": check.map(|c| c.unmerged),
        "error": match &row.state { State::Unknown(err) => Some(err.clone()), _ => None },
        "session_exists": row.session.is_some(),
        "session": row.session.as_ref().map(|meta| json!({
            "id": meta.id.to_string(),
            "title": meta.title,
            "status": meta.status.label(),
        })),
    })
}
