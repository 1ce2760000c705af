//! What the interviewer should address in its next reply, decided by code so both interviewers
//! steer alike: a candidate designing during requirements, a stage running over its budget,
//! the fact that answers a clarifying question, and the point of the stage to probe next.

use chrono::{DateTime, Utc};

use crate::bank::{Fact, Question};
use crate::framework::{Framework, Kind};
use crate::interview::classify;
use crate::interview::probe::{self, Assessment};
use crate::scoring::text::Normaliser;
use crate::session::{Nudge, Session, Speaker, TurnKind};
use crate::ui;

/// What the interviewer should address in its next reply, besides the candidate's words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Steer {
    /// The candidate's turn asks the interviewer something.
    pub asked: bool,
    /// The candidate is picking components before the requirements are clear.
    pub designing_early: bool,
    /// The stage is over budget: "06:10 of 05:00 for Requirements".
    pub overtime: Option<String>,
    /// The question's fact a clarifying question asks about (by the facts' keywords): the
    /// answer to give, so every candidate hears the same.
    pub fact: Option<Fact>,
    /// The stage after this turn (statements only): what to probe, whether it is covered.
    pub assessment: Option<Assessment>,
    /// The stage is covered and the candidate has not yet been told: suggest `/next`.
    pub stage_covered: bool,
    /// The candidate just shared a diagram: what a reviewer would point out about it (never
    /// what the reference has that it lacks: that would give the answer away).
    pub diagram: Option<DiagramShared>,
}

/// A diagram the candidate just shared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiagramShared {
    pub components: usize,
    pub flows: usize,
    pub warnings: Vec<String>,
}

impl Steer {
    /// Decides what to steer on for the candidate's latest turn (already recorded in
    /// `session`). Each nudge is given once: the turns that carried one say so, so a reply
    /// that never reached the candidate leaves it still owed.
    pub fn for_turn(
        session: &Session,
        question: &Question,
        framework: &Framework,
        now: DateTime<Utc>,
        normaliser: &Normaliser,
    ) -> Steer {
        let text = session
            .turns
            .last()
            .filter(|t| t.speaker == Speaker::Candidate)
            .map_or("", |t| t.text.as_str());
        let asked = session
            .turns
            .last()
            .is_some_and(|t| t.kind == TurnKind::Question);
        let mut steer = Steer {
            asked,
            fact: asked
                .then(|| classify::match_fact(question, text, normaliser).cloned())
                .flatten(),
            ..Steer::default()
        };
        let stage = session.stage().id.clone();
        if question.kind == Kind::Design
            && stage == "requirements"
            && !session.was_nudged(Nudge::DesigningEarly, None)
            && !asked
            && classify::designs_too_early(text, normaliser)
        {
            steer.designing_early = true;
        }
        let elapsed = session.stage_elapsed_secs(now);
        let clock = &session.stages[session.stage_index];
        if elapsed > clock.budget_secs && !session.was_nudged(Nudge::Overtime, Some(&clock.id)) {
            let title = framework.stage_title(&clock.id);
            steer.overtime = Some(format!(
                "{} of {} for {title}",
                ui::clock(elapsed),
                ui::clock(clock.budget_secs)
            ));
        }
        let shared = session
            .turns
            .last()
            .is_some_and(|t| t.kind == TurnKind::Diagram);
        if shared
            && let Some(crate::scoring::AnswerDiagram { parsed: Ok(d), .. }) =
                session.answer().diagram
        {
            let card = crate::diagram::review(&d, None);
            steer.diagram = Some(DiagramShared {
                components: card.nodes,
                flows: card.edges,
                warnings: card.warnings,
            });
            return steer;
        }
        if !asked {
            let assessment = probe::assess(question, framework, session);
            steer.stage_covered =
                assessment.stage_covered && !session.was_nudged(Nudge::StageCovered, Some(&stage));
            steer.assessment = Some(assessment);
        }
        steer
    }

    /// The nudges a reply following this steer gives, to record on its turn.
    pub fn nudges(&self) -> Vec<Nudge> {
        let mut nudges = Vec::new();
        if self.designing_early {
            nudges.push(Nudge::DesigningEarly);
        }
        if self.overtime.is_some() {
            nudges.push(Nudge::Overtime);
        }
        if self.stage_covered {
            nudges.push(Nudge::StageCovered);
        }
        nudges
    }
}
