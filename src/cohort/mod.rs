//! Cohorts: many written answers judged in one provider batch. [`requests`] writes the batch's
//! request file (one line per answer: exactly the request the online judge would send) beside
//! a copy of every answer; [`record`] keeps what a later `rehearse batch collect` needs, under
//! `$REHEARSE_HOME/batches/<id>/`; [`results`] turns the provider's output lines back into
//! scorecards the way the online judge does (same quote verification, same flags). Every file
//! is streamed: 5,000 answers never sit in memory at once.

pub mod record;
pub mod requests;
pub mod results;

use std::path::PathBuf;

/// What can go wrong with a recorded batch, with the exit code it ends in.
#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    #[error("no single batch {query}{}", known_batches(.known))]
    NotFound { query: String, known: Vec<String> },
    #[error("{} is not a batch record rehearse wrote ({detail}); move it aside", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("{}: line {line}: {detail}", path.display())]
    BadLine {
        path: PathBuf,
        line: usize,
        detail: String,
    },
    #[error("cannot read {}: {}", path.display(), crate::strings::io_message(.source))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {}", path.display(), crate::strings::io_message(.source))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Output(#[from] crate::files::WriteError),
    #[error("cannot build the judge's request: {0}")]
    Prompt(#[from] crate::prompts::PromptError),
}

fn known_batches(known: &[String]) -> String {
    if known.is_empty() {
        "; there are no recorded batches (submit one with `rehearse score --batch`)".to_owned()
    } else {
        format!("; recorded batches: {}", known.join(", "))
    }
}

impl CohortError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CohortError::NotFound { .. }
            | CohortError::Corrupt { .. }
            | CohortError::BadLine { .. } => crate::exit::USAGE,
            CohortError::Read { .. } | CohortError::Write { .. } => crate::exit::FAILURE,
            CohortError::Output(e) if e.is_input_problem() => crate::exit::USAGE,
            CohortError::Output(_) => crate::exit::FAILURE,
            CohortError::Prompt(e) => e.exit_code(),
        }
    }
}
