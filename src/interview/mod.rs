//! The practice interview: session state, the two interviewers (scripted and LLM), the REPL
//! and its commands, and autosave.

pub mod classify;
pub mod commands;
pub mod llm;
pub mod repl;
pub mod scripted;
pub mod session;
pub mod steer;

pub use session::{Mode, Session, Speaker, TurnKind};

/// One thing the interviewer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: TurnKind,
    pub text: String,
    /// The nudges this line gives, recorded on its turn.
    pub nudges: Vec<session::Nudge>,
}

impl Line {
    pub fn new(kind: TurnKind, text: impl Into<String>) -> Line {
        Line {
            kind,
            text: text.into(),
            nudges: Vec::new(),
        }
    }

    pub fn nudge(text: impl Into<String>, nudge: session::Nudge) -> Line {
        Line {
            kind: TurnKind::Nudge,
            text: text.into(),
            nudges: vec![nudge],
        }
    }
}
