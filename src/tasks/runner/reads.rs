//! Reads for clients: a task's record, an attempt's logs and its evidence files. Records come
//! from the board; logs and evidence from the attempt's session, read off the core.

use super::{ClientId, Effect, Runner, TaskInput};
use crate::event::{Event, EventKind, OutputItem};
use crate::protocol::Notification;
use crate::protocol::tasks::TaskNotification;
use crate::tasks::board::{Attempt, Task};
use crate::tasks::evidence::EvidenceFile;

impl Runner {
    fn lookup(
        &mut self,
        client: ClientId,
        text: &str,
        attempt: Option<u32>,
    ) -> Option<(Task, Attempt)> {
        let task = match self.board.find(text) {
            Ok(id) => self.board.get(id)?.clone(),
            Err(error) => {
                self.refuse(client, error.to_string());
                return None;
            }
        };
        let found = match attempt {
            Some(n) => task.attempt(n).cloned(),
            None => task.last_attempt().cloned(),
        };
        match found {
            Some(a) => Some((task, a)),
            None => {
                self.refuse(
                    client,
                    match attempt {
                        Some(n) => format!("task {} has no attempt {n}", task.label()),
                        None => format!("task {} has not started yet", task.label()),
                    },
                );
                None
            }
        }
    }

    pub(super) fn show(&mut self, client: ClientId, text: &str) {
        match self.board.find(text) {
            Ok(id) => {
                let Some(task) = self.board.get(id) else {
                    return;
                };
                let notification = TaskNotification::Record {
                    text: crate::tasks::view::describe(task, &self.board),
                    graph: crate::tasks::view::graph(task, &self.board),
                    task: Box::new(task.clone()),
                };
                self.push(Effect::Reply(client, Notification::Task(notification)));
            }
            Err(error) => self.refuse(client, error.to_string()),
        }
    }

    pub(super) fn logs(&mut self, client: ClientId, text: &str, attempt: Option<u32>) {
        let Some((task, attempt)) = self.lookup(client, text, attempt) else {
            return;
        };
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        tokio::task::spawn_blocking(move || {
            let notification = match store.events(attempt.session) {
                Ok(events) => TaskNotification::Logs {
                    task: task.id,
                    attempt: attempt.number,
                    text: logs_text(&events),
                },
                Err(error) => TaskNotification::Refused {
                    error: format!("cannot read attempt {}: {error}", attempt.number),
                },
            };
            // Back through the runner, so the answer keeps its place among the client's.
            let _ = inputs.blocking_send(crate::server::core::Input::Task(TaskInput::Read {
                client,
                notification: Notification::Task(notification),
            }));
        });
    }

    pub(super) fn evidence(&mut self, client: ClientId, text: &str, attempt: Option<u32>) {
        let Some((task, attempt)) = self.lookup(client, text, attempt) else {
            return;
        };
        let input = match task.plan.and_then(|p| self.board.plan(p)) {
            Some(plan) => plan.text.clone(),
            None => task.input.clone().unwrap_or_default(),
        };
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        tokio::task::spawn_blocking(move || {
            let notification = match store.events(attempt.session) {
                Ok(events) => TaskNotification::Evidence {
                    task: task.id,
                    attempt: attempt.number,
                    files: evidence_files(&task, &attempt, &input, &events),
                },
                Err(error) => TaskNotification::Refused {
                    error: format!("cannot read attempt {}: {error}", attempt.number),
                },
            };
            // Back through the runner, so the answer keeps its place among the client's.
            let _ = inputs.blocking_send(crate::server::core::Input::Task(TaskInput::Read {
                client,
                notification: Notification::Task(notification),
            }));
        });
    }
}

/// What an attempt printed and said, as text: commands with their output, the agent's
/// messages, each validation with its log.
pub fn logs_text(events: &[Event]) -> String {
    let mut out = String::new();
    for event in events {
        match &event.kind {
            EventKind::UserMessage(m) => out.push_str(&format!("› {}\n", m.text)),
            EventKind::ToolStarted(t) => out.push_str(&format!("$ {}\n", t.command)),
            EventKind::ToolOutput(o) => out.push_str(&String::from_utf8_lossy(&o.bytes.0)),
            EventKind::ToolFinished(f) => out.push_str(&format!(
                "[{}]\n",
                match (&f.exit_code, &f.killed, &f.error) {
                    (_, Some(killed), _) => format!("killed: {killed}"),
                    (_, _, Some(error)) => format!("error: {error}"),
                    (Some(code), _, _) => format!("exit {code}"),
                    _ => "ended".to_owned(),
                }
            )),
            EventKind::ResponseItemDone(done) => {
                if let OutputItem::Message { text, .. } = &done.item {
                    out.push_str(&format!("{text}\n"));
                }
            }
            EventKind::ResponseFailed(f) => out.push_str(&format!("model failed: {}\n", f.message)),
            EventKind::TaskValidation(v) => {
                out.push_str(&format!(
                    "── validation {}: `{}` {} ({} ms)\n",
                    v.index + 1,
                    v.command,
                    if v.passed {
                        "passed".to_owned()
                    } else {
                        format!(
                            "failed, exit {}",
                            v.exit_code.map_or("-".into(), |c| c.to_string())
                        )
                    },
                    v.duration_ms
                ));
                out.push_str(&String::from_utf8_lossy(&v.log.0));
                if !v.log.0.ends_with(b"\n") && !v.log.0.is_empty() {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
    out
}

/// The files of `task evidence --export`.
fn evidence_files(
    task: &Task,
    attempt: &Attempt,
    input: &str,
    events: &[Event],
) -> Vec<EvidenceFile> {
    let file = |name: &str, bytes: Vec<u8>| EvidenceFile {
        name: name.to_owned(),
        bytes,
    };
    let pretty = |value: serde_json::Value| {
        let mut bytes = serde_json::to_vec_pretty(&value).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    };
    let mut files = vec![
        file("input.txt", input.as_bytes().to_vec()),
        file("task.json", pretty(crate::tasks::view::task_json(task))),
        file("prompt.txt", attempt.prompt.as_bytes().to_vec()),
    ];
    let mut transcript = Vec::new();
    for event in events {
        let line = serde_json::json!({
            "session": event.session.to_string(),
            "seq": event.seq.0,
            "at": event.at.rfc3339(),
            "kind": event.kind.tag(),
            "data": event.kind.body_json(),
        });
        transcript.extend_from_slice(line.to_string().as_bytes());
        transcript.push(b'\n');
    }
    files.push(file("transcript.jsonl", transcript));
    for event in events {
        match &event.kind {
            EventKind::TaskPatch(p) if p.attempt == attempt.number => {
                files.push(file("patch.diff", p.patch.0.clone()));
            }
            EventKind::TaskValidation(v) if v.attempt == attempt.number => {
                files.push(file(
                    &format!("validation-{}.log", v.index + 1),
                    v.log.0.clone(),
                ));
            }
            _ => {}
        }
    }
    let summary = serde_json::json!({
        "task": task.id.to_string(),
        "attempt": attempt.number,
        "record": crate::tasks::view::task_json(task)["attempt_records"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["attempt"] == attempt.number).cloned()),
    });
    files.push(file("result.json", pretty(summary)));
    files
}
