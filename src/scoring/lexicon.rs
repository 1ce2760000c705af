//! The vocabulary the offline scorer reads with (`data/lexicon.toml`): groups of phrasings that
//! mean the same (so "DB" meets a rubric's "database" and "QPS" its "requests per second"), and
//! the terms that name problems, which negation does not reverse ("no single point of
//! failure" is a design property, "no cache" an absence).

use std::collections::HashMap;
use std::sync::LazyLock;

use toml_spanner::{Context, Failed, FromToml, Item};

use crate::scoring::text::{Normaliser, Token};
use crate::tomlread::{self, List, Text, field, finish};

pub const LEXICON_FILE: &str = "data/lexicon.toml";

/// A phrase as stems.
pub type Stems = Vec<String>;

#[derive(Debug, Default)]
pub struct Lexicon {
    /// By first stem, (phrase, canonical phrase) pairs, longest phrase first so "primary key"
    /// wins over "primary".
    rewrites: HashMap<String, Vec<(Stems, Stems)>>,
    problems: Vec<Stems>,
    claims: Vec<Stems>,
}

struct RawLexicon {
    same: Vec<Vec<String>>,
    problems: Vec<String>,
    claims: Vec<String>,
}

/// A table with a list of `terms`: a `[[same]]` group, `[problems]` or `[claims]`.
struct Terms(Vec<String>);

impl tomlread::Expected for Terms {
    fn expected() -> String {
        "a table with `terms`".into()
    }
}

impl<'de> FromToml<'de> for Terms {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let terms = field::<List<Text>>(&mut th, "terms");
        finish(th, &["terms"]);
        Ok(Terms(
            terms.ok_or(Failed)?.0.into_iter().map(|t| t.0).collect(),
        ))
    }
}

impl<'de> FromToml<'de> for RawLexicon {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let same = field::<List<Terms>>(&mut th, "same");
        let problems = field::<Terms>(&mut th, "problems");
        let claims = field::<Terms>(&mut th, "claims");
        finish(th, &["same", "problems", "claims"]);
        Ok(RawLexicon {
            same: same.ok_or(Failed)?.0.into_iter().map(|g| g.0).collect(),
            problems: problems.ok_or(Failed)?.0,
            claims: claims.ok_or(Failed)?.0,
        })
    }
}

impl Lexicon {
    /// Parses a lexicon file; every problem at once.
    pub fn parse(file: &str, text: &str) -> Result<Lexicon, Vec<tomlread::Problem>> {
        let arena = toml_spanner::Arena::new();
        let (raw, problems) = tomlread::read::<RawLexicon>(file, text, &arena);
        let raw = match raw {
            Some(raw) if problems.is_empty() => raw,
            _ => return Err(tomlread::tidy(problems)),
        };
        let n = Normaliser::default();
        let stems =
            |phrase: &str| -> Stems { n.tokens(phrase).into_iter().map(|t| t.stem).collect() };
        let mut rewrites = Vec::new();
        for group in &raw.same {
            let canonical = stems(&group[0]);
            // A multi-word canonical term is kept whole, so its words are not read as another
            // group's ("primary key" stays, though "primary" alone is "leader").
            if canonical.len() > 1 {
                rewrites.push((canonical.clone(), canonical.clone()));
            }
            for term in &group[1..] {
                let from = stems(term);
                if !from.is_empty() && from != canonical {
                    rewrites.push((from, canonical.clone()));
                }
            }
        }
        rewrites.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        let mut by_first: HashMap<String, Vec<(Stems, Stems)>> = HashMap::new();
        for (from, to) in rewrites {
            by_first
                .entry(from[0].clone())
                .or_default()
                .push((from, to));
        }
        Ok(Lexicon {
            rewrites: by_first,
            problems: distinct(&raw.problems, &stems),
            claims: distinct(&raw.claims, &|phrase: &str| -> Stems {
                n.tokens(phrase)
                    .into_iter()
                    .map(|t| t.raw.to_lowercase())
                    .collect()
            }),
        })
    }

