//! Executors that are processes — `shell` (the goal is the command), a `[tasks.commands]`
//! preset (`{prompt}` replaced), the Codex CLI — run on a blocking task. What they do is
//! recorded in the attempt's session as the events a native session would have (a tool call
//! for a command, Codex's items mapped by `tasks::codex`), so every attempt opens in a slot
//! the same way.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use super::TaskInput;
use crate::event::{
    ApprovalScope, AttemptOutcome, Decider, EventKind, TaskSpec, ToolApproved, ToolFinished,
    ToolOutput, ToolRequested, ToolStarted, TurnEnded, TurnOutcome, TurnStarted, Usage,
};
use crate::ids::{SessionId, TaskId};
use crate::store::{Pending, Store};
use crate::tasks::draft::Executor;
use crate::tasks::process::{self, Cancel, Ended};

/// One executor run.
#[derive(Debug, Clone)]
pub struct Job {
    pub task: TaskId,
    pub attempt: u32,
    pub executor: Executor,
    pub spec: TaskSpec,
    pub session: SessionId,
    pub dir: PathBuf,
    pub prompt: String,
    /// A Codex thread to resume.
    pub thread: Option<String>,
    pub timeout: Option<Duration>,
    pub cancel: Cancel,
    pub login_shell: bool,
    pub codex: Vec<String>,
    pub presets: std::collections::BTreeMap<String, String>,
    pub resumed: bool,
}

/// How an executor ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutcome {
    pub outcome: AttemptOutcome,
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    pub usage: Usage,
    pub duration_ms: u64,
}

impl ExecOutcome {
    /// An attempt that failed without running anything, for `why`.
    pub fn not_run(why: String) -> Self {
        Self {
            outcome: AttemptOutcome::Failed,
            exit_code: None,
            error: Some(why),
            usage: Usage::default(),
            duration_ms: 0,
        }
    }

    pub fn from_ended(ended: &Ended, duration: Duration, error: Option<String>) -> Self {
        let outcome = match ended {
            Ended::Exited(0) if error.is_none() => AttemptOutcome::Succeeded,
            Ended::TimedOut => AttemptOutcome::Timeout,
            Ended::Cancelled => AttemptOutcome::Cancelled,
            _ => AttemptOutcome::Failed,
        };
        let error = error.or_else(|| (!ended.success()).then(|| ended.describe()));
        Self {
            outcome,
            exit_code: ended.code(),
            error,
            usage: Usage::default(),
            duration_ms: duration.as_millis() as u64,
        }
    }
}

/// Appends events to the attempt's session in order (the last append is waited for), and
/// hands each to the core as it is queued — with the seq and time the store keeps, as a
/// native agent does — so a window showing the attempt's session watches it live.
struct Recorder<'a> {
    store: &'a Store,
    session: SessionId,
    last: Option<Pending>,
    /// The seq the next event gets (this run is the session's only writer).
    next: u64,
    inputs: &'a mpsc::Sender<crate::server::core::Input>,
}

impl Recorder<'_> {
    fn record(&mut self, kinds: Vec<EventKind>) {
        if kinds.is_empty() {
            return;
        }
        let at = crate::ids::Timestamp::now();
        let queued = tokio::runtime::Handle::try_current().map(|runtime| {
            runtime.block_on(self.store.append_at_async(self.session, at, kinds.clone()))
        });
        match queued {
            Ok(Ok(pending)) => self.last = Some(pending),
            Ok(Err(error)) => return tracing::warn!(%error, "cannot record an attempt's event"),
            Err(error) => return tracing::warn!(%error, "no runtime to record an attempt's event"),
        }
        for kind in kinds {
            let event = crate::event::Event {
                session: self.session,
                seq: crate::ids::Seq(self.next),
                at,
                kind,
            };
            self.next += 1;
            let _ = self.inputs.blocking_send(crate::server::core::Input::Task(
                TaskInput::SessionEvent(Box::new(event)),
            ));
        }
    }

    fn finish(self) {
        if let Some(pending) = self.last {
            let _ = pending.wait();
        }
    }
}

/// Runs the job to its end (blocking).
pub fn run(
    store: &Store,
    job: &Job,
    inputs: &mpsc::Sender<crate::server::core::Input>,
) -> ExecOutcome {
    let next = store.meta(job.session).map_or(1, |m| m.last_seq.0 + 1);
    let mut recorder = Recorder {
        store,
        session: job.session,
        last: None,
        next,
        inputs,
    };
    let outcome = match &job.executor {
        Executor::Codex => codex(job, &mut recorder, inputs),
        Executor::Shell => command(job, &job.spec.goal, &mut recorder),
        Executor::Preset(name) => match job.presets.get(name) {
            Some(template) => {
                let line = template.replace("{prompt}", &shell_quote(&job.prompt));
                command(job, &line, &mut recorder)
            }
            None => ExecOutcome::not_run(format!("no [tasks.commands] preset named {name}")),
        },
        Executor::Native => {
            ExecOutcome::not_run("native attempts run as agents, not processes".into())
        }
    };
    recorder.finish();
    outcome
}

