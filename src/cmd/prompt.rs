//! `rehearse prompt interviewer|judge`: the exact request body rehearse would send, as JSON,
//! built by the same code as the real call (with any prompt overrides), so a user can see
//! what the model is told and tune the templates.

use std::io::Write;
use std::path::Path;

use chrono::Utc;
use serde_json::Value;

use crate::bank::{Bank, Question};
use crate::cli::{PromptArgs, PromptCommand};
use crate::config::Config;
use crate::framework::Framework;
use crate::interview::steer::Steer;
use crate::interview::{TurnContext, classify, llm as interviewer};
use crate::llm::ClientSettings;
use crate::llm::client::request_body;
use crate::llm::structured::{self, StructuredLevel};
use crate::scoring::text::Normaliser;
use crate::scoring::{Answer, judge};
use crate::session::{Session, Speaker, TurnKind};
use crate::store::{Store, Want};

pub fn run(config: &Config, bank: &Bank, args: &PromptArgs) -> crate::Result<()> {
    let body = match &args.which {
        PromptCommand::Interviewer { session, say } => {
            let session = session_for(config, session.as_deref())?;
            let (question, framework) = question_of(bank, &session)?;
            interviewer_body(config, question, framework, session, say.as_deref())?
        }
        PromptCommand::Judge {
            question: Some(question),
            answer: Some(answer),
            level,
            ..
        } => {
            let question = bank.find(question)?;
            let framework = bank.frameworks().get(question.kind);
            let text = super::score::read_answer(answer)
                .map_err(|why| crate::Error::Usage(format!("{}: {why}", display(answer))))?;
            let answer = Answer::from_text(&text, framework);
            let input = judge::JudgeInput {
                question,
                framework,
                answer: &answer,
                transcript: text.clone(),
                notes: Vec::new(),
                seniority: *level,
            };
            judge_body(config, &input)?
        }
        PromptCommand::Judge { session, .. } => {
            let session = session_for(config, session.as_deref())?;
            let (question, framework) = question_of(bank, &session)?;
            let answer = session.answer();
            judge_body(
                config,
                &crate::finish::judge_input(question, framework, &session, &answer),
            )?
        }
    };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &body)?;
    writeln!(out)?;
    Ok(())
}

fn display(path: &Path) -> String {
    if path == Path::new("-") {
        "stdin".into()
    } else {
        path.display().to_string()
    }
}

/// The named session, or the most recent one.
fn session_for(config: &Config, query: Option<&str>) -> crate::Result<Session> {
    let store = Store::new(config.home().to_path_buf());
    match query {
        Some(query) => Ok(store.find(query, Want::Any)?),
        None => store.sessions()?.into_iter().next().ok_or_else(|| {
            crate::Error::Usage(
                "no interview yet: start one with `rehearse practice`, or give a session id".into(),
            )
        }),
    }
}

fn question_of<'b>(
    bank: &'b Bank,
    session: &Session,
) -> crate::Result<(&'b Question, &'b Framework)> {
    let question = bank.find(&session.question.id).map_err(|_| {
        crate::Error::Usage(format!(
            "session {} is about question \"{}\", which is not in the bank (was it in a --questions directory?)",
            session.id, session.question.id
        ))
    })?;
    Ok((question, bank.frameworks().get(question.kind)))
}

/// The model the request would name: the configured one, or the default without an endpoint.
fn model_for(config: &Config, judge: bool) -> String {
    if judge {
        config.judge_model().to_owned()
    } else {
        config.model().to_owned()
    }
}

fn interviewer_body(
    config: &Config,
    question: &Question,
    framework: &Framework,
    mut session: Session,
    say: Option<&str>,
) -> crate::Result<Value> {
    let now = Utc::now();
    if let Some(text) = say {
        let kind = if classify::is_question(text) {
            TurnKind::Question
        } else {
            TurnKind::Answer
        };
        session.push(Speaker::Candidate, kind, text.to_owned(), now);
    } else {
        // Reply to the latest candidate turn: what came after it is not part of the request.
        let Some(last) = session
            .turns
            .iter()
            .rposition(|t| t.speaker == Speaker::Candidate)
        else {
            return Err(crate::Error::Usage(format!(
                "session {} has no candidate turn yet; pass --say TEXT to see the request for one",
                session.id
            )));
        };
        session.turns.truncate(last + 1);
    }
    let steer = Steer::for_turn(&session, question, framework, now, &Normaliser::default());
    let turn = TurnContext {
        question,
        framework,
        session: &session,
        steer: &steer,
        now,
    };
    let request = interviewer::request(&turn)?;
    Ok(request_body(&model_for(config, false), &request, true))
}

fn judge_body(config: &Config, input: &judge::JudgeInput<'_>) -> crate::Result<Value> {
    let request = judge::request(input)?;
    // The structured-output level this endpoint is known to accept, else the first one tried.
    let level = ClientSettings::from_config(config, config.judge_model())
        .map_or(StructuredLevel::JsonSchema, |s| {
            structured::remembered(&s.endpoint_key())
        });
    let request = structured::prepare(
        &request,
        level,
        judge::SCHEMA_NAME,
        &judge::reply_schema(input),
    );
    Ok(request_body(&model_for(config, true), &request, false))
}
