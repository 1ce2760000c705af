//! rehearse: a terminal mock interviewer for system design interviews.
//!
//! Data flows `bank` (questions) → `interview` (sessions) → `scoring` (scorecards) → `report`.
//! `cmd` is the command-line edge that wires them together.

pub mod bank;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod embedded;
pub mod error;
pub mod files;
pub mod framework;
pub mod interview;
pub mod llm;
pub mod prompts;
pub mod report;
pub mod scoring;
pub mod settings;
pub mod store;
pub mod strings;
pub mod tomlread;
pub mod ui;

pub use error::{Error, Result};
