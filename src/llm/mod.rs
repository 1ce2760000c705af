//! The OpenAI-compatible chat client the interviewer and the judge talk through.
//!
//! Interview and scoring code depend on the small [`ChatModel`] trait, not on HTTP, so they can
//! be tested with a fake; [`client::OpenAiClient`] is the real implementation.

pub mod batch;
pub mod client;
pub mod error;
pub mod redact;
mod retry;
mod sse;
pub mod structured;

use std::pin::Pin;

use futures_util::Stream;
use serde::{Deserialize, Serialize};

pub use client::{ClientSettings, OpenAiClient};
pub use error::LlmError;
pub use structured::StructuredLevel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Message {
        Message {
            role: Role::System,
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> Message {
        Message {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// How the reply should be formatted, for servers that support it.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    /// Constrained to a JSON Schema (`response_format: {type: json_schema}`).
    JsonSchema {
        name: String,
        schema: serde_json::Value,
    },
    /// Any JSON object (`response_format: {type: json_object}`).
    JsonObject,
}

/// One chat completion request; the model is the client's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub temperature: Option<f32>,
    pub seed: Option<u64>,
    pub max_tokens: Option<u32>,
    pub response_format: Option<ResponseFormat>,
}

impl ChatRequest {
    pub fn new(messages: Vec<Message>) -> ChatRequest {
        ChatRequest {
            messages,
            ..ChatRequest::default()
        }
    }
}

/// Token counts, when the server reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: String,
    pub usage: Option<Usage>,
    pub finish_reason: Option<String>,
    /// Why the model declined, when the server says so (OpenAI's `message.refusal`).
    pub refusal: Option<String>,
}

/// What a streaming completion yields.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// More text of the reply.
    Delta(String),
    /// Token counts (usually in the last chunk, when the server sends them at all).
    Usage(Usage),
    /// The reply is complete.
    Done { finish_reason: Option<String> },
}

pub type BoxFuture<'a, T> = Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
pub type EventStream<'a> = Pin<Box<dyn Stream<Item = Result<StreamEvent, LlmError>> + Send + 'a>>;

/// A chat model: the one interface interview and scoring code use.
pub trait ChatModel: Send + Sync {
    /// Name of the model answering, for labels such as "LLM judge (gpt-4o-mini)".
    fn model_name(&self) -> &str;

    /// A whole reply at once.
    fn complete<'a>(&'a self, request: ChatRequest) -> BoxFuture<'a, Result<Completion, LlmError>>;

    /// A reply as it is generated. Dropping the stream cancels the request.
    fn stream<'a>(&'a self, request: ChatRequest) -> EventStream<'a>;
}

/// Collects a stream into a completion (what a non-streaming caller would have received).
pub async fn collect(mut stream: EventStream<'_>) -> Result<Completion, LlmError> {
    use futures_util::StreamExt;
    let mut text = String::new();
    let mut usage = None;
    let mut finish_reason = None;
    while let Some(event) = stream.next().await {
        match event? {
            StreamEvent::Delta(d) => text.push_str(&d),
            StreamEvent::Usage(u) => usage = Some(u),
            StreamEvent::Done { finish_reason: f } => finish_reason = f,
        }
    }
    Ok(Completion {
        text,
        usage,
        finish_reason,
        refusal: None,
    })
}
