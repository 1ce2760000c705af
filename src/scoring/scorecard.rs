//! The Scorecard both scorers produce, and the arithmetic that turns per-item verdicts into
//! numbers. Verdicts come from a judge (offline or LLM); the numbers always come from this code,
//! so the two scorers are graded on the same scale.

use serde::{Deserialize, Serialize};

use crate::bank::{Level, Question, RubricItem, Seniority};
use crate::framework::Framework;

/// A judge's decision on one rubric item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Covered,
    Partial,
    Missing,
}

impl Verdict {
    /// Share of the item's weight the verdict earns.
    pub fn credit(self) -> f64 {
        match self {
            Verdict::Covered => 1.0,
            Verdict::Partial => 0.5,
            Verdict::Missing => 0.0,
        }
    }

    /// ✓ / ~ / ✗ for checklists.
    pub fn mark(self) -> &'static str {
        match self {
            Verdict::Covered => "✓",
            Verdict::Partial => "~",
            Verdict::Missing => "✗",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Covered => "covered",
            Verdict::Partial => "partial",
            Verdict::Missing => "missing",
        }
    }
}

/// Hiring-style summary of the overall score (design §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    StrongHire,
    Hire,
    LeanNoHire,
    NoHire,
    /// Too little text to grade; the numbers are not meaningful.
    Insufficient,
}

impl Band {
    pub fn from_overall(overall: f64) -> Band {
        if overall >= 85.0 {
            Band::StrongHire
        } else if overall >= 70.0 {
            Band::Hire
        } else if overall >= 55.0 {
            Band::LeanNoHire
        } else {
            Band::NoHire
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Band::StrongHire => "strong_hire",
            Band::Hire => "hire",
            Band::LeanNoHire => "lean_no_hire",
            Band::NoHire => "no_hire",
            Band::Insufficient => "insufficient",
        }
    }

    /// Human wording for reports.
    pub fn label(self) -> &'static str {
        match self {
            Band::StrongHire => "strong hire",
            Band::Hire => "hire",
            Band::LeanNoHire => "lean no hire",
            Band::NoHire => "no hire",
            Band::Insufficient => "insufficient to grade",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScorerKind {
    Offline,
    Llm,
}

/// Which scorer made a scorecard. Every score carries it, so an offline number is never
/// mistaken for a model's judgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorerInfo {
    pub kind: ScorerKind,
    pub model: Option<String>,
}

impl ScorerInfo {
    pub fn offline() -> ScorerInfo {
        ScorerInfo {
            kind: ScorerKind::Offline,
            model: None,
        }
    }

    pub fn llm(model: impl Into<String>) -> ScorerInfo {
        ScorerInfo {
            kind: ScorerKind::Llm,
            model: Some(model.into()),
        }
    }

