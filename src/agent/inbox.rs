//! What the owner sends a running agent, and how a turn reads it: decisions and interrupts
//! act at once; new messages and worktrees wait for the turn to end.

use std::collections::VecDeque;

use tokio::sync::mpsc;

use super::ApprovalDecision;
use crate::workspace::Worktree;

#[derive(Debug)]
pub enum Control {
    Submit(String),
    Decide {
        call_id: String,
        decision: ApprovalDecision,
    },
    Interrupt,
    AttachWorktree(Worktree),
    /// Between turns: take new settings (when given) and record events (a rename, the new
    /// settings) through the agent, the session's one writer.
    Reconfigure {
        config: Option<Box<super::AgentConfig>>,
        record: Vec<crate::event::EventKind>,
    },
}

/// What matters to a turn in progress.
#[derive(Debug)]
pub enum TurnSignal {
    /// Stop the turn: the owner interrupted, or every handle is gone.
    Interrupt,
    Decide {
        call_id: String,
        decision: ApprovalDecision,
    },
}

#[derive(Debug)]
pub struct Inbox {
    rx: mpsc::UnboundedReceiver<Control>,
    /// Messages that arrived during a turn, for after it.
    deferred: VecDeque<Control>,
}

impl Inbox {
    pub fn new(rx: mpsc::UnboundedReceiver<Control>) -> Self {
        Self {
            rx,
            deferred: VecDeque::new(),
        }
    }

    /// The next thing to do between turns; `None` once every handle is gone.
    pub async fn next_idle(&mut self) -> Option<Control> {
        match self.deferred.pop_front() {
            Some(control) => Some(control),
            None => self.rx.recv().await,
        }
    }

    /// The next signal for the turn in progress. Cancel-safe: a message that must wait is
    /// kept before the await can be dropped.
    pub async fn next_in_turn(&mut self) -> TurnSignal {
        loop {
            match self.rx.recv().await {
                None | Some(Control::Interrupt) => return TurnSignal::Interrupt,
                Some(Control::Decide { call_id, decision }) => {
                    return TurnSignal::Decide { call_id, decision };
                }
                Some(
                    later @ (Control::Submit(_)
                    | Control::AttachWorktree(_)
                    | Control::Reconfigure { .. }),
                ) => {
                    self.deferred.push_back(later);
                }
            }
        }
    }
}
