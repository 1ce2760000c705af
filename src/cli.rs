//! Command-line definitions (clap derive) and nothing else: parsing lives here, behaviour lives
//! in `crate::cmd`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::bank::{Level, Seniority};
use crate::framework::Kind;
use crate::settings::{self, Ty};

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

/// The flags of every setting that has one, generated from [`crate::settings::ALL`]: their
/// names, value names, help and `[env: …]` notes all come from the settings table. Values are
/// kept as typed and validated by the settings themselves, so a bad `--timeout` gets the same
/// message as a bad `REHEARSE_TIMEOUT_SECS`.
#[derive(Debug, Clone, Default)]
pub struct GlobalArgs {
    pub flags: crate::config::FlagValues,
}

impl clap::FromArgMatches for GlobalArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = crate::config::FlagValues::default();
        for def in settings::ALL.iter().filter(|d| d.flag.is_some()) {
            let values: Vec<String> = if def.ty == Ty::Bool {
                if matches.get_flag(def.name) {
                    vec!["true".to_owned()]
                } else {
                    Vec::new()
                }
            } else {
                matches
                    .get_many::<String>(def.name)
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default()
            };
            flags.set(def.name, values);
        }
        Ok(GlobalArgs { flags })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = GlobalArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for GlobalArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        settings::ALL
            .iter()
            .filter_map(|def| def.flag.map(|flag| (def, flag)))
            .fold(cmd, |cmd, (def, flag)| {
                let arg = clap::Arg::new(def.name)
                    .long(flag)
                    .global(true)
                    .help(def.help_with_env());
                let arg = match def.ty {
                    Ty::Bool => arg.action(clap::ArgAction::SetTrue),
                    Ty::Paths => arg
                        .action(clap::ArgAction::Append)
                        .value_name(def.value_name)
                        .value_hint(clap::ValueHint::DirPath),
                    Ty::Path => arg
                        .action(clap::ArgAction::Set)
                        .value_name(def.value_name)
                        .value_hint(clap::ValueHint::AnyPath),
                    _ => arg.action(clap::ArgAction::Set).value_name(def.value_name),
                };
                cmd.arg(arg)
            })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        GlobalArgs::augment_args(cmd)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Practise: a stage-by-stage interview on one question (the default command).
    Practice(PracticeArgs),
    /// Continue an unfinished interview (the latest one unless an id is given).
    Resume {
        /// Session id (or a unique prefix); `rehearse history` lists them.
        session: Option<String>,
        #[command(flatten)]
        speech: SpeechArgs,
    },
    /// List the question bank, or show one question.
    Questions(QuestionsArgs),
    /// Show the effective settings and where each one came from.
    Config(ConfigArgs),
    /// Score written answers (files, or - for stdin) against a question's rubric.
    Score(ScoreArgs),
    /// Transcribe recorded answers and measure their delivery (pace, fillers, pauses).
    Transcribe(TranscribeArgs),
    /// Write the report of a finished interview as Markdown, HTML or JSON.
    Report(ReportArgs),
    /// List past interviews with their scores.
    History(HistoryArgs),
    /// Progress per level and topic, weakest topics, and what to practise next.
    Stats(StatsArgs),
    /// A mentor's review: override rubric verdicts of a finished interview or a JSON scorecard
    /// written by `score --report`; without --item, list the items and the machine's verdicts.
    Review(ReviewArgs),
    /// Batches submitted with `score --batch` (or written with --batch-file): list, check,
    /// collect their scorecards, cancel.
    Batch(BatchArgs),
    /// Check that the configured endpoint can play interviewer and judge.
    Doctor,
    /// Print the exact request rehearse would send to the model, as JSON, to see or tune it.
    Prompt(PromptArgs),
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

    /// Seniority you interview at; rubric points above it are not expected of you.
    #[arg(long, value_parser = parse_seniority, value_name = "junior|mid|senior|staff")]
    pub seniority: Option<Seniority>,

    #[command(flatten)]
    pub speech: SpeechArgs,
}

/// Practising aloud: `practice` and `resume` take these.
#[derive(Debug, Clone, Default, Args)]
pub struct SpeechArgs {
    /// Answer aloud: an empty Enter records a turn (needs a transcription endpoint).
    #[arg(long)]
    pub voice: bool,

    /// Do not keep the recordings of spoken turns next to the session.
    #[arg(long)]
    pub no_keep_audio: bool,

