//! Bytes written by the first event schema, kept in `fixtures/codec/v1_events.bin`, must keep
//! decoding to the same events as the schema grows. The file also holds records shaped like a
//! newer writer's (an extra field, an unknown kind) and an older one's (missing fields).
//!
//! The fixture is written once (`SWITCHBOARD_BLESS_CODEC=1 cargo test --test codec_fixture`)
//! and never regenerated afterwards: that is the point of it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::path::PathBuf;

use switchboard::event::*;
use switchboard::ids::{Seq, SessionId, Timestamp};
use switchboard::store::{decode_event, encode_event};

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/codec/v1_events.bin")
}

/// One event of every kind the first schema had, as the first schema's code built them.
fn first_schema_events() -> Vec<EventKind> {
    vec![
        EventKind::SessionCreated(SessionCreated {
            kind: SessionKind::Pty,
            title: Some("build".into()),
            cwd: "/home/dev/project".into(),
            command: Some("cargo watch -x test".into()),
            model: None,
            owner: None,
        }),
        EventKind::SessionRenamed(SessionRenamed {
            title: "renamed ✓".into(),
        }),
        EventKind::SessionForked(SessionForked {
            parent: SessionId(0x0193_0000_0000_7000_8000_0000_0000_0042),
            at: Seq(17),
        }),
        EventKind::SessionClosed(SessionClosed {
            reason: Some("user".into()),
        }),
        EventKind::SessionInterrupted(SessionInterrupted {
            reason: "owner process 4242 is gone".into(),
        }),
        EventKind::SessionOwned(SessionOwned {
            pid: 4242,
            host: "devbox".into(),
            // Added after the first schema: first-schema bytes decode it as its default.
            started: 0,
        }),
        EventKind::SlotSpawned(SlotSpawned {
            command: "bash".into(),
            cwd: "/tmp".into(),
            cols: 120,
            rows: 40,
            pid: Some(99),
        }),
        EventKind::SlotExited(SlotExited {
            code: Some(3),
            signal: None,
            error: None,
        }),
        EventKind::SlotResized(SlotResized { cols: 80, rows: 24 }),
        EventKind::UserMessage(UserMessage {
            text: "fix the flaky test\nplease".into(),
        }),
        EventKind::TurnStarted(TurnStarted { turn: 2 }),
        EventKind::TurnEnded(TurnEnded {
            turn: 2,
            outcome: TurnOutcome::Interrupted,
            error: Some("esc".into()),
            commit: Some("0123abcd".into()),
        }),
        EventKind::ResponseStarted(ResponseStarted {
            model: "gpt-5".into(),
            attempt: 1,
        }),
        EventKind::ResponseDelta(ResponseDelta {
            channel: DeltaChannel::ReasoningSummary,
            item_id: Some("rs_1".into()),
            delta: "think".into(),
        }),
        EventKind::ResponseItemDone(ResponseItemDone {
            item: OutputItem::FunctionCall {
                id: Some("fc_1".into()),
                call_id: "call_1".into(),
                name: "shell".into(),
                arguments: "{\"command\":\"ls\"}".into(),
            },
        }),
        EventKind::ResponseItemDone(ResponseItemDone {
            item: OutputItem::Message {
                id: None,
                text: "done".into(),
                refusal: None,
            },
        }),
        EventKind::ResponseItemDone(ResponseItemDone {
            item: OutputItem::Reasoning {
                id: Some("rs_1".into()),
                summary: vec!["s".into()],
                encrypted_content: Some("enc".into()),
            },
        }),
        EventKind::ResponseCompleted(ResponseCompleted {
            response_id: Some("resp_1".into()),
            usage: Usage {
                input_tokens: 10,
                cached_tokens: 2,
                output_tokens: 5,
                reasoning_tokens: 1,
            },
            incomplete_reason: None,
        }),
        EventKind::ResponseFailed(ResponseFailed {
            code: Some("rate_limit_exceeded".into()),
            message: "slow down".into(),
        }),
        EventKind::ResponseRetrying(ResponseRetrying {
            attempt: 2,
            max_attempts: 5,
            delay_ms: 800,
            reason: "HTTP 500".into(),
        }),
        EventKind::ToolRequested(ToolRequested {
            call_id: "call_1".into(),
            name: "shell".into(),
            arguments: "{}".into(),
        }),
        EventKind::ToolApproved(ToolApproved {
            call_id: "call_1".into(),
            by: Decider::User,
            scope: ApprovalScope::Session,
        }),
        EventKind::ToolDenied(ToolDenied {
            call_id: "call_2".into(),
            by: Decider::Policy,
            reason: Some("exec".into()),
        }),
        EventKind::ToolStarted(ToolStarted {
            call_id: "call_1".into(),
            command: "ls".into(),
            cwd: "/tmp".into(),
        }),
        EventKind::ToolOutput(ToolOutput {
            call_id: "call_1".into(),
            bytes: vec![b'a', 0xff, 0x1b].into(),
        }),
        EventKind::ToolFinished(ToolFinished {
            call_id: "call_1".into(),
            exit_code: Some(0),
            duration_ms: 12,
            killed: None,
            // Added after the first schema: first-schema bytes decode it as its default.
            error: None,
        }),
        EventKind::PtyOutput(PtyOutput {
            bytes: b"\x1b[31mred\x1b[0m\r\n".to_vec().into(),
        }),
        EventKind::PtyInput(PtyInput {
            bytes: b"ls\r".to_vec().into(),
        }),
        EventKind::TaskState(TaskStateChanged {
            task: "t1".into(),
            state: TaskState::AwaitingApproval,
            note: None,
            // Added after the first schema: first-schema bytes decode them as their defaults.
            by: None,
            attempt: None,
        }),
    ]
}

