//! Cohorts through a provider's Batch API: `score --batch` (submit, wait, collect),
//! `score --batch-file` (write the requests only), and `rehearse batch list | status | collect
//! | cancel`, which work on what `$REHEARSE_HOME/batches/` recorded, after Ctrl-C or a reboot.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::bank::{Bank, Question};
use crate::cli::{BatchArgs, BatchCommand, CollectArgs, Fallback, ListFormat, ScoreArgs};
use crate::cohort::record::{
    ANSWERS_FILE, BatchRecord, ERRORS_FILE, OUTPUT_FILE, REQUESTS_FILE, SCHEMA_VERSION, Submitted,
    batch_of,
};
use crate::cohort::requests::{BatchWriter, judge_input};
use crate::cohort::results::{ResultIndex, answers, judge_line};
use crate::config::Config;
use crate::framework::Framework;
use crate::llm::batch::BatchStatus;
use crate::llm::redact::Secrets;
use crate::llm::{ClientSettings, OpenAiClient};
use crate::scoring::{Answer, offline, scorecard::flags};
use crate::store::Store;
use crate::ui::{Style, Table};

pub fn run(config: &Config, bank: &Bank, args: &BatchArgs) -> crate::Result<()> {
    let store = Store::new(config.home().to_path_buf());
    match &args.which {
        BatchCommand::List { format } => list(config, &store, *format),
        BatchCommand::Status { id } => status(config, &store, id),
        BatchCommand::Cancel { id } => cancel(config, &store, id),
        BatchCommand::Collect(args) => {
            let (record, from) = match (&args.id, &args.from) {
                (Some(id), from) => (BatchRecord::find(&store, id)?, from.clone()),
                (None, Some(from)) => (record_of_output(&store, from)?, Some(from.clone())),
                (None, None) => unreachable!("clap requires an id without --from"),
            };
            collect(
                config,
                bank,
                &store,
                record,
                from.as_deref(),
                &Collect::from(args),
            )
        }
    }
}

/// How the scorecards of a batch are printed and what happens to failed requests.
pub(super) struct Collect {
    pub format: crate::cli::ScoreFormat,
    pub report: Option<(PathBuf, crate::cli::ReportFormat)>,
    pub fallback_offline: bool,
}

impl Collect {
    /// The same options whether they come from `batch collect` or `score --batch`.
    fn new(
        format: crate::cli::ScoreFormat,
        report: Option<&PathBuf>,
        report_format: crate::cli::ReportFormat,
        fallback: Option<Fallback>,
    ) -> Collect {
        Collect {
            format,
            report: report.map(|d| (d.clone(), report_format)),
            fallback_offline: fallback == Some(Fallback::Offline),
        }
    }
}

impl From<&CollectArgs> for Collect {
    fn from(args: &CollectArgs) -> Collect {
        Collect::new(
            args.format,
            args.report.as_ref(),
            args.report_format,
            args.fallback,
        )
    }
}

fn client(config: &Config, purpose: &str) -> crate::Result<OpenAiClient> {
    let settings =
        ClientSettings::from_config(config, config.judge_model()).ok_or_else(|| {
            crate::Error::Usage(format!(
                "{purpose} needs an endpoint with a Batch API (set REHEARSE_BASE_URL and REHEARSE_API_KEY; `rehearse doctor` checks them); to run the batch elsewhere, write its requests with `score --batch-file FILE`"
            ))
        })?;
    Ok(OpenAiClient::new(settings)?)
}

fn secrets(config: &Config) -> Secrets {
    match ClientSettings::from_config(config, config.judge_model()) {
        Some(s) => Secrets::of_endpoint(s.api_key.as_ref().map(|k| k.expose()), &s.base_url),
        None => Secrets::new([]),
    }
}

