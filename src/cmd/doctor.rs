//! `rehearse doctor`: can this endpoint play interviewer and judge? Checks reachability, a
//! tiny completion, a tiny stream and structured output, and ends with a one-line diagnosis.

use std::io::Write;
use std::time::Instant;

use futures_util::StreamExt;
use serde_json::json;

use crate::config::{Config, OfflineReason};
use crate::llm::structured;
use crate::llm::{
    ChatModel, ChatRequest, ClientSettings, LlmError, Message, OpenAiClient, StreamEvent,
};
use crate::settings;
use crate::ui::Style;

pub fn run(config: &Config) -> crate::Result<()> {
    let style = Style::for_stdout(config.no_color(), false);
    let mut out = std::io::stdout().lock();
    match config.offline_reason() {
        Some(OfflineReason::NoEndpoint) => {
            writeln!(
                out,
                "No endpoint is configured, so rehearse runs offline: a scripted interviewer driven by"
            )?;
            writeln!(
                out,
                "the question file, and the deterministic offline scorer. Both work fully."
            )?;
            writeln!(out)?;
            writeln!(
                out,
                "To use an LLM interviewer and judge, point rehearse at any OpenAI-compatible endpoint:"
            )?;
            writeln!(
                out,
                "  OpenAI     REHEARSE_API_KEY=sk-...   (base URL defaults to https://api.openai.com/v1)"
            )?;
            writeln!(
                out,
                "  Ollama     REHEARSE_BASE_URL=http://localhost:11434/v1  REHEARSE_MODEL=llama3.1"
            )?;
            writeln!(
                out,
                "  llama.cpp  REHEARSE_BASE_URL=http://127.0.0.1:8080/v1"
            )?;
            writeln!(
                out,
                "in the environment or in ./.env (see .env.example), then run `rehearse doctor` again."
            )?;
            return Ok(());
        }
        Some(OfflineReason::Forced) => {
            writeln!(
                out,
                "Offline mode is forced ({}), so no endpoint is used.",
                config.get(&settings::OFFLINE).source
            )?;
            writeln!(
                out,
                "Drop --offline / REHEARSE_OFFLINE to check the configured endpoint."
            )?;
            return Ok(());
        }
        None => {}
    }
    let base = config.get(&settings::BASE_URL);
    writeln!(
        out,
        "endpoint     {} ({})",
        base.value.display(&settings::BASE_URL),
        base.source
    )?;
    writeln!(
        out,
        "model        {} ({})",
        config.model(),
        config.get(&settings::MODEL).source
    )?;
    writeln!(
        out,
        "judge model  {} ({})",
        config.judge_model(),
        config.get(&settings::JUDGE_MODEL).source
    )?;
    let key = match config.secret(&settings::API_KEY) {
        Some(_) => format!("set ({})", config.get(&settings::API_KEY).source),
        None => "unset".to_owned(),
    };
    writeln!(out, "api key      {key}")?;
    out.flush()?;

    let runtime = super::runtime()?;
    runtime.block_on(check(config, &mut out, style))
}

fn ok(style: Style, label: &str, detail: &str) -> String {
    format!("{} {label:<11} {detail}", style.green("✓"))
}

fn warn(style: Style, label: &str, detail: &str) -> String {
    format!("{} {label:<11} {detail}", style.yellow("!"))
}

fn fail(style: Style, label: &str, err: &LlmError) -> String {
    format!("{} {label:<11} {}", style.red("✗"), err.diagnosis())
}

