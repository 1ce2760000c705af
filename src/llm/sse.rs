//! Server-sent events of a streaming chat completion, as real servers send them: comment and
//! keep-alive lines, events split across network reads (and UTF-8 characters split with them,
//! which `eventsource-stream` reassembles), chunks with empty `choices`, no `usage`, a missing
//! `data: [DONE]`, and errors delivered inside a 200 response.

use std::collections::VecDeque;

use eventsource_stream::Eventsource;
use futures_util::{Stream, StreamExt};
use serde::Deserialize;

use crate::llm::error::{LlmError, error_message};
use crate::llm::{StreamEvent, Usage};

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    usage: Option<UsageWire>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

/// Usage as servers send it; missing counts are zero.
#[derive(Deserialize, Default)]
pub(crate) struct UsageWire {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
}

impl From<UsageWire> for Usage {
    fn from(u: UsageWire) -> Usage {
        let prompt = u.prompt_tokens.unwrap_or(0);
        let completion = u.completion_tokens.unwrap_or(0);
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: u.total_tokens.unwrap_or(prompt + completion),
        }
    }
}

/// What one `data:` payload means.
pub(crate) enum Parsed {
    Events(Vec<StreamEvent>),
    Done,
}

/// Interprets the payload of one SSE event.
pub(crate) fn parse_data(data: &str, url: &str) -> Result<Parsed, LlmError> {
    let data = data.trim();
    if data == "[DONE]" {
        return Ok(Parsed::Done);
    }
    if data.is_empty() {
        return Ok(Parsed::Events(Vec::new()));
    }
    let chunk: Chunk = serde_json::from_str(data).map_err(|e| LlmError::NotCompatible {
        url: url.to_owned(),
        detail: format!("a stream event is not a chat completion chunk ({e})"),
    })?;
    if let Some(error) = chunk.error {
        return Err(LlmError::InStream {
            message: error_message(&serde_json::json!({ "error": error }).to_string()),
        });
    }
    let mut events = Vec::new();
    let mut finish = None;
    for choice in chunk.choices {
        if let Some(text) = choice.delta.and_then(|d| d.content)
            && !text.is_empty()
        {
            events.push(StreamEvent::Delta(text));
        }
        if choice.finish_reason.is_some() {
            finish = choice.finish_reason;
        }
    }
    if let Some(usage) = chunk.usage {
        events.push(StreamEvent::Usage(usage.into()));
    }
    if finish.is_some() {
        // Remembered until the stream ends; `Done` is emitted once, last.
        events.push(StreamEvent::Done {
            finish_reason: finish,
        });
    }
    Ok(Parsed::Events(events))
}

/// Turns a byte stream of SSE into stream events. Exactly one `Done` ends a successful stream:
/// one the server finished with `[DONE]` or a finish reason. A stream that just stops (the
/// socket closed mid-reply) ends in [`LlmError::Incomplete`] instead, and an `event: error`
/// in [`LlmError::InStream`], so a cut-off reply is never mistaken for a whole one.
pub(crate) fn events<S, B, E>(
    bytes: S,
    url: String,
) -> impl Stream<Item = Result<StreamEvent, LlmError>> + Send
where
    S: Stream<Item = Result<B, E>> + Send + Unpin + 'static,
    B: AsRef<[u8]> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    struct State<S> {
        sse: S,
        queue: VecDeque<StreamEvent>,
        finish_reason: Option<String>,
        finished: bool,
        url: String,
    }
    let state = State {
        sse: bytes.eventsource(),
        queue: VecDeque::new(),
        finish_reason: None,
        finished: false,
        url,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(event) = st.queue.pop_front() {
                return Some((Ok(event), st));
            }
            if st.finished {
                return None;
            }
            match st.sse.next().await {
                None if st.finish_reason.is_some() => {
                    st.finished = true;
                    st.queue.push_back(StreamEvent::Done {
                        finish_reason: st.finish_reason.take(),
                    });
                }
                None => {
                    st.finished = true;
                    return Some((
                        Err(LlmError::Incomplete(
                            "the server closed the connection before finishing the reply".into(),
                        )),
                        st,
                    ));
                }
                Some(Ok(event)) if event.event == "error" => {
                    st.finished = true;
                    let message = error_message(&event.data);
                    return Some((Err(LlmError::InStream { message }), st));
                }
                Some(Err(e)) => {
                    st.finished = true;
                    return Some((Err(LlmError::Transport(e.to_string())), st));
                }
                Some(Ok(event)) => match parse_data(&event.data, &st.url) {
                    Ok(Parsed::Done) => {
                        st.finished = true;
                        st.queue.push_back(StreamEvent::Done {
                            finish_reason: st.finish_reason.take(),
                        });
                    }
                    Ok(Parsed::Events(events)) => {
                        for e in events {
                            match e {
                                StreamEvent::Done { finish_reason } => {
                                    st.finish_reason = finish_reason
                                }
                                other => st.queue.push_back(other),
                            }
                        }
                    }
                    Err(e) => {
                        st.finished = true;
                        return Some((Err(e), st));
                    }
                },
            }
        }
    })
}
