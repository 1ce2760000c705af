//! Getting JSON out of a model. Servers differ: some enforce a JSON Schema, some only "a JSON
//! object", some neither. The ladder tries `json_schema`, falls back to `json_object` and then to
//! plain instructions when the server rejects a level, remembers per endpoint which level worked,
//! extracts JSON from code fences or surrounding prose, checks it, and asks once more with the
//! error before giving up with a typed error.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use serde_json::Value;

use crate::llm::{ChatModel, ChatRequest, LlmError, Message, ResponseFormat};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StructuredLevel {
    JsonSchema,
    JsonObject,
    Prompt,
}

impl StructuredLevel {
    fn next(self) -> Option<StructuredLevel> {
        match self {
            StructuredLevel::JsonSchema => Some(StructuredLevel::JsonObject),
            StructuredLevel::JsonObject => Some(StructuredLevel::Prompt),
            StructuredLevel::Prompt => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StructuredLevel::JsonSchema => "json_schema",
            StructuredLevel::JsonObject => "json_object",
            StructuredLevel::Prompt => "prompt-only JSON",
        }
    }
}

/// Which level worked, per endpoint and model, for the rest of the process.
static LEVELS: LazyLock<Mutex<HashMap<String, StructuredLevel>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The level to start at for `endpoint` (the best one, unless a lower one is known to work).
pub fn remembered(endpoint: &str) -> StructuredLevel {
    LEVELS
        .lock()
        .expect("levels lock")
        .get(endpoint)
        .copied()
        .unwrap_or(StructuredLevel::JsonSchema)
}

fn remember(endpoint: &str, level: StructuredLevel) {
    LEVELS
        .lock()
        .expect("levels lock")
        .insert(endpoint.to_owned(), level);
}

/// A status that means "this server does not accept that response_format".
fn rejects_format(err: &LlmError) -> bool {
    matches!(
        err,
        LlmError::Status {
            status: 400 | 415 | 422 | 501,
            ..
        }
    )
}

/// `request` as sent at `level` of the ladder. At the prompt-only level the demand for bare
/// JSON joins the last user message, so roles still alternate.
pub fn prepare(
    request: &ChatRequest,
    level: StructuredLevel,
    schema_name: &str,
    schema: &Value,
) -> ChatRequest {
    let mut attempt = request.clone();
    attempt.response_format = match level {
        StructuredLevel::JsonSchema => Some(ResponseFormat::JsonSchema {
            name: schema_name.to_owned(),
            schema: schema.clone(),
        }),
        StructuredLevel::JsonObject => Some(ResponseFormat::JsonObject),
        StructuredLevel::Prompt => {
            const BARE: &str =
                "Reply with only the JSON object described above: no prose, no code fences.";
            match attempt.messages.last_mut() {
                Some(last) if last.role == crate::llm::Role::User => {
                    last.content.push_str("\n\n");
                    last.content.push_str(BARE);
                }
                _ => attempt.messages.push(Message::user(BARE)),
            }
            None
        }
    };
    attempt
}

/// Asks `model` for JSON matching `schema` and converts it with `check`, which returns a
/// message describing what is wrong when the value is not usable. Returns the value and the
/// level that produced it.
pub async fn complete_json<T>(
    model: &dyn ChatModel,
    endpoint: &str,
    request: ChatRequest,
    schema_name: &str,
    schema: &Value,
    check: impl Fn(&Value) -> Result<T, String>,
) -> Result<(T, StructuredLevel), LlmError> {
    let mut level = remembered(endpoint);
    let prepare = |level: StructuredLevel| prepare(&request, level, schema_name, schema);
    let (mut request, reply) = loop {
        let attempt = prepare(level);
        match model.complete(attempt.clone()).await {
            Ok(completion) => {
                remember(endpoint, level);
                break (attempt, usable(completion)?);
            }
            Err(err) if rejects_format(&err) => match level.next() {
                Some(lower) => level = lower,
                None => return Err(err),
            },
            Err(err) => return Err(err),
        }
    };

    let problem = match parse_and_check(&reply, &check) {
        Ok(value) => return Ok((value, level)),
        Err(problem) => problem,
    };
    // One re-ask, carrying the parse error.
    request.messages.push(Message::assistant(reply));
    request.messages.push(Message::user(format!(
        "That reply could not be used: {problem}. Answer again with only the JSON object, exactly as the schema describes."
    )));
    let again = usable(model.complete(request).await?)?;
    parse_and_check(&again, &check)
        .map(|value| (value, level))
        .map_err(|detail| LlmError::BadOutput {
            what: "as JSON after one retry".into(),
            detail,
        })
}

/// The text of a completion that ended normally; a refusal, a content filter or running out of
/// tokens is said as such instead of as "no JSON found".
/// The reply's text, unless the model refused, ran out of tokens or was filtered.
pub(crate) fn usable(completion: crate::llm::Completion) -> Result<String, LlmError> {
    if let Some(reason) = completion.refusal.filter(|r| !r.trim().is_empty()) {
        return Err(LlmError::Refused(reason));
    }
    match completion.finish_reason.as_deref() {
        Some("length") => Err(LlmError::OutOfTokens),
        Some("content_filter") => Err(LlmError::Refused(
            "the server's content filter stopped the reply".into(),
        )),
        _ => Ok(completion.text),
    }
}

/// The JSON object in `reply`, checked by `check`; the message says what is wrong.
pub(crate) fn parse_and_check<T>(
    reply: &str,
    check: &impl Fn(&Value) -> Result<T, String>,
) -> Result<T, String> {
    let value = extract_json(reply).ok_or_else(|| {
        let excerpt: String = reply.chars().take(80).collect();
        format!("no JSON object found in the reply (it began: {excerpt:?})")
    })?;
    check(&value)
}

/// Finds the JSON object in a reply: the whole text, a fenced block, or the first balanced
/// `{…}` in surrounding prose that parses.
pub fn extract_json(reply: &str) -> Option<Value> {
    let trimmed = reply.trim();
    if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(trimmed) {
        return Some(v);
    }
    if let Some(fenced) = fenced_block(trimmed)
        && let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(fenced.trim())
    {
        return Some(v);
    }
    let bytes = trimmed.as_bytes();
    let mut start = 0;
    while let Some(offset) = trimmed[start..].find('{') {
        let open = start + offset;
        if let Some(close) = balanced_end(bytes, open)
            && let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(&trimmed[open..=close])
        {
            return Some(v);
        }
        start = open + 1;
    }
    None
}

fn fenced_block(text: &str) -> Option<&str> {
    let open = text.find("```")?;
    let after = &text[open + 3..];
    let body_start = after.find('\n')? + 1;
    let body = &after[body_start..];
    let close = body.find("```")?;
    Some(&body[..close])
}

/// Index of the `}` closing the `{` at `open`, skipping braces inside strings.
fn balanced_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_found_in_fences_and_prose() {
        assert_eq!(
            extract_json(r#"{"a":1}"#),
            Some(serde_json::json!({"a": 1}))
        );
        assert_eq!(
            extract_json("Here you go:\n```json\n{\"a\": {\"b\": \"}\"}}\n```\nThanks"),
            Some(serde_json::json!({"a": {"b": "}"}}))
        );
        assert_eq!(
            extract_json("Sure! The verdicts are {\"a\": [1, 2]} as requested."),
            Some(serde_json::json!({"a": [1, 2]}))
        );
        assert_eq!(
            extract_json("{not json} then {\"ok\": true}"),
            Some(serde_json::json!({"ok": true}))
        );
        assert_eq!(extract_json("no json here"), None);
        assert_eq!(extract_json("[1, 2]"), None);
    }
}
