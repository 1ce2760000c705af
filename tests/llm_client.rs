//! The OpenAI-compatible client against a local mock server: recorded streams of real
//! providers replayed in small pieces, every fault the issue lists, retries, and the
//! structured-output ladder.

mod common;

use std::time::{Duration, Instant};

use common::mock::{MockServer, Reply};
use futures_util::StreamExt;
use rehearse::llm::structured::{self, StructuredLevel};
use rehearse::llm::{
    ChatModel, ChatRequest, ClientSettings, LlmError, Message, OpenAiClient, StreamEvent, collect,
};
use rehearse::settings::ApiKey;
use serde_json::json;

fn client(server: &MockServer) -> OpenAiClient {
    client_with(server.url(), 3)
}

fn client_with(url: String, retries: u32) -> OpenAiClient {
    OpenAiClient::new(ClientSettings {
        base_url: url,
        api_key: Some(ApiKey::new("sk-test-key")),
        model: "test-model".into(),
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        max_retries: retries,
        retry_base: Duration::from_millis(1),
    })
    .unwrap()
}

fn hello() -> ChatRequest {
    ChatRequest::new(vec![Message::user("hello")])
}

const EXPECTED: &str = "How many writes per second — roughly?";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/sse/{name}.sse",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn events(client: &OpenAiClient) -> Vec<Result<StreamEvent, LlmError>> {
    client.stream(hello()).collect().await
}

#[tokio::test]
async fn recorded_streams_of_every_provider_assemble_in_any_chunking() {
    for provider in [
        "openai",
        "ollama",
        "llamacpp",
        "lmstudio",
        "openrouter",
        "azure",
    ] {
        let body = fixture(provider);
        // Whole events, and pieces small enough to split events and the UTF-8 "—".
        for size in [body.len(), 64, 7, 3, 1] {
            let body = body.clone();
            let server = MockServer::start(move |_, _| Reply::sse(&body, size));
            let completion = collect(client(&server).stream(hello())).await.unwrap();
            assert_eq!(completion.text, EXPECTED, "{provider} in pieces of {size}");
            assert_eq!(
                completion.finish_reason.as_deref(),
                Some("stop"),
                "{provider}"
            );
            let has_usage = !matches!(provider, "ollama" | "azure");
            assert_eq!(completion.usage.is_some(), has_usage, "{provider} usage");
            if let Some(usage) = completion.usage {
                assert_eq!(
                    (
                        usage.prompt_tokens,
                        usage.completion_tokens,
                        usage.total_tokens
                    ),
                    (42, 9, 51)
                );
            }
        }
    }
}

#[tokio::test]
async fn streaming_requests_ask_for_a_stream_with_usage_and_send_the_key() {
    let server = MockServer::start(|_, _| Reply::sse(&fixture("openai"), 64));
    collect(client(&server).stream(hello())).await.unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/chat/completions");
    assert_eq!(request.header("authorization"), Some("Bearer sk-test-key"));
    let body = request.json();
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["messages"][0]["content"], "hello");
}

