//! Admission checks of new tasks: unique names, dependencies that exist, no cycle. Pure and
//! linear in tasks plus edges, so a plan of thousands is checked in a millisecond or two.
//! Tasks already on the board cannot depend on new ones, so a cycle can only run through the
//! new tasks: those are the only ones searched.

use std::collections::HashMap;

use super::board::Board;
use super::draft::{DraftError, TaskDraft};
use crate::ids::TaskId;

/// A resolved dependency of a new task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    /// Another task of the same submission (its index).
    New(usize),
    /// A task already on the board.
    Existing(TaskId),
}

/// Resolves every draft's dependencies (plan names first, then board ids or names) and
/// refuses duplicates, unknown or self dependencies and cycles, naming them.
pub fn resolve(drafts: &[TaskDraft], board: &Board) -> Result<Vec<Vec<Dependency>>, DraftError> {
    if drafts.is_empty() {
        return Err(DraftError::EmptyPlan);
    }
    let mut names: HashMap<&str, usize> = HashMap::with_capacity(drafts.len());
    for (i, draft) in drafts.iter().enumerate() {
        if let Some(name) = draft.name.as_deref()
            && names.insert(name, i).is_some()
        {
            return Err(DraftError::DuplicateName(name.to_owned()));
        }
    }
    let label = |i: usize| drafts[i].name.clone().unwrap_or_else(|| drafts[i].title());
    let mut resolved = Vec::with_capacity(drafts.len());
    for (i, draft) in drafts.iter().enumerate() {
        let mut deps = Vec::with_capacity(draft.depends.len());
        for dep in &draft.depends {
            let found = match names.get(dep.as_str()) {
                Some(&j) if j == i => return Err(DraftError::SelfDependency(label(i))),
                Some(&j) => Dependency::New(j),
                None => match board.find(dep) {
                    Ok(id) => Dependency::Existing(id),
                    Err(_) => {
                        return Err(DraftError::UnknownDependency {
                            task: label(i),
                            dependency: dep.clone(),
                        });
                    }
                },
            };
            if !deps.contains(&found) {
                deps.push(found);
            }
        }
        resolved.push(deps);
    }
    if let Some(cycle) = find_cycle(&resolved) {
        let mut names: Vec<String> = cycle.iter().map(|&i| label(i)).collect();
        names.push(label(cycle[0]));
        return Err(DraftError::Cycle(names.join(" → ")));
    }
    Ok(resolved)
}

/// One cycle among the new tasks (indices in dependency order), if any. Iterative DFS with
/// three colours, so a long chain cannot overflow the stack.
pub fn find_cycle(deps: &[Vec<Dependency>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let n = deps.len();
    let mut colour = vec![Colour::White; n];
    let mut parent = vec![usize::MAX; n];
    for start in 0..n {
        if colour[start] != Colour::White {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut stack = vec![(start, 0usize)];
        colour[start] = Colour::Grey;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let edge = deps[node][*next..]
                .iter()
                .position(|d| matches!(d, Dependency::New(_)));
            match edge {
                Some(offset) => {
                    let at = *next + offset;
                    *next = at + 1;
                    let Dependency::New(child) = deps[node][at] else {
                        continue;
                    };
                    match colour[child] {
                        Colour::White => {
                            colour[child] = Colour::Grey;
                            parent[child] = node;
                            stack.push((child, 0));
                        }
                        Colour::Grey => {
                            // node → … → child is on the stack: walk back from node.
                            let mut cycle = vec![node];
                            let mut at = node;
                            while at != child {
                                at = parent[at];
                                cycle.push(at);
                            }
                            cycle.reverse();
                            return Some(cycle);
                        }
                        Colour::Black => {}
                    }
                }
                None => {
                    colour[node] = Colour::Black;
                    stack.pop();
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(name: &str, depends: &[&str]) -> TaskDraft {
        TaskDraft {
            name: Some(name.into()),
            goal: format!("do {name}"),
            depends: depends.iter().map(|d| d.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn admission_table() {
        let board = Board::new();
        let cases: Vec<(Vec<TaskDraft>, Result<(), &str>)> = vec![
            (vec![draft("a", &[]), draft("b", &["a"])], Ok(())),
            (vec![], Err("the plan holds no task")),
            (
                vec![draft("a", &[]), draft("a", &[])],
                Err("task name \"a\" appears more than once in the plan"),
            ),
            (
                vec![draft("a", &["zz"])],
                Err("task a: unknown dependency \"zz\""),
            ),
            (vec![draft("a", &["a"])], Err("task a depends on itself")),
            (
                vec![draft("a", &["c"]), draft("b", &["a"]), draft("c", &["b"])],
                Err("dependency cycle: a → c → b → a"),
            ),
            (
                vec![draft("x", &[]), draft("a", &["b", "x"]), draft("b", &["a"])],
                Err("dependency cycle: a → b → a"),
            ),
        ];
        for (drafts, want) in cases {
            let got = resolve(&drafts, &board)
                .map(|_| ())
                .map_err(|e| e.to_string());
            assert_eq!(got, want.map_err(str::to_owned), "{drafts:?}");
        }
    }

    #[test]
    fn a_long_chain_is_no_cycle_and_does_not_overflow() {
        let n = 100_000;
        let deps: Vec<Vec<Dependency>> = (0..n)
            .map(|i| {
                if i == 0 {
                    vec![]
                } else {
                    vec![Dependency::New(i - 1)]
                }
            })
            .collect();
        assert_eq!(find_cycle(&deps), None);
        let mut looped = deps;
        looped[0] = vec![Dependency::New(n - 1)];
        assert_eq!(find_cycle(&looped).map(|c| c.len()), Some(n));
    }
}
