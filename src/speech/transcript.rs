//! A transcription as rehearse keeps it: the text, and the word and segment timings when the
//! server gives them. Read from the shapes OpenAI-compatible servers send: a top-level `words`
//! list (OpenAI, Groq), words inside each segment (whisper.cpp's server, faster-whisper), only
//! segments, or only the text.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub text: String,
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<Word>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite() && *x >= 0.0)
}

fn timed(v: &Value, text_key: &str) -> Option<(String, f64, f64)> {
    let text = v[text_key].as_str()?.to_owned();
    let start = number(&v["start"])?;
    let end = number(&v["end"])?;
    Some((text, start, end.max(start)))
}

impl Transcript {
    /// Reads a transcription response: `verbose_json` in any of its shapes, or plain `json`
    /// (`{"text": …}`). `None` when it has no text at all.
    pub fn from_response(body: &Value) -> Option<Transcript> {
        let text = body["text"].as_str()?.trim().to_owned();
        let segments: Vec<Segment> = body["segments"]
            .as_array()
            .map(|segs| {
                segs.iter()
                    .filter_map(|s| timed(s, "text"))
                    .map(|(text, start, end)| Segment {
                        text: text.trim().to_owned(),
                        start,
                        end,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let word = |w: &Value| {
            timed(w, "word").map(|(text, start, end)| Word {
                text: text.trim().to_owned(),
                start,
                end,
            })
        };
        let mut words: Vec<Word> = body["words"]
            .as_array()
            .map(|ws| ws.iter().filter_map(word).collect())
            .unwrap_or_default();
        if words.is_empty() {
            // whisper.cpp and faster-whisper put the words inside each segment.
            words = body["segments"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s["words"].as_array().into_iter().flatten())
                .filter_map(word)
                .collect();
        }
        words.retain(|w| !w.text.is_empty());
        Some(Transcript {
            text,
            words,
            segments,
            language: body["language"].as_str().map(str::to_owned),
        })
    }

    pub fn has_word_times(&self) -> bool {
        !self.words.is_empty()
    }

    pub fn words_timed(&self) -> &[Word] {
        &self.words
    }

    /// The words said, with their punctuation: from the timed words when there are any, else
    /// from the text.
    pub fn words(&self) -> Vec<String> {
        if self.has_word_times() {
            self.words
                .iter()
                .flat_map(|w| w.text.split_whitespace())
                .map(str::to_owned)
                .collect()
        } else {
            self.text.split_whitespace().map(str::to_owned).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_response_shape_is_read() {
        let openai = json!({"text": "Um, the cache.", "words": [
            {"word": "Um,", "start": 0.0, "end": 0.3},
            {"word": "the", "start": 0.4, "end": 0.5},
            {"word": "cache.", "start": 0.5, "end": 0.9}
        ], "segments": [{"id": 0, "text": " Um, the cache.", "start": 0.0, "end": 0.9}]});
        let t = Transcript::from_response(&openai).unwrap();
        assert_eq!(t.words.len(), 3);
        assert_eq!(t.segments.len(), 1);
        assert_eq!(t.words(), ["Um,", "the", "cache."]);

        let whisper_cpp = json!({"text": " the cache", "segments": [
            {"text": " the cache", "start": 0.0, "end": 1.0, "words": [
                {"word": " the", "start": 0.0, "end": 0.3},
                {"word": " cache", "start": 0.3, "end": 1.0}
            ]}
        ]});
        let t = Transcript::from_response(&whisper_cpp).unwrap();
        assert_eq!(
            t.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["the", "cache"]
        );

        let segments_only =
            json!({"text": "a b", "segments": [{"text": "a b", "start": 1.0, "end": 2.0}]});
        let t = Transcript::from_response(&segments_only).unwrap();
        assert!(!t.has_word_times());
        assert_eq!(t.segments[0].start, 1.0);

        let plain = json!({"text": "just text"});
        let t = Transcript::from_response(&plain).unwrap();
        assert_eq!(t.words(), ["just", "text"]);
        assert!(Transcript::from_response(&json!({"error": "x"})).is_none());
    }
}
