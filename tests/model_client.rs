#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The streaming client against the scripted provider: real HTTP over 127.0.0.1, real SSE,
//! scenarios from `fixtures/scenarios/`. Backoff waits are recorded, not slept, so tests assert
//! on the delays the client asked for, never on the clock.

#[path = "support/model.rs"]
mod model_support;

use std::time::Duration;

use model_support::{Harness, TEST_KEY, WAIT, collect, scenario};
use serde_json::json;
use switchboard::event::OutputItem;
use switchboard::model::{
    Conversation, InputItem, ModelError, ResponseEvent, ResponsesRequest, ShellArgs, StreamUpdate,
    Tool,
};

fn request(conversation: &Conversation) -> ResponsesRequest<'static> {
    ResponsesRequest::new("test-model", conversation.items().to_vec())
        .with_instructions("You are a test.")
        .with_tools(vec![Tool::shell()])
}

fn ask(text: &str) -> ResponsesRequest<'static> {
    let mut conversation = Conversation::new();
    conversation.push_user(text);
    request(&conversation)
}

#[tokio::test]
async fn text_streams_and_the_request_is_well_formed() {
    let harness = Harness::start(scenario("text")).await;
    let outcome = collect(harness.client.stream(&ask("hello"))).await;
    assert_eq!(outcome.error, None);
    assert_eq!(
        outcome.text(),
        "Hello from the scripted provider. It streams one word at a time."
    );
    assert!(
        outcome
            .events
            .iter()
            .filter(|e| e.delta().is_some())
            .count()
            > 5
    );
    let Some(ResponseEvent::Completed(info)) = outcome.last_event() else {
        panic!("{:?}", outcome.log)
    };
    assert!(info.usage.unwrap().output_tokens > 0);

    let requests = harness.provider.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].authorized);
    assert_eq!(requests[0].path, "/v1/responses");
    let body = &requests[0].body;
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["instructions"], "You are a test.");
    assert_eq!(body["stream"], true);
    assert_eq!(body["store"], false);
    assert_eq!(body["include"], json!(["reasoning.encrypted_content"]));
    assert_eq!(body["tools"][0]["name"], "shell");
    assert_eq!(
        body["input"],
        json!([{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello"}]}])
    );
}

#[tokio::test]
async fn unicode_split_inside_characters_arrives_intact() {
    let harness = Harness::start(scenario("unicode_split")).await;
    let outcome = collect(harness.client.stream(&ask("unicode"))).await;
    assert_eq!(outcome.error, None);
    assert_eq!(outcome.text(), "Grüße, 世界! 🎉 naïve café — ✓ done");
}

#[tokio::test]
async fn tool_round_trip_sends_the_output_back_with_the_call_id() {
    let harness = Harness::start(scenario("tool_round_trip")).await;
    let mut conversation = Conversation::new();
    conversation.push_user("run echo");
    let first = collect(harness.client.stream(&request(&conversation))).await;
    assert_eq!(first.error, None);
    let items = first.items();
    assert_eq!(items.len(), 3, "{:?}", first.log);
    let OutputItem::FunctionCall {
        call_id, arguments, ..
    } = &items[2]
    else {
        panic!("{items:?}")
    };
    assert_eq!(call_id, "call_echo");
    assert_eq!(ShellArgs::parse(arguments).unwrap().command, "echo hi");
    for item in &items {
        conversation.push_output(item);
    }
    conversation.push_tool_output(call_id.clone(), "hi\n");

    let second = collect(harness.client.stream(&request(&conversation))).await;
    assert_eq!(second.error, None);
    assert_eq!(second.text(), "The command printed: hi");

    let input = harness.request_body(1)["input"].clone();
    assert_eq!(
        input,
        json!([
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "run echo"}]},
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Checking what the shell says."}], "encrypted_content": "enc-round-trip"},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Let me run that."}]},
            {"type": "function_call", "call_id": "call_echo", "name": "shell", "arguments": "{\"command\":\"echo hi\"}"},
            {"type": "function_call_output", "call_id": "call_echo", "output": "hi\n"}
        ])
    );
}

