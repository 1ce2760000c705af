//! The practice REPL through the real binary: a scripted session over piped stdin covering
//! every command, the offline interviewer's behaviour, autosave under SIGKILL and resume, a
//! real terminal (PTY), and the LLM interviewer against a mock server (streaming, private
//! notes, Ctrl-C cancelling a reply).

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::Sandbox;
use common::mock::{MockServer, Reply, judge_ids, judge_reply};
use predicates::prelude::*;
use serde_json::{Value, json};

fn sessions(sandbox: &Sandbox) -> Vec<PathBuf> {
    let dir = sandbox.path().join("data/rehearse/sessions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().contains(".report.")
    });
    files.sort();
    files
}

fn load(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn candidate_turns(session: &Value) -> Vec<String> {
    session["turns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["speaker"] == "candidate")
        .map(|t| t["text"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_scripted_session_uses_every_command_and_ends_with_a_report() {
    let sandbox = Sandbox::new();
    let script = [
        "How many new links per day?",
        "Do we support emojis in codes?",
        "We will put Redis in front of a Postgres database.",
        "/hint",
        "/hint",
        "/hint",
        "/hnt",
        "/stage",
        "/time",
        "/question",
        "/help",
        "/back",
        "/next",
        "\"\"\"",
        "100M links per day / 86,400 is about 1,160 writes per second,",
        "and 10B redirects per day is about 116,000 reads per second.",
        "\"\"\"",
        "/next",
        "/next",
        "/next",
        "/next",
        "/next",
        "/transcript",
        "/done",
    ]
    .join("\n");
    let out = sandbox
        .cmd()
        .args(["practice", "--question", "url-shortener"])
        .write_stdin(format!("{script}\n"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "interviewing offline (no endpoint configured",
        ));
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let expect = [
        // The question, its stages and budgets, and how to get help.
        "#31 Design a URL shortener like bit.ly",
        "1. Requirements               05:00",
        "/help lists commands",
        "── Stage 1/6: Requirements (05:00) ──",
        // A clarifying question answered from the question's facts.
        "Plan for 100 million new short links per day",
        // No fact matches: the interviewer asks what they would assume.
        "What would you assume?",
        // Designing during requirements is nudged.
        "Hold on: before components and databases",
        // Progressive hints, then none left.
        "Hint 1/2:",
        "Hint 2/2:",
        "No more hints for this stage.",
        // Unknown command: a suggestion, nothing recorded.
        "Unknown command /hnt. Did you mean /hint? Nothing was recorded",
        "Stage 1/6: Requirements. 00:",
        "Total: 00:",
        "This is the first stage.",
        "── Stage 2/6: Capacity estimation (05:00) ──",
        "── Stage 6/6: Trade-offs (05:00) ──",
        "This is the last stage. /done finishes the interview",
        "[Capacity estimation] You: 100M links per day / 86,400 is about 1,160 writes per second,",
        "Overall ",
        "scored by the offline scorer",
        "Report: ",
    ];
    let mut from = 0;
    for needle in expect {
        match stdout[from..].find(needle) {
            Some(at) => from += at + needle.len(),
            None => panic!("{needle:?} not found (in order) in:\n{stdout}"),
        }
    }
    for spec in [
        "/next",
        "/back",
        "/stage",
        "/hint",
        "/time",
        "/transcript",
        "/question",
        "/done",
        "/quit",
    ] {
        assert!(stdout.contains(spec), "/help lists {spec}");
    }

    let files = sessions(&sandbox);
    assert_eq!(files.len(), 1);
    let session = load(&files[0]);
    assert!(session["finished_at"].is_string());
    assert_eq!(session["mode"], "offline");
    let turns = candidate_turns(&session);
    assert_eq!(
        turns.len(),
        4,
        "commands and unknown commands are not turns: {turns:?}"
    );
    assert_eq!(
        turns[3],
        "100M links per day / 86,400 is about 1,160 writes per second,\nand 10B redirects per day is about 116,000 reads per second."
    );
    assert_eq!(session["stages"][0]["hints_used"], 2);
    let card = &session["scorecard"];
    assert_eq!(card["scorer"]["kind"], "offline");
    assert_eq!(card["signals"]["clarifying_questions"], 2);
    assert_eq!(card["signals"]["hints_used"], 2);
    let estimation = card["rubric"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "traffic-math")
        .unwrap();
    assert_eq!(
        estimation["verdict"], "covered",
        "the multi-line estimate is scored in its stage"
    );
    let report = files[0].with_extension("report.md");
    let markdown = std::fs::read_to_string(&report).unwrap();
    assert!(stdout.contains(&report.display().to_string()));
    assert!(markdown.starts_with("# Interview report: Design a URL shortener like bit.ly"));
    assert!(markdown.contains("## Appendix: transcript"));
}

#[test]
fn quit_saves_and_resume_continues_where_it_stopped() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["practice", "-q", "3"])
        .write_stdin("A load balancer spreads requests across servers.\n/next\n/quit\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Continue with `rehearse resume"));
    let before = load(&sessions(&sandbox)[0]);
    assert!(before["finished_at"].is_null());
    assert_eq!(before["stage_index"], 1);

    sandbox
        .cmd()
        .arg("resume")
        .write_stdin("Health checks take dead servers out of rotation.\n/done\n")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Resuming ")
                .and(predicate::str::contains("stage 2/4 (How it works)")),
        )
        .stdout(predicate::str::contains("Report: "));
    let after = load(&sessions(&sandbox)[0]);
    assert!(after["finished_at"].is_string());
    let turns = after["turns"].as_array().unwrap();
    let last_candidate = turns
        .iter()
        .rev()
        .find(|t| t["speaker"] == "candidate")
        .unwrap();
    assert_eq!(last_candidate["stage"], "mechanics");

    // Nothing left to resume; an unknown id is a usage error.
    sandbox
        .cmd()
        .arg("resume")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no unfinished session"));
}

#[test]
fn an_unknown_session_id_lists_the_unfinished_ones() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["practice", "-q", "3"])
        .write_stdin("/quit\n")
        .assert()
        .success();
    let id = sessions(&sandbox)[0]
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .to_string();
    sandbox
        .cmd()
        .args(["resume", "20990101-nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no session \"20990101-nope\"; unfinished sessions:",
        ))
        .stderr(predicate::str::contains(id));
}

