//! When the interviewer should steer, decided by code so both interviewers steer alike:
//! a candidate designing during requirements, and a stage running over its budget.

use chrono::{DateTime, Utc};

use crate::bank::Question;
use crate::framework::{Framework, Kind};
use crate::interview::Session;
use crate::interview::classify;
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
    /// Decides what to steer on for a candidate turn, and records that it was done so each
    /// nudge is given once.
    pub fn for_turn(
        session: &mut Session,
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
            && !session.requirements_nudged
            && !is_question
            && classify::designs_too_early(text, normaliser)
        {
            session.requirements_nudged = true;
            steer.designing_early = true;
        }
        let elapsed = session.stage_elapsed_secs(now);
        let clock = &session.stages[session.stage_index];
        if elapsed > clock.budget_secs && !clock.overtime_nudged {
            let title = framework.stage_title(&clock.id);
            steer.overtime = Some(format!(
                "{} of {} for {title}",
                ui::clock(elapsed),
                ui::clock(clock.budget_secs)
            ));
            session.stages[session.stage_index].overtime_nudged = true;
        }
        steer
    }
}
