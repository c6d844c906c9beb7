//! Plan files: several tasks in one TOML file, dependencies by name, admitted all or nothing.
//! Unknown keys are errors (with the line), so a typo never silently changes a plan. The
//! format is documented in `docs/TASKS.md`.
//!
//! ```toml
//! name = "release"            # optional
//! repo = "."                  # default for every task; relative to the plan file
//! executor = "shell"          # default executor (else native)
//!
//! [[task]]
//! name = "build"
//! goal = "cargo build"
//! validations = ["test -x target/debug/app"]
//!
//! [[task]]
//! name = "docs"
//! goal = "write the docs"
//! depends = ["build"]
//! gate = true
//! ```

use std::path::Path;

use serde::Deserialize;

use super::draft::{DraftError, TaskDraft, parse_duration};

/// A parsed plan: its name and its tasks, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub name: Option<String>,
    pub tasks: Vec<TaskDraft>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    name: Option<String>,
    repo: Option<String>,
    base: Option<String>,
    executor: Option<String>,
    approval: Option<String>,
    timeout: Option<String>,
    attempts: Option<u32>,
    max_running: Option<u32>,
    #[serde(default)]
    task: Vec<TaskEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskEntry {
    name: String,
    goal: String,
    title: Option<String>,
    executor: Option<String>,
    #[serde(default)]
    validations: Vec<String>,
    /// One validation (the singular spelling of `validations`).
    validation: Option<String>,
    #[serde(default)]
    depends: Vec<String>,
    repo: Option<String>,
    base: Option<String>,
    timeout: Option<String>,
    attempts: Option<u32>,
    #[serde(default)]
    gate: bool,
    approval: Option<String>,
    #[serde(default)]
    priority: i32,
    #[serde(default)]
    labels: Vec<String>,
    acceptance: Option<String>,
}