/// The status in a line, safe to print (the words are the provider's).
fn summary(status: &BatchStatus) -> String {
    let c = status.request_counts;
    format!(
        "{} — {} of {} done, {} failed",
        crate::ui::clean(&status.status),
        c.completed,
        c.total,
        c.failed
    )
}

/// `score --batch` and `score --batch-file`: writes the request file one answer at a time,
/// records the batch, then either stops (`--batch-file`) or submits, waits and collects.
pub(super) fn submit(
    config: &Config,
    bank: &Bank,
    question: &Question,
    framework: &Framework,
    args: &ScoreArgs,
) -> crate::Result<()> {
    let client = if args.batch {
        Some(client(config, "--batch")?)
    } else {
        None
    };
    let store = Store::new(config.home().to_path_buf());
    let now = chrono::Utc::now();
    let (id, dir) =
        store.create_batch_dir(&format!("{}-{}", now.format("%Y%m%d-%H%M%S"), question.id))?;
    let model = config.judge_model().to_owned();
    let requests = dir.join(REQUESTS_FILE);
    let mut writer = BatchWriter::new(
        &id,
        question,
        framework,
        args.level,
        &model,
        &requests,
        &dir.join(ANSWERS_FILE),
    )?;
    let mut stderr = std::io::stderr();
    let mut inputs = Vec::new();
    let mut unreadable = 0;
    for path in &args.files {
        let name = super::score::display_name(path);
        match super::score::read_answer(path) {
            Ok(text) => {
                super::score::warn_unreadable_diagram(&name, &text, &mut stderr)?;
                inputs.push(writer.add(&name, &text)?);
            }
            Err(problem) => {
                unreadable += 1;
                writeln!(stderr, "error: {name}: {problem}")?;
            }
        }
    }
    writer.finish()?;
    if inputs.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(crate::Error::Usage(
            "none of the inputs could be read; nothing was submitted".into(),
        ));
    }
    let mut record = BatchRecord {
        schema_version: SCHEMA_VERSION,
        id: id.clone(),
        created_at: now,
        question: question.id.clone(),
        seniority: args.level,
        model: model.clone(),
        requests: requests.clone(),
        inputs,
        submitted: None,
        status: None,
        collected_at: None,
    };
    record.save(&store)?;
    let count = record.inputs.len();
    let unread = || -> crate::Result<()> {
        if unreadable > 0 {
            return Err(crate::Error::Usage(format!(
                "{unreadable} of {} input(s) could not be read; the others are in the batch",
                args.files.len()
            )));
        }
        Ok(())
    };

    let Some(client) = client else {
        let file = args.batch_file.as_ref().expect("--batch or --batch-file");
        copy_out(&requests, file)?;
        writeln!(
            stderr,
            "wrote {}: {count} request(s) for #{} {} (batch {id}, model {model}); nothing was submitted.\nRun it, e.g. `vllm run-batch -i {} -o results.jsonl --model {model}`, then score the output with `rehearse batch collect {id} --from results.jsonl`.",
            file.display(),
            question.number,
            question.id,
            file.display()
        )?;
        return unread();
    };

    let runtime = super::runtime()?;
    let status = runtime.block_on(async {
        let file_id = client.upload_batch_file(&requests).await?;
        let status = client
            .create_batch(
                &file_id,
                json!({ "rehearse_batch": id, "question": question.id }),
            )
            .await?;
        record.submitted = Some(Submitted {
            batch_id: status.id.clone(),
            base_url: crate::settings::redact_url(&config_base_url(config)),
            input_file_id: file_id,
        });
        record.status = Some(status.clone());
        record.save(&store)?;
        // Ctrl-C from here on stops the waiting, not the process: the handler is in place
        // before the user is told the batch exists.
        let interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            .map_err(|e| crate::Error::Failed(format!("cannot watch for Ctrl-C: {e}")))?;
        writeln!(
            std::io::stderr(),
            "batch {}: {count} answer(s) to #{} {} submitted (rehearse id {id}); if this stops, `rehearse batch collect {}` picks it up",
            crate::ui::clean(&status.id),
            question.number,
            question.id,
            crate::ui::clean(&status.id)
        )?;
        wait(&client, &store, &mut record, config.batch_poll(), interrupt).await
    })?;
    if let Some(problem) = status
        .problem
        .as_ref()
        .filter(|_| status.status == "failed")
    {
        return Err(crate::Error::Failed(format!(
            "the provider failed batch {}: {}",
            crate::ui::clean(&status.id),
            crate::ui::clean(problem)
        )));
    }
    watch_interrupt_while_collecting(&status.id);
    let options = Collect::new(
        args.format,
        args.report.as_ref(),
        args.report_format,
        args.fallback,
    );
    collect_with(config, bank, &store, record, None, &options, Some(&client))?;
    unread()
}

