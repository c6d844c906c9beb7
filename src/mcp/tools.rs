//! The tools, and the handler that serves them: `initialize` says who we are, `tools/list`
//! comes from the router (schemas from `args.rs`), and every `tools/call` goes through
//! [`Switchboard::call_tool`], which times it, lets the client cancel it, and records it in
//! the store's MCP log whatever its outcome.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation,
    ProgressNotificationParam, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool, tool_handler, tool_router};

use super::args::{
    self, Invalid, SessionFork, SessionList, SessionReply, SessionShow, SessionStart, TaskEvidence,
    TaskList, TaskRef, TaskReject, TaskSubmit,
};
use super::audit::{self, Ending};
use super::backend::{Backend, BackendError};
use super::results;
use crate::protocol::tasks::{TaskAction, TaskCommand, TaskNotification};

/// What `initialize` tells the client about using these tools.
const INSTRUCTIONS: &str = "switchboard keeps coding-agent sessions and a task board in one \
durable store. Sessions: session_start runs a native agent turn on a prompt and returns its \
final answer and session id; session_reply continues a session; session_list, session_show and \
session_fork find, inspect and branch sessions (a fork gets the session's code at that point). \
Tasks: task_submit queues work (one goal, or a TOML plan) that the server runs in worktrees with \
validations; task_list, task_show and task_evidence inspect it; task_approve, task_reject, \
task_retry and task_cancel act on it. status says what runs and what waits for a person. Ids may \
be given as unique prefixes.";

#[derive(Clone)]
pub struct Switchboard {
    backend: Arc<Backend>,
    tool_router: ToolRouter<Self>,
}

impl std::fmt::Debug for Switchboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Switchboard").finish_non_exhaustive()
    }
}

/// Why a call did not do what it was asked: its arguments, or the server's refusal.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Where a turn's steps go when the client asked for progress (a `progressToken` in the
/// request's `_meta`): `notifications/progress`, in order, one per step. A turn's steps are a
/// few per command, so the queue needs no bound beyond the turn's own.
fn progress(context: &RequestContext<RoleServer>) -> Option<mpsc::UnboundedSender<String>> {
    let token = context.meta.get_progress_token()?;
    let peer = context.peer.clone();
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let mut step = 0.0;
        while let Some(message) = rx.recv().await {
            step += 1.0;
            let note = ProgressNotificationParam::new(token.clone(), step).with_message(message);
            if peer.notify_progress(note).await.is_err() {
                return;
            }
        }
    });
    Some(tx)
}

/// A tool's answer; a failure is a result the caller reads (`isError`) and can correct, as
/// MCP asks of argument errors too (the model sees the reason, not an opaque protocol error).
fn finish(result: Result<CallToolResult, Failure>) -> CallToolResult {
    result.unwrap_or_else(|failure| results::failed(&failure))
}

#[tool_router]
impl Switchboard {
    pub fn new(backend: Arc<Backend>) -> Self {
        let mut tool_router = Self::tool_router();
        for route in tool_router.map.values_mut() {
            reflow_tool(&mut route.attr);
        }
        Self {
            backend,
            tool_router,
        }
    }

    /// Start a new native agent session on a prompt and wait for its turn to end. Returns the
    /// agent's final answer, the session id (for session_reply, session_show, session_fork),
    /// the commands it ran and the token usage. Commands that need approval are refused unless
    /// the server was started with `--approval never`.
    #[tool(annotations(title = "Start an agent session", open_world_hint = true))]
    async fn session_start(
        &self,
        Parameters(input): Parameters<SessionStart>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        finish(
            async {
                let prompt = args::prompt(&input.prompt)?;
                let cwd = args::directory("cwd", input.cwd.as_deref(), self.backend.cwd())?;
                let progress = progress(&context);
                let report = self
                    .backend
                    .run_turn(None, prompt, &cwd, input.worktree, progress)
                    .await?;
                Ok(results::turn(&report))
            }
            .await,
        )
    }