#[test]
fn end_of_input_saves_like_quit() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["practice", "-q", "3"])
        .write_stdin("A load balancer spreads requests.")
        .assert()
        .success()
        .stdout(predicate::str::contains("Saved to"));
    let session = load(&sessions(&sandbox)[0]);
    assert_eq!(
        candidate_turns(&session),
        ["A load balancer spreads requests."]
    );
}

#[test]
fn without_a_question_one_is_picked_within_the_filters() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["practice", "--level", "advanced", "--kind", "design"])
        .write_stdin("/quit\n")
        .assert()
        .success()
        .stderr(
            predicate::str::is_match(
                r"Picked #\d+ [a-z0-9-]+ \(advanced design\): not practised before",
            )
            .unwrap(),
        );
    let session = load(&sessions(&sandbox)[0]);
    assert_eq!(session["question"]["level"], "advanced");
    assert_eq!(session["kind"], "design");
    sandbox
        .cmd()
        .args(["practice", "--level", "basic", "--kind", "design"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no question matches level basic, kind design",
        ));
}

#[test]
fn minutes_scale_the_stage_budgets() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["practice", "-q", "31", "--minutes", "90"])
        .write_stdin("/quit\n")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1. Requirements               10:00",
        ));
}

/// A child process whose stdout is read on a thread, so tests can wait for output with a
/// bound instead of sleeping.
struct Live {
    child: Child,
    stdin: Option<ChildStdin>,
    output: mpsc::Receiver<Vec<u8>>,
    seen: String,
}

impl Live {
    fn spawn(sandbox: &Sandbox, args: &[&str], env: &[(&str, String)]) -> Live {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("rehearse"));
        cmd.args(args)
            .env_clear()
            .env("HOME", sandbox.path().join("home"))
            .env("XDG_CONFIG_HOME", sandbox.path().join("config"))
            .env("XDG_DATA_HOME", sandbox.path().join("data"))
            .current_dir(sandbox.work())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Live {
            child,
            stdin,
            output: rx,
            seen: String::new(),
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits (at most 20 s) until the output has contained `needle` `times` times.
    fn wait_for(&mut self, needle: &str, times: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while self.seen.matches(needle).count() < times {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => panic!(
                    "timed out waiting for {needle:?} ×{times}; output so far:\n{}",
                    self.seen
                ),
            }
        }
    }
}