/// Once waiting is over, Ctrl-C must still stop the download and the printing (the handler
/// installed for waiting replaced the default one): collecting again later gives the same
/// output, so stopping loses nothing.
fn watch_interrupt_while_collecting(batch: &str) {
    let batch = batch.to_owned();
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            let Ok(mut interrupt) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            else {
                return;
            };
            interrupt.recv().await;
            let _ = writeln!(
                std::io::stderr(),
                "\ninterrupted; `rehearse batch collect {batch}` collects the batch again"
            );
            std::process::exit(i32::from(crate::exit::FAILURE));
        });
    });
}

fn config_base_url(config: &Config) -> String {
    config
        .text(&crate::settings::BASE_URL)
        .unwrap_or_default()
        .to_owned()
}

/// `--batch-file FILE`: the request file copied where the user asked. A regular (or new) file is
/// replaced atomically; a missing directory is an error naming it.
fn copy_out(requests: &Path, to: &Path) -> crate::Result<()> {
    let parent = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(crate::Error::Usage(format!(
            "cannot write {}: the directory {} does not exist",
            to.display(),
            parent.display()
        )));
    }
    let failed = |e: std::io::Error| {
        crate::Error::Failed(format!(
            "cannot write {}: {}",
            to.display(),
            crate::strings::io_message(&e)
        ))
    };
    let regular_or_new = std::fs::metadata(to).map_or(true, |m| m.is_file());
    if regular_or_new {
        let mut temp = tempfile::NamedTempFile::new_in(parent).map_err(failed)?;
        std::io::copy(
            &mut std::fs::File::open(requests).map_err(failed)?,
            &mut temp,
        )
        .map_err(failed)?;
        temp.as_file().sync_all().map_err(failed)?;
        temp.persist(to).map_err(|e| failed(e.error))?;
    } else {
        std::io::copy(
            &mut std::fs::File::open(requests).map_err(failed)?,
            &mut std::fs::OpenOptions::new()
                .write(true)
                .open(to)
                .map_err(failed)?,
        )
        .map_err(failed)?;
    }
    Ok(())
}

/// Polls until the batch is done, with a spinner showing its status and counts. Ctrl-C stops
/// waiting (the batch goes on at the provider, and its record says how to collect it).
async fn wait(
    client: &OpenAiClient,
    store: &Store,
    record: &mut BatchRecord,
    poll: std::time::Duration,
    mut interrupt: tokio::signal::unix::Signal,
) -> crate::Result<BatchStatus> {
    let batch_id = record
        .submitted
        .as_ref()
        .expect("submitted before waiting")
        .batch_id
        .clone();
    let spinner =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    spinner.set_style(
        indicatif::ProgressStyle::with_template("{spinner} batch {prefix}: {msg} ({elapsed})")
            .expect("valid template"),
    );
    spinner.set_prefix(batch_id.clone());
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let interrupted = || {
        crate::Error::Failed(format!(
            "stopped waiting; batch {batch_id} goes on at the provider: `rehearse batch status {batch_id}` shows how it is doing, `rehearse batch collect {batch_id}` scores it once it is done"
        ))
    };
    loop {
        let status = tokio::select! {
            status = client.batch_status(&batch_id) => status?,
            _ = interrupt.recv() => {
                spinner.finish_and_clear();
                return Err(interrupted());
            }
        };
        record.status = Some(status.clone());
        record.save(store)?;
        spinner.set_message(summary(&status));
        if status.is_done() {
            spinner.finish_and_clear();
            return Ok(status);
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = interrupt.recv() => {
                spinner.finish_and_clear();
                return Err(interrupted());
            }
        }
    }
}

