//! Scoring benchmarks (issue #5). Run with `cargo bench --bench scoring`.
//! - Offline scoring of 100 answers (each question's reference) in one process: target ≤ 0.2 s.
//! - `rehearse score --jobs 16` over 48 answers against a mock judge with 200 ms latency:
//!   target ≤ 1.25 × the ideal 0.6 s.
//! - The judge prompt's tokens beyond the candidate's text, median over the bank (issue #10):
//!   target ≤ 1,500. Counted by a llama.cpp server's own template and tokenizer when
//!   REHEARSE_TEST_LLAMA_URL points at one (`.ci/run` shows how to start it).

#[path = "../tests/common/mock.rs"]
mod mock;
#[path = "../tests/common/tokens.rs"]
mod tokens;

use std::process::Command;
use std::time::{Duration, Instant};

use rehearse::bank::Bank;
use rehearse::scoring::{Answer, offline};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let bank = Bank::load(&[]).expect("bank");
    let runs: Vec<Duration> = (0..11)
        .map(|_| {
            let start = Instant::now();
            for q in bank.questions() {
                let framework = bank.frameworks().get(q.kind);
                let card = offline::score(
                    q,
                    framework,
                    &Answer::from_text(&q.reference, framework),
                    None,
                );
                std::hint::black_box(card);
            }
            start.elapsed()
        })
        .collect();
    println!(
        "scoring/offline, 100 answers in one process: median {:.1} ms (target ≤ 200 ms)",
        median(runs).as_secs_f64() * 1e3
    );

    match std::env::var("REHEARSE_TEST_LLAMA_URL") {
        Ok(url) if !url.is_empty() => {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let per_question = runtime.block_on(tokens::judge_overhead(&url));
            let mut counts: Vec<usize> = per_question.iter().map(|(_, n)| *n).collect();
            let largest = per_question.iter().max_by_key(|(_, n)| *n).unwrap();
            println!(
                "scoring/judge prompt beyond the transcript: median {} tokens, largest {} ({}) (target: median ≤ 1,500)",
                tokens::median(&mut counts),
                largest.1,
                largest.0
            );
        }
        _ => println!(
            "scoring/judge prompt tokens: skipped (set REHEARSE_TEST_LLAMA_URL to a llama.cpp server)"
        ),
    }

    // A judge that takes 200 ms per answer and marks every item missing.
    let server = mock::MockServer::start(|req, _| {
        let items: Vec<serde_json::Value> = mock::judge_ids(&req.json())
            .iter()
            .map(|id| serde_json::json!({"id": id, "verdict": "missing", "evidence": ""}))
            .collect();
        mock::Reply::Delayed(
            Duration::from_millis(200),
            Box::new(mock::Reply::completion(&mock::judge_reply(items, &[], &[]))),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let q = bank.find("url-shortener").unwrap();
    let files: Vec<std::path::PathBuf> = (0..48)
        .map(|i| {
            let path = dir.path().join(format!("{i:02}.md"));
            std::fs::write(&path, format!("{}\n\nVariant {i}.", q.reference)).unwrap();
            path
        })
        .collect();
    let exe = env!("CARGO_BIN_EXE_rehearse");
    let runs: Vec<Duration> = (0..3)
        .map(|_| {
            let start = Instant::now();
            let out = Command::new(exe)
                .args([
                    "score",
                    "-q",
                    "url-shortener",
                    "--format",
                    "json",
                    "--jobs",
                    "16",
                ])
                .args(&files)
                .env_clear()
                .env("HOME", dir.path())
                .env("XDG_CONFIG_HOME", dir.path())
                .env("XDG_DATA_HOME", dir.path())
                .env("REHEARSE_BASE_URL", server.url())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 48);
            start.elapsed()
        })
        .collect();
    let wall = median(runs).as_secs_f64();
    println!(
        "scoring/--jobs 16 over 48 answers, 200 ms judge: median {:.3} s = {:.2} × the ideal 0.6 s (target ≤ 1.25 ×)",
        wall,
        wall / 0.6
    );
}
