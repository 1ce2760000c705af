//! Why the offline scorer graded an answer as it did: per rubric item its coverage and verdict,
//! and per facet the best score and the sentence that earned it; then the units it read, with
//! what each could carry. For tuning rubric facets and the lexicon.
//!
//! cargo run --release --example explain -- QUESTION FILE

use rehearse::bank::Bank;
use rehearse::scoring::{Answer, offline};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [question, file] = args.as_slice() else {
        eprintln!("usage: explain QUESTION FILE");
        std::process::exit(2);
    };
    let bank = Bank::load(&[]).expect("embedded bank");
    let q = bank.find(question).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let framework = bank.frameworks().get(q.kind);
    let text = std::fs::read_to_string(file).expect("answer file");
    let answer = Answer::from_text(&text, framework);
    let card = offline::score(q, framework, &answer, None);
    println!("overall {:.1} {}", card.overall, card.band.as_str());
    let (evidence, traces) = offline::explain(q, framework, &answer, None);
    for t in &traces {
        println!("\n{} {:?} coverage {:.2}", t.id, t.verdict, t.coverage);
        for (facet, score, unit) in &t.facets {
            let unit = unit.as_deref().unwrap_or("");
            let unit: String = unit.chars().take(90).collect();
            println!("  {score:.2}  {facet:<50.50} | {unit}");
        }
    }
    println!("\nunits (capacity · details · flags):");
    for u in &evidence.units {
        let flags = [
            (u.question, "question"),
            (u.injected, "injected"),
            (!u.statement, "no-statement"),
            (u.templated, "templated"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",");
        let text: String = u.text.chars().take(80).collect();
        println!(
            "  {:.2} {:?} [{flags}] {text}",
            u.capacity(&rehearse::scoring::calibration::Calibration::embedded().weights),
            u.details
        );
    }
}
