//! Presenting scorecards: the terminal scorecard, and reports in Markdown, HTML and JSON.

pub mod text;
