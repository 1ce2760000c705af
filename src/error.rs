//! The error every command can end with, and its exit code (design §8): 0 ok, 1 a runtime
//! failure (the endpoint, the network, the file system), 2 a usage or input error. Each module's
//! error knows its own code; this enum only gathers them, so the binary maps an outcome to an
//! exit code in one place.

use crate::bank::{BankError, NotFound};
use crate::config::ConfigError;
use crate::files::WriteError;
use crate::llm::LlmError;
use crate::store::StoreError;

pub use crate::exit::{FAILURE, OK, USAGE};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(Box<ConfigError>),
    #[error(transparent)]
    Bank(Box<BankError>),
    #[error(transparent)]
    NotFound(Box<NotFound>),
    #[error(transparent)]
    Store(Box<StoreError>),
    #[error(transparent)]
    Llm(Box<LlmError>),
    #[error(transparent)]
    Write(Box<WriteError>),
    #[error(transparent)]
    Prompt(Box<crate::prompts::PromptError>),
    #[error(transparent)]
    Cohort(Box<crate::cohort::CohortError>),
    #[error(transparent)]
    Review(Box<crate::scoring::review::ReviewError>),
    /// A mistake in how the tool was called or in what it was given.
    #[error("{0}")]
    Usage(String),
    /// Something failed at run time; the message says what.
    #[error("{0}")]
    Failed(String),
    /// Writing to the terminal failed (a closed pipe is not a failure: `| head` is fine).
    #[error("cannot write output: {}", crate::strings::io_message(.0))]
    Output(#[from] std::io::Error),
}

/// Module errors are boxed so `Result<T, Error>` stays small on the happy path.
macro_rules! boxed_from {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for Error {
            fn from(e: $ty) -> Self {
                Error::$variant(Box::new(e))
            }
        })*
    };
}

boxed_from!(
    Config(ConfigError),
    Bank(BankError),
    NotFound(NotFound),
    Store(StoreError),
    Llm(LlmError),
    Write(WriteError),
    Prompt(crate::prompts::PromptError),
    Review(crate::scoring::review::ReviewError),
    Cohort(crate::cohort::CohortError),
);

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(e) => e.exit_code(),
            Error::Bank(e) => e.exit_code(),
            Error::NotFound(_) | Error::Usage(_) => USAGE,
            Error::Store(e) => e.exit_code(),
            Error::Prompt(e) => e.exit_code(),
            Error::Review(e) => e.exit_code(),
            Error::Cohort(e) => e.exit_code(),
            Error::Llm(_) | Error::Failed(_) => FAILURE,
            Error::Write(e) if e.io().is_some_and(is_broken_pipe) => OK,
            Error::Write(e) if e.is_input_problem() => USAGE,
            Error::Write(_) => FAILURE,
            Error::Output(e) if is_broken_pipe(e) => OK,
            Error::Output(_) => FAILURE,
        }
    }
}

fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

impl From<serde_json::Error> for Error {
    /// Serialising our own data to a writer fails only when the writer does.
    fn from(e: serde_json::Error) -> Self {
        match e.io_error_kind() {
            Some(kind) => Error::Output(std::io::Error::from(kind)),
            None => Error::Failed(format!("cannot serialise output: {e}")),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_pipes_are_success_and_other_output_errors_failures() {
        let pipe = Error::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(pipe.exit_code(), OK);
        let full = Error::Output(std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert_eq!(full.exit_code(), FAILURE);
        assert_eq!(Error::Usage("x".into()).exit_code(), USAGE);
    }
}
