//! Calibration report for the offline scorer over the whole bank: how each question's rubric
//! scores its own reference, half of it, a bare list of its concept terms, and the references
//! of every question on other topics, with the rubric items those other references hit.
//!
//! cargo run --release --example calibration [-- [--questions DIR] ID...]
//!
//! Use it when writing or editing questions: a rubric whose items are matched by unrelated
//! answers has facets that are too generic.

use rehearse::bank::{Bank, Question};
use rehearse::scoring::{Answer, Scorecard, Verdict, offline};

fn score(bank: &Bank, q: &Question, text: &str) -> Scorecard {
    let framework = bank.frameworks().get(q.kind);
    offline::score(q, framework, &Answer::from_text(text, framework), None)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut dirs = Vec::new();
    while let Some(at) = args.iter().position(|a| a == "--questions") {
        args.remove(at);
        dirs.push(std::path::PathBuf::from(args.remove(at)));
    }
    let bank = match Bank::load(&dirs) {
        Ok(bank) => bank,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
    };
    let only = args;
    println!(
        "{:<36} {:>5} {:>5} {:>5} {:>5} {:>5}  worst other-topic reference",
        "id", "own", "half", "terms", "mean", "max"
    );
    for q in bank.questions() {
        if !only.is_empty() && !only.contains(&q.id) {
            continue;
        }
        let sentences = rehearse::scoring::text::split_sentences(&q.reference);
        let half = sentences[..sentences.len() / 2].join(" ");
        let terms: String = q
            .rubric
            .iter()
            .map(|r| {
                r.concepts
                    .iter()
                    .map(|c| c.replace('|', ", "))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect::<Vec<_>>()
            .join("\n");
        let others: Vec<(&Question, Scorecard)> = bank
            .questions()
            .iter()
            .filter(|o| !o.topics.iter().any(|t| q.topics.contains(t)))
            .map(|o| (o, score(&bank, q, &o.reference)))
            .collect();
        let mean = others.iter().map(|(_, c)| c.overall).sum::<f64>() / others.len().max(1) as f64;
        let (worst, card) = others
            .iter()
            .max_by(|a, b| a.1.overall.total_cmp(&b.1.overall))
            .expect("other topics exist");
        println!(
            "{:<36} {:>5.1} {:>5.1} {:>5.1} {:>5.1} {:>5.1}  {}",
            q.id,
            score(&bank, q, &q.reference).overall,
            score(&bank, q, &half).overall,
            score(&bank, q, &terms).overall,
            mean,
            card.overall,
            worst.id
        );
        if !only.is_empty() || card.overall > 25.0 {
            for v in card.rubric.iter().filter(|v| v.verdict != Verdict::Missing) {
                println!(
                    "    {:?} {} <- {}",
                    v.verdict,
                    v.id,
                    v.evidence.as_deref().unwrap_or("")
                );
            }
        }
    }
}
