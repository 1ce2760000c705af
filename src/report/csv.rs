//! CSV for spreadsheets (RFC 4180): a header row, CRLF line ends, a field quoted when it holds a
//! comma, a quote or a line break (quotes doubled), numbers as plain decimals.

use std::io::{self, Write};

/// Writes rows of fields as RFC 4180 CSV.
pub struct CsvWriter<W: Write> {
    out: W,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W) -> CsvWriter<W> {
        CsvWriter { out }
    }

    pub fn row<S: AsRef<str>>(&mut self, fields: &[S]) -> io::Result<()> {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            let field = field.as_ref();
            if field.contains([',', '"', '\r', '\n']) {
                self.out.write_all(b"\"")?;
                self.out.write_all(field.replace('"', "\"\"").as_bytes())?;
                self.out.write_all(b"\"")?;
            } else {
                self.out.write_all(field.as_bytes())?;
            }
        }
        self.out.write_all(b"\r\n")
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A number as a spreadsheet reads it: `72.5`, `80`; nothing for no value.
pub fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The header of `score --format csv`: one column per stage of the question's framework.
pub fn scorecard_header(framework: &crate::framework::Framework) -> Vec<String> {
    let mut header: Vec<String> = [
        "input",
        "question_id",
        "question_number",
        "scorer",
        "model",
        "overall",
        "band",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(framework.stages.iter().map(|s| s.id.clone()));
    header.push("flags".into());
    header
}

/// One row of `score --format csv`. An answer too thin to grade has no overall score; a stage
/// with nothing expected of this seniority has no stage score. Flags are `;`-separated.
pub fn scorecard_row(
    input: &str,
    card: &crate::scoring::Scorecard,
    framework: &crate::framework::Framework,
) -> Vec<String> {
    let graded = card.band != crate::scoring::Band::Insufficient;
    let mut row = vec![
        input.to_owned(),
        card.question.id.clone(),
        card.question.number.to_string(),
        match card.scorer.kind {
            crate::scoring::ScorerKind::Offline => "offline".to_owned(),
            crate::scoring::ScorerKind::Llm => "llm".to_owned(),
        },
        card.scorer.model.clone().unwrap_or_default(),
        number(graded.then_some(card.overall)),
        card.band.as_str().to_owned(),
    ];
    row.extend(framework.stages.iter().map(|stage| {
        number(
            card.stages
                .iter()
                .find(|s| s.id == stage.id)
                .filter(|_| graded)
                .map(|s| s.score),
        )
    }));
    row.push(card.flags.join(";"));
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        let mut w = CsvWriter::new(Vec::new());
        w.row(&["plain", "a,b", "say \"hi\"", "two\nlines", ""])
            .unwrap();
        w.row(&[number(Some(72.5)), number(Some(80.0)), number(None)])
            .unwrap();
        assert_eq!(
            String::from_utf8(w.out).unwrap(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n72.5,80,\r\n"
        );
    }
}