    /// Read the interviewer's lines aloud (espeak-ng, say, REHEARSE_SPEAKER or REHEARSE_TTS_MODEL).
    #[arg(long)]
    pub speak: bool,
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
    /// One row per input (RFC 4180, with a header row): overall, band, a column per stage.
    Csv,
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

    /// The files are recorded answers: transcribe them first (WAV, FLAC, MP3, Ogg Vorbis); the
    /// scorecard gets their delivery.
    #[arg(long)]
    pub audio: bool,

    /// Also write one report per answer into this directory.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,

    /// Format of the reports written with --report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md, requires = "report")]
    pub report_format: ReportFormat,

    /// Judge all the answers in one batch through the provider's Batch API (about half the
    /// price; done within 24 h): waits for it and prints the scorecards. After Ctrl-C, `rehearse
    /// batch collect ID` picks it up.
    #[arg(long, conflicts_with_all = ["audio", "batch_file", "jobs"])]
    pub batch: bool,

    /// Write the batch's request file (JSONL) to FILE without submitting it, for `vllm
    /// run-batch -i FILE -o OUT` or a provider's console; score OUT with `rehearse batch
    /// collect --from OUT`.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["audio", "report", "jobs"])]
    pub batch_file: Option<PathBuf>,

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TranscribeFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// Output format: the transcript and a delivery line, or one JSON object per file.
    #[arg(long, value_enum, default_value_t = TranscribeFormat::Text)]
    pub format: TranscribeFormat,

    /// Recordings: WAV, FLAC, MP3 or Ogg Vorbis, up to 10 minutes each; `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PromptArgs {
    #[command(subcommand)]
    pub which: PromptCommand,
}

#[derive(Debug, Subcommand)]
pub enum PromptCommand {
    /// The interviewer's request for replying to a session's latest turn (or to --say TEXT).
    Interviewer {
        /// Session id or unique prefix (see `rehearse history`); default: the latest one.
        session: Option<String>,
        /// A new candidate turn to reply to (not saved).
        #[arg(long, value_name = "TEXT")]
        say: Option<String>,
    },
    /// The judge's request for a session, or for a written answer with -q and --answer.
    Judge {
        /// Session id or unique prefix; default: the latest one.
        #[arg(conflicts_with_all = ["question", "answer"])]
        session: Option<String>,
        /// Question a written answer responds to: id or number.
        #[arg(long, short = 'q', value_name = "ID|NUMBER", requires = "answer")]
        question: Option<String>,
        /// The written answer (`-` reads standard input).
        #[arg(long, value_name = "FILE", requires = "question")]
        answer: Option<PathBuf>,
        /// Seniority for a written answer; rubric points above it are left out.
        #[arg(long, value_parser = parse_seniority, value_name = "junior|mid|senior|staff", requires = "answer")]
        level: Option<Seniority>,
    },
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    #[command(subcommand)]
    pub which: BatchCommand,
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Recorded batches, newest first, with their last known status.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Ask the provider how a batch is doing.
    Status {
        /// The batch: rehearse's id, the provider's (`batch_…`), or a unique prefix.
        id: String,
    },
    /// Turn a finished batch's results into scorecards, in input order (the same output every
    /// time).
    Collect(CollectArgs),
    /// Ask the provider to stop a batch; what already ran can still be collected.
    Cancel {
        /// The batch: rehearse's id, the provider's (`batch_…`), or a unique prefix.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// The batch: rehearse's id, the provider's (`batch_…`), or a unique prefix. With --from it
    /// may be left out: the output's custom_ids name the batch.
    #[arg(required_unless_present = "from")]
    pub id: Option<String>,

    /// Score this output file (from `vllm run-batch -o OUT` or a provider's console) instead
    /// of downloading the results.
    #[arg(long, value_name = "OUT")]
    pub from: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ScoreFormat::Text)]
    pub format: ScoreFormat,

    /// Also write one report per answer into this directory.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,

    /// Format of the reports written with --report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md, requires = "report")]
    pub report_format: ReportFormat,

    /// Score the answers whose request failed with the offline scorer (their cards say so).
    #[arg(long, value_enum, value_name = "offline")]
    pub fallback: Option<Fallback>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Table,
    Json,
    /// One row per session (RFC 4180, with a header row).
    Csv,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Table)]
    pub format: HistoryFormat,
}