/// A command line as a tool call of the attempt's session.
fn command(job: &Job, line: &str, recorder: &mut Recorder<'_>) -> ExecOutcome {
    let call_id = format!(
        "task_{}_{}",
        job.attempt,
        if job.resumed { "resumed" } else { "run" }
    );
    let cwd = job.dir.display().to_string();
    recorder.record(vec![
        EventKind::TurnStarted(TurnStarted { turn: 1 }),
        EventKind::ToolRequested(ToolRequested {
            call_id: call_id.clone(),
            name: "shell".into(),
            arguments: serde_json::json!({ "command": line }).to_string(),
        }),
        EventKind::ToolApproved(ToolApproved {
            call_id: call_id.clone(),
            by: Decider::Policy,
            scope: ApprovalScope::Once,
        }),
        EventKind::ToolStarted(ToolStarted {
            call_id: call_id.clone(),
            command: line.to_owned(),
            cwd,
        }),
    ]);
    let finished = process::run(
        process::shell(line, &job.dir, job.login_shell),
        job.timeout,
        &job.cancel,
        |chunk| {
            recorder.record(vec![EventKind::ToolOutput(ToolOutput {
                call_id: call_id.clone(),
                bytes: chunk.to_vec().into(),
            })])
        },
    );
    let killed = match &finished.ended {
        Ended::TimedOut => Some(format!(
            "timed out after {} ms",
            job.timeout.unwrap_or_default().as_millis()
        )),
        Ended::Cancelled => Some("cancelled".into()),
        Ended::Signalled(s) => Some(format!("by signal {s}")),
        _ => None,
    };
    let error = match &finished.ended {
        Ended::NotStarted(why) => Some(why.clone()),
        _ => None,
    };
    let outcome = ExecOutcome::from_ended(&finished.ended, finished.duration, None);
    recorder.record(vec![
        EventKind::ToolFinished(ToolFinished {
            call_id,
            exit_code: finished.ended.code(),
            duration_ms: outcome.duration_ms,
            killed,
            error,
        }),
        EventKind::TurnEnded(TurnEnded {
            turn: 1,
            outcome: turn_outcome(&outcome),
            error: outcome.error.clone(),
            commit: None,
        }),
    ]);
    outcome
}

fn turn_outcome(outcome: &ExecOutcome) -> TurnOutcome {
    match outcome.outcome {
        AttemptOutcome::Succeeded => TurnOutcome::Completed,
        AttemptOutcome::Cancelled | AttemptOutcome::Timeout => TurnOutcome::Interrupted,
        AttemptOutcome::Failed | AttemptOutcome::Other => TurnOutcome::Failed,
    }
}

/// `codex exec --json` in the worktree; its lines become the session's events.
fn codex(
    job: &Job,
    recorder: &mut Recorder<'_>,
    inputs: &mpsc::Sender<crate::server::core::Input>,
) -> ExecOutcome {
    let Some((program, leading)) = job.codex.split_first() else {
        return ExecOutcome::from_ended(
            &Ended::NotStarted("[tasks] codex is empty".into()),
            Duration::ZERO,
            None,
        );
    };
    let mut command = std::process::Command::new(program);
    // `exec`'s options come before `resume`, which takes only the thread and the prompt.
    command
        .args(leading)
        .args(["exec", "--json", "--skip-git-repo-check"]);
    if job.spec.approval == "never" {
        command.arg("--dangerously-bypass-approvals-and-sandbox");
    } else {
        command.args(["--sandbox", "workspace-write"]);
    }
    if let Some(thread) = &job.thread {
        command.args(["resume", thread]);
    }
    command.current_dir(&job.dir).arg(&job.prompt);
    let mut transcript =
        crate::tasks::codex::Transcript::new(&job.dir.display().to_string(), job.attempt - 1);
    let mut pending = Vec::new();
    let mut usage = Usage::default();
    let mut failed: Option<String> = None;
    let mut on_line = |line: &[u8], recorder: &mut Recorder<'_>| {
        let parsed = transcript.line(&String::from_utf8_lossy(line));
        if let Some(thread) = parsed.thread {
            let _ = inputs.blocking_send(crate::server::core::Input::Task(TaskInput::Thread {
                task: job.task,
                attempt: job.attempt,
                thread,
            }));
        }
        if let Some(u) = parsed.usage {
            usage.add(&u);
        }
        if parsed.failed.is_some() {
            failed = parsed.failed;
        }
        recorder.record(parsed.events);
    };
    let finished = process::run(command, job.timeout, &job.cancel, |chunk| {
        pending.extend_from_slice(chunk);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            on_line(&line, recorder);
        }
    });
    if !pending.is_empty() {
        let rest = std::mem::take(&mut pending);
        on_line(&rest, recorder);
    }
    let error = failed.or_else(|| match &finished.ended {
        Ended::Exited(0) => None,
        Ended::Exited(_) => Some(format!(
            "codex {}: {}",
            finished.ended.describe(),
            last_line(&finished.log)
        )),
        other => Some(other.describe()),
    });
    let mut outcome = ExecOutcome::from_ended(&finished.ended, finished.duration, error);
    outcome.usage = usage;
    outcome
}

fn last_line(log: &[u8]) -> String {
    String::from_utf8_lossy(log)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| crate::text::truncate(l.trim(), 200))
        .unwrap_or_default()
}

/// `text` as one shell word.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_the_shell() {
        let text = "it's \"quoted\" $HOME `x`";
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("printf %s {}", shell_quote(text)))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), text);
    }
}
