//! Scoring: turning an answer (a written file or an interview transcript) into a Scorecard.
//! The offline scorer and the LLM judge decide per-item verdicts; `scorecard` does the maths.

pub mod concepts;
pub mod injection;
pub mod offline;
pub mod scorecard;
pub mod text;

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
            sections: text::sections(text, &framework.stage_ids()),
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
