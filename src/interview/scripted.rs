//! The offline interviewer: answers clarifying questions from the question's facts, says what
//! it heard, asks about the most important point of the stage not yet made, and steers like a
//! human interviewer would. Deterministic, instant, and needs nothing but the question file.

use futures_util::StreamExt;

use crate::framework::Framework;
use crate::interview::probe::Assessment;
use crate::interview::{Interviewer, Line, ReplyEvent, ReplyStream, TurnContext};
use crate::session::{Nudge, Session, Speaker, TurnKind};

const NO_FACT: &str = "That isn't pinned down for this interview. What would you assume? \
State your assumption and carry on.";

const DESIGNING_EARLY: &str = "Hold on: before components and databases, pin down the \
requirements. What must the system do, for how many users, with what latency and \
consistency? Ask me anything you need.";

/// How an acknowledgement names what was heard, in turn, so repeated ones do not sound canned.
const HEARD: &[(&str, &str)] = &[
    ("You mentioned “", "”."),
    ("Noted: “", "”."),
    ("Got it, “", "”."),
];

#[derive(Debug, Default)]
pub struct Scripted;

impl Interviewer for Scripted {
    fn reply<'a>(&'a self, turn: &'a TurnContext<'a>) -> ReplyStream<'a> {
        let events: Vec<_> = respond(turn)
            .into_iter()
            .flat_map(ReplyEvent::whole)
            .map(Ok)
            .collect();
        futures_util::stream::iter(events).boxed()
    }
}

/// The lines of the reply to the candidate's latest turn.
pub fn respond(turn: &TurnContext<'_>) -> Vec<Line> {
    let steer = turn.steer;
    let mut lines = Vec::new();
    if let Some(diagram) = &steer.diagram {
        let follow = diagram.warnings.first().map_or(
            "Walk me through one request end to end on it.",
            String::as_str,
        );
        lines.push(Line::new(
            TurnKind::Reply,
            format!(
                "Thanks for the diagram: {} components, {} flows. {follow}",
                diagram.components, diagram.flows
            ),
        ));
    } else if steer.designing_early {
        lines.push(Line::nudge(DESIGNING_EARLY, Nudge::DesigningEarly));
    } else if steer.asked {
        let answer = steer
            .fact
            .as_ref()
            .map_or(NO_FACT.to_owned(), |f| f.answer.clone());
        lines.push(Line::new(TurnKind::Clarification, answer));
    } else if let Some(assessment) = &steer.assessment {
        lines.push(probe_or_move_on(
            turn.framework,
            turn.session,
            assessment,
            steer.stage_covered,
        ));
    }
    if let Some(over) = &steer.overtime {
        lines.push(Line::nudge(
            format!("We're at {over}. Let's wrap this part up and move on with /next."),
            Nudge::Overtime,
        ));
    }
    lines
}