    /// "offline scorer" / "LLM judge (gpt-4o-mini)".
    pub fn describe(&self) -> String {
        match (&self.kind, &self.model) {
            (ScorerKind::Offline, _) => "offline scorer".into(),
            (ScorerKind::Llm, Some(m)) => format!("LLM judge ({m})"),
            (ScorerKind::Llm, None) => "LLM judge".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionRef {
    pub id: String,
    pub number: u32,
    pub title: String,
    pub level: Level,
}

impl From<&Question> for QuestionRef {
    fn from(q: &Question) -> Self {
        QuestionRef {
            id: q.id.clone(),
            number: q.number,
            title: q.title.clone(),
            level: q.level,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageScore {
    pub id: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemVerdict {
    pub id: String,
    pub stage: String,
    pub weight: u8,
    pub verdict: Verdict,
    /// The candidate's words that earned the verdict; `None` when nothing did.
    pub evidence: Option<String>,
    /// The stage the evidence was given in, when that is not the item's own stage: the point
    /// counts wherever it was made, and the report says where that was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said_in: Option<String>,
    /// A reviewer's override: `verdict` above is then the reviewer's, and the machine's is kept
    /// here beside the note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::scoring::review::ItemReview>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
}

/// Flags a scorecard can carry.
pub mod flags {
    /// Text aimed at the grader ("ignore the rubric", fake verdicts) was found and ignored.
    pub const PROMPT_INJECTION: &str = "possible_prompt_injection";
    /// The LLM judge failed; this card was made by the offline scorer because `--fallback
    /// offline` asked for it.
    pub const JUDGE_FAILED_OFFLINE_FALLBACK: &str = "llm_judge_failed_offline_fallback";
    /// The LLM judge quoted text that is not in the transcript; those items got no credit.
    pub const UNVERIFIED_EVIDENCE: &str = "unverified_evidence";
    /// The answer's Mermaid diagram did not parse; the rest was graded without it.
    pub const DIAGRAM_UNREADABLE: &str = "diagram_unreadable";
}

/// How the candidate communicated, where a session recorded it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Signals {
    pub clarifying_questions: u32,
    pub hints_used: u32,
    /// Seconds spent per stage, in framework order.
    pub seconds_per_stage: Vec<(String, u64)>,
}

/// The result of grading one answer or interview (design §7). Numbers are 0–100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub question: QuestionRef,
    pub scorer: ScorerInfo,
    /// The score, 0–100, one decimal: the share of the rubric shown, through the scorer's
    /// calibration curve.
    pub overall: f64,
    pub band: Band,
    pub stages: Vec<StageScore>,
    pub rubric: Vec<ItemVerdict>,
    pub flags: Vec<String>,
    pub feedback: Feedback,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signals: Option<Signals>,
    /// The candidate's architecture diagram, read and compared with the reference one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagram: Option<crate::diagram::DiagramCard>,
    /// How a spoken answer was delivered (pace, fillers, pauses); absent for written ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<crate::speech::delivery::Delivery>,
    /// A mentor reviewed the verdicts: the numbers above come from the reviewed verdicts, the
    /// machine's numbers are kept here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::scoring::review::Review>,
    /// The share of the rubric shown (verdicts × weights, stage-weighted), 0–1: what the
    /// calibration curve turned into `overall`. Kept out of the JSON of design §7.
    #[serde(skip)]
    pub coverage: f64,
}

/// What a judge (offline or LLM) decided about one answer, for [`Scorecard::assemble`].
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// One verdict per expected rubric item, in rubric order.
    pub rubric: Vec<ItemVerdict>,
    pub flags: Vec<String>,
    pub feedback: Feedback,
    /// Too little to grade: no score.
    pub insufficient: bool,
}

/// The items a candidate at `seniority` is graded on (all of them when `None`).
pub fn expected_items(question: &Question, seniority: Option<Seniority>) -> Vec<&RubricItem> {
    question
        .rubric
        .iter()
        .filter(|item| item.expected_of(seniority))
        .collect()
}

/// Stage scores (stages with no expected items left out) and the stage-weighted share of the
/// rubric shown, 0–1, from the verdicts × weights; the share becomes a stage's score through
/// `curve`.
pub fn grade(
    rubric: &[ItemVerdict],
    framework: &Framework,
    curve: &crate::scoring::calibration::Curve,
) -> (Vec<StageScore>, f64) {
    let mut stages = Vec::new();
    let mut weighted = 0.0;
    let mut total_weight = 0.0;
    for stage in &framework.stages {
        let items: Vec<&ItemVerdict> = rubric.iter().filter(|v| v.stage == stage.id).collect();
        let possible: f64 = items.iter().map(|v| f64::from(v.weight)).sum();
        if possible == 0.0 {
            continue;
        }
        let earned: f64 = items
            .iter()
            .map(|v| f64::from(v.weight) * v.verdict.credit())
            .sum();
        let share = earned / possible;
        weighted += stage.weight * share;
        total_weight += stage.weight;
        stages.push(StageScore {
            id: stage.id.clone(),
            score: round1(curve.score(share)),
        });
    }
    let coverage = if total_weight > 0.0 {
        weighted / total_weight
    } else {
        0.0
    };
    (stages, coverage)
}

/// Scores are shown and stored with one decimal.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Scorecard {
    /// What a candidate should know about a low offline grade: it reads wording, not meaning.
    /// `None` for a passing grade, a judge's grade or an answer too thin to grade.
    pub fn caveat(&self) -> Option<&'static str> {
        (self.scorer.kind == ScorerKind::Offline
            && matches!(self.band, Band::NoHire | Band::LeanNoHire))
        .then_some(
            "The offline scorer matches your words with the rubric's; a point made in plain \
             words without the usual terms can be missed. For a second opinion that reads \
             meaning, score it with an LLM judge (`rehearse doctor` sets one up).",
        )
    }

    /// Turns verdicts (one per expected rubric item, in rubric order) into stage scores, the
    /// overall score and the band. Stage weights come from the framework data file; stages with
    /// no expected items are left out and the remaining weights renormalised. The share of the
    /// rubric shown becomes a score through the scorer's calibration curve
    /// (`data/calibration.toml`).
    pub fn assemble(
        question: &Question,
        framework: &Framework,
        scorer: ScorerInfo,
        judged: Judged,
        curve: &crate::scoring::calibration::Curve,
    ) -> Scorecard {
        let Judged {
            rubric,
            flags,
            feedback,
            insufficient,
        } = judged;
        let (stages, coverage) = grade(&rubric, framework, curve);
        let overall = round1(curve.score(coverage));
        // Too little to grade means no grade: a number beside "insufficient" would read as one.
        let (stages, overall, band) = if insufficient {
            let zero = stages
                .into_iter()
                .map(|s| StageScore { score: 0.0, ..s })
                .collect();
            (zero, 0.0, Band::Insufficient)
        } else {
            (stages, overall, Band::from_overall(overall))
        };
        Scorecard {
            question: QuestionRef::from(question),
            scorer,
            overall,
            band,
            stages,
            rubric,
            flags,
            feedback,
            signals: None,
            diagram: None,
            delivery: None,
            review: None,
            coverage: (coverage * 1000.0).round() / 1000.0,
        }
    }

    /// Adds what the answer's diagram shows: its review against the question's reference
    /// architecture, or the flag saying it could not be read.
    pub fn attach_diagram(&mut self, question: &Question, answer: &crate::scoring::Answer) {
        match answer.diagram.as_ref().map(|d| &d.parsed) {
            Some(Ok(diagram)) => {
                let reference = question
                    .reference_diagram
                    .as_deref()
                    .and_then(|r| crate::diagram::parse::parse(r).ok());
                self.diagram = Some(crate::diagram::review(diagram, reference.as_ref()));
            }
            Some(Err(_)) => self.flags.push(flags::DIAGRAM_UNREADABLE.to_owned()),
            None => {}
        }
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_design_thresholds() {
        assert_eq!(Band::from_overall(85.0), Band::StrongHire);
        assert_eq!(Band::from_overall(84.9), Band::Hire);
        assert_eq!(Band::from_overall(70.0), Band::Hire);
        assert_eq!(Band::from_overall(55.0), Band::LeanNoHire);
        assert_eq!(Band::from_overall(54.9), Band::NoHire);
        assert_eq!(
            serde_json::to_string(&Band::LeanNoHire).unwrap(),
            "\"lean_no_hire\""
        );
    }

    const QUESTION: &str = r#"
id = "t"
number = 1
title = "T"
level = "basic"
kind = "concept"
topics = ["caching"]
minutes = 15
prompt = "p"
reference = "r"
[[rubric]]
id = "a"
stage = "definition"
weight = 3
point = "p"
probe = "q?"
concepts = ["x"]
[[rubric]]
id = "b"
stage = "definition"
weight = 1
point = "p"
probe = "q?"
concepts = ["x"]
[[rubric]]
id = "c"
stage = "mechanics"
weight = 2
point = "p"
probe = "q?"
concepts = ["x"]
[[rubric]]
id = "d"
stage = "tradeoffs"
weight = 2
point = "p"
probe = "q?"
concepts = ["x"]
[[rubric]]
id = "e"
stage = "applications"
weight = 1
point = "p"
probe = "q?"
concepts = ["x"]
"#;

    #[test]
    fn verdicts_times_weights_make_stage_and_overall_scores() {
        let frameworks = crate::framework::Frameworks::embedded().unwrap();
        let q = crate::bank::load::parse_question(
            &frameworks,
            "t.toml",
            QUESTION,
            crate::bank::Origin::User("t.toml".into()),
        )
        .unwrap()
        .question;
        let fw = frameworks.get(q.kind);
        // Everything covered except "a" (weight 3, definition), which is partial.
        let rubric: Vec<ItemVerdict> = q
            .rubric
            .iter()
            .map(|item| ItemVerdict {
                id: item.id.clone(),
                stage: item.stage.clone(),
                weight: item.weight,
                verdict: if item.id == "a" {
                    Verdict::Partial
                } else {
                    Verdict::Covered
                },
                evidence: None,
                said_in: None,
                review: None,
            })
            .collect();
        let card = Scorecard::assemble(
            &q,
            fw,
            ScorerInfo::llm("m"),
            Judged {
                rubric,
                flags: vec![],
                feedback: Feedback::default(),
                insufficient: false,
            },
            &crate::scoring::calibration::Curve::identity(),
        );
        let definition = card.stages.iter().find(|s| s.id == "definition").unwrap();
        // definition: weight 3 × 0.5 + weight 1 × 1 = 2.5 of 4.
        assert_eq!(definition.score, 62.5);
        assert!(
            card.stages
                .iter()
                .filter(|s| s.id != "definition")
                .all(|s| s.score == 100.0)
        );
        // Stage weights 30/30/25/15: (30 × 62.5 + 70 × 100) / 100 = 88.75.
        assert_eq!(card.overall, 88.8);
        assert_eq!(card.band, Band::StrongHire);
    }

    #[test]
    fn only_a_low_offline_grade_carries_the_wording_caveat() {
        let frameworks = crate::framework::Frameworks::embedded().unwrap();
        let q = crate::bank::load::parse_question(
            &frameworks,
            "t.toml",
            QUESTION,
            crate::bank::Origin::User("t.toml".into()),
        )
        .unwrap()
        .question;
        let card = |scorer: ScorerInfo, verdict: Verdict, insufficient: bool| {
            let rubric = q
                .rubric
                .iter()
                .map(|item| ItemVerdict {
                    id: item.id.clone(),
                    stage: item.stage.clone(),
                    weight: item.weight,
                    verdict,
                    evidence: None,
                    said_in: None,
                    review: None,
                })
                .collect();
            Scorecard::assemble(
                &q,
                frameworks.get(q.kind),
                scorer,
                Judged {
                    rubric,
                    flags: vec![],
                    feedback: Feedback::default(),
                    insufficient,
                },
                &crate::scoring::calibration::Curve::identity(),
            )
        };
        assert!(
            card(ScorerInfo::offline(), Verdict::Missing, false)
                .caveat()
                .is_some()
        );
        assert!(
            card(ScorerInfo::offline(), Verdict::Covered, false)
                .caveat()
                .is_none()
        );
        assert!(
            card(ScorerInfo::offline(), Verdict::Missing, true)
                .caveat()
                .is_none()
        );
        assert!(
            card(ScorerInfo::llm("m"), Verdict::Missing, false)
                .caveat()
                .is_none()
        );
    }
}
