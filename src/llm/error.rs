//! Errors from an endpoint, phrased so the user knows what to fix: the key, the model name, the
//! base URL, the server, or their quota. Error bodies come in several shapes
//! (`{"error":{"message":..}}`, `{"error":".."}`, `{"detail":..}`, HTML pages); all are read.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    #[error("cannot connect to {url}: {reason}. Is the server running, and is the base URL right?")]
    Connect { url: String, reason: String },

    #[error("the request to {url} timed out after {}s (raise --timeout or REHEARSE_TIMEOUT_SECS for slow models)", .after.as_secs())]
    Timeout { url: String, after: Duration },

    #[error("{}", status_message(*.status, .message, .model, .base_url))]
    Status {
        status: u16,
        message: String,
        model: String,
        base_url: String,
        /// How long the server asked us to wait (429/503), in milliseconds, when it said.
        retry_after_ms: Option<u64>,
    },

    #[error("the server reported an error in the middle of its reply: {message}")]
    InStream { message: String },

    #[error("{url} does not look like an OpenAI-compatible endpoint: {detail}")]
    NotCompatible { url: String, detail: String },

    #[error("the model's reply was not usable {what}: {detail}")]
    BadOutput { what: String, detail: String },

    #[error("the connection broke while reading the reply: {0}")]
    Transport(String),

    #[error("the reply was cut off: {0}")]
    Incomplete(String),

    #[error("the model refused to answer: {0}")]
    Refused(String),

    #[error(
        "the model ran out of tokens before finishing its reply (finish_reason \"length\"); use a model with a larger output limit"
    )]
    OutOfTokens,

    #[error("the reply is larger than {}; stopped reading", crate::files::human_bytes(*.0))]
    TooLarge(u64),
}

impl LlmError {
    /// The same error with every secret masked in the texts it carries (which may be the
    /// server's own words, or a URL with credentials).
    pub fn redacted(self, secrets: &crate::llm::redact::Secrets) -> LlmError {
        let r = |t: String| secrets.redact(&t);
        match self {
            LlmError::Connect { url, reason } => LlmError::Connect {
                url: r(url),
                reason: r(reason),
            },
            LlmError::Timeout { url, after } => LlmError::Timeout { url: r(url), after },
            LlmError::Status {
                status,
                message,
                model,
                base_url,
                retry_after_ms,
            } => LlmError::Status {
                status,
                message: r(message),
                model,
                base_url: r(base_url),
                retry_after_ms,
            },
            LlmError::InStream { message } => LlmError::InStream {
                message: r(message),
            },
            LlmError::NotCompatible { url, detail } => LlmError::NotCompatible {
                url: r(url),
                detail: r(detail),
            },
            LlmError::BadOutput { what, detail } => LlmError::BadOutput {
                what,
                detail: r(detail),
            },
            LlmError::Transport(t) => LlmError::Transport(r(t)),
            LlmError::Incomplete(t) => LlmError::Incomplete(r(t)),
            LlmError::Refused(t) => LlmError::Refused(r(t)),
            other @ (LlmError::OutOfTokens | LlmError::TooLarge(_)) => other,
        }
    }

    /// Whether another attempt might succeed: rate limits, server errors, refused connections.
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Connect { .. } => true,
            LlmError::Status {
                status, message, ..
            } => (*status == 429 && !is_quota(message)) || (500..600).contains(status),
            _ => false,
        }
    }

    /// One line saying what is wrong, for `rehearse doctor`.
    pub fn diagnosis(&self) -> String {
        match self {
            LlmError::Connect { url, .. } => format!("connection refused: nothing answers at {url}"),
            LlmError::Timeout { after, .. } => format!("timeout: no reply within {}s", after.as_secs()),
            LlmError::Status { status: 401, .. } => "wrong API key: the server rejected it (401)".into(),
            LlmError::Status { status: 403, .. } => "forbidden: the key has no access to this model (403)".into(),
            LlmError::Status { status: 404, message, model, .. } if mentions_model(message, model) => {
                format!("unknown model: the server has no model \"{model}\"")
            }
            LlmError::Status { status: 404, .. } => {
                "not found (404): the base URL is wrong or not OpenAI-compatible (it usually ends in /v1)".into()
            }
            LlmError::Status { status: 429, message, .. } if is_quota(message) => {
                "quota exhausted: the account has no credit left (429)".into()
            }
            LlmError::NotCompatible { .. } => "not an OpenAI-compatible server".into(),
            other => other.to_string(),
        }
    }
}

