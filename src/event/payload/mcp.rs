//! The payload of the MCP log's events (`mcp.call`). Every tool call a `switchboard mcp`
//! process serves is one event in one session of kind `mcp` per store (see
//! `crate::mcp::LOG`), written by the server: the audit trail covers what MCP clients did the
//! way the task board's log covers tasks. Same growth rules as every payload.

use serde::{Deserialize, Serialize};

/// How a tool call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum McpOutcome {
    /// The tool did what it was asked (a turn that ran and failed is still a call that worked:
    /// the result says how the turn ended).
    #[default]
    Ok,
    /// The tool refused or failed; `error` says why.
    Error,
    /// The client cancelled the call (or went away) before it ended.
    Cancelled,
    /// An outcome from a newer schema.
    #[serde(other)]
    Other,
}

impl McpOutcome {
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Cancelled => "cancelled",
            Self::Other => "other",
        }
    }
}

/// One tool call: who called what, with which arguments, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct McpCall {
    /// The tool's name (`session_start`, `task_submit`, …).
    pub tool: String,
    /// The arguments as JSON text, summarised: long strings cut, the whole bounded (see
    /// `crate::mcp::audit`).
    pub arguments: String,
    pub outcome: McpOutcome,
    /// Why the call failed (one line).
    #[serde(default)]
    pub error: Option<String>,
    /// The MCP client as it named itself at `initialize` (`name version`).
    #[serde(default)]
    pub client: Option<String>,
    /// The `switchboard mcp` process that served the call.
    pub pid: u32,
    /// The session the call started, continued, showed or forked, when one.
    #[serde(default)]
    pub session: Option<String>,
    /// The task the call submitted, showed or acted on, when one.
    #[serde(default)]
    pub task: Option<String>,
    pub duration_ms: u64,
}
