//! Rubric concepts compiled for matching: each facet of a rubric item becomes a set of
//! alternative phrases in stemmed form, matched as consecutive words.

use crate::bank::RubricItem;
use crate::scoring::text::{Normaliser, Token};

/// Short all-caps terms that are also everyday words ("GET", "SET", "PUT").
const COMMON_WORDS: &[&str] = &[
    "get", "set", "put", "and", "or", "not", "it", "as", "on", "in", "no", "all", "any", "be",
    "do", "go", "is", "us", "at", "up", "ok", "an", "if", "of", "to", "by", "add", "del", "key",
    "keys", "lock", "list", "map", "scan", "sort", "max", "min", "new", "now", "top", "watch",
];

#[derive(Debug, Clone)]
enum Phrase {
    /// Matched on stems, case-insensitively.
    Stems(Vec<String>),
    /// Matched on the original spelling (capitalised acronyms that are also words).
    Exact(Vec<String>),
}

impl Phrase {
    fn matches_at(&self, tokens: &[Token], at: usize) -> bool {
        match self {
            Phrase::Stems(words) => words
                .iter()
                .enumerate()
                .all(|(i, w)| tokens.get(at + i).is_some_and(|t| &t.stem == w)),
            Phrase::Exact(words) => words
                .iter()
                .enumerate()
                .all(|(i, w)| tokens.get(at + i).is_some_and(|t| &t.raw == w)),
        }
    }

    fn len(&self) -> usize {
        match self {
            Phrase::Stems(w) | Phrase::Exact(w) => w.len(),
        }
    }

    fn matches(&self, tokens: &[Token]) -> bool {
        let len = self.len();
        len > 0
            && tokens.len() >= len
            && (0..=tokens.len() - len).any(|at| self.matches_at(tokens, at))
    }
}

/// One idea of a rubric item, with every phrasing that expresses it.
#[derive(Debug, Clone)]
pub struct Facet {
    phrases: Vec<Phrase>,
}

impl Facet {
    pub fn matches(&self, tokens: &[Token]) -> bool {
        self.phrases.iter().any(|p| p.matches(tokens))
    }
}

/// A rubric item ready for matching.
#[derive(Debug, Clone)]
pub struct CompiledItem<'q> {
    pub item: &'q RubricItem,
    pub facets: Vec<Facet>,
}

pub fn compile<'q>(items: &[&'q RubricItem], normaliser: &Normaliser) -> Vec<CompiledItem<'q>> {
    items
        .iter()
        .map(|item| CompiledItem {
            item,
            facets: item
                .facets()
                .map(|alternatives| Facet {
                    phrases: alternatives
                        .into_iter()
                        .filter_map(|alt| phrase(alt, normaliser))
                        .collect(),
                })
                .filter(|f| !f.phrases.is_empty())
                .collect(),
        })
        .collect()
}

fn phrase(alternative: &str, normaliser: &Normaliser) -> Option<Phrase> {
    let tokens = normaliser.tokens(alternative);
    if tokens.is_empty() {
        return None;
    }
    // Two-letter acronyms ("LB", "DB") and capitalised everyday words ("GET") only count in
    // capitals; lowercase they are usually something else ("lb:global", "you get a code").
    let raw = &tokens[0].raw;
    let capitalised_word = tokens.len() == 1
        && raw.len() <= 5
        && raw.chars().all(|c| c.is_ascii_uppercase())
        && (raw.len() == 2 || COMMON_WORDS.contains(&raw.to_ascii_lowercase().as_str()));
    Some(if capitalised_word {
        Phrase::Exact(tokens.into_iter().map(|t| t.raw).collect())
    } else {
        Phrase::Stems(tokens.into_iter().map(|t| t.stem).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(concepts: &[&str]) -> RubricItem {
        RubricItem {
            id: "x".into(),
            stage: "definition".into(),
            weight: 1,
            point: "p".into(),
            concepts: concepts.iter().map(|c| (*c).to_owned()).collect(),
            level: None,
            probe: String::new(),
        }
    }

    #[test]
    fn phrases_match_consecutive_stemmed_words() {
        let n = Normaliser::default();
        let it = item(&["consistent hashing|hash ring"]);
        let compiled = compile(&[&it], &n);
        let facet = &compiled[0].facets[0];
        assert!(facet.matches(&n.tokens("We use Consistent Hashes for placement")));
        assert!(facet.matches(&n.tokens("nodes sit on a hash ring")));
        assert!(!facet.matches(&n.tokens("hashing is consistent")));
    }

    #[test]
    fn capitalised_common_words_match_only_in_capitals() {
        let n = Normaliser::default();
        let it = item(&["GET|read endpoint"]);
        let compiled = compile(&[&it], &n);
        let facet = &compiled[0].facets[0];
        assert!(facet.matches(&n.tokens("a GET request redirects")));
        assert!(!facet.matches(&n.tokens("you get a short code")));
    }
}
