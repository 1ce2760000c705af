//! Taking an interviewer's reply: reading its stream to the end (or until the candidate
//! cancels it, or it runs away), showing each piece as it arrives, then recording what was
//! said in the session. Shared by the REPL and the tests; the terminal is only the `show`
//! callback.

use std::future::Future;
use std::pin::pin;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use crate::interview::{Line, ReplyEvent, ReplyStream};
use crate::llm::LlmError;
use crate::session::{Session, Speaker};

/// An interviewer's turn is a few sentences; a reply past this is a runaway model (or
/// server), stopped with a notice rather than shown and saved whole.
pub const MAX_REPLY_CHARS: usize = 16_000;

/// What the candidate is shown while a reply arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown<'a> {
    /// A line of the reply begins.
    LineStart,
    /// More of the current line.
    Text(&'a str),
}

/// A reply, read.
#[derive(Debug, Default)]
pub struct Reply {
    pub lines: Vec<Line>,
    /// The interviewer's private note for the judge.
    pub note: Option<String>,
    /// The candidate cancelled it part-way.
    pub interrupted: bool,
    /// It broke off: the stream failed, or it ran past [`MAX_REPLY_CHARS`].
    pub error: Option<LlmError>,
}

/// Reads `stream` until it ends, `cancel` completes or the reply runs away. Text arrives in
/// `show` as it comes; what was shown is what is kept.
pub async fn take(
    stream: ReplyStream<'_>,
    cancel: impl Future<Output = ()>,
    mut show: impl FnMut(Shown<'_>),
) -> Reply {
    let mut reply = Reply::default();
    let mut stream = stream;
    let mut cancel = pin!(cancel);
    let mut chars = 0;
    loop {
        let event = tokio::select! {
            biased;
            () = &mut cancel => {
                reply.interrupted = true;
                break;
            }
            event = stream.next() => event,
        };
        match event {
            None => break,
            Some(Ok(ReplyEvent::Line { kind, nudges })) => {
                show(Shown::LineStart);
                reply.lines.push(Line {
                    kind,
                    text: String::new(),
                    nudges,
                });
            }
            Some(Ok(ReplyEvent::Text(text))) => {
                let room = MAX_REPLY_CHARS.saturating_sub(chars);
                let text: String = text.chars().take(room).collect();
                chars += text.chars().count();
                show(Shown::Text(&text));
                if let Some(line) = reply.lines.last_mut() {
                    line.text.push_str(&text);
                }
                if chars >= MAX_REPLY_CHARS {
                    reply.error = Some(LlmError::Incomplete(format!(
                        "it passed {MAX_REPLY_CHARS} characters, so rehearse stopped reading it"
                    )));
                    break;
                }
            }
            Some(Ok(ReplyEvent::Note(note))) => reply.note = Some(note),
            Some(Err(e)) => {
                reply.error = Some(e);
                break;
            }
        }
    }
    reply
}

/// Records `reply` in `session`: each non-empty line as an interviewer turn (a cut-off one
/// marked so), and the note, tagged with its stage.
pub fn record(session: &mut Session, reply: &Reply, now: DateTime<Utc>) {
    let cut = reply.interrupted || reply.error.is_some();
    let last = reply.lines.len().saturating_sub(1);
    for (i, line) in reply.lines.iter().enumerate() {
        let text = line.text.trim();
        if text.is_empty() {
            continue;
        }
        session.push(Speaker::Interviewer, line.kind, text.to_owned(), now);
        if let Some(turn) = session.turns.last_mut() {
            turn.nudges.clone_from(&line.nudges);
            turn.interrupted = cut && i == last;
        }
    }
    if let Some(note) = &reply.note {
        let stage = session.stage().id.clone();
        session.notes.push(format!("[{stage}] {note}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::TurnKind;

    fn events(items: Vec<Result<ReplyEvent, LlmError>>) -> ReplyStream<'static> {
        futures_util::stream::iter(items).boxed()
    }

    fn start() -> ReplyEvent {
        ReplyEvent::Line {
            kind: TurnKind::Reply,
            nudges: vec![],
        }
    }

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn run(stream: ReplyStream<'static>) -> (Reply, Vec<String>) {
        let mut shown = Vec::new();
        let reply = block_on(take(stream, std::future::pending(), |s| {
            shown.push(match s {
                Shown::LineStart => "|".to_owned(),
                Shown::Text(t) => t.to_owned(),
            })
        }));
        (reply, shown)
    }

    #[test]
    fn pieces_are_shown_as_they_arrive_and_kept_whole() {
        let (reply, shown) = run(events(vec![
            Ok(start()),
            Ok(ReplyEvent::Text("How many ".into())),
            Ok(ReplyEvent::Text("users?".into())),
            Ok(ReplyEvent::Note("asked nothing yet".into())),
        ]));
        assert_eq!(shown, ["|", "How many ", "users?"]);
        assert_eq!(reply.lines[0].text, "How many users?");
        assert_eq!(reply.note.as_deref(), Some("asked nothing yet"));
        assert!(!reply.interrupted && reply.error.is_none());
    }

    #[test]
    fn a_runaway_reply_is_cut_with_an_error() {
        let long = "x".repeat(MAX_REPLY_CHARS + 10);
        let (reply, _) = run(events(vec![Ok(start()), Ok(ReplyEvent::Text(long))]));
        assert_eq!(reply.lines[0].text.chars().count(), MAX_REPLY_CHARS);
        assert!(matches!(reply.error, Some(LlmError::Incomplete(_))));
    }

    #[test]
    fn cancelling_keeps_what_arrived_and_marks_it_cut() {
        let stream =
            futures_util::stream::iter([Ok(start()), Ok(ReplyEvent::Text("Tell me".into()))])
                .chain(futures_util::stream::pending())
                .boxed();
        let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
        let mut cancel = Some(cancel);
        let reply = block_on(take(
            stream,
            async {
                let _ = cancelled.await;
            },
            |s| {
                if s == Shown::Text("Tell me") {
                    let _ = cancel.take().map(|tx| tx.send(()));
                }
            },
        ));
        assert!(reply.interrupted);
        assert_eq!(reply.lines[0].text, "Tell me");

        let bank = crate::bank::Bank::load(&[]).unwrap();
        let q = bank.find("url-shortener").unwrap();
        let framework = bank.frameworks().get(q.kind);
        let mut session = Session::new(
            "t".into(),
            q,
            framework,
            crate::session::Setup::offline(45),
            Utc::now(),
        );
        record(&mut session, &reply, Utc::now());
        let last = session.turns.last().unwrap();
        assert!(last.interrupted);
        assert_eq!(last.text, "Tell me");
    }
}
