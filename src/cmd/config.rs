//! `rehearse config`: the effective settings and the layer each came from. The API key is
//! only ever reported as set or unset.

use std::io::Write;

use serde::Serialize;

use crate::cli::{ConfigArgs, ListFormat};
use crate::config::{Config, OfflineReason, Source};
use crate::ui::{Style, Table};

#[derive(Serialize)]
struct Row {
    name: &'static str,
    value: String,
    source: String,
    layer: &'static str,
}

fn row(name: &'static str, value: impl Into<String>, source: &Source) -> Row {
    Row {
        name,
        value: value.into(),
        source: source.to_string(),
        layer: source.layer(),
    }
}

fn rows(config: &Config) -> Vec<Row> {
    let mut rows = Vec::new();
    match &config.base_url {
        Some(url) => rows.push(row(
            "base_url",
            crate::config::redact_url(&url.value),
            &url.source,
        )),
        None => rows.push(Row {
            name: "base_url",
            value: "(none: offline mode)".into(),
            source: "default".into(),
            layer: "default",
        }),
    }
    match &config.api_key {
        Some(key) => rows.push(row("api_key", "set", &key.source)),
        None => rows.push(Row {
            name: "api_key",
            value: "unset".into(),
            source: "default".into(),
            layer: "default",
        }),
    }
    rows.push(row(
        "model",
        config.model.value.clone(),
        &config.model.source,
    ));
    rows.push(row(
        "judge_model",
        config.judge_model.value.clone(),
        &config.judge_model.source,
    ));
    rows.push(row(
        "timeout_secs",
        config.timeout_secs.value.to_string(),
        &config.timeout_secs.source,
    ));
    rows.push(row(
        "connect_timeout_secs",
        config.connect_timeout_secs.value.to_string(),
        &config.connect_timeout_secs.source,
    ));
    rows.push(row(
        "max_retries",
        config.max_retries.value.to_string(),
        &config.max_retries.source,
    ));
    rows.push(row(
        "retry_base_ms",
        config.retry_base_ms.value.to_string(),
        &config.retry_base_ms.source,
    ));
    rows.push(row(
        "home",
        config.home.value.display().to_string(),
        &config.home.source,
    ));
    for dir in &config.questions {
        rows.push(row(
            "questions",
            dir.value.display().to_string(),
            &dir.source,
        ));
    }
    rows.push(row(
        "offline",
        config.offline.value.to_string(),
        &config.offline.source,
    ));
    rows
}

pub fn run(config: &Config, args: &ConfigArgs) -> anyhow::Result<()> {
    let mode = match config.offline_reason() {
        Some(OfflineReason::Forced) => "offline (forced)".to_owned(),
        Some(OfflineReason::NoEndpoint) => "offline (no endpoint configured)".to_owned(),
        None => "llm".to_owned(),
    };
    let config_file = config
        .config_file
        .as_ref()
        .map(|p| {
            let state = if p.is_file() { "" } else { " (not present)" };
            format!("{}{state}", p.display())
        })
        .unwrap_or_else(|| "(none)".into());
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            let value = serde_json::json!({
                "mode": mode,
                "config_file": config_file,
                "settings": rows(config),
            });
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        ListFormat::Table => {
            let style = Style::for_stdout(config.no_color, false);
            let mut table = Table::new(&["SETTING", "VALUE", "SOURCE"]);
            for r in rows(config) {
                table.row(vec![r.name.to_owned(), r.value, r.source]);
            }
            out.write_all(table.render(style).as_bytes())?;
            writeln!(out)?;
            writeln!(out, "mode: {mode}")?;
            writeln!(out, "config file: {config_file}")?;
            writeln!(
                out,
                "precedence: flags > environment > .env > config file > defaults"
            )?;
        }
    }
    Ok(())
}
