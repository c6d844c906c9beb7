//! The tools' argument checks, as tables: what each refuses and how it says so.

use std::path::Path;

use serde_json::json;

use super::*;

fn parse<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[test]
fn unknown_and_mistyped_fields_are_refused_by_name() {
    let typo = parse::<SessionReply>(json!({"session_id": "0190", "prompt": "hi"})).unwrap_err();
    assert!(typo.contains("session_id"), "{typo}");
    let missing = parse::<SessionReply>(json!({"prompt": "hi"})).unwrap_err();
    assert!(missing.contains("session"), "{missing}");
    let wrong = parse::<SessionList>(json!({"limit": "ten"})).unwrap_err();
    assert!(wrong.contains("invalid type"), "{wrong}");
    let negative = parse::<SessionFork>(json!({"session": "01", "turn": -1})).unwrap_err();
    assert!(negative.contains("invalid value"), "{negative}");
    // Optional fields may be left out, or null.
    let list: SessionList = parse(json!({"query": null})).unwrap();
    assert!(list.query.is_none());
    let start: SessionStart = parse(json!({"prompt": "go"})).unwrap();
    assert!(!start.worktree && start.cwd.is_none());
}

#[test]
fn prompts_and_ids_are_checked_before_anything_is_asked() {
    assert_eq!(prompt("do it").unwrap(), "do it");
    for empty in ["", "   ", "\n\t"] {
        assert!(prompt(empty).unwrap_err().0.contains("`prompt` is empty"));
    }
    assert_eq!(session_id(" 01a2-29c0 ").unwrap(), "01a2-29c0");
    for bad in ["", "not-hex", "01a2 29c0", &"0".repeat(40)] {
        let error = session_id(bad).unwrap_err().0;
        assert!(error.contains("is not a session id"), "{bad:?}: {error}");
    }
    assert_eq!(task_id(" build ").unwrap(), "build");
    assert!(task_id("  ").is_err());
}

#[test]
fn directories_resolve_against_where_mcp_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    assert_eq!(directory("cwd", None, dir.path()).unwrap(), dir.path());
    assert_eq!(directory("cwd", Some(" "), dir.path()).unwrap(), dir.path());
    assert_eq!(
        directory("cwd", Some("sub"), dir.path()).unwrap(),
        dir.path().join("sub")
    );
    let absolute = dir.path().join("sub").display().to_string();
    assert_eq!(
        directory("cwd", Some(&absolute), Path::new("/")).unwrap(),
        dir.path().join("sub")
    );
    let error = directory("repo", Some("missing"), dir.path())
        .unwrap_err()
        .0;
    assert!(
        error.starts_with("`repo` ") && error.ends_with("is not a directory"),
        "{error}"
    );
}

#[test]
fn list_filters() {
    let filter = SessionList::default().filter().unwrap();
    assert_eq!(filter.limit, DEFAULT_LIST as usize);
    assert_eq!(
        (filter.query, filter.cwd, filter.status),
        (None, None, None)
    );
    let filter = SessionList {
        query: Some(" Fix ".into()),
        cwd: Some("/work".into()),
        status: Some("Idle".into()),
        limit: Some(5),
    }
    .filter()
    .unwrap();
    assert_eq!(filter.query.as_deref(), Some("fix"));
    assert_eq!(filter.status, Some(SessionStatus::Idle));
    assert_eq!(filter.limit, 5);
    for (list, wanted) in [
        (
            SessionList {
                status: Some("sleeping".into()),
                ..Default::default()
            },
            "unknown `status` \"sleeping\": use new, running, idle",
        ),
        (
            SessionList {
                limit: Some(0),
                ..Default::default()
            },
            "`limit` 0 is out of range: 1 to 200",
        ),
        (
            SessionList {
                limit: Some(MAX_LIST + 1),
                ..Default::default()
            },
            "`limit` 201 is out of range",
        ),
    ] {
        let error = list.filter().unwrap_err().0;
        assert!(error.contains(wanted), "{error}");
    }
}

#[test]
fn filters_match_title_id_cwd_and_status() {
    let id = crate::ids::SessionId::new();
    let state = crate::session::SessionState {
        title: Some("Fix the parser".into()),
        cwd: "/work/project".into(),
        status: SessionStatus::Idle,
        ..Default::default()
    };
    let meta = crate::store::SessionMeta::project(id, &state);
    let accepts = |list: SessionList| list.filter().unwrap().accepts(&meta);
    assert!(accepts(SessionList::default()));
    assert!(accepts(SessionList {
        query: Some("PARSER".into()),
        ..Default::default()
    }));
    let prefix = id.to_string()[..8].to_owned();
    assert!(accepts(SessionList {
        query: Some(prefix),
        ..Default::default()
    }));
    assert!(!accepts(SessionList {
        query: Some("lexer".into()),
        ..Default::default()
    }));
    assert!(accepts(SessionList {
        cwd: Some("project".into()),
        status: Some("idle".into()),
        ..Default::default()
    }));
    assert!(!accepts(SessionList {
        status: Some("running".into()),
        ..Default::default()
    }));
}