    /// Continue a stored native agent session with the next user message, and wait for the
    /// turn to end. Returns the final answer as session_start does.
    #[tool(annotations(title = "Reply to a session", open_world_hint = true))]
    async fn session_reply(
        &self,
        Parameters(input): Parameters<SessionReply>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        finish(
            async {
                let session = args::session_id(&input.session)?;
                let prompt = args::prompt(&input.prompt)?;
                let cwd = self.backend.cwd().to_owned();
                let progress = progress(&context);
                let report = self
                    .backend
                    .run_turn(Some(session), prompt, &cwd, false, progress)
                    .await?;
                Ok(results::turn(&report))
            }
            .await,
        )
    }

    /// List or search stored sessions, newest first: filter by text in the title (or id), by
    /// working directory and by status. Each entry has the id, title, status, kind, cwd,
    /// turns, worktree and whether a process drives it now.
    #[tool(annotations(title = "List sessions", read_only_hint = true))]
    async fn session_list(&self, Parameters(input): Parameters<SessionList>) -> CallToolResult {
        finish(
            async {
                let filter = input.filter()?;
                let all = self.backend.sessions().await?;
                Ok(results::sessions(&all, &filter))
            }
            .await,
        )
    }

    /// Show one stored session: title, status, cwd, worktree, every turn's prompt and
    /// outcome, token usage, the assistant's last message and the tail of what happened.
    #[tool(annotations(title = "Show a session", read_only_hint = true))]
    async fn session_show(&self, Parameters(input): Parameters<SessionShow>) -> CallToolResult {
        finish(
            async {
                let session = args::session_id(&input.session)?;
                let detail = self.backend.session(session).await?;
                Ok(results::session(&detail))
            }
            .await,
        )
    }

    /// Fork a session into a new one that shares its history up to a turn (or an event), with
    /// the code as it was then restored into a worktree of its own. Continue the fork with
    /// session_reply; the original is untouched.
    #[tool(annotations(title = "Fork a session", destructive_hint = false))]
    async fn session_fork(&self, Parameters(input): Parameters<SessionFork>) -> CallToolResult {
        finish(
            async {
                let lookup = input.lookup()?;
                let forked = self.backend.fork(lookup).await?;
                Ok(results::forked(&forked))
            }
            .await,
        )
    }

    /// Submit work to the task board: one task (`goal`) or a TOML plan of several with
    /// dependencies, admitted all or nothing. The server runs each task in its own git
    /// worktree (native agent, Codex CLI, or a shell command), then its validations; returns
    /// at once with the tasks' ids and states — follow them with task_show or task_list.
    #[tool(annotations(title = "Submit tasks", open_world_hint = true))]
    async fn task_submit(&self, Parameters(input): Parameters<TaskSubmit>) -> CallToolResult {
        finish(
            async {
                let request = input.request(self.backend.cwd())?;
                let admitted = self.backend.submit(request).await?;
                Ok(results::tasks(&admitted, "nothing was admitted"))
            }
            .await,
        )
    }

    /// List the task board's tasks, oldest first, optionally only those in one state: id,
    /// title, state, executor, attempts, gate, note.
    #[tool(annotations(title = "List tasks", read_only_hint = true))]
    async fn task_list(&self, Parameters(input): Parameters<TaskList>) -> CallToolResult {
        finish(
            async {
                let state = input.state()?;
                let TaskNotification::Board(mut tasks) =
                    self.backend.task(TaskCommand::List).await?
                else {
                    return Err(BackendError::Unexpected("the board").into());
                };
                tasks.retain(|t| state.is_none_or(|s| t.state == s));
                Ok(results::tasks(&tasks, "no tasks"))
            }
            .await,
        )
    }

    /// Show one task in full: its spec, state, every attempt (worktree, session, result,
    /// validations) and its history.
    #[tool(annotations(title = "Show a task", read_only_hint = true))]
    async fn task_show(&self, Parameters(input): Parameters<TaskRef>) -> CallToolResult {
        finish(
            async {
                let id = args::task_id(&input.id)?;
                let TaskNotification::Record { task, text, .. } =
                    self.backend.task(TaskCommand::Show { id }).await?
                else {
                    return Err(BackendError::Unexpected("the task").into());
                };
                Ok(results::task(&task, &text))
            }
            .await,
        )
    }

