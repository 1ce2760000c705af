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

/// Whether the file at `path` is a report rehearse wrote (Markdown, HTML or JSON), judged by
/// its beginning: what may be replaced when reports are written or rewritten, so an answer file
/// of the same name is never overwritten.
pub fn is_rehearse_report(path: &std::path::Path) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(4096);
    if file.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    head.starts_with("# Interview report: ")
        || (head.starts_with("<!doctype html>") && head.contains("<title>Interview report: "))
        || (head.starts_with('{')
            && head.contains("\"schema_version\"")
            && head.contains("\"scorecard\""))
}
