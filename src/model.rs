//! The model side of the native agent: the OpenAI Responses API, streamed.
//!
//! | file | owns |
//! |---|---|
//! | [`request`] | the request body, input items, the `shell` tool |
//! | [`conversation`] | [`Conversation`]: events → input items, compaction |
//! | [`sse`] | bytes → server-sent event frames (pure, incremental) |
//! | [`stream`] | frames → typed [`ResponseEvent`]s (pure) |
//! | [`settings`] | endpoint/model/key resolution, [`ApiKey`], [`RetryPolicy`] |
//! | [`client`] | the HTTP client: retries, idle timeout, replay suppression, cancellation |
//! | [`replay`] | what a retried attempt repeats and the consumer must not see twice |
//! | [`scripted`] | the loopback provider that serves scenario files (demo and tests) |
//! | [`tool_output`] | a tool call's output as the model gets it: escapes stripped, head + tail |
//!
//! No UI and no turn loop live here: the agent drives a [`ResponseStream`] and turns its
//! updates into stored events. `docs/MODEL.md` describes the behaviour and the scenario format.

pub mod client;
pub mod conversation;
pub mod error;
pub mod replay;
pub mod request;
pub mod scripted;
pub mod settings;
pub mod sse;
pub mod stream;
pub mod tool_output;
mod wire;

pub use client::{ResponseStream, ResponsesClient, Sleeper, StreamUpdate};
pub use conversation::Conversation;
pub use error::{ModelError, ServerRetry};
pub use request::{InputItem, ResponsesRequest, ShellArgs, Tool};
pub use settings::{ApiKey, ModelSettings, RetryPolicy, StreamRedactor, resolve};
pub use sse::{FrameRef, SseDecoder, SseFrame};
pub use stream::{
    ApiError, ContentPart, Delta, EventDecoder, EventRef, ResponseEvent, ResponseInfo, parse_event,
    parse_frame, parse_frame_with,
};
pub use wire::parse_error_body;
