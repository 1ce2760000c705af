//! Cohort batch benchmark (issue #16). Run with `cargo bench --bench batch`.
//! - Building the request file (and answers.jsonl) for 5,000 answers, then parsing a provider
//!   output file for them (indexing it by custom_id and reading every answer's result line in
//!   input order): target ≤ 1 s together.
//! - Memory stays flat: peak RSS after 5,000 answers against after 500 (files are streamed;
//!   only the custom_id → offset index grows).
//! - Also printed: turning every line into a verified scorecard (what `batch collect` does).

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use rehearse::bank::Bank;
use rehearse::cohort::requests::{BatchWriter, judge_input};
use rehearse::cohort::results::{ResultIndex, answers, judge_line};
use rehearse::llm::redact::Secrets;
use rehearse::scoring::Answer;
use serde_json::{Value, json};

fn peak_rss_mb() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0
}

fn answer(i: usize) -> String {
    format!(
        "## Requirements\nCandidate {i}: we need to create a short code for a long URL and redirect users who open it; custom aliases and expiry per link. Redirects under 20 ms at p99.\n\n\
         ## Estimation\n100M new links a day is about 1,200 writes per second; 10B redirects a day is 116,000 reads per second, read-heavy at 100:1.\n\n\
         ## High-level design\nStateless app servers behind a load balancer; the short_code is the key of a DynamoDB table and Redis caches hot codes. IDs come from a counter handed out in ranges and are Base62-encoded to 7 characters.\n"
    )
}

struct Run {
    build_ms: f64,
    parse_ms: f64,
    cards_ms: f64,
    request_mb: f64,
}

fn run(n: usize, dir: &std::path::Path, grade: bool) -> Run {
    let bank = Bank::load(&[]).unwrap();
    let q = bank.find("url-shortener").unwrap();
    let framework = bank.frameworks().get(q.kind);
    let requests = dir.join(format!("requests-{n}.jsonl"));
    let answers_file = dir.join(format!("answers-{n}.jsonl"));

    let t = Instant::now();
    let mut writer = BatchWriter::new(
        "bench",
        q,
        framework,
        None,
        "judge-model",
        &requests,
        &answers_file,
    )
    .unwrap();
    for i in 0..n {
        writer.add(&format!("answers/{i}.md"), &answer(i)).unwrap();
    }
    writer.finish().unwrap();
    let build_ms = t.elapsed().as_secs_f64() * 1e3;

    // A provider's output for it, streamed from the request file.
    let output = dir.join(format!("output-{n}.jsonl"));
    {
        let ids: Vec<String> = rehearse::scoring::scorecard::expected_items(q, None)
            .iter()
            .map(|i| i.id.clone())
            .collect();
        let mut out = std::io::BufWriter::new(std::fs::File::create(&output).unwrap());
        for line in BufReader::new(std::fs::File::open(&requests).unwrap()).lines() {
            let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
            let items: Vec<Value> = ids
                .iter()
                .map(|id| json!({"id": id, "verdict": "covered", "evidence": "create a short code for a long URL"}))
                .collect();
            let content = json!({"items": items, "strengths": [], "improvements": [], "injection_attempt": false}).to_string();
            writeln!(out, "{}", json!({"custom_id": v["custom_id"], "response": {"status_code": 200, "body": {"choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}}, "error": null})).unwrap();
        }
    }

    let t = Instant::now();
    let index = ResultIndex::build(std::slice::from_ref(&output)).unwrap();
    let mut read = 0;
    for line in answers(&answers_file).unwrap() {
        let line = line.unwrap();
        let result = index.line(&line.custom_id).unwrap().unwrap();
        std::hint::black_box(&result);
        read += 1;
    }
    assert_eq!(read, n);
    let parse_ms = t.elapsed().as_secs_f64() * 1e3;

    let mut cards_ms = 0.0;
    if grade {
        let secrets = Secrets::new([]);
        let t = Instant::now();
        for line in answers(&answers_file).unwrap() {
            let line = line.unwrap();
            let answer = Answer::from_text(&line.text, framework);
            let input = judge_input(q, framework, &answer, None);
            let value = index.line(&line.custom_id).unwrap().unwrap();
            let card = judge_line(&value, &input, "judge-model", &secrets).unwrap();
            std::hint::black_box(card);
        }
        cards_ms = t.elapsed().as_secs_f64() * 1e3;
    }
    Run {
        build_ms,
        parse_ms,
        cards_ms,
        request_mb: std::fs::metadata(&requests).unwrap().len() as f64 / 1e6,
    }
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let _ = Bank::load(&[]).unwrap();
    let rss_start = peak_rss_mb();
    let small = run(500, dir.path(), false);
    let rss_small = peak_rss_mb();
    let big = run(5_000, dir.path(), false);
    let rss_big = peak_rss_mb();
    println!(
        "batch/5,000 answers: build request file {:.0} ms ({:.1} MB), parse output {:.0} ms; together {:.0} ms (target ≤ 1,000 ms)",
        big.build_ms,
        big.request_mb,
        big.parse_ms,
        big.build_ms + big.parse_ms
    );
    println!(
        "batch/peak RSS: {rss_start:.1} MB with the bank loaded, {rss_small:.1} MB after 500 answers ({:.0} ms), {rss_big:.1} MB after 5,000 (+{:.1} MB for 10× the answers)",
        small.build_ms + small.parse_ms,
        rss_big - rss_small
    );
    let graded = run(1_000, dir.path(), true);
    println!(
        "batch/verified scorecards from output lines: {:.2} ms per answer ({:.0} ms for 1,000)",
        graded.cards_ms / 1_000.0,
        graded.cards_ms
    );
}
