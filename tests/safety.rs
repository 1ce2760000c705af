//! Nothing lost, clobbered or leaked (issue #11), through the real binary: output paths of every
//! kind, sessions started at once, a session open twice, crafted session files, servers that
//! echo the key, escape codes in replies, unbounded inputs, cut-off streams, and the messages
//! and exit codes of the odd cases. Device nodes are our own (mknod under a temp dir), never
//! the machine's.

mod common;

use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Sandbox;
use common::mock::{MockServer, Reply};
use predicates::prelude::*;
use serde_json::{Value, json};

const KEY: &str = "sk-test-SUPERSECRET-4242";

fn sessions_dir(sandbox: &Sandbox) -> PathBuf {
    sandbox.path().join("data/rehearse/sessions")
}

fn session_files(sandbox: &Sandbox) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sessions_dir(sandbox))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().contains(".report.")
    });
    files.sort();
    files
}

/// A finished offline interview; returns its id.
fn finished_session(sandbox: &Sandbox) -> String {
    sandbox
        .cmd()
        .args(["practice", "-q", "3"])
        .write_stdin(
            "A load balancer spreads requests over servers and checks their health often.\n/done\n",
        )
        .assert()
        .success();
    let file = session_files(sandbox).pop().expect("a session");
    file.file_stem().unwrap().to_string_lossy().into_owned()
}

fn mknod(path: &Path, major: u32, minor: u32) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let dev = libc::makedev(major, minor);
    // SAFETY: a valid NUL-terminated path; creates a node in our own temp dir.
    let rc = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, dev) };
    assert_eq!(
        rc,
        0,
        "mknod {} failed: {} (these tests run as root in CI)",
        path.display(),
        std::io::Error::last_os_error()
    );
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path in our own temp dir.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

// ---- 1. output paths ----

#[test]
fn a_device_given_as_output_is_written_into_not_replaced() {
    let sandbox = Sandbox::new();
    let id = finished_session(&sandbox);
    let null = sandbox.path().join("null");
    mknod(&null, 1, 3); // the same device as /dev/null
    sandbox
        .cmd()
        .args(["report", &id, "-o"])
        .arg(&null)
        .assert()
        .success();
    let meta = std::fs::symlink_metadata(&null).unwrap();
    assert!(meta.file_type().is_char_device(), "still a device node");
}