#[tokio::test]
async fn exactly_one_done_ends_a_stream_even_without_the_done_marker() {
    let body = fixture("openai").replace("data: [DONE]\n\n", "");
    let server = MockServer::start(move |_, _| Reply::sse(&body, 5));
    let all = events(&client(&server)).await;
    let dones = all
        .iter()
        .filter(|e| matches!(e, Ok(StreamEvent::Done { .. })))
        .count();
    assert_eq!(dones, 1);
    assert!(matches!(all.last(), Some(Ok(StreamEvent::Done { .. }))));
    let text: String = all
        .iter()
        .filter_map(|e| match e {
            Ok(StreamEvent::Delta(d)) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, EXPECTED);
}

#[tokio::test]
async fn an_error_inside_a_200_stream_is_reported() {
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Partial\"}}]}\n\n\
                data: {\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\"}}\n\n";
    let server = MockServer::start(move |_, _| Reply::sse(body, 16));
    let all = events(&client(&server)).await;
    assert!(matches!(&all[0], Ok(StreamEvent::Delta(d)) if d == "Partial"));
    match all.last().unwrap() {
        Err(LlmError::InStream { message }) => assert_eq!(message, "The server is overloaded"),
        other => panic!("expected an in-stream error, got {other:?}"),
    }
    // Never retried after the first token.
    assert_eq!(server.count("/chat/completions"), 1);
}

#[tokio::test]
async fn a_reply_cut_off_after_the_first_token_is_not_retried() {
    let first = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n";
    let server = MockServer::start(move |_, _| Reply::StreamThenDrop {
        pieces: vec![first.as_bytes().to_vec()],
    });
    let all = events(&client(&server)).await;
    assert!(matches!(&all[0], Ok(StreamEvent::Delta(d)) if d == "Hel"));
    assert!(
        matches!(all.last(), Some(Err(LlmError::Transport(_)))),
        "{all:?}"
    );
    assert_eq!(server.count("/chat/completions"), 1);
}

#[tokio::test]
async fn non_streaming_completion_returns_text_and_usage() {
    let server = MockServer::start(|_, _| Reply::completion("Fine, thanks."));
    let c = client(&server).complete(hello()).await.unwrap();
    assert_eq!(c.text, "Fine, thanks.");
    assert_eq!(c.usage.unwrap().total_tokens, 15);
    assert_eq!(server.requests()[0].json()["stream"], false);
}

#[tokio::test]
async fn a_json_answer_to_a_stream_request_still_works() {
    let server = MockServer::start(|_, _| Reply::completion("All at once."));
    let c = collect(client(&server).stream(hello())).await.unwrap();
    assert_eq!(c.text, "All at once.");
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retried_then_succeed() {
    let server = MockServer::start(|_, prior| match prior {
        0 => Reply::text(
            503,
            "text/html",
            "<html><body>Service Unavailable</body></html>",
        ),
        1 => Reply::json(
            429,
            json!({"error": {"message": "Rate limit reached", "type": "requests"}}),
        ),
        _ => Reply::completion("ok"),
    });
    let c = client(&server).complete(hello()).await.unwrap();
    assert_eq!(c.text, "ok");
    assert_eq!(server.count("/chat/completions"), 3);
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = MockServer::start(|_, _| Reply::json(500, json!({"error": "boom"})));
    let err = client_with(server.url(), 2)
        .complete(hello())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Status { status: 500, .. }), "{err}");
    assert_eq!(
        server.count("/chat/completions"),
        3,
        "one try and two retries"
    );
}

#[tokio::test]
async fn retry_after_is_respected() {
    let server = MockServer::start(|_, prior| match prior {
        0 => Reply::json(429, json!({"error": {"message": "slow down"}}))
            .with_header("Retry-After", "1"),
        _ => Reply::completion("ok"),
    });
    let start = Instant::now();
    client(&server).complete(hello()).await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        start.elapsed()
    );
    assert_eq!(server.count("/chat/completions"), 2);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_understood() {
    let past = "Wed, 21 Oct 2015 07:28:00 GMT";
    let server = MockServer::start(move |_, prior| match prior {
        0 => Reply::json(503, json!({"error": "busy"})).with_header("Retry-After", past),
        _ => Reply::completion("ok"),
    });
    client(&server).complete(hello()).await.unwrap();
    assert_eq!(server.count("/chat/completions"), 2);
}

#[tokio::test]
async fn client_errors_are_not_retried_and_name_the_cause() {
    let cases = [
        (
            401,
            json!({"error": {"message": "Incorrect API key provided: sk-tes***key", "code": "invalid_api_key"}}),
            "check REHEARSE_API_KEY",
        ),
        (
            403,
            json!({"error": {"message": "not allowed"}}),
            "not allowed to use model \"test-model\"",
        ),
        (
            404,
            json!({"error": "model 'test-model' not found, try pulling it first"}),
            "model \"test-model\" not found; check REHEARSE_MODEL",
        ),
        (
            400,
            json!({"detail": "messages: field required"}),
            "messages: field required",
        ),
    ];
    for (status, body, expected) in cases {
        let server = MockServer::start(move |_, _| Reply::json(status, body.clone()));
        let err = client(&server).complete(hello()).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{status}: {err}");
        assert!(!err.to_string().contains("sk-test-key"), "{err}");
        assert_eq!(
            server.count("/chat/completions"),
            1,
            "{status} must not be retried"
        );
    }
}

