//! Text analysis for the offline scorer: splitting an answer into stage sections and sentences,
//! normalising words (lowercase + Snowball stemming), and judging whether a sentence reads like
//! an explanation rather than a list of terms.

use rust_stemmers::{Algorithm, Stemmer};

/// One word of an answer: its original spelling (for case-sensitive acronyms) and its stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub raw: String,
    pub stem: String,
}

/// A sentence with its tokens and the measurements the scorer needs.
#[derive(Debug, Clone)]
pub struct Sentence {
    /// The sentence as written (trimmed), used as evidence.
    pub text: String,
    pub tokens: Vec<Token>,
    /// Whether it reads like an explanation; concepts only count in such sentences.
    pub explanatory: bool,
    /// Whether it contains numbers with units or arithmetic; estimation items need this.
    pub quantitative: bool,
    /// Grammar check result: (places a word salad would break, places it did break).
    pub fluency: (usize, usize),
}

/// Splits text into words and stems them. One instance is reused for a whole answer.
pub struct Normaliser {
    stemmer: Stemmer,
}

impl Default for Normaliser {
    fn default() -> Self {
        Normaliser {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }
}

impl Normaliser {
    /// Words are runs of ASCII letters and digits; everything else separates them, so
    /// "write-ahead" is two words and "62^7" is "62 7".
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|raw| {
                let lower = raw.to_ascii_lowercase();
                let stem = self.stemmer.stem(&lower).into_owned();
                Token {
                    raw: raw.to_owned(),
                    stem,
                }
            })
            .collect()
    }

    /// Splits `text` into sentences and measures each one.
    pub fn sentences(&self, text: &str) -> Vec<Sentence> {
        split_sentences(text)
            .into_iter()
            .map(|s| {
                let tokens = self.tokens(&s);
                let fluency = fluency(&fluency_words(&s));
                let explanatory = is_explanatory(&tokens, fluency) && !is_enumeration(&s);
                let quantitative = is_quantitative(&s);
                Sentence {
                    text: s,
                    tokens,
                    explanatory,
                    quantitative,
                    fluency,
                }
            })
            .collect()
    }
}

/// Sentence boundaries: `.`, `!` or `?` followed by whitespace and an uppercase letter, digit or
/// bullet; line breaks; and list bullets. "e.g. the" and "3.5" do not split.
pub fn split_sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = strip_bullet(line.trim());
        if line.is_empty() {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut start = 0;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if matches!(c, '.' | '!' | '?') && i + 1 < chars.len() && chars[i + 1].is_whitespace() {
                let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
                if next.is_some_and(|n| {
                    n.is_uppercase() || n.is_ascii_digit() || *n == '(' || *n == '"'
                }) {
                    push_sentence(&mut out, &chars[start..=i]);
                    start = i + 1;
                }
            }
            i += 1;
        }
        push_sentence(&mut out, &chars[start..]);
    }
    out
}

fn push_sentence(out: &mut Vec<String>, chars: &[char]) {
    let s: String = chars.iter().collect();
    let s = s.trim();
    if !s.is_empty() {
        out.push(s.to_owned());
    }
}

fn strip_bullet(line: &str) -> &str {
    let trimmed = line
        .trim_start_matches(['-', '*', '•', '>', '#'])
        .trim_start();
    // "1." / "2)" numbered list markers.
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits <= 2 {
        let rest = &trimmed[digits..];
        if let Some(rest) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(')'))
            && rest.starts_with(' ')
        {
            return rest.trim_start();
        }
    }
    trimmed
}

/// Function words and common verbs: the glue of real sentences, nearly absent from term lists.
const CONNECTIVES: &[&str] = &[
    "a",
    "about",
    "above",
    "across",
    "after",
    "again",
    "against",
    "all",
    "also",
    "although",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "either",
    "else",
    "enough",
    "even",
    "every",
    "few",
    "for",
    "from",
    "get",
    "gets",
    "give",
    "gives",
    "go",
    "goes",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "him",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "instead",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "keep",
    "keeps",
    "let",
    "lets",
    "like",
    "make",
    "makes",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "need",
    "needs",
    "neither",
    "never",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "otherwise",
    "our",
    "out",
    "over",
    "own",
    "per",
    "put",
    "puts",
    "rather",
    "same",
    "see",
    "she",
    "should",
    "since",
    "so",
    "some",
    "such",
    "take",
    "takes",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "under",
    "unless",
    "until",
    "up",
    "upon",
    "us",
    "use",
    "used",
    "uses",
    "using",
    "very",
    "via",
    "was",
    "way",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "add",
    "adds",
    "avoid",
    "avoids",
    "call",
    "calls",
    "choose",
    "lose",
    "loses",
    "means",
    "mean",
    "happen",
    "happens",
    "send",
    "sends",
    "store",
    "stores",
    "read",
    "reads",
    "write",
    "writes",
    "run",
    "runs",
    "work",
    "works",
    "want",
    "wants",
    "know",
    "knows",
    "say",
    "says",
    "tell",
    "tells",
    "pick",
    "picks",
    "handle",
    "handles",
    "becomes",
    "become",
    "stay",
    "stays",
    "allow",
    "allows",
    "help",
    "helps",
    "depends",
    "depend",
    "costs",
    "cost",
    "wait",
    "waits",
    "return",
    "returns",
    "because",
];

