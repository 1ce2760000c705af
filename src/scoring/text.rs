//! Text analysis for the offline scorer: splitting an answer into stage sections and sentences,
//! normalising words (lowercase + Snowball stemming), and judging whether a sentence reads like
//! an explanation rather than a list of terms.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use rust_stemmers::{Algorithm, Stemmer};

/// One word of an answer: its original spelling (for case-sensitive acronyms), its stem, and
/// whether punctuation separates it from the word before (a comma, colon, arrow: the edge of a
/// clause, which a negation does not reach across).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub raw: String,
    pub stem: String,
    pub clause_start: bool,
}

impl Token {
    /// All digits: part of a number (`86,400` is the two tokens `86` and `400`).
    pub fn is_number(&self) -> bool {
        self.raw.bytes().all(|b| b.is_ascii_digit())
    }
}

/// Splits text into words and stems them.
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

/// Lowercased word → stem, shared by every answer a process grades: answers and rubrics use
/// the same few thousand words again and again, and stemming is most of reading them.
static STEMS: LazyLock<Mutex<HashMap<String, String>>> = LazyLock::new(Mutex::default);
/// A bound on [`STEMS`], so text made of random words cannot grow it without limit.
const MAX_CACHED_STEMS: usize = 50_000;

impl Normaliser {
    fn stem(&self, lower: String) -> String {
        let mut cache = STEMS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(stem) = cache.get(&lower) {
            return stem.clone();
        }
        let stem = self.stemmer.stem(&lower).into_owned();
        if cache.len() >= MAX_CACHED_STEMS {
            cache.clear();
        }
        cache.insert(lower, stem.clone());
        stem
    }

    /// Words are runs of ASCII letters and digits; everything else separates them, so
    /// "write-ahead" is two words and "62^7" is "62 7". A comma, semicolon, colon, dash, arrow,
    /// bracket or sentence mark between two words starts a new clause.
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut clause_start = true;
        let mut word = String::new();
        let flush = |word: &mut String, clause_start: &mut bool, tokens: &mut Vec<Token>| {
            if word.is_empty() {
                return;
            }
            let lower = word.to_ascii_lowercase();
            let stem = self.stem(lower);
            tokens.push(Token {
                raw: std::mem::take(word),
                stem,
                clause_start: *clause_start,
            });
            *clause_start = false;
        };
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                word.push(c);
                continue;
            }
            flush(&mut word, &mut clause_start, &mut tokens);
            if matches!(
                c,
                ',' | ';'
                    | ':'
                    | '.'
                    | '!'
                    | '?'
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '→'
                    | '>'
                    | '|'
                    | '—'
                    | '–'
                    | '"'
                    | '\n'
            ) {
                clause_start = true;
            }
        }
        flush(&mut word, &mut clause_start, &mut tokens);
        tokens
    }
}

/// Sentence boundaries: `.`, `!` or `?` followed by whitespace and an uppercase letter, digit or
/// bullet; line breaks; and list bullets. "e.g. the" and "3.5" do not split.
pub fn split_sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        line_sentences(strip_bullet(line.trim()), &mut out);
    }
    out
}

/// The sentences of one line (without its bullet).
pub fn line_sentences(line: &str, out: &mut Vec<String>) {
    if line.is_empty() {
        return;
    }
    let chars: Vec<char> = line.chars().collect();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '.' | '!' | '?') && i + 1 < chars.len() && chars[i + 1].is_whitespace() {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if next
                .is_some_and(|n| n.is_uppercase() || n.is_ascii_digit() || *n == '(' || *n == '"')
            {
                push_sentence(out, &chars[start..=i]);
                start = i + 1;
            }
        }
        i += 1;
    }
    push_sentence(out, &chars[start..]);
}

/// One line of an answer, with the line it elaborates: in notes, a short label line
/// ("- multi-leader", "Non-functional:") is explained by the indented bullets under it, which
/// carry its term as context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineLine {
    /// The line without its bullet.
    pub text: String,
    /// Index of the label line it sits under.
    pub parent: Option<usize>,
}

/// A label: short, and not a sentence of its own (no full stop at the end).
fn is_label(text: &str) -> bool {
    let words = text.split_whitespace().count();
    (1..=8).contains(&words) && !text.ends_with('.')
}

