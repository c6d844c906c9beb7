//! `switchboard mcp`: the Model Context Protocol over stdio, so any MCP client (Codex, Claude,
//! an IDE) drives sessions and tasks through switchboard. A client of the store's server
//! (started when none runs), like every headless command: turns, forks and the task board run
//! there, and every tool call is recorded there, in the store's MCP log
//! ([`crate::server::audit::LOG`]). Built on the official Rust SDK (`rmcp`); `docs/MCP.md` lists
//! the tools.
//!
//! | file | owns |
//! |---|---|
//! | `mcp/transport.rs` | JSON-RPC lines over stdio: bounded, a malformed line answered |
//! | `mcp/tools.rs` | the tools and the handler: initialize, tools/list, recorded tools/call |
//! | `mcp/args.rs` | the tools' inputs (their JSON schemas) and their checks |
//! | `mcp/backend.rs` | the server behind the tools: a connection per call, the records' one |
//! | `mcp/results.rs` | the tools' answers: structured content and a short text |
//! | `mcp/audit.rs` | a call's record: arguments summarised, the key redacted |

pub mod args;
pub mod audit;
pub mod backend;
pub mod results;
pub mod tools;
pub mod transport;

use std::process::ExitCode;
use std::sync::Arc;

use rmcp::ServiceExt;

pub use backend::{Backend, Settings};
pub use tools::Switchboard;

/// Serves MCP on stdin/stdout until the client closes its end.
pub fn run(context: crate::cli::Context, settings: Settings) -> anyhow::Result<ExitCode> {
    // One thread: calls wait on the server, not on this process, and a tools/list answered
    // on the thread that read it is the fastest round trip there is.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let backend = Arc::new(Backend::new(context, settings));
        let (reader, writer) = rmcp::transport::stdio_pipes();
        let transport = transport::LineTransport::new(reader, writer);
        let served = Switchboard::new(Arc::clone(&backend))
            .serve(transport)
            .await
            .map_err(|e| anyhow::anyhow!("the MCP client did not start a session: {e}"))?;
        let ended = served.waiting().await;
        backend.close().await;
        tracing::info!(?ended, "the MCP client closed the session");
        Ok(ExitCode::SUCCESS)
    })
}
