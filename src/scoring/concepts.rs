//! Rubric facets compiled for matching a candidate's words. Each facet of a rubric item is a
//! set of alternative phrasings; a phrasing matches a unit of the answer
//!
//! - exactly: its stemmed words in order ("consistent hashing"), read through the lexicon so
//!   abbreviations meet full names ("DB" / "database");
//! - loosely: its content words all within a short span, in any order ("a cache in front of the
//!   database" / "in front of the DB sits a cache"), for phrasings of two or more words;
//! - by shape (estimation items only, and only where the candidate's arithmetic checks out):
//!   numbers stand for any number, so "~1.2k w/s" shows the "1,200 writes" facet in the
//!   candidate's own figures.
//!
//! A match inside a negation ("we don't need a cache", "there is no replication") is not a
//! match, except that "no X" about a problem is a claim of avoiding it ("no single point of
//! failure"), and a rejected alternative with a reason counts for a trade-off.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use crate::bank::RubricItem;
use crate::scoring::lexicon::Lexicon;
use crate::scoring::text::{Normaliser, Token};

/// Short all-caps terms that are also everyday words ("GET", "SET", "PUT").
const COMMON_WORDS: &[&str] = &[
    "get", "set", "put", "and", "or", "not", "it", "as", "on", "in", "no", "all", "any", "be",
    "do", "go", "is", "us", "at", "up", "ok", "an", "if", "of", "to", "by", "add", "del", "key",
    "keys", "lock", "list", "map", "scan", "sort", "max", "min", "new", "now", "top", "watch",
];

/// Words that carry no meaning of their own in a phrasing: a loose match ignores them.
const FILLER: &[&str] = &[
    "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "with", "by", "at", "is", "are",
    "be", "it", "its", "as", "per", "from", "into", "that", "this",
];

/// How far apart the content words of a loose match may be, beyond the phrasing's length.
const LOOSE_SLACK: usize = 3;

/// A word of a phrasing, as it is compared.
#[derive(Debug, Clone, PartialEq)]
enum Word {
    /// Matched on stems, case-insensitively.
    Stem(String),
    /// Matched on the original spelling (capitalised acronyms that are also words).
    Exact(String),
}

#[derive(Debug, Clone)]
struct Phrase {
    words: Vec<Word>,
    /// The words a loose match needs (no filler); empty when the phrasing is too short.
    content: Vec<String>,
    /// The phrasing with every run of numbers as `#`, when it has any.
    shape: Option<Vec<String>>,
    /// It names a problem, so "no X" affirms rather than negates.
    problem: bool,
    /// A word every way of matching needs (exact, loose and by shape): a unit without it is
    /// skipped at the cost of one lookup. The longest content word, usually the rarest.
    key: Option<Word>,
}

/// How a facet matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    Exact,
    Loose,
    /// Numbers wildcarded (estimation, backed by the candidate's own arithmetic).
    Shape,
}

/// One facet found in a unit: where, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub facet: usize,
    pub start: usize,
    pub end: usize,
    pub kind: MatchKind,
    /// The words around it say the candidate rejects or lacks it.
    pub negated: bool,
}

/// One idea of a rubric item, with every phrasing that expresses it.
#[derive(Debug, Clone)]
pub struct Facet {
    phrases: Vec<Phrase>,
}

/// A rubric item ready for matching.
#[derive(Debug, Clone)]
pub struct CompiledItem<'q> {
    pub item: &'q RubricItem,
    pub facets: Arc<Vec<Facet>>,
    /// Estimation items accept the candidate's own numbers where their arithmetic holds.
    pub estimation: bool,
    /// Trade-off items credit a rejected alternative when the candidate says why.
    pub tradeoff: bool,
}

/// Compiled facets, by the lexicon they were read with and the item's concept list: an
/// interview grades the same rubric after every turn, and compiling is most of the work.
type FacetCache = HashMap<(usize, Vec<String>), Arc<Vec<Facet>>>;
static COMPILED: LazyLock<Mutex<FacetCache>> = LazyLock::new(Mutex::default);
/// A bound on [`COMPILED`]: far more items than the bank has.
const MAX_CACHED_ITEMS: usize = 4_096;

pub fn compile<'q>(
    items: &[&'q RubricItem],
    normaliser: &Normaliser,
    lexicon: &Lexicon,
) -> Vec<CompiledItem<'q>> {
    items
        .iter()
        .map(|item| CompiledItem {
            item,
            facets: facets(item, normaliser, lexicon),
            estimation: item.stage == "estimation",
            tradeoff: item.stage == "tradeoffs",
        })
        .collect()
}

