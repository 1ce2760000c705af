//! What the candidate has shown in the current stage and what to ask next: the judgement both
//! interviewers steer by. The offline scorer grades the whole conversation so far (a point
//! counts wherever it was made); the current stage's most important point still missing is
//! asked about with the question file's own follow-up for it, or else the item's probe.

use crate::bank::{Question, RubricItem};
use crate::framework::Framework;
use crate::scoring::scorecard::expected_items;
use crate::scoring::{Answer, Verdict, offline};
use crate::session::{Session, Speaker, TurnKind};

/// Longest stretch of the candidate's words an acknowledgement repeats.
const HEARD_WORDS: usize = 7;

/// The current stage, as the interviewer sees it after the candidate's latest turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The question to ask next about a point of this stage not yet made, if any is left
    /// unasked.
    pub next_ask: Option<String>,
    /// Every point expected in this stage has been made.
    pub stage_covered: bool,
    /// The candidate's own words from their latest turn that made a point ("a Redis cache in
    /// front of"), to acknowledge what was heard without naming the rubric.
    pub heard: Option<String>,
}

/// Assesses the current stage of `session`, whose last turn is the candidate's.
pub fn assess(question: &Question, framework: &Framework, session: &Session) -> Assessment {
    let stage = session.stage().id.as_str();
    let items: Vec<&RubricItem> = expected_items(question, session.seniority)
        .into_iter()
        .filter(|item| item.stage == stage)
        .collect();
    let card = offline::score(question, framework, &session.answer(), session.seniority);
    let verdict = |id: &str| {
        card.rubric
            .iter()
            .find(|v| v.id == id)
            .map_or(Verdict::Missing, |v| v.verdict)
    };
    let asked: Vec<&str> = session
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Interviewer && t.kind == TurnKind::Followup)
        .map(|t| t.text.as_str())
        .collect();
    let was_asked = |text: &str| asked.iter().any(|a| a.contains(text));
    // An item is asked about once, by its follow-up or by its probe.
    let item_asked = |item: &RubricItem| {
        was_asked(&item.probe)
            || question
                .followups_for(stage)
                .any(|f| f.rubric.as_deref() == Some(item.id.as_str()) && was_asked(&f.ask))
    };

    // The question file's follow-ups keep their place: first, in file order.
    let followup = question
        .followups_for(stage)
        .filter(|f| !was_asked(&f.ask))
        .find(|f| match &f.rubric {
            None => true,
            Some(id) => {
                verdict(id) != Verdict::Covered
                    && question
                        .rubric_item(id)
                        .is_none_or(|item| !item_asked(item))
            }
        })
        .map(|f| f.ask.clone());
    // Then the probes: missing points before half-made ones, heavier before lighter.
    let probe = || {
        let mut open: Vec<&&RubricItem> = items
            .iter()
            .filter(|item| verdict(&item.id) != Verdict::Covered && !item_asked(item))
            .collect();
        open.sort_by_key(|item| {
            (
                verdict(&item.id) != Verdict::Missing,
                std::cmp::Reverse(item.weight),
            )
        });
        open.first().map(|item| item.probe.clone())
    };

    Assessment {
        next_ask: followup.or_else(probe),
        stage_covered: !items.is_empty()
            && items
                .iter()
                .all(|item| verdict(&item.id) == Verdict::Covered),
        heard: heard(question, framework, session),
    }
}

/// The candidate's words in their latest turn that best showed any point, cut to a few words.
fn heard(question: &Question, framework: &Framework, session: &Session) -> Option<String> {
    let last = session
        .turns
        .last()
        .filter(|t| t.speaker == Speaker::Candidate)?;
    let answer = Answer {
        diagram: None,
        sections: vec![crate::scoring::Section {
            stage: Some(last.stage.clone()),
            text: last.text.clone(),
        }],
    };
    let (_, traces) = offline::explain(question, framework, &answer, session.seniority);
    let weight = |id: &str| question.rubric_item(id).map_or(0, |i| i.weight);
    traces
        .iter()
        .filter_map(|t| t.heard.as_ref().map(|(words, score)| (t, words, *score)))
        // The best shown, then the weightiest; ties go to the item listed first.
        .max_by(|(a, _, sa), (b, _, sb)| {
            sa.total_cmp(sb)
                .then(weight(&a.id).cmp(&weight(&b.id)))
                .then(std::cmp::Ordering::Greater)
        })
        .map(|(_, words, _)| words.clone())
        .map(|words| {
            let words: Vec<&str> = words.split_whitespace().collect();
            if words.len() > HEARD_WORDS {
                format!("{}…", words[..HEARD_WORDS].join(" "))
            } else {
                words.join(" ")
            }
        })
        // One everyday word ("abuse") says nothing; a name or a number does ("Redis", "301").
        .filter(|w| {
            w.split_whitespace().count() >= 2
                || w.chars()
                    .any(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}