/// Parses a plan; relative `repo` paths are taken from `dir` (the plan file's directory).
pub fn parse(text: &str, dir: &Path) -> Result<Plan, DraftError> {
    let file: PlanFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().lines().next().unwrap_or("invalid").to_owned();
        DraftError::Plan(match line {
            Some(line) => format!("plan line {line}: {message}"),
            None => format!("plan: {message}"),
        })
    })?;
    if file.task.is_empty() {
        return Err(DraftError::EmptyPlan);
    }
    let resolve = |repo: &str| {
        let path = Path::new(repo);
        if path.is_absolute() {
            path.display().to_string()
        } else {
            dir.join(path).display().to_string()
        }
    };
    let default_timeout = file.timeout.as_deref().map(parse_duration).transpose()?;
    let mut tasks = Vec::with_capacity(file.task.len());
    for entry in file.task {
        if entry.name.trim().is_empty() {
            return Err(DraftError::Plan("a task has an empty name".into()));
        }
        if entry.goal.trim().is_empty() {
            return Err(DraftError::EmptyGoal(entry.name));
        }
        let timeout = match entry.timeout.as_deref() {
            Some(text) => Some(parse_duration(text)?),
            None => default_timeout,
        };
        let mut validations = entry.validations;
        validations.extend(entry.validation);
        tasks.push(TaskDraft {
            name: Some(entry.name),
            title: entry.title,
            goal: entry.goal,
            executor: entry.executor.or_else(|| file.executor.clone()),
            validations,
            depends: entry.depends,
            repo: entry
                .repo
                .or_else(|| file.repo.clone())
                .map(|r| resolve(&r))
                .or_else(|| Some(dir.display().to_string())),
            base: entry.base.or_else(|| file.base.clone()),
            timeout_ms: timeout.map(|d| d.as_millis() as u64),
            attempts: entry.attempts.or(file.attempts),
            gate: entry.gate,
            approval: entry.approval.or_else(|| file.approval.clone()),
            priority: entry.priority,
            labels: entry.labels,
            acceptance: entry.acceptance,
            max_running: file.max_running,
        });
    }
    Ok(Plan {
        name: file.name,
        tasks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_plan_parses_with_defaults() {
        let text = r#"
name = "p"
repo = "sub"
executor = "shell"
timeout = "2m"

[[task]]
name = "a"
goal = "true"
validation = "test -f x"

[[task]]
name = "b"
goal = "echo b"
depends = ["a"]
executor = "native"
gate = true
timeout = "5s"
"#;
        let plan = parse(text, Path::new("/r")).unwrap();
        assert_eq!(plan.name.as_deref(), Some("p"));
        assert_eq!(plan.tasks.len(), 2);
        let a = &plan.tasks[0];
        assert_eq!(a.repo.as_deref(), Some("/r/sub"));
        assert_eq!(a.executor.as_deref(), Some("shell"));
        assert_eq!(a.validations, vec!["test -f x"]);
        assert_eq!(a.timeout_ms, Some(120_000));
        let b = &plan.tasks[1];
        assert_eq!(b.executor.as_deref(), Some("native"));
        assert!(b.gate);
        assert_eq!(b.depends, vec!["a"]);
        assert_eq!(b.timeout_ms, Some(5_000));
    }

    #[test]
    fn bad_plans_are_one_line_errors() {
        let cases = [
            (
                "[[task]]\nname = \"a\"\ngoal = \"x\"\nbogus = 1\n",
                "plan line 4",
            ),
            ("name = \"p\"\n", "the plan holds no task"),
            ("[[task]]\nname = \"a\"\ngoal = \"\"\n", "the goal is empty"),
            ("[[task]]\nname = \"a\"\n", "missing field `goal`"),
            (
                "[[task]]\nname = \"a\"\ngoal = \"x\"\ntimeout = \"soon\"\n",
                "not a duration",
            ),
            ("this is not toml", "plan line 1"),
        ];
        for (text, want) in cases {
            let err = parse(text, Path::new("/")).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    fn name() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9_]{0,8}"
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(text in ".{0,400}") {
            let _ = parse(&text, Path::new("/"));
        }

        #[test]
        fn generated_plans_round_trip(
            tasks in proptest::collection::vec(
                (name(), "[ -~]{1,30}", proptest::collection::vec("[ -~]{1,20}", 0..3),
                 any::<bool>(), -5i32..5),
                1..12,
            )
        ) {
            let mut text = String::new();
            for (i, (name, goal, validations, gate, priority)) in tasks.iter().enumerate() {
                text.push_str("[[task]]\n");
                text.push_str(&format!("name = {}\n", toml_string(&format!("{name}{i}"))));
                text.push_str(&format!("goal = {}\n", toml_string(goal)));
                let list: Vec<String> = validations.iter().map(|v| toml_string(v)).collect();
                text.push_str(&format!("validations = [{}]\n", list.join(", ")));
                text.push_str(&format!("gate = {gate}\npriority = {priority}\n"));
                if i > 0 {
                    text.push_str(&format!("depends = [{}]\n", toml_string(&format!("{}{}", tasks[i - 1].0, i - 1))));
                }
            }
            let goals_ok = tasks.iter().all(|t| !t.1.trim().is_empty());
            match parse(&text, Path::new("/")) {
                Ok(plan) => {
                    prop_assert!(goals_ok);
                    prop_assert_eq!(plan.tasks.len(), tasks.len());
                    for (i, (draft, (name, goal, validations, gate, priority))) in plan.tasks.iter().zip(&tasks).enumerate() {
                        let want_name = format!("{name}{i}");
                        prop_assert_eq!(draft.name.as_deref(), Some(want_name.as_str()));
                        prop_assert_eq!(&draft.goal, goal);
                        prop_assert_eq!(&draft.validations, validations);
                        prop_assert_eq!(draft.gate, *gate);
                        prop_assert_eq!(draft.priority, *priority);
                    }
                }
                Err(err) => prop_assert!(!goals_ok, "{err}"),
            }
        }
    }

    fn toml_string(text: &str) -> String {
        toml::Value::String(text.to_owned()).to_string()
    }
}
