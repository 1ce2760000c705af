//! Reading a candidate's turn: is it a question for the interviewer, does it jump into design
//! before the requirements are clear, and which of the question's facts does it ask about.
//! Both interviewers use these, so they steer the candidate the same way.

use crate::bank::{Fact, Question};
use crate::scoring::text::{Normaliser, Token};

/// Whether the turn asks the interviewer something rather than explaining the design (its
/// last sentence is a question: see [`crate::scoring::text::is_question`]).
pub fn is_question(text: &str) -> bool {
    crate::scoring::text::asks(text)
}

/// [`DESIGN_TERMS`] stemmed once, without duplicates: "cache" and "caching" are one block.
static DESIGN_STEMS: std::sync::LazyLock<Vec<Vec<String>>> = std::sync::LazyLock::new(|| {
    let normaliser = Normaliser::default();
    let mut stems: Vec<Vec<String>> = Vec::new();
    for term in DESIGN_TERMS {
        let phrase: Vec<String> = normaliser
            .tokens(term)
            .into_iter()
            .map(|t| t.stem)
            .collect();
        if !stems.contains(&phrase) {
            stems.push(phrase);
        }
    }
    stems
});

/// Building blocks that signal the candidate is designing, not clarifying.
const DESIGN_TERMS: &[&str] = &[
    "database",
    "db",
    "redis",
    "memcached",
    "cache",
    "caching",
    "shard",
    "sharding",
    "partition",
    "load balancer",
    "kafka",
    "queue",
    "rabbitmq",
    "sqs",
    "cassandra",
    "postgres",
    "postgresql",
    "mysql",
    "dynamodb",
    "mongodb",
    "microservice",
    "microservices",
    "api gateway",
    "schema",
    "table",
    "replica",
    "replication",
    "cdn",
    "consistent hashing",
    "s3",
    "elasticsearch",
    "nosql",
    "sql",
    "websocket",
    "kubernetes",
    "docker",
    "server",
    "servers",
    "index",
    "column",
];

/// Whether a statement made during requirements already picks components: the most common
/// mistake in a design interview. Two different building blocks are needed, so a passing
/// mention ("the data must be durable") does not trigger it.
pub fn designs_too_early(text: &str, normaliser: &Normaliser) -> bool {
    let tokens = normaliser.tokens(text);
    let hits = DESIGN_STEMS
        .iter()
        .filter(|phrase| contains(&tokens, phrase))
        .take(2)
        .count();
    hits >= 2
}

fn contains(tokens: &[Token], phrase: &[String]) -> bool {
    !phrase.is_empty()
        && tokens.len() >= phrase.len()
        && tokens
            .windows(phrase.len())
            .any(|w| w.iter().zip(phrase).all(|(t, p)| &t.stem == p))
}

/// The fact a clarifying question asks about: the one whose keywords it matches best
/// (longer keywords count more; ties go to the fact listed first).
pub fn match_fact<'q>(
    question: &'q Question,
    text: &str,
    normaliser: &Normaliser,
) -> Option<&'q Fact> {
    let tokens = normaliser.tokens(text);
    let mut best: Option<(usize, &Fact)> = None;
    for fact in &question.facts {
        let score: usize = fact
            .keywords
            .iter()
            .map(|k| {
                let phrase: Vec<String> =
                    normaliser.tokens(k).into_iter().map(|t| t.stem).collect();
                if contains(&tokens, &phrase) {
                    phrase.len()
                } else {
                    0
                }
            })
            .sum();
        if score > 0 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, fact));
        }
    }
    best.map(|(_, f)| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_recognised() {
        assert!(is_question("How many users do we have?"));
        assert!(is_question("what is the read/write ratio"));
        assert!(is_question("Do links expire"));
        assert!(!is_question("We shard by user id."));
        assert!(!is_question("I would start with the API."));
    }

    #[test]
    fn designing_needs_two_building_blocks() {
        let n = Normaliser::default();
        assert!(designs_too_early(
            "I'd put Redis in front of a Postgres database.",
            &n
        ));
        assert!(designs_too_early("We shard the table by user id", &n));
        assert!(!designs_too_early(
            "Users create short links and share them.",
            &n
        ));
        assert!(!designs_too_early(
            "The data must be durable and the cache is out of scope? no",
            &n
        ));
    }
}