fn handmade(tag: &str, body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = vec![1u8];
    rmp::encode::write_array_len(&mut out, 3).expect("encode");
    rmp::encode::write_sint(&mut out, 1_700_000_000_000_000).expect("encode");
    rmp::encode::write_str(&mut out, tag).expect("encode");
    body(&mut out);
    out
}

/// Records another version could have written.
fn other_versions() -> Vec<Vec<u8>> {
    vec![
        // A newer writer added a field to user.message.
        handmade("user.message", |out| {
            rmp::encode::write_map_len(out, 2).expect("encode");
            rmp::encode::write_str(out, "text").expect("encode");
            rmp::encode::write_str(out, "hi").expect("encode");
            rmp::encode::write_str(out, "attachments").expect("encode");
            rmp::encode::write_array_len(out, 1).expect("encode");
            rmp::encode::write_str(out, "a.png").expect("encode");
        }),
        // An older writer had no `command` or `model` in session.created.
        handmade("session.created", |out| {
            rmp::encode::write_map_len(out, 3).expect("encode");
            for (k, v) in [("kind", "agent"), ("title", "old"), ("cwd", "/old")] {
                rmp::encode::write_str(out, k).expect("encode");
                rmp::encode::write_str(out, v).expect("encode");
            }
        }),
        // A newer writer added a whole kind.
        handmade("review.requested", |out| {
            rmp::encode::write_map_len(out, 1).expect("encode");
            rmp::encode::write_str(out, "files").expect("encode");
            rmp::encode::write_u8(out, 3).expect("encode");
        }),
    ]
}

fn read_records(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (len, tail) = rest.split_at(4);
        let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
        out.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    out
}

