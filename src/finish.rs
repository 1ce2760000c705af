//! Finishing an interview: score it, keep the scorecard with the session, and write the
//! Markdown report next to it. `/done` in the REPL, `rehearse report` and the tests all go
//! through here, so a finished session means the same everywhere.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::bank::Question;
use crate::framework::Framework;
use crate::llm::LlmError;
use crate::report::{self, Report};
use crate::scoring::judge::JudgeInput;
use crate::scoring::{Answer, Scorecard, Scorer};
use crate::session::Session;
use crate::store::Store;

/// A finished interview.
#[derive(Debug)]
pub struct Finished {
    pub card: Scorecard,
    /// The Markdown report, next to the session.
    pub report: PathBuf,
    /// The judge's failure the offline fallback stepped in for, if it did.
    pub fallback_from: Option<LlmError>,
}

/// What the judge grades in `session`: the candidate's turns, the transcript and the notes.
pub fn judge_input<'a>(
    question: &'a Question,
    framework: &'a Framework,
    session: &Session,
    answer: &'a Answer,
) -> JudgeInput<'a> {
    JudgeInput {
        question,
        framework,
        answer,
        transcript: session.transcript(),
        notes: session.notes.clone(),
        seniority: session.seniority,
    }
}

/// Scores `session` with `scorer`, saves the scorecard with it and writes its report. The
/// session is saved before scoring, so a failing judge (an `Error::Llm`) loses nothing and
/// the interview can go on.
pub async fn finish(
    question: &Question,
    framework: &Framework,
    store: &Store,
    session: &mut Session,
    scorer: &Scorer,
    now: DateTime<Utc>,
) -> crate::Result<Finished> {
    session.tick(now);
    store.save(session)?;
    let answer = session.answer();
    let scored = scorer
        .score(&judge_input(question, framework, session, &answer))
        .await?;
    let mut card = scored.card;
    card.signals = Some(session.signals());
    card.delivery = session.delivery();
    session.scorecard = Some(card.clone());
    session.finished_at = Some(now);
    store.save(session)?;
    let report = store.report_path(&session.id, "md");
    let model = report_of(question, framework, session, &card, now);
    crate::files::replace_atomically(&report, report::markdown::render(&model).as_bytes())?;
    Ok(Finished {
        card,
        report,
        fallback_from: scored.fallback_from,
    })
}

/// The report of a finished session, ready to render in any format.
pub fn report_of(
    question: &Question,
    framework: &Framework,
    session: &Session,
    card: &Scorecard,
    date: DateTime<Utc>,
) -> Report {
    report::model::build(
        card,
        question,
        framework,
        Some(session),
        &session.answer(),
        &session.id,
        date,
    )
}