#[test]
fn a_kill_loses_no_submitted_turn_and_the_session_resumes() {
    let sandbox = Sandbox::new();
    let mut live = Live::spawn(&sandbox, &["practice", "-q", "31"], &[]);
    let turns = [
        "Who are the users and how many links per day?",
        "Links never expire and codes are seven characters.",
        "Redirects should answer in under 20 ms.",
    ];
    for (i, turn) in turns.iter().enumerate() {
        live.send(turn);
        // /stage prints once the turn before it was handled (and saved).
        live.send("/stage");
        live.wait_for("Stage 1/6: Requirements.", i + 1);
    }
    live.child.kill().unwrap(); // SIGKILL
    live.child.wait().unwrap();

    let files = sessions(&sandbox);
    assert_eq!(files.len(), 1);
    let session = load(&files[0]);
    assert_eq!(candidate_turns(&session), turns);
    assert!(session["finished_at"].is_null());

    sandbox
        .cmd()
        .arg("resume")
        .write_stdin("/next\n100M per day / 86,400 is about 1,160 writes per second.\n/done\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Report: "));
    let session = load(&files[0]);
    assert_eq!(candidate_turns(&session).len(), 4);
    assert!(session["scorecard"]["overall"].is_number());
    assert!(files[0].with_extension("report.md").exists());
}

/// `rehearse ARGS` in a pseudo-terminal, in the sandbox, with `timeout_ms` for each expectation.
fn terminal(sandbox: &Sandbox, args: &[&str], timeout_ms: u64) -> rexpect::session::PtySession {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("rehearse"));
    cmd.args(args)
        .env_clear()
        .env("HOME", sandbox.path().join("home"))
        .env("XDG_CONFIG_HOME", sandbox.path().join("config"))
        .env("XDG_DATA_HOME", sandbox.path().join("data"))
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .current_dir(sandbox.work());
    rexpect::session::spawn_command(cmd, Some(timeout_ms)).unwrap()
}

#[test]
fn in_a_real_terminal_the_prompt_shows_stage_and_clock() {
    let sandbox = Sandbox::new();
    let mut p = terminal(&sandbox, &["practice", "-q", "3"], 20_000);
    p.exp_string("#3 ").unwrap();
    // The terminal shows bytes; match the ASCII part of the prompt.
    p.exp_regex(r"\[1/4 definition 00:0\d/03:00\] ").unwrap();
    p.send_line("A load balancer spreads incoming requests over many servers.")
        .unwrap();
    p.exp_string("Interviewer").unwrap();
    p.send_line("/hint").unwrap();
    p.exp_string("Hint 1/").unwrap();
    // Ctrl-C twice at an empty prompt offers to quit.
    p.exp_regex(r"\[1/4 definition").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("press Ctrl-C again to quit").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("Quit now?").unwrap();
    p.send_line("n").unwrap();
    p.exp_regex(r"\[1/4 definition").unwrap();
    // Ctrl-D saves and quits.
    p.send_control('d').unwrap();
    p.exp_string("Saved to").unwrap();
    p.exp_eof().unwrap();
    let session = load(&sessions(&sandbox)[0]);
    assert_eq!(
        candidate_turns(&session),
        ["A load balancer spreads incoming requests over many servers."]
    );
    assert_eq!(session["stages"][0]["hints_used"], 1);
}

#[test]
fn in_a_real_terminal_a_thin_answer_gets_a_probe_for_a_missing_point() {
    let sandbox = Sandbox::new();
    let mut p = terminal(&sandbox, &["practice", "-q", "31"], 20_000);
    p.exp_regex(r"\[1/6 requirements").unwrap();
    p.send_line("It shortens links.").unwrap();
    p.exp_string("Interviewer").unwrap();
    // Everything up to the next prompt is the reply, wrapped for the terminal.
    let (reply, _) = p.exp_regex(r"\[1/6 requirements").unwrap();
    let reply: String = reply.split_whitespace().collect::<Vec<_>>().join(" ");
    let bank = rehearse::bank::Bank::load(&[]).unwrap();
    let q = bank.find("url-shortener").unwrap();
    let asks: Vec<&str> = q
        .rubric_for("requirements")
        .map(|r| r.probe.as_str())
        .chain(q.followups_for("requirements").map(|f| f.ask.as_str()))
        .collect();
    assert!(
        asks.iter().any(|a| reply.contains(a)),
        "the reply asks about a missing requirement: {reply}"
    );
    p.send_control('d').unwrap();
    p.exp_string("Saved to").unwrap();
    p.exp_eof().unwrap();
    let session = load(&sessions(&sandbox)[0]);
    let last = session["turns"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "followup");
}

