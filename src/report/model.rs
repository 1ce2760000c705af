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
    /// A reviewer's override: "reviewer: covered (machine: missing) — note".
    pub reviewed: Option<String>,
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

/// Talk time in one stage, against its budget.
#[derive(Debug, Clone, Serialize)]
pub struct TalkRow {
    pub title: String,
    pub spoken_secs: f64,
    pub budget_secs: Option<u64>,
}

/// One spoken turn's pace.
#[derive(Debug, Clone, Serialize)]
pub struct PaceRow {
    /// 1-based, among the spoken turns.
    pub n: usize,
    pub stage_title: String,
    pub duration_secs: f64,
    pub words_per_minute: f64,
}

/// The candidate's architecture diagram beside the reference one.
#[derive(Debug, Clone, Serialize)]
pub struct DiagramView {
    /// The Mermaid text, as the candidate wrote it.
    pub source: String,
    pub card: crate::diagram::DiagramCard,
    /// Kinds the reference has and the diagram lacks, for people ("load balancer").
    pub missing: Vec<String>,
    /// The drawings (HTML only).
    #[serde(skip)]
    pub svg: String,
    #[serde(skip)]
    pub reference_svg: Option<String>,
}

/// How the answer was spoken: present when any of it was.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryView {
    pub overall: crate::speech::delivery::Delivery,
    pub summary: String,
    pub stages: Vec<TalkRow>,
    pub turns: Vec<PaceRow>,
    pub fillers: Vec<Filler>,
    pub advice: Vec<String>,
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
    /// Set when a reviewer overrode verdicts: the grade is the reviewed one.
    pub reviewed: Option<String>,
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
    pub delivery: Option<DeliveryView>,
    pub diagram: Option<DiagramView>,
    pub flags: Vec<FlagRow>,
    pub transcript: Vec<TranscriptLine>,
}

/// The diagram section, when the answer had a diagram that could be read.
fn diagram_view(card: &Scorecard, question: &Question, answer: &Answer) -> Option<DiagramView> {
    let found = answer.diagram.as_ref()?;
    let diagram = found.parsed.as_ref().ok()?;
    let review = card.diagram.clone()?;
    Some(DiagramView {
        source: found.source.trim_end().to_owned(),
        missing: review.missing.iter().map(|k| k.replace('_', " ")).collect(),
        card: review,
        svg: crate::diagram::render::svg(diagram, "candidate-diagram", "Your architecture diagram"),
        reference_svg: question
            .reference_diagram
            .as_deref()
            .and_then(|r| crate::diagram::parse::parse(r).ok())
            .map(|r| {
                crate::diagram::render::svg(&r, "reference-diagram", "Reference architecture")
            }),
    })
}

/// The delivery section: the card's delivery, and per stage and per turn from the session's
/// spoken turns.
fn delivery_view(
    card: &Scorecard,
    framework: &Framework,
    session: Option<&Session>,
) -> Option<DeliveryView> {
    let overall = card.delivery.clone()?;
    let spoken: Vec<(&crate::session::Turn, &crate::speech::delivery::Delivery)> = session
        .map(|s| {
            s.turns
                .iter()
                .filter_map(|t| match &t.source {
                    crate::session::TurnSource::Audio {
                        delivery: Some(d), ..
                    } => Some((t, d)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let stages = framework
        .stages
        .iter()
        .filter_map(|stage| {
            let secs: f64 = spoken
                .iter()
                .filter(|(t, _)| t.stage == stage.id)
                .map(|(_, d)| d.duration_secs)
                .sum();
            (secs > 0.0).then(|| TalkRow {
                title: stage.title.clone(),
                spoken_secs: (secs * 10.0).round() / 10.0,
                budget_secs: session
                    .and_then(|s| s.stages.iter().find(|c| c.id == stage.id))
                    .map(|c| c.budget_secs),
            })
        })
        .collect();
    let turns = spoken
        .iter()
        .enumerate()
        .map(|(i, (t, d))| PaceRow {
            n: i + 1,
            stage_title: framework.stage_title(&t.stage).to_owned(),
            duration_secs: d.duration_secs,
            words_per_minute: d.words_per_minute,
        })
        .collect();
    let mut fillers: Vec<Filler> = overall
        .fillers
        .by_word
        .iter()
        .map(|(word, n)| Filler {
            word: word.clone(),
            count: *n as usize,
        })
        .collect();
    fillers.sort_by(|a, b| b.count.cmp(&a.count).then(a.word.cmp(&b.word)));
    Some(DeliveryView {
        summary: overall.summary(),
        advice: overall.advice(),
        overall,
        stages,
        turns,
        fillers,
    })
}

/// Counts of each filler in `text` (the rules of `data/fillers.toml`), most frequent first.
pub fn filler_counts(text: &str) -> Vec<(String, usize)> {
    let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    let mut counts: Vec<(String, usize)> = crate::speech::delivery::fillers_in(&words)
        .into_iter()
        .map(|(word, n)| (word, n as usize))
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
            reviewed: v.review.as_ref().map(|r| {
                let note = r
                    .note
                    .as_ref()
                    .map(|n| format!(" — {n}"))
                    .unwrap_or_default();
                format!(
                    "Reviewer: {} (the machine said {}, {}){note}",
                    v.verdict.as_str(),
                    r.machine_verdict.as_str(),
                    r.at.format("%Y-%m-%d %H:%M UTC")
                )
            }),
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
        reviewed: card.review_label(),
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
        delivery: delivery_view(card, framework, session),
        diagram: diagram_view(card, question, answer),
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
