//! The offline scorer: deterministic rubric coverage from the candidate's own words. It needs no
//! network and gives byte-identical results for the same input.
//!
//! Credit comes from anywhere in the answer (the item's stage only says where it is reported),
//! from units that state something (see [`crate::scoring::units`]). Each rubric facet counts
//! as much as the best unit that shows it can carry: a unit's capacity grows with its specific
//! detail (numbers, reasons, conditions, steps, contrasts, examples, API shapes) and is shared
//! between the rubric items it touches, so a fluent sentence naming five concepts with nothing
//! behind them earns a little for each, while an explanation earns in full. Sentences that
//! repeat one frame with only the terms swapped earn nothing; denials ("we don't need a cache")
//! earn nothing; questions earn nothing. Estimation facets accept the candidate's own numbers
//! where their arithmetic checks out. Coverage becomes a score through the calibration curve.

use crate::bank::{Question, Seniority};
use crate::framework::Framework;
use crate::scoring::Answer;
use crate::scoring::arithmetic::CalcVerdict;
use crate::scoring::calibration::{Calibration, Weights};
use crate::scoring::concepts::{self, Allow, CompiledItem, Hit, MatchKind, UnitWords};
use crate::scoring::lexicon::Lexicon;
use crate::scoring::scorecard::{
    Feedback, ItemVerdict, Judged, Scorecard, ScorerInfo, Verdict, expected_items, flags,
};
use crate::scoring::text::Normaliser;
use crate::scoring::units::{self, Detail, Evidence, Unit};

/// Evidence quotes are cut to this many characters.
const EVIDENCE_CHARS: usize = 240;
/// Units whose frames (words other than rubric terms and numbers) overlap this much are the
/// same sentence with the terms swapped…
const TEMPLATE_SIMILARITY: f64 = 0.7;
/// …and this many of them make a template. Frames shorter than the minimum are terse notes,
/// which look alike without being templated.
const TEMPLATE_REPEATS: usize = 3;
const TEMPLATE_MIN_FRAME: usize = 5;

/// Why an item got its verdict: each facet's best score and the unit that gave it.
#[derive(Debug, Clone)]
pub struct ItemTrace {
    pub id: String,
    pub coverage: f64,
    pub verdict: Verdict,
    /// Per facet: (its phrasings, best score, the unit that showed it best).
    pub facets: Vec<(String, f64, Option<String>)>,
    /// The candidate's own words that showed the item best ("a Redis cache"), with how much
    /// they showed: what an interviewer can say it heard without naming the rubric.
    pub heard: Option<(String, f64)>,
}

/// The scorer's reasoning for every item, for `examples/explain.rs` and for tuning rubric
/// facets: the same computation as [`score`], kept instead of summarised.
pub fn explain(
    question: &Question,
    framework: &Framework,
    answer: &Answer,
    seniority: Option<Seniority>,
) -> (Evidence, Vec<ItemTrace>) {
    let (evidence, _, traces) = grade(
        question,
        framework,
        answer,
        seniority,
        Calibration::embedded(),
    );
    (evidence, traces)
}

type Graded = (Evidence, Vec<ItemVerdict>, Vec<ItemTrace>);

fn grade(
    question: &Question,
    framework: &Framework,
    answer: &Answer,
    seniority: Option<Seniority>,
    calibration: &Calibration,
) -> Graded {
    let normaliser = Normaliser::default();
    let lexicon = Lexicon::embedded();
    let mut evidence = units::read(answer, &normaliser, lexicon);
    let items = expected_items(question, seniority);
    let compiled = concepts::compile(&items, &normaliser, lexicon);
    let hits = find_hits(&evidence, &compiled);
    mark_templates(&mut evidence.units, &hits);
    let (rubric, traces) = compiled
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let drawn_counts = units::diagram_may_show(framework, &item.item.stage);
            judge_item(item, i, &evidence, &hits, calibration, drawn_counts)
        })
        .unzip();
    (evidence, rubric, traces)
}

/// Scores `answer` for `question`; items above `seniority` are not graded.
pub fn score(
    question: &Question,
    framework: &Framework,
    answer: &Answer,
    seniority: Option<Seniority>,
) -> Scorecard {
    score_with(
        question,
        framework,
        answer,
        seniority,
        Calibration::embedded(),
    )
}

/// [`score`] with another calibration: what `examples/agreement.rs` fits and compares.
pub fn score_with(
    question: &Question,
    framework: &Framework,
    answer: &Answer,
    seniority: Option<Seniority>,
    calibration: &Calibration,
) -> Scorecard {
    let (evidence, rubric, _) = grade(question, framework, answer, seniority, calibration);

    let mut flag_list = Vec::new();
    if evidence.injected {
        flag_list.push(flags::PROMPT_INJECTION.to_owned());
    }
    let feedback = feedback(question, &rubric, &evidence);
    let mut card = Scorecard::assemble(
        question,
        framework,
        ScorerInfo::offline(),
        Judged {
            rubric,
            flags: flag_list,
            feedback,
            insufficient: evidence.insufficient(),
        },
        &calibration.offline,
    );
    card.attach_diagram(question, answer);
    card
}

