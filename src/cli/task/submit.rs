//! `switchboard task submit`: one task from flags, or a plan file, then (with `--wait`) the
//! tasks followed until each ends.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::{ask, list_line};
use crate::client::{ClientError, Link};
use crate::event::TaskState;
use crate::ids::TaskId;
use crate::protocol::Notification;
use crate::protocol::tasks::{PlanSource, SubmitRequest, TaskCommand, TaskNotification};
use crate::tasks::TaskDraft;
use crate::tasks::outcome::{plan_exit_code, stops_waiting};
use crate::tasks::view::{self, TaskSummary};

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
    /// Approval policy of agent executors: untrusted, on-request or never (default: config)
    #[arg(long, value_parser = clap::builder::ValueParser::new(crate::cli::exec::parse_policy))]
    approval: Option<crate::agent::ApprovalPolicy>,
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
    pub(super) demo: bool,
    /// Block until every task submitted ends; exit with its outcome's code
    #[arg(long)]
    wait: bool,
    #[arg(long)]
    pub(super) json: bool,
}

/// The request a `submit` command line makes (a plan is read and checked here, so a bad
/// file fails before anything connects).
pub(super) fn submit_request(args: &SubmitArgs) -> anyhow::Result<SubmitRequest> {
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
        approval: args.approval.map(|policy| policy.to_string()),
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

pub(super) async fn submit(
    link: &mut Link,
    request: SubmitRequest,
    json: bool,
) -> anyhow::Result<ExitCode> {
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
        match notification {
            Notification::Task(TaskNotification::Changed(summary)) => {
                if let Some(i) = ids.iter().position(|id| *id == summary.id) {
                    states[i] = Some(summary.state);
                }
            }
            // While following, the only refusal is the board's: a change of these tasks
            // could not be recorded.
            Notification::Task(TaskNotification::Refused { error }) => anyhow::bail!("{error}"),
            _ => {}
        }
    }
}
