//! `rehearse history`: past interviews, newest first. A broken session file is reported by
//! name and the rest are still listed.

use std::io::Write;

use serde::Serialize;

use crate::cli::{HistoryArgs, HistoryFormat};
use crate::config::Config;
use crate::store::{Entry, Store};
use crate::ui::{Style, Table};

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    started_at: chrono::DateTime<chrono::Utc>,
    question: &'a str,
    number: u32,
    level: crate::bank::Level,
    mode: &'a str,
    scorer: Option<String>,
    #[serde(skip)]
    scorer_kind: Option<&'static str>,
    #[serde(skip)]
    model: Option<&'a str>,
    overall: Option<f64>,
    band: Option<&'a str>,
    /// A mentor overrode verdicts: the grade is the reviewed one.
    reviewed: bool,
    finished: bool,
}

pub fn run(config: &Config, args: &HistoryArgs) -> crate::Result<()> {
    let store = Store::new(config.home().to_path_buf());
    let entries = store.entries()?;
    let mut broken = Vec::new();
    let mut rows = Vec::new();
    for entry in &entries {
        match entry {
            Entry::Ok(s) => rows.push(Row {
                id: &s.id,
                started_at: s.started_at,
                question: &s.question.id,
                number: s.question.number,
                level: s.question.level,
                mode: s.mode.as_str(),
                scorer: s.scorecard.as_ref().map(|c| c.scorer.describe()),
                scorer_kind: s.scorecard.as_ref().map(|c| match c.scorer.kind {
                    crate::scoring::ScorerKind::Offline => "offline",
                    crate::scoring::ScorerKind::Llm => "llm",
                }),
                model: s.scorecard.as_ref().and_then(|c| c.scorer.model.as_deref()),
                // An insufficient card has no grade to list.
                overall: s
                    .scorecard
                    .as_ref()
                    .filter(|c| c.band != crate::scoring::Band::Insufficient)
                    .map(|c| c.overall),
                band: s.scorecard.as_ref().map(|c| c.band.as_str()),
                reviewed: s.scorecard.as_ref().is_some_and(|c| c.review.is_some()),
                finished: s.is_finished(),
            }),
            Entry::Broken { error, .. } => {
                writeln!(
                    std::io::stderr(),
                    "error: {}",
                    crate::ui::clean(&error.to_string())
                )?;
                broken.push(error);
            }
        }
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        HistoryFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        HistoryFormat::Csv => {
            let mut csv = crate::report::csv::CsvWriter::new(&mut out);
            csv.row(&[
                "session",
                "started_at",
                "question_id",
                "question_number",
                "level",
                "mode",
                "scorer",
                "model",
                "overall",
                "band",
                "reviewed",
                "finished",
            ])?;
            for r in &rows {
                csv.row(&[
                    r.id.to_owned(),
                    r.started_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    r.question.to_owned(),
                    r.number.to_string(),
                    r.level.to_string(),
                    r.mode.to_owned(),
                    r.scorer_kind.unwrap_or_default().to_owned(),
                    r.model.unwrap_or_default().to_owned(),
                    crate::report::csv::number(r.overall),
                    r.band.unwrap_or_default().to_owned(),
                    r.reviewed.to_string(),
                    r.finished.to_string(),
                ])?;
            }
        }
        HistoryFormat::Table => {
            if rows.is_empty() && !broken.is_empty() {
                writeln!(out, "No readable interviews.")?;
            } else if rows.is_empty() {
                writeln!(
                    out,
                    "No interviews yet: start one with `rehearse practice`."
                )?;
            } else {
                let mut table = Table::new(&[
                    "DATE", "SESSION", "QUESTION", "LEVEL", "MODE", "SCORER", "OVERALL", "BAND",
                    "STATUS",
                ])
                .align_right(6);
                for r in &rows {
                    table.row(vec![
                        r.started_at.format("%Y-%m-%d %H:%M").to_string(),
                        r.id.to_owned(),
                        format!("#{} {}", r.number, r.question),
                        r.level.to_string(),
                        r.mode.to_owned(),
                        r.scorer.clone().unwrap_or_else(|| "–".into()),
                        r.overall.map_or("–".into(), |o| format!("{o:.1}")),
                        match (r.band, r.reviewed) {
                            (Some(band), true) => format!("{band} (reviewed)"),
                            (band, _) => band.unwrap_or("–").to_owned(),
                        },
                        if r.finished {
                            "finished".into()
                        } else {
                            "unfinished".into()
                        },
                    ]);
                }
                out.write_all(
                    table
                        .render(Style::for_stdout(config.no_color(), false))
                        .as_bytes(),
                )?;
            }
        }
    }
    out.flush()?;
    if !broken.is_empty() {
        return Err(super::unreadable_sessions(
            &broken,
            "the others are listed above",
        ));
    }
    Ok(())
}
