//! The question bank: the questions shipped in the binary plus any the user adds, and the ways
//! the rest of the tool picks one.

pub mod load;
pub mod model;
mod parse;
mod select;

use std::path::PathBuf;

pub use model::{Fact, Followup, Hint, Level, Origin, Question, RubricItem, Seniority};
pub use select::{Filter, NotFound};

use crate::framework::Frameworks;
use crate::tomlread::Problem;

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// One or more question files are malformed; each problem names its file and line.
    #[error("{} in question files:\n{}", crate::strings::plural(.0.len(), "problem"), render(.0))]
    Invalid(Vec<Problem>),
    #[error("cannot read {}: {}", path.display(), crate::strings::io_message(.source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {reason}", path.display())]
    Unreadable {
        path: PathBuf,
        reason: crate::files::ReadError,
    },
    #[error("{}: not valid UTF-8 (save question files as UTF-8 text)", path.display())]
    NotUtf8 { path: PathBuf },
    #[error("{}: not a directory (--questions takes a directory of .toml files)", .0.display())]
    NotADirectory(PathBuf),
    #[error("the built-in frameworks file is invalid:\n{}", render(.0))]
    Frameworks(Vec<Problem>),
}

impl BankError {
    /// Malformed files and wrong paths are the user's to fix (2); a file the machine cannot read
    /// and a broken built-in frameworks file are runtime failures (1).
    pub fn exit_code(&self) -> u8 {
        match self {
            BankError::Io { source, .. } if source.kind() != std::io::ErrorKind::NotFound => {
                crate::exit::FAILURE
            }
            BankError::Unreadable { reason, .. } if !reason.is_input_problem() => {
                crate::exit::FAILURE
            }
            BankError::Frameworks(_) => crate::exit::FAILURE,
            _ => crate::exit::USAGE,
        }
    }
}

fn render(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// All questions available to this run, sorted by number.
#[derive(Debug, Clone)]
pub struct Bank {
    questions: Vec<Question>,
    frameworks: Frameworks,
}

impl Bank {
    fn from_questions(questions: Vec<Question>, frameworks: Frameworks) -> Bank {
        Bank {
            questions,
            frameworks,
        }
    }

    /// The embedded bank plus `user_dirs`, in order (later directories override earlier ones).
    pub fn load(user_dirs: &[PathBuf]) -> Result<Bank, BankError> {
        let frameworks = Frameworks::embedded().map_err(BankError::Frameworks)?;
        load::load(&frameworks, user_dirs)
    }

    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    pub fn frameworks(&self) -> &Frameworks {
        &self.frameworks
    }

    pub fn len(&self) -> usize {
        self.questions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
    }

    /// Every topic used in the bank, sorted.
    pub fn topics(&self) -> Vec<&str> {
        let mut topics: Vec<&str> = self
            .questions
            .iter()
            .flat_map(|q| q.topics.iter().map(String::as_str))
            .collect();
        topics.sort_unstable();
        topics.dedup();
        topics
    }
}
