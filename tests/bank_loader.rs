//! The question loader: good files load, every kind of bad file is reported with file, line and
//! field, duplicates are caught, and user directories add or override questions.

mod common;

use common::{Sandbox, VALID_QUESTION};
use rehearse::bank::{Bank, BankError};

fn problems(sandbox: &Sandbox, dir: &str) -> Vec<String> {
    match Bank::load(&[sandbox.path().join(dir)]) {
        Ok(_) => panic!("expected {dir} to be rejected"),
        Err(BankError::Invalid(problems)) => problems
            .iter()
            .map(|p| sandbox.redact(&p.to_string()))
            .collect(),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

#[test]
fn embedded_bank_loads_and_is_sorted_by_number() {
    let bank = Bank::load(&[]).expect("embedded bank is valid");
    assert!(!bank.is_empty());
    let numbers: Vec<u32> = bank.questions().iter().map(|q| q.number).collect();
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    assert_eq!(numbers, sorted);
    let q = bank.find("url-shortener").unwrap();
    assert_eq!(q.number, 31);
    assert_eq!(bank.find("31").unwrap().id, "url-shortener");
    assert_eq!(bank.find("031").unwrap().id, "url-shortener");
}

#[test]
fn a_user_directory_adds_questions() {
    let sandbox = Sandbox::new();
    sandbox.write("mine/caching.toml", VALID_QUESTION);
    let before = Bank::load(&[]).unwrap().len();
    let bank = Bank::load(&[sandbox.path().join("mine")]).unwrap();
    assert_eq!(bank.len(), before + 1);
    let q = bank.find("caching-basics").unwrap();
    assert_eq!(q.rubric.len(), 4);
    assert_eq!(q.followups[0].rubric.as_deref(), Some("expiry"));
    assert_eq!(bank.questions().last().unwrap().id, "caching-basics");
}

#[test]
fn a_user_question_with_a_built_in_id_replaces_it() {
    let sandbox = Sandbox::new();
    let text = VALID_QUESTION
        .replace("id = \"caching-basics\"", "id = \"load-balancer\"")
        .replace("number = 900", "number = 3")
        .replace(
            "What is a cache and where would you put one?",
            "My own load balancer question",
        );
    sandbox.write("mine/lb.toml", &text);
    let bank = Bank::load(&[sandbox.path().join("mine")]).unwrap();
    assert_eq!(bank.len(), Bank::load(&[]).unwrap().len());
    assert_eq!(
        bank.find("3").unwrap().title,
        "My own load balancer question"
    );
}

#[test]
fn a_later_directory_overrides_an_earlier_one() {
    let sandbox = Sandbox::new();
    sandbox.write("a/q.toml", VALID_QUESTION);
    sandbox.write(
        "b/q.toml",
        &VALID_QUESTION.replace("What is a cache and where would you put one?", "Second"),
    );
    let bank = Bank::load(&[sandbox.path().join("a"), sandbox.path().join("b")]).unwrap();
    assert_eq!(bank.find("caching-basics").unwrap().title, "Second");
}

#[test]
fn syntax_errors_name_file_and_line() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "bad/q.toml",
        &VALID_QUESTION.replace("minutes = 15", "minutes = = 15"),
    );
    let found = problems(&sandbox, "bad");
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with("[SANDBOX]/bad/q.toml:7: TOML syntax error"),
        "{found:?}"
    );
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let sandbox = Sandbox::new();
    let text = VALID_QUESTION
        .replace(
            "title = \"What is a cache and where would you put one?\"\n",
            "",
        )
        .replace("number = 900", "number = \"nine hundred\"")
        .replace("stage = \"tradeoffs\"", "stage = \"scale\"")
        .replace("weight = 1", "weight = 5")
        .replace("level = \"basic\"", "level = \"expert\"")
        .replace("rubric = \"expiry\"", "rubric = \"expirey\"")
        .replace(
            "concepts = [\"Redis|Memcached|CDN\"]",
            "concept = [\"Redis\"]",
        );
    sandbox.write("bad/q.toml", &text);
    insta::assert_snapshot!(problems(&sandbox, "bad").join("\n"));
}