/// One `--item ID --verdict V [--note TEXT]` group of `rehearse review`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewOverride {
    pub item: String,
    pub verdict: crate::scoring::Verdict,
    pub note: Option<String>,
}

/// `rehearse review TARGET [--item ID --verdict V [--note TEXT]]...`. Parsed by hand from the
/// matches because each `--verdict` and `--note` belongs to the `--item` before it, which
/// clap's derive cannot express; positions in the command line pair them.
#[derive(Debug, Clone)]
pub struct ReviewArgs {
    /// Session id (or unique prefix), or the path of a JSON scorecard from `score --report`.
    pub target: String,
    /// The overrides, or what is wrong with how they were given (a usage error, exit 2).
    pub overrides: Result<Vec<ReviewOverride>, String>,
}

impl clap::FromArgMatches for ReviewArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let target = matches
            .get_one::<String>("target")
            .cloned()
            .unwrap_or_default();
        Ok(ReviewArgs {
            target,
            overrides: review_overrides(matches),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = ReviewArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

/// Pairs each `--verdict` and `--note` with the `--item` before it, by position.
fn review_overrides(matches: &clap::ArgMatches) -> Result<Vec<ReviewOverride>, String> {
    let positioned = |name: &str| -> Vec<(usize, String)> {
        match (matches.indices_of(name), matches.get_many::<String>(name)) {
            (Some(at), Some(values)) => at.zip(values.cloned()).collect(),
            _ => Vec::new(),
        }
    };
    let mut all: Vec<(usize, &str, String)> = Vec::new();
    for name in ["item", "verdict", "note"] {
        all.extend(positioned(name).into_iter().map(|(i, v)| (i, name, v)));
    }
    all.sort_by_key(|(i, ..)| *i);
    let mut overrides: Vec<(String, Option<crate::scoring::Verdict>, Option<String>)> = Vec::new();
    for (_, name, value) in all {
        match (name, overrides.last_mut()) {
            ("item", _) => overrides.push((value, None, None)),
            ("verdict", Some((item, verdict @ None, _))) => {
                *verdict =
                    Some(parse_verdict(&value).map_err(|e| {
                        format!("invalid --verdict '{value}' for --item {item}: {e}")
                    })?);
            }
            ("note", Some((_, _, note @ None))) => *note = Some(value),
            (other, Some((item, ..))) => {
                return Err(format!(
                    "--{other} given twice for --item {item}; give each --item its own --verdict and --note"
                ));
            }
            (other, None) => {
                return Err(format!(
                    "--{other} must follow the --item it is about, e.g. --item traffic-math --verdict covered"
                ));
            }
        }
    }
    overrides
        .into_iter()
        .map(|(item, verdict, note)| match verdict {
            Some(verdict) => Ok(ReviewOverride {
                item,
                verdict,
                note,
            }),
            None => Err(format!(
                "--item {item} needs a --verdict (covered, partial or missing)"
            )),
        })
        .collect()
}

impl Args for ReviewArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.arg(
            clap::Arg::new("target")
                .required(true)
                .value_name("SESSION|SCORECARD.json")
                .help("Session id or unique prefix (see `rehearse history`), or a JSON scorecard written by `score --report DIR --report-format json`"),
        )
        .arg(
            clap::Arg::new("item")
                .help_heading("Review")
                .long("item")
                .value_name("ID")
                .action(clap::ArgAction::Append)
                .help("Rubric item to override (repeatable; `rehearse review TARGET` lists them)"),
        )
        .arg(
            clap::Arg::new("verdict")
                .help_heading("Review")
                .long("verdict")
                .value_name("covered|partial|missing")
                .action(clap::ArgAction::Append)
                .help("The reviewer's verdict for the --item before it"),
        )
        .arg(
            clap::Arg::new("note")
                .help_heading("Review")
                .long("note")
                .value_name("TEXT")
                .action(clap::ArgAction::Append)
                .help("Why, for the --item before it (optional)"),
        )
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        ReviewArgs::augment_args(cmd)
    }
}

pub fn parse_verdict(s: &str) -> Result<crate::scoring::Verdict, String> {
    use crate::scoring::Verdict;
    match s.to_ascii_lowercase().as_str() {
        "covered" => Ok(Verdict::Covered),
        "partial" => Ok(Verdict::Partial),
        "missing" => Ok(Verdict::Missing),
        _ => Err("expected covered, partial or missing".into()),
    }
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
