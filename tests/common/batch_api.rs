//! A mock of the Files and Batches API (OpenAI's shape) on top of [`MockServer`]: validates
//! uploads (multipart `purpose=batch`, every JSONL line a POST to /v1/chat/completions with a
//! unique custom_id and a body with model and messages) and batch creation, moves a batch
//! through validating → in_progress → finalizing → completed one status request at a time (or
//! holds it in progress until released), runs each request through the test's judge, and serves
//! the output and error files. Cancelling moves it to cancelling, then cancelled.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::mock::{MockServer, Recorded, Reply};

/// What the test's judge does with one request: a completion body, or an HTTP error.
pub type Judge = dyn Fn(&str, &Value) -> Result<Value, (u16, Value)> + Send + Sync;

#[derive(Default)]
struct State {
    files: HashMap<String, Vec<u8>>,
    batches: HashMap<String, Batch>,
    next: usize,
}

struct Batch {
    input: String,
    status: &'static str,
    output: Option<String>,
    errors: Option<String>,
    counts: (usize, usize, usize),
}

pub struct BatchApi {
    pub server: MockServer,
    hold: Arc<AtomicBool>,
}

impl BatchApi {
    /// Starts the mock; `judge` answers each request of a batch when it completes.
    pub fn start(
        judge: impl Fn(&str, &Value) -> Result<Value, (u16, Value)> + Send + Sync + 'static,
    ) -> BatchApi {
        let state = Arc::new(Mutex::new(State::default()));
        let hold = Arc::new(AtomicBool::new(false));
        let judge: Arc<Judge> = Arc::new(judge);
        let held = hold.clone();
        let server = MockServer::start(move |req, _| handle(req, &state, judge.as_ref(), &held));
        BatchApi { server, hold }
    }

    /// Keeps batches in progress until [`BatchApi::release`].
    pub fn hold(&self) {
        self.hold.store(true, Ordering::SeqCst);
    }

    pub fn release(&self) {
        self.hold.store(false, Ordering::SeqCst);
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": {"message": message, "type": "invalid_request_error"}}),
    )
}