fn facets(item: &RubricItem, normaliser: &Normaliser, lexicon: &Lexicon) -> Arc<Vec<Facet>> {
    let key = (std::ptr::from_ref(lexicon) as usize, item.concepts.clone());
    let mut cache = COMPILED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(facets) = cache.get(&key) {
        return Arc::clone(facets);
    }
    let facets: Arc<Vec<Facet>> = Arc::new(
        item.facets()
            .map(|alternatives| Facet {
                phrases: alternatives
                    .into_iter()
                    .filter_map(|alt| phrase(alt, normaliser, lexicon))
                    .collect(),
            })
            .filter(|f| !f.phrases.is_empty())
            .collect(),
    );
    if cache.len() >= MAX_CACHED_ITEMS {
        cache.clear();
    }
    cache.insert(key, Arc::clone(&facets));
    facets
}

fn is_numeric(stem: &str) -> bool {
    stem.starts_with(|c: char| c.is_ascii_digit())
}

/// A token stream with every run of numbers replaced by one `#`, and the index of the first
/// original token of each shape token.
fn shape(tokens: &[Token]) -> (Vec<String>, Vec<usize>) {
    let mut out = Vec::new();
    let mut at = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if is_numeric(&t.stem) {
            if out.last().is_some_and(|s: &String| s == "#") && !t.clause_start {
                continue;
            }
            out.push("#".to_owned());
        } else {
            out.push(t.stem.clone());
        }
        at.push(i);
    }
    (out, at)
}

fn phrase(alternative: &str, normaliser: &Normaliser, lexicon: &Lexicon) -> Option<Phrase> {
    let raw = normaliser.tokens(alternative);
    if raw.is_empty() {
        return None;
    }
    // Two-letter acronyms ("LB", "DB") and capitalised everyday words ("GET") only count in
    // capitals; lowercase they are usually something else ("lb:global", "you get a code").
    let first = &raw[0].raw;
    let capitalised_word = raw.len() == 1
        && first.len() <= 5
        && first.chars().all(|c| c.is_ascii_uppercase())
        && (first.len() == 2 || COMMON_WORDS.contains(&first.to_ascii_lowercase().as_str()))
        // Unless the lexicon knows it ("DB" is "database").
        && lexicon.canonical(raw.clone()) == raw;
    if capitalised_word {
        return Some(Phrase {
            key: Some(Word::Exact(first.clone())),
            words: vec![Word::Exact(first.clone())],
            content: Vec::new(),
            shape: None,
            problem: false,
        });
    }
    let tokens = lexicon.canonical(raw);
    let stems: Vec<String> = tokens.iter().map(|t| t.stem.clone()).collect();
    let content: Vec<String> = stems
        .iter()
        .filter(|s| !FILLER.contains(&s.as_str()) && !is_numeric(s))
        .cloned()
        .collect();
    let has_number = stems.iter().any(|s| is_numeric(s));
    let key = content
        .iter()
        .max_by_key(|c| c.len())
        .map(|c| Word::Stem(c.clone()));
    Some(Phrase {
        key,
        problem: lexicon.is_problem(&stems),
        words: stems.into_iter().map(Word::Stem).collect(),
        content: if content.len() >= 2 && !has_number {
            content
        } else {
            Vec::new()
        },
        shape: has_number.then(|| shape(&tokens).0),
    })
}

impl Phrase {
    fn exact_at(&self, tokens: &[Token], at: usize) -> bool {
        self.words.iter().enumerate().all(|(i, w)| {
            tokens.get(at + i).is_some_and(|t| match w {
                Word::Stem(s) => &t.stem == s,
                Word::Exact(s) => &t.raw == s,
            })
        })
    }

    fn find_exact(&self, tokens: &[Token]) -> Option<(usize, usize)> {
        let len = self.words.len();
        if len == 0 || tokens.len() < len {
            return None;
        }
        (0..=tokens.len() - len)
            .find(|&at| self.exact_at(tokens, at))
            .map(|at| (at, at + len))
    }

