//! `switchboard task …`: submit tasks and plans, list and inspect them, act on them. Every
//! command talks to the store's server (starting it when none runs); `--json` on each;
//! `submit --wait` exits with a code per outcome (`tasks::outcome`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use super::workstation::{Flags, client_info, local_endpoint};
use crate::client::{ClientError, Link};
use crate::event::TaskState;
use crate::ids::TaskId;
use crate::protocol::tasks::{
    PlanSource, SubmitRequest, TaskAction, TaskCommand, TaskNotification,
};
use crate::protocol::{ClientKind, Command, Notification};
use crate::tasks::TaskDraft;
use crate::tasks::outcome::{plan_exit_code, stops_waiting};
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

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// A plan file (TOML, see docs/TASKS.md) instead of --goal
    #[arg(value_name = "PLAN.toml", conflicts_with = "goal")]
    plan: Option<PathBuf>,
    /// The prompt, or the command for the shell executor
    #[arg(long, required_unless_present = "plan")]
    goal: Option<String>,
    #[arg(long)]
    title: Option<String>,
    /// native, codex, shell, or a [tasks.commands] preset
    #[arg(long)]
    executor: Option<String>,
    /// A command that must exit 0 in the attempt's worktree (repeatable)
    #[arg(long = "validation", value_name = "CMD")]
    validations: Vec<String>,
    /// A task this one needs completed first: id, unique prefix or name (repeatable)
    #[arg(long = "depends", value_name = "ID")]
    depends: Vec<String>,
    /// A directory inside the repository (default: here)
    #[arg(long, value_name = "DIR")]
    repo: Option<PathBuf>,
    /// Where attempts start (default HEAD)
    #[arg(long, value_name = "REF")]
    base: Option<String>,
    /// The executor's time limit per attempt (90s, 30m, 2h)
    #[arg(long, value_name = "DUR")]
    timeout: Option<String>,
    /// Attempts in all (a failed validation starts the next one)
    #[arg(long)]
    attempts: Option<u32>,
    /// A person must approve before the task counts as completed
    #[arg(long)]
    gate: bool,
    /// Approval policy of agent executors: untrusted, on-request or never
    #[arg(long)]
    approval: Option<String>,
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    priority: i32,
    /// What done means (sent to agent executors)
    #[arg(long)]
    acceptance: Option<String>,
    /// A label (repeatable)
    #[arg(long = "label")]
    labels: Vec<String>,
    /// Tasks of this repository running at once at most
    #[arg(long, value_name = "N")]
    max_running: Option<u32>,
    /// Native attempts use the built-in scripted provider
    #[arg(long)]
    demo: bool,
    /// Block until every task submitted ends; exit with its outcome's code
    #[arg(long)]
    wait: bool,
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
    Ok((Link::over_socket(stream, info).await?, agents))
}