#[test]
fn a_fifo_given_as_output_reaches_its_reader() {
    let sandbox = Sandbox::new();
    let id = finished_session(&sandbox);
    let fifo = sandbox.path().join("report.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    sandbox
        .cmd()
        .args(["report", &id, "-o"])
        .arg(&fifo)
        .assert()
        .success();
    let text = reader.join().unwrap();
    assert!(text.contains("load-balancer"), "{text}");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[test]
fn a_symlink_is_written_through_and_stays_a_symlink() {
    let sandbox = Sandbox::new();
    let id = finished_session(&sandbox);
    let target = sandbox.path().join("real.md");
    std::fs::write(&target, "old").unwrap();
    let link = sandbox.path().join("link.md");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    sandbox
        .cmd()
        .args(["report", &id, "-o"])
        .arg(&link)
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("load-balancer")
    );
}

#[test]
fn a_missing_output_directory_is_an_error_not_created() {
    let sandbox = Sandbox::new();
    finished_session(&sandbox);
    let missing = sandbox.path().join("no-such-dir/progress.html");
    sandbox
        .cmd()
        .args(["stats", "--format", "html", "-o"])
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"))
        .stderr(predicate::str::contains("no-such-dir"));
    assert!(!sandbox.path().join("no-such-dir").exists());
}

#[test]
fn dash_and_dev_stdout_write_to_standard_output() {
    let sandbox = Sandbox::new();
    let id = finished_session(&sandbox);
    for target in ["-", "/dev/stdout"] {
        sandbox
            .cmd()
            .args(["report", &id, "--format", "json", "-o", target])
            .assert()
            .success()
            .stdout(predicate::str::contains("\"schema_version\""));
    }
}

// ---- 2. sessions started at the same moment ----

#[test]
fn sessions_started_at_once_each_get_their_own_file() {
    let sandbox = Sandbox::new();
    let n = 6;
    let children: Vec<std::process::Child> = (0..n)
        .map(|i| {
            let mut child = Command::new(assert_cmd::cargo::cargo_bin("rehearse"))
                .args(["practice", "-q", "3"])
                .env_clear()
                .env("HOME", sandbox.path().join("home"))
                .env("XDG_CONFIG_HOME", sandbox.path().join("config"))
                .env("XDG_DATA_HOME", sandbox.path().join("data"))
                .current_dir(sandbox.work())
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "Answer number {i} about load balancers.\n/quit").unwrap();
            child
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let files = session_files(&sandbox);
    assert_eq!(files.len(), n, "one file per session: {files:?}");
    let mut answers: Vec<String> = files
        .iter()
        .map(|f| {
            let s: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
            assert_eq!(
                s["id"].as_str().unwrap(),
                f.file_stem().unwrap().to_string_lossy()
            );
            s["turns"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["speaker"] == "candidate")
                .map(|t| t["text"].as_str().unwrap().to_owned())
                .unwrap()
        })
        .collect();
    answers.sort();
    answers.dedup();
    assert_eq!(answers.len(), n, "no session lost its turn");
}

// ---- 3. a session open in another terminal ----

fn spawn_practice(sandbox: &Sandbox, args: &[&str]) -> std::process::Child {
    Command::new(assert_cmd::cargo::cargo_bin("rehearse"))
        .args(args)
        .env_clear()
        .env("HOME", sandbox.path().join("home"))
        .env("XDG_CONFIG_HOME", sandbox.path().join("config"))
        .env("XDG_DATA_HOME", sandbox.path().join("data"))
        .current_dir(sandbox.work())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits (bounded) until a session file exists and returns its id.
fn wait_for_session(sandbox: &Sandbox) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(f) = session_files(sandbox).pop() {
            let lock = sandbox.path().join(format!(
                "data/rehearse/locks/{}.lock",
                f.file_stem().unwrap().to_string_lossy()
            ));
            if lock.exists() && std::fs::read_to_string(&lock).is_ok_and(|s| !s.is_empty()) {
                return f.file_stem().unwrap().to_string_lossy().into_owned();
            }
        }
        assert!(Instant::now() < deadline, "no session appeared");
        std::thread::yield_now();
    }
}

#[test]
fn a_session_open_elsewhere_cannot_be_resumed_until_it_is_released() {
    let sandbox = Sandbox::new();
    let mut first = spawn_practice(&sandbox, &["practice", "-q", "3"]);
    let id = wait_for_session(&sandbox);
    let pid = first.id();
    sandbox
        .cmd()
        .args(["resume", &id])
        .write_stdin("this must not be recorded\n/quit\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "session {id} is open in another rehearse (process {pid})"
        )));
    // A crash releases the lock: the OS drops it with the process.
    first.kill().unwrap();
    first.wait().unwrap();
    sandbox
        .cmd()
        .args(["resume", &id])
        .write_stdin("Now it resumes.\n/quit\n")
        .assert()
        .success();
    let saved: Value = serde_json::from_slice(
        &std::fs::read(sessions_dir(&sandbox).join(format!("{id}.json"))).unwrap(),
    )
    .unwrap();
    let text = saved.to_string();
    assert!(text.contains("Now it resumes."));
    assert!(!text.contains("this must not be recorded"));
}

// ---- 4. crafted session files ----

#[test]
fn a_session_id_that_is_a_path_or_another_name_is_refused() {
    let sandbox = Sandbox::new();
    let id = finished_session(&sandbox);
    let dir = sessions_dir(&sandbox);
    let original: Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{id}.json"))).unwrap()).unwrap();
    let escape = sandbox.path().join("escaped");
    let mut crafted = original.clone();
    crafted["id"] = json!(format!("../../../{}", escape.display()));
    std::fs::write(
        dir.join("20260101-000000-crafted.json"),
        crafted.to_string(),
    )
    .unwrap();
    let mut twin = original.clone();
    twin["id"] = json!(id.clone());
    std::fs::write(dir.join("20260101-000001-twin.json"), twin.to_string()).unwrap();

    for name in ["20260101-000000-crafted", "20260101-000001-twin"] {
        sandbox
            .cmd()
            .args(["report", name])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("{name}.json")))
            .stderr(predicate::str::contains("not a valid session file"));
        sandbox
            .cmd()
            .args(["resume", name])
            .write_stdin("/quit\n")
            .assert()
            .code(2);
    }
    assert!(!escape.exists());
    assert!(!Path::new(&format!("{}.report.md", escape.display())).exists());
    // The real session is untouched.
    let now: Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{id}.json"))).unwrap()).unwrap();
    assert_eq!(now, original);
    // A query shaped like a path never reaches the file system.
    sandbox
        .cmd()
        .args(["report", "../../etc/passwd"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no session"));
}

// ---- 5. a server that echoes the key ----

fn echo_401() -> MockServer {
    MockServer::start(|req, _| {
        let auth = req.header("authorization").unwrap_or_default().to_owned();
        Reply::json(
            401,
            json!({"error": {"message": format!("bad key {auth}")}}),
        )
    })
}

#[test]
fn an_echoed_key_is_never_printed_by_score() {
    let sandbox = Sandbox::new();
    let server = echo_401();
    let answer = sandbox.write(
        "work/a.md",
        "A load balancer spreads requests over servers.",
    );
    let out = sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .env("REHEARSE_API_KEY", KEY)
        .env("REHEARSE_MAX_RETRIES", "0")
        .args(["score", "-q", "3"])
        .arg(&answer)
        .assert()
        .code(1);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.get_output().stdout),
        String::from_utf8_lossy(&out.get_output().stderr)
    );
    assert!(all.contains("bad key"), "{all}");
    assert!(!all.contains("SUPERSECRET"), "{all}");
    assert!(all.contains("Bearer ***"), "{all}");
}

