//! The offline interviewer: answers clarifying questions from the question's facts, asks the
//! stage's follow-ups about points not yet made, and steers like a human interviewer would.
//! Deterministic, instant, and needs nothing but the question file.

use crate::bank::Question;
use crate::framework::Framework;
use crate::interview::session::{Nudge, Session, TurnKind};
use crate::interview::steer::Steer;
use crate::interview::{Line, classify};
use crate::scoring::text::Normaliser;
use crate::scoring::{Verdict, offline};

const NO_FACT: &str = "That isn't pinned down for this interview. What would you assume? \
State your assumption and carry on.";

const DESIGNING_EARLY: &str = "Hold on: before components and databases, pin down the \
requirements. What must the system do, for how many users, with what latency and \
consistency? Ask me anything you need.";

#[derive(Default)]
pub struct Scripted {
    normaliser: Normaliser,
}

impl Scripted {
    /// The interviewer's reply to a candidate turn (already recorded in `session`).
    pub fn respond(
        &self,
        question: &Question,
        framework: &Framework,
        session: &Session,
        text: &str,
        asked: bool,
        steer: &Steer,
    ) -> Vec<Line> {
        let mut lines = Vec::new();
        if steer.designing_early {
            lines.push(Line::nudge(DESIGNING_EARLY, Nudge::DesigningEarly));
        } else if asked {
            let answer = classify::match_fact(question, text, &self.normaliser)
                .map_or(NO_FACT.to_owned(), |f| f.answer.clone());
            lines.push(Line::new(TurnKind::Clarification, answer));
        } else if let Some(ask) = self.next_followup(question, framework, session) {
            lines.push(Line::new(TurnKind::Followup, ask));
        } else {
            lines.push(Line::new(TurnKind::Reply, wrap_up(framework, session)));
        }
        if let Some(over) = &steer.overtime {
            lines.push(Line::nudge(
                format!("We're at {over}. Let's wrap this part up and move on with /next."),
                Nudge::Overtime,
            ));
        }
        lines
    }

    /// The first follow-up of the current stage not yet asked whose rubric point the candidate
    /// has not already covered.
    fn next_followup(
        &self,
        question: &Question,
        framework: &Framework,
        session: &Session,
    ) -> Option<String> {
        let stage = session.stage().id.as_str();
        // Only this stage's words can cover this stage's follow-up points.
        let mut answer = session.answer();
        answer
            .sections
            .retain(|s| s.stage.as_deref() == Some(stage));
        let card = offline::score(question, framework, &answer, None);
        question
            .followups_for(stage)
            .filter(|f| {
                !session
                    .turns
                    .iter()
                    .any(|t| t.kind == TurnKind::Followup && t.text == f.ask)
            })
            .find(|f| {
                f.rubric.as_ref().is_none_or(|id| {
                    card.rubric
                        .iter()
                        .find(|v| &v.id == id)
                        .is_none_or(|v| v.verdict != Verdict::Covered)
                })
            })
            .map(|f| f.ask.clone())
    }
}

fn wrap_up(framework: &Framework, session: &Session) -> String {
    let current = framework.stage_title(&session.stage().id);
    match framework.stages.get(session.stage_index + 1) {
        Some(next) => format!(
            "Noted. Anything else on {current}? When you're ready, /next moves on to {}.",
            next.title
        ),
        None => "Noted. Anything else before we finish? Type /done for your score and feedback."
            .to_owned(),
    }
}
