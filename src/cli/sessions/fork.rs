//! `sessions fork`: through the server when one runs (one process writes a live store's
//! sessions), else here, with the parent's code restored into a worktree of its own.

use std::io::Write;

use serde_json::json;

use super::super::Context;
use crate::ids::Seq;
use crate::session::Cut;
use crate::store::Store;

/// Asks the running server for the fork.
fn fork_via_server(
    stream: std::os::unix::net::UnixStream,
    session: crate::ids::SessionId,
    at: Option<Seq>,
) -> anyhow::Result<(crate::ids::SessionId, Option<String>)> {
    use crate::protocol::{ClientKind, Command, Notification};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let flags = super::super::workstation::Flags {
            slots: Vec::new(),
            demo: false,
            model: None,
            approval: Default::default(),
        };
        let info = super::super::workstation::client_info(&flags, ClientKind::Headless);
        let mut link = crate::client::Link::over_socket(stream, info).await?;
        let answer = link
            .request(
                Command::Fork {
                    session,
                    at,
                    open: false,
                },
                |n| match n {
                    Notification::Forked {
                        child, worktree, ..
                    } => Some(Ok((child, worktree))),
                    Notification::Notice {
                        text,
                        failure: Some(_),
                    } => Some(Err(anyhow::anyhow!(text))),
                    _ => None,
                },
            )
            .await?;
        link.close().await;
        answer
    })
}

pub(super) fn fork(
    context: &Context,
    store: &Store,
    id: &str,
    cut: Cut,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let parent = store.resolve(id)?;
    let at = cut.resolve(store, parent)?;
    // With a server running the fork is made there: one process writes to the store's
    // sessions while it runs.
    let (child, worktree) = match crate::client::connect_existing(context)? {
        Some(stream) => fork_via_server(stream, parent, at)?,
        None => {
            let forked =
                crate::workspace::fork_with_code(store, parent, at, &context.paths.worktrees_dir)?;
            (
                forked.id,
                forked.worktree.map(|w| w.path.display().to_string()),
            )
        }
    };
    if json {
        let meta = store.meta(child)?;
        let value = json!({
            "id": child.to_string(),
            "parent": meta.parent.map(|p| json!({"id": p.id.to_string(), "seq": p.seq.0})),
            "worktree": worktree,
        });
        serde_json::to_writer(&mut *out, &value)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{child}")?;
        if let Some(path) = worktree {
            eprintln!("its code is in {path}");
        }
    }
    Ok(())
}
