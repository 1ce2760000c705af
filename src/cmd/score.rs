//! `rehearse score`: grade written answers against a question's rubric, one file, many files
//! (concurrently for the LLM judge) or stdin, as readable scorecards or JSON Lines.

use std::io::Write;
use std::path::Path;

use futures_util::StreamExt;
use serde::Serialize;

use crate::bank::{Bank, Question};
use crate::cli::{Fallback, ScoreArgs, ScoreFormat};
use crate::config::Config;
use crate::framework::Framework;
use crate::report;
use crate::scoring::judge::JudgeInput;
use crate::scoring::{Answer, Scorecard, Scored, Scorer};
use crate::ui::Style;

/// Answers above this size are refused: nobody writes a megabyte in an interview.
pub const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// One line of `--format json` (design §7).
#[derive(Serialize)]
struct ScoreLine<'a> {
    schema_version: u32,
    input: &'a str,
    #[serde(flatten)]
    card: &'a Scorecard,
}

/// Reads one answer, refusing what cannot be an answer with a reason the user can act on.
/// Reads are bounded by the bytes actually read: a device or a FIFO reports no size.
pub(super) fn read_answer(path: &Path) -> Result<String, String> {
    let read = if path == Path::new("-") {
        crate::files::read_to_limit(std::io::stdin().lock(), MAX_ANSWER_BYTES)
    } else {
        // A regular file says its size: refuse a big one before reading it.
        if let Ok(meta) = std::fs::metadata(path)
            && meta.is_file()
            && meta.len() > MAX_ANSWER_BYTES
        {
            return Err(format!(
                "is {} bytes; answers larger than 1 MB are not scored",
                meta.len()
            ));
        }
        crate::files::read_bounded(path, MAX_ANSWER_BYTES)
    };
    let bytes = read.map_err(|e| match e {
        crate::files::ReadError::IsDirectory => {
            "is a directory; pass the answer files inside it".to_owned()
        }
        crate::files::ReadError::TooLarge { .. } => {
            "is larger than 1 MB; answers that large are not scored".to_owned()
        }
        crate::files::ReadError::NotFound => "cannot read: No such file or directory".to_owned(),
        other => other.to_string(),
    })?;
    if bytes.contains(&0) {
        return Err("looks like a binary file, not a written answer".into());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        return Err("is empty; write an answer first".into());
    }
    Ok(text)
}

pub(super) fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "stdin".into()
    } else {
        path.display().to_string()
    }
}

pub fn run(config: &Config, bank: &Bank, args: &ScoreArgs) -> crate::Result<()> {
    let question = bank.find(&args.question)?;
    let framework = bank.frameworks().get(question.kind);
    if args
        .files
        .iter()
        .filter(|f| f.as_path() == Path::new("-"))
        .count()
        > 1
    {
        return Err(crate::Error::Usage(
            "standard input (-) can be given only once".into(),
        ));
    }
    if args.batch || args.batch_file.is_some() {
        return super::batch::submit(config, bank, question, framework, args);
    }
    let err_style = Style::for_stderr(config.no_color());
    let scorer = super::judge_scorer(config, args.fallback == Some(Fallback::Offline))?;
    super::offline_notice(config, "scoring", err_style)?;

    let mut stderr = std::io::stderr();
    // Read everything first: a bad file is reported, the others are still scored. Recorded
    // answers are transcribed first, and their delivery goes on their scorecards.
    let mut deliveries = vec![None; args.files.len()];
    let mut transcription_failures = 0;
    let inputs: Vec<(String, Result<String, String>)> = if args.audio {
        let transcriber = super::transcribe::transcriber(config)?;
        let heard = super::transcribe::hear_all(&transcriber, &args.files, err_style)?;
        heard
            .into_iter()
            .enumerate()
            .map(|(i, (name, heard))| match heard {
                super::transcribe::Heard::Spoken(spoken) => {
                    deliveries[i] = Some(spoken.delivery.clone());
                    (name, Ok(spoken.transcript.text))
                }
                super::transcribe::Heard::BadInput(problem) => (name, Err(problem)),
                super::transcribe::Heard::Failed(problem) => {
                    transcription_failures += 1;
                    (name, Err(problem))
                }
            })
            .collect()
    } else {
        let inputs: Vec<(String, Result<String, String>)> = args
            .files
            .iter()
            .map(|p| (display_name(p), read_answer(p)))
            .collect();
        for (name, read) in &inputs {
            if let Err(problem) = read {
                writeln!(stderr, "error: {name}: {problem}")?;
            }
        }
        inputs
    };

    warn_unreadable_diagrams(&inputs, &mut stderr)?;
    let mut results = score_all(&scorer, question, framework, &inputs, args)?;
    for (result, delivery) in results.iter_mut().zip(deliveries) {
        if let Some(Ok(scored)) = result {
            scored.card.delivery = delivery;
        }
    }

    if let Some(dir) = &args.report {
        write_reports(
            dir,
            args.report_format,
            question,
            framework,
            &inputs,
            &results,
            &mut stderr,
        )?;
    }

    let mut printer = Printer::new(config, args.format, question, framework)?;
    let mut failures = 0;
    for ((name, _), result) in inputs.iter().zip(&results) {
        let Some(result) = result else { continue };
        match result {
            Ok(scored) => {
                if let Some(err) = &scored.fallback_from {
                    writeln!(
                        stderr,
                        "warning: {name}: the LLM judge failed ({err}); scored offline because of --fallback offline"
                    )?;
                }
                printer.card(name, &scored.card)?;
            }
            Err(err) => {
                failures += 1;
                writeln!(stderr, "error: {name}: the LLM judge failed: {err}")?;
            }
        }
    }
    printer.finish()?;
    if transcription_failures > 0 {
        return Err(crate::Error::Failed(format!(
            "{transcription_failures} of {} recording(s) could not be transcribed; the others were scored",
            inputs.len()
        )));
    }
    let bad_inputs = inputs.iter().filter(|(_, r)| r.is_err()).count();
    if failures > 0 {
        return Err(crate::Error::Failed(format!(
            "{failures} of {} answer(s) could not be scored by the LLM judge (add --fallback offline to score them offline instead)",
            inputs.len()
        )));
    }
    if bad_inputs > 0 {
        let message = match (bad_inputs, inputs.len()) {
            (1, 1) => "the input could not be read; nothing was scored".to_owned(),
            (bad, all) if bad == all => {
                format!("none of the {all} inputs could be read; nothing was scored")
            }
            (bad, all) => {
                format!("{bad} of {all} input(s) could not be read; the others were scored")
            }
        };
        return Err(crate::Error::Usage(message));
    }
    Ok(())
}

