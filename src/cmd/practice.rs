//! `rehearse` / `rehearse practice` and `rehearse resume`: set up a session and hand it to
//! the REPL.

use std::io::Write;

use chrono::Utc;

use crate::bank::{Bank, Question};
use crate::cli::{PracticeArgs, SpeechArgs};
use crate::config::Config;
use crate::framework::Framework;
use crate::interview::Interviewer;
use crate::interview::llm::LlmInterviewer;
use crate::interview::repl::{Cast, Repl, Speech};
use crate::interview::scripted::Scripted;
use crate::llm::{ClientSettings, OpenAiClient};
use crate::scoring::Scorer;
use crate::session::Setup;
use crate::session::{Mode, Session};
use crate::store::Store;
use crate::ui::Style;

fn store(config: &Config) -> Store {
    Store::new(config.home().to_path_buf())
}

/// Speech for the REPL from the flags: a transcriber and a recorder whenever they are
/// available (so `/voice` works), `--voice` refusing to start without a transcriber, `--speak`
/// without a voice.
fn speech(config: &Config, args: &SpeechArgs, err_style: Style) -> crate::Result<Speech> {
    let transcriber = crate::speech::Transcriber::from_config(config)?;
    if args.voice && transcriber.is_none() {
        return Err(crate::Error::Usage(crate::speech::NO_TRANSCRIBER.into()));
    }
    let recorder = crate::speech::commands::Recorder::find(config.text(&crate::settings::RECORDER));
    if args.voice && recorder.is_none() {
        writeln!(
            std::io::stderr(),
            "{}",
            err_style.yellow(crate::speech::commands::NO_RECORDER)
        )?;
    }
    let narrator = if args.speak {
        Some(crate::speech::speaker::Narrator::from_config(config).map_err(crate::Error::Usage)?)
    } else {
        None
    };
    Ok(Speech {
        transcriber,
        voice: args.voice && recorder.is_some(),
        recorder,
        keep_audio: !args.no_keep_audio,
        narrator,
    })
}

/// The interviewer and judge for a run in `mode`.
fn cast(config: &Config, mode: Mode) -> crate::Result<(Box<dyn Interviewer>, Scorer)> {
    match mode {
        Mode::Offline => Ok((Box::new(Scripted), Scorer::Offline)),
        Mode::Llm => {
            let settings = ClientSettings::from_config(config, config.model())
                .expect("LLM mode needs an endpoint");
            let model = Box::new(OpenAiClient::new(settings)?);
            Ok((
                Box::new(LlmInterviewer { model }),
                super::judge_scorer(config, false)?,
            ))
        }
    }
}

pub fn run(config: &Config, bank: &Bank, args: &PracticeArgs) -> crate::Result<()> {
    let store = store(config);
    let err_style = Style::for_stderr(config.no_color());
    let question = match &args.question {
        Some(q) => bank.find(q)?,
        None => {
            let filter = args.filter.filter();
            let recent = store.recent_questions().unwrap_or_default();
            let mut rng = fastrand::Rng::new();
            let picked = bank.pick(&filter, &recent, &mut rng).ok_or_else(|| {
                crate::Error::Usage(format!(
                    "no question matches {} (see `rehearse questions` for levels, topics and kinds)",
                    filter.describe()
                ))
            })?;
            let why = if recent.contains(&picked.id) {
                "you have practised every matching question; this one least recently"
            } else {
                "not practised before"
            };
            writeln!(
                std::io::stderr(),
                "{}",
                err_style.dim(&format!(
                    "Picked #{} {} ({} {}): {why}. Choose one with --question.",
                    picked.number, picked.id, picked.level, picked.kind
                ))
            )?;
            picked
        }
    };
    let framework = bank.frameworks().get(question.kind);
    let mode = if config.offline_reason().is_some() {
        Mode::Offline
    } else {
        Mode::Llm
    };
    super::offline_notice(config, "interviewing", err_style)?;
    let now = Utc::now();
    let id = Session::make_id(&question.id, now);
    let llm = mode == Mode::Llm;
    let setup = Setup {
        mode,
        model: llm.then(|| config.model().to_owned()),
        judge_model: llm.then(|| config.judge_model().to_owned()),
        minutes: args.minutes.unwrap_or(question.minutes),
        seniority: args.seniority,
    };
    let mut session = Session::new(id, question, framework, setup, now);
    // Only a session that can actually run is saved (and offered by `resume`).
    let (interviewer, scorer) = cast(config, mode)?;
    let speech = speech(config, &args.speech, err_style)?;
    let path = store.create(&mut session)?;
    let lock = store.lock(&session.id)?;
    writeln!(
        std::io::stderr(),
        "{}",
        err_style.dim(&format!(
            "Session {} (autosaved to {})",
            session.id,
            path.display()
        ))
    )?;
    interview(
        config,
        question,
        framework,
        &store,
        session,
        Cast {
            interviewer,
            scorer,
            speech,
        },
        true,
    )?;
    drop(lock);
    Ok(())
}

pub fn resume(
    config: &Config,
    bank: &Bank,
    query: Option<&str>,
    speech_args: &SpeechArgs,
) -> crate::Result<()> {
    let store = store(config);
    let err_style = Style::for_stderr(config.no_color());
    let found = store.find_resumable(query)?;
    // Lock first, then read the session again: another process may have written it since.
    let lock = store.lock(&found.id)?;
    let mut session = store.load(&found.id)?;
    if session.is_finished() {
        return Err(crate::Error::Usage(format!(
            "session {} is finished; see its report with `rehearse report {}`",
            session.id, session.id
        )));
    }
    let question = bank.find(&session.question.id).map_err(|_| {
        crate::Error::Usage(format!(
            "session {} is about question \"{}\", which is not in the bank any more (was it in a --questions directory?)",
            session.id, session.question.id
        ))
    })?;
    let framework = bank.frameworks().get(question.kind);
    let recorded: Vec<&str> = session.stages.iter().map(|s| s.id.as_str()).collect();
    if recorded != framework.stage_ids() {
        return Err(crate::Error::Usage(format!(
            "session {} was recorded with the stages {} but question \"{}\" now uses {}; it cannot be resumed (start a new one with `rehearse practice -q {}`)",
            session.id,
            recorded.join(", "),
            question.id,
            framework.stage_ids().join(", "),
            question.id
        )));
    }
    if session.mode == Mode::Llm && config.offline_reason().is_some() {
        writeln!(
            std::io::stderr(),
            "{}",
            err_style.yellow(&format!(
                "This session used an LLM interviewer, but {}; continuing with the scripted interviewer and the offline scorer.",
                match config.offline_reason() {
                    Some(crate::config::OfflineReason::Forced) => "offline mode is forced",
                    _ => "no endpoint is configured now",
                }
            ))
        )?;
        session.mode = Mode::Offline;
    }
    let (interviewer, scorer) = cast(config, session.mode)?;
    let speech = speech(config, speech_args, err_style)?;
    let cast = Cast {
        interviewer,
        scorer,
        speech,
    };
    interview(config, question, framework, &store, session, cast, false)?;
    drop(lock);
    Ok(())
}

/// Runs the REPL on a new (`fresh`) or resumed session.
fn interview(
    config: &Config,
    question: &Question,
    framework: &Framework,
    store: &Store,
    session: Session,
    cast: Cast,
    fresh: bool,
) -> crate::Result<()> {
    let style = Style::for_stdout(config.no_color(), false);
    Repl::new(question, framework, store, session, cast, style)?.run(fresh)?;
    Ok(())
}
