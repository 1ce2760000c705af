//! Against a real llama.cpp server with a tiny real model (SmolLM2-135M-Instruct). `.ci/run`
//! builds and starts it, sets REHEARSE_TEST_LLAMA_URL and runs these with `--include-ignored`;
//! a plain `cargo test` lists them as ignored. Assertions are about structure, never wording.

mod common;

use std::time::Duration;

use rehearse::llm::structured::{self, StructuredLevel};
use rehearse::llm::{ChatModel, ChatRequest, ClientSettings, Message, OpenAiClient, collect};
use serde_json::json;

/// One test at a time: requests batched together on the server change its floating-point
/// results, and these tests compare outputs exactly.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The server's base URL. These tests are `#[ignore]`d, so they only run when asked for, and
/// then a missing server is a failure, not a silent pass.
fn server() -> String {
    std::env::var("REHEARSE_TEST_LLAMA_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("REHEARSE_TEST_LLAMA_URL must point at a llama.cpp server (.ci/run starts one)")
}

fn client(url: &str) -> OpenAiClient {
    OpenAiClient::new(ClientSettings {
        base_url: url.trim_end_matches('/').to_owned(),
        api_key: None,
        model: "smollm2".into(),
        timeout: Duration::from_secs(300),
        connect_timeout: Duration::from_secs(10),
        max_retries: 2,
        retry_base: Duration::from_millis(200),
    })
    .unwrap()
}

fn greedy(prompt: &str, max_tokens: u32) -> ChatRequest {
    ChatRequest {
        messages: vec![
            Message::system("You are a system design interviewer. Be brief."),
            Message::user(prompt),
        ],
        temperature: Some(0.0),
        seed: Some(42),
        max_tokens: Some(max_tokens),
        ..ChatRequest::default()
    }
}

#[tokio::test]
#[ignore = "needs a llama.cpp server: .ci/run starts one and sets REHEARSE_TEST_LLAMA_URL"]
async fn streaming_assembles_into_the_same_text_as_a_single_reply() {
    let url = server();
    let _one_at_a_time = SERIAL.lock().await;
    let client = client(&url);
    let request = greedy("Ask me one clarifying question about a URL shortener.", 24);
    let whole = client.complete(request.clone()).await.unwrap();
    let streamed = collect(client.stream(request)).await.unwrap();
    assert!(!whole.text.trim().is_empty(), "the model said nothing");
    assert_eq!(streamed.text, whole.text);
    assert!(streamed.finish_reason.is_some());
    let usage = streamed.usage.expect("llama.cpp reports usage in streams");
    assert!(usage.completion_tokens > 0 && usage.completion_tokens <= 24);
}

#[tokio::test]
#[ignore = "needs a llama.cpp server: .ci/run starts one and sets REHEARSE_TEST_LLAMA_URL"]
async fn json_schema_output_parses_and_fits_the_schema() {
    let url = server();
    let _one_at_a_time = SERIAL.lock().await;
    let client = client(&url);
    let schema = json!({
        "type": "object",
        "properties": {
            "verdict": {"type": "string", "enum": ["covered", "partial", "missing"]},
            "evidence": {"type": "string"}
        },
        "required": ["verdict", "evidence"],
        "additionalProperties": false
    });
    let request = greedy(
        "The candidate said: 'We cache short codes in Redis.' Did they mention caching? Answer as JSON with verdict and evidence.",
        80,
    );
    let endpoint = format!("{url}#smollm2");
    let ((verdict, evidence), level) =
        structured::complete_json(&client, &endpoint, request, "verdict", &schema, |v| {
            let verdict = v["verdict"]
                .as_str()
                .ok_or("verdict must be a string")?
                .to_owned();
            let evidence = v["evidence"]
                .as_str()
                .ok_or("evidence must be a string")?
                .to_owned();
            if !["covered", "partial", "missing"].contains(&verdict.as_str()) {
                return Err(format!("verdict {verdict:?} is not allowed"));
            }
            let keys = v.as_object().map(|o| o.len()).unwrap_or(0);
            if keys != 2 {
                return Err(format!("expected exactly 2 fields, got {keys}"));
            }
            Ok((verdict, evidence))
        })
        .await
        .unwrap();
    assert_eq!(
        level,
        StructuredLevel::JsonSchema,
        "llama.cpp enforces json_schema with a grammar"
    );
    assert!(["covered", "partial", "missing"].contains(&verdict.as_str()));
    let _ = evidence;
}

#[test]
#[ignore = "needs a llama.cpp server: .ci/run starts one and sets REHEARSE_TEST_LLAMA_URL"]
fn doctor_passes() {
    let url = server();
    let _one_at_a_time = SERIAL.blocking_lock();
    let sandbox = common::Sandbox::new();
    let out = sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", &url)
        .env("REHEARSE_MODEL", "smollm2")
        .env("REHEARSE_TIMEOUT_SECS", "300")
        .arg("doctor")
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for check in ["completion", "streaming", "structured", "usable"] {
        assert!(stdout.contains(check), "{check} missing from:\n{stdout}");
    }
    assert!(stdout.contains("json_schema works"), "{stdout}");
}

#[tokio::test]
#[ignore = "needs a llama.cpp server: .ci/run starts one and sets REHEARSE_TEST_LLAMA_URL"]
async fn the_judge_prompt_costs_at_most_1500_tokens_beyond_the_answer() {
    // Counted by the model's own tokenizer and chat template, for every question of the bank.
    let url = server();
    let _one_at_a_time = SERIAL.lock().await;
    let per_question = common::tokens::judge_overhead(&url).await;
    let mut counts: Vec<usize> = per_question.iter().map(|(_, n)| *n).collect();
    let median = common::tokens::median(&mut counts);
    let largest = per_question.iter().max_by_key(|(_, n)| *n).unwrap();
    eprintln!("judge prompt beyond the transcript: median {median} tokens, largest {largest:?}");
    assert!(
        median <= 1500,
        "median {median} tokens beyond the transcript; largest {largest:?}"
    );
}

#[tokio::test]
#[ignore = "needs a llama.cpp server: .ci/run starts one and sets REHEARSE_TEST_LLAMA_URL"]
async fn from_the_third_turn_the_server_reads_only_the_latest_exchange() {
    // The interviewer's prompt keeps a stable prefix (one system prompt, earlier turns
    // unchanged), so the server's prompt cache serves all but the newest exchange.
    let url = server();
    let _one_at_a_time = SERIAL.lock().await;
    let turns = common::llama_session::run(&url, 8).await;
    let series: Vec<String> = turns
        .iter()
        .map(|t| format!("{}/{}", t.evaluated, t.prompt))
        .collect();
    eprintln!("tokens evaluated / prompt, per turn: {}", series.join(", "));
    for (i, t) in turns.iter().enumerate().skip(2) {
        assert!(
            t.evaluated <= 400 && t.evaluated * 4 <= t.prompt,
            "turn {}: {} of {} prompt tokens evaluated (series {})",
            i + 1,
            t.evaluated,
            t.prompt,
            series.join(", ")
        );
    }
}
