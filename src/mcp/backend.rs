//! The switchboard server behind the tools. Each tool call opens its own connection (with the
//! call's working directory in its hello), so calls run side by side and one call's
//! notifications never mix with another's; a call the client cancels drops its connection,
//! which interrupts a turn it started. One more connection, kept for the process's life,
//! carries the calls' records to the server (the store's only writer) and keeps the server
//! from leaving while an MCP client is attached.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};

use crate::agent::ApprovalPolicy;
use crate::cli::Context;
use crate::client::{ClientError, Link};
use crate::event::{EventKind, McpCall, SessionWorktree, TurnOutcome, Usage};
use crate::ids::SessionId;
use crate::model::settings::CODEX_KEY_VAR;
use crate::protocol::tasks::{SubmitRequest, TaskCommand, TaskNotification};
use crate::protocol::{
    AgentOptions, ClientInfo, ClientKind, Command, Lookup, Notification, Resolved, ServerStatus,
    SessionDetail, SessionSummary, TurnRequest, WireKey,
};
use crate::tasks::view::TaskSummary;

/// What a turn started over MCP tells a command that needs approval: nobody can approve
/// inside a tool call.
pub const UNATTENDED: &str = "nobody can approve commands in an MCP tool call; start \
                              `switchboard mcp --approval never` to allow them";

/// How long leaving waits for the last records to be written.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a call could not be done.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("cannot reach the switchboard server: {0}")]
    Unreachable(#[from] ClientError),
    /// The server refused (an unknown session, a task in the wrong state, …): its words.
    #[error("{0}")]
    Refused(String),
    #[error("the switchboard server closed the connection before it sent {0}")]
    Closed(&'static str),
    #[error("the switchboard server answered something other than {0}")]
    Unexpected(&'static str),
}

/// How this process's agents reach the model, and where it runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub agents: AgentOptions,
    pub cwd: PathBuf,
    /// Why no turn can start (no key, and not `--demo`): a model calling `session_start`
    /// must not get the scripted provider's answers thinking they are a model's.
    pub no_model: Option<String>,
}

impl Settings {
    /// The endpoint and key of this environment unless `demo`, as `exec` resolves them
    /// (`CODEX_API_KEY` too).
    pub fn resolve(
        context: &Context,
        demo: bool,
        model: Option<String>,
        approval: ApprovalPolicy,
    ) -> anyhow::Result<Self> {
        let mut no_model = None;
        let (base_url, api_key) = if demo {
            (None, None)
        } else {
            let env = |name: &str| std::env::var(name).ok();
            let mut settings = crate::model::resolve(env, &context.config.model, model.as_deref());
            if let Some(key) = env(CODEX_KEY_VAR).filter(|key| !key.trim().is_empty()) {
                settings.api_key = Some(crate::model::ApiKey::new(key.trim()));
            }
            if settings.api_key.is_none() {
                no_model = Some(format!(
                    "no API key: set {} or {CODEX_KEY_VAR} where `switchboard mcp` runs (an MCP \
                     client may need to pass it on, e.g. Codex's `env_vars`), or start it with \
                     --demo for the scripted provider",
                    settings.key_var
                ));
            }
            (
                Some(settings.base_url),
                settings.api_key.as_ref().map(WireKey::new),
            )
        };
        Ok(Self {
            agents: AgentOptions {
                demo,
                model,
                approval,
                base_url,
                api_key,
                output_schema: None,
                reasoning_effort: None,
            },
            cwd: std::env::current_dir()?,
            no_model,
        })
    }
}

/// The records' connection.
struct Audit {
    commands: mpsc::Sender<Command>,
    /// Cleared when the server's side of the connection ends (the next record reconnects).
    alive: Arc<AtomicBool>,
    writer: tokio::task::JoinHandle<()>,
}

pub struct Backend {
    context: Arc<Context>,
    settings: Settings,
    audit: Mutex<Option<Audit>>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("cwd", &self.settings.cwd)
            .finish_non_exhaustive()
    }
}

/// A command a turn ran, or wanted to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandRun {
    pub command: String,
    pub exit_code: Option<i32>,
    /// Why it did not run.
    pub denied: Option<String>,
}

