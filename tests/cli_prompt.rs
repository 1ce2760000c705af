//! `rehearse prompt interviewer|judge` prints the exact request, and prompt overrides from
//! `$XDG_CONFIG_HOME/rehearse/prompts/` replace the embedded templates after being checked.

mod common;

use common::Sandbox;
use predicates::prelude::*;
use serde_json::Value;

/// A short offline session on the URL shortener, saved in the sandbox.
fn practised(sandbox: &Sandbox) {
    sandbox
        .cmd()
        .args(["practice", "-q", "31"])
        .write_stdin("Users shorten long links and open them.\n/quit\n")
        .assert()
        .success();
}

fn json(out: &assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn roles(body: &Value) -> Vec<&str> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect()
}

fn last_content(body: &Value) -> &str {
    body["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
}

#[test]
fn the_interviewer_request_for_a_session_is_printed_as_sent() {
    let sandbox = Sandbox::new();
    practised(&sandbox);
    let out = sandbox
        .cmd()
        .args(["prompt", "interviewer"])
        .assert()
        .success();
    let body = json(&out);
    assert_eq!(body["stream"], true);
    assert_eq!(roles(&body), ["system", "user", "assistant", "user"]);
    let last = last_content(&body);
    assert!(
        last.starts_with("Users shorten long links and open them."),
        "{last}"
    );
    assert!(
        last.contains("[interview context]\nStage 1 of 6: Requirements"),
        "{last}"
    );

    // --say adds a turn (not saved); a clarifying question brings its fact along.
    let out = sandbox
        .cmd()
        .args(["prompt", "interviewer", "--say", "How many links per day?"])
        .assert()
        .success();
    let body = json(&out);
    assert_eq!(
        roles(&body),
        ["system", "user", "assistant", "user", "assistant", "user"]
    );
    assert!(last_content(&body).contains("Plan for 100 million new short links per day"));
}

#[test]
fn the_judge_request_for_a_written_answer_is_printed_as_sent() {
    let sandbox = Sandbox::new();
    let answer = sandbox.write(
        "work/a.md",
        "We hash the long URL and keep seven Base62 characters.",
    );
    let out = sandbox
        .cmd()
        .args(["prompt", "judge", "-q", "31", "--answer"])
        .arg(&answer)
        .assert()
        .success();
    let body = json(&out);
    assert_eq!(roles(&body), ["system", "user"]);
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["temperature"], 0.0);
    assert!(
        body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("Rubric")
    );
    assert!(last_content(&body).contains("We hash the long URL and keep seven Base62 characters."));
}

#[test]
fn a_prompt_override_replaces_the_embedded_one() {
    let sandbox = Sandbox::new();
    practised(&sandbox);
    sandbox.write(
        "config/rehearse/prompts/interviewer.system.jinja",
        "Be terse. The question: {{ question.title }}. Notes go after {{ marker }}.",
    );
    let out = sandbox
        .cmd()
        .args(["prompt", "interviewer"])
        .assert()
        .success();
    let body = json(&out);
    assert_eq!(
        body["messages"][0]["content"],
        "Be terse. The question: Design a URL shortener like bit.ly. Notes go after [[notes]]."
    );
}

#[test]
fn a_broken_override_is_refused_naming_the_file_and_line() {
    let cases = [
        (
            "judge.user.jinja",
            "Grade this.\n{{ transcript | }}\n{{ open }}\n",
            ":2",
            "does not parse",
        ),
        (
            "judge.user.jinja",
            "Grade this.\n\n{{ transcrpt }}\n",
            ":3",
            "uses `transcrpt`, which this prompt is not given",
        ),
        (
            "judge.usr.jinja",
            "Grade this.",
            "",
            "not a prompt rehearse uses",
        ),
    ];
    for (name, text, line, why) in cases {
        let sandbox = Sandbox::new();
        let path = sandbox.write(&format!("config/rehearse/prompts/{name}"), text);
        let answer = sandbox.write("work/a.md", "We hash the long URL.");
        sandbox
            .cmd()
            .args(["prompt", "judge", "-q", "31", "--answer"])
            .arg(&answer)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(format!(
                "{}{line}: ",
                path.display()
            )))
            .stderr(predicate::str::contains(why));
        // Scoring refuses it the same way, before calling anything.
        sandbox
            .cmd()
            .args(["score", "-q", "31"])
            .arg(&answer)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(path.display().to_string()));
    }
}
