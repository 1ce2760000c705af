//! `rehearse review`: a mentor overrides rubric verdicts, of a finished interview (its session
//! file) or of a JSON scorecard written by `score --report`. The machine's verdicts and numbers
//! stay beside the reviewed ones; reports already written next to it are rewritten so none of
//! them shows the old grade.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::bank::{Bank, Question};
use crate::cli::{ReportFormat, ReviewArgs, ReviewOverride};
use crate::config::Config;
use crate::framework::Framework;
use crate::scoring::review::{self, Override};
use crate::scoring::{Answer, Scorecard};
use crate::session::Session;
use crate::store::{Store, Want};
use crate::ui::{Style, Table};

/// JSON scorecards are reports: a few megabytes at most.
const MAX_SCORECARD_BYTES: u64 = 32 * 1024 * 1024;

pub fn run(config: &Config, bank: &Bank, args: &ReviewArgs) -> crate::Result<()> {
    let asked = args.overrides.clone().map_err(crate::Error::Usage)?;
    let path = Path::new(&args.target);
    if path.extension().is_some_and(|e| e == "json") || path.is_file() {
        review_file(config, bank, path, &asked)
    } else {
        review_session(config, bank, &args.target, &asked)
    }
}

fn overrides(asked: &[ReviewOverride]) -> Vec<Override> {
    asked
        .iter()
        .map(|o| Override {
            item: o.item.clone(),
            verdict: o.verdict,
            note: o.note.clone(),
        })
        .collect()
}

fn question_of<'b>(bank: &'b Bank, card: &Scorecard, source: &str) -> crate::Result<&'b Question> {
    bank.find(&card.question.id).map_err(|_| {
        crate::Error::Usage(format!(
            "{source} is about question \"{}\", which is not in the bank (was it in a --questions directory?)",
            card.question.id
        ))
    })
}

fn review_session(
    config: &Config,
    bank: &Bank,
    target: &str,
    asked: &[ReviewOverride],
) -> crate::Result<()> {
    let store = Store::new(config.home().to_path_buf());
    let found = store.find(target, Want::Finished)?;
    // Held while the file is rewritten: a REPL that has it open keeps its own copy.
    let _lock = store.lock(&found.id)?;
    let mut session = store.load(&found.id)?;
    let Some(card) = session.scorecard.as_mut() else {
        return Err(crate::Error::Usage(format!(
            "session {} is not finished yet: finish it with /done (`rehearse resume {}`) before reviewing it",
            session.id, session.id
        )));
    };
    let question = question_of(bank, card, &format!("session {}", found.id))?;
    let framework = bank.frameworks().get(question.kind);
    if asked.is_empty() {
        return list(config, question, card);
    }
    review::apply(card, framework, &overrides(asked), chrono::Utc::now())?;
    let path = store.save(&session)?;
    let card = session.scorecard.as_ref().expect("reviewed above");
    let mut stderr = std::io::stderr();
    writeln!(stderr, "saved: {}", path.display())?;
    // Reports written earlier next to the session would still show the machine's grade.
    let date = session.finished_at.unwrap_or(session.updated_at);
    let model = crate::finish::report_of(question, framework, &session, card, date);
    for format in [ReportFormat::Md, ReportFormat::Html, ReportFormat::Json] {
        let report = store.report_path(&session.id, format.extension());
        if report.is_file() {
            let text = super::report::render(format, &model, card, Some(&session), None);
            crate::files::write_output(&report, text.as_bytes())?;
            writeln!(stderr, "report: {}", report.display())?;
        }
    }
    print_card(config, question, framework, card, &session.id)
}