    /// All content words within a window, any order.
    fn find_loose(&self, tokens: &[Token]) -> Option<(usize, usize)> {
        if self.content.is_empty() {
            return None;
        }
        let window = self.words.len() + LOOSE_SLACK;
        for start in 0..tokens.len() {
            if !self.content.contains(&tokens[start].stem) {
                continue;
            }
            let end = (start + window).min(tokens.len());
            let span = &tokens[start..end];
            if self
                .content
                .iter()
                .all(|c| span.iter().any(|t| &t.stem == c))
            {
                let last = span
                    .iter()
                    .rposition(|t| self.content.contains(&t.stem))
                    .map_or(end, |p| start + p + 1);
                return Some((start, last));
            }
        }
        None
    }

    fn find_shape(
        &self,
        shaped: &(Vec<String>, Vec<usize>),
        tokens: &[Token],
    ) -> Option<(usize, usize)> {
        let pattern = self.shape.as_ref()?;
        let (stems, at) = shaped;
        if pattern.is_empty() || stems.len() < pattern.len() || pattern.iter().all(|p| p == "#") {
            return None;
        }
        (0..=stems.len() - pattern.len())
            .find(|&i| stems[i..i + pattern.len()] == pattern[..])
            .map(|i| {
                let end = at.get(i + pattern.len()).copied().unwrap_or(tokens.len());
                (at[i], end)
            })
    }
}

/// A unit's words prepared for matching every facet of a rubric against them.
pub struct UnitWords<'a> {
    tokens: &'a [Token],
    shaped: (Vec<String>, Vec<usize>),
    stems: HashSet<&'a str>,
    raws: HashSet<&'a str>,
}

impl<'a> UnitWords<'a> {
    pub fn new(tokens: &'a [Token]) -> UnitWords<'a> {
        UnitWords {
            tokens,
            shaped: shape(tokens),
            stems: tokens.iter().map(|t| t.stem.as_str()).collect(),
            raws: tokens.iter().map(|t| t.raw.as_str()).collect(),
        }
    }

    fn may_match(&self, phrase: &Phrase) -> bool {
        match &phrase.key {
            Some(Word::Stem(s)) => self.stems.contains(s.as_str()),
            Some(Word::Exact(s)) => self.raws.contains(s.as_str()),
            None => true,
        }
    }
}

/// What the matcher may use beyond exact phrasings.
#[derive(Debug, Clone, Copy)]
pub struct Allow {
    pub loose: bool,
    /// Numbers as wildcards: only where the unit's arithmetic checks out.
    pub shape: bool,
}

impl Facet {
    /// The best match of this facet in `tokens`, preferring an exact one, then a loose one, then
    /// one by shape; negation is judged on the words around the match.
    pub fn find(&self, index: usize, words: &UnitWords<'_>, allow: Allow) -> Option<Hit> {
        let (tokens, shaped) = (words.tokens, &words.shaped);
        let mut fallback: Option<Hit> = None;
        for phrase in self.phrases.iter().filter(|p| words.may_match(p)) {
            let found = phrase
                .find_exact(tokens)
                .map(|s| (s, MatchKind::Exact))
                .or_else(|| {
                    allow
                        .loose
                        .then(|| phrase.find_loose(tokens))
                        .flatten()
                        .map(|s| (s, MatchKind::Loose))
                })
                .or_else(|| {
                    allow
                        .shape
                        .then(|| phrase.find_shape(shaped, tokens))
                        .flatten()
                        .map(|s| (s, MatchKind::Shape))
                });
            let Some(((start, end), kind)) = found else {
                continue;
            };
            let hit = Hit {
                facet: index,
                start,
                end,
                kind,
                negated: negated(tokens, start, end, phrase.problem),
            };
            // A plain mention beats a negated one; an exact match beats a looser one.
            if !hit.negated && kind == MatchKind::Exact {
                return Some(hit);
            }
            if fallback.is_none_or(|f| rank(&hit) > rank(&f)) {
                fallback = Some(hit);
            }
        }
        fallback
    }
}

fn rank(hit: &Hit) -> u8 {
    let kind = match hit.kind {
        MatchKind::Exact => 2,
        MatchKind::Loose => 1,
        MatchKind::Shape => 0,
    };
    kind + if hit.negated { 0 } else { 4 }
}

/// Words that deny what follows them in the same clause.
const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "none", "nor", "neither", "cannot", "t", "nobodi", "noth",
];
/// Verbs of need and use: "don't need X", "no need for X" deny X even when X is a problem.
const NEED: &[&str] = &[
    "need",
    "use",
    "requir",
    "necessari",
    "want",
    "bother",
    "worth",
    "add",
];
/// How far back a negation reaches.
const REACH: usize = 7;

