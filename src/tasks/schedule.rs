//! Which queued tasks start now, and which become blocked: a pure function of the board and
//! the caps, run after every task event. Priority first (higher first), then submission
//! order. A task starts only when every dependency completed and a place is free under both
//! the global cap and its repository's; the count includes every task whose attempt holds a
//! process (running, validating, or waiting on a command approval), so the caps are never
//! exceeded, not even for a moment.

use std::collections::HashMap;

use super::board::Board;
use crate::event::TaskState;
use crate::ids::TaskId;

/// Tasks running at once by default: agents mostly wait on the model, so a few in parallel
/// use a two-core machine well; validations (builds, tests) are the CPU-heavy part.
pub const DEFAULT_MAX_RUNNING: u32 = 4;

/// The caps in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Across every repository.
    pub global: u32,
    /// Per repository, unless the repository's latest submission gave its own.
    pub per_repo: u32,
}

impl Default for Caps {
    fn default() -> Self {
        Self {
            global: DEFAULT_MAX_RUNNING,
            per_repo: DEFAULT_MAX_RUNNING,
        }
    }
}

/// What the scheduler decided for one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Start(TaskId),
    /// A dependency ended without success; `because` names it.
    Block {
        task: TaskId,
        because: String,
    },
}

/// The decisions for the board as it is now.
pub fn decide(board: &Board, caps: Caps) -> Vec<Decision> {
    let mut running_global = 0u32;
    let mut running_repo: HashMap<&str, u32> = HashMap::new();
    let mut queued = Vec::new();
    for task in board.tasks() {
        if task.is_active() {
            running_global += 1;
            *running_repo.entry(task.spec.repo.as_str()).or_default() += 1;
        } else if task.state == TaskState::Queued {
            queued.push(task);
        }
    }
    queued.sort_by_key(|t| (std::cmp::Reverse(t.spec.priority), t.order));
    let mut out = Vec::new();
    for task in queued {
        let mut ready = true;
        let mut blocked = None;
        for dep in &task.spec.depends {
            match board.get(*dep).map(|d| (d.state, d)) {
                Some((TaskState::Completed, _)) => {}
                Some((state, dep)) if state.is_failure() => {
                    blocked = Some(format!(
                        "dependency {} ({}) is {}",
                        dep.label(),
                        dep.id.short(),
                        state.label()
                    ));
                    break;
                }
                Some(_) => ready = false,
                None => {
                    blocked = Some(format!("dependency {} is not on the board", dep.short()));
                    break;
                }
            }
        }
        if let Some(because) = blocked {
            out.push(Decision::Block {
                task: task.id,
                because,
            });
            continue;
        }
        if !ready || running_global >= caps.global {
            continue;
        }
        let repo = task.spec.repo.as_str();
        let cap = board.repo_cap(repo).unwrap_or(caps.per_repo);
        let here = running_repo.entry(repo).or_default();
        if *here >= cap {
            continue;
        }
        *here += 1;
        running_global += 1;
        out.push(Decision::Start(task.id));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{
        Event, EventKind, TaskAttemptStarted, TaskSpec, TaskStateChanged, TaskSubmitted,
    };
    use crate::ids::{Seq, Timestamp};

    /// A board from a compact description: (name, repo, priority, deps, state).
    fn board(tasks: &[(&str, &str, i32, &[&str], TaskState)]) -> (Board, Vec<TaskId>) {
        let ids: Vec<TaskId> = tasks.iter().map(|_| TaskId::new()).collect();
        let mut board = Board::new();
        let mut seq = 0;
        let mut push = |board: &mut Board, kind| {
            seq += 1;
            board.apply(&Event {
                session: crate::tasks::BOARD,
                seq: Seq(seq),
                at: Timestamp(seq as i64),
                kind,
            });
        };
        for (i, (name, repo, priority, deps, state)) in tasks.iter().enumerate() {
            let depends = deps
                .iter()
                .map(|d| ids[tasks.iter().position(|t| t.0 == *d).unwrap()])
                .collect();
            push(
                &mut board,
                EventKind::TaskSubmitted(Box::new(TaskSubmitted {
                    task: ids[i],
                    spec: TaskSpec {
                        title: name.to_string(),
                        name: Some(name.to_string()),
                        repo: repo.to_string(),
                        priority: *priority,
                        depends,
                        max_attempts: 1,
                        ..Default::default()
                    },
                    plan: None,
                    input: None,
                })),
            );
            if *state != TaskState::Queued {
                push(
                    &mut board,
                    EventKind::TaskAttemptStarted(Box::new(TaskAttemptStarted {
                        task: ids[i],
                        attempt: 1,
                        ..Default::default()
                    })),
                );
                push(
                    &mut board,
                    EventKind::TaskState(TaskStateChanged {
                        task: ids[i].to_string(),
                        state: *state,
                        ..Default::default()
                    }),
                );
            }
        }
        (board, ids)
    }

    fn names(decisions: &[Decision], ids: &[TaskId], names: &[&str]) -> Vec<String> {
        decisions
            .iter()
            .map(|d| match d {
                Decision::Start(id) => {
                    format!("start {}", names[ids.iter().position(|i| i == id).unwrap()])
                }
                Decision::Block { task, .. } => {
                    format!(
                        "block {}",
                        names[ids.iter().position(|i| i == task).unwrap()]
                    )
                }
            })
            .collect()
    }

    use TaskState::*;

    #[test]
    fn decisions_table() {
        type Row<'a> = (&'a str, &'a str, i32, &'a [&'a str], TaskState);
        let cases: Vec<(&str, Vec<Row>, Caps, Vec<&str>)> = vec![
            (
                "priority then order, up to the cap",
                vec![
                    ("a", "r", 0, &[], Queued),
                    ("b", "r", 5, &[], Queued),
                    ("c", "r", 0, &[], Queued),
                ],
                Caps {
                    global: 2,
                    per_repo: 9,
                },
                vec!["start b", "start a"],
            ),
            (
                "running tasks use the cap",
                vec![("a", "r", 0, &[], Running), ("b", "r", 0, &[], Queued)],
                Caps {
                    global: 1,
                    per_repo: 9,
                },
                vec![],
            ),
            (
                "a gate holds no place, a command approval does",
                vec![
                    ("a", "r", 0, &[], AwaitingApproval),
                    ("b", "r", 0, &[], Queued),
                ],
                Caps {
                    global: 1,
                    per_repo: 9,
                },
                vec![],
            ),
            (
                "per-repository cap",
                vec![
                    ("a", "r1", 0, &[], Validating),
                    ("b", "r1", 0, &[], Queued),
                    ("c", "r2", 0, &[], Queued),
                ],
                Caps {
                    global: 9,
                    per_repo: 1,
                },
                vec!["start c"],
            ),
            (
                "dependencies wait, then start",
                vec![
                    ("a", "r", 0, &[], Running),
                    ("b", "r", 0, &["a"], Queued),
                    ("c", "r", 0, &[], Completed),
                    ("d", "r", 0, &["c"], Queued),
                ],
                Caps::default(),
                vec!["start d"],
            ),
            (
                "a failed dependency blocks",
                vec![
                    ("a", "r", 0, &[], FailedValidation),
                    ("b", "r", 0, &["a"], Queued),
                    ("c", "r", 0, &[], Cancelled),
                    ("d", "r", 0, &["c"], Queued),
                    ("e", "r", 0, &[], Blocked),
                    ("f", "r", 0, &["e"], Queued),
                ],
                Caps::default(),
                vec!["block b", "block d", "block f"],
            ),
            (
                "blocking does not use the cap",
                vec![
                    ("a", "r", 0, &[], Rejected),
                    ("b", "r", 9, &["a"], Queued),
                    ("c", "r", 0, &[], Queued),
                ],
                Caps {
                    global: 1,
                    per_repo: 1,
                },
                vec!["block b", "start c"],
            ),
        ];
        for (what, rows, caps, want) in cases {
            let (board, ids) = board(&rows);
            let labels: Vec<&str> = rows.iter().map(|r| r.0).collect();
            assert_eq!(names(&decide(&board, caps), &ids, &labels), want, "{what}");
        }
    }

    #[test]
    fn block_reasons_name_the_dependency() {
        let (board, _) = board(&[
            ("lint", "r", 0, &[], Timeout),
            ("b", "r", 0, &["lint"], Queued),
        ]);
        match &decide(&board, Caps::default())[0] {
            Decision::Block { because, .. } => {
                assert!(because.starts_with("dependency lint ("), "{because}");
                assert!(because.ends_with("is timeout"), "{because}");
            }
            other => panic!("{other:?}"),
        }
    }
}
