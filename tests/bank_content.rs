//! The shipped question bank (issue #3): complete, consistent, and in our own words.

use std::collections::{HashMap, HashSet};

use rehearse::bank::load::is_slug;
use rehearse::bank::{Bank, Level, Origin, Question};
use rehearse::framework::Kind;

fn bank() -> Bank {
    Bank::load(&[]).expect("the embedded bank validates with zero problems")
}

#[test]
fn holds_exactly_one_hundred_questions_thirty_forty_thirty() {
    let bank = bank();
    assert_eq!(bank.len(), 100);
    let count = |level| bank.questions().iter().filter(|q| q.level == level).count();
    assert_eq!(count(Level::Basic), 30);
    assert_eq!(count(Level::Intermediate), 40);
    assert_eq!(count(Level::Advanced), 30);
}

#[test]
fn numbers_run_from_one_to_one_hundred_exactly_once_in_level_bands() {
    let bank = bank();
    let numbers: Vec<u32> = bank.questions().iter().map(|q| q.number).collect();
    assert_eq!(numbers, (1..=100).collect::<Vec<u32>>());
    for q in bank.questions() {
        let expected = match q.number {
            1..=30 => Level::Basic,
            31..=70 => Level::Intermediate,
            _ => Level::Advanced,
        };
        assert_eq!(q.level, expected, "#{} {}", q.number, q.id);
    }
}

#[test]
fn ids_are_unique_slugs_matching_their_file_names() {
    let bank = bank();
    let mut seen = HashSet::new();
    for q in bank.questions() {
        assert!(is_slug(&q.id), "{} is not a slug", q.id);
        assert!(seen.insert(q.id.clone()), "duplicate id {}", q.id);
        let Origin::Embedded(path) = &q.origin else {
            panic!("{} is not embedded", q.id)
        };
        assert_eq!(
            path,
            &format!("questions/{}/{:03}-{}.toml", q.level, q.number, q.id),
            "file name must be questions/<level>/<NNN>-<id>.toml"
        );
    }
}

#[test]
fn design_questions_cover_all_six_stages_with_enough_rubric_and_facts() {
    let bank = bank();
    let design = bank.frameworks().get(Kind::Design);
    let mut designs = 0;
    for q in bank.questions().iter().filter(|q| q.kind == Kind::Design) {
        designs += 1;
        for stage in design.stage_ids() {
            assert!(
                q.rubric_for(stage).next().is_some(),
                "{}: no rubric item for {stage}",
                q.id
            );
            assert!(
                q.hints_for(stage).next().is_some(),
                "{}: no hint for {stage}",
                q.id
            );
        }
        assert!(
            q.rubric.len() >= 8,
            "{}: {} rubric items",
            q.id,
            q.rubric.len()
        );
        assert!(q.facts.len() >= 3, "{}: {} facts", q.id, q.facts.len());
    }
    assert!(designs >= 20, "only {designs} design questions");
}

#[test]
fn concept_questions_have_at_least_four_rubric_items_over_their_stages() {
    let bank = bank();
    let concept = bank.frameworks().get(Kind::Concept);
    for q in bank.questions().iter().filter(|q| q.kind == Kind::Concept) {
        assert!(
            q.rubric.len() >= 4,
            "{}: {} rubric items",
            q.id,
            q.rubric.len()
        );
        for stage in concept.stage_ids() {
            assert!(
                q.rubric_for(stage).next().is_some(),
                "{}: no rubric item for {stage}",
                q.id
            );
        }
    }
}

#[test]
fn every_question_is_complete_enough_to_interview_with() {
    for q in bank().questions() {
        assert!(
            q.rubric.iter().all(|r| !r.concepts.is_empty()),
            "{}: rubric item without concepts",
            q.id
        );
        assert!(
            q.followups.len() >= 2,
            "{}: {} follow-ups",
            q.id,
            q.followups.len()
        );
        assert!(
            q.pitfalls.len() >= 2,
            "{}: {} pitfalls",
            q.id,
            q.pitfalls.len()
        );
        assert!(!q.topics.is_empty(), "{}: no topics", q.id);
        let words = q.reference.split_whitespace().count();
        let floor = if q.kind == Kind::Design { 400 } else { 180 };
        assert!(words >= floor, "{}: reference has only {words} words", q.id);
        for f in &q.followups {
            if let Some(r) = &f.rubric {
                let item = q.rubric.iter().find(|i| &i.id == r).unwrap();
                assert_eq!(
                    item.stage, f.stage,
                    "{}: follow-up probing {r} asked in another stage",
                    q.id
                );
            }
        }
    }
}

#[test]
fn the_known_errors_of_the_source_page_are_corrected() {
    let bank = bank();
    let all: String = bank
        .questions()
        .iter()
        .map(all_text)
        .collect::<Vec<_>>()
        .join("\n");
    // Riak was built by Basho, never by Facebook.
    assert!(!all.contains("Facebook's Riak") && !all.contains("Riak (Facebook"));
    assert!(all.contains("Basho"));
    // A server's WebSocket limit is memory and file descriptors, not a 65K port range.
    let chat = bank.find("chat-websocket-scale").unwrap();
    assert!(
        chat.reference.contains("file descriptor"),
        "chat reference must explain the real limit"
    );
    // ZADD GT still adds new members; XX never adds.
    let board = bank.find("realtime-leaderboard").unwrap();
    assert!(
        board.reference.contains("GT"),
        "leaderboard reference must explain ZADD GT"
    );
}

