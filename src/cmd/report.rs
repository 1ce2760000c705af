//! `rehearse report`: the report of a finished interview, as Markdown, HTML or JSON.

use std::io::Write;
use std::path::Path;

use crate::bank::Bank;
use crate::cli::{ReportArgs, ReportFormat};
use crate::config::Config;
use crate::report;
use crate::scoring::Scorecard;
use crate::session::Session;
use crate::store::{Store, Want};

/// Renders a report in `format`. `session` is present for interviews; `written` holds the
/// text of a written answer (for the JSON form).
pub fn render(
    format: ReportFormat,
    model: &report::Report,
    card: &Scorecard,
    session: Option<&Session>,
    written: Option<&str>,
) -> String {
    match format {
        ReportFormat::Md => report::markdown::render(model),
        ReportFormat::Html => report::html::render(model),
        ReportFormat::Json => report::json::render(model, card, session, written),
    }
}

/// Writes `text` to `output` (`-` is stdout): regular files are replaced atomically, devices
/// and FIFOs written into, symlinks followed (see [`crate::files::write_output`]). Returns the
/// path written, for the caller to print, or `None` for stdout.
pub fn write_output(output: &Path, text: &str) -> crate::Result<Option<std::path::PathBuf>> {
    crate::files::write_output(output, text.as_bytes())?;
    Ok((output != Path::new("-")).then(|| output.to_path_buf()))
}

pub fn run(config: &Config, bank: &Bank, args: &ReportArgs) -> crate::Result<()> {
    let store = Store::new(config.home().to_path_buf());
    let session = match &args.session {
        Some(query) => store.find(query, Want::Finished)?,
        None => store
            .sessions()?
            .into_iter()
            .find(Session::is_finished)
            .ok_or_else(|| {
                crate::Error::Usage(
                    "no finished interview yet: finish one with /done, or name a session".into(),
                )
            })?,
    };
    let Some(card) = &session.scorecard else {
        return Err(crate::Error::Usage(format!(
            "session {} is not finished yet; continue it with `rehearse resume {}` and finish with /done",
            session.id, session.id
        )));
    };
    let question = bank.find(&session.question.id).map_err(|_| {
        crate::Error::Usage(format!(
            "session {} is about question \"{}\", which is not in the bank (was it in a --questions directory?)",
            session.id, session.question.id
        ))
    })?;
    let framework = bank.frameworks().get(question.kind);
    let date = session.finished_at.unwrap_or(session.updated_at);
    let model = crate::finish::report_of(question, framework, &session, card, date);
    let text = render(args.format, &model, card, Some(&session), None);
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| store.report_path(&session.id, args.format.extension()));
    if let Some(path) = write_output(&output, &text)? {
        writeln!(std::io::stdout(), "{}", path.display())?;
    }
    Ok(())
}
