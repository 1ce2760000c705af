//! Exact prompt sizes from a llama.cpp server: its own chat template (`/apply-template`) and
//! tokenizer (`/tokenize`), so counts include the role markers a model really reads.

use rehearse::bank::Bank;
use rehearse::llm::Message;
use rehearse::scoring::Answer;
use rehearse::scoring::judge::{JudgeInput, messages};
use serde_json::{Value, json};

/// The server root for a base URL such as `http://127.0.0.1:8080/v1`.
fn root(base_url: &str) -> String {
    base_url
        .trim_end_matches('/')
        .trim_end_matches("/v1")
        .to_owned()
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> Value {
    client
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .error_for_status()
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Tokens the model reads for `messages`, chat template included.
pub async fn prompt_tokens(
    client: &reqwest::Client,
    base_url: &str,
    messages: &[Message],
) -> usize {
    let root = root(base_url);
    let templated = post(
        client,
        format!("{root}/apply-template"),
        json!({ "messages": messages }),
    )
    .await;
    let prompt = templated["prompt"]
        .as_str()
        .expect("apply-template gives a prompt");
    let tokens = post(
        client,
        format!("{root}/tokenize"),
        json!({ "content": prompt }),
    )
    .await;
    tokens["tokens"]
        .as_array()
        .expect("tokenize gives tokens")
        .len()
}

/// Per question of the bank, the judge prompt's tokens beyond the candidate's text: the
/// prompt for an empty transcript, without interviewer notes.
pub async fn judge_overhead(base_url: &str) -> Vec<(String, usize)> {
    // The crate builds reqwest without a default TLS provider; plain HTTP needs none, but the
    // builder still asks for one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let bank = Bank::load(&[]).expect("embedded bank");
    let mut out = Vec::new();
    for q in bank.questions() {
        let framework = bank.frameworks().get(q.kind);
        let answer = Answer::default();
        let msgs = messages(&JudgeInput {
            question: q,
            framework,
            answer: &answer,
            transcript: String::new(),
            notes: Vec::new(),
            seniority: None,
        })
        .expect("judge prompt renders");
        out.push((q.id.clone(), prompt_tokens(&client, base_url, &msgs).await));
    }
    out
}

pub fn median(values: &mut [usize]) -> usize {
    values.sort_unstable();
    values[values.len() / 2]
}
