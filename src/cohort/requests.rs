//! Writing a batch: for every answer, one request line (`custom_id`, `method`, `url`, and as
//! `body` exactly what the online judge would POST to `/chat/completions`) and one line of
//! `answers.jsonl` (the answer as submitted). Lines are written as each answer is read.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::CohortError;
use super::record::{InputRecord, custom_id, sha256_hex};
use crate::bank::{Question, Seniority};
use crate::framework::Framework;
use crate::llm::StructuredLevel;
use crate::scoring::Answer;
use crate::scoring::judge::{self, JudgeInput};

/// A line of `answers.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerLine {
    pub custom_id: String,
    pub input: String,
    pub text: String,
}

/// The judge's input for an answer, as the online path builds it.
pub fn judge_input<'a>(
    question: &'a Question,
    framework: &'a Framework,
    answer: &'a Answer,
    seniority: Option<Seniority>,
) -> JudgeInput<'a> {
    JudgeInput {
        question,
        framework,
        answer,
        transcript: answer.full_text(),
        notes: Vec::new(),
        seniority,
    }
}

/// The request line for one answer. A batch cannot step down the structured-output ladder
/// as the online judge does when a server refuses `json_schema`, so it asks at the top level.
/// `system` is the judge's system prompt for the question ([`judge::system_prompt`]), and
/// `schema` its reply schema ([`judge::reply_schema`]): the same for every answer of a batch.
pub fn request_line(
    custom_id: &str,
    model: &str,
    input: &JudgeInput<'_>,
    system: &str,
    schema: &serde_json::Value,
) -> Result<serde_json::Value, CohortError> {
    let request = judge::request_with(input, system.to_owned())?;
    let prepared = crate::llm::structured::prepare(
        &request,
        StructuredLevel::JsonSchema,
        judge::SCHEMA_NAME,
        schema,
    );
    Ok(json!({
        "custom_id": custom_id,
        "method": "POST",
        "url": crate::llm::batch::CHAT_ENDPOINT,
        "body": crate::llm::client::request_body(model, &prepared, false),
    }))
}

/// Writes a batch's request file and `answers.jsonl`, one answer at a time.
pub struct BatchWriter<'a> {
    batch: String,
    question: &'a Question,
    framework: &'a Framework,
    seniority: Option<Seniority>,
    model: String,
    /// The judge's system prompt and reply schema, rendered once for the whole batch.
    prompt: Option<(String, serde_json::Value)>,
    requests: (PathBuf, BufWriter<File>),
    answers: (PathBuf, BufWriter<File>),
    count: usize,
}

fn create(path: &Path) -> Result<(PathBuf, BufWriter<File>), CohortError> {
    let file = File::create(path).map_err(|source| CohortError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok((
        path.to_path_buf(),
        BufWriter::with_capacity(256 * 1024, file),
    ))
}

fn write_line(
    (path, out): &mut (PathBuf, BufWriter<File>),
    value: &impl Serialize,
) -> Result<(), CohortError> {
    let err = |source| CohortError::Write {
        path: path.clone(),
        source,
    };
    serde_json::to_writer(&mut *out, value).map_err(|e| err(std::io::Error::other(e)))?;
    out.write_all(b"\n").map_err(err)
}

impl<'a> BatchWriter<'a> {
    pub fn new(
        batch: &str,
        question: &'a Question,
        framework: &'a Framework,
        seniority: Option<Seniority>,
        model: &str,
        requests: &Path,
        answers: &Path,
    ) -> Result<BatchWriter<'a>, CohortError> {
        Ok(BatchWriter {
            batch: batch.to_owned(),
            question,
            framework,
            seniority,
            model: model.to_owned(),
            prompt: None,
            requests: create(requests)?,
            answers: create(answers)?,
            count: 0,
        })
    }

    /// Adds one answer; returns what the record keeps of it.
    pub fn add(&mut self, input: &str, text: &str) -> Result<InputRecord, CohortError> {
        self.count += 1;
        let id = custom_id(&self.batch, self.count);
        let answer = Answer::from_text(text, self.framework);
        let judged = judge_input(self.question, self.framework, &answer, self.seniority);
        if self.prompt.is_none() {
            self.prompt = Some((judge::system_prompt(&judged)?, judge::reply_schema(&judged)));
        }
        let (system, schema) = self.prompt.as_ref().expect("set above");
        let line = request_line(&id, &self.model, &judged, system, schema)?;
        write_line(&mut self.requests, &line)?;
        write_line(
            &mut self.answers,
            &AnswerLine {
                custom_id: id.clone(),
                input: input.to_owned(),
                text: text.to_owned(),
            },
        )?;
        Ok(InputRecord {
            custom_id: id,
            input: input.to_owned(),
            bytes: text.len() as u64,
            sha256: sha256_hex(text.as_bytes()),
        })
    }

    /// Flushes both files to disk.
    pub fn finish(self) -> Result<usize, CohortError> {
        for (path, out) in [self.requests, self.answers] {
            let file = out.into_inner().map_err(|e| CohortError::Write {
                path: path.clone(),
                source: std::io::Error::other(e.to_string()),
            })?;
            file.sync_all()
                .map_err(|source| CohortError::Write { path, source })?;
        }
        Ok(self.count)
    }
}