/// How a turn went.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnReport {
    pub session: SessionId,
    pub cwd: String,
    pub worktree: Option<SessionWorktree>,
    pub resumed: bool,
    pub outcome: TurnOutcome,
    pub error: Option<String>,
    pub final_message: Option<String>,
    pub usage: Usage,
    pub commands: Vec<CommandRun>,
}

/// What a fork made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forked {
    pub child: SessionId,
    pub parent: Resolved,
    pub title: String,
    pub worktree: Option<String>,
}

impl Backend {
    pub fn new(context: Context, settings: Settings) -> Self {
        Self {
            context: Arc::new(context),
            settings,
            audit: Mutex::new(None),
        }
    }

    /// Where `switchboard mcp` runs: relative paths in arguments start here.
    pub fn cwd(&self) -> &Path {
        &self.settings.cwd
    }

    /// The key this process passes to the server, to keep out of every record.
    pub fn secret(&self) -> Option<String> {
        self.settings
            .agents
            .api_key
            .as_ref()
            .map(|k| k.key().expose().to_owned())
    }

    /// A connection whose turns start in `cwd`; the server is started when none runs.
    async fn link(&self, cwd: &Path) -> Result<Link, BackendError> {
        let context = Arc::clone(&self.context);
        let stream = tokio::task::spawn_blocking(move || crate::client::connect_or_start(&context))
            .await
            .map_err(|e| ClientError::Start(format!("a background task failed: {e}")))??;
        let info = ClientInfo {
            key: format!("mcp:{}", std::process::id()),
            pid: std::process::id(),
            cols: 80,
            rows: 24,
            cwd: cwd.display().to_string(),
            agents: self.settings.agents.clone(),
            kind: ClientKind::Headless,
        };
        Ok(Link::local(&self.context, stream, info).await?)
    }

    /// Runs one turn: a new session in `cwd`, or the next turn of `session`. Each step (the
    /// turn starting, a command starting or ending) is told to `progress` when given.
    pub async fn run_turn(
        &self,
        session: Option<String>,
        prompt: String,
        cwd: &Path,
        worktree: bool,
        progress: Option<mpsc::UnboundedSender<String>>,
    ) -> Result<TurnReport, BackendError> {
        let tell = |step: String| {
            if let Some(progress) = &progress {
                let _ = progress.send(step);
            }
        };
        if let Some(why) = &self.settings.no_model {
            return Err(BackendError::Refused(why.clone()));
        }
        let mut link = self.link(cwd).await?;
        let resumed = session.is_some();
        let agents = self.settings.agents.clone();
        let unattended = (agents.approval != ApprovalPolicy::Never).then(|| UNATTENDED.to_owned());
        let request = TurnRequest {
            session: session.map(|id| Lookup {
                id: Some(id),
                agents_only: true,
                ..Lookup::default()
            }),
            prompt,
            worktree,
            agents,
            unattended,
        };
        send(&link, Command::RunTurn(Box::new(request))).await?;
        let mut started = None;
        let mut commands = Commands::default();
        loop {
            let Some(notification) = link.notifications.recv().await else {
                return Err(BackendError::Closed("the end of the turn"));
            };
            match notification {
                Notification::TurnStarted {
                    slot,
                    cwd,
                    worktree,
                    ..
                } => {
                    tell(format!("session {slot}: the turn started in {cwd}"));
                    started = Some((slot, cwd, worktree));
                }
                Notification::AgentEvent { event, .. } => {
                    if let Some(step) = commands.see(&event.kind) {
                        tell(step);
                    }
                }
                Notification::TurnRefused { error } => return Err(BackendError::Refused(error)),
                Notification::TurnFinished {
                    slot,
                    outcome,
                    error,
                    final_message,
                    usage,
                } => {
                    link.close().await;
                    let (cwd, worktree) = match started {
                        Some((_, cwd, worktree)) => (cwd, worktree),
                        None => (cwd.display().to_string(), None),
                    };
                    return Ok(TurnReport {
                        session: slot,
                        cwd,
                        worktree,
                        resumed,
                        outcome,
                        error,
                        final_message,
                        usage,
                        commands: commands.runs,
                    });
                }
                _ => {}
            }
        }
    }

    /// Every stored session (the store's own logs left out), newest first.
    pub async fn sessions(&self) -> Result<Vec<SessionSummary>, BackendError> {
        self.ask(Command::LoadPicker, "the session list", |n| match n {
            Notification::PickerLoaded(rows) => Some(Ok(rows)),
            other => failure(other),
        })
        .await
    }

