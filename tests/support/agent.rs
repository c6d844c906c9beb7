//! Helpers for the agent tests: a real store in a temp dir, the scripted provider on loopback,
//! an agent wired to both, and a driver that runs one turn and collects its updates.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use switchboard::agent::{
    Agent, AgentConfig, AgentHandle, AgentUpdate, ApprovalDecision, ApprovalPolicy, RunningAgent,
};
use switchboard::event::{Event, EventKind, TurnOutcome, Usage};
use switchboard::ids::SessionId;
use switchboard::model::scripted::{Scenario, ScriptedProvider};
use switchboard::model::{ModelSettings, ResponsesClient, Sleeper};
use switchboard::session::{SessionState, reduce};
use switchboard::store::{Store, StoreOptions};

/// The key the tests send; it must never reach the store.
pub const AGENT_TEST_KEY: &str = "sk-test-agent-SECRET-5678";
/// Upper bound for anything a test waits on; generous because the machine is shared.
pub const WAIT: Duration = Duration::from_secs(60);

pub fn scenario(name: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(format!("{name}.json"));
    Scenario::load(&path).expect("scenario")
}

/// `compact_at` for the `agent_compact` scenario: small enough that its first turn
/// ([`compact_first_prompt`] and its echo, ~400 estimated tokens) outgrows it, large enough that
/// the summary request carries both (its budget is 5/4 of it) and that the summary and a short
/// second turn do not outgrow it again.
pub const COMPACT_AT: u64 = 350;

/// The first prompt of the `agent_compact` scenario: long enough to outgrow [`COMPACT_AT`].
pub fn compact_first_prompt() -> String {
    format!("first {}", "alpha ".repeat(130))
}

/// A store, a working directory and a scripted provider, all private to one test.
pub struct Bench {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub provider: ScriptedProvider,
}

impl Bench {
    pub async fn start(scenario_name: &str) -> Self {
        Self::with_scenario(scenario(scenario_name)).await
    }

