//! The record of a batch, `$REHEARSE_HOME/batches/<id>/batch.json`: question, model, every
//! input with its size and SHA-256, where the request file is, and the provider's batch id and
//! last status once submitted. Beside it: `answers.jsonl` (the answers as submitted, so
//! collecting needs neither the original files nor the network twice), and the provider's
//! output and error files once downloaded.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::CohortError;
use crate::bank::Seniority;
use crate::llm::batch::BatchStatus;
use crate::store::Store;

pub const SCHEMA_VERSION: u32 = 1;
const RECORD_FILE: &str = "batch.json";
pub const ANSWERS_FILE: &str = "answers.jsonl";
pub const REQUESTS_FILE: &str = "requests.jsonl";
pub const OUTPUT_FILE: &str = "output.jsonl";
pub const ERRORS_FILE: &str = "errors.jsonl";
/// Records are small (a line per input); refuse anything that is not one.
const MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;

/// One answer of the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRecord {
    pub custom_id: String,
    /// As shown in output: the path given, or `stdin`.
    pub input: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Where the batch was submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    /// The provider's batch id (`batch_…`).
    pub batch_id: String,
    /// The endpoint, without credentials.
    pub base_url: String,
    pub input_file_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRecord {
    pub schema_version: u32,
    /// Local id: the directory name, and the prefix of every `custom_id`.
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// The question's id in the bank.
    pub question: String,
    #[serde(default)]
    pub seniority: Option<Seniority>,
    /// The judge model named in every request.
    pub model: String,
    /// The request file (in the batch's directory, or where `--batch-file` wrote it).
    pub requests: PathBuf,
    pub inputs: Vec<InputRecord>,
    #[serde(default)]
    pub submitted: Option<Submitted>,
    /// The provider's status when last asked.
    #[serde(default)]
    pub status: Option<BatchStatus>,
    /// When the results were last turned into scorecards.
    #[serde(default)]
    pub collected_at: Option<DateTime<Utc>>,
}

/// The `custom_id` of the `n`th input (from 1) of batch `batch`.
pub fn custom_id(batch: &str, n: usize) -> String {
    format!("{batch}/{n}")
}

/// The batch a `custom_id` belongs to.
pub fn batch_of(custom_id: &str) -> Option<&str> {
    custom_id.rsplit_once('/').map(|(batch, _)| batch)
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl BatchRecord {
    pub fn dir(store: &Store, id: &str) -> PathBuf {
        store.batches_dir().join(id)
    }

    pub fn file(&self, store: &Store, name: &str) -> PathBuf {
        Self::dir(store, &self.id).join(name)
    }

    /// Writes the record atomically: a crash leaves the old record or the new one.
    pub fn save(&self, store: &Store) -> Result<(), CohortError> {
        let path = self.file(store, RECORD_FILE);
        let mut json = serde_json::to_vec_pretty(self).expect("records serialise");
        json.push(b'\n');
        Ok(crate::files::replace_atomically(&path, &json)?)
    }

    pub fn load(path: &Path) -> Result<BatchRecord, CohortError> {
        let bytes = crate::files::read_bounded(path, MAX_RECORD_BYTES).map_err(|e| {
            CohortError::Corrupt {
                path: path.to_path_buf(),
                detail: e.to_string(),
            }
        })?;
        serde_json::from_slice(&bytes).map_err(|e| CohortError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })
    }

    /// Every recorded batch, newest first; a broken record is returned as its error.
    pub fn all(store: &Store) -> Vec<Result<BatchRecord, CohortError>> {
        let Ok(entries) = std::fs::read_dir(store.batches_dir()) else {
            return Vec::new();
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join(RECORD_FILE).is_file())
            .collect();
        dirs.sort();
        dirs.reverse();
        dirs.iter()
            .map(|d| BatchRecord::load(&d.join(RECORD_FILE)))
            .collect()
    }

    /// The batch `query` names: its local id, the provider's batch id, or a unique prefix of
    /// the local id.
    pub fn find(store: &Store, query: &str) -> Result<BatchRecord, CohortError> {
        let records: Vec<BatchRecord> = BatchRecord::all(store)
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        let exact = records
            .iter()
            .find(|r| r.id == query || r.submitted.as_ref().is_some_and(|s| s.batch_id == query));
        if let Some(r) = exact {
            return Ok(r.clone());
        }
        let prefixed: Vec<&BatchRecord> = records
            .iter()
            .filter(|r| !query.is_empty() && r.id.starts_with(query))
            .collect();
        if let [one] = prefixed.as_slice() {
            return Ok((*one).clone());
        }
        // Several match: name those; none: name the newest.
        let known: Vec<String> = if prefixed.len() > 1 {
            prefixed.iter().map(|r| r.id.clone()).collect()
        } else {
            records.iter().map(|r| r.id.clone()).collect()
        };
        Err(CohortError::NotFound {
            query: query.to_owned(),
            known: known.into_iter().take(10).collect(),
        })
    }
}