/// A stream whose text is `content`, as a llama.cpp-style SSE body.
fn sse(content: &str) -> String {
    let chunk = json!({"choices": [{"index": 0, "delta": {"content": content}}]});
    let done = json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    format!("data: {chunk}\n\ndata: {done}\n\ndata: [DONE]\n\n")
}

#[test]
fn an_echoed_key_is_never_shown_or_saved_by_the_repl() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(|req, _| {
        if req.path == "/chat/completions" && req.json()["stream"] == true {
            let auth = req.header("authorization").unwrap_or_default().to_owned();
            Reply::sse(
                &sse(&format!("Your header was {auth}. What is the traffic?")),
                7,
            )
        } else {
            let auth = req.header("authorization").unwrap_or_default().to_owned();
            Reply::json(401, json!({"error": format!("rejected {auth}")}))
        }
    });
    let out = sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .env("REHEARSE_API_KEY", KEY)
        .env("REHEARSE_MAX_RETRIES", "0")
        .args(["practice", "-q", "3"])
        .write_stdin("It spreads requests across servers.\n/done\n/quit\n")
        .assert()
        .success();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.get_output().stdout),
        String::from_utf8_lossy(&out.get_output().stderr)
    );
    assert!(all.contains("Your header was Bearer ***"), "{all}");
    assert!(all.contains("rejected"), "{all}");
    assert!(!all.contains("SUPERSECRET"), "{all}");
    for file in session_files(&sandbox) {
        let saved = std::fs::read_to_string(file).unwrap();
        assert!(!saved.contains("SUPERSECRET"));
    }
}

// ---- 6. escape codes in replies ----

#[test]
fn escape_codes_from_the_model_are_shown_not_obeyed_and_saved_as_sent() {
    let sandbox = Sandbox::new();
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2JHow many users do we have?";
    let server = MockServer::start(move |_, _| Reply::sse(&sse(evil), 5));
    let out = sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .args(["practice", "-q", "3"])
        .write_stdin("It spreads requests across servers.\n/quit\n")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("^[]0;pwned^G^[[2JHow many users"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\u{1b}'),
        "no raw escape reaches the terminal"
    );
    let saved = std::fs::read_to_string(session_files(&sandbox).pop().unwrap()).unwrap();
    let saved: Value = serde_json::from_str(&saved).unwrap();
    assert!(
        saved["turns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["text"].as_str().is_some_and(|s| s.contains(evil)))
    );
}

// ---- 7. unbounded reads ----

#[test]
fn an_endless_device_as_an_answer_file_is_refused_after_a_megabyte() {
    let sandbox = Sandbox::new();
    let zero = sandbox.path().join("zero");
    mknod(&zero, 1, 5); // the same device as /dev/zero
    sandbox
        .cmd()
        .args(["score", "-q", "3"])
        .arg(&zero)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("larger than 1 MB"));
}

#[test]
fn an_endless_device_as_the_config_file_is_refused() {
    let sandbox = Sandbox::new();
    let zero = sandbox.path().join("zero");
    mknod(&zero, 1, 5);
    sandbox
        .cmd()
        .arg("--config")
        .arg(&zero)
        .arg("config")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("larger than 1 MB"));
}