#[test]
fn forks_take_a_turn_or_an_event_not_both() {
    let fork = |turn, at| SessionFork {
        session: "01a2".into(),
        turn,
        at,
    };
    let lookup = fork(Some(2), None).lookup().unwrap();
    assert_eq!(
        (lookup.id.as_deref(), lookup.turn, lookup.at),
        (Some("01a2"), Some(2), None)
    );
    assert!(!lookup.last);
    assert_eq!(fork(None, Some(9)).lookup().unwrap().at, Some(9));
    for (turn, at, wanted) in [
        (Some(1), Some(3), "not both"),
        (Some(0), None, "`turn` counts from 1"),
        (None, Some(0), "`at` counts from 1"),
    ] {
        let error = fork(turn, at).lookup().unwrap_err().0;
        assert!(error.contains(wanted), "{error}");
    }
}

#[test]
fn task_arguments() {
    assert_eq!(TaskList::default().state().unwrap(), None);
    let state = TaskList {
        state: Some("awaiting-approval".into()),
    };
    assert_eq!(state.state().unwrap(), Some(TaskState::AwaitingApproval));
    let error = TaskList {
        state: Some("done".into()),
    }
    .state()
    .unwrap_err()
    .0;
    assert!(error.contains("unknown `state` \"done\""), "{error}");
    let reject = |reason: &str| TaskReject {
        id: "t".into(),
        reason: reason.into(),
    };
    assert_eq!(reject(" flaky ").reason().unwrap(), "flaky");
    assert!(reject(" ").reason().is_err());
    let evidence = |file: Option<&str>| TaskEvidence {
        id: "t".into(),
        attempt: None,
        file: file.map(str::to_owned),
    };
    assert_eq!(evidence(None).file().unwrap(), None);
    assert_eq!(
        evidence(Some("patch.diff")).file().unwrap().as_deref(),
        Some("patch.diff")
    );
    for bad in ["../etc/passwd", "a/b", ".."] {
        assert!(evidence(Some(bad)).file().is_err(), "{bad}");
    }
}

#[test]
fn submissions_are_one_goal_or_one_plan() {
    let dir = tempfile::tempdir().unwrap();
    let submit = TaskSubmit {
        goal: Some("make test".into()),
        executor: Some("shell".into()),
        validations: vec!["test -f out".into()],
        timeout: Some("90s".into()),
        attempts: Some(3),
        gate: true,
        ..Default::default()
    };
    let request = submit.request(dir.path()).unwrap();
    let [draft] = request.tasks.as_slice() else {
        panic!("one task: {request:?}");
    };
    assert_eq!(draft.goal, "make test");
    assert_eq!(draft.executor.as_deref(), Some("shell"));
    assert_eq!(draft.timeout_ms, Some(90_000));
    assert_eq!(
        draft.repo.as_deref(),
        Some(dir.path().display().to_string().as_str())
    );
    assert!(draft.gate && request.plan.is_none());

    let plan = "[[task]]\nname = \"a\"\ngoal = \"true\"\nexecutor = \"shell\"\n\n[[task]]\nname = \"b\"\ngoal = \"true\"\nexecutor = \"shell\"\ndepends = [\"a\"]\n";
    let request = TaskSubmit {
        plan: Some(plan.into()),
        ..Default::default()
    }
    .request(dir.path())
    .unwrap();
    assert_eq!(request.tasks.len(), 2);
    assert_eq!(request.plan.as_ref().map(|p| p.text.as_str()), Some(plan));

    for (submit, wanted) in [
        (TaskSubmit::default(), "give `goal` (one task) or `plan`"),
        (
            TaskSubmit {
                goal: Some("a".into()),
                plan: Some(plan.into()),
                ..Default::default()
            },
            "not both",
        ),
        (
            TaskSubmit {
                plan: Some(plan.into()),
                gate: true,
                ..Default::default()
            },
            "a `plan` carries its own task fields",
        ),
        (
            TaskSubmit {
                plan: Some("[[task]]\nname = \"a\"\ngoal = \"x\"\nbogus = 1\n".into()),
                ..Default::default()
            },
            "bogus",
        ),
        (
            TaskSubmit {
                goal: Some("a".into()),
                executor: Some("two words".into()),
                ..Default::default()
            },
            "unknown executor",
        ),
        (
            TaskSubmit {
                goal: Some("a".into()),
                approval: Some("sometimes".into()),
                ..Default::default()
            },
            "unknown approval policy",
        ),
        (
            TaskSubmit {
                goal: Some("a".into()),
                timeout: Some("soon".into()),
                ..Default::default()
            },
            "is not a duration",
        ),
        (
            TaskSubmit {
                goal: Some("a".into()),
                attempts: Some(0),
                ..Default::default()
            },
            "`attempts` must be at least 1",
        ),
        (
            TaskSubmit {
                goal: Some("a".into()),
                repo: Some("nowhere".into()),
                ..Default::default()
            },
            "`repo`",
        ),
    ] {
        let error = submit.request(dir.path()).unwrap_err().0;
        assert!(error.contains(wanted), "{wanted}: {error}");
    }
}

#[test]
fn schemas_describe_every_argument() {
    let schema = rmcp::schemars::schema_for!(TaskSubmit);
    let properties = schema
        .as_object()
        .and_then(|o| o.get("properties"))
        .and_then(|p| p.as_object())
        .unwrap();
    for (name, property) in properties {
        assert!(
            property.get("description").is_some(),
            "`{name}` has no description for a model to read"
        );
    }
    assert_eq!(
        schema
            .as_object()
            .and_then(|o| o.get("additionalProperties")),
        Some(&json!(false))
    );
}
