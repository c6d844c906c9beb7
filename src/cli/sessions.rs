//! `switchboard sessions …`: list, show, export, fork and remove stored sessions.
//!
//! | module | owns |
//! |---|---|
//! | `sessions.rs` | the subcommands, `list`, `show`, `export` |
//! | `sessions/transcript.rs` | the transcript as text (`show --transcript`) and Markdown (`export --format markdown`) |
//! | `sessions/fork.rs` | `fork`, through the server when one runs |
//! | `sessions/remove.rs` | `rm` and `prune`: what may go, the store rows, the worktrees |

mod fork;
mod remove;
mod transcript;

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use serde_json::json;

use super::Context;
use crate::ids::{Seq, ShortIds, Timestamp};
use crate::session::Cut;
use crate::store::{SessionMeta, Store};

/// What `sessions export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per event (inherited events of forks included): every field kept
    Jsonl,
    /// A readable document: a summary, then messages, commands with their output, notices
    #[value(alias = "md")]
    Markdown,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List sessions, newest first
    List {
        /// Print a JSON array instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Show one session (resumed from its latest checkpoint)
    Show {
        /// Session id or a unique prefix of it
        id: String,
        #[arg(long)]
        json: bool,
        /// After the summary, print the transcript: messages, commands with the tail of
        /// their output, approvals, interruptions (with --json: a `transcript` array)
        #[arg(long)]
        transcript: bool,
    },
    /// Export a session: every event as JSON Lines (inherited events of forks included), or
    /// a readable Markdown document
    Export {
        /// Session id or a unique prefix of it
        id: String,
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
    },
    /// Fork a session into a new one (O(1): nothing is copied)
    Fork {
        /// Session id or a unique prefix of it
        id: String,
        /// Last event to inherit (default: the session's last)
        #[arg(long, conflicts_with = "turn")]
        at: Option<u64>,
        /// Fork after turn N ends (1 = the first user message's turn)
        #[arg(long)]
        turn: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Remove sessions from the store, with the worktrees they made (a worktree holding
    /// uncommitted or unmerged work is kept unless --force). A session with forks, or one a
    /// live process owns, is refused
    Rm {
        /// Session ids or unique prefixes
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// Also remove worktrees that hold uncommitted or unmerged work
        #[arg(long)]
        force: bool,
        /// List what would be removed, and remove nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove every session not updated for DUR (e.g. 30d, 12h), with its worktrees; live
    /// sessions and sessions with newer forks are kept
    Prune {
        /// Age of the last update, e.g. 30d, 2w, 12h
        #[arg(long, value_name = "DUR", value_parser = parse_age)]
        older_than: std::time::Duration,
        /// Also remove worktrees that hold uncommitted or unmerged work
        #[arg(long)]
        force: bool,
        /// List what would be removed, and remove nothing
        #[arg(long)]
        dry_run: bool,
    },
}

/// `--older-than`: humantime's units, with an error that shows what to write.
fn parse_age(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|_| format!("`{text}` is not an age; write it like 30d, 2w, 12h or 90min"))
}

pub fn run(context: &Context, command: SessionsCommand) -> anyhow::Result<ExitCode> {
    let store = context.open_store()?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let result = match command {
        SessionsCommand::List { json } => list(&store, json, &mut out),
        SessionsCommand::Show {
            id,
            json,
            transcript,
        } => show(&store, &id, json, transcript, &mut out),
        SessionsCommand::Export { id, format } => export(&store, &id, format, &mut out),
        SessionsCommand::Rm {
            ids,
            force,
            dry_run,
        } => remove::rm(
            context,
            &store,
            &ids,
            remove::Options { force, dry_run },
            &mut out,
        ),
        SessionsCommand::Prune {
            older_than,
            force,
            dry_run,
        } => remove::prune(
            context,
            &store,
            older_than,
            remove::Options { force, dry_run },
            &mut out,
        ),
        SessionsCommand::Fork { id, at, turn, json } => fork::fork(
            context,
            &store,
            &id,
            Cut::from_args(at, turn),
            json,
            &mut out,
        ),
    };
    result.and_then(|()| out.flush().map_err(Into::into))?;
    Ok(ExitCode::SUCCESS)
}

/// The JSON form of an index entry, shared by `list --json` and `show --json`.
pub fn meta_json(meta: &SessionMeta) -> serde_json::Value {
    json!({
        "id": meta.id.to_string(),
        "title": meta.title,
        "kind": meta.kind.label(),
        "cwd": meta.cwd,
        "command": meta.command,
        "model": meta.model,
        "created_at": meta.created_at.rfc3339(),
        "updated_at": meta.updated_at.rfc3339(),
        "last_seq": meta.last_seq.0,
        "events": meta.events(),
        "status": meta.status.label(),
        "parent": meta.parent.map(|p| json!({"id": p.id.to_string(), "seq": p.seq.0})),
        "turns": meta.turns,
        "worktree": meta.worktree,
        "branch": meta.branch,
    })
}

fn list(store: &Store, json: bool, out: &mut impl Write) -> anyhow::Result<()> {
    // The store's own logs (the task board's, the MCP calls') are sessions too, but not ones
    // to resume: `task list` and `sessions export` show them.
    let sessions: Vec<_> = store
        .sessions()?
        .into_iter()
        .filter(|meta| !meta.kind.is_log())
        .collect();
    if json {
        let rows: Vec<_> = sessions.iter().map(meta_json).collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    if sessions.is_empty() {
        writeln!(out, "no sessions yet (store: {})", store.path().display())?;
        return Ok(());
    }
    let now = Timestamp::now();
    // Every id in the store is listed, so these prefixes are unique in the store.
    let short = ShortIds::new(sessions.iter().map(|meta| meta.id));
    let width = short.width();
    writeln!(
        out,
        "{:<width$}  {:<11}  {:<5}  {:>8}  {:>4}  TITLE",
        "ID", "STATUS", "KIND", "EVENTS", "AGE"
    )?;
    for meta in &sessions {
        let title: String = meta.title.chars().take(60).collect();
        writeln!(
            out,
            "{:<width$}  {:<11}  {:<5}  {:>8}  {:>4}  {}",
            short.get(meta.id),
            meta.status.label(),
            meta.kind.label(),
            meta.events(),
            meta.updated_at.age(now),
            title
        )?;
    }
    Ok(())
}

fn show(
    store: &Store,
    id: &str,
    json: bool,
    with_transcript: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let id = store.resolve(id)?;
    let meta = store.meta(id)?;
    let resumed = store.resume(id)?;
    let state = &resumed.state;
    if json {
        let mut value = meta_json(&meta);
        if let Some(map) = value.as_object_mut() {
            map.insert(
                "usage".into(),
                json!({
                    "input_tokens": state.usage.input_tokens,
                    "cached_tokens": state.usage.cached_tokens,
                    "output_tokens": state.usage.output_tokens,
                    "reasoning_tokens": state.usage.reasoning_tokens,
                }),
            );
            map.insert("user_messages".into(), json!(state.user_messages));
            map.insert("tool_calls".into(), json!(state.tool_calls));
            map.insert("exit_code".into(), json!(state.exit_code));
            map.insert("last_error".into(), json!(state.last_error));
            map.insert("last_commit".into(), json!(state.last_commit));
            map.insert(
                "resumed_from_checkpoint".into(),
                json!(resumed.checkpoint.0),
            );
            if with_transcript {
                let folded = transcript::fold(store, &meta)?;
                map.insert("transcript".into(), transcript::to_json(folded.as_ref()));
            }
            if meta.kind == crate::event::SessionKind::Pty {
                let dropped = store.dropped_output(id)?;
                map.insert("pty_bytes_out".into(), json!(state.pty_bytes_out));
                map.insert("pty_dropped_bytes".into(), json!(dropped.bytes));
                map.insert("pty_dropped_chunks".into(), json!(dropped.chunks));
            }
        }
        serde_json::to_writer_pretty(&mut *out, &value)?;
        writeln!(out)?;
        return Ok(());
    }
    let now = Timestamp::now();
    writeln!(out, "id        {}", meta.id)?;
    writeln!(out, "title     {}", meta.title)?;
    writeln!(out, "kind      {}", meta.kind.label())?;
    writeln!(out, "status    {}", meta.status.label())?;
    writeln!(out, "cwd       {}", meta.cwd)?;
    if let Some(command) = &meta.command {
        writeln!(out, "command   {command}")?;
    }
    if let (Some(worktree), Some(branch)) = (&meta.worktree, &meta.branch) {
        writeln!(out, "worktree  {worktree} (branch {branch})")?;
    }
    if let Some(parent) = meta.parent {
        writeln!(out, "parent    {} at seq {}", parent.id, parent.seq)?;
    }
    writeln!(
        out,
        "created   {} ({} ago)",
        meta.created_at.rfc3339(),
        meta.created_at.age(now)
    )?;
    writeln!(out, "updated   {}", meta.updated_at.rfc3339())?;
    writeln!(out, "events    {}", meta.events())?;
    writeln!(
        out,
        "messages  {} user, {} turns, {} tool calls",
        state.user_messages, state.turns, state.tool_calls
    )?;
    if state.usage.total() > 0 {
        writeln!(
            out,
            "tokens    {} in ({} cached), {} out ({} reasoning)",
            state.usage.input_tokens,
            state.usage.cached_tokens,
            state.usage.output_tokens,
            state.usage.reasoning_tokens
        )?;
    }
    if meta.kind == crate::event::SessionKind::Pty {
        let dropped = store.dropped_output(id)?;
        let recorded = super::maintenance::bytes(state.pty_bytes_out);
        if dropped.bytes > 0 {
            writeln!(
                out,
                "output    {recorded} recorded; the oldest {} dropped ([store] pane_history), resume and the last screen are intact",
                super::maintenance::bytes(dropped.bytes)
            )?;
        } else {
            writeln!(out, "output    {recorded} recorded")?;
        }
    }
    if let Some(commit) = &state.last_commit {
        writeln!(out, "snapshot  {commit}")?;
    }
    if let Some(error) = &state.last_error {
        writeln!(out, "error     {error}")?;
    }
    if with_transcript {
        let folded = transcript::fold(store, &meta)?;
        transcript::write_text(folded.as_ref(), out)?;
    }
    Ok(())
}

fn export(
    store: &Store,
    id: &str,
    format: ExportFormat,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let id = store.resolve(id)?;
    let meta = store.meta(id)?;
    if format == ExportFormat::Markdown {
        let state = store.resume(id)?.state;
        let folded = transcript::fold(store, &meta)?;
        transcript::write_markdown(&meta, &state, folded.as_ref(), out)?;
        transcript::footer(out, id)?;
        return Ok(());
    }
    let last = meta.last_seq;
    let session = id.to_string();
    let mut io_error = None;
    store
        .for_each_event(id, Seq::ZERO, last, |event, inherited| {
            let mut line = json!({
                "session": session,
                "seq": event.seq.0,
                "at": event.at.rfc3339(),
                "kind": event.kind.tag(),
                "data": event.kind.body_json(),
            });
            if inherited && let Some(map) = line.as_object_mut() {
                map.insert("inherited".into(), json!(true));
                map.insert("origin".into(), json!(event.session.to_string()));
            }
            let written = serde_json::to_writer(&mut *out, &line)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"));
            if let Err(err) = written {
                io_error = Some(err);
                // Stop reading: the reader is gone or the disk is full.
                return Err(crate::store::StoreError::Io("export output closed".into()));
            }
            Ok(())
        })
        .map_err(|err| match io_error.take() {
            Some(io) => anyhow::Error::from(io),
            None => err.into(),
        })
}
