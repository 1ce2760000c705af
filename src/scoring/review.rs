//! A mentor's review of a scorecard: overrides of the machine's verdicts, each with its time and
//! an optional note. The machine's verdict and numbers are kept beside the reviewed ones; the
//! overall score, stage scores and band are recomputed from the reviewed verdicts with the same
//! arithmetic and calibration curve the scorer used, so a reviewed card reads like any other.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::framework::Framework;
use crate::scoring::calibration::Calibration;
use crate::scoring::scorecard::{Band, Scorecard, StageScore, Verdict, grade, round1};

/// On a rubric item a reviewer overrode: what the machine said, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemReview {
    /// The machine's verdict (the item's `verdict` is the reviewer's).
    pub machine_verdict: Verdict,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// On a reviewed scorecard: the machine's grade, kept beside the recomputed one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// When the latest override was made.
    pub reviewed_at: DateTime<Utc>,
    /// How many items carry an override.
    pub items: usize,
    pub machine: MachineGrade,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineGrade {
    pub overall: f64,
    pub band: Band,
    pub stages: Vec<StageScore>,
}

/// One override asked for on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub item: String,
    pub verdict: Verdict,
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(
        "no rubric item `{item}` on this scorecard (its items: {known}); `rehearse review` without --item lists them"
    )]
    UnknownItem { item: String, known: String },
}

impl ReviewError {
    pub fn exit_code(&self) -> u8 {
        crate::exit::USAGE
    }
}

/// Applies `overrides` in order (a later one for the same item wins) and recomputes the grade.
/// Every override is checked first: one unknown item changes nothing.
pub fn apply(
    card: &mut Scorecard,
    framework: &Framework,
    overrides: &[Override],
    at: DateTime<Utc>,
) -> Result<(), ReviewError> {
    if let Some(bad) = overrides
        .iter()
        .find(|o| !card.rubric.iter().any(|i| i.id == o.item))
    {
        return Err(ReviewError::UnknownItem {
            item: bad.item.clone(),
            known: card
                .rubric
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let machine = match &card.review {
        Some(review) => review.machine.clone(),
        None => MachineGrade {
            overall: card.overall,
            band: card.band,
            stages: card.stages.clone(),
        },
    };
    for o in overrides {
        let item = card
            .rubric
            .iter_mut()
            .find(|i| i.id == o.item)
            .expect("checked above");
        let machine_verdict = item
            .review
            .as_ref()
            .map_or(item.verdict, |r| r.machine_verdict);
        item.verdict = o.verdict;
        item.review = Some(ItemReview {
            machine_verdict,
            at,
            note: o.note.clone(),
        });
    }
    let curve = Calibration::embedded().curve(card.scorer.kind);
    let (stages, coverage) = grade(&card.rubric, framework, curve);
    // The reviewer graded the answer, so a card the machine found too thin gets a grade too.
    card.overall = round1(curve.score(coverage));
    card.band = Band::from_overall(card.overall);
    card.stages = stages;
    card.coverage = (coverage * 1000.0).round() / 1000.0;
    card.review = Some(Review {
        reviewed_at: at,
        items: card.rubric.iter().filter(|i| i.review.is_some()).count(),
        machine,
    });
    Ok(())
}

impl Scorecard {
    /// "reviewed" wording for the headline of every report: `None` on a machine-only card.
    pub fn review_label(&self) -> Option<String> {
        let review = self.review.as_ref()?;
        Some(format!(
            "reviewed: {} of {} item(s) changed by a reviewer; the {} said {:.1} — {}",
            review.items,
            self.rubric.len(),
            self.scorer.describe(),
            review.machine.overall,
            review.machine.band.label()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::Bank;
    use crate::scoring::{Answer, offline};

    #[test]
    fn overrides_recompute_the_grade_and_keep_the_machine_s() {
        let bank = Bank::load(&[]).unwrap();
        let q = bank.find("url-shortener").unwrap();
        let framework = bank.frameworks().get(q.kind);
        let mut card = offline::score(
            q,
            framework,
            &Answer::from_text("We shorten links with a hash.", framework),
            None,
        );
        let before = (card.overall, card.band);
        let all: Vec<Override> = card
            .rubric
            .iter()
            .map(|i| Override {
                item: i.id.clone(),
                verdict: Verdict::Covered,
                note: None,
            })
            .collect();
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        apply(&mut card, framework, &all, at).unwrap();
        assert_eq!(card.overall, 100.0);
        assert_eq!(card.band, Band::StrongHire);
        let review = card.review.clone().unwrap();
        assert_eq!((review.machine.overall, review.machine.band), before);
        // A second review keeps the first machine verdicts and numbers.
        let first = card.rubric[0].review.clone().unwrap().machine_verdict;
        let again = [Override {
            item: card.rubric[0].id.clone(),
            verdict: Verdict::Missing,
            note: Some("not really".into()),
        }];
        apply(&mut card, framework, &again, at).unwrap();
        assert_eq!(
            card.rubric[0].review.as_ref().unwrap().machine_verdict,
            first
        );
        assert_eq!(card.review.as_ref().unwrap().machine.overall, before.0);
        assert!(card.overall < 100.0);

        let unknown = [Override {
            item: "nope".into(),
            verdict: Verdict::Covered,
            note: None,
        }];
        let kept = card.clone();
        assert!(apply(&mut card, framework, &unknown, at).is_err());
        assert_eq!(card, kept, "nothing changes");
    }
}
