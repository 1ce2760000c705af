//! The Files and Batches API of OpenAI-compatible providers (OpenAI, Azure OpenAI, Groq):
//! upload a JSONL request file (`POST /files`, `purpose=batch`), create a batch over it
//! (`POST /batches`), read its status (`GET /batches/{id}`), cancel it, and download its output
//! and error files (`GET /files/{id}/content`). Files are streamed both ways, never held whole.

use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::llm::{LlmError, OpenAiClient};
use crate::settings::redact_url;

/// The endpoint every request line of a judge batch targets.
pub const CHAT_ENDPOINT: &str = "/v1/chat/completions";
/// The only completion window the providers offer.
pub const COMPLETION_WINDOW: &str = "24h";
/// Uploads and downloads of batch files may take longer than a chat request: tens of
/// megabytes over a slow link. They get this instead of the client's request timeout.
pub const FILE_TRANSFER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);
/// Output files larger than this are refused: 5,000 judged answers are a few tens of megabytes.
pub const MAX_RESULT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Requests done and failed so far, as the provider counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCounts {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub completed: u64,
    #[serde(default)]
    pub failed: u64,
}

/// What `GET /batches/{id}` says about a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchStatus {
    pub id: String,
    /// `validating`, `in_progress`, `finalizing`, `completed`, `failed`, `expired`,
    /// `cancelling` or `cancelled`.
    pub status: String,
    #[serde(default)]
    pub output_file_id: Option<String>,
    #[serde(default)]
    pub error_file_id: Option<String>,
    #[serde(default)]
    pub request_counts: RequestCounts,
    /// Why the whole batch failed (validation errors), as the provider words it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl BatchStatus {
    /// No further change will come: its files (if any) can be collected.
    pub fn is_done(&self) -> bool {
        matches!(
            self.status.as_str(),
            "completed" | "failed" | "expired" | "cancelled"
        )
    }

    fn from_json(value: &Value, url: &str) -> Result<BatchStatus, LlmError> {
        let mut status: BatchStatus =
            serde_json::from_value(value.clone()).map_err(|e| LlmError::NotCompatible {
                url: redact_url(url),
                detail: format!("the batch object is not what the Batches API returns: {e}"),
            })?;
        // Validation failures come as `errors.data[].message` (with a line number).
        status.problem = value["errors"]["data"].as_array().map(|errors| {
            errors
                .iter()
                .map(|e| match e["line"].as_u64() {
                    Some(line) => format!("line {line}: {}", e["message"].as_str().unwrap_or("?")),
                    None => e["message"].as_str().unwrap_or("?").to_owned(),
                })
                .collect::<Vec<_>>()
                .join("; ")
        });
        Ok(status)
    }
}

impl OpenAiClient {
    async fn json_reply(&self, resp: reqwest::Response, url: &str) -> Result<Value, LlmError> {
        let text = self.read_body(resp, url).await?;
        serde_json::from_str(&text).map_err(|_| LlmError::NotCompatible {
            url: redact_url(url),
            detail: "the reply was not JSON (does this server have the Files and Batches API?)"
                .into(),
        })
    }

    /// Uploads `path` for a batch (`POST /files`, multipart `purpose=batch` and `file`),
    /// streaming it from disk. Returns the file id.
    pub async fn upload_batch_file(&self, path: &Path) -> Result<String, LlmError> {
        let url = self.url("/files");
        let length = std::fs::metadata(path)
            .map_err(|e| LlmError::Transport(format!("cannot read {}: {e}", path.display())))?
            .len();
        let name = path.file_name().map_or("requests.jsonl".to_owned(), |n| {
            n.to_string_lossy().into_owned()
        });
        let owned = path.to_path_buf();
        let form = move |b: reqwest::RequestBuilder| {
            let part = reqwest::multipart::Part::stream_with_length(file_body(&owned), length)
                .file_name(name.clone())
                .mime_str("application/jsonl")
                .expect("a valid MIME type");
            b.timeout(FILE_TRANSFER_TIMEOUT).multipart(
                reqwest::multipart::Form::new()
                    .text("purpose", "batch")
                    .part("file", part),
            )
        };
        let resp = self
            .send_with(reqwest::Method::POST, "/files", &form)
            .await?;
        let value = self.json_reply(resp, &url).await?;
        value["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| LlmError::NotCompatible {
                url: redact_url(&url),
                detail: "the uploaded file has no id".into(),
            })
    }

    /// Creates a batch of chat completions over an uploaded request file.
    pub async fn create_batch(
        &self,
        input_file_id: &str,
        metadata: Value,
    ) -> Result<BatchStatus, LlmError> {
        let url = self.url("/batches");
        let body = json!({
            "input_file_id": input_file_id,
            "endpoint": CHAT_ENDPOINT,
            "completion_window": COMPLETION_WINDOW,
            "metadata": metadata,
        });
        let resp = self
            .send(reqwest::Method::POST, "/batches", Some(&body))
            .await?;
        BatchStatus::from_json(&self.json_reply(resp, &url).await?, &url)
    }

    pub async fn batch_status(&self, id: &str) -> Result<BatchStatus, LlmError> {
        let path = format!("/batches/{id}");
        let url = self.url(&path);
        let resp = self.send(reqwest::Method::GET, &path, None).await?;
        BatchStatus::from_json(&self.json_reply(resp, &url).await?, &url)
    }

    pub async fn cancel_batch(&self, id: &str) -> Result<BatchStatus, LlmError> {
        let path = format!("/batches/{id}/cancel");
        let url = self.url(&path);
        let resp = self.send(reqwest::Method::POST, &path, None).await?;
        BatchStatus::from_json(&self.json_reply(resp, &url).await?, &url)
    }

    /// Downloads a file's content into `to` (written as it arrives, then renamed into place,
    /// so a cut-off download never looks complete).
    pub async fn download_file(&self, file_id: &str, to: &Path) -> Result<(), LlmError> {
        let path = format!("/files/{file_id}/content");
        let url = self.url(&path);
        let long = |b: reqwest::RequestBuilder| b.timeout(FILE_TRANSFER_TIMEOUT);
        let mut resp = self.send_with(reqwest::Method::GET, &path, &long).await?;
        let dir = to.parent().unwrap_or(Path::new("."));
        let io =
            |e: std::io::Error| LlmError::Transport(format!("cannot write {}: {e}", to.display()));
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let mut written = 0u64;
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.map_send_error(e, &url))?
        {
            written += chunk.len() as u64;
            if written > MAX_RESULT_BYTES {
                return Err(LlmError::TooLarge(MAX_RESULT_BYTES));
            }
            file.write_all(&chunk).map_err(io)?;
        }
        file.as_file().sync_all().map_err(io)?;
        file.persist(to).map_err(|e| io(e.error))?;
        Ok(())
    }
}

/// The file at `path` as a request body read in 64 KiB pieces. Opened when the body is first
/// polled, so a retry reads it again from the start.
fn file_body(path: &Path) -> reqwest::Body {
    enum State {
        Start(std::path::PathBuf),
        Reading(std::fs::File),
        Done,
    }
    let chunks = futures_util::stream::unfold(State::Start(path.to_path_buf()), |state| async {
        let mut file = match state {
            State::Done => return None,
            State::Reading(file) => file,
            State::Start(path) => match std::fs::File::open(&path) {
                Ok(file) => file,
                Err(e) => return Some((Err(e), State::Done)),
            },
        };
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), State::Reading(file)))
            }
            Err(e) => Some((Err(e), State::Done)),
        }
    });
    reqwest::Body::wrap_stream(chunks)
}