fn all_text(q: &Question) -> String {
    let mut parts = vec![q.title.clone(), q.prompt.clone(), q.reference.clone()];
    parts.extend(q.rubric.iter().map(|r| r.point.clone()));
    parts.extend(q.rubric.iter().map(|r| r.probe.clone()));
    parts.extend(q.reference_diagram.clone());
    parts.extend(q.facts.iter().map(|f| f.answer.clone()));
    parts.extend(q.followups.iter().map(|f| f.ask.clone()));
    parts.extend(q.hints.iter().map(|h| h.text.clone()));
    parts.extend(q.pitfalls.iter().cloned());
    parts.join("\n")
}

/// Same normalisation as tests/data/make_seed_shingles.py.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[test]
fn no_run_of_twelve_words_is_copied_from_the_source_page() {
    let seed: HashSet<u64> = include_str!("data/seed-shingles.txt")
        .lines()
        .map(|l| u64::from_str_radix(l, 16).unwrap())
        .collect();
    assert!(seed.len() > 10_000, "fingerprint file looks truncated");
    let mut copied: HashMap<String, Vec<String>> = HashMap::new();
    for q in bank().questions() {
        let ws = words(&all_text(q));
        for window in ws.windows(12) {
            let run = window.join(" ");
            if seed.contains(&fnv1a64(run.as_bytes())) {
                copied.entry(q.id.clone()).or_default().push(run);
            }
        }
    }
    assert!(
        copied.is_empty(),
        "copied from the source page: {copied:#?}"
    );
}

#[test]
fn the_copy_check_detects_a_copied_sentence() {
    let seed: HashSet<u64> = include_str!("data/seed-shingles.txt")
        .lines()
        .map(|l| u64::from_str_radix(l, 16).unwrap())
        .collect();
    // A phrase of the page's first answer, which the bank must never contain.
    let page = "vertical scaling scaling up means adding more cpu ram or disk to a single machine";
    let ws = words(page);
    assert!(
        ws.windows(12)
            .any(|w| seed.contains(&fnv1a64(w.join(" ").as_bytes())))
    );
}

#[test]
fn every_rubric_item_has_a_probe_that_asks_without_answering() {
    let mut bad = Vec::new();
    for q in bank().questions() {
        let reference: HashSet<Vec<String>> = words(&q.reference)
            .windows(6)
            .map(<[String]>::to_vec)
            .collect();
        for item in &q.rubric {
            let probe = &item.probe;
            let ws = words(probe);
            let point: HashSet<Vec<String>> = words(&item.point)
                .windows(5)
                .map(<[String]>::to_vec)
                .collect();
            let problem = if !probe.trim_end().ends_with('?') {
                Some("is not a question")
            } else if !(6..=35).contains(&ws.len()) {
                Some("is not 6–35 words")
            } else if ws.iter().any(|w| w == "rubric") {
                Some("names the rubric")
            } else if ws.windows(6).any(|w| reference.contains(w)) {
                Some("repeats six words of the reference answer")
            } else if ws.windows(5).any(|w| point.contains(w)) {
                Some("repeats five words of the point it probes")
            } else {
                None
            };
            if let Some(problem) = problem {
                bad.push(format!("{} {}: {problem}: {probe}", q.id, item.id));
            }
        }
        for hint in &q.hints {
            if words(&hint.text).iter().any(|w| w == "rubric") {
                bad.push(format!("{} hint names the rubric: {}", q.id, hint.text));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn every_design_question_has_a_reference_architecture_that_reads_as_one() {
    let bank = Bank::load(&[]).unwrap();
    let mut checked = 0;
    for q in bank
        .questions()
        .iter()
        .filter(|q| q.kind == rehearse::framework::Kind::Design)
    {
        let text = q
            .reference_diagram
            .as_deref()
            .unwrap_or_else(|| panic!("{}: no reference_diagram", q.id));
        let d = rehearse::diagram::parse::parse(text).unwrap_or_else(|e| panic!("{}: {e}", q.id));
        assert!(
            (6..=25).contains(&d.nodes.len()),
            "{}: {} nodes",
            q.id,
            d.nodes.len()
        );
        let card = rehearse::diagram::review(&d, None);
        assert!(
            !card
                .warnings
                .iter()
                .any(|w| w.contains("has no connection")),
            "{}: {:?}",
            q.id,
            card.warnings
        );
        let kinds: Vec<&str> = card.components.iter().map(|c| c.kind.as_str()).collect();
        assert!(
            kinds.contains(&"client"),
            "{}: no client in {kinds:?}",
            q.id
        );
        assert!(
            kinds
                .iter()
                .any(|k| ["database", "object_storage", "cache"].contains(k)),
            "{}: nothing stores data in {kinds:?}",
            q.id
        );
        checked += 1;
    }
    assert_eq!(checked, 21);
}
