//! `switchboard debug serve-scenario` and `switchboard debug ask`: the model client and the
//! scripted provider from the command line, for checking an endpoint or pointing another
//! client (the official SDKs, Codex) at a scenario.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::Context;
use crate::event::OutputItem;
use crate::model::scripted::{DEMO_KEY, Scenario, ScriptedProvider};
use crate::model::{
    Conversation, ModelSettings, ResponseEvent, ResponsesClient, ResponsesRequest, StreamUpdate,
    Tool,
};

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn load(scenario: Option<PathBuf>) -> anyhow::Result<Scenario> {
    match scenario {
        Some(path) => Scenario::load(&path).map_err(anyhow::Error::msg),
        None => Ok(Scenario::demo()),
    }
}

/// Serves a scenario (default: the demo) on loopback until interrupted; prints the base URL.
pub fn serve_scenario(scenario: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let scenario = load(scenario)?;
    runtime()?.block_on(async {
        let provider = ScriptedProvider::start(scenario).await?;
        println!("{}", provider.base_url());
        std::io::stdout().flush()?;
        tokio::signal::ctrl_c().await?;
        let requests = provider.requests().len();
        eprintln!("switchboard: served {requests} requests");
        Ok(ExitCode::SUCCESS)
    })
}

/// Sends one prompt (with the `shell` tool offered, never run) and prints the stream: text on
/// stdout, reasoning summaries, tool calls, retries and usage on stderr.
pub fn ask(
    context: &Context,
    prompt: String,
    model: Option<String>,
    demo: bool,
) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let (settings, _provider) = if demo {
            let provider = ScriptedProvider::start(Scenario::demo()).await?;
            (
                ModelSettings::local(provider.base_url(), DEMO_KEY),
                Some(provider),
            )
        } else {
            let env = |name: &str| std::env::var(name).ok();
            let settings = crate::model::resolve(env, &context.config.model, model.as_deref());
            (settings, None)
        };
        let client = ResponsesClient::new(settings)?;
        let mut conversation = Conversation::new();
        conversation.push_user(prompt);
        let request = ResponsesRequest::new(
            client.settings().model.clone(),
            conversation.items().to_vec(),
        )
        .with_tools(vec![Tool::shell()])
        // A run of `debug ask` is a session of its own for the server's prompt cache.
        .with_prompt_cache_key(uuid::Uuid::now_v7().to_string());
        let mut stream = client.stream(&request);
        let mut out = std::io::stdout();
        while let Some(update) = stream.next_update().await {
            match update? {
                StreamUpdate::Retrying {
                    attempt,
                    max_attempts,
                    delay,
                    reason,
                } => eprintln!("[retry {attempt}/{max_attempts} in {delay:?}: {reason}]"),
                StreamUpdate::Event(event) => show(&event, &mut out)?,
            }
        }
        println!();
        Ok(ExitCode::SUCCESS)
    })
}

fn show(event: &ResponseEvent, out: &mut impl Write) -> std::io::Result<()> {
    match event {
        ResponseEvent::OutputTextDelta { delta, .. }
        | ResponseEvent::RefusalDelta { delta, .. } => {
            write!(out, "{delta}")?;
            out.flush()
        }
        ResponseEvent::OutputItemDone { item, .. } => {
            match item {
                OutputItem::FunctionCall {
                    name, arguments, ..
                } => eprintln!("\n[tool call {name} {arguments} — not run]"),
                OutputItem::Reasoning { summary, .. } if !summary.is_empty() => {
                    eprintln!("[reasoning: {}]", summary.join(" / ").replace('\n', " "));
                }
                _ => {}
            }
            Ok(())
        }
        ResponseEvent::Completed(info) | ResponseEvent::Incomplete(info) => {
            let usage = info.usage.unwrap_or_default();
            let reason = info
                .incomplete_reason
                .as_deref()
                .map(|r| format!(", incomplete: {r}"))
                .unwrap_or_default();
            eprintln!(
                "\n[{} in / {} out tokens ({} cached, {} reasoning){reason}]",
                usage.input_tokens,
                usage.output_tokens,
                usage.cached_tokens,
                usage.reasoning_tokens
            );
            Ok(())
        }
        _ => Ok(()),
    }
}
