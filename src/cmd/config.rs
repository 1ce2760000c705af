//! `rehearse config`: every setting of the settings table with its effective value, where it
//! came from (flag, environment variable, `.env` line, config-file line, default) and the flag,
//! variable or key that set it. Secrets are only ever reported as set or unset.

use std::io::Write;

use serde::Serialize;

use crate::cli::{ConfigArgs, ListFormat};
use crate::config::{Config, OfflineReason, Resolved};
use crate::settings::{self, Def, Value};
use crate::ui::{Style, Table};

#[derive(Serialize)]
struct Row {
    name: &'static str,
    value: String,
    /// Where the value came from, for people: "env REHEARSE_MODEL", ".env:3 (REHEARSE_MODEL)".
    source: String,
    /// flag, env, .env, file or default.
    layer: &'static str,
    /// The flag, variable or config key that set it; empty for defaults.
    set_by: String,
    /// The `.env` or config-file line, where there is one.
    line: Option<usize>,
    /// How the setting can be given: its flag, variables and config key.
    flag: Option<String>,
    env: &'static [&'static str],
    config_key: Option<&'static str>,
    help: &'static str,
}

fn row(def: &'static Def, resolved: &Resolved) -> Row {
    Row {
        name: def.name,
        value: resolved.value.display(def),
        source: resolved.source.to_string(),
        layer: resolved.source.layer(),
        set_by: resolved.source.set_by().to_owned(),
        line: resolved.source.line(),
        flag: def.flag_name(),
        env: def.env,
        config_key: def.in_file.then_some(def.name),
        help: def.help,
    }
}

fn rows(config: &Config) -> Vec<Row> {
    let mut rows = Vec::new();
    for def in settings::ALL {
        match config.all(def) {
            [] => rows.push(row(
                def,
                &Resolved {
                    value: Value::Unset,
                    source: crate::config::Source::Default,
                },
            )),
            values => rows.extend(values.iter().map(|r| row(def, r))),
        }
    }
    rows
}

pub fn run(config: &Config, args: &ConfigArgs) -> crate::Result<()> {
    let mode = match config.offline_reason() {
        Some(OfflineReason::Forced) => "offline (forced)".to_owned(),
        Some(OfflineReason::NoEndpoint) => "offline (no endpoint configured)".to_owned(),
        None => "llm".to_owned(),
    };
    let config_file = config
        .config_file()
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
            let style = Style::for_stdout(config.no_color(), false);
            let mut table = Table::new(&["SETTING", "VALUE", "SOURCE", "SET BY"]);
            for r in rows(config) {
                table.row(vec![r.name.to_owned(), r.value, r.source, r.set_by]);
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