    /// An attempt's evidence: the files kept for it (input, prompt, transcript, patch,
    /// validation logs) with sizes and SHA-256 hashes; name one in `file` to get its text.
    #[tool(annotations(title = "Task evidence", read_only_hint = true))]
    async fn task_evidence(&self, Parameters(input): Parameters<TaskEvidence>) -> CallToolResult {
        finish(
            async {
                let id = args::task_id(&input.id)?;
                let file = input.file()?;
                let command = TaskCommand::Evidence {
                    id,
                    attempt: input.attempt,
                };
                let TaskNotification::Evidence {
                    task,
                    attempt,
                    files,
                } = self.backend.task(command).await?
                else {
                    return Err(BackendError::Unexpected("the evidence").into());
                };
                Ok(results::evidence(
                    &task.to_string(),
                    attempt,
                    &files,
                    file.as_deref(),
                )?)
            }
            .await,
        )
    }

    /// Approve a task waiting at its gate (it completes), or the command its agent waits to
    /// run.
    #[tool(annotations(title = "Approve a task", destructive_hint = false))]
    async fn task_approve(&self, Parameters(input): Parameters<TaskRef>) -> CallToolResult {
        finish(self.act(&input.id, Ok(TaskAction::Approve)).await)
    }

    /// Reject a task at its gate (or deny the command its agent waits to run), saying why.
    #[tool(annotations(title = "Reject a task", destructive_hint = true))]
    async fn task_reject(&self, Parameters(input): Parameters<TaskReject>) -> CallToolResult {
        let action = input.reason().map(|reason| TaskAction::Reject { reason });
        finish(self.act(&input.id, action).await)
    }

    /// Start a new attempt of a task that failed, was blocked, cancelled, rejected or
    /// interrupted.
    #[tool(annotations(title = "Retry a task", destructive_hint = false))]
    async fn task_retry(&self, Parameters(input): Parameters<TaskRef>) -> CallToolResult {
        finish(self.act(&input.id, Ok(TaskAction::Retry)).await)
    }

    /// Cancel a task; its running attempt is stopped (its worktree is kept).
    #[tool(annotations(title = "Cancel a task", destructive_hint = true))]
    async fn task_cancel(&self, Parameters(input): Parameters<TaskRef>) -> CallToolResult {
        finish(self.act(&input.id, Ok(TaskAction::Cancel)).await)
    }

    /// What is going on: the live slots (agents and terminals, with their status and
    /// directory), what waits for a person (commands awaiting approval, tasks at a gate,
    /// failed or interrupted tasks) and the tasks running now.
    #[tool(annotations(title = "Status", read_only_hint = true))]
    async fn status(&self) -> CallToolResult {
        finish(
            async {
                let (status, board) = self.backend.status().await?;
                Ok(results::status(&status, &board))
            }
            .await,
        )
    }
}

