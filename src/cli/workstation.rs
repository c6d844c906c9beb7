//! `switchboard` with no subcommand: the full-screen workstation.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::Context;
use crate::tui::core::Core;

pub fn run(context: &Context) -> anyhow::Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the workstation needs a terminal; for scripts use `switchboard sessions …` or `switchboard render`"
        );
    }
    let store = context.open_store()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let core = Core::new(store);
    runtime.block_on(crate::tui::driver::run(core))?;
    Ok(ExitCode::SUCCESS)
}