/// `hits[unit][item]`: the facets of each item found in each unit that can be evidence.
fn find_hits(evidence: &Evidence, items: &[CompiledItem<'_>]) -> Vec<Vec<Vec<Hit>>> {
    evidence
        .units
        .iter()
        .map(|unit| {
            if !(unit.statement && !unit.question && !unit.injected) {
                return vec![Vec::new(); items.len()];
            }
            let words = UnitWords::new(&unit.tokens);
            items
                .iter()
                .map(|item| {
                    let allow = Allow {
                        loose: true,
                        shape: item.estimation && unit.has_right_calc(),
                    };
                    item.facets
                        .iter()
                        .enumerate()
                        .filter_map(|(f, facet)| facet.find(f, &words, allow))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Whether a hit earns credit for `item`: a plain mention, or, for a trade-off, a rejected
/// alternative given with a reason ("we won't use 2PC because it blocks").
fn credited(hit: &Hit, item: &CompiledItem<'_>, unit: &Unit) -> bool {
    !hit.negated
        || (item.tradeoff
            && (unit.details.contains(&Detail::Reason) || unit.details.contains(&Detail::Contrast)))
}

/// Marks units that repeat one sentence frame with only the rubric terms changed ("We think
/// about the {term} and it is there because it matters.").
fn mark_templates(units: &mut [Unit], hits: &[Vec<Vec<Hit>>]) {
    // Each unit's frame: the set of its words outside rubric matches, sorted.
    let frames: Vec<Option<Vec<&str>>> = units
        .iter()
        .zip(hits)
        .map(|(unit, per_item)| {
            if !unit.statement {
                return None;
            }
            let mut covered = vec![false; unit.tokens.len()];
            for hit in per_item.iter().flatten() {
                for c in covered.iter_mut().take(hit.end).skip(hit.start) {
                    *c = true;
                }
            }
            let mut frame: Vec<&str> = unit
                .tokens
                .iter()
                .zip(&covered)
                .skip(unit.own)
                .filter(|(t, c)| !**c && !t.is_number())
                .map(|(t, _)| t.stem.as_str())
                .collect();
            let long_enough = frame.len() >= TEMPLATE_MIN_FRAME;
            frame.sort_unstable();
            frame.dedup();
            long_enough.then_some(frame)
        })
        .collect();
    let mut alike = vec![0usize; units.len()];
    for i in 0..frames.len() {
        let Some(a) = &frames[i] else { continue };
        for (j, other) in frames.iter().enumerate().skip(i + 1) {
            if let Some(b) = other
                && jaccard(a, b) >= TEMPLATE_SIMILARITY
            {
                alike[i] += 1;
                alike[j] += 1;
            }
        }
    }
    for (unit, n) in units.iter_mut().zip(alike) {
        if n + 1 >= TEMPLATE_REPEATS {
            unit.templated = true;
        }
    }
}

/// Jaccard similarity of two sorted, deduplicated word sets.
fn jaccard(a: &[&str], b: &[&str]) -> f64 {
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// How much `unit` gives each facet it shows: its capacity, shared when it names more facets
/// than it has relations to back them with (a list in prose names many things and explains
/// none of them; "100M / 86,400 ≈ 1,200 writes/s, so read-heavy at 100:1" backs each).
fn unit_weight(unit: &Unit, facets_shown: usize, weights: &Weights) -> f64 {
    let budget = unit.budget() as f64;
    let share = if facets_shown as f64 > budget {
        budget / facets_shown as f64
    } else {
        1.0
    };
    unit.capacity(weights) * share
}

/// Grades one item from the best evidence for each of its facets.
fn judge_item(
    item: &CompiledItem<'_>,
    index: usize,
    evidence: &Evidence,
    hits: &[Vec<Vec<Hit>>],
    calibration: &Calibration,
    drawn_counts: bool,
) -> (ItemVerdict, ItemTrace) {
    let mut facet_scores = vec![0.0f64; item.facets.len()];
    let mut facet_units: Vec<Option<&Unit>> = vec![None; item.facets.len()];
    // (contribution, unit) of the unit that shows this item best.
    let mut best: Option<(f64, &Unit)> = None;
    // The best single match in the candidate's own words (not a label's).
    let mut best_hit: Option<(f64, &Unit, &Hit)> = None;
    for (unit, per_item) in evidence.units.iter().zip(hits) {
        if !unit.usable() || (unit.drawn && !drawn_counts) {
            continue;
        }
        let shown = per_item
            .iter()
            .map(|h| h.iter().filter(|hit| !hit.negated).count())
            .sum();
        let weight = unit_weight(unit, shown, &calibration.weights);
        let mut contribution = 0.0;
        for hit in &per_item[index] {
            if !credited(hit, item, unit) {
                continue;
            }
            let factor = match hit.kind {
                MatchKind::Loose => calibration.weights.loose,
                MatchKind::Exact | MatchKind::Shape => 1.0,
            };
            let score = weight * factor;
            contribution += score;
            if hit.start >= unit.own && best_hit.is_none_or(|(b, ..)| score > b) {
                best_hit = Some((score, unit, hit));
            }
            if score > facet_scores[hit.facet] {
                facet_scores[hit.facet] = score;
                facet_units[hit.facet] = Some(unit);
            }
        }
        if contribution > 0.0 && best.is_none_or(|(b, _)| contribution > b) {
            best = Some((contribution, unit));
        }
    }
    let coverage = facet_scores.iter().sum::<f64>() / item.facets.len().max(1) as f64;
    let thresholds = calibration.weights;
    // Mentions alone do not add up to a point: at least one facet must be shown by a unit
    // that explains it.
    let solid = facet_scores.iter().any(|s| *s >= thresholds.solid);
    let verdict = if !solid {
        Verdict::Missing
    } else if coverage >= thresholds.covered {
        Verdict::Covered
    } else if coverage >= thresholds.partial {
        Verdict::Partial
    } else {
        Verdict::Missing
    };
    let shown = (verdict != Verdict::Missing).then_some(best).flatten();
    let heard = best_hit.map(|(score, unit, hit)| {
        let words = unit.tokens[hit.start..hit.end]
            .iter()
            .map(|t| t.raw.as_str())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        (words, score)
    });
    let trace = ItemTrace {
        heard,
        id: item.item.id.clone(),
        coverage,
        verdict,
        facets: item
            .item
            .concepts
            .iter()
            .zip(facet_scores.iter().zip(&facet_units))
            .map(|(c, (s, u))| (c.clone(), *s, u.map(|u| u.text.clone())))
            .collect(),
    };
    let verdict = ItemVerdict {
        id: item.item.id.clone(),
        stage: item.item.stage.clone(),
        weight: item.item.weight,
        verdict,
        evidence: shown.map(|(_, u)| crate::strings::clip(&u.text, EVIDENCE_CHARS)),
        said_in: shown
            .and_then(|(_, u)| u.stage.clone())
            .filter(|s| *s != item.item.stage),
        review: None,
    };
    (verdict, trace)
}

/// Strengths are the heaviest covered points; improvements start with arithmetic that does not
/// check out, then the heaviest missing points, then the partial ones. Deterministic: ties keep
/// rubric order.
fn feedback(question: &Question, rubric: &[ItemVerdict], evidence: &Evidence) -> Feedback {
    let point = |id: &str| question.point(id).to_owned();
    let by_weight = |verdict: Verdict| {
        let mut items: Vec<&ItemVerdict> = rubric.iter().filter(|v| v.verdict == verdict).collect();
        items.sort_by_key(|v| std::cmp::Reverse(v.weight));
        items
    };
    let strengths = by_weight(Verdict::Covered)
        .into_iter()
        .take(3)
        .map(|v| point(&v.id))
        .collect();
    let mut improvements: Vec<String> = evidence
        .units
        .iter()
        .filter(|u| u.usable())
        .flat_map(|u| u.calcs.iter())
        .filter(|c| c.verdict == CalcVerdict::Wrong)
        .take(2)
        .map(|c| {
            format!(
                "Check the arithmetic: \"{}\" works out to about {}, not {}.",
                crate::strings::clip(&c.text, 80),
                human(c.computed),
                human(c.stated)
            )
        })
        .collect();
    improvements.extend(
        by_weight(Verdict::Missing)
            .into_iter()
            .map(|v| format!("Missing: {}", point(&v.id))),
    );
    improvements.extend(
        by_weight(Verdict::Partial)
            .into_iter()
            .map(|v| format!("Go further: {}", point(&v.id))),
    );
    improvements.truncate(4);
    Feedback {
        strengths,
        improvements,
    }
}

/// 1,160 · 3.5 million · 9 trillion: a figure as a person would say it.
fn human(x: f64) -> String {
    let (value, unit) = if x >= 1e12 {
        (x / 1e12, " trillion")
    } else if x >= 1e9 {
        (x / 1e9, " billion")
    } else if x >= 1e6 {
        (x / 1e6, " million")
    } else {
        (x, "")
    };
    let rounded = if value >= 100.0 {
        format!("{:.0}", value)
    } else if value >= 10.0 {
        format!("{:.1}", value)
    } else {
        format!("{:.2}", value)
    };
    let rounded = if rounded.contains('.') {
        rounded
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    } else {
        rounded
    };
    if unit.is_empty() && value >= 1000.0 {
        let n = value.round() as u64;
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        return out;
    }
    format!("{rounded}{unit}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn figures_read_as_people_say_them() {
        assert_eq!(super::human(1157.4), "1,157");
        assert_eq!(super::human(3.52e12), "3.52 trillion");
        assert_eq!(super::human(300.0), "300");
        assert_eq!(super::human(11_574.0), "11,574");
    }
}