/// The lines of `text` with their parents: an indented bullet's parent is the nearest line
/// above it, in the same block, that is indented less and is a label; a line after a label
/// ending in `:` (until a blank line) has that label as parent.
pub fn outline(text: &str) -> Vec<OutlineLine> {
    struct Raw {
        indent: usize,
        bullet: bool,
        text: String,
    }
    let mut lines: Vec<Option<Raw>> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            lines.push(None);
            continue;
        }
        let indent: usize = line
            .chars()
            .take_while(|c| c.is_whitespace())
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum();
        let trimmed = line.trim();
        let stripped = strip_bullet(trimmed);
        lines.push(Some(Raw {
            indent,
            bullet: stripped.len() < trimmed.len(),
            text: stripped.to_owned(),
        }));
    }
    let mut out: Vec<OutlineLine> = Vec::new();
    let mut index_of: Vec<Option<usize>> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(line) = line else {
            index_of.push(None);
            continue;
        };
        let mut parent = None;
        for j in (0..i).rev() {
            let Some(above) = &lines[j] else { break };
            let label = is_label(above.text.trim_end_matches(['*', '_']));
            let colon = above.text.trim_end_matches(['*', '_']).ends_with(':');
            if label && (colon || (line.bullet && above.indent < line.indent)) {
                parent = index_of[j];
                break;
            }
            if above.indent < line.indent && above.bullet {
                break;
            }
        }
        index_of.push(Some(out.len()));
        out.push(OutlineLine {
            text: line.text.clone(),
            parent,
        });
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

pub fn is_connective(word: &str) -> bool {
    CONNECTIVE_SET.contains(word)
}

const WH_WORDS: &[&str] = &[
    "what", "how", "who", "whom", "whose", "when", "where", "which", "why",
];
const AUXILIARIES: &[&str] = &[
    "do", "does", "did", "is", "are", "was", "were", "am", "can", "could", "should", "would",
    "will", "shall", "may", "might", "must", "have", "has", "had",
];
/// Words that, after an auxiliary, make it an inverted question ("do we…", "is it…").
const SUBJECTS: &[&str] = &[
    "i", "we", "you", "it", "they", "he", "she", "there", "this", "that", "these", "those", "the",
    "a", "an", "our", "my", "your", "their", "its", "users", "each", "every", "any", "anyone",
    "someone", "everyone", "people", "clients",
];
/// Words that, after a wh-word, make it a question ("how many…", "what is…") rather than a
/// clause that starts a statement ("when the leader dies, …", "how it works: …").
const WH_FOLLOWERS: &[&str] = &[
    "is",
    "are",
    "was",
    "were",
    "do",
    "does",
    "did",
    "can",
    "could",
    "should",
    "would",
    "will",
    "shall",
    "may",
    "might",
    "must",
    "has",
    "have",
    "many",
    "much",
    "long",
    "often",
    "big",
    "large",
    "fast",
    "far",
    "about",
    "if",
    "not",
    "happens",
    "kind",
    "sort",
    "type",
    "level",
    "percentage",
    "ratio",
    "scale",
];

/// Whether a sentence asks something rather than states it: a trailing `?`, an inverted
/// opening ("should we…", "is it…", "do users…"), or a wh-word opening a question ("how
/// many…", "what is…"). "Should handle 10k writes per second." is a statement (no subject
/// after the auxiliary); "When the leader dies, a follower takes over." is a statement too.
pub fn is_question(sentence: &str) -> bool {
    let trimmed = sentence.trim();
    if trimmed.ends_with('?') {
        return true;
    }
    let words: Vec<String> = trimmed
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .take(3)
        .map(str::to_ascii_lowercase)
        .collect();
    if trimmed.split_whitespace().count() > 30 || trimmed.contains(['→', ':']) {
        return false;
    }
    match words.as_slice() {
        // "Which is why we cache…" explains; a question with "which is" has its `?`.
        [first, second, ..]
            if first == "which" && matches!(second.as_str(), "is" | "are" | "was" | "were") =>
        {
            false
        }
        [first, second, ..] if WH_WORDS.contains(&first.as_str()) => {
            WH_FOLLOWERS.contains(&second.as_str())
        }
        // "Do links expire": do-questions need no pronoun; "Do not cache…" is an instruction.
        [first, second, ..] if matches!(first.as_str(), "do" | "does" | "did") => {
            second != "not" && second != "n't"
        }
        // "Are links editable", "Can users…": an auxiliary then a subject (a pronoun, or a
        // plural noun); "Should handle…" is an auxiliary then a verb, a statement.
        [first, second, ..] if AUXILIARIES.contains(&first.as_str()) => {
            SUBJECTS.contains(&second.as_str()) || (second.len() > 3 && second.ends_with('s'))
        }
        _ => false,
    }
}

/// Whether a turn asks the interviewer something: its last sentence is a question.
pub fn asks(turn: &str) -> bool {
    split_sentences(turn).last().is_some_and(|s| is_question(s))
}

/// Words for the grammar check: split on whitespace only, so hyphenated compounds such as
/// "buy-in" or "built-in" stay one word instead of ending in a preposition.
pub fn fluency_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(|w| {
            // A capital letter alone is a name ("C or A", "node A"), not the article "a".
            if w.len() == 1 && w.chars().all(|c| c.is_ascii_uppercase()) {
                "x".to_owned()
            } else {
                w.to_ascii_lowercase()
            }
        })
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

