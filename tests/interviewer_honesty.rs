//! The scripted interviewer stays honest on every question of the bank: whatever the candidate
//! says, asks or requests, nothing the interviewer says repeats the reference answer (no run of
//! 8 words in common), and no probe, hint or reply names the rubric.

use chrono::Utc;
use rehearse::bank::{Bank, Question};
use rehearse::interview::steer::Steer;
use rehearse::interview::{TurnContext, classify, scripted};
use rehearse::scoring::text::Normaliser;
use rehearse::session::{Session, Setup, Speaker, TurnKind};

/// What a candidate might say in any stage: thin statements that leave points open, so the
/// interviewer probes.
const THIN: &[&str] = &[
    "I think this mostly needs to be fast and reliable.",
    "We would keep it simple at first.",
    "It depends on the scale, I guess.",
    "That part is straightforward.",
    "I'm not sure what else matters here.",
];

/// Every interviewer line of a scripted session on `q`: openings, probes, clarifications,
/// wrap-ups, and the hints of every stage.
fn interviewer_lines(bank: &Bank, q: &Question) -> Vec<String> {
    let framework = bank.frameworks().get(q.kind);
    let normaliser = Normaliser::default();
    let now = Utc::now();
    let mut session = Session::new("t".into(), q, framework, Setup::offline(q.minutes), now);
    let mut lines: Vec<String> = vec![q.prompt.clone()];
    for stage in 0..framework.stages.len() {
        session.go_to_stage(stage, now);
        lines.push(framework.stages[stage].opening.clone());
        let questions: Vec<String> = q
            .facts
            .iter()
            .map(|f| format!("What about {}?", f.keywords[0]))
            .collect();
        for said in THIN.iter().map(|s| s.to_string()).chain(questions) {
            let kind = if classify::is_question(&said) {
                TurnKind::Question
            } else {
                TurnKind::Answer
            };
            session.push(Speaker::Candidate, kind, said, now);
            let steer = Steer::for_turn(&session, q, framework, now, &normaliser);
            let turn = TurnContext {
                question: q,
                framework,
                session: &session,
                steer: &steer,
                now,
            };
            for line in scripted::respond(&turn) {
                lines.push(line.text.clone());
                session.push(Speaker::Interviewer, line.kind, line.text, now);
            }
        }
        lines.extend(
            q.hints_for(&framework.stages[stage].id)
                .map(|h| h.text.clone()),
        );
    }
    lines
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The first run of `n` words `line` shares with `reference`, if any.
fn shared_run(line: &str, reference: &[String], n: usize) -> Option<String> {
    let said = words(line);
    said.windows(n)
        .find(|w| reference.windows(n).any(|r| r == *w))
        .map(|w| w.join(" "))
}

#[test]
fn no_interviewer_line_repeats_eight_words_of_the_reference() {
    let bank = Bank::load(&[]).unwrap();
    let mut leaks = Vec::new();
    for q in bank.questions() {
        let reference = words(&q.reference);
        for line in interviewer_lines(&bank, q) {
            if let Some(run) = shared_run(&line, &reference, 8) {
                leaks.push(format!("{}: \"{run}\" in: {line}", q.id));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

#[test]
fn probes_hints_and_replies_never_name_the_rubric() {
    let bank = Bank::load(&[]).unwrap();
    let mut named = Vec::new();
    for q in bank.questions() {
        for line in interviewer_lines(&bank, q) {
            let lower = line.to_lowercase();
            if [
                "rubric",
                "reference answer",
                "checklist",
                "a strong answer",
                "model answer",
            ]
            .iter()
            .any(|w| lower.contains(w))
            {
                named.push(format!("{}: {line}", q.id));
            }
        }
    }
    assert!(named.is_empty(), "{}", named.join("\n"));
}

#[test]
fn thin_answers_are_probed_in_every_stage_that_has_points() {
    let bank = Bank::load(&[]).unwrap();
    for q in bank.questions() {
        let lines = interviewer_lines(&bank, q);
        // A probe, or the question file's own follow-up for the point.
        let asked: Vec<&String> = lines
            .iter()
            .filter(|l| {
                q.rubric.iter().any(|r| l.contains(&r.probe))
                    || q.followups.iter().any(|f| l.contains(&f.ask))
            })
            .collect();
        let stages = bank
            .frameworks()
            .get(q.kind)
            .stages
            .iter()
            .filter(|s| q.rubric_for(&s.id).next().is_some())
            .count();
        assert!(
            asked.len() >= stages,
            "{}: {} points asked about over {stages} stages with points",
            q.id,
            asked.len()
        );
    }
}