/// A diagram that does not parse does not stop the answer being scored: the reader is told
/// where it broke (the card carries the flag `diagram_unreadable`).
fn warn_unreadable_diagrams(
    inputs: &[(String, Result<String, String>)],
    stderr: &mut impl Write,
) -> crate::Result<()> {
    for (name, read) in inputs {
        if let Ok(text) = read {
            warn_unreadable_diagram(name, text, stderr)?;
        }
    }
    Ok(())
}

/// The warning for one answer whose ```mermaid block does not parse.
pub(super) fn warn_unreadable_diagram(
    name: &str,
    text: &str,
    stderr: &mut impl Write,
) -> crate::Result<()> {
    if let (_, Some(crate::diagram::Found { parsed: Err(e), .. })) = crate::diagram::extract(text) {
        writeln!(
            stderr,
            "warning: {name}: the mermaid diagram could not be read ({e}); the rest of the answer was scored without it"
        )?;
    }
    Ok(())
}

/// Prints scorecards on stdout in the chosen format, in the order given: readable cards, JSON
/// Lines (design §7) or CSV rows under one header. Shared by `score` and `batch collect`.
pub(super) struct Printer<'a> {
    format: ScoreFormat,
    style: Style,
    question: &'a Question,
    framework: &'a Framework,
    out: std::io::StdoutLock<'static>,
    first: bool,
}

impl<'a> Printer<'a> {
    pub(super) fn new(
        config: &Config,
        format: ScoreFormat,
        question: &'a Question,
        framework: &'a Framework,
    ) -> crate::Result<Printer<'a>> {
        let mut out = std::io::stdout().lock();
        if format == ScoreFormat::Csv {
            report::csv::CsvWriter::new(&mut out).row(&report::csv::scorecard_header(framework))?;
        }
        Ok(Printer {
            format,
            style: Style::for_stdout(config.no_color(), format != ScoreFormat::Text),
            question,
            framework,
            out,
            first: true,
        })
    }

    pub(super) fn card(&mut self, name: &str, card: &Scorecard) -> crate::Result<()> {
        match self.format {
            ScoreFormat::Json => {
                let line = ScoreLine {
                    schema_version: 1,
                    input: name,
                    card,
                };
                serde_json::to_writer(&mut self.out, &line)?;
                writeln!(self.out)?;
            }
            ScoreFormat::Csv => {
                report::csv::CsvWriter::new(&mut self.out).row(&report::csv::scorecard_row(
                    name,
                    card,
                    self.framework,
                ))?;
            }
            ScoreFormat::Text => {
                if !self.first {
                    writeln!(self.out)?;
                }
                let text =
                    report::text::render(card, self.question, self.framework, name, self.style);
                self.out.write_all(text.as_bytes())?;
            }
        }
        self.first = false;
        Ok(())
    }

    pub(super) fn finish(mut self) -> crate::Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// Writes the reports of `score --report DIR`, one per answer, named after the answer file
