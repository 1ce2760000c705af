//! The command layer: turns parsed arguments into calls on the library and writes the results.
//! Every command returns [`crate::Result`]; the binary turns its error into an exit code.

mod batch;
mod completions;
mod config;
mod doctor;
mod history;
mod practice;
mod prompt;
mod questions;
pub mod report;
mod review;
mod score;
mod stats;
mod transcribe;

use std::io::Write;

use crate::bank::Bank;
use crate::cli::{Cli, Command};
use crate::config::Config;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> crate::Result<()> {
    let global = cli.global;
    match cli.command {
        Some(Command::Completions { shell }) => completions::run(shell),
        Some(Command::Config(args)) => config::run(&load_config(&global)?, &args),
        Some(Command::Doctor) => {
            let config = load_config(&global)?;
            load_prompts(&config)?;
            doctor::run(&config)
        }
        Some(Command::Report(args)) => {
            let config = load_config(&global)?;
            let bank = load_bank(&config)?;
            report::run(&config, &bank, &args)
        }
        Some(Command::Prompt(args)) => {
            let config = load_config(&global)?;
            load_prompts(&config)?;
            let bank = load_bank(&config)?;
            prompt::run(&config, &bank, &args)
        }
        Some(Command::Batch(args)) => {
            let config = load_config(&global)?;
            load_prompts(&config)?;
            let bank = load_bank(&config)?;
            batch::run(&config, &bank, &args)
        }
        Some(Command::Review(args)) => {
            let config = load_config(&global)?;
            let bank = load_bank(&config)?;
            review::run(&config, &bank, &args)
        }
        Some(Command::Transcribe(args)) => transcribe::run(&load_config(&global)?, &args),
        Some(Command::History(args)) => history::run(&load_config(&global)?, &args),
        Some(Command::Stats(args)) => {
            let config = load_config(&global)?;
            let bank = load_bank(&config)?;
            stats::run(&config, &bank, &args)
        }
        Some(Command::Score(args)) => {
            let config = load_config(&global)?;
            load_prompts(&config)?;
            let bank = load_bank(&config)?;
            score::run(&config, &bank, &args)
        }
        Some(Command::Questions(args)) => {
            let config = load_config(&global)?;
            let bank = load_bank(&config)?;
            questions::run(&config, &bank, &args)
        }
        Some(Command::Practice(args)) => {
            let config = load_config(&global)?;
            load_prompts(&config)?;
            let bank = load_bank(&config)?;
            practice::run(&config, &bank, &args)
        }
        Some(Command::Resume { session, speech }) => {
            let config = load_config(&global)?;
            load_prompts(&config)?;
            let bank = load_bank(&config)?;
            practice::resume(&config, &bank, session.as_deref(), &speech)
        }
        None => {
            let config = load_config(&global)?;
            load_prompts(&config)?;
            let bank = load_bank(&config)?;
            practice::run(&config, &bank, &crate::cli::PracticeArgs::default())
        }
    }
}

/// A single-threaded runtime for commands that talk to an endpoint: the work is I/O-bound.
fn runtime() -> crate::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::Error::Failed(format!("cannot start the async runtime: {e}")))
}

/// The judge for this run: the LLM judge when an endpoint is configured, else offline.
fn judge_scorer(config: &Config, fallback_offline: bool) -> crate::Result<crate::scoring::Scorer> {
    let Some(settings) = crate::llm::ClientSettings::from_config(config, config.judge_model())
    else {
        return Ok(crate::scoring::Scorer::Offline);
    };
    let endpoint = settings.endpoint_key();
    Ok(crate::scoring::Scorer::Llm {
        model: Box::new(crate::llm::OpenAiClient::new(settings)?),
        endpoint,
        fallback_offline,
    })
}

/// The one-line notice that this run works without an endpoint, and why.
fn offline_notice(config: &Config, doing: &str, style: crate::ui::Style) -> std::io::Result<()> {
    let why = match config.offline_reason() {
        None => return Ok(()),
        Some(crate::config::OfflineReason::Forced) => {
            format!(
                "offline mode forced by {}",
                config.get(&crate::settings::OFFLINE).source
            )
        }
        Some(crate::config::OfflineReason::NoEndpoint) => {
            "no endpoint configured; see `rehearse doctor` to set one up".to_owned()
        }
    };
    writeln!(
        std::io::stderr(),
        "{}",
        style.dim(&format!("{doing} offline ({why})"))
    )
}

fn load_config(global: &crate::cli::GlobalArgs) -> crate::Result<Config> {
    Ok(Config::load(&global.flags)?)
}

/// Puts the user's prompt overrides in place (checked first), for commands that build prompts.
fn load_prompts(config: &Config) -> crate::Result<()> {
    if let Some(dir) = config.prompts_dir() {
        crate::prompts::load_overrides(&dir)?;
    }
    Ok(())
}

fn load_bank(config: &Config) -> crate::Result<Bank> {
    Ok(Bank::load(&config.question_dirs())?)
}

/// The error for session files that could not be read while listing the rest: a runtime
/// failure (1) when the file system failed, bad input (2) when the files are not sessions.
fn unreadable_sessions(errors: &[&crate::store::StoreError], rest: &str) -> crate::Error {
    let message = format!("{} session file(s) could not be read; {rest}", errors.len());
    if errors.iter().any(|e| e.exit_code() == crate::exit::FAILURE) {
        crate::Error::Failed(message)
    } else {
        crate::Error::Usage(message)
    }
}
