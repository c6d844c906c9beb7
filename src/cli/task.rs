//! `switchboard task …`: submit tasks and plans, list and inspect them, act on them. Every
//! command talks to the store's server (starting it when none runs); `--json` on each;
//! `submit --wait` exits with a code per outcome (`tasks::outcome`).
//!
//! | file | owns |
//! |---|---|
//! | `task.rs` | the subcommands, the connection, reads and actions |
//! | `task/submit.rs` | `submit`: flags or a plan file into a request, `--wait` |

mod submit;

pub use submit::SubmitArgs;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use super::workstation::{Flags, client_info, local_endpoint};
use crate::client::Link;
use crate::event::TaskState;
use crate::protocol::tasks::{SubmitRequest, TaskAction, TaskCommand, TaskNotification};
use crate::protocol::{ClientKind, Command, Notification};
use crate::tasks::view::{self, TaskSummary};

#[derive(Debug, Subcommand)]
pub enum TaskCommandLine {
    /// Submit a task (--goal), or every task of a plan file, admitted all or nothing
    Submit(Box<SubmitArgs>),
    /// List tasks, oldest first
    List {
        /// Only tasks in this state (queued, running, validating, awaiting_approval, …)
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A task's attempts, validations, evidence summary and history
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// What an attempt printed: its commands, output, messages and validation logs
    Logs {
        id: String,
        /// The attempt (default: the latest)
        #[arg(long)]
        attempt: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// An attempt's evidence: input, prompt, transcript, patch, logs, hashes
    Evidence {
        id: String,
        #[arg(long)]
        attempt: Option<u32>,
        #[arg(long)]
        json: bool,
        /// Write the files and a SHA256SUMS manifest (`sha256sum -c` verifies it) here
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
    },
    /// What a task depends on and what depends on it
    Graph {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Start a new attempt of a failed, blocked, cancelled, rejected or interrupted task
    Retry(ActionArgs),
    /// Cancel a task (its running attempt is stopped)
    Cancel(ActionArgs),
    /// Continue an interrupted task in place (same worktree and session)
    Resume(ActionArgs),
    /// Approve a task's gate, or the command its agent waits to run
    Approve(ActionArgs),
    /// Reject a task at its gate (or deny the command its agent waits to run)
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ActionArgs {
    id: String,
    #[arg(long)]
    json: bool,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// A link to the server, started if needed, and how native attempts this client submits
/// reach the model (the endpoint and key of this environment, as `exec` does).
async fn connect(
    context: &Context,
    demo: bool,
) -> anyhow::Result<(Link, crate::protocol::AgentOptions)> {
    let stream = crate::client::connect_or_start(context)?;
    let flags = Flags {
        slots: Vec::new(),
        demo,
        model: None,
        approval: Default::default(),
    };
    let mut info = client_info(&flags, ClientKind::Headless);
    if !demo {
        let (base_url, key) = local_endpoint(context, None);
        info.agents.base_url = base_url;
        info.agents.api_key = key;
    }
    let agents = info.agents.clone();
    Ok((Link::local(context, stream, info).await?, agents))
}

/// Sends a task command and waits for its answer (a refusal is an error).
pub(super) async fn ask(link: &mut Link, command: TaskCommand) -> anyhow::Result<TaskNotification> {
    let answer = link
        .request(Command::Task(command), |n| match n {
            // News of a change is not an answer (it goes to `follow`, or is older than the
            // answer's snapshot).
            Notification::Task(TaskNotification::Changed(_)) => None,
            Notification::Task(news) => Some(news),
            _ => None,
        })
        .await?;
    match answer {
        TaskNotification::Refused { error } => anyhow::bail!("{error}"),
        other => Ok(other),
    }
}

pub fn run(context: &Context, command: TaskCommandLine) -> anyhow::Result<ExitCode> {
    // Plans and states are checked before anything connects.
    if let TaskCommandLine::List {
        state: Some(state), ..
    } = &command
        && TaskState::parse(state).is_none()
    {
        anyhow::bail!(
            "unknown state {state:?}: use {}",
            TaskState::ALL.map(|s| s.label()).join(", ")
        );
    }
    let mut request = match &command {
        TaskCommandLine::Submit(args) => Some(submit::submit_request(args)?),
        _ => None,
    };
    runtime()?.block_on(async move {
        let demo = matches!(&command, TaskCommandLine::Submit(a) if a.demo);
        let (mut link, agents) = connect(context, demo).await?;
        if let Some(request) = request.as_mut() {
            request.agents = agents;
        }
        let code = dispatch(&mut link, command, request).await;
        link.close().await;
        code
    })
}

async fn dispatch(
    link: &mut Link,
    command: TaskCommandLine,
    request: Option<SubmitRequest>,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        TaskCommandLine::Submit(args) => {
            let request = request.ok_or_else(|| anyhow::anyhow!("nothing to submit"))?;
            return submit::submit(link, request, args.json).await;
        }
        TaskCommandLine::List { state, json } => {
            let TaskNotification::Board(mut tasks) = ask(link, TaskCommand::List).await? else {
                anyhow::bail!("the server answered something else");
            };
            if let Some(state) = state.as_deref().and_then(TaskState::parse) {
                tasks.retain(|t| t.state == state);
            }
            if json {
                let rows: Vec<_> = tasks.iter().map(view::summary_json).collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else if tasks.is_empty() {
                writeln!(out, "no tasks")?;
            } else {
                for t in &tasks {
                    writeln!(out, "{}", list_line(t))?;
                }
            }
        }
        TaskCommandLine::Show { id, json } | TaskCommandLine::Graph { id, json } if json => {
            let TaskNotification::Record { task, .. } = ask(link, TaskCommand::Show { id }).await?
            else {
                anyhow::bail!("the server answered something else");
            };
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&view::task_json(&task))?
            )?;
        }
        TaskCommandLine::Show { id, .. } => {
            if let TaskNotification::Record { text, .. } =
                ask(link, TaskCommand::Show { id }).await?
            {
                write!(out, "{text}")?;
            }
        }
        TaskCommandLine::Graph { id, .. } => {
            if let TaskNotification::Record { graph, .. } =
                ask(link, TaskCommand::Show { id }).await?
            {
                write!(out, "{graph}")?;
            }
        }
        TaskCommandLine::Logs { id, attempt, json } => {
            if let TaskNotification::Logs {
                task,
                attempt,
                text,
            } = ask(link, TaskCommand::Logs { id, attempt }).await?
            {
                if json {
                    let value = json!({"task": task.to_string(), "attempt": attempt, "logs": text});
                    writeln!(out, "{value}")?;
                } else {
                    write!(out, "{text}")?;
                }
            }
        }
        TaskCommandLine::Evidence {
            id,
            attempt,
            json,
            export,
        } => {
            let TaskNotification::Evidence {
                task,
                attempt,
                files,
            } = ask(link, TaskCommand::Evidence { id, attempt }).await?
            else {
                anyhow::bail!("the server answered something else");
            };
            if let Some(dir) = &export {
                crate::tasks::evidence::export(dir, &files)?;
            }
            let listed: Vec<_> = files
                .iter()
                .map(|f| {
                    json!({
                        "name": f.name,
                        "bytes": f.bytes.len(),
                        "sha256": crate::tasks::evidence::sha256_hex(&f.bytes),
                    })
                })
                .collect();
            if json {
                let value = json!({
                    "task": task.to_string(),
                    "attempt": attempt,
                    "files": listed,
                    "exported": export.as_ref().map(|d| d.display().to_string()),
                });
                writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
            } else {
                writeln!(out, "task {task} attempt {attempt}")?;
                for f in &files {
                    writeln!(
                        out,
                        "{}  {:>9}  {}",
                        crate::tasks::evidence::sha256_hex(&f.bytes),
                        f.bytes.len(),
                        f.name
                    )?;
                }
                if let Some(dir) = &export {
                    writeln!(
                        out,
                        "written to {} (verify: sha256sum -c SHA256SUMS)",
                        dir.display()
                    )?;
                }
            }
        }
        TaskCommandLine::Retry(a) => return action(link, &mut out, a, TaskAction::Retry).await,
        TaskCommandLine::Cancel(a) => return action(link, &mut out, a, TaskAction::Cancel).await,
        TaskCommandLine::Resume(a) => return action(link, &mut out, a, TaskAction::Resume).await,
        TaskCommandLine::Approve(a) => return action(link, &mut out, a, TaskAction::Approve).await,
        TaskCommandLine::Reject { id, reason, json } => {
            let args = ActionArgs { id, json };
            return action(link, &mut out, args, TaskAction::Reject { reason }).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn action(
    link: &mut Link,
    out: &mut impl Write,
    args: ActionArgs,
    action: TaskAction,
) -> anyhow::Result<ExitCode> {
    let label = action.label();
    if let TaskNotification::Done { task, text } = ask(
        link,
        TaskCommand::Act {
            id: args.id,
            action,
        },
    )
    .await?
    {
        if args.json {
            writeln!(
                out,
                "{}",
                json!({"task": task.to_string(), "action": label, "result": text})
            )?;
        } else {
            writeln!(out, "{text}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn list_line(t: &TaskSummary) -> String {
    format!(
        "{}  {:<17}  {:<20}  {:<7}  {}/{}{}{}",
        t.id.short(),
        t.state.label(),
        crate::text::truncate(t.label(), 20),
        crate::text::truncate(&t.executor, 7),
        t.attempts,
        t.max_attempts,
        if t.gate { "  gate" } else { "" },
        t.note
            .as_ref()
            .map(|n| format!("  {n}"))
            .unwrap_or_default()
    )
}
