//! `exec` without a server: the turn runs in this process, which owns the session
//! (`session.owned`) while it runs.

use std::process::ExitCode;

use super::plan::{Plan, Target};
use super::printer::{Printer, SessionStart, TurnEnd};
use super::{UNATTENDED, model_settings};
use crate::agent::{Agent, AgentConfig, AgentUpdate, ApprovalPolicy};
use crate::cli::Context;
use crate::ids::SessionId;
use crate::model::ModelSettings;
use crate::model::ResponsesClient;
use crate::model::scripted::{DEMO_KEY, Scenario, ScriptedProvider};
use crate::store::Store;

pub async fn exec(context: &Context, plan: &Plan, prompt: String) -> anyhow::Result<ExitCode> {
    // The provider must outlive the turn; it stops when dropped at the end.
    let (settings, _provider) = if plan.demo {
        let provider = ScriptedProvider::start(Scenario::demo()).await?;
        let settings = ModelSettings::local(provider.base_url(), DEMO_KEY);
        (settings, Some(provider))
    } else {
        (model_settings(context, plan)?, None)
    };
    // Before the store is touched: without a key nothing is created.
    let client = ResponsesClient::new(settings)?;
    let store = context.open_store_async().await?;
    let mut config = AgentConfig::new(client);
    config.policy = plan.approval;
    config.compact_at = context.config.model.compact_at();
    config.output_schema = plan.output_schema.as_ref().map(|s| s.schema.clone());
    config.reasoning_effort = plan.reasoning_effort.clone();
    if plan.approval != ApprovalPolicy::Never {
        config.unattended = Some(UNATTENDED.to_owned());
    }
    let agent = open_agent(context, &store, config, plan).await?;
    let session = agent.session();
    let mut printer = Printer::new(plan);
    printer.start(SessionStart {
        session,
        cwd: &agent.directory().display().to_string(),
        worktree: agent.state().worktree.as_ref(),
        resumed: plan.target != Target::New,
    })?;

    let mut running = agent.spawn();
    running.handle.submit(prompt)?;
    let mut interrupted = false;
    let end = loop {
        let update = tokio::select! {
            update = running.updates.recv() => update,
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                let _ = running.handle.interrupt();
                continue;
            }
        };
        match update {
            Some(AgentUpdate::TurnFinished {
                outcome,
                error,
                final_message,
                ..
            }) => {
                break TurnEnd {
                    session,
                    outcome,
                    error,
                    final_message,
                };
            }
            Some(AgentUpdate::Event(event)) => printer.event(&event)?,
            Some(AgentUpdate::ApprovalNeeded { call_id, .. }) => {
                // Cannot happen (exec is unattended or runs everything), but never hang.
                let _ = running.handle.decide(
                    call_id,
                    crate::agent::ApprovalDecision::Deny {
                        reason: Some(UNATTENDED.to_owned()),
                    },
                );
            }
            None => {
                let message = "the agent stopped before the turn ended";
                printer.fatal(message)?;
                anyhow::bail!(message);
            }
        }
    };
    drop(running.handle);
    let _ = running.task.await;
    printer.finish(end)
}

/// A new session (in a new worktree with `--worktree`) or the one to continue.
async fn open_agent(
    context: &Context,
    store: &Store,
    config: AgentConfig,
    plan: &Plan,
) -> anyhow::Result<Agent> {
    // Store reads and git run on a blocking thread: this runtime has one thread, which also
    // serves the demo provider.
    let reader = store.clone();
    let target = plan.target.clone();
    let continued = crate::cli::blocking(move || {
        Ok(match &target {
            Target::Session(id) => Some(reader.resolve(id)?),
            Target::Last => Some(last_agent_session(&reader)?),
            Target::New => None,
        })
    })
    .await?;
    if let Some(id) = continued {
        return Ok(Agent::resume(store.clone(), id, config).await?);
    }
    let cwd = std::env::current_dir()?;
    if !plan.worktree {
        return Ok(Agent::create(store.clone(), config, &cwd, None, None).await?);
    }
    let worktrees = context.paths.worktrees_dir.clone();
    let worktree = crate::cli::blocking(move || {
        let repo = crate::workspace::repo_root(&cwd)?.ok_or_else(|| {
            anyhow::anyhow!(
                "--worktree needs a git repository; {} is not in one",
                cwd.display()
            )
        })?;
        // The random tail of a fresh id keeps branch names unique across runs.
        let id = SessionId::new().to_string();
        let name = format!("exec-{}", &id[id.len() - 12..]);
        Ok(crate::workspace::create(&repo, &worktrees, &name)?)
    })
    .await?;
    Ok(Agent::create(store.clone(), config, &worktree.path, Some(&worktree), None).await?)
}

/// The native session that was active most recently.
fn last_agent_session(store: &Store) -> anyhow::Result<SessionId> {
    store
        .sessions()?
        .into_iter()
        .filter(|meta| meta.kind == crate::event::SessionKind::Agent)
        .max_by_key(|meta| meta.updated_at)
        .map(|meta| meta.id)
        .ok_or_else(|| anyhow::anyhow!("no native agent session to continue yet"))
}
