//! Approval of shell calls: the policy, the known-safe lists ([`safe`]), the rules a user made
//! for the session, and the verdict for one command. Pure: no I/O, table-tested.
//!
//! Every decision becomes an event (`tool.approved{by, scope}` / `tool.denied{by, reason}`),
//! and session rules are a fold of those events, so they survive a resume.

pub mod safe;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use crate::event::{ApprovalScope, Decider, EventKind};
use crate::model::ShellArgs;
use safe::SafeList;

/// When the agent asks before running a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ApprovalPolicy {
    /// Ask for anything not on the read-only known-safe list.
    Untrusted,
    /// Ask unless the command is known-safe: read-only commands plus the project's own builds
    /// and tests (the default).
    #[default]
    OnRequest,
    /// Never ask; run everything.
    Never,
}

impl ApprovalPolicy {
    pub fn label(self) -> &'static str {
        match self {
            Self::Untrusted => "untrusted",
            Self::OnRequest => "on-request",
            Self::Never => "never",
        }
    }
}

impl fmt::Display for ApprovalPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for ApprovalPolicy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "untrusted" => Ok(Self::Untrusted),
            "on-request" => Ok(Self::OnRequest),
            "never" => Ok(Self::Never),
            other => Err(format!(
                "unknown approval policy '{other}': use untrusted, on-request or never"
            )),
        }
    }
}

/// What happens to one call before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Run it; `by` and `scope` go into `tool.approved`.
    Approve { by: Decider, scope: ApprovalScope },
    /// Someone must decide; `reason` says why it is not known-safe.
    Ask { reason: String },
}

/// The owner's answer to an approval request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ApprovalDecision {
    /// Run this call.
    ApproveOnce,
    /// Run this call and, for the rest of the session, identical commands without asking.
    ApproveForSession,
    /// Do not run it; the reason (when given) is sent to the model.
    Deny { reason: Option<String> },
}

/// Commands the user approved "for this session": later calls with the identical command line
/// (byte for byte, whatever their `workdir`) run without asking, decided by `session_rule`.
/// Built by folding the session's events, live and on resume alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionRules {
    commands: HashSet<String>,
    /// Commands of calls requested but not yet decided, by call id.
    requested: HashMap<String, String>,
}

impl SessionRules {
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds one event: `tool.requested` remembers the call's command until its decision; a
    /// `tool.approved` with scope `session` makes that command a rule. Returns the command when
    /// the event made a new rule (the store keeps those, see `store::conversation`).
    pub fn apply(&mut self, event: &EventKind) -> Option<String> {
        match event {
            EventKind::ToolRequested(requested) => {
                if let Ok(args) = ShellArgs::parse(&requested.arguments) {
                    self.requested
                        .insert(requested.call_id.clone(), args.command);
                }
            }
            EventKind::ToolApproved(approved) => {
                let command = self.requested.remove(&approved.call_id);
                if approved.scope == ApprovalScope::Session
                    && let Some(command) = command
                    && self.commands.insert(command.clone())
                {
                    return Some(command);
                }
            }
            EventKind::ToolDenied(denied) => {
                self.requested.remove(&denied.call_id);
            }
            EventKind::TurnEnded(_) => self.requested.clear(),
            _ => {}
        }
        None
    }

    /// Rules as the store keeps them: the approved commands, no call waiting for a decision
    /// (a resumed agent's calls start afresh).
    pub fn restore(commands: impl IntoIterator<Item = String>) -> Self {
        Self {
            commands: commands.into_iter().collect(),
            ..Self::default()
        }
    }

    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a EventKind>) -> Self {
        let mut rules = Self::new();
        for event in events {
            rules.apply(event);
        }
        rules
    }

    /// Whether `command` was approved for the session.
    pub fn allows(&self, command: &str) -> bool {
        self.commands.contains(command)
    }

    /// The approved command lines, sorted (for display).
    pub fn commands(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.commands.iter().map(String::as_str).collect();
        out.sort_unstable();
        out
    }
}

