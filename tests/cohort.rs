//! Cohorts: `score --batch` against a mock of the Files and Batches API (upload validation,
//! status progression, output and error files, cancel), an interrupted run collected later,
//! failed lines, `--batch-file` with `batch collect --from`, and CSV read back with a CSV reader.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::Sandbox;
use common::batch_api::{BatchApi, multipart};
use common::mock::{MockServer, Reply, judge_ids, judge_reply};
use serde_json::{Value, json};

const QUOTE: &str = "create a short code for a long URL and redirect users";

fn answer(n: usize) -> String {
    format!(
        "## Requirements\nWe need to {QUOTE} who open the short link. Answer number {n} also lets users pick custom aliases and set an expiry date per link.\n\n## Estimation\nWith 100M new links per day that is about 1,200 writes per second and 116,000 redirects per second.\n"
    )
}

/// The judge's verdicts: the first item covered with `evidence`, the rest missing.
fn verdicts(body: &Value, evidence: &str) -> String {
    let items: Vec<Value> = judge_ids(body)
        .iter()
        .enumerate()
        .map(|(i, id)| {
            if i == 0 {
                json!({"id": id, "verdict": "covered", "evidence": evidence})
            } else {
                json!({"id": id, "verdict": "missing", "evidence": ""})
            }
        })
        .collect();
    judge_reply(items, &["Clear scope."], &["Size the code space."])
}

fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "judge-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]
    })
}

/// A judge that verifies like a real one would be checked: answer 2 quotes words it never
/// wrote (fabricated), the others quote their own words.
fn honest_and_fabricated(custom_id: &str, body: &Value) -> Result<Value, (u16, Value)> {
    let evidence = if custom_id.ends_with("/2") {
        "we shard the database by user id"
    } else {
        QUOTE
    };
    Ok(completion(&verdicts(body, evidence)))
}

fn batch_cmd(sandbox: &Sandbox, api: &BatchApi) -> assert_cmd::Command {
    let mut cmd = sandbox.cmd();
    cmd.env("REHEARSE_BASE_URL", api.url())
        .env("REHEARSE_API_KEY", "sk-test-secret-key-1234")
        .env("REHEARSE_MODEL", "judge-model")
        .env("REHEARSE_BATCH_POLL_SECS", "0")
        .env("REHEARSE_RETRY_BASE_MS", "1");
    cmd
}

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write_answers(sandbox: &Sandbox, n: usize) -> Vec<std::path::PathBuf> {
    (1..=n)
        .map(|i| sandbox.write(&format!("work/answers/{i}.md"), &answer(i)))
        .collect()
}

#[test]
fn score_batch_uploads_one_request_per_answer_and_prints_verified_cards_in_input_order() {
    let sandbox = Sandbox::new();
    let files = write_answers(&sandbox, 3);
    let api = BatchApi::start(honest_and_fabricated);
    let out = batch_cmd(&sandbox, &api)
        .args(["score", "-q", "31", "--batch", "--format", "json"])
        .args(&files)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("batch batch_2: 3 answer(s) to #31 url-shortener submitted"),
        "{stderr}"
    );
    assert!(!stderr.contains("sk-test-secret"), "{stderr}");

    let cards = json_lines(&out.get_output().stdout);
    let inputs: Vec<&str> = cards.iter().map(|c| c["input"].as_str().unwrap()).collect();
    assert_eq!(
        inputs,
        files
            .iter()
            .map(|f| f.to_str().unwrap())
            .collect::<Vec<_>>()
    );
    for card in &cards {
        assert_eq!(
            card["scorer"],
            json!({"kind": "llm", "model": "judge-model"})
        );
    }
    // Quotes are verified as online: answer 2's judge quoted words it never wrote.
    assert_eq!(cards[0]["rubric"][0]["verdict"], "covered");
    assert_eq!(cards[0]["rubric"][0]["evidence"], QUOTE);
    assert_eq!(cards[0]["flags"], json!([]));
    assert_eq!(cards[1]["rubric"][0]["verdict"], "missing");
    assert_eq!(cards[1]["flags"], json!(["unverified_evidence"]));

    // The upload: multipart purpose=batch, one line per answer, as the online judge's request.
    let requests = api.requests();
    let upload = requests.iter().find(|r| r.path == "/files").unwrap();
    assert_eq!(
        upload.header("authorization"),
        Some("Bearer sk-test-secret-key-1234")
    );
    let parts = multipart(upload).unwrap();
    let file = &parts.iter().find(|(n, _)| n == "file").unwrap().1;
    let lines: Vec<Value> = String::from_utf8(file.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["method"], "POST");
    assert_eq!(lines[0]["url"], "/v1/chat/completions");
    let create = requests
        .iter()
        .find(|r| r.path == "/batches")
        .unwrap()
        .json();
    assert_eq!(create["endpoint"], "/v1/chat/completions");
    assert_eq!(create["completion_window"], "24h");
    assert!(
        create["input_file_id"]
            .as_str()
            .unwrap()
            .starts_with("file-in-")
    );
    // Polled until done, then both files fetched (there is no error file here).
    assert!(
        requests
            .iter()
            .filter(|r| r.path == "/batches/batch_2")
            .count()
            >= 4
    );
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.path.ends_with("/content"))
            .count(),
        1
    );

    // The body is exactly what the online judge sends for the same answer.
    let chat = MockServer::start(|req, _| Reply::completion(&verdicts(&req.json(), QUOTE)));
    sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", chat.url())
        .env("REHEARSE_MODEL", "judge-model")
        .args(["score", "-q", "31", "--format", "json"])
        .arg(&files[0])
        .assert()
        .success();
    assert_eq!(lines[0]["body"], chat.requests()[0].json());
}

