//! What a report says, computed once and shared by the Markdown, HTML and JSON renderers:
//! the scorecard joined with the question (points, stage titles, the reference), the session
//! (times, hints, transcript) and communication signals.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::bank::Question;
use crate::framework::Framework;
use crate::scoring::{Answer, Band, Scorecard, ScorerInfo, ScorerKind, Verdict, offline};
use crate::session::Session;

#[derive(Debug, Clone, Serialize)]
pub struct StageRow {
    pub id: String,
    pub title: String,
    /// `None` when no rubric item of this stage was graded.
    pub score: Option<f64>,
    pub spent_secs: Option<u64>,
    pub budget_secs: Option<u64>,
    pub hints: Option<u32>,
    pub words: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemRow {
    pub id: String,
    pub stage_title: String,
    pub weight: u8,
    pub verdict: Verdict,
    pub mark: &'static str,
    pub point: String,
    pub evidence: Option<String>,
    /// The title of the stage the point was made in, when it was not its own.
    pub said_in: Option<String>,
}

/// A point the candidate missed, with the reference answer's sentence that makes it.
#[derive(Debug, Clone, Serialize)]
pub struct Missed {
    pub point: String,
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TranscriptLine {
    pub stage_title: String,
    pub speaker: &'static str,
    pub text: String,
    pub at: DateTime<Utc>,
    pub interrupted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filler {
    pub word: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Communication {
    pub clarifying_questions: Option<u32>,
    pub hints_used: Option<u32>,
    pub total_words: usize,
    pub filler_words: Vec<Filler>,
    pub filler_total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagRow {
    pub flag: String,
    pub meaning: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub question_number: u32,
    pub question_id: String,
    pub question_title: String,
    pub question_prompt: String,
    pub level: String,
    pub kind: String,
    /// Session id, or the answer file for a written answer.
    pub source: String,
    pub date: DateTime<Utc>,
    pub mode: String,
    pub scorer: ScorerInfo,
    pub scorer_label: String,
    /// What to keep in mind about this grade ([`crate::scoring::Scorecard::caveat`]).
    pub caveat: Option<String>,
    pub feedback_is_model_output: bool,
    pub duration_secs: Option<u64>,
    pub overall: f64,
    pub band: Band,
    pub band_label: &'static str,
    pub stages: Vec<StageRow>,
    pub checklist: Vec<ItemRow>,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    pub missed: Vec<Missed>,
    pub communication: Communication,
    pub flags: Vec<FlagRow>,
    pub transcript: Vec<TranscriptLine>,
}

/// Filler words and phrases counted in the candidate's text.
const FILLERS: &[&str] = &[
    "um",
    "uh",
    "erm",
    "basically",
    "actually",
    "literally",
    "you know",
    "kind of",
    "sort of",
    "i mean",
    "i guess",
];

/// Words before "kind of" / "sort of" that make it a real phrase ("what kind of data").
const DETERMINERS: &[&str] = &[
    "what",
    "which",
    "this",
    "that",
    "a",
    "the",
    "any",
    "some",
    "same",
    "every",
    "each",
    "one",
    "no",
    "another",
    "different",
];

/// Counts of each filler in `text` (whole words, case-insensitive), most frequent first.
pub fn filler_counts(text: &str) -> Vec<(String, usize)> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut counts: Vec<(String, usize)> = FILLERS
        .iter()
        .map(|f| {
            let phrase: Vec<&str> = f.split(' ').collect();
            let n = words
                .windows(phrase.len())
                .enumerate()
                .filter(|(i, w)| {
                    w.iter().zip(&phrase).all(|(a, b)| a == b)
                        && !(matches!(*f, "kind of" | "sort of")
                            && i.checked_sub(1)
                                .is_some_and(|p| DETERMINERS.contains(&words[p].as_str())))
                })
                .count();
            ((*f).to_owned(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Builds a report. `session` is present for interviews; for a written answer, `answer`
/// and `source` (the file name) describe it instead.
pub fn build(
    card: &Scorecard,
    question: &Question,
    framework: &Framework,
    session: Option<&Session>,
    answer: &Answer,
    source: &str,
    date: DateTime<Utc>,
) -> Report {
    let stage_title = |id: &str| framework.stage_title(id).to_owned();
    let stages = framework
        .stages
        .iter()
        .map(|stage| {
            let clock = session.and_then(|s| s.stages.iter().find(|c| c.id == stage.id));
            let stage_words = answer
                .sections
                .iter()
                .filter(|s| s.stage.as_deref() == Some(stage.id.as_str()))
                .map(|s| words(&s.text))
                .sum();
            StageRow {
                id: stage.id.clone(),
                title: stage.title.clone(),
                score: card
                    .stages
                    .iter()
                    .find(|s| s.id == stage.id)
                    .map(|s| s.score),
                spent_secs: clock.map(|c| c.spent_ms / 1000),
                budget_secs: clock.map(|c| c.budget_secs),
                hints: clock.map(|c| c.hints_used),
                words: stage_words,
            }
        })
        .collect();
    let point = |id: &str| question.point(id).to_owned();
    let checklist = card
        .rubric
        .iter()
        .map(|v| ItemRow {
            id: v.id.clone(),
            stage_title: stage_title(&v.stage),
            weight: v.weight,
            verdict: v.verdict,
            mark: v.verdict.mark(),
            point: point(&v.id),
            evidence: v.evidence.clone(),
            said_in: v.said_in.as_deref().map(stage_title),
        })
        .collect();
    // The reference answer's own best sentence for each point the candidate missed.
    let reference_card = offline::score(
        question,
        framework,
        &Answer::from_text(&question.reference, framework),
        None,
    );
    let missed = card
        .rubric
        .iter()
        .filter(|v| v.verdict != Verdict::Covered)
        .map(|v| Missed {
            point: point(&v.id),
            reference: reference_card
                .rubric
                .iter()
                .find(|r| r.id == v.id)
                .and_then(|r| r.evidence.clone()),
        })
        .collect();
    let candidate_text = answer.full_text();
    let fillers = filler_counts(&candidate_text);
    let transcript = match session {
        Some(s) => s
            .turns
            .iter()
            .map(|t| TranscriptLine {
                stage_title: stage_title(&t.stage),
                speaker: t.speaker.label(),
                text: t.text.clone(),
                at: t.at,
                interrupted: t.interrupted,
            })
            .collect(),
        None => answer
            .sections
            .iter()
            .map(|s| TranscriptLine {
                stage_title: s.stage.as_deref().map_or("Answer".to_owned(), stage_title),
                speaker: "Candidate",
                text: s.text.trim().to_owned(),
                at: date,
                interrupted: false,
            })
            .collect(),
    };
    Report {
        question_number: question.number,
        question_id: question.id.clone(),
        question_title: question.title.clone(),
        question_prompt: question.prompt.clone(),
        level: question.level.to_string(),
        kind: question.kind.to_string(),
        source: source.to_owned(),
        date,
        mode: session.map_or("written answer".to_owned(), |s| s.mode.as_str().to_owned()),
        scorer_label: card.scorer.describe(),
        caveat: card.caveat().map(str::to_owned),
        feedback_is_model_output: card.scorer.kind == ScorerKind::Llm,
        scorer: card.scorer.clone(),
        duration_secs: session.map(|s| s.stages.iter().map(|c| c.spent_ms).sum::<u64>() / 1000),
        overall: card.overall,
        band: card.band,
        band_label: card.band.label(),
        stages,
        checklist,
        strengths: card.feedback.strengths.clone(),
        improvements: card.feedback.improvements.clone(),
        missed,
        communication: Communication {
            clarifying_questions: card.signals.as_ref().map(|s| s.clarifying_questions),
            hints_used: card.signals.as_ref().map(|s| s.hints_used),
            total_words: words(&candidate_text),
            filler_total: fillers.iter().map(|(_, n)| n).sum(),
            filler_words: fillers
                .into_iter()
                .map(|(word, count)| Filler { word, count })
                .collect(),
        },
        flags: card
            .flags
            .iter()
            .map(|f| FlagRow {
                flag: f.clone(),
                meaning: super::text::flag_meaning(f),
            })
            .collect(),
        transcript,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fillers_are_counted_as_whole_words_and_phrases() {
        let counts = super::filler_counts(
            "Um, so basically we, um, shard it. You know, it's kind of like sharding. Umbrella.",
        );
        assert_eq!(
            counts,
            vec![
                ("um".to_owned(), 2),
                ("basically".to_owned(), 1),
                ("kind of".to_owned(), 1),
                ("you know".to_owned(), 1)
            ]
        );
    }
}