fn is_quota(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("quota") || m.contains("billing") || m.contains("credit")
}

fn mentions_model(message: &str, model: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("model") || (!model.is_empty() && m.contains(&model.to_ascii_lowercase()))
}

fn status_message(status: u16, message: &str, model: &str, base_url: &str) -> String {
    let detail = if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    };
    let hint = match status {
        400 => "the server rejected the request; check that the model supports chat completions"
            .to_owned(),
        401 => "the API key was rejected; check REHEARSE_API_KEY (or OPENAI_API_KEY)".to_owned(),
        403 => format!(
            "the API key is not allowed to use model \"{model}\"; check the key's permissions"
        ),
        404 if mentions_model(message, model) => {
            format!(
                "model \"{model}\" not found; check REHEARSE_MODEL (`rehearse doctor` lists the models)"
            )
        }
        404 => format!(
            "{base_url}/chat/completions not found; check REHEARSE_BASE_URL (it usually ends in /v1)"
        ),
        408 => "the server timed out the request".to_owned(),
        429 if is_quota(message) => {
            "quota exhausted; check the account's plan and billing".to_owned()
        }
        429 => "rate limited by the server; try again shortly or lower --jobs".to_owned(),
        s if (500..600).contains(&s) => {
            "the server failed; try again, or check its logs".to_owned()
        }
        _ => "unexpected response".to_owned(),
    };
    format!("HTTP {status} from {base_url}{detail} ({hint})")
}

/// Pulls a human message out of an error body of any common shape; falls back to a short,
/// tag-stripped excerpt for HTML or plain-text pages.
pub fn error_message(body: &str) -> String {
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
        let from = |v: &serde_json::Value| -> Option<String> {
            match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Object(o) => o
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned)
                    .or_else(|| Some(v.to_string())),
                serde_json::Value::Array(items) => Some(
                    items
                        .iter()
                        .map(|i| {
                            i.get("msg")
                                .and_then(|m| m.as_str())
                                .map(str::to_owned)
                                .unwrap_or_else(|| i.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            }
        };
        for key in ["error", "detail", "message"] {
            if let Some(m) = value.get(key).and_then(from) {
                return m;
            }
        }
        return crate::strings::clip(&value.to_string(), 200);
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    crate::strings::clip(&text.split_whitespace().collect::<Vec<_>>().join(" "), 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_of_every_shape_are_read() {
        assert_eq!(
            error_message(r#"{"error":{"message":"Invalid key","type":"auth"}}"#),
            "Invalid key"
        );
        assert_eq!(
            error_message(r#"{"error":"model 'x' not found"}"#),
            "model 'x' not found"
        );
        assert_eq!(error_message(r#"{"detail":"Not Found"}"#), "Not Found");
        assert_eq!(
            error_message(r#"{"detail":[{"loc":["body"],"msg":"field required"}]}"#),
            "field required"
        );
        assert_eq!(
            error_message("<html><body><h1>502 Bad Gateway</h1></body></html>"),
            "502 Bad Gateway"
        );
    }

    #[test]
    fn quota_errors_are_not_retried_but_rate_limits_are() {
        let status = |status, message: &str| LlmError::Status {
            status,
            message: message.into(),
            model: "m".into(),
            base_url: "http://x/v1".into(),
            retry_after_ms: None,
        };
        assert!(status(429, "Rate limit reached").is_retryable());
        assert!(!status(429, "You exceeded your current quota").is_retryable());
        assert!(status(503, "overloaded").is_retryable());
        assert!(!status(401, "bad key").is_retryable());
        assert!(!status(404, "no such model").is_retryable());
        assert!(
            status(429, "You exceeded your current quota")
                .diagnosis()
                .starts_with("quota exhausted")
        );
    }

    #[test]
    fn messages_name_the_likely_cause() {
        let e = LlmError::Status {
            status: 404,
            message: "The model `gpt-9` does not exist".into(),
            model: "gpt-9".into(),
            base_url: "https://api.openai.com/v1".into(),
            retry_after_ms: None,
        };
        assert!(
            e.to_string()
                .contains("model \"gpt-9\" not found; check REHEARSE_MODEL"),
            "{e}"
        );
        let e = LlmError::Status {
            status: 401,
            message: "Incorrect API key provided".into(),
            model: "m".into(),
            base_url: "https://api.openai.com/v1".into(),
            retry_after_ms: None,
        };
        assert!(e.to_string().contains("check REHEARSE_API_KEY"), "{e}");
    }
}