// ---- the LLM interviewer, against a mock server ----

fn interviewer_and_judge(req: &common::mock::Recorded, _: usize) -> Reply {
    let body = req.json();
    if body["stream"] == true {
        return Reply::sse(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"How many users do you expect?\\n[[no\"}}]}\n\n\
             data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tes]] Asked nothing about scale yet.\"}}]}\n\n\
             data: [DONE]\n\n",
            17,
        );
    }
    let items: Vec<Value> = judge_ids(&body)
        .iter()
        .map(|id| json!({"id": id, "verdict": "missing", "evidence": ""}))
        .collect();
    Reply::completion(&judge_reply(items, &[], &["Ask about scale."]))
}

#[test]
fn the_llm_interviewer_streams_replies_and_keeps_its_notes_private() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(interviewer_and_judge);
    let out = sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .env("REHEARSE_MODEL", "interviewer-model")
        .args(["practice", "-q", "31"])
        .write_stdin("I'd put Redis in front of a Postgres database.\n/done\n")
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("Interviewer › How many users do you expect?"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("[[notes]]") && !stdout.contains("Asked nothing about scale"),
        "{stdout}"
    );
    assert!(
        stdout.contains("scored by the LLM judge (interviewer-model)"),
        "{stdout}"
    );

    let requests = server.requests();
    let interviewer = requests
        .iter()
        .find(|r| r.json()["stream"] == true)
        .unwrap()
        .json();
    let system = interviewer["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("Plan for 100 million new short links per day"),
        "facts keep clarifications consistent"
    );
    assert!(system.contains("Never give the answer away"));
    assert!(
        !system.contains("Code length follows from that count"),
        "the reference answer is never in the interviewer's prompt"
    );
    assert!(
        !system.contains("choosing components before the requirements are clear"),
        "steering is per turn, never in the system prompt"
    );
    let last = interviewer["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["role"], "user");
    let content = last["content"].as_str().unwrap();
    let (said, context) = content.split_once("\n\n[interview context]").unwrap();
    assert_eq!(said, "I'd put Redis in front of a Postgres database.");
    assert!(
        context.contains("choosing components before the requirements are clear"),
        "the code-decided nudge reaches the model with the turn: {context}"
    );

    let judge = requests
        .iter()
        .find(|r| r.json()["stream"] == false)
        .unwrap()
        .json();
    let judge_system = judge["messages"][0]["content"].as_str().unwrap();
    let judge_user = judge["messages"][1]["content"].as_str().unwrap();
    assert!(
        judge_user.contains("Asked nothing about scale yet.")
            && !judge_system.contains("Asked nothing about scale yet."),
        "the judge gets the notes as data, never as instructions"
    );

    let session = load(&sessions(&sandbox)[0]);
    assert_eq!(session["mode"], "llm");
    assert_eq!(
        session["notes"],
        json!(["[requirements] Asked nothing about scale yet."])
    );
    assert_eq!(
        session["scorecard"]["scorer"],
        json!({"kind": "llm", "model": "interviewer-model"})
    );
}