/// After a statement: what was heard, then the next question about a missing point, or, when
/// the stage is covered, the suggestion to move on.
fn probe_or_move_on(
    framework: &Framework,
    session: &Session,
    assessment: &Assessment,
    tell_covered: bool,
) -> Line {
    let heard = assessment.heard.as_ref().map(|words| {
        let said = session
            .turns
            .iter()
            .filter(|t| t.speaker == Speaker::Candidate)
            .count();
        let (open, close) = HEARD[said % HEARD.len()];
        format!("{open}{words}{close} ")
    });
    let heard = heard.unwrap_or_default();
    let current = framework.stage_title(&session.stage().id);
    let next = framework.stages.get(session.stage_index + 1);
    if tell_covered {
        let text = match next {
            Some(next) => format!(
                "{heard}That covers what I wanted from {current}. When you're ready, /next moves on to {}.",
                next.title
            ),
            None => format!(
                "{heard}That covers what I wanted from {current}. Anything else before we finish? /done gives your score and feedback."
            ),
        };
        let mut line = Line::new(TurnKind::Reply, text);
        line.nudges.push(Nudge::StageCovered);
        return line;
    }
    if let Some(ask) = &assessment.next_ask {
        return Line::new(TurnKind::Followup, format!("{heard}{ask}"));
    }
    let text = match next {
        Some(next) => format!(
            "{heard}Anything else on {current}? When you're ready, /next moves on to {}.",
            next.title
        ),
        None => format!(
            "{heard}Anything else before we finish? Type /done for your score and feedback."
        ),
    };
    Line::new(TurnKind::Reply, text)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::bank::Bank;
    use crate::interview::steer::Steer;
    use crate::scoring::text::Normaliser;
    use crate::session::Setup;

    /// The scripted reply to `said` (each a candidate turn) in question `id`'s first stage.
    fn replies(id: &str, said: &[&str]) -> Vec<Vec<Line>> {
        let bank = Bank::load(&[]).unwrap();
        let q = bank.find(id).unwrap();
        let framework = bank.frameworks().get(q.kind);
        let now = Utc::now();
        let mut session = Session::new("t".into(), q, framework, Setup::offline(45), now);
        let mut out = Vec::new();
        for text in said {
            let kind = if crate::interview::classify::is_question(text) {
                TurnKind::Question
            } else {
                TurnKind::Answer
            };
            session.push(Speaker::Candidate, kind, (*text).to_owned(), now);
            let steer = Steer::for_turn(&session, q, framework, now, &Normaliser::default());
            let turn = TurnContext {
                question: q,
                framework,
                session: &session,
                steer: &steer,
                now,
            };
            let lines = respond(&turn);
            for line in &lines {
                session.push(Speaker::Interviewer, line.kind, line.text.clone(), now);
                session.turns.last_mut().unwrap().nudges = line.nudges.clone();
            }
            out.push(lines);
        }
        out
    }

    #[test]
    fn a_thin_answer_gets_the_probe_of_the_heaviest_missing_point() {
        // The cap-theorem definition stage: nothing about what C, A and P mean yet.
        let bank = Bank::load(&[]).unwrap();
        let q = bank.find("cap-theorem").unwrap();
        let heaviest = q
            .rubric_for("definition")
            .max_by_key(|i| (i.weight, std::cmp::Reverse(i.id.clone())))
            .unwrap();
        let r = replies(
            "cap-theorem",
            &["It is a theorem about distributed databases."],
        );
        assert_eq!(r[0].len(), 1);
        assert_eq!(r[0][0].kind, TurnKind::Followup);
        let followups: Vec<&str> = q
            .followups_for("definition")
            .map(|f| f.ask.as_str())
            .collect();
        assert!(
            r[0][0].text.ends_with(&heaviest.probe)
                || followups.iter().any(|f| r[0][0].text.ends_with(f)),
            "{:?}",
            r[0][0]
        );
    }

    #[test]
    fn each_point_is_asked_about_once() {
        let r = replies(
            "url-shortener",
            &[
                "It shortens links.",
                "It shortens links.",
                "It shortens links.",
                "It shortens links.",
            ],
        );
        let asked: Vec<&String> = r
            .iter()
            .flatten()
            .filter(|l| l.kind == TurnKind::Followup)
            .map(|l| &l.text)
            .collect();
        assert!(asked.len() >= 2, "{r:?}");
        for (i, a) in asked.iter().enumerate() {
            assert!(!asked[..i].contains(a), "asked twice: {a}");
        }
    }

    #[test]
    fn what_was_heard_is_named_in_the_candidates_own_words() {
        let r = replies(
            "url-shortener",
            &[
                "Users create a short code for a long URL, and opening the short link redirects them to it.",
            ],
        );
        let text = &r[0][0].text;
        assert!(text.starts_with("Noted: “"), "{text}");
        let quoted = text.split('“').nth(1).unwrap().split('”').next().unwrap();
        let quoted = quoted.trim_end_matches('…');
        assert!(
            "Users create a short code for a long URL, and opening the short link redirects them to it."
                .contains(quoted),
            "{quoted}"
        );
    }

    #[test]
    fn a_covered_stage_suggests_moving_on_once() {
        // A question whose reference answer makes every point of the first stage.
        let bank = Bank::load(&[]).unwrap();
        let q = bank
            .questions()
            .iter()
            .find(|q| {
                let framework = bank.frameworks().get(q.kind);
                let first = &framework.stages[0].id;
                let answer = crate::scoring::Answer::from_text(&q.reference, framework);
                let card = crate::scoring::offline::score(q, framework, &answer, None);
                card.rubric
                    .iter()
                    .filter(|v| &v.stage == first)
                    .all(|v| v.verdict == crate::scoring::Verdict::Covered)
            })
            .expect("some reference covers its first stage");
        let r = replies(
            &q.id,
            &[&q.reference, "That is all I have to add here for now."],
        );
        let first = r[0]
            .iter()
            .find(|l| l.text.contains("/next"))
            .unwrap_or_else(|| panic!("suggests /next: {r:?}"));
        assert!(
            first.text.contains("That covers what I wanted from"),
            "{first:?}"
        );
        assert_eq!(first.nudges, vec![Nudge::StageCovered]);
        assert!(
            r[1].iter().all(|l| !l.text.contains("That covers")),
            "said once: {:?}",
            r[1]
        );
    }

    #[test]
    fn a_clarifying_question_gets_the_fact_and_no_probe() {
        let bank = Bank::load(&[]).unwrap();
        let q = bank.find("url-shortener").unwrap();
        let fact = &q.facts[0];
        let r = replies(
            "url-shortener",
            &[&format!("What about {}?", fact.keywords[0])],
        );
        assert_eq!(r[0][0].kind, TurnKind::Clarification);
        assert_eq!(r[0][0].text, fact.answer);
    }
}
