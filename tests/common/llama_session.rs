//! A practice session with the LLM interviewer against a real llama.cpp server, turn by turn,
//! recording what the server says it evaluated: how much of each prompt its cache served
//! (`timings.cache_n`) and how much it had to read again (`timings.prompt_n`), and the time to
//! the first token of each reply.

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use futures_util::StreamExt;
use rehearse::bank::Bank;
use rehearse::interview::steer::Steer;
use rehearse::interview::{TurnContext, classify, llm};
use rehearse::scoring::text::Normaliser;
use rehearse::session::{Session, Setup, Speaker, TurnKind};
use serde_json::{Value, json};

/// What the candidate says, turn by turn; `None` moves on to the next stage first.
const SCRIPT: &[Option<&str>] = &[
    Some("Users paste a long URL and get a short link back; opening it redirects them."),
    Some("How many new links are created per day?"),
    Some("Links should never point to the wrong place, and redirects must be fast."),
    None,
    Some("So about 1,200 writes per second on average, and reads are far more common."),
    Some("Storage over five years is a few tens of terabytes."),
    None,
    Some("An API service behind a load balancer writes to a key-value store."),
    Some("A cache in front of the store serves the popular codes."),
    None,
    Some("Codes come from a counter encoded in base 62."),
    Some("Each app server takes a block of ids so they never collide."),
];

/// One interviewer turn, as the server reported it.
#[derive(Debug, Clone, Copy)]
pub struct TurnStats {
    /// Tokens the server evaluated for this prompt.
    pub evaluated: u64,
    /// Tokens of the whole prompt (evaluated plus served from the cache).
    pub prompt: u64,
    /// From sending the request to the first token of the reply.
    pub first_token: Duration,
}

/// Runs up to `turns` candidate turns of a URL-shortener interview (SCRIPT cycles if asked for
/// more) with greedy decoding and short replies, and returns one entry per turn.
pub async fn run(base_url: &str, turns: usize) -> Vec<TurnStats> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // A fresh connection per request: llama.cpp may close one after a stream ends.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("HTTP client");
    let bank = Bank::load(&[]).expect("embedded bank");
    let q = bank.find("url-shortener").unwrap();
    let framework = bank.frameworks().get(q.kind);
    let normaliser = Normaliser::default();
    let start = Utc::now();
    let mut session = Session::new("llama".into(), q, framework, Setup::offline(45), start);
    session.push(
        Speaker::Interviewer,
        TurnKind::Opening,
        q.prompt.clone(),
        start,
    );
    session.push(
        Speaker::Interviewer,
        TurnKind::Opening,
        framework.stages[0].opening.clone(),
        start,
    );
    let mut stats = Vec::new();
    let mut minute = 0;
    for step in SCRIPT.iter().cycle() {
        if stats.len() == turns {
            break;
        }
        // A minute per turn, on a clock the test controls.
        minute += 1;
        let now = start + TimeDelta::minutes(minute);
        let Some(said) = step else {
            let next = (session.stage_index + 1).min(session.stages.len() - 1);
            session.go_to_stage(next, now);
            let opening = framework.stages[next].opening.clone();
            session.push(Speaker::Interviewer, TurnKind::Opening, opening, now);
            continue;
        };
        let kind = if classify::is_question(said) {
            TurnKind::Question
        } else {
            TurnKind::Answer
        };
        session.push(Speaker::Candidate, kind, (*said).to_owned(), now);
        let steer = Steer::for_turn(&session, q, framework, now, &normaliser);
        let turn = TurnContext {
            question: q,
            framework,
            session: &session,
            steer: &steer,
            now,
        };
        let messages = llm::messages(&turn).expect("interviewer prompt renders");
        let body = json!({
            "messages": messages,
            "temperature": 0.0,
            "seed": 42,
            "max_tokens": 40,
            "stream": true,
        });
        let url = format!("{}/chat/completions", base_url.trim_end_matches('/'));
        let sent = Instant::now();
        let response = client
            .post(&url)
            .json(&body)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let mut bytes = response.bytes_stream();
        let mut buffer = String::new();
        let mut reply = String::new();
        let mut first_token = None;
        let mut timings = Value::Null;
        while let Some(chunk) = bytes.next().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk.expect("stream reads")));
            while let Some(end) = buffer.find('\n') {
                let line: String = buffer.drain(..=end).collect();
                let Some(data) = line.trim().strip_prefix("data: ") else {
                    continue;
                };
                if data == "[DONE]" {
                    continue;
                }
                let event: Value = serde_json::from_str(data).expect("server sends JSON");
                if let Some(text) = event["choices"][0]["delta"]["content"].as_str() {
                    first_token.get_or_insert_with(|| sent.elapsed());
                    reply.push_str(text);
                }
                if !event["timings"].is_null() {
                    timings = event["timings"].clone();
                }
            }
        }
        let evaluated = timings["prompt_n"]
            .as_u64()
            .expect("llama.cpp reports prompt_n");
        let cached = timings["cache_n"].as_u64().unwrap_or(0);
        stats.push(TurnStats {
            evaluated,
            prompt: evaluated + cached,
            first_token: first_token.unwrap_or_else(|| sent.elapsed()),
        });
        // What the candidate would see: the reply without its private note.
        let mut filter = llm::NotesFilter::default();
        let mut shown = filter.push(&reply);
        shown.push_str(&filter.finish().0);
        let shown = shown.trim();
        let shown = if shown.is_empty() { "Go on." } else { shown };
        session.push(Speaker::Interviewer, TurnKind::Reply, shown.to_owned(), now);
    }
    stats
}
