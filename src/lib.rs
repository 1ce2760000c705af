//! rehearse: a terminal mock interviewer for system design interviews.
//!
//! Data flows `bank` (questions) → `session` and `interview` (the conversation) → `scoring`
//! (scorecards) → `report`. Imports follow a fixed order with no cycles: `scoring` needs only
//! `bank`, `framework` and `llm`; `session` keeps a scorecard; `interview` reads progress with
//! the offline scorer; `report` and `store` read sessions; `finish` (score, save, report)
//! joins them for `/done` and `rehearse report`; `cmd` is the command-line edge.

pub mod bank;
pub mod cli;
pub mod cmd;
pub mod cohort;
pub mod config;
pub mod diagram;
pub mod embedded;
pub mod error;
pub mod exit;
pub mod files;
pub mod finish;
pub mod framework;
pub mod interview;
pub mod llm;
pub mod prompts;
pub mod report;
pub mod scoring;
pub mod session;
pub mod settings;
pub mod speech;
pub mod store;
pub mod strings;
pub mod tomlread;
pub mod ui;

pub use error::{Error, Result};
