//! Delivery metrics of a spoken answer: how long, how fast, how many fillers, how long the
//! pauses. Computed by rehearse from the transcriber's word timestamps, or from its segments,
//! or, when the server gives neither, from the audio itself with an energy-based speech
//! detector. Deterministic for the same input.
//!
//! - `speaking_secs`: time spent talking: words (or speech) closer than [`JOIN_GAP_SECS`]
//!   count as one stretch of talk, and the stretches are added up.
//! - `words_per_minute`: words over speaking time, so long pauses do not make a fast talker
//!   look slow.
//! - `fillers`: by the rules in `data/fillers.toml`, per minute of speaking time.
//! - `pauses.long`: silences of [`LONG_PAUSE_SECS`] or more between words; `longest_secs` the
//!   longest silence between words (or speech) at all.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use toml_spanner::{Context, Failed, FromToml, Item};

use crate::speech::transcript::Transcript;
use crate::tomlread::{self, List, Text, field, finish, opt_field};

pub const FILLERS_FILE: &str = "data/fillers.toml";
/// A silence at least this long is a long pause.
pub const LONG_PAUSE_SECS: f64 = 2.0;
/// Words closer than this belong to one stretch of talk.
pub const JOIN_GAP_SECS: f64 = 0.5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub duration_secs: f64,
    pub speaking_secs: f64,
    pub words: u32,
    pub words_per_minute: f64,
    pub fillers: Fillers,
    pub pauses: Pauses,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fillers {
    pub total: u32,
    pub per_minute: f64,
    pub by_word: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pauses {
    pub long: u32,
    pub longest_secs: f64,
}

/// What pace, fillers and pauses usually look like in an interview; outside these, the report
/// says something.
pub const SLOW_WPM: f64 = 110.0;
pub const FAST_WPM: f64 = 180.0;
pub const MANY_FILLERS_PER_MINUTE: f64 = 4.0;

impl Delivery {
    /// Metrics from a transcript of `duration_secs` of audio; `speech` gives the spans of
    /// speech the audio itself shows, used when the transcript has no timings.
    pub fn measure(transcript: &Transcript, duration_secs: f64, speech: &[(f64, f64)]) -> Delivery {
        let words = transcript.words();
        let spans: Vec<(f64, f64)> = if transcript.has_word_times() {
            transcript
                .words_timed()
                .iter()
                .map(|w| (w.start, w.end))
                .collect()
        } else if !transcript.segments.is_empty() {
            transcript
                .segments
                .iter()
                .map(|s| (s.start, s.end))
                .collect()
        } else {
            speech.to_vec()
        };
        let (speaking, pauses) = talk(&spans);
        let fillers = fillers_in(&words);
        let total: u32 = fillers.values().sum();
        let minutes = speaking / 60.0;
        let per_minute = |n: f64| {
            if minutes > 0.0 {
                round1(n / minutes)
            } else {
                0.0
            }
        };
        Delivery {
            duration_secs: round1(duration_secs),
            speaking_secs: round1(speaking),
            words: words.len() as u32,
            words_per_minute: per_minute(words.len() as f64).round(),
            fillers: Fillers {
                total,
                per_minute: per_minute(f64::from(total)),
                by_word: fillers,
            },
            pauses,
        }
    }

    /// One line for the REPL: "42 s · 148 wpm · 3 fillers (um ×2, you know) · longest pause
    /// 2.1 s".
    pub fn summary(&self) -> String {
        let fillers = match self.fillers.total {
            0 => "no fillers".to_owned(),
            n => {
                let mut by: Vec<(&String, &u32)> = self.fillers.by_word.iter().collect();
                by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let list: Vec<String> = by
                    .iter()
                    .map(|(w, n)| {
                        if **n > 1 {
                            format!("{w} ×{n}")
                        } else {
                            (*w).clone()
                        }
                    })
                    .collect();
                format!(
                    "{n} filler{} ({})",
                    if n == 1 { "" } else { "s" },
                    list.join(", ")
                )
            }
        };
        format!(
            "{:.0} s · {:.0} wpm · {fillers} · longest pause {:.1} s",
            self.duration_secs, self.words_per_minute, self.pauses.longest_secs
        )
    }

    /// Plain advice where a number is outside the usual range.
    pub fn advice(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.words >= 20 && self.words_per_minute < SLOW_WPM {
            out.push(format!(
                "Your pace ({:.0} words a minute) is slow for an interview; aim for 120–160 so the interviewer hears the whole design.",
                self.words_per_minute
            ));
        }
        if self.words >= 20 && self.words_per_minute > FAST_WPM {
            out.push(format!(
                "You speak fast ({:.0} words a minute); slow down to 120–160 and pause after each decision.",
                self.words_per_minute
            ));
        }
        if self.fillers.per_minute > MANY_FILLERS_PER_MINUTE {
            out.push(format!(
                "{:.1} fillers a minute: replace them with a short silence; a pause sounds more confident than \"um\".",
                self.fillers.per_minute
            ));
        }
        if self.pauses.long >= 3 {
            out.push(format!(
                "{} pauses of {LONG_PAUSE_SECS:.0} s or more: say what you are thinking about while you think (\"I'm weighing a cache against a replica\").",
                self.pauses.long
            ));
        }
        out
    }

    /// Several spoken turns as one: durations, words and fillers add up; rates are recomputed.
    pub fn combine(parts: &[Delivery]) -> Option<Delivery> {
        if parts.is_empty() {
            return None;
        }
        let speaking: f64 = parts.iter().map(|d| d.speaking_secs).sum();
        let words: u32 = parts.iter().map(|d| d.words).sum();
        let mut by_word = BTreeMap::new();
        for d in parts {
            for (w, n) in &d.fillers.by_word {
                *by_word.entry(w.clone()).or_insert(0) += n;
            }
        }
        let total: u32 = by_word.values().sum();
        let minutes = speaking / 60.0;
        let per_minute = |n: f64| {
            if minutes > 0.0 {
                round1(n / minutes)
            } else {
                0.0
            }
        };
        Some(Delivery {
            duration_secs: round1(parts.iter().map(|d| d.duration_secs).sum()),
            speaking_secs: round1(speaking),
            words,
            words_per_minute: per_minute(f64::from(words)).round(),
            fillers: Fillers {
                total,
                per_minute: per_minute(f64::from(total)),
                by_word,
            },
            pauses: Pauses {
                long: parts.iter().map(|d| d.pauses.long).sum(),
                longest_secs: parts
                    .iter()
                    .map(|d| d.pauses.longest_secs)
                    .fold(0.0, f64::max),
            },
        })
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Speaking time and the pauses between spans of speech (sorted by start).
fn talk(spans: &[(f64, f64)]) -> (f64, Pauses) {
    let mut spans: Vec<(f64, f64)> = spans.iter().copied().filter(|(s, e)| e >= s).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut speaking = 0.0;
    let mut pauses = Pauses::default();
    let mut run: Option<(f64, f64)> = None;
    for (start, end) in spans {
        match run {
            Some((rs, re)) => {
                let gap = start - re;
                if gap > 0.0 {
                    pauses.longest_secs = pauses.longest_secs.max(gap);
                    if gap >= LONG_PAUSE_SECS {
                        pauses.long += 1;
                    }
                }
                if gap < JOIN_GAP_SECS {
                    run = Some((rs, re.max(end)));
                } else {
                    speaking += re - rs;
                    run = Some((start, end));
                }
            }
            None => run = Some((start, end)),
        }
    }
    if let Some((rs, re)) = run {
        speaking += re - rs;
    }
    pauses.longest_secs = round1(pauses.longest_secs);
    (speaking, pauses)
}

/// One filler, as `data/fillers.toml` describes it.
#[derive(Debug, Clone)]
struct Filler {
    name: String,
    forms: Vec<Vec<String>>,
    not_after: Vec<String>,
    not_before: Vec<String>,
    set_off: bool,
    also_after: Vec<String>,
}

static FILLERS: LazyLock<Vec<Filler>> =
    LazyLock::new(|| crate::embedded::parse_data(FILLERS_FILE, parse_fillers));

struct RawFiller(Filler);

impl tomlread::Expected for RawFiller {
    fn expected() -> String {
        "[[filler]] tables".into()
    }
}

impl<'de> FromToml<'de> for RawFiller {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let name = field::<Text>(&mut th, "name");
        let forms = field::<List<Text>>(&mut th, "forms");
        let not_after = opt_field::<List<Text>>(&mut th, "not_after");
        let not_before = opt_field::<List<Text>>(&mut th, "not_before");
        let set_off = opt_field::<bool>(&mut th, "set_off");
        let also_after = opt_field::<List<Text>>(&mut th, "also_after");
        finish(
            th,
            &[
                "name",
                "forms",
                "not_after",
                "not_before",
                "set_off",
                "also_after",
            ],
        );
        let list = |l: Option<List<Text>>| -> Vec<String> {
            l.map(|l| l.0.into_iter().map(|t| t.0.to_lowercase()).collect())
                .unwrap_or_default()
        };
        Ok(RawFiller(Filler {
            name: name.ok_or(Failed)?.0,
            forms: forms
                .ok_or(Failed)?
                .0
                .into_iter()
                .map(|f| {
                    f.0.to_lowercase()
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect()
                })
                .collect(),
            not_after: list(not_after),
            not_before: list(not_before),
            set_off: set_off.unwrap_or(false),
            also_after: list(also_after),
        }))
    }
}

struct RawFillers(Vec<Filler>);

impl<'de> FromToml<'de> for RawFillers {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let fillers = field::<List<RawFiller>>(&mut th, "filler");
        finish(th, &["filler"]);
        Ok(RawFillers(
            fillers.ok_or(Failed)?.0.into_iter().map(|f| f.0).collect(),
        ))
    }
}

fn parse_fillers(file: &str, text: &str) -> Result<Vec<Filler>, Vec<tomlread::Problem>> {
    let arena = toml_spanner::Arena::new();
    match tomlread::read::<RawFillers>(file, text, &arena) {
        (Some(raw), problems) if problems.is_empty() => Ok(raw.0),
        (_, problems) => Err(tomlread::tidy(problems)),
    }
}

/// A spoken word as the filler rules see it: lowercase, without punctuation, and whether
/// punctuation set it off from the word before or after.
#[derive(Debug, Clone, PartialEq)]
struct Said {
    word: String,
    /// A comma, dash or ellipsis (or a sentence end) just before it.
    break_before: bool,
    /// A comma, dash or ellipsis (or a sentence end) just after it.
    break_after: bool,
}

/// The words of a transcript, with the punctuation around them noted.
fn said(words: &[String]) -> Vec<Said> {
    let mut out: Vec<Said> = Vec::new();
    let mut pending_break = true; // the start of the answer is the start of a sentence
    for raw in words {
        let leading = raw.starts_with(['-', '–', '—', '…', '.']);
        let core: String = raw
            .trim_matches(|c: char| !(c.is_alphanumeric() || c == '\''))
            .to_lowercase();
        let trailing = raw.ends_with([',', ';', ':', '.', '!', '?', '-', '–', '—', '…']);
        if core.is_empty() {
            // A dash or an ellipsis standing alone.
            if let Some(last) = out.last_mut() {
                last.break_after = true;
            }
            pending_break = true;
            continue;
        }
        out.push(Said {
            word: core,
            break_before: pending_break || leading,
            break_after: trailing,
        });
        pending_break = trailing;
    }
    out
}

/// Fillers by name in the spoken (or written) words, punctuation attached as transcribed.
pub fn fillers_in(words: &[String]) -> BTreeMap<String, u32> {
    let said = said(words);
    let mut counts = BTreeMap::new();
    let mut i = 0;
    while i < said.len() {
        let mut matched = None;
        for filler in FILLERS.iter() {
            for form in &filler.forms {
                let end = i + form.len();
                if end > said.len() || said[i..end].iter().zip(form).any(|(s, f)| s.word != *f) {
                    continue;
                }
                let before = i.checked_sub(1).map(|b| said[b].word.as_str());
                let after = said.get(end).map(|s| s.word.as_str());
                // Punctuation between the word before and this one cuts the link.
                let linked_before = before.filter(|_| !said[i].break_before);
                let linked_after = after.filter(|_| !said[end - 1].break_after);
                if linked_before.is_some_and(|b| filler.not_after.iter().any(|n| n == b)) {
                    continue;
                }
                if linked_after.is_some_and(|a| filler.not_before.iter().any(|n| n == a)) {
                    continue;
                }
                if filler.set_off {
                    let set_off = said[i].break_before
                        || said[end - 1].break_after
                        || linked_before.is_some_and(|b| filler.also_after.iter().any(|n| n == b));
                    if !set_off {
                        continue;
                    }
                }
                matched = Some((filler.name.clone(), form.len()));
                break;
            }
            if matched.is_some() {
                break;
            }
        }
        match matched {
            Some((name, len)) => {
                *counts.entry(name).or_insert(0) += 1;
                i += len;
            }
            None => i += 1,
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fillers(text: &str) -> BTreeMap<String, u32> {
        let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        fillers_in(&words)
    }

    fn count(text: &str, name: &str) -> u32 {
        fillers(text).get(name).copied().unwrap_or(0)
    }

    #[test]
    fn fillers_are_counted_but_the_same_words_in_their_ordinary_use_are_not() {
        let cases: &[(&str, &str, u32)] = &[
            ("Umm, let me think like, hmm… okay.", "um", 1),
            ("Umm, let me think like, hmm… okay.", "like", 1),
            ("Umm, let me think like, hmm… okay.", "hmm", 1),
            ("So, like, the cache sits in front.", "like", 1),
            ("I would like a cache in front of it.", "like", 0),
            ("It looks like a queue to me.", "like", 0),
            ("Like I said, we shard by user.", "like", 1),
            ("and like the writes go to the leader", "like", 1),
            ("What kind of database would you pick?", "kind of", 0),
            ("It is kind of slow under load.", "kind of", 1),
            ("You know, the leader can fail.", "you know", 1),
            ("Do you know what the read ratio is?", "you know", 0),
            ("I mean, we could shard it.", "I mean", 1),
            ("I mean that the cache is optional.", "I mean", 0),
            ("Basically we cache everything.", "basically", 1),
            ("uh the the uh queue", "uh", 2),
        ];
        for (text, name, want) in cases {
            assert_eq!(
                count(text, name),
                *want,
                "{name} in {text:?}: {:?}",
                fillers(text)
            );
        }
    }

    #[test]
    fn pauses_and_pace_come_from_word_times() {
        use crate::speech::transcript::{Transcript, Word};
        let word = |w: &str, start: f64, end: f64| Word {
            text: w.into(),
            start,
            end,
        };
        let transcript = Transcript {
            text: "um the cache sits in front".into(),
            words: vec![
                word("um", 0.0, 0.4),
                word("the", 0.5, 0.7),
                word("cache", 0.7, 1.0),
                // a 3-second silence
                word("sits", 4.0, 4.3),
                word("in", 4.3, 4.5),
                word("front", 4.5, 5.0),
            ],
            segments: vec![],
            language: None,
        };
        let d = Delivery::measure(&transcript, 6.0, &[]);
        assert_eq!(d.words, 6);
        assert_eq!(d.pauses.long, 1);
        assert_eq!(d.pauses.longest_secs, 3.0);
        assert_eq!(d.speaking_secs, 2.0);
        assert_eq!(d.words_per_minute, 180.0);
        assert_eq!(d.fillers.total, 1);
        assert_eq!(
            d.summary(),
            "6 s · 180 wpm · 1 filler (um) · longest pause 3.0 s"
        );
    }

    #[test]
    fn without_times_the_audio_gives_the_pauses() {
        use crate::speech::transcript::Transcript;
        let transcript = Transcript {
            text: "we shard by user id".into(),
            words: vec![],
            segments: vec![],
            language: None,
        };
        let d = Delivery::measure(&transcript, 10.0, &[(0.5, 2.0), (5.0, 6.5)]);
        assert_eq!(d.words, 5);
        assert_eq!(d.speaking_secs, 3.0);
        assert_eq!(d.pauses.long, 1);
        assert_eq!(d.pauses.longest_secs, 3.0);
    }
}
