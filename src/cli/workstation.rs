//! `switchboard`, `switchboard resume` and `switchboard fork`: the full-screen workstation,
//! optionally opening on a picker or a session.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::Context;
use super::sessions::Cut;
use crate::store::Store;
use crate::tui::core::Core;
use crate::tui::startup::Startup;

/// How the workstation was asked to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opening {
    Plain,
    Resume {
        id: Option<String>,
        last: bool,
    },
    Fork {
        id: Option<String>,
        turn: Option<u32>,
        at: Option<u64>,
    },
}

/// Checks ids before the terminal is taken over, so a typo gets a plain one-line error.
fn startup(store: &Store, opening: Opening) -> anyhow::Result<Vec<Startup>> {
    Ok(match opening {
        Opening::Plain => Vec::new(),
        Opening::Resume {
            id: None,
            last: false,
        } => vec![Startup::ResumePicker],
        Opening::Resume {
            id: None,
            last: true,
        } => {
            let latest = store
                .sessions()?
                .into_iter()
                .max_by_key(|meta| meta.updated_at)
                .ok_or_else(|| anyhow::anyhow!("there is no session to resume yet"))?;
            vec![Startup::Resume(latest.id)]
        }
        Opening::Resume { id: Some(id), .. } => vec![Startup::Resume(store.resolve(&id)?)],
        Opening::Fork { id: None, .. } => vec![Startup::ForkPicker],
        Opening::Fork {
            id: Some(id),
            turn: None,
            at: None,
        } => vec![Startup::ForkTurns(store.resolve(&id)?)],
        Opening::Fork {
            id: Some(id),
            turn,
            at,
        } => {
            let session = store.resolve(&id)?;
            let at = Cut::from_args(at, turn).resolve(store, session)?;
            if let Some(at) = at {
                let last = store.meta(session)?.last_seq;
                anyhow::ensure!(
                    at.0 >= 1 && at <= last,
                    "session {session} has no event {at} (its last is {last})"
                );
            }
            vec![Startup::Fork { session, at }]
        }
    })
}

pub fn run(context: &Context, opening: Opening) -> anyhow::Result<ExitCode> {
    let store = context.open_store()?;
    let actions = startup(&store, opening)?;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the workstation needs a terminal; for scripts use `switchboard sessions …` or `switchboard render`"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let core = Core::new(store);
    runtime.block_on(crate::tui::driver::run(core, actions))?;
    Ok(ExitCode::SUCCESS)
}
