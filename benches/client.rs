//! Client overhead (issue #4): time to first token and total time of a streamed completion
//! through `OpenAiClient`, against a raw reqwest request to the same local mock server.
//! Run with `cargo bench --bench client`. Target: ≤ 2 ms added at the median.

#[path = "../tests/common/mock.rs"]
mod mock;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use rehearse::llm::{ChatModel, ChatRequest, ClientSettings, Message, OpenAiClient, StreamEvent};

const RUNS: usize = 200;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sse/openai.sse"
    ))
    .unwrap();
    let server = mock::MockServer::start(move |_, _| mock::Reply::Stream {
        pieces: body.as_bytes().chunks(256).map(<[u8]>::to_vec).collect(),
        pause: Duration::ZERO,
    });
    let url = server.url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();

    let client = OpenAiClient::new(ClientSettings {
        base_url: url.clone(),
        api_key: Some(rehearse::settings::ApiKey::new("sk-bench")),
        model: "bench".into(),
        timeout: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(5),
        max_retries: 0,
        retry_base: Duration::from_millis(1),
    })
    .unwrap();
    let raw = reqwest::Client::new();
    let request = ChatRequest::new(vec![Message::user("hello")]);
    let raw_body = serde_json::json!({
        "model": "bench", "stream": true, "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "hello"}]
    });

    let (mut raw_first, mut raw_total, mut ours_first, mut ours_total) =
        (vec![], vec![], vec![], vec![]);
    rt.block_on(async {
        for i in 0..RUNS + 10 {
            // Raw: POST, then read bytes until the first content delta appears, then to the end.
            let start = Instant::now();
            let resp = raw
                .post(format!("{url}/chat/completions"))
                .bearer_auth("sk-bench")
                .json(&raw_body)
                .send()
                .await
                .unwrap();
            let mut bytes = resp.bytes_stream();
            let mut seen = Vec::new();
            let mut first = None;
            while let Some(chunk) = bytes.next().await {
                seen.extend_from_slice(&chunk.unwrap());
                if first.is_none() && seen.windows(10).any(|w| w == b"\"How many\"") {
                    first = Some(start.elapsed());
                }
            }
            let total = start.elapsed();
            if i >= 10 {
                raw_first.push(first.unwrap());
                raw_total.push(total);
            }

            // Through the client: first Delta event, then Done.
            let start = Instant::now();
            let mut stream = client.stream(request.clone());
            let mut first = None;
            while let Some(event) = stream.next().await {
                if let (Ok(StreamEvent::Delta(_)), None) = (&event, first) {
                    first = Some(start.elapsed());
                }
            }
            let total = start.elapsed();
            if i >= 10 {
                ours_first.push(first.unwrap());
                ours_total.push(total);
            }
        }
    });
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (rf, rt_, of, ot) = (
        median(raw_first),
        median(raw_total),
        median(ours_first),
        median(ours_total),
    );
    println!(
        "client/time to first token: raw {:.3} ms, client {:.3} ms, added {:+.3} ms (target ≤ 2 ms)",
        ms(rf),
        ms(of),
        ms(of) - ms(rf)
    );
    println!(
        "client/total streamed reply: raw {:.3} ms, client {:.3} ms, added {:+.3} ms (target ≤ 2 ms)",
        ms(rt_),
        ms(ot),
        ms(ot) - ms(rt_)
    );
}