    pub async fn with_scenario(scenario: Scenario) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        let store = Store::open(&dir.path().join("store.redb"), StoreOptions::default()).unwrap();
        let provider = ScriptedProvider::start(scenario).await.unwrap();
        Self {
            dir,
            store,
            provider,
        }
    }

    /// The session's directory: where commands run.
    pub fn workdir(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn config(&self, policy: ApprovalPolicy) -> AgentConfig {
        let mut settings = ModelSettings::local(self.provider.base_url(), AGENT_TEST_KEY);
        settings.model = "test-model".into();
        let client = ResponsesClient::with_sleeper(settings, Sleeper::none()).unwrap();
        let mut config = AgentConfig::new(client);
        config.policy = policy;
        // Independent of this machine's login profile (and killing a command cannot leave a
        // profile's lock files behind).
        config.login_shell = false;
        config
    }

    pub async fn agent(&self, policy: ApprovalPolicy) -> Agent {
        self.agent_with(self.config(policy)).await
    }

    /// A new session's agent with `config` (a test's changes to [`Bench::config`]).
    pub async fn agent_with(&self, config: AgentConfig) -> Agent {
        Agent::create(self.store.clone(), config, &self.workdir(), None, None)
            .await
            .unwrap()
    }

    /// The `input` of request `index` (0-based) as the provider received it.
    pub fn input(&self, index: usize) -> Vec<serde_json::Value> {
        let requests = self.provider.requests();
        requests[index].body["input"].as_array().unwrap().clone()
    }

    /// The `function_call_output`s of request `index`, as `(call_id, output)`.
    pub fn outputs(&self, index: usize) -> Vec<(String, String)> {
        self.input(index)
            .iter()
            .filter(|item| item["type"] == "function_call_output")
            .map(|item| {
                (
                    item["call_id"].as_str().unwrap().to_owned(),
                    item["output"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    pub fn events(&self, session: SessionId) -> Vec<Event> {
        self.store.events(session).unwrap()
    }
}

/// Everything one turn sent its owner.
#[derive(Debug, Default)]
pub struct TurnLog {
    pub updates: Vec<AgentUpdate>,
}

impl TurnLog {
    pub fn events(&self) -> Vec<Event> {
        self.updates
            .iter()
            .filter_map(|u| match u {
                AgentUpdate::Event(event) => Some(event.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn tags(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| e.kind.tag().to_owned())
            .collect()
    }

    /// `(outcome, error, usage, final message)` of the turn.
    pub fn finished(&self) -> (TurnOutcome, Option<String>, Usage, Option<String>) {
        self.updates
            .iter()
            .find_map(|u| match u {
                AgentUpdate::TurnFinished {
                    outcome,
                    error,
                    usage,
                    final_message,
                    ..
                } => Some((*outcome, error.clone(), *usage, final_message.clone())),
                _ => None,
            })
            .expect("the turn finished")
    }

    pub fn commit(&self) -> Option<String> {
        self.updates.iter().find_map(|u| match u {
            AgentUpdate::TurnFinished { commit, .. } => commit.clone(),
            _ => None,
        })
    }

    /// The concatenated text deltas.
    pub fn text(&self) -> String {
        self.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ResponseDelta(d)
                    if d.channel == switchboard::event::DeltaChannel::Text =>
                {
                    Some(d.delta.clone())
                }
                _ => None,
            })
            .collect()
    }

    pub fn approvals_asked(&self) -> Vec<String> {
        self.updates
            .iter()
            .filter_map(|u| match u {
                AgentUpdate::ApprovalNeeded { call_id, .. } => Some(call_id.clone()),
                _ => None,
            })
            .collect()
    }
}

/// What the driver does on each update: answer approvals, interrupt on a condition.
pub enum Step {
    Continue,
    Decide(ApprovalDecision),
    Interrupt,
}

/// Submits `text` and collects updates until `TurnFinished`, letting `on_update` react.
pub async fn drive(
    running: &mut RunningAgent,
    text: &str,
    mut on_update: impl FnMut(&AgentUpdate) -> Step,
) -> TurnLog {
    running.handle.submit(text).unwrap();
    let mut log = TurnLog::default();
    let collect = async {
        loop {
            let update = running.updates.recv().await.expect("the agent is running");
            match on_update(&update) {
                Step::Continue => {}
                Step::Decide(decision) => {
                    let AgentUpdate::ApprovalNeeded { call_id, .. } = &update else {
                        panic!("decided on a non-approval update");
                    };
                    running.handle.decide(call_id.clone(), decision).unwrap();
                }
                Step::Interrupt => running.handle.interrupt().unwrap(),
            }
            let done = matches!(update, AgentUpdate::TurnFinished { .. });
            log.updates.push(update);
            if done {
                return;
            }
        }
    };
    let finished = tokio::time::timeout(WAIT, collect).await;
    assert!(
        finished.is_ok(),
        "the turn did not finish in time; updates so far: {:#?}",
        log.updates
    );
    log
}

/// A turn with no approvals expected.
pub async fn turn(running: &mut RunningAgent, text: &str) -> TurnLog {
    drive(running, text, |update| {
        assert!(
            !matches!(update, AgentUpdate::ApprovalNeeded { .. }),
            "unexpected approval request: {update:?}"
        );
        Step::Continue
    })
    .await
}

/// Stops the agent and gives it back.
pub async fn stop(running: RunningAgent) -> Agent {
    let RunningAgent { handle, task, .. } = running;
    drop::<AgentHandle>(handle);
    tokio::time::timeout(WAIT, task)
        .await
        .expect("the agent stopped in time")
        .expect("the agent task did not panic")
}

/// The state a fold of `events` gives.
pub fn fold(events: &[Event]) -> SessionState {
    let mut state = SessionState::default();
    for event in events {
        reduce(&mut state, event);
    }
    state
}

/// Asserts the live view equals the store: the events the owner saw are the stored ones (same
/// seqs, times and kinds, nothing else stored in between), and folding them gives the state a
/// replay and a checkpoint resume give.
pub fn assert_live_equals_store(bench: &Bench, session: SessionId, live: &[Event]) {
    let stored = bench.events(session);
    let first = live.first().expect("some live events").seq;
    let tail: Vec<Event> = stored.iter().filter(|e| e.seq >= first).cloned().collect();
    assert_eq!(tail, live, "the live events are exactly the stored ones");
    let prefix: Vec<Event> = stored.iter().filter(|e| e.seq < first).cloned().collect();
    let mut all = prefix;
    all.extend_from_slice(live);
    let live_state = fold(&all);
    assert_eq!(live_state, bench.store.replay(session).unwrap());
    assert_eq!(live_state, bench.store.resume(session).unwrap().state);
}

pub fn path_str(path: &Path) -> String {
    path.canonicalize().unwrap().display().to_string()
}