    pub async fn session(&self, id: String) -> Result<SessionDetail, BackendError> {
        let lookup = Lookup {
            id: Some(id),
            ..Lookup::default()
        };
        self.ask(Command::LoadSession(lookup), "the session", |n| match n {
            Notification::SessionLoaded(found) => {
                Some(found.map(|d| *d).map_err(BackendError::Refused))
            }
            other => failure(other),
        })
        .await
    }

    /// Forks the session `lookup` names, with its code, at its cut.
    pub async fn fork(&self, lookup: Lookup) -> Result<Forked, BackendError> {
        let mut link = self.link(self.cwd()).await?;
        let parent = request(
            &mut link,
            Command::Resolve(lookup),
            "the session",
            |n| match n {
                Notification::Resolved(found) => Some(found.map_err(BackendError::Refused)),
                other => failure(other),
            },
        )
        .await?;
        let command = Command::Fork {
            session: parent.session,
            at: parent.at,
            open: false,
        };
        let (child, title, worktree) = request(&mut link, command, "the fork", |n| match n {
            Notification::Forked {
                child,
                title,
                worktree,
            } => Some(Ok((child, title, worktree))),
            other => failure(other),
        })
        .await?;
        link.close().await;
        Ok(Forked {
            child,
            parent,
            title,
            worktree,
        })
    }

    /// A task board request; a refusal is an error with the board's words.
    pub async fn task(&self, command: TaskCommand) -> Result<TaskNotification, BackendError> {
        let mut link = self.link(self.cwd()).await?;
        let answer = task_request(&mut link, command).await;
        link.close().await;
        answer
    }

    /// Submits tasks (with this process's agent options); their summaries.
    pub async fn submit(
        &self,
        mut request: SubmitRequest,
    ) -> Result<Vec<TaskSummary>, BackendError> {
        request.agents = self.settings.agents.clone();
        let mut link = self.link(self.cwd()).await?;
        let ids = match task_request(&mut link, TaskCommand::Submit(Box::new(request))).await? {
            TaskNotification::Admitted { ids } => ids,
            _ => return Err(BackendError::Unexpected("the admitted tasks")),
        };
        let TaskNotification::Board(board) = task_request(&mut link, TaskCommand::List).await?
        else {
            return Err(BackendError::Unexpected("the board"));
        };
        link.close().await;
        Ok(ids
            .iter()
            .filter_map(|id| board.iter().find(|t| t.id == *id).cloned())
            .collect())
    }

    /// The server's state and the board.
    pub async fn status(&self) -> Result<(ServerStatus, Vec<TaskSummary>), BackendError> {
        let mut link = self.link(self.cwd()).await?;
        let status = request(&mut link, Command::Status, "its status", |n| match n {
            Notification::Status(status) => Some(Ok(status)),
            other => failure(other),
        })
        .await?;
        let TaskNotification::Board(board) = task_request(&mut link, TaskCommand::List).await?
        else {
            return Err(BackendError::Unexpected("the board"));
        };
        link.close().await;
        Ok((status, board))
    }

    async fn ask<T>(
        &self,
        command: Command,
        what: &'static str,
        pick: impl FnMut(Notification) -> Option<Result<T, BackendError>>,
    ) -> Result<T, BackendError> {
        let mut link = self.link(self.cwd()).await?;
        let answer = request(&mut link, command, what, pick).await;
        link.close().await;
        answer
    }

    /// Sends a call's record to the server over the records' connection (opened, or opened
    /// again after the server went away, as needed). A record that cannot be sent is logged.
    pub async fn record(&self, call: McpCall) {
        let mut audit = self.audit.lock().await;
        if !audit
            .as_ref()
            .is_some_and(|a| a.alive.load(Ordering::Acquire))
        {
            *audit = match self.open_audit().await {
                Ok(opened) => Some(opened),
                Err(error) => {
                    tracing::warn!(%error, tool = %call.tool, "an MCP call was not recorded");
                    None
                }
            };
        }
        if let Some(open) = audit.as_ref()
            && open
                .commands
                .send(Command::RecordCall(Box::new(call)))
                .await
                .is_err()
        {
            tracing::warn!("an MCP call was not recorded: the server went away");
        }
    }

