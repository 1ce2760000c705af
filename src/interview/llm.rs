//! The LLM interviewer. Its requests are built so a local model's prompt cache does the work:
//!
//! - the system prompt (`prompts/interviewer.system.jinja`: persona, question, stages, facts,
//!   rules) is the same for every turn of a session;
//! - the conversation follows as strictly alternating user and assistant messages (strict chat
//!   templates reject anything else), stage changes marked inside the user messages;
//! - what changes from turn to turn (stage and clock, steering, the fact that answers the
//!   candidate's question, the point to probe) is a short section at the end of the last user
//!   message (`prompts/interviewer.turn.jinja`), so only the latest exchange is new to the
//!   server.
//!
//! The reply streams; a trailing private note after [`NOTES_MARKER`] is hidden from the
//! candidate and kept for the judge.

use std::collections::VecDeque;

use futures_util::StreamExt;
use serde::Serialize;
use serde_json::json;

use crate::interview::{Interviewer, ReplyEvent, ReplyStream, TurnContext};
use crate::llm::{ChatModel, ChatRequest, EventStream, LlmError, Message, Role, StreamEvent};
use crate::prompts::{self, PromptError};
use crate::session::{Speaker, TurnKind};
use crate::ui;

/// Separates the visible reply from the private note in the model's output.
pub const NOTES_MARKER: &str = "[[notes]]";
/// Around the per-turn section at the end of the last user message.
pub const CONTEXT_OPEN: &str = "[interview context]";
pub const CONTEXT_CLOSE: &str = "[end of interview context]";

/// Sampling for the interviewer: a little variety, bounded length.
const TEMPERATURE: f32 = 0.4;
const MAX_TOKENS: u32 = 400;

/// Opens the conversation, so it starts with the candidate as strict templates require.
const START: &str = "(The candidate joins the interview.)";

pub struct LlmInterviewer {
    pub model: Box<dyn ChatModel>,
}

impl Interviewer for LlmInterviewer {
    fn reply<'a>(&'a self, turn: &'a TurnContext<'a>) -> ReplyStream<'a> {
        let request = match request(turn) {
            Ok(request) => request,
            Err(e) => {
                let error = LlmError::BadOutput {
                    what: "interviewer prompt".into(),
                    detail: e.to_string(),
                };
                return futures_util::stream::iter([Err(error)]).boxed();
            }
        };
        let steer = turn.steer;
        let kind = if steer.designing_early || steer.overtime.is_some() {
            TurnKind::Nudge
        } else if steer.asked {
            TurnKind::Clarification
        } else {
            TurnKind::Reply
        };
        let reading = Reading {
            upstream: self.model.stream(request),
            filter: NotesFilter::default(),
            pending: VecDeque::from([Ok(ReplyEvent::Line {
                kind,
                nudges: steer.nudges(),
            })]),
            done: false,
        };
        futures_util::stream::unfold(reading, Reading::next).boxed()
    }
}

/// The model's stream being turned into reply events.
struct Reading<'a> {
    upstream: EventStream<'a>,
    filter: NotesFilter,
    pending: VecDeque<Result<ReplyEvent, LlmError>>,
    done: bool,
}

impl<'a> Reading<'a> {
    async fn next(mut self) -> Option<(Result<ReplyEvent, LlmError>, Reading<'a>)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((event, self));
            }
            if self.done {
                return None;
            }
            match self.upstream.next().await {
                Some(Ok(StreamEvent::Delta(delta))) => {
                    let visible = self.filter.push(&delta);
                    if !visible.is_empty() {
                        self.pending.push_back(Ok(ReplyEvent::Text(visible)));
                    }
                }
                Some(Ok(StreamEvent::Usage(_))) => {}
                Some(Ok(StreamEvent::Done { .. })) | None => {
                    self.done = true;
                    let (rest, note) = std::mem::take(&mut self.filter).finish();
                    if !rest.is_empty() {
                        self.pending.push_back(Ok(ReplyEvent::Text(rest)));
                    }
                    if let Some(note) = note {
                        self.pending.push_back(Ok(ReplyEvent::Note(note)));
                    }
                }
                Some(Err(e)) => {
                    self.done = true;
                    self.pending.push_back(Err(e));
                }
            }
        }
    }
}

#[derive(Serialize)]
struct StageForPrompt {
    title: String,
    goal: String,
    budget: String,
}