    /// The embedded lexicon (tested, so a failure is a build defect).
    pub fn embedded() -> &'static Lexicon {
        static LEXICON: LazyLock<Lexicon> =
            LazyLock::new(|| crate::embedded::parse_data(LEXICON_FILE, Lexicon::parse));
        &LEXICON
    }

    /// `tokens` with every phrasing of a group read as the group's first term. Each rewritten
    /// phrase keeps the clause boundary of the first word it replaces, and its first token the
    /// words it replaces as written.
    pub fn canonical(&self, tokens: Vec<Token>) -> Vec<Token> {
        if self.rewrites.is_empty() {
            return tokens;
        }
        let mut out = Vec::with_capacity(tokens.len());
        let mut i = 0;
        'outer: while i < tokens.len() {
            let candidates = self
                .rewrites
                .get(&tokens[i].stem)
                .map_or(&[][..], Vec::as_slice);
            for (from, to) in candidates {
                let end = i + from.len();
                if end <= tokens.len()
                    && tokens[i..end].iter().zip(from).all(|(t, f)| &t.stem == f)
                    // The words of a phrase sit in one clause ("DB, cache" is not "dbc").
                    && tokens[i + 1..end].iter().all(|t| !t.clause_start)
                {
                    // The first token carries the words as written ("QPS"), the rest none, so
                    // the candidate's own spelling survives the rewrite.
                    let written: Vec<&str> =
                        tokens[i..end].iter().map(|t| t.raw.as_str()).collect();
                    for (k, stem) in to.iter().enumerate() {
                        out.push(Token {
                            raw: if k == 0 {
                                written.join(" ")
                            } else {
                                String::new()
                            },
                            stem: stem.clone(),
                            clause_start: k == 0 && tokens[i].clause_start,
                        });
                    }
                    i = end;
                    continue 'outer;
                }
            }
            out.push(tokens[i].clone());
            i += 1;
        }
        out
    }

    /// Whether a sentence uses a word of asserting a capability ("leverage", "ensure",
    /// "seamless"). Matched as spelled, not stemmed: "resilient" is a claim, "resilience" a
    /// topic.
    pub fn claims(&self, tokens: &[Token]) -> bool {
        let words: Vec<String> = tokens.iter().map(|t| t.raw.to_lowercase()).collect();
        self.claims.iter().filter(|c| !c.is_empty()).any(|c| {
            words
                .windows(c.len())
                .any(|w| w.iter().zip(c.iter()).all(|(a, b)| a == b))
        })
    }

    /// Whether a (canonical) phrase names a problem.
    pub fn is_problem(&self, phrase: &[String]) -> bool {
        self.problems
            .iter()
            .any(|p| !p.is_empty() && phrase.windows(p.len()).any(|w| w == p.as_slice()))
    }
}

/// A word list as `words` reads each term, every term once.
fn distinct(terms: &[String], words: &impl Fn(&str) -> Stems) -> Vec<Stems> {
    let mut out: Vec<Stems> = terms
        .iter()
        .map(|t| words(t))
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> Vec<String> {
        let n = Normaliser::default();
        Lexicon::embedded()
            .canonical(n.tokens(text))
            .into_iter()
            .map(|t| t.stem)
            .collect()
    }

    #[test]
    fn the_embedded_lexicon_parses() {
        let l = Lexicon::embedded();
        assert!(l.rewrites.len() > 50);
        assert!(l.is_problem(&canon("single point of failure")));
        assert!(!l.is_problem(&canon("cache")));
    }

    #[test]
    fn abbreviations_read_as_their_full_names() {
        assert_eq!(canon("the DB"), canon("the database"));
        assert_eq!(canon("~1.2k w/s"), canon("~1.2k writes per second"));
        assert_eq!(canon("3 QPS"), canon("3 requests per second"));
        assert_eq!(canon("a primary key"), canon("a primary key"));
        assert_ne!(canon("primary key"), canon("leader key"));
        // A clause boundary keeps separate words apart.
        assert_ne!(canon("w, s"), canon("writes per second"));
    }
}
