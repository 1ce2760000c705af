//! How the offline scorer agrees with the blind grades of `tests/data/graded/`: Spearman
//! correlation, mean absolute error, the band confusion table and the medians per intended
//! grade, for the development set (what calibration is fitted on), the held-out set (only
//! measured) and both.
//!
//! cargo run --release --example agreement [-- --answers | --fit | --tune]
//!
//! `--answers` also lists every answer with its score beside the blind grade, worst
//! disagreements first. `--fit` prints the offline calibration curve fitted on the development
//! set, for `data/calibration.toml`. `--tune` searches a coarse grid of the offline scorer's
//! weights, fitting the curve on the development set for each, and prints the best settings by
//! the development set with the held-out numbers beside them (choose by the former; the latter
//! shows whether a choice generalises).

use std::path::Path;

use rehearse::bank::Bank;
use rehearse::scoring::agreement::{self, Agreement, BAND_ORDER, GradedAnswer, Pair};
use rehearse::scoring::calibration::{Calibration, Curve, Weights};
use rehearse::scoring::{Answer, Band, offline};

struct Graded {
    answer: GradedAnswer,
    text: String,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/graded");
    let text = std::fs::read_to_string(dir.join("grades.toml")).expect("grades.toml");
    let answers = agreement::parse("grades.toml", &text).unwrap_or_else(|problems| {
        for p in problems {
            eprintln!("{p}");
        }
        std::process::exit(2);
    });
    let graded: Vec<Graded> = answers
        .into_iter()
        .map(|answer| Graded {
            text: std::fs::read_to_string(dir.join(&answer.file)).expect("answer file"),
            answer,
        })
        .collect();
    let bank = Bank::load(&[]).expect("embedded bank");
    let embedded = Calibration::embedded().clone();

    if flag("--tune") {
        tune(&bank, &graded, &embedded);
        return;
    }
    let scored = score_all(&bank, &graded, &embedded);
    if flag("--fit") {
        let points = fit(&scored);
        let list: Vec<String> = points.iter().map(|(x, y)| format!("[{x}, {y}]")).collect();
        println!("[offline]\npoints = [{}]", list.join(", "));
        return;
    }
    let pairs: Vec<Pair> = scored.into_iter().map(|(p, _)| p).collect();
    for (name, set) in [
        ("dev", Some("dev")),
        ("holdout", Some("holdout")),
        ("diagram", Some("diagram")),
        ("all", None),
    ] {
        let chosen: Vec<Pair> = pairs
            .iter()
            .filter(|p| set.is_none_or(|s| p.answer.set == s))
            .cloned()
            .collect();
        print(name, &agreement::measure(&chosen));
    }
    if flag("--answers") {
        let mut sorted = pairs.clone();
        sorted.sort_by(|a, b| {
            (b.score - b.answer.blind_score())
                .abs()
                .total_cmp(&(a.score - a.answer.blind_score()).abs())
        });
        println!(
            "\n{:<60} {:>6} {:>6}  {:<13} blind band",
            "answer", "ours", "blind", "our band"
        );
        for p in sorted {
            println!(
                "{:<60} {:>6.1} {:>6.1}  {:<13} {}",
                format!("{} ({})", p.answer.file, p.answer.set),
                p.score,
                p.answer.blind_score(),
                p.band.as_str(),
                p.answer.blind_band().as_str()
            );
        }
    }
}

/// Every answer scored with `calibration`, with its share of the rubric.
fn score_all(bank: &Bank, graded: &[Graded], calibration: &Calibration) -> Vec<(Pair, f64)> {
    graded
        .iter()
        .map(|g| {
            let q = bank
                .find(&g.answer.question)
                .expect("graded question in the bank");
            let framework = bank.frameworks().get(q.kind);
            let answer = Answer::from_text(&g.text, framework);
            let card = offline::score_with(q, framework, &answer, None, calibration);
            (
                Pair {
                    answer: g.answer.clone(),
                    score: card.overall,
                    band: card.band,
                },
                card.coverage,
            )
        })
        .collect()
}

/// The curve fitted on the development set's gradable answers.
fn fit(scored: &[(Pair, f64)]) -> Vec<(f64, f64)> {
    let dev: Vec<(f64, f64)> = scored
        .iter()
        .filter(|(p, _)| p.answer.set == "dev" && p.band != Band::Insufficient)
        .map(|(p, coverage)| (*coverage, p.answer.blind_score()))
        .collect();
    agreement::fit(&dev, 7)
}