impl Switchboard {
    async fn act(
        &self,
        id: &str,
        action: Result<TaskAction, Invalid>,
    ) -> Result<CallToolResult, Failure> {
        let id = args::task_id(id)?;
        let action = action?;
        let label = action.label();
        let TaskNotification::Done { task, text } =
            self.backend.task(TaskCommand::Act { id, action }).await?
        else {
            return Err(BackendError::Unexpected("the action's result").into());
        };
        Ok(results::acted(&task.to_string(), label, &text))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Switchboard {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "switchboard",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let started = Instant::now();
        let tool = request.name.to_string();
        let arguments = request.arguments.clone();
        let client = context
            .peer
            .peer_info()
            .map(|peer| format!("{} {}", peer.client_info.name, peer.client_info.version));
        let cancelled = context.ct.clone();
        let result = if self.tool_router.get(&tool).is_none() {
            Some(Err(unknown_tool(&tool, &self.tool_router)))
        } else {
            let call = ToolCallContext::new(self, request, context);
            // A cancelled call's future is dropped: its connection closes, and the server
            // interrupts the turn it was running.
            tokio::select! {
                result = self.tool_router.call(call) => Some(result),
                () = cancelled.cancelled() => None,
            }
        };
        let secret = self.backend.secret();
        let secret = secret.as_deref();
        let result = result.map(|r| scrub(r, secret));
        let ending = match &result {
            None => Ending::cancelled(),
            Some(Err(error)) => {
                Ending::returned(Some(&error.message), None, arguments.as_ref(), secret)
            }
            Some(Ok(CallToolResponse::Complete(done))) => {
                let failed = (done.is_error == Some(true)).then(|| {
                    done.content
                        .first()
                        .and_then(|c| c.as_text())
                        .map_or_else(|| "the tool failed".to_owned(), |t| t.text.clone())
                });
                Ending::returned(
                    failed.as_deref(),
                    done.structured_content.as_ref(),
                    arguments.as_ref(),
                    secret,
                )
            }
            Some(Ok(_)) => Ending::returned(None, None, arguments.as_ref(), secret),
        };
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let summary = audit::summarize(arguments.as_ref(), secret);
        self.backend
            .record(audit::record(&tool, summary, client, ending, duration_ms))
            .await;
        result.unwrap_or_else(|| Err(ErrorData::internal_error("the call was cancelled", None)))
    }
}

/// A tool's descriptions (its own and its inputs') as flowing text: doc comments wrap at
/// 100 columns, and a model reads a line break inside a sentence as noise.
fn reflow_tool(tool: &mut rmcp::model::Tool) {
    if let Some(description) = &tool.description {
        tool.description = Some(reflow(description).into());
    }
    let mut schema = serde_json::Value::Object((*tool.input_schema).clone());
    reflow_descriptions(&mut schema);
    if let serde_json::Value::Object(object) = schema {
        tool.input_schema = Arc::new(object);
    }
}

fn reflow_descriptions(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                match inner {
                    serde_json::Value::String(text) if key == "description" => *text = reflow(text),
                    _ => reflow_descriptions(inner),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(reflow_descriptions),
        _ => {}
    }
}

/// Single line breaks become spaces; a blank line stays a paragraph break.
fn reflow(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            paragraph
                .split('\n')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The protocol error for a tool this server does not have, naming the ones it has.
fn unknown_tool(name: &str, router: &ToolRouter<Switchboard>) -> ErrorData {
    let mut names: Vec<String> = router
        .list_all()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    ErrorData::invalid_params(
        format!("no tool named {name:?}; the tools are {}", names.join(", ")),
        None,
    )
}

/// A call's answer with the key taken out of every message in it: an argument quoted back in
/// an error would otherwise carry it to the client and to rmcp's log of failed requests.
fn scrub(
    result: Result<CallToolResponse, ErrorData>,
    secret: Option<&str>,
) -> Result<CallToolResponse, ErrorData> {
    let Some(secret) = secret else {
        return result;
    };
    match result {
        Err(mut error) => {
            error.message = audit::redact(&error.message, Some(secret)).into();
            Err(error)
        }
        Ok(CallToolResponse::Complete(mut done)) if done.is_error == Some(true) => {
            for block in &mut done.content {
                if let Some(text) = block.as_text()
                    && text.text.contains(secret)
                {
                    *block =
                        rmcp::model::ContentBlock::text(audit::redact(&text.text, Some(secret)));
                }
            }
            if let Some(structured) = done.structured_content.take() {
                let text = audit::redact(&structured.to_string(), Some(secret));
                done.structured_content = serde_json::from_str(&text).ok();
            }
            Ok(CallToolResponse::Complete(done))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_flow_as_sentences() {
        assert_eq!(reflow("one\ntwo\n three"), "one two three");
        assert_eq!(reflow("a\nb\n\nc"), "a b\n\nc");
        let mut tool = rmcp::model::Tool::new(
            "t",
            "Fork a session, with\nits code.",
            Arc::new(
                serde_json::json!({"type": "object", "properties": {"at": {"description": "after\nthis"}}})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ),
        );
        reflow_tool(&mut tool);
        assert_eq!(
            tool.description.as_deref(),
            Some("Fork a session, with its code.")
        );
        assert_eq!(
            tool.input_schema["properties"]["at"]["description"],
            "after this"
        );
    }
}
