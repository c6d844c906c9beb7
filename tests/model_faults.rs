#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The client on a hostile network: garbled and truncated events, rate limits with
//! `retry-after`, and what a retry sends. Real HTTP over 127.0.0.1 against the scripted
//! provider; backoff waits are recorded, not slept.

#[path = "support/model.rs"]
mod model_support;

use std::time::Duration;

use model_support::{Harness, Outcome, collect, scenario};
use switchboard::event::OutputItem;
use switchboard::model::stream::StreamError;
use switchboard::model::{Conversation, ModelError, ResponsesRequest, ShellArgs, Tool};

fn ask(text: &str) -> ResponsesRequest<'static> {
    let mut conversation = Conversation::new();
    conversation.push_user(text);
    ResponsesRequest::new("test-model", conversation.items().to_vec())
        .with_tools(vec![Tool::shell()])
        .with_prompt_cache_key("session-under-test")
}

/// How many events of a kind the consumer saw (`item.added`, `item.done`, …).
fn count(outcome: &Outcome, prefix: &str) -> usize {
    outcome.log.iter().filter(|l| l.starts_with(prefix)).count()
}

/// The function call arguments as the consumer assembled them from deltas.
fn arguments(outcome: &Outcome) -> String {
    outcome
        .events
        .iter()
        .filter_map(|e| e.delta())
        .filter(|d| d.channel == switchboard::event::DeltaChannel::Arguments)
        .map(|d| d.text)
        .collect()
}