#[tokio::test]
async fn two_calls_in_one_response_both_arrive() {
    let harness = Harness::start(scenario("two_calls")).await;
    let outcome = collect(harness.client.stream(&ask("look around"))).await;
    assert_eq!(outcome.error, None);
    let calls: Vec<(String, ShellArgs)> = outcome
        .items()
        .into_iter()
        .map(|item| match item {
            OutputItem::FunctionCall {
                call_id, arguments, ..
            } => (call_id, ShellArgs::parse(&arguments).unwrap()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(calls.len(), 2);
    assert_ne!(calls[0].0, calls[1].0, "call ids are distinct");
    assert_eq!(calls[0].1.command, "ls -la");
    assert_eq!(calls[1].1.workdir.as_deref(), Some("src"));
    assert_eq!(calls[1].1.timeout_ms, Some(5000));
}

#[tokio::test]
async fn server_errors_are_retried_honouring_retry_after() {
    let harness = Harness::start_with(scenario("retry_then_success"), |s| {
        s.retry.base_delay = Duration::from_millis(100);
    })
    .await;
    let outcome = collect(harness.client.stream(&ask("hi"))).await;
    assert_eq!(outcome.error, None, "{:?}", outcome.log);
    assert_eq!(outcome.text(), "Third time lucky.");
    assert_eq!(outcome.retries.len(), 2);
    let (attempt, max, backoff, reason) = &outcome.retries[0];
    assert_eq!((*attempt, *max), (2, 5));
    assert!(reason.contains("HTTP 500"), "{reason}");
    assert!(
        (Duration::from_millis(80)..=Duration::from_millis(120)).contains(backoff),
        "{backoff:?}"
    );
    let (attempt, _, delay, reason) = &outcome.retries[1];
    assert_eq!(*attempt, 3);
    assert!(
        reason.contains("429") && reason.contains("rate_limit_exceeded"),
        "{reason}"
    );
    assert_eq!(
        *delay,
        Duration::from_secs(2),
        "retry-after is the requested delay"
    );
    assert_eq!(
        harness.delays.taken(),
        vec![*backoff, Duration::from_secs(2)]
    );
    assert_eq!(harness.provider.requests().len(), 3);
    assert_eq!(
        outcome.log[0], "retrying 2/5",
        "notices come before the events"
    );
}

#[tokio::test]
async fn cut_streams_are_retried_without_duplicating_text() {
    let harness = Harness::start(scenario("cut_then_success")).await;
    let outcome = collect(harness.client.stream(&ask("fox"))).await;
    assert_eq!(outcome.error, None, "{:?}", outcome.log);
    let reasons: Vec<&str> = outcome.retries.iter().map(|r| r.3.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].contains("ended before"), "{reasons:?}");
    assert!(reasons[1].contains("connection"), "{reasons:?}");
    let full = "The quick brown fox jumps over the lazy dog, then naps in the warm afternoon sun.";
    assert_eq!(outcome.text(), full);
    let count = |prefix: &str| outcome.log.iter().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("item.added"), 1, "{:?}", outcome.log);
    assert_eq!(count("part.added"), 1);
    assert_eq!(count("item.done"), 1);
    assert_eq!(
        count("created"),
        3,
        "each attempt's response.created passes"
    );
    assert_eq!(outcome.items().len(), 1);
}

#[tokio::test]
async fn response_failed_ends_the_stream_with_its_code_and_message() {
    let harness = Harness::start(scenario("failed")).await;
    let outcome = collect(harness.client.stream(&ask("x"))).await;
    assert_eq!(outcome.text(), "Partial answer");
    assert!(outcome.retries.is_empty());
    assert_eq!(
        outcome.error,
        Some(ModelError::ResponseFailed {
            code: Some("server_error".into()),
            message: "The model crashed while answering.".into()
        })
    );
}

#[tokio::test]
async fn error_event_ends_the_stream() {
    let harness = Harness::start(scenario("error")).await;
    let outcome = collect(harness.client.stream(&ask("x"))).await;
    let Some(ModelError::Api(error)) = &outcome.error else {
        panic!("{:?}", outcome.log)
    };
    assert_eq!(error.code.as_deref(), Some("context_length_exceeded"));
    assert_eq!(error.param.as_deref(), Some("input"));
    assert!(
        outcome
            .error
            .as_ref()
            .unwrap()
            .to_string()
            .contains("context window")
    );
    assert_eq!(harness.provider.requests().len(), 1);
}

#[tokio::test]
async fn incomplete_is_a_normal_end_with_its_reason() {
    let harness = Harness::start(scenario("incomplete")).await;
    let outcome = collect(harness.client.stream(&ask("x"))).await;
    assert_eq!(outcome.error, None);
    let Some(ResponseEvent::Incomplete(info)) = outcome.last_event() else {
        panic!("{:?}", outcome.log)
    };
    assert_eq!(info.incomplete_reason.as_deref(), Some("max_output_tokens"));
    assert_eq!(outcome.text(), "This answer runs out of");
}

#[tokio::test]
async fn idle_stream_times_out_and_is_retried() {
    let harness = Harness::start_with(scenario("idle_stall"), |s| {
        s.idle_timeout = Duration::from_millis(300);
    })
    .await;
    let outcome = collect(harness.client.stream(&ask("x"))).await;
    assert_eq!(outcome.error, None, "{:?}", outcome.log);
    assert_eq!(outcome.retries.len(), 1);
    assert!(
        outcome.retries[0].3.contains("idle"),
        "{:?}",
        outcome.retries
    );
    assert_eq!(outcome.text(), "I go quiet here, then come back.");
    assert_eq!(outcome.items().len(), 1);
    tokio::time::timeout(WAIT, harness.provider.wait_for_disconnects(1))
        .await
        .unwrap();
}

#[tokio::test]
async fn idle_timeout_is_an_error_when_attempts_run_out() {
    let harness = Harness::start_with(scenario("idle_stall"), |s| {
        s.idle_timeout = Duration::from_millis(200);
        s.retry.max_attempts = 1;
    })
    .await;
    let outcome = collect(harness.client.stream(&ask("x"))).await;
    assert_eq!(
        outcome.error,
        Some(ModelError::IdleTimeout(Duration::from_millis(200)))
    );
}

#[tokio::test]
async fn dropping_the_stream_cancels_the_request() {
    let harness = Harness::start(scenario("idle_stall")).await;
    let mut stream = harness.client.stream(&ask("x"));
    let first_delta = async {
        loop {
            match stream.next_update().await {
                Some(Ok(StreamUpdate::Event(event))) if event.delta().is_some() => return,
                Some(Ok(_)) => {}
                other => panic!("stream ended early: {other:?}"),
            }
        }
    };
    tokio::time::timeout(WAIT, first_delta).await.unwrap();
    assert_eq!(harness.provider.disconnects(), 0);
    drop(stream);
    tokio::time::timeout(WAIT, harness.provider.wait_for_disconnects(1))
        .await
        .expect("the server saw the connection close");
    assert_eq!(
        harness.provider.requests().len(),
        1,
        "no retry after a cancel"
    );
}

#[tokio::test]
async fn unauthorized_is_not_retried_and_never_shows_the_key() {
    let harness = Harness::start(scenario("unauthorized")).await;
    let outcome = collect(harness.client.stream(&ask("x"))).await;
    assert!(outcome.retries.is_empty());
    assert_eq!(harness.provider.requests().len(), 1);
    let err = outcome.error.unwrap();
    assert!(
        matches!(err, ModelError::Http { status: 401, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("Incorrect API key provided"), "{text}");
    assert!(text.contains("invalid_api_key"), "{text}");
    assert!(!text.contains(TEST_KEY), "{text}");
    assert!(!format!("{err:?}").contains(TEST_KEY));
}

#[tokio::test]
async fn the_key_never_appears_in_any_error() {
    let mut errors: Vec<ModelError> = Vec::new();
    for (name, attempts) in [
        ("unauthorized", 5),
        ("retry_then_success", 2),
        ("failed", 5),
        ("error", 5),
        ("idle_stall", 1),
        ("text", 5),
    ] {
        let harness = Harness::start_with(scenario(name), |s| {
            s.retry.max_attempts = attempts;
            s.idle_timeout = Duration::from_millis(200);
        })
        .await;
        let mut input = Conversation::new();
        input.push(InputItem::developer(format!("the key is {TEST_KEY}")));
        let outcome = collect(harness.client.stream(&request(&input))).await;
        // `text` has one scripted reply: the second request is refused by the provider.
        let second = collect(harness.client.stream(&request(&input))).await;
        errors.extend(outcome.error);
        errors.extend(second.error);
        for (_, _, _, reason) in outcome.retries {
            assert!(!reason.contains(TEST_KEY), "{reason}");
        }
    }
    // Nothing listens on a port we just released: a connection error, retried once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut settings =
        switchboard::model::ModelSettings::local(format!("http://127.0.0.1:{port}/v1"), TEST_KEY);
    settings.retry.max_attempts = 2;
    let delays = model_support::Delays::default();
    let client =
        switchboard::model::ResponsesClient::with_sleeper(settings, delays.sleeper()).unwrap();
    errors.extend(collect(client.stream(&ask("x"))).await.error);
    assert!(format!("{client:?}").find(TEST_KEY).is_none());

    assert!(errors.len() >= 8, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| matches!(e, ModelError::GaveUp { .. }))
    );
    for err in &errors {
        let shown = format!("{err} / {err:?}");
        assert!(!shown.contains(TEST_KEY), "{shown}");
    }
}

#[tokio::test]
async fn a_sequence_that_runs_out_answers_400_not_retried() {
    let harness = Harness::start(scenario("text")).await;
    collect(harness.client.stream(&ask("one"))).await;
    let outcome = collect(harness.client.stream(&ask("two"))).await;
    let err = outcome.error.unwrap();
    assert!(err.to_string().contains("no reply for request #2"), "{err}");
    assert!(outcome.retries.is_empty());
}
