//! Command-line definitions (clap derive) and nothing else: parsing lives here, behaviour lives
//! in `crate::cmd`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::bank::{Level, Seniority};
use crate::framework::Kind;

#[derive(Debug, Parser)]
#[command(
    name = "rehearse",
    version,
    about = "A mock interviewer for system design interviews, in your terminal",
    long_about = "A mock interviewer for system design interviews, in your terminal.\n\n\
        Practise one question stage by stage with a timer and an interviewer, or score written \
        answers against a rubric. Works offline out of the box; point it at any \
        OpenAI-compatible endpoint (OpenAI, Ollama, llama.cpp, vLLM, LM Studio, OpenRouter) \
        for an LLM interviewer and judge.",
    after_help = "Configuration: flags > environment > ./.env > config file > defaults. \
        Run `rehearse config` to see the effective settings."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings every command accepts; each overrides the environment, `.env` and config file.
#[derive(Debug, Clone, Args, Default)]
pub struct GlobalArgs {
    /// Extra directory of question files (repeatable); same id replaces a built-in question.
    #[arg(long = "questions", value_name = "DIR", global = true)]
    pub questions: Vec<PathBuf>,

    /// Config file to read instead of $XDG_CONFIG_HOME/rehearse/config.toml.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// OpenAI-compatible base URL, e.g. http://localhost:11434/v1 [env: REHEARSE_BASE_URL].
    #[arg(long, value_name = "URL", global = true)]
    pub base_url: Option<String>,

    /// Model for the interviewer [env: REHEARSE_MODEL].
    #[arg(long, value_name = "NAME", global = true)]
    pub model: Option<String>,

    /// Model for the judge; defaults to --model [env: REHEARSE_JUDGE_MODEL].
    #[arg(long, value_name = "NAME", global = true)]
    pub judge_model: Option<String>,

    /// Whole-request timeout in seconds [env: REHEARSE_TIMEOUT_SECS].
    #[arg(long, value_name = "SECS", global = true)]
    pub timeout: Option<u64>,

    /// Retries for rate limits, server errors and refused connections [env: REHEARSE_MAX_RETRIES].
    #[arg(long, value_name = "N", global = true)]
    pub max_retries: Option<u32>,

    /// Data directory for sessions and reports [env: REHEARSE_HOME].
    #[arg(long, value_name = "DIR", global = true)]
    pub home: Option<PathBuf>,

    /// Use the scripted interviewer and offline scorer even if an endpoint is configured.
    #[arg(long, global = true)]
    pub offline: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Practise: a stage-by-stage interview on one question (the default command).
    Practice(PracticeArgs),
    /// Continue an unfinished interview (the latest one unless an id is given).
    Resume {
        /// Session id (or a unique prefix); `rehearse history` lists them.
        session: Option<String>,
    },
    /// List the question bank, or show one question.
    Questions(QuestionsArgs),
    /// Show the effective settings and where each one came from.
    Config(ConfigArgs),
    /// Score written answers (files, or - for stdin) against a question's rubric.
    Score(ScoreArgs),
    /// Write the report of a finished interview as Markdown, HTML or JSON.
    Report(ReportArgs),
    /// List past interviews with their scores.
    History(HistoryArgs),
    /// Progress per level and topic, weakest topics, and what to practise next.
    Stats(StatsArgs),
    /// Check that the configured endpoint can play interviewer and judge.
    Doctor,
    /// Print a shell completion script.
    Completions {
        /// Shell to generate completions for.
        shell: clap_complete::Shell,
    },
}

/// The question filters `questions` lists by and `practice` picks within.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only questions of this level.
    #[arg(long, value_parser = parse_level)]
    pub level: Option<Level>,

    /// Only questions with this topic (the `topics` of `questions --format json`).
    #[arg(long)]
    pub topic: Option<String>,

    /// Only design (build a system) or concept (explain/compare) questions.
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Kind>,
}

impl FilterArgs {
    pub fn filter(&self) -> crate::bank::Filter {
        crate::bank::Filter {
            level: self.level,
            topic: self.topic.clone(),
            kind: self.kind,
        }
    }
}

#[derive(Debug, Clone, Default, Args)]
pub struct PracticeArgs {
    /// Question to practise: id (url-shortener) or number (31). Without it, one is picked
    /// within the filters, preferring questions you have not practised recently.
    #[arg(long, short = 'q', value_name = "ID|NUMBER")]
    pub question: Option<String>,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Interview length in minutes (stage budgets scale to it); default: the question's.
    #[arg(long, value_parser = clap::value_parser!(u32).range(5..=180))]
    pub minutes: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct QuestionsArgs {
    #[command(subcommand)]
    pub show: Option<QuestionsCommand>,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Subcommand)]
pub enum QuestionsCommand {
    /// Show one question: prompt, stages and budgets; the reference and rubric with --reveal.
    Show {
        /// Question id (url-shortener) or number (31).
        question: String,
        /// Also show the reference answer, rubric, facts and pitfalls.
        #[arg(long)]
        reveal: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScoreFormat {
    /// A readable scorecard per answer.
    Text,
    /// JSON Lines: one scorecard object per input, in input order.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Fallback {
    /// Score with the offline scorer when the LLM judge fails (the card says so).
    Offline,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Question the answers respond to: id (url-shortener) or number (31).
    #[arg(long, short = 'q', value_name = "ID|NUMBER")]
    pub question: String,

    /// When the LLM judge fails, score offline instead of failing (the scorecard is labelled).
    #[arg(long, value_enum, value_name = "offline")]
    pub fallback: Option<Fallback>,

    /// Seniority the candidate interviews at; rubric points above it are not graded.
    #[arg(long, value_parser = parse_seniority, value_name = "junior|mid|senior|staff")]
    pub level: Option<Seniority>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ScoreFormat::Text)]
    pub format: ScoreFormat,

    /// Answers scored at the same time (LLM judge).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// Also write one report per answer into this directory.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,

    /// Format of the reports written with --report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md, requires = "report")]
    pub report_format: ReportFormat,

    /// Answer files (Markdown or text, up to 1 MB each); `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Md,
    Html,
    Json,
}

impl ReportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Md => "md",
            ReportFormat::Html => "html",
            ReportFormat::Json => "json",
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Session id or unique prefix (see `rehearse history`); default: the latest finished one.
    pub session: Option<String>,

    /// The most recent finished interview.
    #[arg(long, conflicts_with = "session")]
    pub latest: bool,

    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,

    /// Where to write it (`-` for stdout); default: next to the session.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    Table,
    Json,
    /// A self-contained page charting scores over time (write it with -o).
    Html,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub format: StatsFormat,

    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn parse_level(s: &str) -> Result<Level, String> {
    Level::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("expected one of {}", Level::NAMES.join(", ")))
}

pub fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("expected one of {}", Kind::NAMES.join(", ")))
}

pub fn parse_seniority(s: &str) -> Result<Seniority, String> {
    Seniority::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("expected one of {}", Seniority::NAMES.join(", ")))
}

impl GlobalArgs {
    pub fn flags(&self) -> crate::config::Flags {
        crate::config::Flags {
            base_url: self.base_url.clone(),
            model: self.model.clone(),
            judge_model: self.judge_model.clone(),
            timeout_secs: self.timeout,
            max_retries: self.max_retries,
            home: self.home.clone(),
            config: self.config.clone(),
            questions: self.questions.clone(),
            offline: self.offline,
        }
    }
}