#[tokio::test]
async fn a_malformed_event_is_retried_without_repeating_what_was_shown() {
    let harness = Harness::start(scenario("malformed_then_success")).await;
    let outcome = collect(harness.client.stream(&ask("fox"))).await;
    assert_eq!(outcome.error, None, "{:?}", outcome.log);
    assert_eq!(outcome.retries.len(), 1, "{:?}", outcome.log);
    let reason = &outcome.retries[0].3;
    assert!(
        reason.contains("malformed `response.function_call_arguments.delta` event"),
        "{reason}"
    );
    // Everything before the garbled event was delivered once; the retry adds only the rest.
    assert_eq!(
        outcome.text(),
        "The quick brown fox jumps over the lazy dog, then naps in the warm sun."
    );
    assert_eq!(arguments(&outcome), r#"{"command":"ls -la"}"#);
    assert_eq!(count(&outcome, "item.added"), 2, "{:?}", outcome.log);
    assert_eq!(count(&outcome, "item.done"), 2, "{:?}", outcome.log);
    let items = outcome.items();
    let OutputItem::FunctionCall {
        call_id, arguments, ..
    } = &items[1]
    else {
        panic!("{items:?}")
    };
    assert_eq!(call_id, "call_ls");
    assert_eq!(ShellArgs::parse(arguments).unwrap().command, "ls -la");
    // The message finished in the first attempt: its notice is the only one the retry had.
    let retry_at = outcome
        .log
        .iter()
        .position(|l| l.starts_with("retrying"))
        .unwrap();
    let first_done = outcome
        .log
        .iter()
        .position(|l| l.starts_with("item.done"))
        .unwrap();
    assert!(first_done < retry_at, "{:?}", outcome.log);
    assert_eq!(harness.provider.requests().len(), 2);
    // The ordinary backoff of this request: 500 ms for the first retry, jittered ±20 %.
    let delays = harness.delays.taken();
    assert_eq!(delays.len(), 1);
    assert!(
        (Duration::from_millis(400)..=Duration::from_millis(600)).contains(&delays[0]),
        "{delays:?}"
    );
}

#[tokio::test]
async fn truncated_events_are_retried_without_repeating_what_was_shown() {
    let harness = Harness::start(scenario("truncated_event_then_success")).await;
    let outcome = collect(harness.client.stream(&ask("net"))).await;
    assert_eq!(outcome.error, None, "{:?}", outcome.log);
    let reasons: Vec<&str> = outcome.retries.iter().map(|r| r.3.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    // A frame whose JSON was cut, then a body that stopped in the middle of an event.
    assert!(
        reasons[0].contains("malformed `response.output_text.delta` event")
            && reasons[0].contains("EOF while parsing"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("ended before"), "{reasons:?}");
    assert_eq!(
        outcome.text(),
        "Grüße aus dem Netz: every character arrives once, in order. ✓"
    );
    assert_eq!(count(&outcome, "item.added"), 1);
    assert_eq!(count(&outcome, "part.added"), 1);
    assert_eq!(count(&outcome, "item.done"), 1);
    assert_eq!(
        count(&outcome, "created"),
        3,
        "each attempt's created passes"
    );
    assert_eq!(outcome.items().len(), 1);
}

#[tokio::test]
async fn garbled_streams_use_the_same_attempt_budget() {
    let harness = Harness::start_with(scenario("truncated_event_then_success"), |s| {
        s.retry.max_attempts = 2;
    })
    .await;
    let outcome = collect(harness.client.stream(&ask("net"))).await;
    let Some(ModelError::GaveUp { attempts, last, .. }) = &outcome.error else {
        panic!("{:?}", outcome.log)
    };
    assert_eq!(*attempts, 2);
    assert_eq!(**last, ModelError::Truncated);
    assert_eq!(harness.provider.requests().len(), 2);
    // Text shown before the failures is never shown twice, even when the request fails.
    let text = outcome.text();
    assert!(
        "Grüße aus dem Netz: every character arrives once, in order. ✓".starts_with(&text),
        "{text:?}"
    );

    let harness = Harness::start_with(scenario("malformed_then_success"), |s| {
        s.retry.max_attempts = 1;
    })
    .await;
    let outcome = collect(harness.client.stream(&ask("fox"))).await;
    assert!(
        matches!(
            &outcome.error,
            Some(ModelError::Stream(StreamError::Malformed { event, .. }))
                if event == "response.function_call_arguments.delta"
        ),
        "{:?}",
        outcome.error
    );
}

#[tokio::test]
async fn giving_up_on_rate_limits_says_when_the_server_asked_to_be_retried() {
    let harness = Harness::start_with(scenario("rate_limited"), |s| {
        s.retry.max_attempts = 2;
    })
    .await;
    let outcome = collect(harness.client.stream(&ask("x"))).await;
    assert_eq!(
        harness.delays.taken(),
        vec![Duration::from_millis(200)],
        "the first retry-after, per request"
    );
    let err = outcome.error.unwrap();
    let Some(ModelError::GaveUp {
        server_retry: Some(retry),
        ..
    }) = Some(&err)
    else {
        panic!("{err:?}")
    };
    assert_eq!(retry.after, Duration::from_secs(20));
    let text = err.to_string();
    assert!(
        text.starts_with("gave up after 2 attempts: HTTP 503"),
        "{text}"
    );
    assert!(
        text.contains("the server asked to be retried in 20s (at "),
        "{text}"
    );
    assert_eq!(err.code(), Some("server_overloaded"));

    // One attempt allowed: the message still says when.
    let harness = Harness::start_with(scenario("rate_limited"), |s| {
        s.retry.max_attempts = 1;
    })
    .await;
    let text = collect(harness.client.stream(&ask("x")))
        .await
        .error
        .unwrap()
        .to_string();
    assert!(
        text.starts_with("gave up after 1 attempt: HTTP 429"),
        "{text}"
    );
    assert!(text.contains("retried in 200ms (at "), "{text}");
}

#[tokio::test]
async fn retries_resend_the_same_body_and_the_cache_key_names_the_session() {
    let harness = Harness::start(scenario("malformed_then_success")).await;
    collect(harness.client.stream(&ask("fox"))).await;
    let requests = harness.provider.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].body, requests[1].body,
        "a retry is the same request"
    );
    assert_eq!(requests[0].body["prompt_cache_key"], "session-under-test");
}
