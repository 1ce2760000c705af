//! The HTTP client for OpenAI-compatible servers: `POST {base}/chat/completions`, streaming or
//! not, with bounded retries for rate limits, server errors and refused connections.

use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::Config;
use crate::llm::error::{LlmError, error_message};
use crate::llm::redact::{Secrets, StreamRedactor};
use crate::llm::retry::{MAX_RETRY_AFTER, RetryPolicy, parse_retry_after};
use crate::llm::sse::{self, UsageWire};
use crate::llm::{
    BoxFuture, ChatModel, ChatRequest, Completion, EventStream, ResponseFormat, StreamEvent, Usage,
};
use crate::settings::{self, ApiKey, redact_url};

/// Everything needed to reach one endpoint with one model.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Base URL up to and including `/v1`, without a trailing slash.
    pub base_url: String,
    pub api_key: Option<ApiKey>,
    pub model: String,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_retries: u32,
    pub retry_base: Duration,
}

impl ClientSettings {
    /// Identifies endpoint and model, e.g. for remembering which structured-output level works.
    pub fn endpoint_key(&self) -> String {
        format!("{}#{}", self.base_url, self.model)
    }

    /// Settings for `model` from the config; `None` when no endpoint is configured or the run
    /// is forced offline.
    pub fn from_config(config: &Config, model: &str) -> Option<ClientSettings> {
        if config.offline_reason().is_some() {
            return None;
        }
        Some(ClientSettings {
            base_url: config.text(&settings::BASE_URL)?.to_owned(),
            api_key: config.secret(&settings::API_KEY).cloned(),
            model: model.to_owned(),
            timeout: Duration::from_secs(config.int(&settings::TIMEOUT_SECS)),
            connect_timeout: Duration::from_secs(config.int(&settings::CONNECT_TIMEOUT_SECS)),
            max_retries: config.int(&settings::MAX_RETRIES) as u32,
            retry_base: Duration::from_millis(config.int(&settings::RETRY_BASE_MS)),
        })
    }
}

/// A non-streamed reply (a completion, a model list) is a few KB; cap it well above that.
pub const MAX_REPLY_BYTES: u64 = 8 * 1024 * 1024;
/// Error bodies are shown to the user; only their beginning is worth reading.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// A client for one endpoint and model. Cheap to share by reference across tasks.
pub struct OpenAiClient {
    http: reqwest::Client,
    settings: ClientSettings,
    /// The base URL without any `user:password@`, which goes in the Authorization header.
    base_url: String,
    auth: Option<Auth>,
    secrets: Secrets,
    policy: RetryPolicy,
    rng: Mutex<fastrand::Rng>,
}

/// The one Authorization header a request carries: the API key when there is one, else the
/// credentials written into the base URL.
enum Auth {
    Bearer(ApiKey),
    Basic { user: String, password: String },
}

