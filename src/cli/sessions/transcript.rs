//! A session's transcript outside the workstation: `sessions show --transcript` (plain text,
//! the workstation's markers) and `sessions export --format markdown`. Both are written from
//! the workstation's own fold of the events (`tui::transcript::Transcript::apply`), so what
//! they say is what a slot shows.

use std::io::Write;

use crate::event::SessionKind;
use crate::ids::{Seq, SessionId, Timestamp};
use crate::session::SessionState;
use crate::store::{SessionMeta, Store, StoreError};
use crate::tui::transcript::{
    Body, Entry, EntryKind, TOOL_PREVIEW_LINES, ToolCell, ToolStatus, Transcript,
};

/// Output lines of a command a Markdown export keeps (its tail): enough to see a test run's
/// summary or a compiler's last errors, while a long build log stays in the JSON Lines export.
const MARKDOWN_OUTPUT_LINES: usize = 40;

/// What a PTY session prints instead of a transcript.
const NO_TRANSCRIPT: &str =
    "a terminal session has no messages; its output is in `switchboard sessions export`";

/// Folds the session's events (inherited ones included) into the workstation's transcript.
/// `None` for a PTY session, whose output is not a conversation.
pub fn fold(store: &Store, meta: &SessionMeta) -> Result<Option<Transcript>, StoreError> {
    if meta.kind == SessionKind::Pty {
        return Ok(None);
    }
    let mut transcript = Transcript::default();
    store.for_each_event(meta.id, Seq::ZERO, meta.last_seq, |event, inherited| {
        transcript.apply(&event, inherited);
        Ok(())
    })?;
    Ok(Some(transcript))
}

/// The transcript as plain text, with the workstation's markers: `›` the user, `•` the
/// assistant, `$` a command (its status, where it ran, who approved it, the tail of its
/// output), `·` notices such as interruptions, `✗` errors.
pub fn write_text(transcript: Option<&Transcript>, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "transcript")?;
    let Some(transcript) = transcript else {
        return writeln!(out, "  ({NO_TRANSCRIPT})");
    };
    if transcript.is_empty() {
        return writeln!(out, "  (no messages yet)");
    }
    for entry in transcript.entries() {
        match entry.body() {
            Body::Tool(cell) => tool_text(cell, out)?,
            Body::Text(text) => {
                let marker = match entry.kind {
                    EntryKind::User => "› ",
                    EntryKind::Assistant => "• ",
                    EntryKind::Reasoning => "◦ ",
                    EntryKind::Error => "✗ ",
                    EntryKind::Notice | EntryKind::Tool => "· ",
                };
                indented(text.trim_end(), marker, out)?;
            }
        }
    }
    Ok(())
}

fn tool_text(cell: &ToolCell, out: &mut impl Write) -> std::io::Result<()> {
    indented(
        &format!("{}  [{}]", cell.command, cell.status.label()),
        "$ ",
        out,
    )?;
    let notes = cell.notes();
    if !notes.is_empty() {
        writeln!(out, "  {}", notes.join(" · "))?;
    }
    let (skipped, tail) = output_tail(&cell.output, TOOL_PREVIEW_LINES);
    if skipped > 0 {
        writeln!(out, "  │ … {skipped} earlier lines")?;
    }
    for line in tail {
        writeln!(out, "  │ {line}")?;
    }
    Ok(())
}

/// The last `keep` lines of `output` and how many came before them.
fn output_tail(output: &str, keep: usize) -> (usize, Vec<&str>) {
    let lines: Vec<&str> = output.lines().collect();
    let skip = lines.len().saturating_sub(keep);
    (skip, lines[skip..].to_vec())
}

/// `marker` before the first line, its width of spaces before the others.
fn indented(text: &str, marker: &str, out: &mut impl Write) -> std::io::Result<()> {
    let pad = " ".repeat(marker.chars().count());
    for (n, line) in text.split('\n').enumerate() {
        let lead = if n == 0 { marker } else { pad.as_str() };
        writeln!(out, "{lead}{line}")?;
    }
    Ok(())
}

/// The transcript for `show --json --transcript`: one object per entry, `null` for a PTY
/// session.
pub fn to_json(transcript: Option<&Transcript>) -> serde_json::Value {
    use serde_json::json;
    let Some(transcript) = transcript else {
        return serde_json::Value::Null;
    };
    let entries: Vec<_> = transcript
        .entries()
        .iter()
        .map(|entry| match entry.body() {
            Body::Tool(cell) => {
                let (skipped, tail) = output_tail(&cell.output, TOOL_PREVIEW_LINES);
                let mut value = json!({
                    "kind": "command",
                    "command": cell.command,
                    "status": cell.status.label(),
                    "cwd": cell.cwd,
                    "approval": cell.approval,
                    "output_tail": tail.join("\n"),
                    "output_skipped_lines": skipped,
                    "inherited": entry.inherited,
                });
                if let (Some(map), Some(fields)) =
                    (value.as_object_mut(), status_json(&cell.status))
                {
                    map.extend(fields);
                }
                value
            }
            Body::Text(text) => json!({
                "kind": match entry.kind {
                    EntryKind::User => "user",
                    EntryKind::Assistant => "assistant",
                    EntryKind::Reasoning => "reasoning",
                    EntryKind::Error => "error",
                    EntryKind::Notice | EntryKind::Tool => "notice",
                },
                "text": text,
                "inherited": entry.inherited,
            }),
        })
        .collect();
    serde_json::Value::Array(entries)
}