#[test]
fn a_huge_http_reply_is_refused_not_buffered() {
    let sandbox = Sandbox::new();
    let big = "x".repeat(9 * 1024 * 1024);
    let server = MockServer::start(move |_, _| Reply::text(200, "application/json", &big));
    let answer = sandbox.write(
        "work/a.md",
        "A load balancer spreads requests over servers.",
    );
    sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .args(["score", "-q", "3"])
        .arg(&answer)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("larger than 8 MB"));
}

#[test]
fn a_runaway_interviewer_reply_is_cut_with_a_notice() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(|_, _| {
        let words = "and then some more words ".repeat(1200);
        Reply::sse(&sse(&words), 4096)
    });
    let out = sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .args(["practice", "-q", "3"])
        .write_stdin("It spreads requests across servers.\n/quit\n")
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("cut off"), "{stderr}");
    let saved: Value =
        serde_json::from_slice(&std::fs::read(session_files(&sandbox).pop().unwrap()).unwrap())
            .unwrap();
    let reply = saved["turns"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|t| t["speaker"] == "interviewer")
        .unwrap()
        .clone();
    assert!(reply["text"].as_str().unwrap().chars().count() <= 16_000);
    assert_eq!(reply["interrupted"], true);
}

// ---- 8. cut-off streams ----

#[test]
fn a_stream_cut_off_or_ended_by_an_error_event_is_marked_interrupted() {
    let cut = |piece: &str| {
        let chunk = json!({"choices": [{"index": 0, "delta": {"content": piece}}]});
        format!("data: {chunk}\n\n")
    };
    for reply in [
        Reply::StreamThenDrop {
            pieces: vec![cut("How many").into_bytes(), cut(" users").into_bytes()],
        },
        Reply::sse(
            &format!(
                "{}event: error\ndata: {{\"error\": {{\"message\": \"model crashed\"}}}}\n\n",
                cut("How many users")
            ),
            9,
        ),
    ] {
        let sandbox = Sandbox::new();
        let server = MockServer::start(move |_, _| reply.clone());
        let out = sandbox
            .cmd()
            .env("REHEARSE_BASE_URL", server.url())
            .env("REHEARSE_MAX_RETRIES", "0")
            .args(["practice", "-q", "3"])
            .write_stdin("It spreads requests across servers.\n/quit\n")
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("[the reply was cut off"), "{stderr}");
        let saved: Value =
            serde_json::from_slice(&std::fs::read(session_files(&sandbox).pop().unwrap()).unwrap())
                .unwrap();
        let reply = saved["turns"]
            .as_array()
            .unwrap()
            .iter()
            .rfind(|t| t["speaker"] == "interviewer")
            .unwrap()
            .clone();
        assert!(reply["text"].as_str().unwrap().starts_with("How many"));
        assert_eq!(reply["interrupted"], true, "{reply}");
    }
}

// ---- 9. exit codes and messages ----

#[test]
fn os_errors_are_named_once_and_an_all_bad_run_says_nothing_was_scored() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("work/answers");
    std::fs::create_dir_all(&dir).unwrap();
    let out = sandbox
        .cmd()
        .args(["score", "-q", "3"])
        .arg(&dir)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(!stderr.contains("os error"), "{stderr}");
    assert!(stderr.contains("is a directory"), "{stderr}");
    assert!(
        stderr.contains("the input could not be read; nothing was scored"),
        "{stderr}"
    );
    assert!(!stderr.contains("the others were scored"), "{stderr}");
}

#[test]
fn unreadable_session_files_are_not_reported_as_no_interviews() {
    let sandbox = Sandbox::new();
    let dir = sessions_dir(&sandbox);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("20260101-000000-broken.json"), "{not json").unwrap();
    let out = sandbox.cmd().arg("history").assert().code(2);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(!stdout.contains("No interviews yet"), "{stdout}");
    assert!(stdout.contains("No readable interviews"), "{stdout}");
}