/// Sends a task command and waits for its answer (a refusal is an error).
async fn ask(link: &mut Link, command: TaskCommand) -> anyhow::Result<TaskNotification> {
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
        TaskCommandLine::Submit(args) => Some(submit_request(args)?),
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
            return submit(link, request, args.json).await;
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

fn list_line(t: &TaskSummary) -> String {
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

/// The request a `submit` command line makes (a plan is read and checked here, so a bad
/// file fails before anything connects).
fn submit_request(args: &SubmitArgs) -> anyhow::Result<SubmitRequest> {
    let cwd = std::env::current_dir()?;
    let absolute = |p: &Path| {
        if p.is_absolute() {
            p.to_owned()
        } else {
            cwd.join(p)
        }
    };
    if let Some(path) = &args.plan {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let dir = absolute(path)
            .parent()
            .map(Path::to_owned)
            .unwrap_or_else(|| cwd.clone());
        let plan = crate::tasks::plan::parse(&text, &dir)?;
        return Ok(SubmitRequest {
            tasks: plan.tasks,
            plan: Some(PlanSource {
                name: plan.name,
                path: Some(absolute(path).display().to_string()),
                text,
            }),
            input: None,
            wait: args.wait,
            agents: Default::default(),
        });
    }
    let timeout = args
        .timeout
        .as_deref()
        .map(crate::tasks::draft::parse_duration)
        .transpose()?;
    let draft = TaskDraft {
        name: None,
        title: args.title.clone(),
        goal: args.goal.clone().unwrap_or_default(),
        executor: args.executor.clone(),
        validations: args.validations.clone(),
        depends: args.depends.clone(),
        repo: Some(
            args.repo
                .as_deref()
                .map(absolute)
                .unwrap_or_else(|| cwd.clone())
                .display()
                .to_string(),
        ),
        base: args.base.clone(),
        timeout_ms: timeout.map(|d| d.as_millis() as u64),
        attempts: args.attempts,
        gate: args.gate,
        approval: args.approval.clone(),
        priority: args.priority,
        labels: args.labels.clone(),
        acceptance: args.acceptance.clone(),
        max_running: args.max_running,
    };
    let input =
        json!({"argv": std::env::args().collect::<Vec<_>>(), "cwd": cwd.display().to_string()});
    Ok(SubmitRequest {
        tasks: vec![draft],
        plan: None,
        input: Some(input.to_string()),
        wait: args.wait,
        agents: Default::default(),
    })
}

async fn submit(link: &mut Link, request: SubmitRequest, json: bool) -> anyhow::Result<ExitCode> {
    let wait = request.wait;
    let TaskNotification::Admitted { ids } =
        ask(link, TaskCommand::Submit(Box::new(request))).await?
    else {
        anyhow::bail!("the server answered something else");
    };
    let mut out = std::io::stdout().lock();
    if !wait {
        if json {
            let value = json!({"ids": ids.iter().map(|i| i.to_string()).collect::<Vec<_>>()});
            writeln!(out, "{value}")?;
        } else {
            for id in &ids {
                writeln!(out, "{id}")?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let finals = follow(link, &ids).await?;
    let mut records = Vec::with_capacity(ids.len());
    for id in &ids {
        if let TaskNotification::Record { task, text, .. } =
            ask(link, TaskCommand::Show { id: id.to_string() }).await?
        {
            records.push((task, text));
        }
    }
    if json {
        let values: Vec<_> = records.iter().map(|(t, _)| view::task_json(t)).collect();
        let value = if values.len() == 1 {
            values.into_iter().next().unwrap_or_default()
        } else {
            serde_json::Value::Array(values)
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        for (task, _) in &records {
            writeln!(out, "{}", list_line(&TaskSummary::of(task)))?;
        }
    }
    Ok(ExitCode::from(plan_exit_code(&finals)))
}

/// Follows the tasks until each stops (a final state, or interrupted); their final states,
/// in order.
async fn follow(link: &mut Link, ids: &[TaskId]) -> anyhow::Result<Vec<TaskState>> {
    let mut states: Vec<Option<TaskState>> = vec![None; ids.len()];
    // What happened before the follow began is in the board.
    if let TaskNotification::Board(tasks) = ask(link, TaskCommand::List).await? {
        for task in tasks {
            if let Some(i) = ids.iter().position(|id| *id == task.id) {
                states[i] = Some(task.state);
            }
        }
    }
    loop {
        if states.iter().all(|s| s.is_some_and(stops_waiting)) {
            return Ok(states
                .into_iter()
                .map(|s| s.unwrap_or(TaskState::Other))
                .collect());
        }
        let Some(notification) = link.notifications.recv().await else {
            return Err(ClientError::Closed(" before the tasks ended".into()).into());
        };
        if let Notification::Task(TaskNotification::Changed(summary)) = notification
            && let Some(i) = ids.iter().position(|id| *id == summary.id)
        {
            states[i] = Some(summary.state);
        }
    }
}
