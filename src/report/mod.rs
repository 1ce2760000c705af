//! Presenting scorecards: the terminal scorecard, and reports in Markdown, HTML and JSON.

pub mod markdown;
pub mod model;
pub mod text;

pub use model::Report;
