//! When the interviewer should steer, decided by code so both interviewers steer alike:
//! a candidate designing during requirements, and a stage running over its budget.

use chrono::{DateTime, Utc};

use crate::bank::Question;
use crate::framework::{Framework, Kind};
use crate::interview::Session;
use crate::interview::classify;
use crate::interview::session::Nudge;
use crate::scoring::text::Normaliser;
use crate::ui;

/// What the interviewer should address in its next reply, besides the candidate's words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Steer {
    /// The candidate is picking components before the requirements are clear.
    pub designing_early: bool,
    /// The stage is over budget: "06:10 of 05:00 for Requirements".
    pub overtime: Option<String>,
}

impl Steer {
    /// Decides what to steer on for a candidate turn. Each nudge is given once: the turns that
    /// carried one say so, so a reply that never reached the candidate leaves it still owed.
    pub fn for_turn(
        session: &Session,
        question: &Question,
        framework: &Framework,
        text: &str,
        is_question: bool,
        now: DateTime<Utc>,
        normaliser: &Normaliser,
    ) -> Steer {
        let mut steer = Steer::default();
        if question.kind == Kind::Design
            && session.stage().id == "requirements"
            && !session.was_nudged(Nudge::DesigningEarly, None)
            && !is_question
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
        steer
    }

    /// The nudges this steer gives, to record on the turn that gives them.
    pub fn nudges(&self) -> Vec<Nudge> {
        let mut nudges = Vec::new();
        if self.designing_early {
            nudges.push(Nudge::DesigningEarly);
        }
        if self.overtime.is_some() {
            nudges.push(Nudge::Overtime);
        }
        nudges
    }
}