#[tokio::test]
async fn a_wrong_base_url_gets_a_base_url_hint() {
    let server = MockServer::start(|_, _| Reply::text(404, "text/html", "<h1>404 Not Found</h1>"));
    let err = client(&server).complete(hello()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("check REHEARSE_BASE_URL (it usually ends in /v1)"),
        "{err}"
    );
}

#[tokio::test]
async fn quota_errors_are_reported_as_such_and_not_retried() {
    let server = MockServer::start(|_, _| {
        Reply::json(
            429,
            json!({"error": {"message": "You exceeded your current quota, please check your plan and billing details.", "type": "insufficient_quota"}}),
        )
    });
    let err = client(&server).complete(hello()).await.unwrap_err();
    assert!(err.to_string().contains("quota exhausted"), "{err}");
    assert_eq!(
        err.diagnosis(),
        "quota exhausted: the account has no credit left (429)"
    );
    assert_eq!(server.count("/chat/completions"), 1);
}

#[tokio::test]
async fn a_non_json_200_is_not_an_openai_server() {
    let server =
        MockServer::start(|_, _| Reply::text(200, "text/html", "<html>Welcome to nginx!</html>"));
    let err = client(&server).complete(hello()).await.unwrap_err();
    assert!(matches!(err, LlmError::NotCompatible { .. }), "{err}");
    assert!(err.to_string().contains("Welcome to nginx!"), "{err}");
}

#[tokio::test]
async fn refused_connections_are_retried_then_reported() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = client_with(format!("http://127.0.0.1:{port}/v1"), 2)
        .complete(hello())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Connect { .. }), "{err}");
    assert!(err.to_string().contains("Is the server running"), "{err}");
    assert_eq!(
        err.diagnosis(),
        format!(
            "connection refused: nothing answers at http://127.0.0.1:{port}/v1/chat/completions"
        )
    );
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let server = MockServer::start(|_, _| Reply::Hang);
    let client = OpenAiClient::new(ClientSettings {
        base_url: server.url(),
        api_key: None,
        model: "m".into(),
        timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(1),
        max_retries: 0,
        retry_base: Duration::from_millis(1),
    })
    .unwrap();
    let err = client.complete(hello()).await.unwrap_err();
    assert!(matches!(err, LlmError::Timeout { .. }), "{err}");
    assert!(err.to_string().contains("timed out after 1s"), "{err}");
}

#[tokio::test]
async fn dropping_the_stream_cancels_the_request() {
    let first = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Thinking\"}}]}\n\n";
    let server = MockServer::start(move |_, _| Reply::StreamThenHang {
        pieces: vec![first.as_bytes().to_vec()],
    });
    let client = client(&server);
    let mut stream = client.stream(hello());
    assert!(matches!(stream.next().await, Some(Ok(StreamEvent::Delta(d))) if d == "Thinking"));
    drop(stream);
    // Wait off the runtime thread, so the client's connection task can run and close.
    let server = std::sync::Arc::new(server);
    let waiter = server.clone();
    let left = tokio::task::spawn_blocking(move || waiter.wait_disconnect(Duration::from_secs(10)))
        .await
        .unwrap();
    assert!(left, "server never saw the client leave");
}

fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
        "additionalProperties": false
    })
}

fn check(v: &serde_json::Value) -> Result<String, String> {
    v.get("answer")
        .and_then(|a| a.as_str())
        .map(str::to_owned)
        .ok_or_else(|| "missing string field \"answer\"".to_owned())
}