/// The roles of a request's messages, in order.
fn roles(request: &Value) -> Vec<String> {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_interviewer_request_keeps_one_system_prompt_and_strict_turns() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(interviewer_and_judge);
    let bank = rehearse::bank::Bank::load(&[]).unwrap();
    let fact = bank.find("url-shortener").unwrap().facts[0].clone();
    let asked = format!("What about {}?", fact.keywords[0]);
    sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .env("REHEARSE_MODEL", "interviewer-model")
        .args(["practice", "-q", "31"])
        .write_stdin(format!(
            "Users shorten links and open them.\n{asked}\n/hint\n/next\nAbout 100M writes a day.\nReads dominate.\n/quit\n"
        ))
        .assert()
        .success();
    let requests: Vec<Value> = server
        .requests()
        .iter()
        .map(|r| r.json())
        .filter(|r| r["stream"] == true)
        .collect();
    assert_eq!(requests.len(), 4, "one request per candidate turn");
    let system = &requests[0]["messages"][0]["content"];
    for (i, request) in requests.iter().enumerate() {
        assert_eq!(
            &request["messages"][0]["content"], system,
            "request {i}: one system prompt"
        );
        let roles = roles(request);
        assert_eq!(roles[0], "system");
        for (j, pair) in roles[1..].windows(2).enumerate() {
            assert_ne!(
                pair[0], pair[1],
                "request {i}: roles alternate at {j}: {roles:?}"
            );
        }
        assert_eq!(
            roles[1], "user",
            "the conversation starts with the candidate"
        );
        assert_eq!(roles.last().unwrap(), "user");
        // Each request extends the one before: earlier messages are unchanged except that the
        // last user message drops its per-turn section.
        if i > 0 {
            let before = requests[i - 1]["messages"].as_array().unwrap();
            let now = request["messages"].as_array().unwrap();
            let kept = before.len() - 1;
            assert_eq!(
                &before[..kept],
                &now[..kept],
                "request {i} keeps the prefix"
            );
            let was = before[kept]["content"].as_str().unwrap();
            let is = now[kept]["content"].as_str().unwrap();
            assert!(was.starts_with(is), "request {i}: {is:?} vs {was:?}");
        }
    }
    // The fact the clarifying question matched travels with that turn.
    let last = |r: &Value| {
        r["messages"].as_array().unwrap().last().unwrap()["content"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        last(&requests[1]).contains(&fact.answer),
        "{}",
        last(&requests[1])
    );
    assert!(!last(&requests[0]).contains(&fact.answer));
    // The stage change is marked inside a user message.
    assert!(last(&requests[2]).starts_with("(We are now in the Capacity estimation stage.)"));
}

#[test]
fn quoting_the_interviewer_earns_the_candidate_nothing() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(|req, _| {
        let body = req.json();
        if body["stream"] == true {
            return Reply::sse(
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Would a cache in front of the database keep redirects fast?\"}}]}\n\n\
                 data: [DONE]\n\n",
                17,
            );
        }
        // The judge credits every item with the interviewer's words.
        let items: Vec<Value> = judge_ids(&body)
            .iter()
            .map(|id| json!({"id": id, "verdict": "covered", "evidence": "a cache in front of the database keep redirects fast"}))
            .collect();
        Reply::completion(&judge_reply(items, &[], &[]))
    });
    sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .env("REHEARSE_MODEL", "interviewer-model")
        .args(["practice", "-q", "31"])
        .write_stdin(
            "Users shorten long links and get redirected when they open the short one. \
             Links can carry a custom alias and an expiry date, and redirects must stay fast \
             because reads outnumber writes by about a hundred to one. The service has to stay \
             available during a regional outage, so every component runs in at least two zones \
             and nothing is kept only in one process.\n/done\n",
        )
        .assert()
        .success();
    let session = load(&sessions(&sandbox)[0]);
    let card = &session["scorecard"];
    assert_eq!(card["scorer"]["kind"], "llm");
    assert!(
        card["rubric"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["verdict"] == "missing" && item["evidence"].is_null()),
        "{card}"
    );
    assert!(
        card["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("unverified_evidence")),
        "{card}"
    );
}

#[test]
fn ctrl_c_cancels_a_streaming_reply_and_keeps_what_arrived() {
    let sandbox = Sandbox::new();
    let partial =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Interesting, tell me\"}}]}\n\n";
    let server = MockServer::start(move |_, _| Reply::StreamThenHang {
        pieces: vec![partial.as_bytes().to_vec()],
    });
    let mut live = Live::spawn(
        &sandbox,
        &["practice", "-q", "31"],
        &[
            ("REHEARSE_BASE_URL", server.url()),
            ("REHEARSE_TIMEOUT_SECS", "600".into()),
        ],
    );
    live.send("We need short links that never expire.");
    live.wait_for("Interesting, tell me", 1);
    let pid = live.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    live.wait_for("[interrupted]", 1);
    let server = std::sync::Arc::new(server);
    assert!(
        server.wait_disconnect(Duration::from_secs(20)),
        "the request was not cancelled"
    );
    live.send("/quit");
    drop(live.stdin.take());
    assert!(
        live.child.wait().unwrap().success(),
        "the REPL survives Ctrl-C"
    );
    let session = load(&sessions(&sandbox)[0]);
    let last = session["turns"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["speaker"], "interviewer");
    assert_eq!(last["text"], "Interesting, tell me");
    assert_eq!(last["interrupted"], true);
}

#[test]
fn a_stage_over_its_budget_gets_one_nudge() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["practice", "-q", "31"])
        .write_stdin("/quit\n")
        .assert()
        .success();
    // Pretend the candidate already spent 6:40 on requirements (budget 5:00).
    let path = sessions(&sandbox)[0].clone();
    let mut session = load(&path);
    session["stages"][0]["spent_ms"] = json!(400_000);
    std::fs::write(&path, serde_json::to_vec_pretty(&session).unwrap()).unwrap();
    let out = sandbox
        .cmd()
        .arg("resume")
        .write_stdin("Users shorten links and open them.\nLinks never expire.\n/quit\n")
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let nudges = predicate::str::is_match(r"We're at 06:4\d of 05:00 for Requirements").unwrap();
    assert!(nudges.eval(&stdout), "{stdout}");
    assert_eq!(
        stdout.matches("of 05:00 for Requirements").count(),
        1,
        "nudged once: {stdout}"
    );
    let saved = load(&path);
    let nudged: Vec<&serde_json::Value> = saved["turns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["stage"] == "requirements" && t["nudges"] == json!(["overtime"]))
        .collect();
    assert_eq!(
        nudged.len(),
        1,
        "the nudge is recorded on its turn: {saved}"
    );
}