/// The pairs as `curve` would score them (insufficient answers stay so).
fn recalibrated(scored: &[(Pair, f64)], curve: &Curve, set: &str) -> Vec<Pair> {
    scored
        .iter()
        .filter(|(p, _)| p.answer.set == set)
        .map(|(p, coverage)| {
            let mut p = p.clone();
            if p.band != Band::Insufficient {
                p.score = (curve.score(*coverage) * 10.0).round() / 10.0;
                p.band = Band::from_overall(p.score);
            }
            p
        })
        .collect()
}

fn median_of(a: &Agreement, grade: &str) -> f64 {
    a.medians
        .iter()
        .find(|(g, ..)| g == grade)
        .map_or(0.0, |(_, ours, _)| *ours)
}

fn tune(bank: &Bank, graded: &[Graded], embedded: &Calibration) {
    let mut results = Vec::new();
    for base in [0.3, 0.4, 0.5] {
        for per_detail in [0.2, 0.3] {
            for claim in [0.1, 0.2, 0.4] {
                for solid in [0.3, 0.5, 0.6] {
                    for loose in [0.75, 1.0] {
                        for partial in [0.25, 0.3] {
                            let weights = Weights {
                                base,
                                per_detail,
                                claim,
                                solid,
                                loose,
                                partial,
                                ..embedded.weights
                            };
                            let calibration = Calibration {
                                weights,
                                ..embedded.clone()
                            };
                            let scored = score_all(bank, graded, &calibration);
                            let curve = Curve::new(fit(&scored)).expect("fits are valid curves");
                            let dev = agreement::measure(&recalibrated(&scored, &curve, "dev"));
                            let hold =
                                agreement::measure(&recalibrated(&scored, &curve, "holdout"));
                            results.push((weights, dev, hold));
                        }
                    }
                }
            }
        }
    }
    // Settings that meet the floors first, then by Spearman on the development set.
    let meets = |a: &Agreement| {
        a.within_one_band >= 0.9
            && median_of(a, "strong") >= 80.0
            && a.stuffed_below_mediocre.0 >= 10
    };
    results.sort_by(|a, b| {
        meets(&b.1)
            .cmp(&meets(&a.1))
            .then(b.1.spearman.total_cmp(&a.1.spearman))
    });
    println!(
        "base detail claim solid loose partial | dev: spearman within stuffed<med | holdout: spearman within stuffed<med"
    );
    for (w, dev, hold) in results.iter().take(15) {
        println!(
            "{:.2} {:.2} {:.2} {:.2} {:.2} {:.2} | {:.3} {:.0}% {}/{} | {:.3} {:.0}% {}/{}",
            w.base,
            w.per_detail,
            w.claim,
            w.solid,
            w.loose,
            w.partial,
            dev.spearman,
            dev.within_one_band * 100.0,
            dev.stuffed_below_mediocre.0,
            dev.stuffed_below_mediocre.1,
            hold.spearman,
            hold.within_one_band * 100.0,
            hold.stuffed_below_mediocre.0,
            hold.stuffed_below_mediocre.1
        );
    }
}

fn print(name: &str, a: &Agreement) {
    println!("== {name}: {} answers", a.n);
    println!(
        "Spearman {:.3} · MAE {:.1} · band within one step {:.0}% · stuffed below mediocre {}/{}",
        a.spearman,
        a.mae,
        a.within_one_band * 100.0,
        a.stuffed_below_mediocre.0,
        a.stuffed_below_mediocre.1
    );
    println!("medians by intended grade (ours / blind):");
    for (grade, ours, blind) in &a.medians {
        println!("  {grade:<9} {ours:>5.1} / {blind:>5.1}");
    }
    let short = |b: Band| match b {
        Band::Insufficient => "insuf",
        Band::NoHire => "no",
        Band::LeanNoHire => "lean",
        Band::Hire => "hire",
        Band::StrongHire => "strong",
    };
    print!("confusion (rows blind, columns ours):\n  {:<7}", "");
    for b in BAND_ORDER {
        print!("{:>7}", short(b));
    }
    println!();
    for (i, row) in a.confusion.iter().enumerate() {
        print!("  {:<7}", short(BAND_ORDER[i]));
        for n in row {
            print!("{n:>7}");
        }
        println!();
    }
    println!();
}