/// The batch whose results `out` holds, by the batch id in its custom_ids.
fn record_of_output(store: &Store, out: &Path) -> crate::Result<BatchRecord> {
    let index = ResultIndex::build(&[out.to_path_buf()])?;
    let Some(custom_id) = index.any_id() else {
        return Err(crate::Error::Usage(format!(
            "{} holds no results (is it the output file of the batch?)",
            out.display()
        )));
    };
    let batch = batch_of(custom_id).ok_or_else(|| {
        crate::Error::Usage(format!(
            "{}: custom_id \"{custom_id}\" is not one rehearse wrote; name the batch: `rehearse batch collect ID --from {}`",
            out.display(),
            out.display()
        ))
    })?;
    Ok(BatchRecord::find(store, batch)?)
}

fn collect(
    config: &Config,
    bank: &Bank,
    store: &Store,
    record: BatchRecord,
    from: Option<&Path>,
    options: &Collect,
) -> crate::Result<()> {
    let needs_download = from.is_none() && !downloaded(store, &record);
    let client = if needs_download {
        Some(client(config, "collecting a batch")?)
    } else {
        None
    };
    collect_with(config, bank, store, record, from, options, client.as_ref())
}

/// The results of a batch were downloaded before: collect them again from disk.
fn downloaded(store: &Store, record: &BatchRecord) -> bool {
    record.collected_at.is_some()
        && (record.file(store, OUTPUT_FILE).is_file() || record.file(store, ERRORS_FILE).is_file())
}