/// The parts of a command's status a script wants as values rather than a label.
fn status_json(status: &ToolStatus) -> Option<serde_json::Map<String, serde_json::Value>> {
    use serde_json::json;
    let value = match status {
        ToolStatus::Finished {
            exit_code,
            duration_ms,
            killed,
        } => json!({"exit_code": exit_code, "duration_ms": duration_ms, "killed": killed}),
        ToolStatus::Denied { reason } => json!({"denied": true, "reason": reason}),
        ToolStatus::Requested | ToolStatus::Running | ToolStatus::NotRun => return None,
    };
    match value {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The session as a Markdown document: a summary list, then every message, command and
/// notice in order.
pub fn write_markdown(
    meta: &SessionMeta,
    state: &SessionState,
    transcript: Option<&Transcript>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(out, "# {}", meta.title.trim())?;
    writeln!(out)?;
    writeln!(out, "- **Session:** `{}`", meta.id)?;
    writeln!(
        out,
        "- **Kind:** {} · **Status:** {}",
        meta.kind.label(),
        meta.status.label()
    )?;
    if let Some(model) = &meta.model {
        writeln!(out, "- **Model:** {model}")?;
    }
    if let Some(command) = &meta.command {
        writeln!(out, "- **Command:** `{command}`")?;
    }
    writeln!(out, "- **Directory:** `{}`", meta.cwd)?;
    writeln!(
        out,
        "- **Created:** {} · **Updated:** {}",
        meta.created_at.rfc3339(),
        meta.updated_at.rfc3339()
    )?;
    if let Some(parent) = meta.parent {
        writeln!(
            out,
            "- **Forked from:** `{}` after event {}",
            parent.id, parent.seq
        )?;
    }
    if let (Some(worktree), Some(branch)) = (&meta.worktree, &meta.branch) {
        writeln!(out, "- **Worktree:** `{worktree}` (branch `{branch}`)")?;
    }
    if state.usage.total() > 0 {
        writeln!(
            out,
            "- **Tokens:** {} in ({} cached), {} out ({} reasoning)",
            state.usage.input_tokens,
            state.usage.cached_tokens,
            state.usage.output_tokens,
            state.usage.reasoning_tokens
        )?;
    }
    writeln!(out)?;
    writeln!(out, "## Transcript")?;
    let Some(transcript) = transcript else {
        writeln!(out)?;
        return writeln!(out, "_{NO_TRANSCRIPT}._");
    };
    for entry in transcript.entries() {
        writeln!(out)?;
        entry_markdown(entry, out)?;
    }
    Ok(())
}

fn entry_markdown(entry: &Entry, out: &mut impl Write) -> std::io::Result<()> {
    match (entry.body(), entry.kind) {
        (Body::Tool(cell), _) => {
            fenced(&format!("$ {}", cell.command), "sh", out)?;
            let mut notes = vec![cell.status.label()];
            notes.extend(cell.notes());
            writeln!(out)?;
            writeln!(out, "_{}_", notes.join(" · ").replace('_', "\\_"))?;
            let (skipped, tail) = output_tail(&cell.output, MARKDOWN_OUTPUT_LINES);
            if !tail.is_empty() {
                let mut text = String::new();
                if skipped > 0 {
                    text.push_str(&format!("… {skipped} earlier lines\n"));
                }
                text.push_str(&tail.join("\n"));
                writeln!(out)?;
                fenced(&text, "text", out)?;
            }
            Ok(())
        }
        (Body::Text(text), EntryKind::User) => {
            writeln!(out, "### You")?;
            writeln!(out)?;
            writeln!(out, "{}", text.trim_end())
        }
        (Body::Text(text), EntryKind::Assistant) => {
            writeln!(out, "### Assistant")?;
            writeln!(out)?;
            writeln!(out, "{}", text.trim_end())
        }
        (Body::Text(text), EntryKind::Reasoning) => quoted("Reasoning", text, out),
        (Body::Text(text), EntryKind::Error) => quoted("Error", text, out),
        (Body::Text(text), EntryKind::Notice | EntryKind::Tool) => quoted("Note", text, out),
    }
}

/// A block quote led by a bold label.
fn quoted(label: &str, text: &str, out: &mut impl Write) -> std::io::Result<()> {
    for (n, line) in text.trim_end().split('\n').enumerate() {
        if n == 0 {
            writeln!(out, "> **{label}:** {line}")?;
        } else {
            writeln!(out, "> {line}")?;
        }
    }
    Ok(())
}

/// A fenced code block whose fence is longer than any backtick run inside, so output that
/// holds a fence of its own cannot end the block early.
fn fenced(text: &str, lang: &str, out: &mut impl Write) -> std::io::Result<()> {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    writeln!(out, "{fence}{lang}")?;
    writeln!(out, "{}", text.trim_end_matches('\n'))?;
    writeln!(out, "{fence}")
}

/// When the export was written, for the document's footer (kept out of the summary so two
/// exports of one session differ only there).
pub fn footer(out: &mut impl Write, id: SessionId) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "---")?;
    writeln!(
        out,
        "_Exported by switchboard {} at {}; every event is in `switchboard sessions export {}`._",
        env!("CARGO_PKG_VERSION"),
        Timestamp::now().rfc3339(),
        id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_backticks_inside() {
        let mut out = Vec::new();
        fenced("a ```` b", "text", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("`````text\n"), "{text}");
        assert!(text.ends_with("\n`````\n"), "{text}");
        let mut out = Vec::new();
        fenced("plain", "sh", &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "```sh\nplain\n```\n");
    }

    #[test]
    fn long_output_keeps_its_tail() {
        let output: String = (1..=20).map(|n| format!("line {n}\n")).collect();
        let (skipped, tail) = output_tail(&output, 8);
        assert_eq!(skipped, 12);
        assert_eq!(tail.first(), Some(&"line 13"));
        assert_eq!(tail.last(), Some(&"line 20"));
    }
}
