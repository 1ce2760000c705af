//! The offline scorer: deterministic concept coverage against the rubric. It needs no network,
//! gives byte-identical results for the same input, and is built so that a bare list of the
//! right terms, a shuffled bag of words, or instructions aimed at the grader earn little or
//! nothing, while a real explanation earns credit.

use crate::bank::{Question, Seniority};
use crate::framework::Framework;
use crate::scoring::Answer;
use crate::scoring::concepts::{self, CompiledItem};
use crate::scoring::injection;
use crate::scoring::scorecard::{
    Feedback, ItemVerdict, Scorecard, ScorerInfo, Verdict, expected_items, flags,
};
use crate::scoring::text::{Normaliser, Sentence};

/// Share of an item's facets an answer must show for the item to count as covered, and as
/// partly covered. One stray term out of four or five is not a partial answer.
const COVERED_RATIO: f64 = 0.6;
const PARTIAL_RATIO: f64 = 0.3;
/// Below this many words, or this many explanatory sentences, an answer is too thin to grade.
pub(crate) const MIN_WORDS: usize = 30;
const MIN_EXPLANATORY_SENTENCES: usize = 2;
/// An answer whose determiners and prepositions break grammar this often is a word salad.
const MAX_BROKEN_SHARE: f64 = 0.08;
const MIN_FLUENCY_SAMPLE: usize = 10;
/// Evidence quotes are cut to this many characters.
const EVIDENCE_CHARS: usize = 240;

/// Scores `answer` for `question`; items above `seniority` are not graded.
pub fn score(
    question: &Question,
    framework: &Framework,
    answer: &Answer,
    seniority: Option<Seniority>,
) -> Scorecard {
    let normaliser = Normaliser::default();
    let mut injected = false;
    // Sentences per section, with grader-directed text removed.
    let sections: Vec<(Option<&str>, Vec<Sentence>)> = answer
        .sections
        .iter()
        .map(|section| {
            let mut kept = Vec::new();
            for sentence in normaliser.sentences(&section.text) {
                if injection::is_injection(&sentence.text) {
                    injected = true;
                } else {
                    kept.push(sentence);
                }
            }
            (section.stage.as_deref(), kept)
        })
        .collect();

    // A word salad can pass sentence by sentence by luck; over the whole answer its broken
    // grammar shows, and then nothing in it counts as explanation.
    let (opportunities, broken) = sections
        .iter()
        .flat_map(|(_, s)| s.iter())
        .map(|s| s.fluency)
        .fold((0, 0), |(o, b), (so, sb)| (o + so, b + sb));
    let mut sections = sections;
    if opportunities >= MIN_FLUENCY_SAMPLE
        && broken as f64 > MAX_BROKEN_SHARE * opportunities as f64
    {
        for (_, sentences) in &mut sections {
            for s in sentences.iter_mut() {
                s.explanatory = false;
            }
        }
    }

    let words: usize = sections
        .iter()
        .flat_map(|(_, s)| s.iter())
        .map(|s| s.tokens.len())
        .sum();
    let explanatory = sections
        .iter()
        .flat_map(|(_, s)| s.iter())
        .filter(|s| s.explanatory)
        .count();
    let insufficient = words < MIN_WORDS || explanatory < MIN_EXPLANATORY_SENTENCES;

    let items = expected_items(question, seniority);
    let compiled = concepts::compile(&items, &normaliser);
    let rubric: Vec<ItemVerdict> = compiled.iter().map(|c| judge_item(c, &sections)).collect();

    let mut flag_list = Vec::new();
    if injected {
        flag_list.push(flags::PROMPT_INJECTION.to_owned());
    }
    let feedback = feedback(question, &rubric);
    Scorecard::assemble(
        question,
        framework,
        ScorerInfo::offline(),
        rubric,
        flag_list,
        feedback,
        insufficient,
    )
}

/// Grades one item: which of its facets appear in explanatory sentences of the sections that
/// answer its stage (estimation facets only count in sentences with numbers).
fn judge_item(item: &CompiledItem<'_>, sections: &[(Option<&str>, Vec<Sentence>)]) -> ItemVerdict {
    let stage = item.item.stage.as_str();
    let needs_numbers = stage == "estimation";
    let relevant: Vec<&Sentence> = sections
        .iter()
        .filter(|(s, _)| s.is_none_or(|s| s == stage))
        .flat_map(|(_, sentences)| sentences.iter())
        .filter(|s| s.explanatory && (!needs_numbers || s.quantitative))
        .collect();

    let mut found = vec![false; item.facets.len()];
    let mut best: Option<(usize, &Sentence)> = None;
    for sentence in &relevant {
        let mut hits = 0;
        for (i, facet) in item.facets.iter().enumerate() {
            if facet.matches(&sentence.tokens) {
                found[i] = true;
                hits += 1;
            }
        }
        if hits > 0 && best.is_none_or(|(b, _)| hits > b) {
            best = Some((hits, sentence));
        }
    }
    let matched = found.iter().filter(|f| **f).count();
    let total = item.facets.len().max(1);
    let ratio = matched as f64 / total as f64;
    let verdict = if ratio >= COVERED_RATIO {
        Verdict::Covered
    } else if ratio >= PARTIAL_RATIO {
        Verdict::Partial
    } else {
        Verdict::Missing
    };
    ItemVerdict {
        id: item.item.id.clone(),
        stage: item.item.stage.clone(),
        weight: item.item.weight,
        verdict,
        evidence: match verdict {
            Verdict::Missing => None,
            _ => best.map(|(_, s)| crate::strings::clip(&s.text, EVIDENCE_CHARS)),
        },
    }
}

/// Strengths are the heaviest covered points; improvements the heaviest missing ones, then
/// the partial ones. Deterministic: ties keep rubric order.
fn feedback(question: &Question, rubric: &[ItemVerdict]) -> Feedback {
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
    let mut improvements: Vec<String> = by_weight(Verdict::Missing)
        .into_iter()
        .map(|v| format!("Missing: {}", point(&v.id)))
        .collect();
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
