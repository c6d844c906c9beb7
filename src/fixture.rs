//! Synthetic but realistic event streams: what `debug gen-fixture`, the benchmarks and the
//! property tests append. The mix follows a real agent session: a prompt, a streamed answer in
//! small deltas, a shell call with chunked output, PTY output, usage, and a turn end.
//!
//! | file | owns |
//! |---|---|
//! | this file | [`SyntheticEvents`]: long sessions for benches (`debug gen-fixture`) |
//! | [`conversation`] | [`conversation::RandomTurns`]: short sessions with every conversation corner |

pub mod conversation;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::event::{
    ApprovalScope, Decider, DeltaChannel, EventKind, OutputItem, PtyOutput, ResponseCompleted,
    ResponseDelta, ResponseItemDone, ResponseStarted, ToolApproved, ToolFinished, ToolOutput,
    ToolRequested, ToolStarted, TurnEnded, TurnOutcome, TurnStarted, Usage, UserMessage,
};

const WORDS: &[&str] = &[
    "the", "store", "session", "fork", "resume", "cargo", "test", "passes", "fix", "parser",
    "worktree", "diff", "render", "frame", "slot", "event", "écrit", "数据", "✓", "->",
];

/// An endless, deterministic stream of event kinds shaped like agent turns.
pub struct SyntheticEvents {
    rng: SmallRng,
    payload_bytes: usize,
    turn: u32,
    pending: std::collections::VecDeque<EventKind>,
}

impl SyntheticEvents {
    /// `payload_bytes` is the typical size of a delta, tool output or PTY chunk.
    pub fn new(seed: u64, payload_bytes: usize) -> Self {
        Self {
            rng: SmallRng::seed_from_u64(seed),
            payload_bytes: payload_bytes.max(1),
            turn: 0,
            pending: Default::default(),
        }
    }

    fn text(&mut self, bytes: usize) -> String {
        let mut out = String::with_capacity(bytes + 8);
        while out.len() < bytes {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(WORDS[self.rng.random_range(0..WORDS.len())]);
        }
        out
    }

    fn terminal_bytes(&mut self, bytes: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes + 16);
        while out.len() < bytes {
            match self.rng.random_range(0..6) {
                0 => out.extend_from_slice(b"\x1b[32m"),
                1 => out.extend_from_slice(b"\x1b[0m"),
                2 => out.extend_from_slice(b"\r\n"),
                _ => {
                    let word = self.text(8);
                    out.extend_from_slice(word.as_bytes());
                }
            }
        }
        out
    }

    fn plan_turn(&mut self) {
        self.turn += 1;
        let turn = self.turn;
        let call_id = format!("call_{turn}");
        let prompt = self.text(40);
        self.pending
            .push_back(EventKind::UserMessage(UserMessage { text: prompt }));
        self.pending
            .push_back(EventKind::TurnStarted(TurnStarted { turn }));
        self.pending
            .push_back(EventKind::ResponseStarted(ResponseStarted {
                model: "gpt-5".into(),
                attempt: 1,
            }));
        let deltas = self.rng.random_range(20..80);
        for _ in 0..deltas {
            let delta = self.text(self.payload_bytes / 4 + 1);
            self.pending
                .push_back(EventKind::ResponseDelta(ResponseDelta {
                    channel: DeltaChannel::Text,
                    item_id: Some(format!("msg_{turn}")),
                    delta,
                }));
        }
        let command = format!("cargo test -p crate{}", turn % 7);
        let arguments = serde_json::json!({ "command": command }).to_string();
        self.pending
            .push_back(EventKind::ResponseItemDone(ResponseItemDone {
                item: OutputItem::FunctionCall {
                    id: Some(format!("fc_{turn}")),
                    call_id: call_id.clone(),
                    name: "shell".into(),
                    arguments: arguments.clone(),
                },
            }));
        self.pending
            .push_back(EventKind::ToolRequested(ToolRequested {
                call_id: call_id.clone(),
                name: "shell".into(),
                arguments,
            }));
        self.pending
            .push_back(EventKind::ToolApproved(ToolApproved {
                call_id: call_id.clone(),
                by: Decider::Policy,
                scope: ApprovalScope::Once,
            }));
        self.pending.push_back(EventKind::ToolStarted(ToolStarted {
            call_id: call_id.clone(),
            command,
            cwd: "/work/project".into(),
        }));
        let chunks = self.rng.random_range(10..60);
        for _ in 0..chunks {
            let bytes = self.terminal_bytes(self.payload_bytes);
            self.pending.push_back(EventKind::ToolOutput(ToolOutput {
                call_id: call_id.clone(),
                bytes: bytes.into(),
            }));
        }
        self.pending
            .push_back(EventKind::ToolFinished(ToolFinished {
                call_id,
                exit_code: Some(0),
                duration_ms: self.rng.random_range(10..5000),
                killed: None,
                error: None,
            }));
        let pty_chunks = self.rng.random_range(10..60);
        for _ in 0..pty_chunks {
            let bytes = self.terminal_bytes(self.payload_bytes);
            self.pending.push_back(EventKind::PtyOutput(PtyOutput {
                bytes: bytes.into(),
            }));
        }
        self.pending
            .push_back(EventKind::ResponseCompleted(ResponseCompleted {
                response_id: Some(format!("resp_{turn}")),
                usage: Usage {
                    input_tokens: self.rng.random_range(1000..20_000),
                    cached_tokens: self.rng.random_range(0..1000),
                    output_tokens: self.rng.random_range(50..2000),
                    reasoning_tokens: self.rng.random_range(0..500),
                },
                incomplete_reason: None,
            }));
        self.pending.push_back(EventKind::TurnEnded(TurnEnded {
            turn,
            outcome: TurnOutcome::Completed,
            error: None,
            commit: None,
        }));
    }
}

impl Iterator for SyntheticEvents {
    type Item = EventKind;

    fn next(&mut self) -> Option<EventKind> {
        if self.pending.is_empty() {
            self.plan_turn();
        }
        self.pending.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_shaped_like_turns() {
        let a: Vec<_> = SyntheticEvents::new(7, 64).take(500).collect();
        let b: Vec<_> = SyntheticEvents::new(7, 64).take(500).collect();
        assert_eq!(a, b);
        assert!(matches!(a[0], EventKind::UserMessage(_)));
        assert!(a.iter().any(|k| matches!(k, EventKind::TurnEnded(_))));
        assert!(a.iter().any(|k| matches!(k, EventKind::PtyOutput(_))));
    }
}