    async fn open_audit(&self) -> Result<Audit, BackendError> {
        let Link {
            commands,
            mut notifications,
            writer,
            ..
        } = self.link(self.cwd()).await?;
        let alive = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&alive);
        // Nothing is asked on this connection; reading on notices when the server goes.
        tokio::spawn(async move {
            while notifications.recv().await.is_some() {}
            flag.store(false, Ordering::Release);
        });
        Ok(Audit {
            commands,
            alive,
            writer,
        })
    }

    /// Waits (briefly) until the records sent are written, then lets the connection go.
    pub async fn close(&self) {
        if let Some(audit) = self.audit.lock().await.take() {
            let Audit {
                commands, writer, ..
            } = audit;
            drop(commands);
            let _ = tokio::time::timeout(FLUSH_TIMEOUT, writer).await;
        }
    }
}

/// The commands of a turn, from its events.
#[derive(Debug, Default)]
struct Commands {
    runs: Vec<CommandRun>,
    by_call: HashMap<String, usize>,
}

impl Commands {
    /// Folds one event in; what happened, when it is a step worth telling.
    fn see(&mut self, kind: &EventKind) -> Option<String> {
        match kind {
            EventKind::ToolRequested(requested) => {
                let command = requested_command(&requested.arguments);
                self.by_call
                    .insert(requested.call_id.clone(), self.runs.len());
                self.runs.push(CommandRun {
                    command,
                    ..CommandRun::default()
                });
                None
            }
            EventKind::ToolStarted(started) => {
                let run = self.run(&started.call_id)?;
                run.command = started.command.clone();
                Some(format!("running: {}", started.command))
            }
            EventKind::ToolFinished(finished) => {
                let run = self.run(&finished.call_id)?;
                run.exit_code = finished.exit_code;
                let code = finished.exit_code.map_or("?".to_owned(), |c| c.to_string());
                Some(format!("exit {code}: {}", run.command))
            }
            EventKind::ToolDenied(denied) => {
                let run = self.run(&denied.call_id)?;
                let why = denied.reason.clone().unwrap_or_else(|| "denied".into());
                let step = format!("not run ({why}): {}", run.command);
                run.denied = Some(why);
                Some(step)
            }
            _ => None,
        }
    }

    fn run(&mut self, call_id: &str) -> Option<&mut CommandRun> {
        let index = *self.by_call.get(call_id)?;
        self.runs.get_mut(index)
    }
}

/// The command line a `shell` call asks for, as well as its arguments say it.
fn requested_command(arguments: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(arguments).unwrap_or_default();
    match value.get("command") {
        Some(serde_json::Value::String(line)) => line.clone(),
        Some(serde_json::Value::Array(words)) => words
            .iter()
            .map(|w| w.as_str().map_or_else(|| w.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(" "),
        _ => arguments.to_owned(),
    }
}

/// A server's failure notice as an error; anything else is not the answer.
fn failure<T>(notification: Notification) -> Option<Result<T, BackendError>> {
    match notification {
        Notification::Notice {
            text,
            failure: Some(_),
        } => Some(Err(BackendError::Refused(text))),
        _ => None,
    }
}

async fn send(link: &Link, command: Command) -> Result<(), BackendError> {
    link.commands
        .send(command)
        .await
        .map_err(|_| BackendError::Closed("anything (it was gone when asked)"))
}

async fn request<T>(
    link: &mut Link,
    command: Command,
    what: &'static str,
    mut pick: impl FnMut(Notification) -> Option<Result<T, BackendError>>,
) -> Result<T, BackendError> {
    send(link, command).await?;
    while let Some(notification) = link.notifications.recv().await {
        if let Some(answer) = pick(notification) {
            return answer;
        }
    }
    Err(BackendError::Closed(what))
}

async fn task_request(
    link: &mut Link,
    command: TaskCommand,
) -> Result<TaskNotification, BackendError> {
    let answer = request(
        link,
        Command::Task(command),
        "the task board",
        |n| match n {
            // News of a change is not an answer.
            Notification::Task(TaskNotification::Changed(_)) => None,
            Notification::Task(TaskNotification::Refused { error }) => {
                Some(Err(BackendError::Refused(error)))
            }
            Notification::Task(answer) => Some(Ok(answer)),
            other => failure(other),
        },
    )
    .await?;
    Ok(answer)
}
