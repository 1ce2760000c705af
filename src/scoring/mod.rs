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
pub mod review;
pub mod scorecard;
pub mod text;
pub mod units;

pub use scorecard::{Band, Feedback, ItemVerdict, Scorecard, ScorerInfo, ScorerKind, Verdict};
pub use text::Section;

use crate::framework::Framework;

/// What gets graded: the candidate's words, split into sections by the stage they answer
/// where that is known (`stage: None` counts for every stage), and their architecture diagram.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub sections: Vec<Section>,
    pub diagram: Option<AnswerDiagram>,
}

/// The candidate's diagram: its Mermaid text, read or not, and the stage it was drawn in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerDiagram {
    pub source: String,
    pub parsed: Result<crate::diagram::Diagram, crate::diagram::DiagramError>,
    pub stage: Option<String>,
}

impl Answer {
    /// A written answer; `## Requirements`-style headings assign the text below them to
    /// stages, and a ```mermaid block is its diagram.
    pub fn from_text(text: &str, framework: &Framework) -> Answer {
        let (prose, found) = crate::diagram::extract(text);
        Answer {
            sections: text::sections(&prose, framework),
            diagram: found.map(|f| AnswerDiagram {
                source: f.source,
                parsed: f.parsed,
                stage: None,
            }),
        }
    }

    /// The flows of the diagram, as the sentences the scorers read ("diagram: API --> Redis").
    pub fn diagram_flows(&self) -> Vec<String> {
        match &self.diagram {
            Some(AnswerDiagram {
                parsed: Ok(diagram),
                ..
            }) => crate::diagram::flows(diagram),
            _ => Vec::new(),
        }
    }

    /// All the candidate's text, sections in order, then the diagram's flows.
    pub fn full_text(&self) -> String {
        let mut parts: Vec<String> = self
            .sections
            .iter()
            .map(|s| s.text.trim().to_owned())
            .collect();
        let flows = self.diagram_flows();
        if !flows.is_empty() {
            parts.push(format!(
                "The candidate's architecture diagram, flow by flow:\n{}",
                flows.join("\n")
            ));
        }
        parts.join("\n\n")
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