async fn check(config: &Config, out: &mut impl Write, style: Style) -> crate::Result<()> {
    let settings =
        ClientSettings::from_config(config, config.model()).expect("endpoint configured");
    let client = OpenAiClient::new(settings)?;
    let unusable = |out: &mut dyn Write, line: String, err: &LlmError| -> crate::Result<()> {
        writeln!(out, "{line}")?;
        Err(crate::Error::Failed(err.diagnosis()))
    };

    match client.list_models().await {
        Ok(models) if models.iter().any(|m| m == config.model()) => {
            writeln!(
                out,
                "{}",
                ok(
                    style,
                    "reachable",
                    &format!(
                        "GET /models lists {} model(s), including \"{}\"",
                        models.len(),
                        config.model()
                    )
                )
            )?;
        }
        Ok(models) if models.is_empty() => {
            writeln!(
                out,
                "{}",
                ok(
                    style,
                    "reachable",
                    "GET /models answered with an empty list"
                )
            )?;
        }
        Ok(models) => {
            let shown: Vec<&str> = models.iter().take(8).map(String::as_str).collect();
            writeln!(
                out,
                "{}",
                warn(
                    style,
                    "reachable",
                    &format!(
                        "\"{}\" is not among the listed models ({}); some servers serve it anyway",
                        config.model(),
                        shown.join(", ")
                    )
                )
            )?;
        }
        Err(err @ (LlmError::Connect { .. } | LlmError::Timeout { .. })) => {
            return unusable(out, fail(style, "reachable", &err), &err);
        }
        Err(
            err @ LlmError::Status {
                status: 401 | 403, ..
            },
        ) => {
            return unusable(out, fail(style, "reachable", &err), &err);
        }
        Err(_) => {
            writeln!(
                out,
                "{}",
                warn(
                    style,
                    "reachable",
                    "GET /models is not offered; checking chat directly"
                )
            )?;
        }
    }

    let tiny = ChatRequest {
        messages: vec![
            Message::system("You are a connectivity check. Answer in one word."),
            Message::user("Reply with the word: ok"),
        ],
        temperature: Some(0.0),
        max_tokens: Some(8),
        ..ChatRequest::default()
    };
    let started = Instant::now();
    match client.complete(tiny.clone()).await {
        Ok(c) => {
            let tokens = c
                .usage
                .map(|u| format!(", {} tokens", u.total_tokens))
                .unwrap_or_default();
            writeln!(
                out,
                "{}",
                ok(
                    style,
                    "completion",
                    &format!("replied in {} ms{tokens}", started.elapsed().as_millis())
                )
            )?;
        }
        Err(err) => return unusable(out, fail(style, "completion", &err), &err),
    }

    let started = Instant::now();
    let mut stream = client.stream(tiny);
    let mut first_token = None;
    let mut failure = None;
    while let Some(event) = stream.next().await {
        match event {
            Ok(StreamEvent::Delta(_)) if first_token.is_none() => {
                first_token = Some(started.elapsed())
            }
            Ok(_) => {}
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    drop(stream);
    match (failure, first_token) {
        (Some(err), _) => return unusable(out, fail(style, "streaming", &err), &err),
        (None, Some(ttft)) => writeln!(
            out,
            "{}",
            ok(
                style,
                "streaming",
                &format!(
                    "first token after {} ms, done in {} ms",
                    ttft.as_millis(),
                    started.elapsed().as_millis()
                )
            )
        )?,
        (None, None) => writeln!(
            out,
            "{}",
            warn(style, "streaming", "the stream finished without any text")
        )?,
    }

    let judge_settings =
        ClientSettings::from_config(config, config.judge_model()).expect("endpoint configured");
    let endpoint = judge_settings.endpoint_key();
    let judge = OpenAiClient::new(judge_settings)?;
    let request = ChatRequest {
        messages: vec![
            Message::system("You reply with JSON only."),
            Message::user(
                "Return a JSON object with one field, \"status\", whose value is the string \"ok\".",
            ),
        ],
        temperature: Some(0.0),
        seed: Some(7),
        max_tokens: Some(40),
        ..ChatRequest::default()
    };
    let schema = json!({
        "type": "object",
        "properties": {"status": {"type": "string"}},
        "required": ["status"],
        "additionalProperties": false
    });
    let result = structured::complete_json(&judge, &endpoint, request, "health", &schema, |v| {
        v.get("status")
            .and_then(|s| s.as_str())
            .map(|_| ())
            .ok_or_else(|| "missing string field \"status\"".to_owned())
    })
    .await;
    match result {
        Ok(((), level)) => writeln!(
            out,
            "{}",
            ok(
                style,
                "structured",
                &format!("{} works for the judge", level.as_str())
            )
        )?,
        Err(err) => return unusable(out, fail(style, "structured", &err), &err),
    }
    writeln!(
        out,
        "usable: the interviewer and the judge can use this endpoint"
    )?;
    Ok(())
}