/// The parts of a multipart/form-data body: (name, content).
pub fn multipart(req: &Recorded) -> Result<Vec<(String, Vec<u8>)>, String> {
    let ct = req.header("content-type").ok_or("no content-type")?;
    let boundary = ct
        .split("boundary=")
        .nth(1)
        .ok_or("not multipart")?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let body = &req.bytes;
    let mut parts = Vec::new();
    let positions: Vec<usize> = (0..body.len().saturating_sub(delimiter.len()))
        .filter(|&i| body[i..].starts_with(delimiter.as_bytes()))
        .collect();
    for pair in positions.windows(2) {
        let part = &body[pair[0] + delimiter.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let split = (0..part.len().saturating_sub(3))
            .find(|&i| &part[i..i + 4] == b"\r\n\r\n")
            .ok_or("a part without headers")?;
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = headers
            .split("name=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .ok_or("a part without a name")?;
        parts.push((name.to_owned(), content.to_vec()));
    }
    Ok(parts)
}

/// Checks an uploaded batch file the way the providers do; the message names the line.
fn validate(jsonl: &[u8]) -> Result<usize, String> {
    let text = std::str::from_utf8(jsonl).map_err(|_| "the file is not UTF-8".to_owned())?;
    let mut seen = std::collections::HashSet::new();
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let at = i + 1;
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {at}: not JSON: {e}"))?;
        let id = v["custom_id"]
            .as_str()
            .ok_or(format!("line {at}: no custom_id"))?;
        if !seen.insert(id.to_owned()) {
            return Err(format!("line {at}: duplicate custom_id {id}"));
        }
        if v["method"] != "POST" || v["url"] != "/v1/chat/completions" {
            return Err(format!("line {at}: must POST to /v1/chat/completions"));
        }
        if !v["body"]["model"].is_string() || !v["body"]["messages"].is_array() {
            return Err(format!("line {at}: body needs model and messages"));
        }
        n += 1;
    }
    if n == 0 {
        return Err("the file is empty".into());
    }
    Ok(n)
}

fn batch_object(id: &str, b: &Batch) -> Value {
    json!({
        "id": id,
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "input_file_id": b.input,
        "completion_window": "24h",
        "status": b.status,
        "output_file_id": b.output,
        "error_file_id": b.errors,
        "request_counts": {"total": b.counts.0, "completed": b.counts.1, "failed": b.counts.2},
    })
}

fn handle(req: &Recorded, state: &Mutex<State>, judge: &Judge, hold: &AtomicBool) -> Reply {
    let mut state = state.lock().unwrap();
    let path = req.path.trim_start_matches("/v1");
    match (req.method.as_str(), path) {
        ("POST", "/files") => {
            let parts = match multipart(req) {
                Ok(p) => p,
                Err(e) => return error(400, &format!("bad multipart body: {e}")),
            };
            let field = |name: &str| {
                parts
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, c)| c.clone())
            };
            if field("purpose").as_deref() != Some(b"batch".as_slice()) {
                return error(400, "purpose must be batch");
            }
            let Some(file) = field("file") else {
                return error(400, "no file part");
            };
            if let Err(e) = validate(&file) {
                return error(400, &e);
            }
            state.next += 1;
            let id = format!("file-in-{}", state.next);
            let bytes = file.len();
            state.files.insert(id.clone(), file);
            Reply::json(
                200,
                json!({"id": id, "object": "file", "purpose": "batch", "bytes": bytes}),
            )
        }
        ("POST", "/batches") => {
            let body = req.json();
            let input = body["input_file_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if !state.files.contains_key(&input) {
                return error(400, "unknown input_file_id");
            }
            if body["endpoint"] != "/v1/chat/completions" || body["completion_window"] != "24h" {
                return error(
                    400,
                    "endpoint must be /v1/chat/completions and completion_window 24h",
                );
            }
            state.next += 1;
            let id = format!("batch_{}", state.next);
            let total = validate(&state.files[&input]).unwrap();
            let b = Batch {
                input,
                status: "validating",
                output: None,
                errors: None,
                counts: (total, 0, 0),
            };
            let object = batch_object(&id, &b);
            state.batches.insert(id, b);
            Reply::json(200, object)
        }
        ("GET", p) if p.starts_with("/batches/") => {
            let id = p.trim_start_matches("/batches/").to_owned();
            let Some(status) = state.batches.get(&id).map(|b| b.status) else {
                return error(404, "no such batch");
            };
            let next = match status {
                "validating" => "in_progress",
                "in_progress" if hold.load(Ordering::SeqCst) => "in_progress",
                "in_progress" => "finalizing",
                "finalizing" => "completed",
                "cancelling" => "cancelled",
                done => done,
            };
            if next == "completed" && status != "completed" {
                run(&mut state, &id, judge);
            }
            let b = state.batches.get_mut(&id).unwrap();
            b.status = next;
            Reply::json(200, batch_object(&id, b))
        }
        ("POST", p) if p.starts_with("/batches/") && p.ends_with("/cancel") => {
            let id = p
                .trim_start_matches("/batches/")
                .trim_end_matches("/cancel")
                .to_owned();
            let Some(b) = state.batches.get_mut(&id) else {
                return error(404, "no such batch");
            };
            b.status = "cancelling";
            Reply::json(200, batch_object(&id, b))
        }
        ("GET", p) if p.starts_with("/files/") && p.ends_with("/content") => {
            let id = p.trim_start_matches("/files/").trim_end_matches("/content");
            match state.files.get(id) {
                Some(bytes) => Reply::text(
                    200,
                    "application/octet-stream",
                    &String::from_utf8_lossy(bytes),
                ),
                None => error(404, "no such file"),
            }
        }
        _ => error(404, &format!("no route {} {}", req.method, req.path)),
    }
}

/// Runs every request of the batch through the judge: successes to the output file, failures
/// to the error file (OpenAI's line shapes).
fn run(state: &mut State, id: &str, judge: &Judge) {
    let input = state.batches[id].input.clone();
    let text = String::from_utf8(state.files[&input].clone()).unwrap();
    let (mut out, mut errs) = (String::new(), String::new());
    let (mut ok, mut failed) = (0, 0);
    for (i, line) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        let custom_id = v["custom_id"].as_str().unwrap();
        match judge(custom_id, &v["body"]) {
            Ok(body) => {
                ok += 1;
                out.push_str(&json!({"id": format!("batch_req_{i}"), "custom_id": custom_id, "response": {"status_code": 200, "request_id": format!("req_{i}"), "body": body}, "error": null}).to_string());
                out.push('\n');
            }
            Err((status, body)) => {
                failed += 1;
                errs.push_str(&json!({"id": format!("batch_req_{i}"), "custom_id": custom_id, "response": {"status_code": status, "request_id": format!("req_{i}"), "body": body}, "error": null}).to_string());
                errs.push('\n');
            }
        }
    }
    let file_id = |content: String, state: &mut State| {
        state.next += 1;
        let fid = format!("file-out-{}", state.next);
        state.files.insert(fid.clone(), content.into_bytes());
        fid
    };
    let output = (ok > 0).then(|| file_id(out, state));
    let errors = (failed > 0).then(|| file_id(errs, state));
    let b = state.batches.get_mut(id).unwrap();
    b.output = output;
    b.errors = errors;
    b.counts = (ok + failed, ok, failed);
}
