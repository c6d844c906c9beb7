//! What the picker shows of a session: a short header and the tail of what happened, read from
//! the last events only (O(tail), whatever the session's length).

use crate::event::{EventKind, OutputItem, TurnOutcome};
use crate::ids::{Seq, SessionId, Timestamp};
use crate::store::{Store, StoreError};
use crate::text::strip_ansi;

/// Events read for a preview: enough for the last few turns or screens of output.
const PREVIEW_EVENTS: u64 = 400;
/// Lines kept.
const PREVIEW_LINES: usize = 60;

pub fn preview_lines(store: &Store, id: SessionId) -> Result<Vec<String>, StoreError> {
    let meta = store.meta(id)?;
    let mut lines = vec![
        format!(
            "{} · {} · {} events",
            meta.kind.label(),
            meta.status.label(),
            meta.events()
        ),
        format!("dir  {}", meta.cwd),
    ];
    if let Some(command) = &meta.command {
        lines.push(format!("cmd  {command}"));
    }
    if let Some(parent) = meta.parent {
        lines.push(format!("fork of {} at {}", parent.id.short(), parent.seq));
    }
    lines.push(format!(
        "updated {} ago",
        meta.updated_at.age(Timestamp::now())
    ));
    lines.push(String::new());
    let from = Seq(meta.last_seq.0.saturating_sub(PREVIEW_EVENTS));
    let mut body: Vec<String> = Vec::new();
    let mut terminal = String::new();
    store.for_each_event(id, from, meta.last_seq, |event, _| {
        match event.kind {
            EventKind::UserMessage(message) => {
                body.push(format!(
                    "› {}",
                    message.text.lines().next().unwrap_or_default()
                ));
            }
            EventKind::ResponseItemDone(done) => {
                if let OutputItem::Message { text, .. } = done.item {
                    body.extend(text.lines().map(str::to_owned));
                }
            }
            EventKind::ToolStarted(started) => body.push(format!("$ {}", started.command)),
            EventKind::ToolFinished(finished) => {
                body.push(format!(
                    "  exit {}",
                    finished.exit_code.map_or("?".into(), |c| c.to_string())
                ));
            }
            EventKind::TurnEnded(ended) if ended.outcome != TurnOutcome::Completed => {
                body.push(format!("(turn {:?})", ended.outcome).to_lowercase());
            }
            EventKind::SessionInterrupted(interrupted) => {
                body.push(format!("(interrupted: {})", interrupted.reason));
            }
            EventKind::PtyOutput(output) => {
                terminal.push_str(&String::from_utf8_lossy(&output.bytes.0))
            }
            EventKind::SlotExited(exited) => {
                body.extend(
                    strip_ansi(&std::mem::take(&mut terminal))
                        .lines()
                        .map(str::to_owned),
                );
                body.push(match (exited.code, exited.error) {
                    (_, Some(error)) => format!("(failed: {error})"),
                    (Some(code), None) => format!("(exited {code})"),
                    (None, None) => "(exited)".to_owned(),
                });
            }
            _ => {}
        }
        Ok(())
    })?;
    if !terminal.is_empty() {
        body.extend(strip_ansi(&terminal).lines().map(str::to_owned));
    }
    let skip = body.len().saturating_sub(PREVIEW_LINES);
    lines.extend(body.into_iter().skip(skip));
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_redraws_are_removed() {
        assert_eq!(strip_ansi("\x1b[31mred\x1b[0m plain"), "red plain");
        assert_eq!(strip_ansi("10%\r50%\r100%\ndone"), "100%\ndone");
        assert_eq!(strip_ansi("\x1b]0;title\x07text"), "text");
        assert_eq!(strip_ansi("a\r\nb"), "a\nb");
    }
}
