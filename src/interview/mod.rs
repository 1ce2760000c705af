//! The practice interview: the two interviewers (scripted and LLM) behind one interface, the
//! judgement they steer by, and the REPL that talks to the terminal.
//!
//! Dependencies run one way: `bank` → `session` → `interview`. The interviewers read the
//! candidate's progress with the offline scorer (`scoring`); finishing an interview (score,
//! save, report) is `crate::finish`, which the REPL calls and nothing here re-implements.

pub mod classify;
pub mod commands;
pub mod llm;
pub mod probe;
pub mod repl;
pub mod reply;
pub mod scripted;
pub mod steer;

use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;

use crate::bank::Question;
use crate::framework::Framework;
use crate::llm::LlmError;
use crate::session::{Nudge, Session, TurnKind};
use steer::Steer;

/// One thing the interviewer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: TurnKind,
    pub text: String,
    /// The nudges this line gives, recorded on its turn.
    pub nudges: Vec<Nudge>,
}

impl Line {
    pub fn new(kind: TurnKind, text: impl Into<String>) -> Line {
        Line {
            kind,
            text: text.into(),
            nudges: Vec::new(),
        }
    }

    pub fn nudge(text: impl Into<String>, nudge: Nudge) -> Line {
        Line {
            kind: TurnKind::Nudge,
            text: text.into(),
            nudges: vec![nudge],
        }
    }
}

/// What an interviewer is given to reply to the candidate's latest turn, which is already the
/// last turn of `session`.
pub struct TurnContext<'a> {
    pub question: &'a Question,
    pub framework: &'a Framework,
    pub session: &'a Session,
    pub steer: &'a Steer,
    pub now: DateTime<Utc>,
}

/// One piece of an interviewer's reply, in the order it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyEvent {
    /// A line of the reply begins: what kind of turn it is and the nudges it gives.
    Line { kind: TurnKind, nudges: Vec<Nudge> },
    /// Text of the current line, to show as it arrives.
    Text(String),
    /// A private note for the judge about the candidate's turn; never shown.
    Note(String),
}

impl ReplyEvent {
    /// A whole line at once: how the scripted interviewer replies.
    fn whole(line: Line) -> [ReplyEvent; 2] {
        [
            ReplyEvent::Line {
                kind: line.kind,
                nudges: line.nudges,
            },
            ReplyEvent::Text(line.text),
        ]
    }
}

pub type ReplyStream<'a> = BoxStream<'a, Result<ReplyEvent, LlmError>>;

/// Who plays the interviewer. Dropping a reply stream part-way cancels it.
pub trait Interviewer: Send + Sync {
    /// The reply to the candidate's latest turn: the scripted interviewer's in whole lines, a
    /// model's as it streams.
    fn reply<'a>(&'a self, turn: &'a TurnContext<'a>) -> ReplyStream<'a>;
}