/// Downloads the results when needed, then prints one scorecard per answer in input order;
/// answers whose request failed are reported one by one (exit 1), or scored offline with
/// `--fallback offline`.
fn collect_with(
    config: &Config,
    bank: &Bank,
    store: &Store,
    mut record: BatchRecord,
    from: Option<&Path>,
    options: &Collect,
    client: Option<&OpenAiClient>,
) -> crate::Result<()> {
    let question = bank.find(&record.question).map_err(|_| {
        crate::Error::Usage(format!(
            "batch {} is about question \"{}\", which is not in the bank (was it in a --questions directory?)",
            record.id, record.question
        ))
    })?;
    let framework = bank.frameworks().get(question.kind);
    let files = match from {
        Some(out) => vec![out.to_path_buf()],
        None => {
            if !downloaded(store, &record) {
                download(
                    store,
                    &mut record,
                    client.expect("a client to download with"),
                )?;
            }
            vec![
                record.file(store, OUTPUT_FILE),
                record.file(store, ERRORS_FILE),
            ]
        }
    };
    let index = ResultIndex::build(&files)?;
    if let Some(out) = from
        && !index.is_empty()
        && !record.inputs.iter().any(|i| index.contains(&i.custom_id))
    {
        return Err(crate::Error::Usage(format!(
            "{} holds no results of batch {} (its custom_ids start with \"{}/\")",
            out.display(),
            record.id,
            record.id
        )));
    }
    let why_missing = match (&record.status, from) {
        (_, Some(out)) => format!("{} has no result for it", out.display()),
        (Some(status), None) if status.status != "completed" => {
            format!("the batch ended {} before it ran", status.status)
        }
        _ => "the provider returned no result for it".to_owned(),
    };

    let secrets = secrets(config);
    let mut printer = super::score::Printer::new(config, options.format, question, framework)?;
    let mut reports = match &options.report {
        Some((dir, format)) => Some(super::score::ReportWriter::new(dir, *format)?),
        None => None,
    };
    let mut stderr = std::io::stderr();
    let mut failures = 0;
    let mut total = 0;
    for line in answers(&record.file(store, ANSWERS_FILE))? {
        let line = line?;
        total += 1;
        let answer = Answer::from_text(&line.text, framework);
        let input = judge_input(question, framework, &answer, record.seniority);
        let outcome = match index.line(&line.custom_id) {
            None => Err(why_missing.clone()),
            Some(Err(e)) => Err(e.to_string()),
            Some(Ok(value)) => judge_line(&value, &input, &record.model, &secrets),
        };
        let card = match outcome {
            Ok(card) => card,
            Err(reason) if options.fallback_offline => {
                writeln!(
                    stderr,
                    "warning: {}: the batch request failed ({}); scored offline because of --fallback offline",
                    line.input,
                    crate::ui::clean(&reason)
                )?;
                let mut card = offline::score(question, framework, &answer, record.seniority);
                card.flags
                    .push(flags::JUDGE_FAILED_OFFLINE_FALLBACK.to_owned());
                card
            }
            Err(reason) => {
                failures += 1;
                writeln!(
                    stderr,
                    "error: {}: the batch request failed: {}",
                    line.input,
                    crate::ui::clean(&reason)
                )?;
                continue;
            }
        };
        printer.card(&line.input, &card)?;
        if let Some(writer) = reports.as_mut() {
            let path = writer.write(question, framework, &line.input, &line.text, &card)?;
            writeln!(stderr, "report: {}", path.display())?;
        }
    }
    printer.finish()?;
    if from.is_none() {
        record.collected_at.get_or_insert_with(chrono::Utc::now);
        record.save(store)?;
    }
    if failures > 0 {
        return Err(crate::Error::Failed(format!(
            "{failures} of {total} answer(s) have no scorecard: their batch requests failed (add --fallback offline to score them offline instead)"
        )));
    }
    Ok(())
}

/// Asks the provider for the batch's status and downloads its output and error files into the
/// batch's directory. A batch still running is an error that says so.
fn download(store: &Store, record: &mut BatchRecord, client: &OpenAiClient) -> crate::Result<()> {
    let Some(submitted) = record.submitted.clone() else {
        return Err(crate::Error::Usage(format!(
            "batch {} was written with --batch-file and never submitted: score its output with `rehearse batch collect {} --from OUT`",
            record.id, record.id
        )));
    };
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let status = client.batch_status(&submitted.batch_id).await?;
        record.status = Some(status.clone());
        record.save(store)?;
        if !status.is_done() {
            return Err(crate::Error::Failed(format!(
                "batch {} is not done yet ({}); collect it once it is (`rehearse batch status {}` shows how it is doing)",
                submitted.batch_id,
                summary(&status),
                submitted.batch_id
            )));
        }
        if status.output_file_id.is_none() && status.error_file_id.is_none() {
            let why = status
                .problem
                .clone()
                .unwrap_or_else(|| "it produced no results".to_owned());
            return Err(crate::Error::Failed(format!(
                "batch {} ended {}: {why}",
                submitted.batch_id, status.status
            )));
        }
        for (file_id, name) in [
            (&status.output_file_id, OUTPUT_FILE),
            (&status.error_file_id, ERRORS_FILE),
        ] {
            if let Some(file_id) = file_id {
                client
                    .download_file(file_id, &record.file(store, name))
                    .await?;
            }
        }
        Ok(())
    })
}

