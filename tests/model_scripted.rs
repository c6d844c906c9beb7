#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The scripted provider itself: the demo scenario's rule-mode flow through the real client,
//! and its HTTP edges (no bearer token, unknown routes).

#[path = "support/model.rs"]
mod model_support;

use model_support::{Harness, collect};
use switchboard::event::OutputItem;
use switchboard::model::scripted::{Scenario, ScriptedProvider};
use switchboard::model::{
    Conversation, ModelError, ModelSettings, ResponseEvent, ResponsesClient, ResponsesRequest,
    ShellArgs, Tool,
};

fn request(conversation: &Conversation) -> ResponsesRequest<'static> {
    ResponsesRequest::new("demo", conversation.items().to_vec()).with_tools(vec![Tool::shell()])
}

/// One demo turn: the user's message, a shell call, its output, the final answer.
async fn demo_turn(
    harness: &Harness,
    conversation: &mut Conversation,
    prompt: &str,
) -> (String, String) {
    conversation.push_user(prompt);
    let first = collect(harness.client.stream(&request(conversation))).await;
    assert_eq!(first.error, None, "{:?}", first.log);
    assert!(
        first
            .events
            .iter()
            .any(|e| matches!(e, ResponseEvent::ReasoningSummaryTextDelta { .. })),
        "the demo shows reasoning"
    );
    let mut command = None;
    for item in first.items() {
        if let OutputItem::FunctionCall {
            call_id, arguments, ..
        } = &item
        {
            command = Some((
                call_id.clone(),
                ShellArgs::parse(arguments).unwrap().command,
            ));
        }
        conversation.push_output(&item);
    }
    let (call_id, command) = command.expect("the demo asks for a shell call");
    conversation.push_tool_output(call_id, "exit code: 0\nREADME.md\nsrc\n");
    let second = collect(harness.client.stream(&request(conversation))).await;
    assert_eq!(second.error, None, "{:?}", second.log);
    for item in second.items() {
        conversation.push_output(&item);
    }
    (command, second.text())
}

#[tokio::test]
async fn demo_answers_any_message_with_the_whole_native_flow_repeatably() {
    // The demo paces its writes for people; tests need no pacing.
    let mut demo = Scenario::demo();
    for rule in demo.rules.iter_mut().flatten() {
        rule.reply.delay_ms = 0;
    }
    let harness = Harness::start(demo).await;
    let mut conversation = Conversation::new();
    let (command, answer) = demo_turn(&harness, &mut conversation, "what is here?").await;
    assert_eq!(command, "uname -srm && ls -la");
    assert!(answer.contains("README.md\nsrc"), "{answer}");
    let (command, answer) = demo_turn(&harness, &mut conversation, "and the Git state?").await;
    assert_eq!(command, "git status --short --branch");
    assert!(answer.contains("README.md"), "{answer}");
    assert!(conversation.pending_calls().is_empty());

    conversation.push_user("help");
    let help = collect(harness.client.stream(&request(&conversation))).await;
    assert!(
        help.text().contains("scripted demo provider"),
        "{}",
        help.text()
    );
    assert!(
        help.items()
            .iter()
            .all(|i| matches!(i, OutputItem::Message { .. }))
    );

    let requests = harness.provider.requests();
    assert_eq!(requests.len(), 5);
    let call_ids: Vec<String> = requests
        .iter()
        .flat_map(|r| r.body["input"].as_array().unwrap().clone())
        .filter(|i| i["type"] == "function_call_output")
        .map(|i| i["call_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(call_ids.len() >= 2 && call_ids[0] != call_ids.last().unwrap().as_str());
}

#[tokio::test]
async fn requests_without_a_bearer_token_get_401_and_are_recorded() {
    let provider = ScriptedProvider::start(Scenario::demo()).await.unwrap();
    let client = ResponsesClient::new(ModelSettings::local(provider.base_url(), "")).unwrap();
    let mut conversation = Conversation::new();
    conversation.push_user("hi");
    let outcome = collect(client.stream(&request(&conversation))).await;
    assert!(
        matches!(outcome.error, Some(ModelError::Http { status: 401, .. })),
        "{:?}",
        outcome.error
    );
    let requests = provider.requests();
    assert_eq!(requests.len(), 1);
    assert!(!requests[0].authorized);
}

#[tokio::test]
async fn unknown_routes_are_404() {
    let provider = ScriptedProvider::start(Scenario::demo()).await.unwrap();
    // The query string hides the `/responses` the client appends: the path is `/v1/models`.
    let settings = ModelSettings::local(format!("http://{}/v1/models?", provider.addr()), "k");
    let client = ResponsesClient::new(settings).unwrap();
    let outcome = collect(client.stream(&request(&Conversation::new()))).await;
    assert!(
        matches!(outcome.error, Some(ModelError::Http { status: 404, .. })),
        "{:?}",
        outcome.error
    );
}
