//! Presenting scorecards: the terminal scorecard, reports in Markdown, HTML and JSON, CSV for
//! spreadsheets, and progress statistics across sessions.

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod model;
pub mod stats;
pub mod text;

pub use model::Report;