/// Whether the match `start..end` is denied by the words around it: a negator before it in the
/// same clause ("we don't need a cache", "no replication", "instead of 2PC"), or a denial
/// after it ("X is not needed", "X isn't required", "X is overkill"). For a problem ("no single
/// point of failure", "without data loss") only a denial of need counts: avoiding a problem is
/// a property of the design.
pub fn negated(tokens: &[Token], start: usize, end: usize, problem: bool) -> bool {
    let stem = |i: usize| tokens[i].stem.as_str();
    // Before, within the clause.
    let mut k = start;
    while k > 0 && start - k < REACH && !tokens[k].clause_start {
        k -= 1;
        let s = stem(k);
        let next = tokens
            .get(k + 1)
            .map(|t| t.stem.as_str())
            .unwrap_or_default();
        if (s == "not" && matches!(next, "onli" | "just")) || (s == "no" && next == "doubt") {
            return false;
        }
        if (s == "instead" && next == "of") || (s == "rather" && next == "than") {
            return true;
        }
        if NEGATORS.contains(&s) {
            if !problem {
                return true;
            }
            // "no need for X", "don't need X", "won't use X".
            let need_after = tokens[k + 1..start]
                .iter()
                .any(|t| NEED.contains(&t.stem.as_str()));
            if need_after {
                return true;
            }
        }
    }
    // After, within the clause: "X is not needed", "X isn't required", "X is overkill".
    let mut k = end;
    while k < tokens.len() && k < end + 4 && !(k > end && tokens[k].clause_start) {
        let s = stem(k);
        if matches!(s, "unnecessari" | "overkil" | "unneed" | "superflu") {
            return true;
        }
        if NEGATORS.contains(&s)
            && tokens
                .get(k + 1..(k + 3).min(tokens.len()))
                .is_some_and(|after| {
                    after
                        .iter()
                        .any(|t| NEED.contains(&t.stem.as_str()) || t.stem == "need")
                })
        {
            return true;
        }
        k += 1;
    }
    false
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

    fn find(concept: &str, text: &str) -> Option<Hit> {
        let n = Normaliser::default();
        let lexicon = Lexicon::embedded();
        let it = item(&[concept]);
        let items = [&it];
        let compiled = compile(&items, &n, lexicon);
        let tokens = lexicon.canonical(n.tokens(text));
        compiled[0].facets[0].find(
            0,
            &UnitWords::new(&tokens),
            Allow {
                loose: true,
                shape: true,
            },
        )
    }

    fn plain(concept: &str, text: &str) -> bool {
        find(concept, text).is_some_and(|h| !h.negated)
    }

    #[test]
    fn phrases_match_consecutive_stemmed_words() {
        assert!(plain(
            "consistent hashing|hash ring",
            "We place nodes on a hash ring."
        ));
        assert!(plain("consistent hashing", "Keys are consistently hashed."));
    }

    #[test]
    fn abbreviations_and_loose_order_match() {
        assert!(plain("database", "the DB holds links"));
        assert!(plain(
            "cache in front of the database",
            "in front of the DB sits a cache"
        ));
        assert!(!plain(
            "cache in front of the database",
            "a cache. Much later, far away, a database"
        ));
    }

    #[test]
    fn numbers_match_by_shape_only_when_allowed() {
        let hit = find("1,200 writes", "about 1.5k w/s at peak").unwrap();
        assert_eq!(hit.kind, MatchKind::Shape);
    }

    #[test]
    fn denials_are_not_mentions() {
        for text in [
            "We don't need a cache.",
            "There is no cache in this design.",
            "This design does not need a cache.",
            "A cache is not needed here.",
            "Adding a cache would be overkill.",
            "We use sharding instead of a cache.",
        ] {
            let hit = find("cache", text).expect(text);
            assert!(hit.negated, "{text}");
        }
        for text in [
            "Not only a cache but also a CDN.",
            "We put a cache in front, so reads do not hit the database.",
        ] {
            assert!(plain("cache", text), "{text}");
        }
    }

    #[test]
    fn avoiding_a_problem_is_not_denying_it() {
        assert!(plain(
            "single point of failure",
            "There is no single point of failure."
        ));
        assert!(plain(
            "data loss",
            "Writes are acknowledged without data loss."
        ));
        assert!(
            find(
                "single point of failure",
                "We don't need to worry about a single point of failure."
            )
            .is_some_and(|h| h.negated)
        );
    }
}
