//! The question model: what a question file holds once it has been read and validated.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::framework::Kind;

/// How hard a question is. Bank files live in `questions/<level>/` (checked by the bank tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Basic,
    Intermediate,
    Advanced,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Basic, Level::Intermediate, Level::Advanced];
    pub const NAMES: [&'static str; 3] = ["basic", "intermediate", "advanced"];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Basic => "basic",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The seniority a candidate interviews at. A rubric item may name the lowest seniority expected
/// to show it; items above the candidate's seniority do not count against them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Seniority {
    Junior,
    Mid,
    Senior,
    Staff,
}

impl Seniority {
    pub const ALL: [Seniority; 4] = [
        Seniority::Junior,
        Seniority::Mid,
        Seniority::Senior,
        Seniority::Staff,
    ];
    pub const NAMES: [&'static str; 4] = ["junior", "mid", "senior", "staff"];

    pub fn as_str(self) -> &'static str {
        match self {
            Seniority::Junior => "junior",
            Seniority::Mid => "mid",
            Seniority::Senior => "senior",
            Seniority::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Seniority> {
        Seniority::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl fmt::Display for Seniority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One point a strong answer makes, graded covered / partial / missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RubricItem {
    pub id: String,
    pub stage: String,
    /// 1–3: how much the point matters within its stage.
    pub weight: u8,
    pub point: String,
    /// Facets of the point the offline scorer looks for. Each entry is one idea; `|` separates
    /// the phrasings candidates use for it ("load balancer|LB|reverse proxy").
    pub concepts: Vec<String>,
    /// Lowest seniority expected to make this point; `None` means everyone.
    pub level: Option<Seniority>,
    /// What the interviewer asks when the point is missing; never gives the answer away.
    pub probe: String,
}

impl RubricItem {
    /// The facets, each as its list of alternative phrasings.
    pub fn facets(&self) -> impl Iterator<Item = Vec<&str>> + '_ {
        self.concepts.iter().map(|c| {
            c.split('|')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .collect()
        })
    }

    /// Whether a candidate at `seniority` is expected to make this point.
    pub fn expected_of(&self, seniority: Option<Seniority>) -> bool {
        match (self.level, seniority) {
            (Some(required), Some(candidate)) => required <= candidate,
            _ => true,
        }
    }
}

/// An answer the interviewer gives, word for word, when a clarifying question matches.
/// Keeping these in the file makes the interviewer consistent across sessions and modes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    pub keywords: Vec<String>,
    pub answer: String,
}

/// A probing question the interviewer may ask during a stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Followup {
    pub stage: String,
    pub ask: String,
    /// The rubric item this probes; the scripted interviewer skips it once that item is covered.
    pub rubric: Option<String>,
}

/// A hint for a stage. Hints of one stage are progressive: a nudge first, then a pointer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hint {
    pub stage: String,
    pub text: String,
}

/// Where a question came from, for error messages and `questions show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum Origin {
    /// Compiled into the binary; the path is relative to the crate root.
    Embedded(String),
    /// Loaded from a user directory.
    User(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Embedded(p) => write!(f, "{p} (built in)"),
            Origin::User(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A validated question file: everything an interview and its scoring need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    pub id: String,
    pub number: u32,
    pub title: String,
    pub level: Level,
    pub kind: Kind,
    pub topics: Vec<String>,
    /// Suggested interview length in minutes; stage budgets scale to it.
    pub minutes: u32,
    pub prompt: String,
    pub reference: String,
    /// The reference architecture as a Mermaid flowchart (design questions).
    pub reference_diagram: Option<String>,
    pub rubric: Vec<RubricItem>,
    pub facts: Vec<Fact>,
    pub followups: Vec<Followup>,
    pub hints: Vec<Hint>,
    pub pitfalls: Vec<String>,
    pub origin: Origin,
}

impl Question {
    pub fn hints_for<'a>(&'a self, stage: &'a str) -> impl Iterator<Item = &'a Hint> + 'a {
        self.hints.iter().filter(move |h| h.stage == stage)
    }

    pub fn followups_for<'a>(&'a self, stage: &'a str) -> impl Iterator<Item = &'a Followup> + 'a {
        self.followups.iter().filter(move |f| f.stage == stage)
    }

    pub fn rubric_for<'a>(&'a self, stage: &'a str) -> impl Iterator<Item = &'a RubricItem> + 'a {
        self.rubric.iter().filter(move |r| r.stage == stage)
    }

    pub fn rubric_item(&self, id: &str) -> Option<&RubricItem> {
        self.rubric.iter().find(|r| r.id == id)
    }

    /// The point a rubric item makes, or "" for an id the question does not have.
    pub fn point(&self, id: &str) -> &str {
        self.rubric_item(id).map_or("", |r| r.point.as_str())
    }

    pub fn has_topic(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| t.eq_ignore_ascii_case(topic))
    }
}
