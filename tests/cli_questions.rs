//! `rehearse questions`, `questions show`, `config` and `completions` through the real binary.

mod common;

use common::{Sandbox, VALID_QUESTION};
use predicates::prelude::*;

#[test]
fn lists_the_bank_as_a_table() {
    let sandbox = Sandbox::new();
    let out = sandbox.cmd().arg("questions").assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let header = stdout.lines().next().unwrap();
    assert!(
        header.contains("ID") && header.contains("LEVEL") && header.contains("TITLE"),
        "{header}"
    );
    assert!(stdout.contains("url-shortener"));
    assert!(stdout.contains("load-balancer"));
    // Not a terminal: no colour escapes.
    assert!(!stdout.contains('\x1b'));
}

#[test]
fn filters_narrow_the_list() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .cmd()
        .args(["questions", "--kind", "concept", "--format", "json"])
        .assert()
        .success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["kind"] == "concept"));

    let out = sandbox
        .cmd()
        .args([
            "questions",
            "--level",
            "intermediate",
            "--topic",
            "caching",
            "--format",
            "json",
        ])
        .assert()
        .success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(rows.iter().any(|r| r["id"] == "url-shortener"));
    for r in &rows {
        assert_eq!(r["level"], "intermediate");
        assert!(
            r["topics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "caching")
        );
    }
}

#[test]
fn json_listing_has_no_answers_in_it() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .cmd()
        .args(["questions", "--format", "json"])
        .assert()
        .success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let first = rows[0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "id", "kind", "level", "minutes", "number", "title", "topics"
        ]
    );
}

#[test]
fn unknown_topic_is_a_usage_error() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["questions", "--topic", "quantum"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no question has topic \"quantum\"",
        ));
}

#[test]
fn bad_level_is_rejected_by_the_parser() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["questions", "--level", "expert"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "expected one of basic, intermediate, advanced",
        ));
}

#[test]
fn show_hides_the_answer_unless_revealed() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .cmd()
        .args(["questions", "show", "url-shortener"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.starts_with("#31 Design a URL shortener like bit.ly"));
    assert!(stdout.contains("Requirements"));
    assert!(stdout.contains("Trade-offs"));
    assert!(stdout.contains("05:00"));
    assert!(stdout.contains("add --reveal"));
    assert!(!stdout.contains("Reference answer"));
    assert!(!stdout.contains("Rubric"));

    let out = sandbox
        .cmd()
        .args(["questions", "show", "31", "--reveal"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("Reference answer"));
    assert!(stdout.contains("[code-generation]"));
    assert!(stdout.contains("Interviewer facts"));
    assert!(stdout.contains("Pitfalls"));
}

#[test]
fn show_scales_stage_budgets_to_the_question_length() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .cmd()
        .args(["questions", "show", "3"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // Concept framework: 3 / 5 / 4 / 3 minutes for a 15-minute question.
    for budget in ["03:00", "05:00", "04:00"] {
        assert!(stdout.contains(budget), "{budget} missing from:\n{stdout}");
    }
}

#[test]
fn unknown_question_exits_2_with_suggestions() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .cmd()
        .args(["questions", "show", "url-shortner"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    insta::assert_snapshot!(stderr, @r#"error: no question "url-shortner"; did you mean url-shortener?"#);

    let out = sandbox
        .cmd()
        .args(["questions", "show", "999"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("no question \"999\""), "{stderr}");
    assert!(stderr.contains("a number from 1 to"), "{stderr}");
}

#[test]
fn malformed_question_file_exits_2_naming_file_and_line() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "mine/q.toml",
        &VALID_QUESTION.replace("stage = \"tradeoffs\"", "stage = \"scale\""),
    );
    let out = sandbox
        .cmd()
        .args(["--questions", "../mine", "questions"])
        .assert()
        .code(2);
    assert!(out.get_output().stdout.is_empty());
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    insta::assert_snapshot!(sandbox.redact(&stderr));
}

#[test]
fn user_questions_show_up_in_the_list() {
    let sandbox = Sandbox::new();
    sandbox.write("mine/q.toml", VALID_QUESTION);
    sandbox
        .cmd()
        .args(["questions", "--questions", "../mine"])
        .assert()
        .success()
        .stdout(predicate::str::contains("caching-basics"));
}

#[test]
fn config_reports_each_source_and_never_the_key() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "work/.env",
        "REHEARSE_MODEL=dotenv-model\nREHEARSE_BASE_URL=http://dotenv:1/v1\n",
    );
    sandbox.write(
        "config/rehearse/config.toml",
        "timeout_secs = 42\nmax_retries = 5\n",
    );
    let out = sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", "http://127.0.0.1:8080/v1")
        .env("REHEARSE_API_KEY", "sk-very-secret-key")
        .args(["--max-retries", "7", "config", "--format", "json"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!stdout.contains("sk-very-secret-key"));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let get = |name: &str| {
        json["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(get("base_url")["value"], "http://127.0.0.1:8080/v1");
    assert_eq!(get("base_url")["layer"], "env");
    assert_eq!(get("api_key")["value"], "set");
    assert_eq!(get("model")["value"], "dotenv-model");
    assert_eq!(get("model")["layer"], ".env");
    assert_eq!(get("timeout_secs")["value"], "42");
    assert_eq!(get("timeout_secs")["layer"], "file");
    assert_eq!(get("max_retries")["value"], "7");
    assert_eq!(get("max_retries")["layer"], "flag");
    assert_eq!(get("connect_timeout_secs")["layer"], "default");
    assert_eq!(json["mode"], "llm");

    let out = sandbox
        .cmd()
        .env("REHEARSE_API_KEY", "sk-very-secret-key")
        .arg("config")
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!stdout.contains("sk-very-secret-key"));
    assert!(stdout.contains("api_key"));
}

#[test]
fn config_without_endpoint_says_offline() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .arg("config")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "mode: offline (no endpoint configured)",
        ));
}

#[test]
fn bad_config_values_exit_2() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .env("REHEARSE_TIMEOUT_SECS", "soon")
        .arg("config")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("REHEARSE_TIMEOUT_SECS = \"soon\""));
    sandbox.write("config/rehearse/config.toml", "timeout_secs = \"x\"\n");
    sandbox
        .cmd()
        .arg("config")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "config.toml:1: timeout_secs: expected an integer",
        ));
}

#[test]
fn completions_are_generated() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("_rehearse()"));
}

#[test]
fn broken_pipe_exits_zero() {
    use std::process::{Command, Stdio};
    let sandbox = Sandbox::new();
    for args in [
        &["completions", "zsh"][..],
        &["questions"][..],
        &["questions", "show", "31", "--reveal"][..],
    ] {
        // A pipe whose read end is already closed: every write the child makes fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(assert_cmd::cargo::cargo_bin("rehearse"))
            .args(args)
            .env_clear()
            .env("HOME", sandbox.path().join("home"))
            .env("XDG_CONFIG_HOME", sandbox.path().join("config"))
            .env("XDG_DATA_HOME", sandbox.path().join("data"))
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{args:?}: status {:?}, stderr {stderr}",
            out.status
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_broken_env_file_never_echoes_the_key() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "work/.env",
        "REHEARSE_MODEL=x\nREHEARSE_API_KEY=\"sk-unclosed-secret\n",
    );
    let out = sandbox.cmd().arg("config").assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(!stderr.contains("sk-unclosed-secret"), "{stderr}");
    assert!(
        stderr.contains(".env:2: cannot parse the value of REHEARSE_API_KEY"),
        "{stderr}"
    );
}