const DETERMINERS: &[&str] = &[
    "a", "an", "the", "every", "its", "their", "our", "my", "your",
];

static CONNECTIVE_SET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| CONNECTIVES.iter().copied().collect());

fn is_connective(word: &str) -> bool {
    CONNECTIVE_SET.contains(word)
}

/// A sentence reads like an explanation when it is long enough, has the connective tissue of
/// prose (at least ~15% function words and verbs), and is fluent: determiners are followed by
/// content words, as in English, rather than by other function words as in shuffled text.
pub fn is_explanatory(tokens: &[Token], (opportunities, broken): (usize, usize)) -> bool {
    if tokens.len() < 5 {
        return false;
    }
    let lower: Vec<String> = tokens.iter().map(|t| t.raw.to_ascii_lowercase()).collect();
    let connectives = lower.iter().filter(|w| is_connective(w)).count();
    if connectives == 0 || (connectives as f64) < 0.12 * tokens.len() as f64 {
        return false;
    }
    !(opportunities >= 2 && broken * 3 > opportunities)
}

/// Words for the grammar check: split on whitespace only, so hyphenated compounds such as
/// "buy-in" or "built-in" stay one word instead of ending in a preposition.
pub fn fluency_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

const PREPOSITIONS: &[&str] = &[
    "of", "in", "on", "at", "to", "for", "with", "by", "from", "into", "over", "under", "via",
    "per", "about", "across", "through", "between", "without", "within",
];

const CANNOT_FOLLOW_DETERMINER: &[&str] = &[
    "a", "an", "the", "this", "that", "these", "those", "each", "every", "its", "their", "our",
    "my", "your", "of", "in", "on", "at", "to", "for", "with", "by", "from", "into", "and", "or",
    "but", "so", "because", "if", "when", "while", "than", "then", "is", "are", "was", "were",
    "be", "been", "can", "could", "will", "would", "should", "must", "may", "might", "do", "does",
    "did", "has", "have", "had", "it", "they", "we", "you", "he", "she", "i", "them", "us", "him",
    "which", "who", "not", "also", "very", "too",
];

const CANNOT_FOLLOW_PREPOSITION: &[&str] = &[
    "of", "in", "on", "at", "for", "with", "by", "from", "and", "or", "but", "is", "are", "was",
    "were", "can", "could", "will", "would", "should", "must", "may", "might", "does", "did",
    "has", "had", "not", "so", "than", "because",
];

/// Grammar a word shuffle breaks: determiners followed by another function word ("the of"),
/// prepositions followed by a conjunction or auxiliary ("in is"), or either ending the text.
/// Returns (places where this can go wrong, places where it did). English prose breaks
/// almost none; shuffled text breaks about a third.
pub fn fluency(lower_words: &[String]) -> (usize, usize) {
    let mut opportunities = 0;
    let mut broken = 0;
    for (i, w) in lower_words.iter().enumerate() {
        let forbidden = if DETERMINERS.contains(&w.as_str()) {
            CANNOT_FOLLOW_DETERMINER
        } else if PREPOSITIONS.contains(&w.as_str()) {
            CANNOT_FOLLOW_PREPOSITION
        } else {
            continue;
        };
        opportunities += 1;
        match lower_words.get(i + 1) {
            None => broken += 1,
            Some(next) if forbidden.contains(&next.as_str()) => broken += 1,
            _ => {}
        }
    }
    (opportunities, broken)
}

/// A comma- or slash-separated run of short fragments ("LB, reverse proxy, health checks,
/// L4, L7"): a list of terms rather than a sentence, even when the terms contain function
/// words. Real enumerations sit inside a clause, which keeps the average fragment longer.
pub fn is_enumeration(text: &str) -> bool {
    let fragments: Vec<usize> = text
        .split([',', ';', '/', '|'])
        .map(|f| f.split_whitespace().count())
        .filter(|&n| n > 0)
        .collect();
    if fragments.len() < 4 {
        return false;
    }
    let words: usize = fragments.iter().sum();
    (words as f64 / fragments.len() as f64) < 3.0
}

