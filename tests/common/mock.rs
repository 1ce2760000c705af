//! A tiny HTTP/1.1 server on 127.0.0.1 for client tests: scripted replies, chunk-by-chunk
//! streaming, dropped and hung connections, and a record of every request it received.
//! It runs on its own thread and runtime, so both async tests and CLI tests (which run the
//! binary as a child process) can use it.

#![allow(dead_code)]

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body as sent (`body` is it read as UTF-8, lossily).
    pub bytes: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete response with a body.
    Body {
        status: u16,
        content_type: &'static str,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// A 200 `text/event-stream` written piece by piece, flushing after each piece.
    Stream {
        pieces: Vec<Vec<u8>>,
        pause: Duration,
    },
    /// Writes these pieces, then keeps the connection open without finishing; reports on the
    /// server's disconnect channel when the client goes away.
    StreamThenHang { pieces: Vec<Vec<u8>> },
    /// Writes these pieces, then closes the socket abruptly mid-reply.
    StreamThenDrop { pieces: Vec<Vec<u8>> },
    /// Waits, then sends the inner reply: a slow server.
    Delayed(Duration, Box<Reply>),
    /// Closes the connection without answering.
    Drop,
    /// Never answers.
    Hang,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply::Body {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    pub fn text(status: u16, content_type: &'static str, body: &str) -> Reply {
        Reply::Body {
            status,
            content_type,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        if let Reply::Body { headers, .. } = &mut self {
            headers.push((name, value.to_owned()));
        }
        self
    }

    /// An SSE body cut into pieces of `size` bytes (cutting through UTF-8 characters too).
    pub fn sse(text: &str, size: usize) -> Reply {
        Reply::Stream {
            pieces: text.as_bytes().chunks(size).map(<[u8]>::to_vec).collect(),
            pause: Duration::from_millis(1),
        }
    }

    /// A chat completion reply with `content`.
    pub fn completion(content: &str) -> Reply {
        Reply::json(
            200,
            serde_json::json!({
                "id": "cmpl-1",
                "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
            }),
        )
    }
}

/// The rubric ids a judge request asks about: the `enum` of its json_schema reply format
/// (none when the request carries no schema).
pub fn judge_ids(body: &serde_json::Value) -> Vec<String> {
    body["response_format"]["json_schema"]["schema"]["properties"]["items"]["items"]["properties"]
        ["id"]["enum"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The JSON a judge replies with: `items` (id, verdict, evidence), then its feedback.
pub fn judge_reply(
    items: Vec<serde_json::Value>,
    strengths: &[&str],
    improvements: &[&str],
) -> String {
    serde_json::json!({
        "items": items,
        "strengths": strengths,
        "improvements": improvements,
        "injection_attempt": false
    })
    .to_string()
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

pub struct MockServer {
    pub port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
    disconnects: Mutex<mpsc::Receiver<()>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockServer {
    /// Starts a server; `handler` gets each request and how many requests with the same path
    /// came before it (so scripts like "fail twice, then succeed" are easy).
    pub fn start(
        handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> MockServer {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        std_listener.set_nonblocking(true).unwrap();
        let port = std_listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (disconnect_tx, disconnect_rx) = mpsc::channel();
        let (shutdown_tx, mut shutdown_rx) = tokio::sync::oneshot::channel();
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = requests.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut shutdown_rx => break,
                        accepted = listener.accept() => {
                            let Ok((socket, _)) = accepted else { continue };
                            let handler = handler.clone();
                            let recorded = recorded.clone();
                            let disconnect_tx = disconnect_tx.clone();
                            tokio::spawn(async move {
                                serve(socket, handler, recorded, disconnect_tx).await;
                            });
                        }
                    }
                }
            });
        });
        MockServer {
            port,
            requests,
            disconnects: Mutex::new(disconnect_rx),
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    /// Base URL in the form clients are configured with.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }

    /// Waits (bounded) for a client to disconnect from a `StreamThenHang` reply.
    pub fn wait_disconnect(&self, within: Duration) -> bool {
        self.disconnects
            .lock()
            .unwrap()
            .recv_timeout(within)
            .is_ok()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn read_request(socket: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let path = target
        .split('?')
        .next()
        .unwrap_or_default()
        .trim_start_matches("/v1")
        .to_owned();
    Some(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
        bytes: body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn serve(
    mut socket: TcpStream,
    handler: Arc<Handler>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    disconnects: mpsc::Sender<()>,
) {
    socket.set_nodelay(true).ok();
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    let prior = {
        let mut all = recorded.lock().unwrap();
        let prior = all.iter().filter(|r| r.path == request.path).count();
        all.push(request.clone());
        prior
    };
    let mut reply = handler(&request, prior);
    while let Reply::Delayed(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    let stream_head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
    match reply {
        Reply::Body {
            status,
            content_type,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
                reason(status),
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
        Reply::Stream { pieces, pause } => {
            let _ = socket.write_all(stream_head.as_bytes()).await;
            for piece in pieces {
                if socket.write_all(&piece).await.is_err() || socket.flush().await.is_err() {
                    return;
                }
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
            }
            let _ = socket.shutdown().await;
        }
        Reply::StreamThenHang { pieces } => {
            let _ = socket.write_all(stream_head.as_bytes()).await;
            for piece in pieces {
                let _ = socket.write_all(&piece).await;
                let _ = socket.flush().await;
            }
            // The client going away shows up as end-of-file on our side.
            let mut sink = [0u8; 64];
            loop {
                match socket.read(&mut sink).await {
                    Ok(0) | Err(_) => {
                        let _ = disconnects.send(());
                        return;
                    }
                    Ok(_) => {}
                }
            }
        }
        Reply::StreamThenDrop { pieces } => {
            // Chunked encoding, closed before the final empty chunk: a reply cut off mid-way.
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
            let _ = socket.write_all(head.as_bytes()).await;
            for piece in pieces {
                let _ = socket
                    .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                    .await;
                let _ = socket.write_all(&piece).await;
                let _ = socket.write_all(b"\r\n").await;
                let _ = socket.flush().await;
            }
            drop(socket);
        }
        Reply::Drop => {
            drop(socket);
        }
        Reply::Delayed(..) => unreachable!("unwrapped above"),
        Reply::Hang => {
            let mut sink = [0u8; 64];
            while let Ok(n) = socket.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
        }
    }
}
