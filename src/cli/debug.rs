//! `switchboard debug …`: developer tools.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;

use super::Context;
use crate::event::{EventKind, SessionCreated, SessionKind};
use crate::fixture::SyntheticEvents;

/// Events per append request: small enough that acks stream out steadily, large enough that
/// queueing costs nothing next to the write.
const EVENTS_PER_REQUEST: usize = 64;

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Append N synthetic events through the real writer. Prints the session id, then
    /// `durable SEQ` after each durable commit.
    GenFixture {
        /// Number of events to append (after the session's creation event)
        #[arg(long)]
        events: u64,
        #[arg(long, default_value = "synthetic session")]
        title: String,
        /// Typical size of a delta, tool-output or PTY chunk
        #[arg(long, default_value_t = 64)]
        payload_bytes: usize,
        /// Seed of the synthetic stream
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// After the last event is durable, print `holding` and stay alive (owning the session)
        /// until stdin closes: lets tests kill an owner in the middle of a turn
        #[arg(long)]
        hold: bool,
    },
    /// Print docs/KEYS.md as generated from the command registry
    KeysDoc,
    /// Print docs/CONFIG.md as generated from the config schema
    ConfigDoc,
    /// Serve a scenario on 127.0.0.1 until interrupted (default: the demo scenario); prints
    /// the base URL to point a client at
    ServeScenario {
        /// Scenario file (see docs/MODEL.md)
        scenario: Option<std::path::PathBuf>,
    },
    /// Send one prompt to the configured model and print the stream (the shell tool is
    /// offered but never run)
    Ask {
        prompt: String,
        /// Model to use instead of the configured one
        #[arg(long)]
        model: Option<String>,
        /// Ask the built-in scripted demo provider instead of a real endpoint
        #[arg(long)]
        demo: bool,
    },
}

pub fn run(context: &Context, command: DebugCommand) -> anyhow::Result<ExitCode> {
    match command {
        DebugCommand::GenFixture {
            events,
            title,
            payload_bytes,
            seed,
            hold,
        } => {
            gen_fixture(context, events, title, payload_bytes, seed)?;
            if hold {
                println!("holding");
                std::io::stdout().flush()?;
                std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        DebugCommand::KeysDoc => {
            print!("{}", crate::tui::keymap::Keymap::default().markdown());
            Ok(ExitCode::SUCCESS)
        }
        DebugCommand::ConfigDoc => {
            print!("{}", crate::config::doc::markdown());
            Ok(ExitCode::SUCCESS)
        }
        DebugCommand::ServeScenario { scenario } => super::model_debug::serve_scenario(scenario),
        DebugCommand::Ask {
            prompt,
            model,
            demo,
        } => super::model_debug::ask(context, prompt, model, demo),
    }
}

fn gen_fixture(
    context: &Context,
    count: u64,
    title: String,
    payload_bytes: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let store = context.open_store()?;
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let id = store.create_session(SessionCreated {
        kind: SessionKind::Agent,
        title: Some(title),
        cwd,
        command: None,
        model: Some("gpt-5".into()),
        owner: None,
    })?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{id}")?;
        stdout.flush()?;
    }

    // Acks are printed by a second thread in submission order, so the producer keeps the
    // writer's queue full (pipelining) while each `durable` line appears right after its commit.
    let (pending_tx, pending_rx) = flume::bounded::<crate::store::Pending>(1024);
    let printer = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut stdout = std::io::stdout().lock();
        for pending in pending_rx {
            let committed = pending.wait()?;
            writeln!(stdout, "durable {}", committed.last)?;
            stdout.flush()?;
        }
        Ok(())
    });
    let mut stream = SyntheticEvents::new(seed, payload_bytes);
    let mut remaining = count;
    let mut produced: anyhow::Result<()> = Ok(());
    while remaining > 0 {
        let take = remaining.min(EVENTS_PER_REQUEST as u64) as usize;
        let kinds: Vec<EventKind> = stream.by_ref().take(take).collect();
        remaining -= take as u64;
        match store.append(id, kinds) {
            Ok(pending) => {
                if pending_tx.send(pending).is_err() {
                    break;
                }
            }
            Err(err) => {
                produced = Err(err.into());
                break;
            }
        }
    }
    drop(pending_tx);
    let printed = printer
        .join()
        .map_err(|_| anyhow::anyhow!("ack printer panicked"))?;
    produced?;
    printed
}