#[test]
fn report_of_an_unknown_session_talks_about_reports_not_resuming() {
    let sandbox = Sandbox::new();
    finished_session(&sandbox);
    let out = sandbox.cmd().args(["report", "nope"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("no session \"nope\""), "{stderr}");
    assert!(stderr.contains("finished sessions"), "{stderr}");
    assert!(!stderr.contains("resume"), "{stderr}");
}

#[test]
fn too_little_to_grade_shows_no_score() {
    let sandbox = Sandbox::new();
    let answer = sandbox.write("work/a.md", "Round robin.");
    let out = sandbox
        .cmd()
        .args(["score", "-q", "3", "--format", "json"])
        .arg(&answer)
        .assert()
        .success();
    let card: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(card["band"], "insufficient");
    assert_eq!(card["overall"], 0.0);
    sandbox
        .cmd()
        .args(["score", "-q", "3"])
        .arg(&answer)
        .assert()
        .success()
        .stdout(predicate::str::contains("too little to grade"))
        .stdout(predicate::str::contains("/ 100").not());
}

fn judge_reply(verdict: &str, finish: &str, refusal: Option<&str>) -> Reply {
    let items: Vec<Value> = ["what-it-is", "expiry", "freshness", "where"]
        .iter()
        .map(|id| json!({"id": id, "verdict": verdict, "evidence": ""}))
        .collect();
    let content =
        json!({"items": items, "strengths": [], "improvements": [], "injection_attempt": false})
            .to_string();
    Reply::json(
        200,
        json!({"choices": [{"index": 0, "message": {"role": "assistant",
            "content": if refusal.is_some() { Value::Null } else { json!(content) },
            "refusal": refusal}, "finish_reason": finish}]}),
    )
}

#[test]
fn judge_failures_are_said_in_words_not_debug_text() {
    for (reply, expected) in [
        (
            judge_reply("excellent", "stop", None),
            "has verdict \"excellent\" (expected covered, partial or missing)",
        ),
        (judge_reply("covered", "length", None), "ran out of tokens"),
        (
            judge_reply("covered", "stop", Some("I can't help with grading.")),
            "the model refused to answer: I can't help with grading.",
        ),
    ] {
        let sandbox = Sandbox::new();
        sandbox.write("mine/q.toml", common::VALID_QUESTION);
        let server = MockServer::start(move |_, _| reply.clone());
        let answer = sandbox.write(
            "work/a.md",
            "A cache keeps hot data in memory so repeated reads skip the database.",
        );
        let out = sandbox
            .cmd()
            .env("REHEARSE_BASE_URL", server.url())
            .args(["--questions", "../mine", "score", "-q", "caching-basics"])
            .arg(&answer)
            .assert()
            .code(1);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
        assert!(!stderr.contains("Some("), "{stderr}");
        assert!(!stderr.contains("no JSON object found"), "{stderr}");
    }
}

#[test]
fn the_private_notes_marker_is_hidden_in_any_case() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(|_, _| {
        Reply::sse(
            &sse("Tell me the traffic.\n[[Notes]] weak on sizing so far"),
            6,
        )
    });
    let out = sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .args(["practice", "-q", "3"])
        .write_stdin("It spreads requests across servers.\n/quit\n")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("Tell me the traffic."), "{stdout}");
    assert!(!stdout.contains("weak on sizing"), "{stdout}");
    assert!(!stdout.to_lowercase().contains("[[notes]]"), "{stdout}");
}

#[test]
fn credentials_in_the_base_url_send_exactly_one_authorization_header() {
    for key in [None, Some(KEY)] {
        let sandbox = Sandbox::new();
        let server = MockServer::start(|_, _| Reply::json(200, json!({"data": [{"id": "m"}]})));
        let url = format!("http://bob:hunter2pw@127.0.0.1:{}/v1", server.port);
        let mut cmd = sandbox.cmd();
        cmd.env("REHEARSE_BASE_URL", &url)
            .env("REHEARSE_MODEL", "m");
        if let Some(key) = key {
            cmd.env("REHEARSE_API_KEY", key);
        }
        let out = cmd.arg("doctor").assert();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.get_output().stdout),
            String::from_utf8_lossy(&out.get_output().stderr)
        );
        assert!(!all.contains("hunter2pw"), "{all}");
        let requests = server.requests();
        assert!(!requests.is_empty());
        for r in requests {
            let auth: Vec<&(String, String)> = r
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .collect();
            assert_eq!(auth.len(), 1, "{:?}", r.headers);
            let expected = match key {
                Some(_) => format!("Bearer {KEY}"),
                None => "Basic Ym9iOmh1bnRlcjJwdw==".to_owned(),
            };
            assert_eq!(auth[0].1, expected);
        }
    }
}

#[test]
fn a_question_file_with_escape_codes_is_refused_with_its_line() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "mine/q.toml",
        &common::VALID_QUESTION.replace(
            "What is a cache and where would you put one?",
            "What is a cache?\\u001b]0;pwned\\u0007",
        ),
    );
    sandbox
        .cmd()
        .args(["--questions", "../mine", "questions"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "mine/q.toml:3: title: contains the control character U+001B",
        ));
}