/// The verdict for running `command` under `policy` with the session's `rules`: `never` runs
/// everything; otherwise a session rule, then the policy's known-safe list, approve; anything
/// else asks.
pub fn assess(policy: ApprovalPolicy, command: &str, rules: &SessionRules) -> Verdict {
    let list = match policy {
        ApprovalPolicy::Never => {
            return Verdict::Approve {
                by: Decider::Policy,
                scope: ApprovalScope::Once,
            };
        }
        ApprovalPolicy::Untrusted => SafeList::ReadOnly,
        ApprovalPolicy::OnRequest => SafeList::BuildsAndTests,
    };
    if rules.allows(command) {
        return Verdict::Approve {
            by: Decider::SessionRule,
            scope: ApprovalScope::Session,
        };
    }
    match safe::check(list, command) {
        Ok(()) => Verdict::Approve {
            by: Decider::Policy,
            scope: ApprovalScope::Once,
        },
        Err(reason) => Verdict::Ask { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ToolApproved, ToolDenied, ToolRequested, TurnEnded};

    fn requested(call_id: &str, command: &str) -> EventKind {
        EventKind::ToolRequested(ToolRequested {
            call_id: call_id.into(),
            name: "shell".into(),
            arguments: serde_json::json!({ "command": command }).to_string(),
        })
    }

    fn approved(call_id: &str, by: Decider, scope: ApprovalScope) -> EventKind {
        EventKind::ToolApproved(ToolApproved {
            call_id: call_id.into(),
            by,
            scope,
        })
    }

    fn policy_approves() -> Verdict {
        Verdict::Approve {
            by: Decider::Policy,
            scope: ApprovalScope::Once,
        }
    }

    #[test]
    fn verdicts_for_every_policy() {
        let rules = SessionRules::new();
        let ask = |reason: &str| Verdict::Ask {
            reason: reason.to_owned(),
        };
        use ApprovalPolicy::*;
        let table: &[(ApprovalPolicy, &str, Verdict)] = &[
            (Untrusted, "ls -la", policy_approves()),
            (Untrusted, "git status", policy_approves()),
            (
                Untrusted,
                "cargo test",
                ask("`cargo` is not on the known-safe list"),
            ),
            (
                Untrusted,
                "rm -rf target",
                ask("`rm` is not on the known-safe list"),
            ),
            (Untrusted, "echo hi > f", ask("redirects (`>`)")),
            (OnRequest, "ls -la", policy_approves()),
            (OnRequest, "cargo test", policy_approves()),
            (OnRequest, "cargo build && cargo test", policy_approves()),
            (
                OnRequest,
                "rm -rf target",
                ask("`rm` is not on the known-safe list"),
            ),
            (
                OnRequest,
                "cargo test; rm x",
                ask("`rm` is not on the known-safe list"),
            ),
            (
                OnRequest,
                "echo $(id)",
                ask("expansions or command substitution"),
            ),
            (Never, "rm -rf target", policy_approves()),
            (Never, "echo $(id) > f", policy_approves()),
            (Never, "", policy_approves()),
        ];
        for (policy, command, verdict) in table {
            assert_eq!(
                &assess(*policy, command, &rules),
                verdict,
                "{policy} {command}"
            );
        }
    }

    #[test]
    fn session_rules_approve_identical_commands_only() {
        let events = vec![
            requested("c1", "touch built.txt"),
            approved("c1", Decider::User, ApprovalScope::Session),
            requested("c2", "rm x"),
            approved("c2", Decider::User, ApprovalScope::Once),
            requested("c3", "rm y"),
            EventKind::ToolDenied(ToolDenied {
                call_id: "c3".into(),
                by: Decider::User,
                reason: None,
            }),
        ];
        let rules = SessionRules::from_events(&events);
        assert_eq!(rules.commands(), vec!["touch built.txt"]);
        let session_rule = Verdict::Approve {
            by: Decider::SessionRule,
            scope: ApprovalScope::Session,
        };
        for policy in [ApprovalPolicy::Untrusted, ApprovalPolicy::OnRequest] {
            assert_eq!(assess(policy, "touch built.txt", &rules), session_rule);
            assert!(matches!(
                assess(policy, "touch built.txt ", &rules),
                Verdict::Ask { .. }
            ));
            assert!(matches!(
                assess(policy, "rm x", &rules),
                Verdict::Ask { .. }
            ));
        }
        assert_eq!(
            assess(ApprovalPolicy::Never, "touch built.txt", &rules),
            policy_approves()
        );
    }

    #[test]
    fn rules_fold_the_same_live_and_replayed_and_forget_undecided_calls() {
        let mut live = SessionRules::new();
        live.apply(&requested("c1", "make deploy"));
        live.apply(&EventKind::TurnEnded(TurnEnded::default()));
        // A decision for a call from an ended turn no longer makes a rule.
        live.apply(&approved("c1", Decider::User, ApprovalScope::Session));
        assert!(live.commands().is_empty());
        live.apply(&requested("c2", "make deploy"));
        live.apply(&approved("c2", Decider::User, ApprovalScope::Session));
        let replayed = SessionRules::from_events(&[
            requested("c1", "make deploy"),
            EventKind::TurnEnded(TurnEnded::default()),
            approved("c1", Decider::User, ApprovalScope::Session),
            requested("c2", "make deploy"),
            approved("c2", Decider::User, ApprovalScope::Session),
        ]);
        assert_eq!(live, replayed);
        assert!(live.allows("make deploy"));
    }

    #[test]
    fn policies_parse_from_their_labels() {
        for policy in [
            ApprovalPolicy::Untrusted,
            ApprovalPolicy::OnRequest,
            ApprovalPolicy::Never,
        ] {
            assert_eq!(policy.label().parse::<ApprovalPolicy>(), Ok(policy));
        }
        assert!("always".parse::<ApprovalPolicy>().is_err());
        assert_eq!(ApprovalPolicy::default(), ApprovalPolicy::OnRequest);
    }
}