/// Numbers with units, magnitudes, or arithmetic between numbers: what capacity estimates
/// are made of ("100M / 86,400 ≈ 1,160 writes/s", "5 TB", "3x").
pub fn is_quantitative(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut has_number = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            has_number = true;
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit() || matches!(bytes[i], b',' | b'.' | b'_'))
            {
                i += 1;
            }
            let digits = &lower[start..i];
            let rest = lower[i..].trim_start();
            if has_unit(rest) || digits.len() >= 4 {
                return true;
            }
            if rest.starts_with(['x', '×', '*', '/', '÷', '=', '≈', '^', '%', '+', '-']) {
                return true;
            }
            continue;
        }
        i += 1;
    }
    has_number
        && ["×", "≈", " x ", " * ", " / ", "per second", "per day", "/s"]
            .iter()
            .any(|op| lower.contains(op))
}

const UNITS: &[&str] = &[
    "k ",
    "k/",
    "k,",
    "k.",
    "m ",
    "m/",
    "m,",
    "m.",
    "b ",
    "b/",
    "b,",
    "b.",
    "kb",
    "mb",
    "gb",
    "tb",
    "pb",
    "eb",
    "kib",
    "mib",
    "gib",
    "tib",
    "bytes",
    "byte",
    "bits",
    "bit",
    "thousand",
    "million",
    "billion",
    "trillion",
    "qps",
    "rps",
    "tps",
    "ops",
    "req",
    "request",
    "write",
    "read",
    "users",
    "user",
    "ms",
    "millisecond",
    "seconds",
    "second",
    "sec",
    "s ",
    "s/",
    "s,",
    "s.",
    "min",
    "minute",
    "hour",
    "hours",
    "day",
    "days",
    "year",
    "years",
    "mbps",
    "gbps",
    "nodes",
    "node",
    "servers",
    "server",
    "shards",
    "shard",
    "replicas",
    "events",
    "messages",
    "connections",
    "%",
    "percent",
    "times",
    "items",
    "keys",
    "rows",
    "records",
    "per ",
];

fn has_unit(rest: &str) -> bool {
    if rest.is_empty() {
        return false;
    }
    UNITS.iter().any(|u| rest.starts_with(u)) || matches!(rest, "k" | "m" | "b" | "s")
}

/// Stage sections of a written answer, from Markdown headings such as `## Requirements` or
/// `### Capacity estimation`. Text before the first heading, or under a heading that names no
/// stage, has `stage: None` and counts for every stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub stage: Option<String>,
    pub text: String,
}

/// Maps heading text to a stage id of `stage_ids`, using the stage ids themselves, their
/// titles and common synonyms.
pub fn heading_stage(heading: &str, stage_ids: &[&str]) -> Option<String> {
    let h = heading
        .trim()
        .trim_start_matches(|c: char| {
            c.is_ascii_digit() || c == '.' || c == ')' || c.is_whitespace()
        })
        .to_ascii_lowercase()
        .replace(['-', '_', ':'], " ");
    let h = h.split_whitespace().collect::<Vec<_>>().join(" ");
    const SYNONYMS: &[(&str, &[&str])] = &[
        (
            "requirements",
            &[
                "requirements",
                "functional requirements",
                "non functional requirements",
                "clarifying questions",
                "scope",
                "clarifications",
            ],
        ),
        (
            "estimation",
            &[
                "estimation",
                "estimates",
                "capacity",
                "capacity estimation",
                "capacity planning",
                "back of the envelope",
                "back of envelope",
                "sizing",
                "scale estimation",
            ],
        ),
        (
            "high_level",
            &[
                "high level",
                "high level design",
                "architecture",
                "overview",
                "design",
                "api",
                "apis",
                "data model",
                "components",
            ],
        ),
        (
            "deep_dive",
            &[
                "deep dive",
                "detailed design",
                "details",
                "deep dives",
                "component design",
            ],
        ),
        (
            "bottlenecks",
            &[
                "bottlenecks",
                "bottlenecks and failures",
                "failures",
                "failure modes",
                "scaling",
                "scaling and bottlenecks",
                "reliability",
                "fault tolerance",
            ],
        ),
        (
            "tradeoffs",
            &[
                "tradeoffs",
                "trade offs",
                "trade offs and alternatives",
                "alternatives",
                "wrap up",
                "summary",
            ],
        ),
        (
            "definition",
            &[
                "definition",
                "what it is",
                "overview",
                "what is it",
                "introduction",
            ],
        ),
        (
            "mechanics",
            &[
                "mechanics",
                "how it works",
                "how does it work",
                "internals",
                "mechanism",
            ],
        ),
        (
            "applications",
            &[
                "applications",
                "use cases",
                "where it is used",
                "examples",
                "real world",
                "in practice",
            ],
        ),
    ];
    for (stage, names) in SYNONYMS {
        if stage_ids.contains(stage)
            && names
                .iter()
                .any(|n| h == *n || h.starts_with(&format!("{n} ")))
        {
            return Some((*stage).to_owned());
        }
    }
    stage_ids
        .iter()
        .find(|s| h == s.replace('_', " "))
        .map(|s| (*s).to_owned())
}