fn list(config: &Config, store: &Store, format: ListFormat) -> crate::Result<()> {
    let mut out = std::io::stdout().lock();
    let mut stderr = std::io::stderr();
    let mut records = Vec::new();
    for r in BatchRecord::all(store) {
        match r {
            Ok(r) => records.push(r),
            Err(e) => writeln!(stderr, "error: {e}")?,
        }
    }
    match format {
        ListFormat::Json => {
            let rows: Vec<_> = records
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "provider_batch_id": r.submitted.as_ref().map(|s| &s.batch_id),
                        "created_at": r.created_at,
                        "question": r.question,
                        "model": r.model,
                        "answers": r.inputs.len(),
                        "status": state(r),
                        "request_counts": r.status.as_ref().map(|s| s.request_counts),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        ListFormat::Table if records.is_empty() => {
            writeln!(
                out,
                "No batches yet: submit one with `rehearse score --batch -q ID FILES…`."
            )?;
        }
        ListFormat::Table => {
            let mut table = Table::new(&[
                "CREATED",
                "BATCH",
                "PROVIDER ID",
                "QUESTION",
                "ANSWERS",
                "STATUS",
            ])
            .align_right(4);
            for r in &records {
                table.row(vec![
                    r.created_at.format("%Y-%m-%d %H:%M").to_string(),
                    r.id.clone(),
                    r.submitted
                        .as_ref()
                        .map_or("–".to_owned(), |s| s.batch_id.clone()),
                    r.question.clone(),
                    r.inputs.len().to_string(),
                    state(r),
                ]);
            }
            out.write_all(
                table
                    .render(Style::for_stdout(config.no_color(), false))
                    .as_bytes(),
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// A record's state in a word or two, without asking the provider.
fn state(record: &BatchRecord) -> String {
    match (&record.submitted, &record.status, record.collected_at) {
        (None, ..) => "request file only".to_owned(),
        (_, Some(s), Some(_)) => format!("{} (collected)", s.status),
        (_, Some(s), None) => s.status.clone(),
        (Some(_), None, _) => "submitted".to_owned(),
    }
}

fn status(config: &Config, store: &Store, id: &str) -> crate::Result<()> {
    let mut record = BatchRecord::find(store, id)?;
    let mut out = std::io::stdout().lock();
    let Some(submitted) = record.submitted.clone() else {
        writeln!(
            out,
            "batch {}: {} request(s) written to {}, not submitted; score its output with `rehearse batch collect {} --from OUT`",
            record.id,
            record.inputs.len(),
            record.requests.display(),
            record.id
        )?;
        return Ok(());
    };
    let client = client(config, "asking for a batch's status")?;
    let status = super::runtime()?.block_on(client.batch_status(&submitted.batch_id))?;
    record.status = Some(status.clone());
    record.save(store)?;
    writeln!(
        out,
        "batch {} ({}): {} · {} answer(s) to {}",
        submitted.batch_id,
        record.id,
        summary(&status),
        record.inputs.len(),
        record.question
    )?;
    if let Some(problem) = &status.problem {
        writeln!(out, "problem: {}", crate::ui::clean(problem))?;
    }
    if status.is_done() {
        writeln!(
            out,
            "collect it with `rehearse batch collect {}`",
            submitted.batch_id
        )?;
    }
    out.flush()?;
    Ok(())
}

fn cancel(config: &Config, store: &Store, id: &str) -> crate::Result<()> {
    let mut record = BatchRecord::find(store, id)?;
    let Some(submitted) = record.submitted.clone() else {
        return Err(crate::Error::Usage(format!(
            "batch {} was never submitted (its requests were written with --batch-file); there is nothing to cancel",
            record.id
        )));
    };
    let client = client(config, "cancelling a batch")?;
    let status = super::runtime()?.block_on(client.cancel_batch(&submitted.batch_id))?;
    record.status = Some(status.clone());
    record.save(store)?;
    writeln!(
        std::io::stdout(),
        "batch {}: {}; what already ran can still be collected with `rehearse batch collect {}`",
        submitted.batch_id,
        summary(&status),
        submitted.batch_id
    )?;
    Ok(())
}
