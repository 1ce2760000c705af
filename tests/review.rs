//! Mentor review: `rehearse review` overrides verdicts of a finished interview or of a JSON
//! scorecard from `score --report`; the grade is recomputed and shown as reviewed in the
//! terminal card, every report format and history, with the machine's verdicts kept.

mod common;

use chrono::{TimeZone, Utc};
use common::Sandbox;
use predicates::prelude::*;
use rehearse::bank::Bank;
use rehearse::scoring::offline;
use rehearse::session::{Session, Setup, Speaker, TurnKind};
use rehearse::store::Store;
use serde_json::Value;

const ID: &str = "20261128-090000-url-shortener";

/// A finished url-shortener interview with a thin answer, saved in the sandbox's store.
fn finished_session(sandbox: &Sandbox) {
    let bank = Bank::load(&[]).unwrap();
    let q = bank.find("url-shortener").unwrap();
    let framework = bank.frameworks().get(q.kind);
    let start = Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap();
    let mut s = Session::new(ID.into(), q, framework, Setup::offline(q.minutes), start);
    s.push(
        Speaker::Candidate,
        TurnKind::Answer,
        "We need to create a short code for a long URL and redirect users who open the short link. \
         Users may also pick custom aliases and set an expiry date per link. Redirects must take \
         under 20 ms at p99 and the service must be highly available. Stateless app servers sit \
         behind a load balancer; we store the short_code as the primary key with the long_url in \
         a key-value store such as DynamoDB, and Redis caches hot codes on a cache miss.",
        start + chrono::Duration::minutes(2),
    );
    s.scorecard = Some(offline::score(q, framework, &s.answer(), None));
    s.finished_at = Some(start + chrono::Duration::minutes(5));
    Store::new(sandbox.path().join("data/rehearse"))
        .save(&s)
        .unwrap();
}