impl std::fmt::Debug for OpenAiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiClient")
            .field("base_url", &self.settings.base_url)
            .field("model", &self.settings.model)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct CompletionWire {
    #[serde(default)]
    choices: Vec<ChoiceWire>,
    #[serde(default)]
    usage: Option<UsageWire>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct ChoiceWire {
    #[serde(default)]
    message: Option<MessageWire>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct MessageWire {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

impl OpenAiClient {
    pub fn new(settings: ClientSettings) -> Result<OpenAiClient, LlmError> {
        // reqwest is built without a default crypto provider; ring is ours. Installing twice is
        // harmless (the second call reports the first is in place).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .user_agent(concat!("rehearse/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::Transport(e.to_string()))?;
        let secrets = Secrets::of_endpoint(
            settings.api_key.as_ref().map(ApiKey::expose),
            &settings.base_url,
        );
        let (base_url, userinfo) = split_credentials(&settings.base_url);
        let auth = match (&settings.api_key, userinfo) {
            (Some(key), _) => Some(Auth::Bearer(key.clone())),
            (None, Some((user, password))) => Some(Auth::Basic { user, password }),
            (None, None) => None,
        };
        Ok(OpenAiClient {
            http,
            policy: RetryPolicy {
                max_retries: settings.max_retries,
                base: settings.retry_base,
            },
            settings,
            base_url,
            auth,
            secrets,
            rng: Mutex::new(fastrand::Rng::new()),
        })
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The secrets this client must keep out of what it hands back.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Reads a whole (non-streamed) body, refusing more than [`MAX_REPLY_BYTES`].
    pub(crate) async fn read_body(
        &self,
        mut resp: reqwest::Response,
        url: &str,
    ) -> Result<String, LlmError> {
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.map_send_error(e, url))?
        {
            if body.len() as u64 + chunk.len() as u64 > MAX_REPLY_BYTES {
                return Err(LlmError::TooLarge(MAX_REPLY_BYTES));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    fn body(&self, request: &ChatRequest, stream: bool) -> Value {
        request_body(&self.settings.model, request, stream)
    }

    pub(crate) fn map_send_error(&self, err: reqwest::Error, url: &str) -> LlmError {
        if err.is_timeout() {
            LlmError::Timeout {
                url: redact_url(url),
                after: self.settings.timeout,
            }
        } else if err.is_connect() {
            let mut reason = err.to_string();
            let mut source = std::error::Error::source(&err);
            while let Some(s) = source {
                reason = s.to_string();
                source = s.source();
            }
            LlmError::Connect {
                url: redact_url(url),
                reason,
            }
        } else {
            LlmError::Transport(err.to_string())
        }
    }

    /// Sends `body` to `path`, retrying what may succeed on another attempt. Returns the
    /// successful response; error statuses become [`LlmError::Status`] with the server's words.
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<reqwest::Response, LlmError> {
        let attach = |builder: reqwest::RequestBuilder| match body {
            Some(body) => builder.json(body),
            None => builder,
        };
        self.send_with(method, path, &attach).await
    }

    /// [`Self::send`] with the body attached by `attach` on every attempt (a multipart form
    /// cannot be cloned, so it is built again each time).
    pub(crate) async fn send_with(
        &self,
        method: reqwest::Method,
        path: &str,
        attach: &(dyn Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder + Sync),
    ) -> Result<reqwest::Response, LlmError> {
        let url = self.url(path);
        let mut attempt = 0;
        loop {
            let mut builder = self.http.request(method.clone(), &url);
            builder = match &self.auth {
                Some(Auth::Bearer(key)) => builder.bearer_auth(key.expose()),
                Some(Auth::Basic { user, password }) => builder.basic_auth(user, Some(password)),
                None => builder,
            };
            builder = attach(builder);
            let error = match builder.send().await {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
                    let text = error_body(resp).await;
                    LlmError::Status {
                        status,
                        message: error_message(&text),
                        model: self.settings.model.clone(),
                        base_url: redact_url(&self.settings.base_url),
                        retry_after_ms: retry_after
                            .map(|d| d.as_millis().min(u128::from(u64::MAX)) as u64),
                    }
                }
                Err(e) => self.map_send_error(e, &url),
            };
            if attempt >= self.policy.max_retries || !error.is_retryable() {
                return Err(error);
            }
            let retry_after = match &error {
                LlmError::Status {
                    retry_after_ms: Some(ms),
                    ..
                } => Some(Duration::from_millis(*ms)),
                _ => None,
            };
            if retry_after.is_some_and(|d| d > MAX_RETRY_AFTER) {
                return Err(error);
            }
            let delay = {
                let mut rng = self.rng.lock().expect("rng lock");
                self.policy.delay(attempt, retry_after, &mut rng)
            };
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Model ids the server lists at `GET /models` (OpenAI `data[].id`, or Ollama-style
    /// `models[].name`).
    pub async fn list_models(&self) -> Result<Vec<String>, LlmError> {
        let url = self.url("/models");
        let resp = self.send(reqwest::Method::GET, "/models", None).await?;
        let text = self.read_body(resp, &url).await?;
        let value: Value = serde_json::from_str(&text).map_err(|_| LlmError::NotCompatible {
            url: redact_url(&url),
            detail: "GET /models did not return JSON".into(),
        })?;
        let mut ids: Vec<String> = value
            .get("data")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if ids.is_empty() {
            ids = value
                .get("models")
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|m| {
                            m.get("name")
                                .or_else(|| m.get("model"))
                                .and_then(Value::as_str)
                                .map(str::to_owned)
                        })
                        .collect()
                })
                .unwrap_or_default();
        }
        Ok(ids)
    }

    async fn complete_inner(&self, request: ChatRequest) -> Result<Completion, LlmError> {
        let url = self.url("/chat/completions");
        let body = self.body(&request, false);
        let resp = self
            .send(reqwest::Method::POST, "/chat/completions", Some(&body))
            .await?;
        let text = self.read_body(resp, &url).await?;
        let mut completion = parse_completion(&text, &url)?;
        completion.text = self.secrets.redact(&completion.text);
        completion.refusal = completion.refusal.map(|r| self.secrets.redact(&r));
        Ok(completion)
    }

    async fn open_stream(&self, request: ChatRequest) -> Result<EventStream<'static>, LlmError> {
        let url = self.url("/chat/completions");
        let body = self.body(&request, true);
        let resp = self
            .send(reqwest::Method::POST, "/chat/completions", Some(&body))
            .await?;
        let is_json = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.contains("application/json"));
        if is_json {
            // Some servers ignore `stream: true` and answer in one piece.
            let text = self.read_body(resp, &url).await?;
            let completion = parse_completion(&text, &url)?;
            let mut events = vec![Ok(StreamEvent::Delta(completion.text))];
            if let Some(u) = completion.usage {
                events.push(Ok(StreamEvent::Usage(u)));
            }
            events.push(Ok(StreamEvent::Done {
                finish_reason: completion.finish_reason,
            }));
            return Ok(Box::pin(futures_util::stream::iter(events)));
        }
        let timeout = self.settings.timeout;
        // A stream is cut off once it passes the cap: a reply that size is a broken server.
        let mut received: u64 = 0;
        let bytes = resp.bytes_stream().map(move |r| {
            let chunk = r.map_err(|e| {
                if e.is_timeout() {
                    format!("timed out after {}s", timeout.as_secs())
                } else {
                    e.to_string()
                }
            })?;
            received += chunk.len() as u64;
            if received > MAX_REPLY_BYTES {
                return Err(format!(
                    "the streamed reply passed {}",
                    crate::files::human_bytes(MAX_REPLY_BYTES)
                ));
            }
            Ok(chunk)
        });
        Ok(Box::pin(sse::events(bytes, redact_url(&url))))
    }
}

/// A chat completion's JSON, as a [`Completion`]; `url` names where it came from in errors.
pub(crate) fn parse_completion(text: &str, url: &str) -> Result<Completion, LlmError> {
    let wire: CompletionWire = serde_json::from_str(text).map_err(|_| LlmError::NotCompatible {
        url: redact_url(url),
        detail: format!("the reply is not JSON: {}", error_message(text)),
    })?;
    if let Some(error) = wire.error {
        return Err(LlmError::InStream {
            message: error_message(&json!({ "error": error }).to_string()),
        });
    }
    let choice = wire
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| LlmError::NotCompatible {
            url: redact_url(url),
            detail: "the reply has no choices".into(),
        })?;
    let (text, refusal) = match choice.message {
        Some(m) => (m.content.unwrap_or_default(), m.refusal),
        None => (String::new(), None),
    };
    Ok(Completion {
        text,
        usage: wire.usage.map(Usage::from),
        finish_reason: choice.finish_reason,
        refusal,
    })
}

/// The base URL without `user:password@`, and those credentials when present.
fn split_credentials(url: &str) -> (String, Option<(String, String)>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((userinfo, host)) => {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            (
                format!("{scheme}://{host}{}", &rest[authority_end..]),
                Some((user.to_owned(), password.to_owned())),
            )
        }
        None => (url.to_owned(), None),
    }
}

/// The beginning of an error body (enough for the message it carries).
async fn error_body(mut resp: reqwest::Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_ERROR_BODY_BYTES {
            body.truncate(MAX_ERROR_BODY_BYTES);
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

/// What a transcription request asks for, besides the audio.
#[derive(Debug, Clone)]
pub struct TranscriptionRequest {
    /// ISO-639-1 language of the speech, e.g. `en`.
    pub language: Option<String>,
    /// Text the transcriber should take its style from (keeping "um", "like").
    pub prompt: Option<String>,
}

impl OpenAiClient {
    /// Transcribes a WAV file at `POST /audio/transcriptions`: `verbose_json` with word and
    /// segment timestamps, or plain `json` when the server rejects that. Returns the server's
    /// JSON.
    pub async fn transcribe(
        &self,
        wav: &[u8],
        request: &TranscriptionRequest,
    ) -> Result<Value, LlmError> {
        let path = "/audio/transcriptions";
        let url = self.url(path);
        let form = |verbose: bool| {
            let mut form = reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(wav.to_vec())
                        .file_name("answer.wav")
                        .mime_str("audio/wav")
                        .expect("a valid MIME type"),
                )
                .text("model", self.settings.model.clone());
            if verbose {
                form = form
                    .text("response_format", "verbose_json")
                    .text("timestamp_granularities[]", "word")
                    .text("timestamp_granularities[]", "segment");
            } else {
                form = form.text("response_format", "json");
            }
            if let Some(language) = &request.language {
                form = form.text("language", language.clone());
            }
            if let Some(prompt) = &request.prompt {
                form = form.text("prompt", prompt.clone());
            }
            form
        };
        let verbose = |b: reqwest::RequestBuilder| b.multipart(form(true));
        let resp = match self.send_with(reqwest::Method::POST, path, &verbose).await {
            Ok(resp) => resp,
            // A server without verbose_json says so with a client error; ask for plain JSON.
            Err(LlmError::Status {
                status: 400 | 415 | 422,
                ..
            }) => {
                let plain = |b: reqwest::RequestBuilder| b.multipart(form(false));
                self.send_with(reqwest::Method::POST, path, &plain).await?
            }
            Err(e) => return Err(e),
        };
        let text = self.read_body(resp, &url).await?;
        serde_json::from_str(&text).map_err(|_| LlmError::NotCompatible {
            url: redact_url(&url),
            detail: "the transcription reply was not JSON".into(),
        })
    }

    /// Speech for `text` at `POST /audio/speech`, as WAV bytes.
    pub async fn speech(&self, text: &str, voice: &str) -> Result<Vec<u8>, LlmError> {
        let path = "/audio/speech";
        let url = self.url(path);
        let body = json!({
            "model": self.settings.model,
            "input": text,
            "voice": voice,
            "response_format": "wav",
        });
        let mut resp = self.send(reqwest::Method::POST, path, Some(&body)).await?;
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.map_send_error(e, &url))?
        {
            if bytes.len() as u64 + chunk.len() as u64 > MAX_REPLY_BYTES * 4 {
                return Err(LlmError::TooLarge(MAX_REPLY_BYTES * 4));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

impl ChatModel for OpenAiClient {
    fn model_name(&self) -> &str {
        &self.settings.model
    }

    fn complete<'a>(&'a self, request: ChatRequest) -> BoxFuture<'a, Result<Completion, LlmError>> {
        Box::pin(async move {
            self.complete_inner(request)
                .await
                .map_err(|e| e.redacted(&self.secrets))
        })
    }

    /// The stream, with secrets masked in its text (even split across pieces) and errors.
    fn stream<'a>(&'a self, request: ChatRequest) -> EventStream<'a> {
        let opened = self.open_stream(request);
        let raw: EventStream<'a> = Box::pin(futures_util::stream::once(opened).flat_map(
            |result| match result {
                Ok(stream) => stream,
                Err(e) => Box::pin(futures_util::stream::once(async move { Err(e) })),
            },
        ));
        let secrets = self.secrets.clone();
        let redactor = StreamRedactor::new(secrets.clone());
        Box::pin(futures_util::stream::unfold(
            (raw, redactor, std::collections::VecDeque::new()),
            move |(mut raw, mut redactor, mut queue)| {
                let secrets = secrets.clone();
                async move {
                    loop {
                        if let Some(event) = queue.pop_front() {
                            return Some((event, (raw, redactor, queue)));
                        }
                        let event = raw.next().await?;
                        match event {
                            Ok(StreamEvent::Delta(text)) => {
                                let shown = redactor.push(&text);
                                if !shown.is_empty() {
                                    queue.push_back(Ok(StreamEvent::Delta(shown)));
                                }
                            }
                            Ok(done @ StreamEvent::Done { .. }) => {
                                let rest = redactor.finish();
                                if !rest.is_empty() {
                                    queue.push_back(Ok(StreamEvent::Delta(rest)));
                                }
                                queue.push_back(Ok(done));
                            }
                            Ok(other) => queue.push_back(Ok(other)),
                            Err(e) => {
                                let rest = redactor.finish();
                                if !rest.is_empty() {
                                    queue.push_back(Ok(StreamEvent::Delta(rest)));
                                }
                                queue.push_back(Err(e.redacted(&secrets)));
                            }
                        }
                    }
                }
            },
        ))
    }
}

/// The JSON body of a chat completion request, exactly as rehearse sends it (what `rehearse
/// prompt` prints).
pub fn request_body(model: &str, request: &ChatRequest, stream: bool) -> Value {
    let mut body = json!({
        "model": model,
        "messages": request.messages,
        "stream": stream,
    });
    let obj = body.as_object_mut().expect("object literal");
    if let Some(t) = request.temperature {
        obj.insert("temperature".into(), json!(t));
    }
    if let Some(seed) = request.seed {
        obj.insert("seed".into(), json!(seed));
    }
    if let Some(max) = request.max_tokens {
        obj.insert("max_tokens".into(), json!(max));
    }
    if stream {
        obj.insert("stream_options".into(), json!({ "include_usage": true }));
    }
    match &request.response_format {
        Some(ResponseFormat::JsonSchema { name, schema }) => {
            obj.insert(
                "response_format".into(),
                json!({
                    "type": "json_schema",
                    "json_schema": { "name": name, "schema": schema, "strict": true }
                }),
            );
        }
        Some(ResponseFormat::JsonObject) => {
            obj.insert("response_format".into(), json!({ "type": "json_object" }));
        }
        None => {}
    }
    body
}
