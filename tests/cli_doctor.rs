//! `rehearse doctor` through the real binary against mock servers: a usable endpoint, and a
//! one-line diagnosis for each way an endpoint can be unusable.

mod common;

use common::Sandbox;
use common::mock::{MockServer, Reply};
use predicates::prelude::*;
use serde_json::json;

fn healthy(req: &common::mock::Recorded, _: usize) -> Reply {
    match req.path.as_str() {
        "/models" => Reply::json(
            200,
            json!({"object": "list", "data": [{"id": "test-model"}]}),
        ),
        _ if req.json()["stream"] == true => Reply::sse(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\ndata: [DONE]\n\n",
            8,
        ),
        _ if req.json().get("response_format").is_some() => {
            Reply::completion("{\"status\": \"ok\"}")
        }
        _ => Reply::completion("ok"),
    }
}

fn doctor(sandbox: &Sandbox, server: &MockServer) -> assert_cmd::assert::Assert {
    sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .env("REHEARSE_MODEL", "test-model")
        .env("REHEARSE_API_KEY", "sk-doctor-secret")
        .env("REHEARSE_RETRY_BASE_MS", "1")
        .arg("doctor")
        .assert()
}

#[test]
fn a_working_endpoint_is_usable() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(healthy);
    let out = doctor(&sandbox, &server).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("api key      set (env REHEARSE_API_KEY)"),
        "{stdout}"
    );
    assert!(!stdout.contains("sk-doctor-secret"));
    assert!(stdout.contains("including \"test-model\""), "{stdout}");
    assert!(stdout.contains("✓ completion"), "{stdout}");
    assert!(
        stdout.contains("✓ streaming   first token after"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✓ structured  json_schema works"),
        "{stdout}"
    );
    assert!(
        stdout
            .trim_end()
            .ends_with("usable: the interviewer and the judge can use this endpoint")
    );
}

#[test]
fn a_wrong_key_is_diagnosed() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(|_, _| {
        Reply::json(
            401,
            json!({"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}),
        )
    });
    doctor(&sandbox, &server)
        .code(1)
        .stderr(predicate::str::contains("error: wrong API key"))
        .stderr(predicate::str::contains("sk-doctor-secret").not());
}

#[test]
fn an_unknown_model_is_diagnosed() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(|req, _| match req.path.as_str() {
        "/models" => Reply::json(200, json!({"data": [{"id": "llama3.1:latest"}]})),
        _ => Reply::json(
            404,
            json!({"error": "model \"test-model\" not found, try pulling it first"}),
        ),
    });
    let out = doctor(&sandbox, &server).code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("llama3.1:latest"),
        "available models are listed: {stdout}"
    );
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr.trim(),
        "error: unknown model: the server has no model \"test-model\""
    );
}

#[test]
fn a_refused_connection_is_diagnosed() {
    let sandbox = Sandbox::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", format!("http://127.0.0.1:{port}/v1"))
        .env("REHEARSE_RETRY_BASE_MS", "1")
        .arg("doctor")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error: connection refused"));
}

#[test]
fn a_timeout_is_diagnosed() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(|_, _| Reply::Hang);
    sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .env("REHEARSE_TIMEOUT_SECS", "1")
        .env("REHEARSE_MAX_RETRIES", "0")
        .arg("doctor")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error: timeout: no reply within 1s",
        ));
}

#[test]
fn something_that_is_not_an_openai_server_is_diagnosed() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(|_, _| {
        Reply::text(200, "text/html", "<html><h1>Welcome to nginx!</h1></html>")
    });
    doctor(&sandbox, &server)
        .code(1)
        .stderr(predicate::str::contains(
            "error: not an OpenAI-compatible server",
        ));
}

#[test]
fn without_an_endpoint_doctor_explains_offline_mode() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .arg("doctor")
        .assert()
        .success()
        .stdout(predicate::str::contains("runs offline"))
        .stdout(predicate::str::contains(
            "REHEARSE_BASE_URL=http://localhost:11434/v1",
        ));
}
