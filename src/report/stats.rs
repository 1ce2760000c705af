//! Progress across sessions: averages and trends per level and per topic, the weakest topics,
//! questions never tried, and what to practise next, each recommendation with its reason.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::bank::{Bank, Level, Question};
use crate::scoring::scorecard::round1;
use crate::session::Session;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupStat {
    pub name: String,
    pub sessions: usize,
    pub average: f64,
    /// Mean of the newer half of the scores minus the mean of the older half.
    pub trend: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QuestionBrief {
    pub number: u32,
    pub id: String,
    pub title: String,
    pub level: Level,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Recommendation {
    pub question: QuestionBrief,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Point {
    pub date: DateTime<Utc>,
    pub question: String,
    pub overall: f64,
}

/// Scored sessions whose grades are left out of the averages, and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SetAside {
    /// Sessions graded by another scorer: their numbers are on another scale.
    pub other_scorers: Vec<OtherScorer>,
    /// Sessions too thin to grade.
    pub insufficient: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OtherScorer {
    pub scorer: String,
    pub sessions: usize,
    pub average: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    pub sessions: usize,
    /// Sessions whose grades the averages below are made of.
    pub scored: usize,
    /// The scorer that graded them: averages only compare cards of one scorer.
    pub scorer: Option<String>,
    pub average: Option<f64>,
    pub set_aside: SetAside,
    pub by_level: Vec<GroupStat>,
    pub by_topic: Vec<GroupStat>,
    pub weakest_topics: Vec<GroupStat>,
    pub never_tried: Vec<QuestionBrief>,
    pub recommendations: Vec<Recommendation>,
    pub timeline: Vec<Point>,
}

fn brief(q: &Question) -> QuestionBrief {
    QuestionBrief {
        number: q.number,
        id: q.id.clone(),
        title: q.title.clone(),
        level: q.level,
    }
}

fn group(name: String, scores: &[f64]) -> GroupStat {
    let average = round1(scores.iter().sum::<f64>() / scores.len() as f64);
    let trend = (scores.len() >= 2).then(|| {
        let half = scores.len() / 2;
        let older = &scores[..half];
        let newer = &scores[scores.len() - half..];
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
        round1(mean(newer) - mean(older))
    });
    GroupStat {
        name,
        sessions: scores.len(),
        average,
        trend,
    }
}

/// Computes progress from `sessions` (any order) against the bank. Only comparable cards are
/// averaged: those of the scorer that graded the most sessions (an offline score and a model's
/// are on different scales), and none that was too thin to grade.
pub fn compute(bank: &Bank, sessions: &[Session]) -> Stats {
    let graded: Vec<(&Session, &crate::scoring::Scorecard)> = sessions
        .iter()
        .filter_map(|s| s.scorecard.as_ref().map(|c| (s, c)))
        .collect();
    let insufficient = graded
        .iter()
        .filter(|(_, c)| c.band == crate::scoring::Band::Insufficient)
        .count();
    let comparable: Vec<&(&Session, &crate::scoring::Scorecard)> = graded
        .iter()
        .filter(|(_, c)| c.band != crate::scoring::Band::Insufficient)
        .collect();
    // Scorers by how many sessions they graded; ties go to the one that graded most recently.
    let mut scorers: Vec<(String, usize, chrono::DateTime<Utc>)> = Vec::new();
    for (s, c) in &comparable {
        let name = c.scorer.describe();
        match scorers.iter_mut().find(|(n, ..)| *n == name) {
            Some(entry) => {
                entry.1 += 1;
                entry.2 = entry.2.max(s.started_at);
            }
            None => scorers.push((name, 1, s.started_at)),
        }
    }
    scorers.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    let primary = scorers.first().map(|(n, ..)| n.clone());
    let other_scorers: Vec<OtherScorer> = scorers
        .iter()
        .skip(1)
        .map(|(name, n, _)| {
            let scores: Vec<f64> = comparable
                .iter()
                .filter(|(_, c)| c.scorer.describe() == *name)
                .map(|(_, c)| c.overall)
                .collect();
            OtherScorer {
                scorer: name.clone(),
                sessions: *n,
                average: round1(scores.iter().sum::<f64>() / scores.len() as f64),
            }
        })
        .collect();
    // The primary scorer's sessions, oldest first.
    let mut scored: Vec<(&Session, f64, Option<&Question>)> = comparable
        .iter()
        .filter(|(_, c)| Some(c.scorer.describe()) == primary)
        .map(|(s, c)| (*s, c.overall, bank.find(&s.question.id).ok()))
        .collect();
    scored.sort_by(|a, b| {
        a.0.started_at
            .cmp(&b.0.started_at)
            .then(a.0.id.cmp(&b.0.id))
    });

    let by_level: Vec<GroupStat> = Level::ALL
        .iter()
        .filter_map(|level| {
            let scores: Vec<f64> = scored
                .iter()
                .filter(|(s, ..)| s.question.level == *level)
                .map(|(_, o, _)| *o)
                .collect();
            (!scores.is_empty()).then(|| group(level.to_string(), &scores))
        })
        .collect();
    let mut topics: Vec<&str> = scored
        .iter()
        .filter_map(|(_, _, q)| *q)
        .flat_map(|q| q.topics.iter().map(String::as_str))
        .collect();
    topics.sort_unstable();
    topics.dedup();
    let by_topic: Vec<GroupStat> = topics
        .iter()
        .map(|t| {
            let scores: Vec<f64> = scored
                .iter()
                .filter(|(_, _, q)| q.is_some_and(|q| q.has_topic(t)))
                .map(|(_, o, _)| *o)
                .collect();
            group((*t).to_owned(), &scores)
        })
        .collect();
    let mut weakest = by_topic.clone();
    weakest.sort_by(|a, b| a.average.total_cmp(&b.average).then(a.name.cmp(&b.name)));
    weakest.truncate(3);

    let tried: Vec<&str> = sessions.iter().map(|s| s.question.id.as_str()).collect();
    let never: Vec<&Question> = bank
        .questions()
        .iter()
        .filter(|q| !tried.contains(&q.id.as_str()))
        .collect();

    let recommendations = recommend(&scored, &weakest, &by_level, &never);
    Stats {
        sessions: sessions.len(),
        scored: scored.len(),
        scorer: primary,
        set_aside: SetAside {
            other_scorers,
            insufficient,
        },
        average: (!scored.is_empty())
            .then(|| round1(scored.iter().map(|(_, o, _)| o).sum::<f64>() / scored.len() as f64)),
        by_level,
        by_topic,
        weakest_topics: weakest,
        never_tried: never.iter().map(|q| brief(q)).collect(),
        recommendations,
        timeline: scored
            .iter()
            .map(|(s, o, _)| Point {
                date: s.started_at,
                question: s.question.id.clone(),
                overall: *o,
            })
            .collect(),
    }
}

fn next_level(level: Level) -> Option<Level> {
    match level {
        Level::Basic => Some(Level::Intermediate),
        Level::Intermediate => Some(Level::Advanced),
        Level::Advanced => None,
    }
}

/// Three questions to practise next, each with the reason it was chosen.
fn recommend(
    scored: &[(&Session, f64, Option<&Question>)],
    weakest: &[GroupStat],
    by_level: &[GroupStat],
    never: &[&Question],
) -> Vec<Recommendation> {
    let mut picks: Vec<Recommendation> = Vec::new();
    let taken =
        |picks: &Vec<Recommendation>, q: &Question| picks.iter().any(|p| p.question.id == q.id);
    let current_level = scored.last().map(|(s, ..)| s.question.level);

    if scored.is_empty() {
        for q in never.iter().filter(|q| q.level == Level::Basic).take(3) {
            picks.push(Recommendation {
                question: brief(q),
                reason: "a good first question: basic, and not tried yet".into(),
            });
        }
        return picks;
    }

    // 1. Something new in the weakest topic, at the level being practised.
    if let Some(weak) = weakest.first() {
        let candidate = never
            .iter()
            .filter(|q| q.has_topic(&weak.name))
            .min_by_key(|q| (Some(q.level) != current_level, q.number));
        if let Some(q) = candidate {
            picks.push(Recommendation {
                question: brief(q),
                reason: format!(
                    "lowest-scoring topic: {} (average {:.1} over {} session{}); not tried yet",
                    weak.name,
                    weak.average,
                    weak.sessions,
                    if weak.sessions == 1 { "" } else { "s" }
                ),
            });
        }
    }

    // 2. Retry the lowest score, if it was weak.
    if let Some((session, overall, Some(q))) = scored
        .iter()
        .filter(|(_, o, q)| *o < 70.0 && q.is_some())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        && !taken(&picks, q)
    {
        picks.push(Recommendation {
            question: brief(q),
            reason: format!(
                "scored {overall:.1} on {}: try it again",
                session.started_at.format("%Y-%m-%d")
            ),
        });
    }

    // 3. Step up a level when the current one is going well; otherwise broaden the topics.
    let level_stat = current_level.and_then(|l| by_level.iter().find(|g| g.name == l.as_str()));
    if let (Some(level), Some(stat)) = (current_level, level_stat)
        && stat.average >= 70.0
        && let Some(up) = next_level(level)
        && let Some(q) = never.iter().find(|q| q.level == up && !taken(&picks, q))
    {
        picks.push(Recommendation {
            question: brief(q),
            reason: format!("averaging {:.1} at {level}: step up to {up}", stat.average),
        });
    }
    let practised: Vec<&str> = scored
        .iter()
        .filter_map(|(_, _, q)| *q)
        .flat_map(|q| q.topics.iter().map(String::as_str))
        .collect();
    for q in never {
        if picks.len() >= 3 {
            break;
        }
        if taken(&picks, q) || current_level.is_some_and(|l| q.level != l) {
            continue;
        }
        if let Some(topic) = q.topics.iter().find(|t| !practised.contains(&t.as_str())) {
            picks.push(Recommendation {
                question: brief(q),
                reason: format!("topic {topic} not practised yet"),
            });
        }
    }
    for q in never {
        if picks.len() >= 3 {
            break;
        }
        if !taken(&picks, q) {
            picks.push(Recommendation {
                question: brief(q),
                reason: "not tried yet".into(),
            });
        }
    }
    picks.truncate(3);
    picks
}