#[test]
fn first_schema_bytes_still_decode() {
    let path = fixture_path();
    if std::env::var_os("SWITCHBOARD_BLESS_CODEC").is_some() && !path.exists() {
        let mut file = Vec::new();
        let kinds = first_schema_events();
        let records = kinds
            .iter()
            .map(|kind| encode_event(Timestamp(1_700_000_000_000_000), kind).expect("encode"))
            .chain(other_versions());
        for record in records {
            file.extend_from_slice(&(record.len() as u32).to_le_bytes());
            file.extend_from_slice(&record);
        }
        std::fs::write(&path, file).expect("write fixture");
    }
    let bytes = std::fs::read(&path)
        .expect("fixtures/codec/v1_events.bin is missing: it is committed, never regenerated");
    let records = read_records(&bytes);
    let expected = first_schema_events();
    assert_eq!(records.len(), expected.len() + other_versions().len());

    for (i, (record, kind)) in records.iter().zip(&expected).enumerate() {
        let event = decode_event(SessionId(1), Seq(i as u64 + 1), record).expect("decodes");
        assert_eq!(&event.kind, kind, "record {i}");
        assert_eq!(event.at, Timestamp(1_700_000_000_000_000));
    }

    let newer_field =
        decode_event(SessionId(1), Seq(1), &records[expected.len()]).expect("extra field");
    assert_eq!(
        newer_field.kind,
        EventKind::UserMessage(UserMessage { text: "hi".into() })
    );

    let older =
        decode_event(SessionId(1), Seq(1), &records[expected.len() + 1]).expect("missing fields");
    assert_eq!(
        older.kind,
        EventKind::SessionCreated(SessionCreated {
            kind: SessionKind::Agent,
            title: Some("old".into()),
            cwd: "/old".into(),
            command: None,
            model: None,
            owner: None,
        })
    );

    let unknown_record = &records[expected.len() + 2];
    let unknown = decode_event(SessionId(1), Seq(1), unknown_record).expect("unknown kind");
    match &unknown.kind {
        EventKind::Unknown(kind) => assert_eq!(kind.tag, "review.requested"),
        other => panic!("expected Unknown, got {other:?}"),
    }
    assert_eq!(unknown.kind.body_json(), serde_json::json!({"files": 3}));
    // Kept byte for byte: re-encoding gives back the stored record.
    assert_eq!(
        &encode_event(unknown.at, &unknown.kind).expect("encode"),
        unknown_record
    );
}

#[test]
fn every_known_kind_is_in_the_fixture_list() {
    let mut covered: Vec<String> = first_schema_events()
        .iter()
        .map(|k| k.tag().to_owned())
        .collect();
    covered.sort();
    covered.dedup();
    let mut known: Vec<String> = EventKind::KNOWN_TAGS
        .iter()
        .map(|t| t.to_string())
        .collect();
    known.sort();
    // Kinds added after the first schema are listed here as they come; every first-schema kind
    // must stay covered.
    let added_later: [&str; 13] = [
        "pty.screen",
        "session.worktree",
        "session.settings",
        "pty.dropped",
        "task.plan",
        "task.submitted",
        "task.attempt",
        "task.thread",
        "task.result",
        "task.validation",
        "task.patch",
        "conversation.compacted",
        "mcp.call",
    ];
    known.retain(|t| !added_later.contains(&t.as_str()));
    assert_eq!(covered, known);
}

/// Events large enough to be stored compressed (version byte 2: a zstd frame of the plain
/// body), as the first build that compressed wrote them.
fn compressed_events() -> Vec<EventKind> {
    let screenful: Vec<u8> = (0..200)
        .flat_map(|i| format!("\x1b[32mline {i}\x1b[0m: cargo test -- ok\r\n").into_bytes())
        .collect();
    vec![
        EventKind::PtyOutput(PtyOutput {
            bytes: screenful.clone().into(),
        }),
        EventKind::PtyOutput(PtyOutput {
            bytes: b"y\r\n".repeat(20_000).into(),
        }),
        EventKind::ToolOutput(ToolOutput {
            call_id: "call_1".into(),
            bytes: screenful.into(),
        }),
    ]
}

#[test]
fn compressed_records_still_decode() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/codec/v2_compressed.bin");
    if std::env::var_os("SWITCHBOARD_BLESS_CODEC").is_some() && !path.exists() {
        let mut file = Vec::new();
        for kind in compressed_events() {
            let record = encode_event(Timestamp(1_800_000_000_000_000), &kind).expect("encode");
            file.extend_from_slice(&(record.len() as u32).to_le_bytes());
            file.extend_from_slice(&record);
        }
        std::fs::write(&path, file).expect("write fixture");
    }
    let bytes = std::fs::read(&path)
        .expect("fixtures/codec/v2_compressed.bin is missing: it is committed, never regenerated");
    let records = read_records(&bytes);
    let expected = compressed_events();
    assert_eq!(records.len(), expected.len());
    for (i, (record, kind)) in records.iter().zip(&expected).enumerate() {
        assert_eq!(record[0], 2, "record {i} is stored compressed");
        let event = decode_event(SessionId(1), Seq(1), record).expect("decodes");
        assert_eq!(&event.kind, kind, "record {i}");
        assert_eq!(event.at, Timestamp(1_800_000_000_000_000));
    }
    // The plain first-schema records beside them keep their version byte.
    let plain = read_records(&std::fs::read(fixture_path()).expect("v1 fixture"));
    assert!(plain.iter().all(|r| r[0] == 1));
}
