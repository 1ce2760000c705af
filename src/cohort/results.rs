//! Reading a batch's results: the provider's output and error files (or one file from
//! `vllm run-batch`, which mixes both) are indexed by `custom_id` (byte offsets only, so memory
//! stays flat), then each answer's line is read when its turn comes, in input order, and turned
//! into a scorecard exactly as the online judge does: the same reply checks, the same quote
//! verification, the same flags.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::CohortError;
use super::requests::AnswerLine;
use crate::llm::redact::Secrets;
use crate::scoring::judge::{self, JudgeInput};
use crate::scoring::scorecard::expected_items;
use crate::scoring::{Scorecard, ScorerInfo};

/// Where each answer's result line is.
pub struct ResultIndex {
    files: Vec<PathBuf>,
    /// custom_id → (file, byte offset, line number).
    by_id: HashMap<String, (usize, u64, usize)>,
}

#[derive(Deserialize)]
struct IdOnly {
    custom_id: String,
}

fn read_error(path: &Path) -> impl Fn(std::io::Error) -> CohortError + '_ {
    move |source| CohortError::Read {
        path: path.to_path_buf(),
        source,
    }
}

impl ResultIndex {
    /// Indexes `files` (missing ones are skipped: a batch with no failures has no error file).
    /// A line that is not JSON with a `custom_id` is an error naming the file and line.
    pub fn build(files: &[PathBuf]) -> Result<ResultIndex, CohortError> {
        let mut by_id = HashMap::new();
        let mut kept = Vec::new();
        for path in files.iter().filter(|p| p.is_file()) {
            let n = kept.len();
            kept.push(path.clone());
            let mut reader = BufReader::new(File::open(path).map_err(read_error(path))?);
            let mut offset = 0u64;
            let mut line = String::new();
            for number in 1.. {
                line.clear();
                let read = reader.read_line(&mut line).map_err(read_error(path))?;
                if read == 0 {
                    break;
                }
                if !line.trim().is_empty() {
                    let id: IdOnly =
                        serde_json::from_str(&line).map_err(|e| CohortError::BadLine {
                            path: path.clone(),
                            line: number,
                            detail: format!("not a batch result line with a custom_id ({e})"),
                        })?;
                    // A request retried into the output file after an error keeps its success.
                    by_id.entry(id.custom_id).or_insert((n, offset, number));
                }
                offset += read as u64;
            }
        }
        Ok(ResultIndex { files: kept, by_id })
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Any one `custom_id` of the results (to find which batch they belong to).
    pub fn any_id(&self) -> Option<&str> {
        self.by_id.keys().next().map(String::as_str)
    }

    pub fn contains(&self, custom_id: &str) -> bool {
        self.by_id.contains_key(custom_id)
    }

    /// The result line of `custom_id`, parsed; `None` when the results have none.
    pub fn line(&self, custom_id: &str) -> Option<Result<Value, CohortError>> {
        let &(file, offset, number) = self.by_id.get(custom_id)?;
        let path = &self.files[file];
        let read = || -> Result<Value, CohortError> {
            let mut f = File::open(path).map_err(read_error(path))?;
            f.seek(SeekFrom::Start(offset)).map_err(read_error(path))?;
            let mut line = String::new();
            BufReader::new(f)
                .read_line(&mut line)
                .map_err(read_error(path))?;
            serde_json::from_str(&line).map_err(|e| CohortError::BadLine {
                path: path.clone(),
                line: number,
                detail: e.to_string(),
            })
        };
        Some(read())
    }
}

/// The answers of a batch, in input order, read one at a time.
pub fn answers(
    path: &Path,
) -> Result<impl Iterator<Item = Result<AnswerLine, CohortError>>, CohortError> {
    let reader = BufReader::new(File::open(path).map_err(read_error(path))?);
    let path = path.to_path_buf();
    Ok(reader.lines().enumerate().map(move |(i, line)| {
        let line = line.map_err(read_error(&path))?;
        serde_json::from_str(&line).map_err(|e| CohortError::BadLine {
            path: path.clone(),
            line: i + 1,
            detail: e.to_string(),
        })
    }))
}

/// The scorecard in one result line, as the online judge would make it from the same reply;
/// otherwise why there is none (the request failed, or the reply is not the verdicts asked for).
/// `secrets` are removed from the reply before anything of it is kept, as online.
pub fn judge_line(
    line: &Value,
    input: &JudgeInput<'_>,
    model: &str,
    secrets: &Secrets,
) -> Result<Scorecard, String> {
    let clean = |text: &str| secrets.redact(&crate::llm::error::error_message(text));
    if let Some(error) = line.get("error").filter(|e| !e.is_null()) {
        return Err(clean(&serde_json::json!({ "error": error }).to_string()));
    }
    let response = line
        .get("response")
        .filter(|r| !r.is_null())
        .ok_or("the result line has neither a response nor an error")?;
    let status = response["status_code"].as_u64().unwrap_or(200);
    let body = &response["body"];
    if status != 200 {
        return Err(format!("HTTP {status}: {}", clean(&body.to_string())));
    }
    let completion = crate::llm::client::parse_completion(&body.to_string(), "the batch output")
        .map_err(|e| secrets.redact(&e.to_string()))?;
    let mut text = crate::llm::structured::usable(completion).map_err(|e| e.to_string())?;
    text = secrets.redact(&text);
    let expected = expected_items(input.question, input.seniority);
    let ids: Vec<&str> = expected.iter().map(|i| i.id.as_str()).collect();
    let reply =
        crate::llm::structured::parse_and_check(&text, &|v: &Value| judge::parse_reply(v, &ids))
            .map_err(|problem| {
                format!("the judge's reply is not the verdicts asked for: {problem}")
            })?;
    Ok(judge::assemble(input, reply, ScorerInfo::llm(model)))
}