#[test]
fn a_session_file_with_an_impossible_stage_is_refused_not_crashed_on() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["practice", "-q", "3"])
        .write_stdin("/quit\n")
        .assert()
        .success();
    let path = sessions(&sandbox)[0].clone();
    let mut session = load(&path);
    session["stage_index"] = json!(99);
    std::fs::write(&path, serde_json::to_vec_pretty(&session).unwrap()).unwrap();
    let id = path.file_stem().unwrap().to_string_lossy().to_string();
    sandbox
        .cmd()
        .args(["resume", &id])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not a valid session file (stage_index 99 is out of range for 4 stage(s))",
        ));
}

#[test]
fn answers_may_start_with_a_slash() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["practice", "-q", "31"])
        .write_stdin("/api/v1/urls returns the short code for a long URL.\n/quit\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Unknown command").not());
    let session = load(&sessions(&sandbox)[0]);
    assert_eq!(
        candidate_turns(&session),
        ["/api/v1/urls returns the short code for a long URL."]
    );
}

#[test]
fn an_answer_typed_in_the_first_stage_scores_like_the_same_text_scored_as_a_file() {
    // Credit counts wherever a point is made: typing the whole answer during the first stage
    // must not lose the points of later stages.
    let answer = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/graded/cap-theorem/good.md"
    ))
    .unwrap();
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/answer.md", &answer);
    let out = sandbox
        .cmd()
        .args(["score", "-q", "14", "--format", "json"])
        .arg(&file)
        .assert()
        .success();
    let scored: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let by_score = scored["overall"].as_f64().unwrap();

    let mut p = terminal(&sandbox, &["practice", "-q", "14"], 60_000);
    p.exp_regex(r"\[1/4 definition").unwrap();
    // One line at a time, each once the line editor reads again: it turns bracketed paste on
    // ("ESC [?2004h") for every new line, then draws the continuation prompt "… " (read as
    // Latin-1 bytes, so it ends in '¦'). It redraws that prompt in place when a long line
    // wraps, so the prompt alone does not say it is ready; a terminal drops input that arrives
    // before the editor reads it.
    let next_line = |p: &mut rexpect::session::PtySession| {
        p.exp_string("\u{1b}[?2004h").unwrap();
        p.exp_string("\u{a6} ").unwrap();
    };
    p.send_line("\"\"\"").unwrap();
    for line in answer.lines() {
        next_line(&mut p);
        p.send_line(line).unwrap();
    }
    next_line(&mut p);
    p.send_line("\"\"\"").unwrap();
    p.exp_string("Interviewer").unwrap();
    p.exp_regex(r"\[1/4 definition").unwrap();
    p.send_line("/done").unwrap();
    let (_, overall) = p.exp_regex(r"Overall [0-9.]+").unwrap();
    p.exp_string("Report: ").unwrap();
    let in_practice: f64 = overall.trim_start_matches("Overall ").parse().unwrap();
    let session = load(&sessions(&sandbox)[0]);
    assert_eq!(
        candidate_turns(&session).join("\n"),
        answer.trim_end(),
        "the terminal delivered the answer as typed"
    );
    assert!(
        (in_practice - by_score).abs() <= 10.0,
        "practice {in_practice} vs score {by_score}"
    );
    assert!(
        by_score >= 55.0,
        "a good answer is not graded as a failure: {by_score}"
    );
}