/// Splits a written answer at Markdown headings (`#`…`######`) naming stages.
pub fn sections(text: &str, stage_ids: &[&str]) -> Vec<Section> {
    let mut out: Vec<Section> = vec![Section {
        stage: None,
        text: String::new(),
    }];
    for line in text.lines() {
        let trimmed = line.trim_start();
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            out.push(Section {
                stage: heading_stage(&trimmed[hashes..], stage_ids),
                text: String::new(),
            });
            continue;
        }
        let current = out.last_mut().expect("never empty");
        current.text.push_str(line);
        current.text.push('\n');
    }
    out.retain(|s| !s.text.trim().is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explanatory(text: &str) -> bool {
        Normaliser::default()
            .sentences(text)
            .iter()
            .all(|s| s.explanatory)
    }

    #[test]
    fn sentences_split_on_terminal_punctuation_lines_and_bullets() {
        let s = split_sentences(
            "We shard by user id. Reads go to replicas, e.g. the nearest one.\n- Cache hot keys\n2. Use 3.5 GB",
        );
        assert_eq!(
            s,
            [
                "We shard by user id.",
                "Reads go to replicas, e.g. the nearest one.",
                "Cache hot keys",
                "Use 3.5 GB"
            ]
        );
    }

    #[test]
    fn prose_is_explanatory_but_term_lists_and_shuffles_are_not() {
        assert!(explanatory(
            "Use consistent hashing with virtual nodes so that adding a node moves few keys."
        ));
        assert!(explanatory(
            "Failures are handled with gossip, hinted handoff, read repair and Merkle trees."
        ));
        assert!(!explanatory(
            "consistent hashing, virtual nodes, quorum, vector clocks, gossip, hinted handoff"
        ));
        assert!(!explanatory("Consistent hashing"));
        assert!(!explanatory(
            "the of hashing a nodes consistent the to with an virtual so that the"
        ));
        assert!(is_enumeration(
            "pool of servers, LB, reverse proxy, the health check, L4, L7"
        ));
        assert!(!is_enumeration(
            "Failures are handled with gossip, hinted handoff, read repair and Merkle trees."
        ));
    }

    #[test]
    fn quantities_need_units_or_arithmetic() {
        assert!(is_quantitative("100M / 86,400 ≈ 1,160 writes per second"));
        assert!(is_quantitative("Each record is 500 bytes"));
        assert!(is_quantitative("That is 50 GB a day"));
        assert!(is_quantitative(
            "Reads outnumber writes 100:1, so 3x at peak"
        ));
        assert!(!is_quantitative(
            "We need to estimate the QPS and the storage"
        ));
        assert!(!is_quantitative("Pick option 2 of the two designs"));
        assert!(is_quantitative("That needs 20 nodes"));
    }

    #[test]
    fn stems_let_plural_and_verb_forms_match() {
        let n = Normaliser::default();
        let a: Vec<String> = n
            .tokens("replicas replicating")
            .into_iter()
            .map(|t| t.stem)
            .collect();
        let b: Vec<String> = n
            .tokens("replica replicate")
            .into_iter()
            .map(|t| t.stem)
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn headings_map_to_stages() {
        let stages = [
            "requirements",
            "estimation",
            "high_level",
            "deep_dive",
            "bottlenecks",
            "tradeoffs",
        ];
        assert_eq!(
            heading_stage(" Requirements", &stages).as_deref(),
            Some("requirements")
        );
        assert_eq!(
            heading_stage("2. Capacity estimation", &stages).as_deref(),
            Some("estimation")
        );
        assert_eq!(
            heading_stage("High-level design", &stages).as_deref(),
            Some("high_level")
        );
        assert_eq!(
            heading_stage("Deep dive: code generation", &stages).as_deref(),
            Some("deep_dive")
        );
        assert_eq!(
            heading_stage("Trade-offs", &stages).as_deref(),
            Some("tradeoffs")
        );
        assert_eq!(heading_stage("Misc notes", &stages), None);
        let sections = sections(
            "intro\n## Requirements\nshort links\n## Notes\nmore",
            &stages,
        );
        assert_eq!(sections.len(), 3);
        assert_eq!(sections[0].stage, None);
        assert_eq!(sections[1].stage.as_deref(), Some("requirements"));
        assert_eq!(sections[2].stage, None);
    }
}