fn session_file(sandbox: &Sandbox) -> Value {
    let path = sandbox
        .path()
        .join(format!("data/rehearse/sessions/{ID}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

#[test]
fn a_review_is_reflected_in_the_card_every_report_and_history() {
    let sandbox = Sandbox::new();
    finished_session(&sandbox);
    for format in ["md", "html", "json"] {
        sandbox
            .cmd()
            .args(["report", ID, "--format", format])
            .assert()
            .success();
    }
    let before = session_file(&sandbox)["scorecard"].clone();
    let machine_verdict = |id: &str| {
        before["rubric"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()["verdict"]
            .clone()
    };
    assert_eq!(machine_verdict("traffic-math"), "missing");

    // Without flags: the items, the machine's verdicts and evidence.
    let listed = sandbox.cmd().args(["review", ID]).assert().success();
    let text = stdout(&listed);
    assert!(text.contains("ITEM"), "{text}");
    assert!(text.contains("traffic-math"), "{text}");
    assert!(
        text.contains("Users may also pick custom aliases"),
        "the evidence: {text}"
    );

    let reviewed = sandbox
        .cmd()
        .args([
            "review",
            ID,
            "--item",
            "traffic-math",
            "--verdict",
            "covered",
            "--note",
            "did the math aloud",
            "--item",
            "code-space",
            "--verdict",
            "partial",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!("{ID}.report.md")))
        .stderr(predicate::str::contains(format!("{ID}.report.html")))
        .stderr(predicate::str::contains(format!("{ID}.report.json")));
    let card_text = stdout(&reviewed);
    assert!(card_text.contains("(reviewed)"), "{card_text}");
    assert!(
        card_text.contains("reviewed; the machine said missing: did the math aloud"),
        "{card_text}"
    );

    let after = session_file(&sandbox)["scorecard"].clone();
    let item = |id: &str| {
        after["rubric"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(item("traffic-math")["verdict"], "covered");
    assert_eq!(item("traffic-math")["review"]["machine_verdict"], "missing");
    assert_eq!(item("traffic-math")["review"]["note"], "did the math aloud");
    assert_eq!(item("code-space")["verdict"], "partial");
    assert_eq!(after["review"]["items"], 2);
    assert_eq!(after["review"]["machine"]["overall"], before["overall"]);
    assert_eq!(after["review"]["machine"]["band"], before["band"]);
    assert!(after["overall"].as_f64().unwrap() > before["overall"].as_f64().unwrap());

    let sessions = sandbox.path().join("data/rehearse/sessions");
    let md = std::fs::read_to_string(sessions.join(format!("{ID}.report.md"))).unwrap();
    assert!(
        md.contains(&format!(
            "## Overall: {:.1} / 100",
            after["overall"].as_f64().unwrap()
        )),
        "{md}"
    );
    assert!(md.contains("(reviewed)"), "{md}");
    assert!(
        md.contains("Reviewer: covered (the machine said missing"),
        "{md}"
    );
    assert!(md.contains("did the math aloud"), "{md}");
    let html = std::fs::read_to_string(sessions.join(format!("{ID}.report.html"))).unwrap();
    assert!(html.contains("<span class=\"reviewed\">reviewed</span>"));
    assert!(html.contains("did the math aloud"));
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(sessions.join(format!("{ID}.report.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(json["scorecard"]["review"]["items"], 2);
    assert_eq!(json["scorecard"]["overall"], after["overall"]);

    let table = stdout(&sandbox.cmd().arg("history").assert().success());
    assert!(table.contains(" (reviewed)"), "{table}");
    let rows: Value = serde_json::from_slice(
        &sandbox
            .cmd()
            .args(["history", "--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    assert_eq!(rows[0]["reviewed"], true);
    assert_eq!(rows[0]["overall"], after["overall"]);
    let csv_out = sandbox
        .cmd()
        .args(["history", "--format", "csv"])
        .assert()
        .success();
    let mut reader = csv::Reader::from_reader(csv_out.get_output().stdout.as_slice());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[10], "true");
    assert_eq!(
        row[8].parse::<f64>().unwrap(),
        after["overall"].as_f64().unwrap()
    );

    // A second review keeps the first machine verdict and numbers.
    sandbox
        .cmd()
        .args([
            "review",
            ID,
            "--item",
            "traffic-math",
            "--verdict",
            "missing",
        ])
        .assert()
        .success();
    let again = session_file(&sandbox)["scorecard"].clone();
    assert_eq!(again["review"]["machine"]["overall"], before["overall"]);
    let tm = again["rubric"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "traffic-math")
        .unwrap()
        .clone();
    assert_eq!(tm["review"]["machine_verdict"], "missing");
}

#[test]
fn scorecards_written_by_score_report_are_reviewed_in_place() {
    let sandbox = Sandbox::new();
    let answer = sandbox.write(
        "work/alice.md",
        "## Requirements\nWe need to create a short code for a long URL and redirect users who open the short link. Users may pick custom aliases and set an expiry date.\n",
    );
    for format in ["json", "md"] {
        sandbox
            .cmd()
            .args([
                "score",
                "-q",
                "31",
                "--report",
                "rep",
                "--report-format",
                format,
            ])
            .arg(&answer)
            .assert()
            .success();
    }
    let card = sandbox.work().join("rep/alice.json");
    sandbox
        .cmd()
        .arg("review")
        .arg(&card)
        .args([
            "--item",
            "traffic-math",
            "--verdict",
            "covered",
            "--note",
            "see the appendix",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("rep/alice.md"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&card).unwrap()).unwrap();
    assert_eq!(doc["scorecard"]["review"]["items"], 1);
    assert!(
        doc["answer"].as_str().unwrap().contains("short code"),
        "the rest is kept"
    );
    let md = std::fs::read_to_string(sandbox.work().join("rep/alice.md")).unwrap();
    assert!(md.contains("(reviewed)"), "{md}");
    assert!(md.contains("see the appendix"), "{md}");
}

#[test]
fn bad_overrides_are_usage_errors_and_change_nothing() {
    let sandbox = Sandbox::new();
    finished_session(&sandbox);
    let path = sandbox
        .path()
        .join(format!("data/rehearse/sessions/{ID}.json"));
    let before = std::fs::read(&path).unwrap();
    sandbox
        .cmd()
        .args(["review", ID, "--item", "nope", "--verdict", "covered"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rubric item `nope`"))
        .stderr(predicate::str::contains("traffic-math"));
    sandbox
        .cmd()
        .args([
            "review",
            ID,
            "--note",
            "why",
            "--item",
            "traffic-math",
            "--verdict",
            "covered",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--note must follow the --item"));
    sandbox
        .cmd()
        .args(["review", ID, "--item", "traffic-math"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--item traffic-math needs a --verdict",
        ));
    sandbox
        .cmd()
        .args(["review", ID, "--item", "traffic-math", "--verdict", "great"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "expected covered, partial or missing",
        ));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn reports_written_next_to_the_answers_never_replace_an_answer() {
    let sandbox = Sandbox::new();
    let text = "## Requirements\nWe need to create a short code for a long URL and redirect users who open the short link. Users may pick custom aliases and set an expiry date.\n";
    let answer = sandbox.write("work/alice.md", text);
    for format in ["json", "md"] {
        sandbox
            .cmd()
            .args([
                "score",
                "-q",
                "31",
                "--report",
                ".",
                "--report-format",
                format,
            ])
            .arg(&answer)
            .assert()
            .success();
    }
    assert_eq!(
        std::fs::read_to_string(&answer).unwrap(),
        text,
        "the answer is kept"
    );
    let report = sandbox.work().join("alice-2.md");
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .starts_with("# Interview report: ")
    );
    // A second run replaces its own report, not the answer.
    sandbox
        .cmd()
        .args([
            "score",
            "-q",
            "31",
            "--report",
            ".",
            "--report-format",
            "md",
        ])
        .arg(&answer)
        .assert()
        .success()
        .stderr(predicate::str::contains("alice-2.md"));
    sandbox
        .cmd()
        .args([
            "review",
            "alice.json",
            "--item",
            "traffic-math",
            "--verdict",
            "covered",
        ])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&answer).unwrap(),
        text,
        "review leaves it alone too"
    );
}
