//! Scoring: turning an answer (a written file or an interview transcript) into a Scorecard.
//! The offline scorer and the LLM judge decide per-item verdicts; `scorecard` does the maths.

pub mod agreement;
pub mod arithmetic;
pub mod calibration;
pub mod concepts;
pub mod injection;
pub mod judge;
pub mod lexicon;
pub mod offline;
pub mod scorecard;
pub mod text;
pub mod units;

pub use scorecard::{Band, Feedback, ItemVerdict, Scorecard, ScorerInfo, ScorerKind, Verdict};
pub use text::Section;

use crate::framework::Framework;

/// What gets graded: the candidate's words, split into sections by the stage they answer
/// where that is known (`stage: None` counts for every stage).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub sections: Vec<Section>,
}

impl Answer {
    /// A written answer; `## Requirements`-style headings assign the text below them to stages.
    pub fn from_text(text: &str, framework: &Framework) -> Answer {
        Answer {
            sections: text::sections(text, framework),
        }
    }

    /// All the candidate's text, sections in order.
    pub fn full_text(&self) -> String {
        self.sections
            .iter()
            .map(|s| s.text.trim())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// Which judge grades answers in this run.
pub enum Scorer {
    /// The deterministic offline scorer.
    Offline,
    /// An LLM judge behind an OpenAI-compatible endpoint.
    Llm {
        model: Box<dyn crate::llm::ChatModel>,
        /// Keys the remembered structured-output level (base URL and model).
        endpoint: String,
        /// Score with the offline scorer when the judge fails (`--fallback offline`); the card
        /// is flagged and says so. Without it a failure is an error.
        fallback_offline: bool,
    },
}

/// A scorecard, plus the judge error it replaced when the offline fallback stepped in.
pub struct Scored {
    pub card: Scorecard,
    pub fallback_from: Option<crate::llm::LlmError>,
}

impl Scorer {
    pub fn describe(&self) -> String {
        match self {
            Scorer::Offline => ScorerInfo::offline().describe(),
            Scorer::Llm { model, .. } => ScorerInfo::llm(model.model_name()).describe(),
        }
    }

    pub async fn score(
        &self,
        input: &judge::JudgeInput<'_>,
    ) -> Result<Scored, crate::llm::LlmError> {
        match self {
            Scorer::Offline => Ok(Scored {
                card: offline::score(
                    input.question,
                    input.framework,
                    input.answer,
                    input.seniority,
                ),
                fallback_from: None,
            }),
            Scorer::Llm {
                model,
                endpoint,
                fallback_offline,
            } => match judge::score(model.as_ref(), endpoint, input).await {
                Ok(card) => Ok(Scored {
                    card,
                    fallback_from: None,
                }),
                Err(err) if *fallback_offline => {
                    let mut card = offline::score(
                        input.question,
                        input.framework,
                        input.answer,
                        input.seniority,
                    );
                    card.flags
                        .push(scorecard::flags::JUDGE_FAILED_OFFLINE_FALLBACK.to_owned());
                    Ok(Scored {
                        card,
                        fallback_from: Some(err),
                    })
                }
                Err(err) => Err(err),
            },
        }
    }
}
