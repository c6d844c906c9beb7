//! `switchboard exec` through the running server: the turn runs where the session lives (in
//! the slot showing it, live for every window), so two processes never drive one session.
//! exec sends the endpoint and key it resolved itself (`CODEX_API_KEY`, `-c openai_base_url`
//! included) with the agent options; the output is the same as a turn run in this process.

use std::process::ExitCode;

use super::plan::{Plan, Target};
use super::printer::{Printer, SessionStart, TurnEnd};
use super::{UNATTENDED, model_settings};
use crate::agent::ApprovalPolicy;
use crate::cli::Context;
use crate::cli::workstation::{Flags, client_info};
use crate::client::{ClientError, Link};
use crate::protocol::{ClientKind, Command, Lookup, Notification, TurnRequest, WireKey};

pub async fn exec(
    context: &Context,
    stream: std::os::unix::net::UnixStream,
    plan: &Plan,
    prompt: String,
) -> anyhow::Result<ExitCode> {
    let flags = Flags {
        slots: Vec::new(),
        demo: plan.demo,
        model: plan.model.clone(),
        approval: plan.approval,
    };
    let mut info = client_info(&flags, ClientKind::Headless);
    if !plan.demo {
        // Without a key nothing starts (as in this process): no silent fallback to the demo.
        let settings = model_settings(context, plan)?;
        info.agents.base_url = Some(settings.base_url.clone());
        info.agents.api_key = settings.api_key.as_ref().map(WireKey::new);
    }
    info.agents.reasoning_effort = plan.reasoning_effort.clone();
    info.agents.output_schema = plan
        .output_schema
        .as_ref()
        .map(|schema| schema.schema.to_string());
    let agents = info.agents.clone();
    let mut link = Link::local(context, stream, info).await?;
    let session = match &plan.target {
        Target::New => None,
        target => Some(Lookup {
            id: match target {
                Target::Session(id) => Some(id.clone()),
                _ => None,
            },
            last: *target == Target::Last,
            agents_only: true,
            ..Lookup::default()
        }),
    };
    let request = TurnRequest {
        session,
        prompt,
        worktree: plan.worktree,
        agents,
        unattended: (plan.approval != ApprovalPolicy::Never).then(|| UNATTENDED.to_owned()),
    };
    link.commands
        .send(Command::RunTurn(Box::new(request)))
        .await
        .map_err(|_| ClientError::Closed(String::new()))?;
    let mut printer = Printer::new(plan);
    let mut slot = None;
    let mut interrupted = false;
    loop {
        let notification = tokio::select! {
            n = link.notifications.recv() => n,
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                if let Some(slot) = slot {
                    let _ = link.commands.send(Command::Interrupt { slot }).await;
                }
                continue;
            }
        };
        let Some(notification) = notification else {
            let message = "the server closed the connection before the turn ended";
            if slot.is_some() {
                printer.fatal(message)?;
            }
            anyhow::bail!(message);
        };
        match notification {
            Notification::TurnStarted {
                slot: started,
                cwd,
                worktree,
                resumed,
            } => {
                slot = Some(started);
                printer.start(SessionStart {
                    session: started,
                    cwd: &cwd,
                    worktree: worktree.as_ref(),
                    resumed,
                })?;
            }
            Notification::AgentEvent { event, .. } => printer.event(&event)?,
            Notification::TurnFinished {
                slot: finished,
                outcome,
                error,
                final_message,
                ..
            } => {
                link.close().await;
                return printer.finish(TurnEnd {
                    session: finished,
                    outcome,
                    error,
                    final_message,
                });
            }
            Notification::TurnRefused { error } => anyhow::bail!("{error}"),
            _ => {}
        }
    }
}