/// Runs `rehearse ARGS` with stderr piped; returns the child once a stderr line containing
/// `marker` appeared (bounded), and every stderr line so far.
fn spawn_until(
    sandbox: &Sandbox,
    api: &BatchApi,
    args: &[&str],
    marker: &str,
) -> (std::process::Child, Vec<String>) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("rehearse"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sandbox.path().join("home"))
        .env("XDG_CONFIG_HOME", sandbox.path().join("config"))
        .env("XDG_DATA_HOME", sandbox.path().join("data"))
        .env("REHEARSE_BASE_URL", api.url())
        .env("REHEARSE_MODEL", "judge-model")
        .env("REHEARSE_BATCH_POLL_SECS", "0")
        .current_dir(sandbox.work())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no `{marker}` on stderr: {seen:?}"));
        let found = line.contains(marker);
        seen.push(line);
        if found {
            break;
        }
    }
    // The rest of stderr is drained by the thread; collect it after the child exits.
    std::thread::spawn(move || while rx.recv().is_ok() {});
    (child, seen)
}

#[test]
fn an_interrupted_batch_is_collected_later_and_collecting_twice_gives_the_same_output() {
    let sandbox = Sandbox::new();
    let files = write_answers(&sandbox, 3);
    let api = BatchApi::start(honest_and_fabricated);
    api.hold();
    let mut args = vec!["score", "-q", "31", "--batch", "--format", "json"];
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let (mut child, seen) = spawn_until(&sandbox, &api, &args, "submitted");
    assert!(
        seen.last()
            .unwrap()
            .contains("rehearse batch collect batch_2"),
        "{seen:?}"
    );
    // Ctrl-C while it waits.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));

    let list = batch_cmd(&sandbox, &api)
        .args(["batch", "list", "--format", "json"])
        .assert()
        .success();
    let listed: Value = serde_json::from_slice(&list.get_output().stdout).unwrap();
    assert_eq!(listed[0]["provider_batch_id"], "batch_2");
    assert_eq!(listed[0]["answers"], 3);
    // Its last known status: interrupted before or after the first status check.
    assert!(
        ["validating", "in_progress"].contains(&listed[0]["status"].as_str().unwrap()),
        "{listed}"
    );

    // Not done yet: collect says so and exits 1.
    batch_cmd(&sandbox, &api)
        .args(["batch", "collect", "batch_2"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("is not done yet (in_progress"));

    api.release();
    batch_cmd(&sandbox, &api)
        .args(["batch", "status", "batch_2"])
        .assert()
        .success()
        .stdout(predicates::str::contains("finalizing"));
    let first = batch_cmd(&sandbox, &api)
        .args(["batch", "collect", "batch_2", "--format", "json"])
        .assert()
        .success();
    let downloads = api
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/content"))
        .count();
    // The local id works as well as the provider's.
    let local = listed[0]["id"].as_str().unwrap().to_owned();
    let second = batch_cmd(&sandbox, &api)
        .args(["batch", "collect", &local, "--format", "json"])
        .assert()
        .success();
    assert_eq!(first.get_output().stdout, second.get_output().stdout);
    assert_eq!(
        api.requests()
            .iter()
            .filter(|r| r.path.ends_with("/content"))
            .count(),
        downloads,
        "collected from the downloaded files the second time"
    );
    let cards = json_lines(&first.get_output().stdout);
    assert_eq!(cards.len(), 3);
    assert_eq!(cards[2]["input"], names[2]);
}

#[test]
fn failed_lines_are_reported_per_input_and_scored_offline_only_when_asked() {
    let sandbox = Sandbox::new();
    let files = write_answers(&sandbox, 3);
    let api = BatchApi::start(|custom_id, body| {
        if custom_id.ends_with("/2") {
            Err((
                429,
                json!({"error": {"message": "Rate limit reached for sk-test-secret-key-1234 \u{1b}]0;pwned\u{7}", "type": "rate_limit"}}),
            ))
        } else {
            Ok(completion(&verdicts(body, QUOTE)))
        }
    });
    let out = batch_cmd(&sandbox, &api)
        .args(["score", "-q", "31", "--batch", "--format", "json"])
        .args(&files)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!(
            "error: {}: the batch request failed: HTTP 429: Rate limit reached",
            files[1].display()
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("sk-test-secret"),
        "the key is redacted: {stderr}"
    );
    assert!(
        stderr.contains("1 of 3 answer(s) have no scorecard"),
        "{stderr}"
    );
    let cards = json_lines(&out.get_output().stdout);
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[1]["input"], files[2].display().to_string());

    let fallback = batch_cmd(&sandbox, &api)
        .args([
            "batch",
            "collect",
            "batch_2",
            "--format",
            "json",
            "--fallback",
            "offline",
        ])
        .assert()
        .success();
    let warned = String::from_utf8_lossy(&fallback.get_output().stderr).to_string();
    assert!(
        warned.contains("scored offline because of --fallback offline"),
        "{warned}"
    );
    assert!(
        !warned.contains('\u{1b}'),
        "the provider's escape codes are not printed: {warned:?}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    let cards = json_lines(&fallback.get_output().stdout);
    assert_eq!(cards.len(), 3);
    assert_eq!(cards[1]["scorer"]["kind"], "offline");
    assert_eq!(
        cards[1]["flags"],
        json!(["llm_judge_failed_offline_fallback"])
    );
    assert_eq!(cards[0]["scorer"]["kind"], "llm");
}

#[test]
fn a_bad_upload_is_refused_by_the_provider_and_nothing_is_scored() {
    let sandbox = Sandbox::new();
    let files = write_answers(&sandbox, 1);
    // A provider without the Files API.
    let server = MockServer::start(|_, _| {
        Reply::json(404, json!({"error": {"message": "Not found: /v1/files"}}))
    });
    sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .env("REHEARSE_MODEL", "judge-model")
        .args(["score", "-q", "31", "--batch"])
        .args(&files)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("404"));
}

