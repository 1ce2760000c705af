//! REPL benchmarks (issue #6). Run with `cargo bench --bench repl`.
//! - An offline turn, input → interviewer reply (classification, steering, follow-up choice
//!   with coverage scoring, and the two atomic autosaves): target ≤ 5 ms.
//! - Peak RSS of a whole REPL session (release binary, 40 turns, every command, /done):
//!   target ≤ 30 MB, measured as the child's ru_maxrss from getrusage(RUSAGE_CHILDREN).
//! - With REHEARSE_TEST_LLAMA_URL pointing at a llama.cpp server (issue #13): the prompt
//!   tokens it evaluates per turn over a 10-turn LLM interview (target ≤ 400 and ≤ 25% of the
//!   prompt from turn 3 on), and the time to first token at turn 10 against turn 2 (target
//!   ≤ 1.5×).

#[path = "../tests/common/llama_session.rs"]
mod llama_session;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use rehearse::bank::Bank;
use rehearse::interview::steer::Steer;
use rehearse::interview::{TurnContext, classify, scripted};
use rehearse::scoring::text::{Normaliser, split_sentences};
use rehearse::session::{Session, Setup, Speaker, TurnKind};
use rehearse::store::Store;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let bank = Bank::load(&[]).unwrap();
    let q = bank.find("url-shortener").unwrap();
    let framework = bank.frameworks().get(q.kind);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let normaliser = Normaliser::default();
    let mut turns: Vec<String> = split_sentences(&q.reference);
    turns.extend(
        q.facts
            .iter()
            .map(|f| format!("What about {}?", f.keywords[0])),
    );

    let mut respond_only = Vec::new();
    let mut with_saves = Vec::new();
    let mut session = Session::new("bench".into(), q, framework, Setup::offline(45), Utc::now());
    for (i, text) in turns.iter().cycle().take(120).enumerate() {
        if i % 20 == 19 && session.stage_index + 1 < session.stages.len() {
            session.go_to_stage(session.stage_index + 1, Utc::now());
        }
        let start = Instant::now();
        let asked = classify::is_question(text);
        let kind = if asked {
            TurnKind::Question
        } else {
            TurnKind::Answer
        };
        session.push(Speaker::Candidate, kind, text.clone(), Utc::now());
        let saved_at = Instant::now();
        store.save(&session).unwrap();
        let save_time = saved_at.elapsed();
        let now = Utc::now();
        let steer = Steer::for_turn(&session, q, framework, now, &normaliser);
        let turn = TurnContext {
            question: q,
            framework,
            session: &session,
            steer: &steer,
            now,
        };
        let lines = scripted::respond(&turn);
        for line in lines {
            session.push(Speaker::Interviewer, line.kind, line.text, Utc::now());
        }
        let replied = start.elapsed() - save_time;
        store.save(&session).unwrap();
        respond_only.push(replied);
        with_saves.push(start.elapsed());
    }
    println!(
        "repl/offline turn, input → reply (no disk): median {:.3} ms, max {:.3} ms (target ≤ 5 ms)",
        median(respond_only.clone()).as_secs_f64() * 1e3,
        respond_only.iter().max().unwrap().as_secs_f64() * 1e3
    );
    println!(
        "repl/offline turn including both fsynced autosaves: median {:.3} ms (target ≤ 5 ms)",
        median(with_saves).as_secs_f64() * 1e3
    );

    match std::env::var("REHEARSE_TEST_LLAMA_URL") {
        Ok(url) if !url.is_empty() => {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let turns = runtime.block_on(llama_session::run(&url, 10));
            let series: Vec<String> = turns
                .iter()
                .map(|t| format!("{}/{}", t.evaluated, t.prompt))
                .collect();
            println!(
                "repl/llm prompt tokens evaluated / prompt per turn: {} (target from turn 3: ≤ 400 and ≤ 25%)",
                series.join(", ")
            );
            let ratio = turns[9].first_token.as_secs_f64() / turns[1].first_token.as_secs_f64();
            println!(
                "repl/llm time to first token: turn 2 {:.0} ms, turn 10 {:.0} ms = {ratio:.2}× (target ≤ 1.5×)",
                turns[1].first_token.as_secs_f64() * 1e3,
                turns[9].first_token.as_secs_f64() * 1e3,
            );
        }
        _ => println!(
            "repl/llm prompt tokens: skipped (set REHEARSE_TEST_LLAMA_URL to a llama.cpp server)"
        ),
    }

    // Peak RSS of a real session.
    let home = tempfile::tempdir().unwrap();
    let mut script: Vec<String> = turns.iter().take(40).cloned().collect();
    for c in [
        "/hint",
        "/stage",
        "/time",
        "/question",
        "/help",
        "/next",
        "/transcript",
        "/done",
    ] {
        script.push(c.to_owned());
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .args(["practice", "-q", "url-shortener"])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all((script.join("\n") + "\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    println!(
        "repl/peak RSS of a 40-turn session ending in /done: {:.1} MB (target ≤ 30 MB; ru_maxrss of the child)",
        usage.ru_maxrss as f64 / 1024.0
    );
}