/// The request for the interviewer's reply to the candidate's latest turn.
pub fn request(turn: &TurnContext<'_>) -> Result<ChatRequest, PromptError> {
    Ok(ChatRequest {
        messages: messages(turn)?,
        temperature: Some(TEMPERATURE),
        max_tokens: Some(MAX_TOKENS),
        ..ChatRequest::default()
    })
}

/// The system prompt: the same for every turn of the session.
fn system_prompt(turn: &TurnContext<'_>) -> Result<String, PromptError> {
    let (question, session) = (turn.question, turn.session);
    let stages: Vec<StageForPrompt> = turn
        .framework
        .stages
        .iter()
        .zip(&session.stages)
        .map(|(stage, clock)| StageForPrompt {
            title: stage.title.clone(),
            goal: stage.goal.clone(),
            budget: ui::clock(clock.budget_secs),
        })
        .collect();
    prompts::render(
        "interviewer.system.jinja",
        json!({
            "kind": question.kind.as_str(),
            "minutes": session.minutes,
            "question": question,
            "stages": stages,
            "facts": question.facts,
            "marker": NOTES_MARKER,
            "context_open": CONTEXT_OPEN,
            "context_close": CONTEXT_CLOSE,
        }),
    )
}

/// The section that ends the last user message: what is true of this turn only.
fn turn_context(turn: &TurnContext<'_>) -> Result<String, PromptError> {
    let session = turn.session;
    let steer = turn.steer;
    let clock = session.stage();
    let assessment = steer.assessment.as_ref();
    prompts::render(
        "interviewer.turn.jinja",
        json!({
            "context_open": CONTEXT_OPEN,
            "context_close": CONTEXT_CLOSE,
            "stage_number": session.stage_index + 1,
            "stage_count": session.stages.len(),
            "stage": turn.framework.stage_title(&clock.id),
            "elapsed": ui::clock(session.stage_elapsed_secs(turn.now)),
            "budget": ui::clock(clock.budget_secs),
            "fact": steer.fact.as_ref().map(|f| f.answer.as_str()),
            "designing_early": steer.designing_early,
            "overtime": steer.overtime,
            "stage_covered": steer.stage_covered,
            "probe": assessment.and_then(|a| a.next_ask.as_deref()),
            "heard": assessment.and_then(|a| a.heard.as_deref()),
            "diagram_warnings": steer.diagram.as_ref().map(|d| d.warnings.clone()),
        }),
    )
}

/// The whole conversation as chat messages: system, then user and assistant strictly in turn.
pub fn messages(turn: &TurnContext<'_>) -> Result<Vec<Message>, PromptError> {
    let mut messages = vec![Message::system(system_prompt(turn)?), Message::user(START)];
    let mut stage = turn
        .session
        .turns
        .first()
        .map(|t| t.stage.clone())
        .unwrap_or_default();
    for t in &turn.session.turns {
        let mut text = scrub(&t.text);
        // Every stage change is marked in the next thing the candidate says.
        if t.stage != stage && t.speaker == Speaker::Candidate {
            stage.clone_from(&t.stage);
            let title = turn.framework.stage_title(&stage);
            text = format!("(We are now in the {title} stage.)\n{text}");
        }
        let role = match t.speaker {
            Speaker::Candidate => Role::User,
            Speaker::Interviewer => Role::Assistant,
        };
        push_merged(&mut messages, role, text);
    }
    let context = turn_context(turn)?;
    match messages.last_mut() {
        Some(last) if last.role == Role::User => {
            last.content.push_str("\n\n");
            last.content.push_str(&context);
        }
        _ => messages.push(Message::user(context)),
    }
    Ok(messages)
}

/// Appends a message, joining it to the last one when both have the same role.
fn push_merged(messages: &mut Vec<Message>, role: Role, text: String) {
    match messages.last_mut() {
        Some(last) if last.role == role => {
            last.content.push_str("\n\n");
            last.content.push_str(&text);
        }
        _ => messages.push(Message {
            role,
            content: text,
        }),
    }
}

/// A candidate cannot forge the software's context section: its markers are removed from
/// what anyone typed.
fn scrub(text: &str) -> String {
    let mut out = text.to_owned();
    for marker in [CONTEXT_OPEN, CONTEXT_CLOSE] {
        while let Some(at) = out.to_ascii_lowercase().find(marker) {
            out.replace_range(at..at + marker.len(), "");
        }
    }
    out
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
