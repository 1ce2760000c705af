//! The JSON report: schema-versioned, the scorecard of design §7 plus the session (or the
//! written answer) and the communication signals, for tools that post-process reports.

use serde::Serialize;

use crate::report::model::{Communication, Report};
use crate::scoring::Scorecard;
use crate::session::Session;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    source: &'a str,
    scorecard: &'a Scorecard,
    communication: &'a Communication,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<&'a Session>,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<&'a str>,
}

pub fn render(
    report: &Report,
    card: &Scorecard,
    session: Option<&Session>,
    answer: Option<&str>,
) -> String {
    let doc = JsonReport {
        schema_version: SCHEMA_VERSION,
        source: &report.source,
        scorecard: card,
        communication: &report.communication,
        session,
        answer,
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("reports serialise");
    text.push('\n');
    text
}