#[tokio::test]
async fn structured_output_uses_json_schema_when_accepted() {
    let server = MockServer::start(|_, _| Reply::completion("{\"answer\": \"42\"}"));
    let client = client(&server);
    let (answer, level) =
        structured::complete_json(&client, &server.url(), hello(), "answer", &schema(), check)
            .await
            .unwrap();
    assert_eq!(
        (answer.as_str(), level),
        ("42", StructuredLevel::JsonSchema)
    );
    let format = &server.requests()[0].json()["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["schema"], schema());
}

#[tokio::test]
async fn structured_output_falls_down_the_ladder_and_remembers() {
    // Rejects json_schema and json_object; only plain instructions work.
    let server = MockServer::start(|req, _| {
        if req.json().get("response_format").is_some() {
            Reply::json(
                400,
                json!({"error": {"message": "response_format is not supported"}}),
            )
        } else {
            Reply::completion("Sure! Here it is:\n```json\n{\"answer\": \"42\"}\n```")
        }
    });
    let client = client(&server);
    let (answer, level) =
        structured::complete_json(&client, &server.url(), hello(), "answer", &schema(), check)
            .await
            .unwrap();
    assert_eq!((answer.as_str(), level), ("42", StructuredLevel::Prompt));
    assert_eq!(server.count("/chat/completions"), 3);
    assert_eq!(
        structured::remembered(&server.url()),
        StructuredLevel::Prompt
    );
    // The next call starts at the level that worked.
    structured::complete_json(&client, &server.url(), hello(), "answer", &schema(), check)
        .await
        .unwrap();
    assert_eq!(server.count("/chat/completions"), 4);
}

#[tokio::test]
async fn json_object_is_the_middle_rung() {
    let server = MockServer::start(
        |req, _| match req.json()["response_format"]["type"].as_str() {
            Some("json_schema") => {
                Reply::json(422, json!({"detail": "unknown response_format type"}))
            }
            _ => Reply::completion("{\"answer\": \"yes\"}"),
        },
    );
    let (_, level) = structured::complete_json(
        &client(&server),
        &server.url(),
        hello(),
        "answer",
        &schema(),
        check,
    )
    .await
    .unwrap();
    assert_eq!(level, StructuredLevel::JsonObject);
}

#[tokio::test]
async fn a_bad_reply_gets_one_re_ask_carrying_the_error() {
    let server = MockServer::start(|_, prior| match prior {
        0 => Reply::completion("I think the answer is 42."),
        _ => Reply::completion("{\"answer\": \"42\"}"),
    });
    let (answer, _) = structured::complete_json(
        &client(&server),
        &server.url(),
        hello(),
        "answer",
        &schema(),
        check,
    )
    .await
    .unwrap();
    assert_eq!(answer, "42");
    let reask = server.requests()[1].json();
    let messages = reask["messages"].as_array().unwrap();
    assert_eq!(messages[messages.len() - 2]["role"], "assistant");
    assert!(
        messages.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("no JSON object found")
    );
}

#[tokio::test]
async fn schema_violations_end_in_a_typed_error_after_one_retry() {
    let server = MockServer::start(|_, _| Reply::completion("{\"verdict\": \"covered\"}"));
    let err = structured::complete_json(
        &client(&server),
        &server.url(),
        hello(),
        "answer",
        &schema(),
        check,
    )
    .await
    .unwrap_err();
    match &err {
        LlmError::BadOutput { detail, .. } => {
            assert!(detail.contains("missing string field \"answer\""))
        }
        other => panic!("expected BadOutput, got {other}"),
    }
    assert_eq!(server.count("/chat/completions"), 2);
}

#[tokio::test]
async fn models_are_listed_from_either_shape() {
    let server = MockServer::start(|req, _| match req.path.as_str() {
        "/models" => Reply::json(
            200,
            json!({"object": "list", "data": [{"id": "a"}, {"id": "b"}]}),
        ),
        _ => Reply::json(404, json!({})),
    });
    assert_eq!(client(&server).list_models().await.unwrap(), ["a", "b"]);
    let server = MockServer::start(|_, _| {
        Reply::json(200, json!({"models": [{"name": "llama3.1:latest"}]}))
    });
    assert_eq!(
        client(&server).list_models().await.unwrap(),
        ["llama3.1:latest"]
    );
}