#[test]
fn batch_without_an_endpoint_is_a_usage_error_that_names_batch_file() {
    let sandbox = Sandbox::new();
    let files = write_answers(&sandbox, 1);
    sandbox
        .cmd()
        .args(["score", "-q", "31", "--batch"])
        .args(&files)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--batch-file FILE"));
}

#[test]
fn cancel_stops_a_running_batch() {
    let sandbox = Sandbox::new();
    let files = write_answers(&sandbox, 2);
    let api = BatchApi::start(honest_and_fabricated);
    api.hold();
    let mut args = vec!["score", "-q", "31", "--batch"];
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let (mut child, _) = spawn_until(&sandbox, &api, &args, "submitted");
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    child.wait().unwrap();
    batch_cmd(&sandbox, &api)
        .args(["batch", "cancel", "batch_2"])
        .assert()
        .success()
        .stdout(predicates::str::contains("batch batch_2: cancelling"));
    assert_eq!(api.server.count("/batches/batch_2/cancel"), 1);
    batch_cmd(&sandbox, &api)
        .args(["batch", "status", "batch_2"])
        .assert()
        .success()
        .stdout(predicates::str::contains("cancelled"));
    batch_cmd(&sandbox, &api)
        .args(["batch", "collect", "batch_2"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("ended cancelled"));
}

#[test]
fn batch_file_then_collect_from_a_vllm_style_output_file() {
    let sandbox = Sandbox::new();
    let files = write_answers(&sandbox, 3);
    let requests = sandbox.path().join("work/requests.jsonl");
    let out = sandbox
        .cmd()
        .env("REHEARSE_MODEL", "judge-model")
        .args(["score", "-q", "31", "--batch-file"])
        .arg(&requests)
        .args(&files)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("3 request(s) for #31 url-shortener"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was submitted"), "{stderr}");

    // What `vllm run-batch -i requests.jsonl -o results.jsonl` writes: one line per request, in
    // any order, errors inline.
    let lines: Vec<Value> = std::fs::read_to_string(&requests)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let mut results = String::new();
    for (i, line) in lines.iter().enumerate().rev() {
        let result = if i == 1 {
            json!({"id": format!("vllm-{i}"), "custom_id": line["custom_id"], "response": {"status_code": 400, "body": {"object": "error", "message": "max_tokens is too large"}}, "error": null})
        } else {
            json!({"id": format!("vllm-{i}"), "custom_id": line["custom_id"], "response": {"status_code": 200, "request_id": format!("r{i}"), "body": completion(&verdicts(&line["body"], QUOTE))}, "error": null})
        };
        results.push_str(&result.to_string());
        results.push('\n');
    }
    let output = sandbox.write("work/results.jsonl", &results);
    let collected = sandbox
        .cmd()
        .args(["batch", "collect", "--from"])
        .arg(&output)
        .args(["--format", "csv"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&collected.get_output().stderr).to_string();
    assert!(
        stderr.contains("HTTP 400: max_tokens is too large"),
        "{stderr}"
    );
    let mut reader = csv::Reader::from_reader(collected.get_output().stdout.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "in input order, the failed one left out");
    assert_eq!(&rows[0][0], files[0].to_str().unwrap());
    assert_eq!(&rows[1][0], files[2].to_str().unwrap());
    assert_eq!(&rows[0][3], "llm");
    assert_eq!(&rows[0][4], "judge-model");

    // An output file of another batch is refused by name.
    let stranger = sandbox.write(
        "work/other.jsonl",
        &format!(
            "{}\n",
            json!({"custom_id": "20200101-000000-x/1", "response": null, "error": {"message": "x"}})
        ),
    );
    sandbox
        .cmd()
        .args(["batch", "collect", "--from"])
        .arg(&stranger)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "no single batch 20200101-000000-x",
        ));
}

#[test]
fn score_and_history_csv_read_back_with_a_csv_reader() {
    let sandbox = Sandbox::new();
    let tricky = sandbox.write("work/smith, \"jo\".md", &answer(1));
    let plain = sandbox.write("work/b.md", &answer(2));
    let out = sandbox
        .cmd()
        .args(["score", "-q", "31", "--format", "csv"])
        .arg(&tricky)
        .arg(&plain)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("\r\n"), "RFC 4180 line ends");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "input",
            "question_id",
            "question_number",
            "scorer",
            "model",
            "overall",
            "band",
            "requirements",
            "estimation",
            "high_level",
            "deep_dive",
            "bottlenecks",
            "tradeoffs",
            "flags"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][0], tricky.to_str().unwrap());
    assert_eq!(&rows[0][1], "url-shortener");
    assert_eq!(&rows[0][2], "31");
    assert_eq!(&rows[0][3], "offline");
    // Numbers unformatted: the JSON card's overall, exactly.
    let json = sandbox
        .cmd()
        .args(["score", "-q", "31", "--format", "json"])
        .arg(&plain)
        .assert()
        .success();
    let card: Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    let overall = card["overall"].as_f64().unwrap();
    if card["band"] != "insufficient" {
        assert_eq!(rows[1][5].parse::<f64>().unwrap(), overall);
    }
    assert_eq!(&rows[1][6], card["band"].as_str().unwrap());

    let history = sandbox
        .cmd()
        .args(["history", "--format", "csv"])
        .assert()
        .success();
    let mut reader = csv::Reader::from_reader(history.get_output().stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "session",
            "started_at",
            "question_id",
            "question_number",
            "level",
            "mode",
            "scorer",
            "model",
            "overall",
            "band",
            "reviewed",
            "finished"
        ]
    );
    assert_eq!(
        reader.records().count(),
        0,
        "no sessions yet: a header only"
    );
}
