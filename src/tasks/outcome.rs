//! `task submit --wait`: the exit code per final state. Fixed numbers scripts can rely on
//! (documented in `docs/TASKS.md`); 1 stays "switchboard could not do it" and 2 clap's usage
//! errors, so outcomes start at 3.

use crate::event::TaskState;

/// The exit code `--wait` returns when a task ends in `state`.
pub fn exit_code(state: TaskState) -> u8 {
    match state {
        TaskState::Completed => 0,
        TaskState::FailedValidation => 3,
        TaskState::FailedAgent | TaskState::Failed => 4,
        TaskState::Timeout => 5,
        TaskState::Cancelled => 6,
        TaskState::Blocked => 7,
        TaskState::Rejected => 8,
        TaskState::Interrupted => 9,
        // Not final: `--wait` does not stop on these.
        TaskState::Queued
        | TaskState::Running
        | TaskState::Validating
        | TaskState::AwaitingApproval
        | TaskState::Other => 1,
    }
}

/// Where `--wait` stops: a terminal state, or interrupted (the server ended; a person
/// decides whether to resume).
pub fn stops_waiting(state: TaskState) -> bool {
    state.is_terminal() || state == TaskState::Interrupted
}

/// The exit code of a whole plan: 0 when every task completed, else the code of the first
/// task (in plan order) that did not.
pub fn plan_exit_code(states: &[TaskState]) -> u8 {
    states
        .iter()
        .map(|s| exit_code(*s))
        .find(|code| *code != 0)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_final_state_has_its_own_code() {
        let finals: Vec<TaskState> = TaskState::ALL
            .into_iter()
            .filter(|s| stops_waiting(*s))
            .collect();
        let mut codes: Vec<u8> = finals.iter().map(|s| exit_code(*s)).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), finals.len());
        assert!(!codes.contains(&1) && !codes.contains(&2));
        assert_eq!(
            plan_exit_code(&[
                TaskState::Completed,
                TaskState::Timeout,
                TaskState::Cancelled
            ]),
            5
        );
        assert_eq!(plan_exit_code(&[TaskState::Completed]), 0);
    }
}
