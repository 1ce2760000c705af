//! The LLM interviewer: prompt from `prompts/interviewer.system.jinja` (persona, stages and
//! goals, the question's facts for consistent clarifications, steering decided by code), the
//! conversation so far, and a streamed reply whose trailing private note is hidden from the
//! candidate and kept for the judge.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::bank::Question;
use crate::framework::Framework;
use crate::interview::session::{Session, Speaker};
use crate::interview::steer::Steer;
use crate::llm::{ChatRequest, Message};
use crate::prompts::{self, PromptError};
use crate::ui;

/// Separates the visible reply from the private note in the model's output.
pub const NOTES_MARKER: &str = "[[notes]]";

#[derive(Serialize)]
struct StageForPrompt {
    title: String,
    goal: String,
    budget: String,
    elapsed: String,
    current: bool,
}

/// The request for the interviewer's next reply.
pub fn request(
    question: &Question,
    framework: &Framework,
    session: &Session,
    steer: &Steer,
    now: DateTime<Utc>,
) -> Result<ChatRequest, PromptError> {
    let stages: Vec<StageForPrompt> = framework
        .stages
        .iter()
        .zip(&session.stages)
        .enumerate()
        .map(|(i, (stage, clock))| StageForPrompt {
            title: stage.title.clone(),
            goal: stage.goal.clone(),
            budget: ui::clock(clock.budget_secs),
            elapsed: ui::clock(if i == session.stage_index {
                session.stage_elapsed_secs(now)
            } else {
                clock.spent_ms / 1000
            }),
            current: i == session.stage_index,
        })
        .collect();
    let system = prompts::render(
        "interviewer.system.jinja",
        json!({
            "kind": question.kind.as_str(),
            "minutes": session.minutes,
            "question": question,
            "stages": stages,
            "facts": question.facts,
            "designing_early": steer.designing_early,
            "overtime": steer.overtime,
            "marker": NOTES_MARKER,
        }),
    )?;
    let mut messages = vec![Message::system(system)];
    let mut stage = String::new();
    for turn in &session.turns {
        // Mark every stage change, so the model knows which stage each turn belongs to.
        if turn.stage != stage {
            stage.clone_from(&turn.stage);
            let title = framework.stage_title(&stage);
            messages.push(Message::user(format!(
                "(The interview is now in the {title} stage.)"
            )));
        }
        messages.push(match turn.speaker {
            Speaker::Candidate => Message::user(turn.text.clone()),
            Speaker::Interviewer => Message::assistant(turn.text.clone()),
        });
    }
    Ok(ChatRequest {
        messages,
        temperature: Some(0.4),
        max_tokens: Some(400),
        ..ChatRequest::default()
    })
}

/// Splits a streamed reply into what the candidate sees and the private note after
/// [`NOTES_MARKER`], without ever showing part of the marker: text that could be the start of
/// the marker is held back until it is clear.
#[derive(Debug, Default)]
pub struct NotesFilter {
    held: String,
    in_notes: bool,
    notes: String,
}

impl NotesFilter {
    /// Feeds a delta; returns the text that is safe to show now.
    pub fn push(&mut self, delta: &str) -> String {
        if self.in_notes {
            self.notes.push_str(delta);
            return String::new();
        }
        self.held.push_str(delta);
        // The marker in any case: a model writing `[[Notes]]` must not show its notes.
        // ASCII lowercasing keeps every byte offset, so positions found apply to `held`.
        let lower = self.held.to_ascii_lowercase();
        if let Some(at) = lower.find(NOTES_MARKER) {
            let visible = self.held[..at].to_owned();
            self.notes.push_str(&self.held[at + NOTES_MARKER.len()..]);
            self.held.clear();
            self.in_notes = true;
            return visible;
        }
        // Keep back the longest suffix that is a prefix of the marker.
        let keep = (1..NOTES_MARKER.len().min(self.held.len()) + 1)
            .rev()
            .find(|&n| {
                self.held.is_char_boundary(self.held.len() - n)
                    && NOTES_MARKER.starts_with(&lower[lower.len() - n..])
            })
            .unwrap_or(0);
        let split = self.held.len() - keep;
        let visible = self.held[..split].to_owned();
        self.held.drain(..split);
        visible
    }

    /// Ends the stream: returns the rest of the visible text and the note, if any.
    pub fn finish(self) -> (String, Option<String>) {
        let note = self.notes.trim().to_owned();
        (self.held, (!note.is_empty()).then_some(note))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pieces: &[&str]) -> (String, Option<String>) {
        let mut f = NotesFilter::default();
        let mut shown = String::new();
        for p in pieces {
            shown.push_str(&f.push(p));
        }
        let (rest, note) = f.finish();
        shown.push_str(&rest);
        (shown, note)
    }

    #[test]
    fn the_marker_is_matched_in_any_case() {
        let (shown, note) = run(&["Fine.\n[[No", "TES]] keen on caching"]);
        assert_eq!(shown.trim(), "Fine.");
        assert_eq!(note.as_deref(), Some("keen on caching"));
    }

    #[test]
    fn the_note_is_hidden_however_the_marker_is_split() {
        let full = "How many users?\n[[notes]] Asked about scale early: good.";
        for size in 1..full.len() {
            let pieces: Vec<String> = full
                .as_bytes()
                .chunks(size)
                .map(|c| String::from_utf8(c.to_vec()).unwrap())
                .collect();
            let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
            let (shown, note) = run(&refs);
            assert_eq!(shown, "How many users?\n", "chunk size {size}");
            assert_eq!(note.as_deref(), Some("Asked about scale early: good."));
        }
    }

    #[test]
    fn text_without_a_marker_is_shown_whole() {
        assert_eq!(
            run(&["Use [[", "brackets]] freely"]),
            ("Use [[brackets]] freely".into(), None)
        );
        assert_eq!(run(&["ends with [["]), ("ends with [[".into(), None));
    }
}