/// A JSON report from `score --report` (or `report --format json`): the scorecard is reviewed in
/// place and the file's other fields kept; Markdown and HTML reports of the same name beside it
/// are rewritten.
fn review_file(
    config: &Config,
    bank: &Bank,
    path: &Path,
    asked: &[ReviewOverride],
) -> crate::Result<()> {
    let shown = path.display().to_string();
    let bytes = crate::files::read_bounded(path, MAX_SCORECARD_BYTES)
        .map_err(|e| crate::Error::Usage(format!("{shown}: {e}")))?;
    let mut doc: Value = serde_json::from_slice(&bytes).map_err(|e| {
        crate::Error::Usage(format!(
            "{shown}: not a JSON scorecard ({e}); review the JSON report written by `score --report DIR --report-format json`"
        ))
    })?;
    let mut card: Scorecard = doc
        .get("scorecard")
        .cloned()
        .ok_or_else(|| {
            crate::Error::Usage(format!(
                "{shown}: has no \"scorecard\"; review the JSON report written by `score --report DIR --report-format json`"
            ))
        })
        .and_then(|v| {
            serde_json::from_value(v)
                .map_err(|e| crate::Error::Usage(format!("{shown}: scorecard: {e}")))
        })?;
    let question = question_of(bank, &card, &shown)?;
    let framework = bank.frameworks().get(question.kind);
    if asked.is_empty() {
        return list(config, question, &card);
    }
    review::apply(&mut card, framework, &overrides(asked), chrono::Utc::now())?;
    doc["scorecard"] = serde_json::to_value(&card)?;
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    crate::files::write_output(path, text.as_bytes())?;
    let mut stderr = std::io::stderr();
    writeln!(stderr, "saved: {shown}")?;

    let session: Option<Session> = doc
        .get("session")
        .and_then(|s| serde_json::from_value(s.clone()).ok());
    let written = doc.get("answer").and_then(Value::as_str);
    let source = doc
        .get("source")
        .and_then(Value::as_str)
        .unwrap_or(&shown)
        .to_owned();
    let answer = match (&session, written) {
        (Some(s), _) => s.answer(),
        (None, Some(text)) => Answer::from_text(text, framework),
        (None, None) => Answer::from_text("", framework),
    };
    let model = crate::report::model::build(
        &card,
        question,
        framework,
        session.as_ref(),
        &answer,
        &source,
        chrono::Utc::now(),
    );
    for format in [ReportFormat::Md, ReportFormat::Html] {
        let sibling: PathBuf = path.with_extension(format.extension());
        // Only a report rehearse wrote: never the answer file that shares the name.
        if sibling.is_file() && crate::report::is_rehearse_report(&sibling) {
            let text = super::report::render(format, &model, &card, session.as_ref(), written);
            crate::files::write_output(&sibling, text.as_bytes())?;
            writeln!(stderr, "report: {}", sibling.display())?;
        }
    }
    print_card(config, question, framework, &card, &shown)
}

fn print_card(
    config: &Config,
    question: &Question,
    framework: &Framework,
    card: &Scorecard,
    name: &str,
) -> crate::Result<()> {
    let style = Style::for_stdout(config.no_color(), false);
    let text = crate::report::text::render(card, question, framework, name, style);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The items with the machine's verdict, the evidence it saw, and any reviewer's override.
fn list(config: &Config, question: &Question, card: &Scorecard) -> crate::Result<()> {
    let mut out = std::io::stdout().lock();
    let reviewed = if card.review.is_some() {
        " (reviewed)"
    } else {
        ""
    };
    writeln!(
        out,
        "#{} {} · scored by the {} · {:.1} / 100 — {}{reviewed}",
        question.number,
        crate::ui::clean(&question.title),
        card.scorer.describe(),
        card.overall,
        card.band.label()
    )?;
    let mut table = Table::new(&["ITEM", "STAGE", "W", "MACHINE", "REVIEWED", "EVIDENCE"]);
    for item in &card.rubric {
        let (machine, reviewed) = match &item.review {
            Some(r) => (
                r.machine_verdict.as_str().to_owned(),
                match &r.note {
                    Some(note) => format!("{} ({})", item.verdict.as_str(), note),
                    None => item.verdict.as_str().to_owned(),
                },
            ),
            None => (item.verdict.as_str().to_owned(), "–".to_owned()),
        };
        table.row(vec![
            item.id.clone(),
            item.stage.clone(),
            item.weight.to_string(),
            machine,
            crate::ui::clean(&reviewed).into_owned(),
            item.evidence.as_deref().map_or("–".to_owned(), |e| {
                crate::ui::clean(&crate::strings::clip(e, 60)).into_owned()
            }),
        ]);
    }
    out.write_all(
        table
            .render(Style::for_stdout(config.no_color(), false))
            .as_bytes(),
    )?;
    writeln!(
        out,
        "Override with: rehearse review TARGET --item ID --verdict covered|partial|missing [--note TEXT]"
    )?;
    out.flush()?;
    Ok(())
}