#[test]
fn duplicate_ids_and_numbers_name_both_files() {
    let sandbox = Sandbox::new();
    sandbox.write("dup/a.toml", VALID_QUESTION);
    sandbox.write("dup/b.toml", VALID_QUESTION);
    sandbox.write(
        "dup/c.toml",
        &VALID_QUESTION.replace("id = \"caching-basics\"", "id = \"caching-again\""),
    );
    insta::assert_snapshot!(problems(&sandbox, "dup").join("\n"));
}

#[test]
fn reusing_a_built_in_number_under_a_new_id_is_an_error() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "num/q.toml",
        &VALID_QUESTION.replace("number = 900", "number = 31"),
    );
    let found = problems(&sandbox, "num");
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with(
            "[SANDBOX]/num/q.toml:2: number: duplicate number 31 (also used by \"url-shortener\""
        ),
        "{found:?}"
    );
}

#[test]
fn a_stage_without_rubric_items_is_reported() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "gap/q.toml",
        &VALID_QUESTION.replace("stage = \"applications\"", "stage = \"tradeoffs\""),
    );
    let found = problems(&sandbox, "gap");
    assert_eq!(
        found,
        [
            "[SANDBOX]/gap/q.toml:16: rubric: no rubric item for stage applications (every concept stage needs at least one)"
        ]
    );
}

#[test]
fn unreadable_inputs_are_clear_errors() {
    let sandbox = Sandbox::new();
    let err = Bank::load(&[sandbox.path().join("nope")]).unwrap_err();
    assert!(err.to_string().contains("/nope"), "{err}");
    sandbox.write("file.toml", VALID_QUESTION);
    let err = Bank::load(&[sandbox.path().join("file.toml")]).unwrap_err();
    assert!(err.to_string().contains("not a directory"), "{err}");
    std::fs::create_dir_all(sandbox.path().join("latin1")).unwrap();
    std::fs::write(
        sandbox.path().join("latin1/q.toml"),
        b"title = \"caf\xe9\"\n",
    )
    .unwrap();
    let err = Bank::load(&[sandbox.path().join("latin1")]).unwrap_err();
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
}

#[test]
fn selection_by_filter_and_at_random() {
    use rehearse::bank::{Filter, Level};
    use rehearse::framework::Kind;
    let bank = Bank::load(&[]).unwrap();
    let design = Filter {
        kind: Some(Kind::Design),
        ..Filter::default()
    };
    assert!(bank.filter(&design).all(|q| q.kind == Kind::Design));
    let mut rng = fastrand::Rng::with_seed(7);
    // Never-practised questions are preferred over recently practised ones.
    let recent: Vec<String> = bank.filter(&design).skip(1).map(|q| q.id.clone()).collect();
    let first = bank.filter(&design).next().unwrap().id.clone();
    for _ in 0..20 {
        assert_eq!(bank.pick(&design, &recent, &mut rng).unwrap().id, first);
    }
    // With everything practised, the one practised longest ago wins.
    let all: Vec<String> = bank.filter(&design).map(|q| q.id.clone()).collect();
    assert_eq!(
        bank.pick(&design, &all, &mut rng).unwrap().id,
        *all.last().unwrap()
    );
    let none = Filter {
        level: Some(Level::Basic),
        kind: Some(Kind::Design),
        topic: Some("no-such-topic".into()),
    };
    assert!(bank.pick(&none, &[], &mut rng).is_none());
}

#[test]
fn a_reference_diagram_that_does_not_parse_names_its_line() {
    let sandbox = Sandbox::new();
    // The diagram's second line (file line L+2 where L holds `reference_diagram = """`).
    let text = VALID_QUESTION.replacen(
        "\n[[",
        "\nreference_diagram = \"\"\"\nflowchart LR\n  a[Cache] -> b[(DB)]\n\"\"\"\n\n[[",
        1,
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("reference_diagram"))
        .unwrap()
        + 3;
    sandbox.write("mine/q.toml", &text);
    let problems = problems(&sandbox, "mine");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(&format!("[SANDBOX]/mine/q.toml:{line}: reference_diagram: not a diagram rehearse reads (column 12)")),
        "{problems:?}"
    );
}