/// (`stdin` for `-`; `-2`, `-3`… when two answers share a name).
pub(super) struct ReportWriter<'a> {
    dir: &'a Path,
    format: crate::cli::ReportFormat,
    used: Vec<String>,
    now: chrono::DateTime<chrono::Utc>,
}

impl<'a> ReportWriter<'a> {
    pub(super) fn new(
        dir: &'a Path,
        format: crate::cli::ReportFormat,
    ) -> crate::Result<ReportWriter<'a>> {
        crate::files::ensure_dir(dir)?;
        Ok(ReportWriter {
            dir,
            format,
            used: Vec::new(),
            now: chrono::Utc::now(),
        })
    }

    pub(super) fn write(
        &mut self,
        question: &Question,
        framework: &Framework,
        name: &str,
        text: &str,
        card: &Scorecard,
    ) -> crate::Result<std::path::PathBuf> {
        let stem = Path::new(name)
            .file_stem()
            .map_or("answer".to_owned(), |s| s.to_string_lossy().into_owned());
        let path_of = |file: &str| self.dir.join(format!("{file}.{}", self.format.extension()));
        // Another answer's report, or a file that is not a report (the answer itself, when
        // the reports go next to the answers), takes the next free name.
        let taken = |file: &str| {
            let path = path_of(file);
            self.used.iter().any(|u| u == file)
                || (path.exists() && !crate::report::is_rehearse_report(&path))
        };
        let mut file = stem.clone();
        let mut n = 2;
        while taken(&file) {
            file = format!("{stem}-{n}");
            n += 1;
        }
        self.used.push(file.clone());
        let answer = Answer::from_text(text, framework);
        let model =
            crate::report::model::build(card, question, framework, None, &answer, name, self.now);
        let rendered = super::report::render(self.format, &model, card, None, Some(text));
        let path = path_of(&file);
        crate::files::write_output(&path, rendered.as_bytes())?;
        Ok(path)
    }
}

type Outcome = Option<Result<Scored, crate::llm::LlmError>>;

/// One report per scored answer in `dir`.
fn write_reports(
    dir: &Path,
    format: crate::cli::ReportFormat,
    question: &Question,
    framework: &Framework,
    inputs: &[(String, Result<String, String>)],
    results: &[Outcome],
    stderr: &mut impl Write,
) -> crate::Result<()> {
    let mut writer = ReportWriter::new(dir, format)?;
    for ((name, text), result) in inputs.iter().zip(results) {
        let (Ok(text), Some(Ok(scored))) = (text, result) else {
            continue;
        };
        let path = writer.write(question, framework, name, text, &scored.card)?;
        writeln!(stderr, "report: {}", path.display())?;
    }
    Ok(())
}

/// Scores every readable input; `None` marks inputs that could not be read. Results keep input
/// order whatever order they finish in.
fn score_all(
    scorer: &Scorer,
    question: &Question,
    framework: &Framework,
    inputs: &[(String, Result<String, String>)],
    args: &ScoreArgs,
) -> crate::Result<Vec<Outcome>> {
    let answers: Vec<Option<Answer>> = inputs
        .iter()
        .map(|(_, r)| r.as_ref().ok().map(|t| Answer::from_text(t, framework)))
        .collect();
    let readable = answers.iter().filter(|a| a.is_some()).count();
    let progress = if readable > 1 {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(readable as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("scoring with the {}", scorer.describe()));
        Some(bar)
    } else {
        None
    };
    let runtime = super::runtime()?;
    let results = runtime.block_on(async {
        let jobs = answers.iter().enumerate().filter_map(|(i, answer)| {
            let answer = answer.as_ref()?;
            let progress = progress.clone();
            Some(async move {
                let input = JudgeInput {
                    question,
                    framework,
                    answer,
                    transcript: answer.full_text(),
                    notes: Vec::new(),
                    seniority: args.level,
                };
                let result = scorer.score(&input).await;
                if let Some(p) = &progress {
                    p.inc(1);
                }
                (i, result)
            })
        });
        let mut done: Vec<(usize, Result<Scored, crate::llm::LlmError>)> =
            futures_util::stream::iter(jobs)
                .buffer_unordered(usize::from(args.jobs))
                .collect()
                .await;
        done.sort_by_key(|(i, _)| *i);
        done
    });
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    let mut outcomes: Vec<Outcome> = (0..inputs.len()).map(|_| None).collect();
    for (i, result) in results {
        outcomes[i] = Some(result);
    }
    Ok(outcomes)
}
