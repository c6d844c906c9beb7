//! `switchboard exec` through the running server: the turn runs where the session lives (in
//! the slot showing it, live for every window), so two processes never drive one session.
//! The output is the same as a turn run in this process.

use std::io::Write;
use std::process::ExitCode;

use super::{ExecArgs, Printer, UNATTENDED, finish, session_line};
use crate::agent::ApprovalPolicy;
use crate::cli::Context;
use crate::cli::workstation::{Flags, client_info, local_endpoint};
use crate::client::{ClientError, Link};
use crate::protocol::{ClientKind, Command, Lookup, Notification, TurnRequest};

pub async fn exec(
    context: &Context,
    stream: std::os::unix::net::UnixStream,
    args: &ExecArgs,
    prompt: String,
) -> anyhow::Result<ExitCode> {
    let flags = Flags {
        slots: Vec::new(),
        demo: args.demo,
        model: args.model.clone(),
        approval: args.approval,
    };
    let mut info = client_info(&flags, ClientKind::Headless);
    if !args.demo {
        let (base_url, key) = local_endpoint(context, args.model.as_deref());
        // Without a key nothing starts (as in this process): no silent fallback to the demo.
        let key = key.ok_or_else(|| {
            let env = |name: &str| std::env::var(name).ok();
            let settings = crate::model::resolve(env, &context.config.model, None);
            anyhow::anyhow!(
                "{} is not set; export it, or use --demo for the built-in scripted provider",
                settings.key_var
            )
        })?;
        info.agents.base_url = base_url;
        info.agents.api_key = Some(key);
    }
    let agents = info.agents.clone();
    let mut link = Link::local(context, stream, info).await?;
    let session = match (&args.session, args.last) {
        (None, false) => None,
        (id, last) => Some(Lookup {
            id: id.clone(),
            last,
            agents_only: true,
            ..Lookup::default()
        }),
    };
    let request = TurnRequest {
        session,
        prompt,
        worktree: args.worktree,
        agents,
        unattended: (args.approval != ApprovalPolicy::Never).then(|| UNATTENDED.to_owned()),
    };
    link.commands
        .send(Command::RunTurn(request))
        .await
        .map_err(|_| ClientError::Closed(String::new()))?;
    let mut printer = Printer::new(args.json);
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
            anyhow::bail!("the server closed the connection before the turn ended");
        };
        match notification {
            Notification::TurnStarted {
                slot: started,
                cwd,
                worktree,
                resumed,
            } => {
                slot = Some(started);
                if args.json {
                    let line = session_line(started, &cwd, worktree.as_ref(), resumed);
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "{line}")?;
                    out.flush()?;
                }
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
                return finish(args, finished, outcome, error, final_message).await;
            }
            Notification::TurnRefused { error } => anyhow::bail!("{error}"),
            _ => {}
        }
    }
}
