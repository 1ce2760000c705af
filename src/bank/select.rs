//! Choosing questions: by id or number, by filters, or at random for a practice session.

use crate::bank::{Bank, Level, Question};
use crate::framework::Kind;
use crate::strings::edit_distance;

/// Narrows the bank. Every field is optional; an empty filter matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub level: Option<Level>,
    pub topic: Option<String>,
    pub kind: Option<Kind>,
}

impl Filter {
    pub fn matches(&self, q: &Question) -> bool {
        self.level.is_none_or(|l| q.level == l)
            && self.kind.is_none_or(|k| q.kind == k)
            && self.topic.as_deref().is_none_or(|t| q.has_topic(t))
    }

    /// Human description for messages: "level advanced, topic caching".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(l) = self.level {
            parts.push(format!("level {l}"));
        }
        if let Some(t) = &self.topic {
            parts.push(format!("topic {t}"));
        }
        if let Some(k) = self.kind {
            parts.push(format!("kind {k}"));
        }
        if parts.is_empty() {
            "no filters".into()
        } else {
            parts.join(", ")
        }
    }
}

/// A question reference that matched nothing, with the closest ids to offer instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct NotFound {
    pub query: String,
    pub suggestions: Vec<String>,
    pub max_number: u32,
}

impl NotFound {
    fn message(&self) -> String {
        let mut msg = format!("no question \"{}\"", self.query);
        match self.suggestions.as_slice() {
            [] => msg.push_str(&format!(
                " (use an id from `rehearse questions` or a number from 1 to {})",
                self.max_number
            )),
            [one] => msg.push_str(&format!("; did you mean {one}?")),
            many => msg.push_str(&format!("; did you mean one of: {}?", many.join(", "))),
        }
        msg
    }
}

impl Bank {
    /// Finds a question by id (`url-shortener`) or number (`31`, `031`).
    pub fn find(&self, query: &str) -> Result<&Question, NotFound> {
        let query = query.trim();
        let found = match query.parse::<u32>() {
            Ok(n) => self.questions().iter().find(|q| q.number == n),
            Err(_) => self
                .questions()
                .iter()
                .find(|q| q.id.eq_ignore_ascii_case(query)),
        };
        found.ok_or_else(|| NotFound {
            query: query.to_owned(),
            suggestions: self.suggest(query),
            max_number: self.questions().iter().map(|q| q.number).max().unwrap_or(0),
        })
    }

    /// Up to three ids close to `query`: by edit distance, or containing it.
    pub fn suggest(&self, query: &str) -> Vec<String> {
        let query = query.to_ascii_lowercase();
        if query.parse::<u32>().is_ok() {
            return Vec::new();
        }
        let mut scored: Vec<(usize, &str)> = self
            .questions()
            .iter()
            .filter_map(|q| {
                let distance = edit_distance(&query, &q.id);
                let budget = (q.id.len().max(query.len()) / 3).max(2);
                let contains = query.len() >= 3 && (q.id.contains(&query) || query.contains(&q.id));
                if distance <= budget {
                    Some((distance, q.id.as_str()))
                } else if contains {
                    Some((budget + 1, q.id.as_str()))
                } else {
                    None
                }
            })
            .collect();
        scored.sort();
        scored
            .into_iter()
            .take(3)
            .map(|(_, id)| id.to_owned())
            .collect()
    }

    pub fn filter<'a>(&'a self, filter: &'a Filter) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions().iter().filter(move |q| filter.matches(q))
    }

    /// Picks a question within `filter`, preferring ones not in `recent` (most recent first).
    /// Among never-practised questions the pick is uniform; if all were practised, the one
    /// practised longest ago wins. `None` when nothing matches the filter.
    pub fn pick(
        &self,
        filter: &Filter,
        recent: &[String],
        rng: &mut fastrand::Rng,
    ) -> Option<&Question> {
        let candidates: Vec<&Question> = self
            .questions()
            .iter()
            .filter(|q| filter.matches(q))
            .collect();
        let fresh: Vec<&Question> = candidates
            .iter()
            .copied()
            .filter(|q| !recent.contains(&q.id))
            .collect();
        if !fresh.is_empty() {
            return Some(fresh[rng.usize(..fresh.len())]);
        }
        candidates
            .into_iter()
            .max_by_key(|q| recent.iter().position(|r| *r == q.id))
    }
}