/// ("to not" is English: "to not have them".)
const CANNOT_FOLLOW_PREPOSITION: &[&str] = &[
    "of", "in", "on", "at", "for", "with", "by", "from", "and", "or", "but", "is", "are", "was",
    "were", "can", "could", "will", "would", "should", "must", "may", "might", "does", "did",
    "has", "had", "so", "than", "because",
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
    let mean = words as f64 / fragments.len() as f64;
    // Short items make a list; so do many items of a few words each, which no sentence has.
    mean < 3.0 || (fragments.len() >= 8 && mean < 5.0)
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
    UNITS.iter().any(|u| rest.starts_with(u))
        || matches!(rest, "k" | "m" | "b" | "s" | "d" | "h")
        || [
            "d ", "d,", "d.", "d)", "h ", "h,", "h.", "h)", "hr", "w ", "wk",
        ]
        .iter()
        .any(|u| rest.starts_with(u))
}

/// Stage sections of a written answer, from Markdown headings such as `## Requirements`,
/// `### Capacity estimation` or `Step 4: Scale the design`. Text before the first heading, or
/// under a heading that names no stage, has `stage: None`. Sections say where a point was made;
/// they do not limit where it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub stage: Option<String>,
    pub text: String,
}

/// Splits a written answer at Markdown headings (`#`…`######`), naming each section's stage
/// by the framework's heading words. A heading that names no stage keeps the stage of the
/// section it sits in.
pub fn sections(text: &str, framework: &crate::framework::Framework) -> Vec<Section> {
    let mut out: Vec<Section> = vec![Section {
        stage: None,
        text: String::new(),
    }];
    for line in text.lines() {
        let trimmed = line.trim_start();
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            let named = framework
                .stage_for_heading(&trimmed[hashes..])
                .map(|s| s.id.clone());
            let stage = named.or_else(|| out.last().and_then(|s| s.stage.clone()));
            out.push(Section {
                stage,
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
    fn indented_bullets_sit_under_their_label() {
        let lines = outline(
            "- single-leader\n  - writes go to the leader\n  - reads from replicas\n- multi-leader\n  - conflicts possible\n\nNon-functional:\n- fast redirects\nA plain line.",
        );
        let parent = |i: usize| lines[i].parent.map(|p| lines[p].text.as_str());
        assert_eq!(parent(1), Some("single-leader"));
        assert_eq!(parent(2), Some("single-leader"));
        assert_eq!(parent(3), None);
        assert_eq!(parent(4), Some("multi-leader"));
        assert_eq!(parent(6), Some("Non-functional:"));
        assert_eq!(parent(7), Some("Non-functional:"));
    }

    #[test]
    fn comma_lists_of_short_fragments_are_enumerations() {
        assert!(is_enumeration(
            "pool of servers, LB, reverse proxy, the health check, L4, L7"
        ));
        assert!(!is_enumeration(
            "Failures are handled with gossip, hinted handoff, read repair and Merkle trees."
        ));
    }

    #[test]
    fn tokens_know_where_clauses_start() {
        let t = Normaliser::default().tokens("no cache, just a DB → done");
        let starts: Vec<&str> = t
            .iter()
            .filter(|t| t.clause_start)
            .map(|t| t.raw.as_str())
            .collect();
        assert_eq!(starts, ["no", "just", "done"]);
    }

    #[test]
    fn questions_are_told_from_statements() {
        for q in [
            "How many users do we have?",
            "what is the read/write ratio",
            "Do links expire",
            "Should we use a cache here",
            "Is it read-heavy",
            "How much storage per day",
            "Are there limits on the alias length",
            "Can users edit a link after creating it",
            "Why not just hash the URL",
        ] {
            assert!(is_question(q), "{q}");
        }
        for s in [
            "Should handle about ten thousand writes per second.",
            "We shard by user id.",
            "I would start with the API.",
            "When the leader dies, a follower takes over.",
            "How it works: the client hashes the key",
            "Which is why we cache at the edge.",
            "Do not cache private data.",
            "Is best kept small, about 500 bytes.",
            "What matters most is redirect latency.",
        ] {
            assert!(!is_question(s), "{s}");
        }
        assert!(asks("Links never expire. How many writes per second?"));
        assert!(!asks("How many writes? About 1,200 per second at peak."));
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
    fn headings_split_the_answer_into_stage_sections() {
        let fw = crate::framework::Frameworks::embedded().unwrap();
        let sections = sections(
            "intro\n## Requirements\nshort links\n## Notes\nmore\n## Scaling it\nshards",
            fw.get(crate::framework::Kind::Design),
        );
        assert_eq!(sections.len(), 4);
        assert_eq!(sections[0].stage, None);
        assert_eq!(sections[1].stage.as_deref(), Some("requirements"));
        // A heading naming no stage continues the one before.
        assert_eq!(sections[2].stage.as_deref(), Some("requirements"));
        assert_eq!(sections[3].stage.as_deref(), Some("bottlenecks"));
    }
}