/// Sends a `"""` block one line at a time, each once the line editor reads again (see
/// `an_answer_typed_in_the_first_stage_scores_like_the_same_text_scored_as_a_file`).
fn send_block(p: &mut rexpect::session::PtySession, lines: &[&str]) {
    p.exp_string("\u{1b}[?2004h").unwrap();
    p.send_line("\"\"\"").unwrap();
    for line in lines {
        p.exp_string("\u{1b}[?2004h").unwrap();
        p.exp_string("\u{a6} ").unwrap();
        p.send_line(line).unwrap();
    }
    p.exp_string("\u{1b}[?2004h").unwrap();
    p.exp_string("\u{a6} ").unwrap();
    p.send_line("\"\"\"").unwrap();
}

#[test]
fn in_a_real_terminal_diagram_takes_a_block_shows_it_and_keeps_the_last_good_version() {
    let sandbox = Sandbox::new();
    let mut p = terminal(&sandbox, &["practice", "-q", "31"], 20_000);
    p.exp_regex(r"\[1/6 requirements").unwrap();
    p.send_line("/diagram").unwrap();
    p.exp_string("Paste a Mermaid flowchart").unwrap();
    send_block(
        &mut p,
        &[
            "flowchart LR",
            "  web([Browser]) --> lb[Load balancer] --> api[URL service]",
            "  api --> cache[(Redis)]",
            "  api --> db[(Links DB)]",
        ],
    );
    p.exp_string("Thanks for the diagram: 5 components, 4 flows.")
        .unwrap();
    p.exp_regex(r"\[1/6 requirements").unwrap();

    // A broken version is refused with its line and column; the first one stays.
    p.send_line("/diagram").unwrap();
    p.exp_string("Your diagram (version 1):").unwrap();
    p.exp_string("cache: Redis").unwrap();
    p.exp_string("URL service --> Links DB").unwrap();
    send_block(&mut p, &["flowchart LR", "  api --> db[(Links DB"]);
    p.exp_string("The diagram could not be read: line 2, column")
        .unwrap();
    p.exp_string("Your previous diagram is kept.").unwrap();
    p.exp_regex(r"\[1/6 requirements").unwrap();
    p.send_line("/diagram").unwrap();
    p.exp_string("Your diagram (version 1):").unwrap();
    p.exp_string("\u{1b}[?2004h").unwrap();
    p.send_line("").unwrap();
    p.exp_regex(r"\[1/6 requirements").unwrap();

    // Pasted without the quotes: read on to the empty line, not turned into answers.
    p.send_line("/diagram").unwrap();
    p.exp_string("Your diagram (version 1):").unwrap();
    p.exp_string("\u{1b}[?2004h").unwrap();
    p.send_line("flowchart LR").unwrap();
    for line in [
        "  web([Browser]) --> api[URL service]",
        "  api --> db[(Links DB)]",
        "",
    ] {
        p.exp_string("\u{1b}[?2004h").unwrap();
        p.exp_string("\u{a6} ").unwrap();
        p.send_line(line).unwrap();
    }
    p.exp_string("Thanks for the diagram: 3 components, 2 flows.")
        .unwrap();
    p.exp_regex(r"\[1/6 requirements").unwrap();
    p.send_control('d').unwrap();
    p.exp_string("Saved to").unwrap();
    p.exp_eof().unwrap();

    let session = load(&sessions(&sandbox)[0]);
    let diagrams = session["diagrams"].as_array().unwrap();
    assert_eq!(diagrams.len(), 2);
    assert_eq!(diagrams[0]["stage"], "requirements");
    assert!(
        diagrams[0]["source"]
            .as_str()
            .unwrap()
            .contains("api --> cache[(Redis)]")
    );
    let kinds: Vec<&Value> = session["turns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["speaker"] == "candidate")
        .map(|t| &t["kind"])
        .collect();
    assert_eq!(
        kinds,
        [&json!("diagram"), &json!("diagram")],
        "each version is in the transcript, as a diagram, and no line became an answer"
    );
}
