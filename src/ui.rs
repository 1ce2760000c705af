//! Terminal presentation shared by every command: colour that switches itself off when it
//! should (not a TTY, `NO_COLOR`, machine output), word wrapping, and aligned tables.

use std::io::IsTerminal;

/// ANSI styling that is a no-op when disabled, so callers never branch on colour themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    enabled: bool,
}

impl Style {
    pub fn new(enabled: bool) -> Style {
        Style { enabled }
    }

    /// Colour for stdout: only on a terminal, never with `NO_COLOR` or machine-readable output.
    pub fn for_stdout(no_color: bool, machine_output: bool) -> Style {
        Style::new(!no_color && !machine_output && std::io::stdout().is_terminal())
    }

    /// Colour for stderr (notices, progress, errors).
    pub fn for_stderr(no_color: bool) -> Style {
        Style::new(!no_color && std::io::stderr().is_terminal())
    }

    pub fn enabled(self) -> bool {
        self.enabled
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }
    pub fn cyan(self, text: &str) -> String {
        self.paint("36", text)
    }
}

/// Width to wrap prose at: the terminal's, capped for readability; 88 when not a terminal.
pub fn text_width() -> usize {
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(88);
    width.clamp(40, 100)
}

/// Text that did not come from rehearse (model replies, question files, answers, server
/// messages), made safe for a terminal: control characters other than newline and tab are shown
/// in caret notation (`ESC` as `^[`) instead of being obeyed, so a reply cannot set the
/// window title, clear the screen or move the cursor. Saved text keeps the original.
pub fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| (c.is_control() && c != '\n' && c != '\t') || is_bidi_override(c);
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Windows line endings are line endings, not a cursor return.
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            '\u{7f}' => out.push_str("^?"),
            c if unsafe_char(c) => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Bidirectional overrides can make text display in an order other than the one it has.
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Greedy word wrap; every output line starts with `indent`. Paragraph breaks (blank lines)
/// and existing line breaks are kept.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let text = clean(text);
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.trim().is_empty() {
            continue;
        }
        let mut current = String::from(indent);
        let mut empty = true;
        for word in line.split_whitespace() {
            let needed = if empty {
                word.chars().count()
            } else {
                word.chars().count() + 1
            };
            if !empty && current.chars().count() + needed > width {
                out.push_str(&current);
                out.push('\n');
                current = String::from(indent);
                empty = true;
            }
            if !empty {
                current.push(' ');
            }
            current.push_str(word);
            empty = false;
        }
        out.push_str(&current);
    }
    out
}

/// Word wrap for text that arrives in pieces (a streamed reply). Complete words are placed as
/// [`wrap`] would place them; the word still arriving at the end of a piece is shown at once
/// when it fits on the line (so a reply that stalls shows everything it sent), and is only
/// broken if it then outgrows the line. Continuation lines start with `indent`; the first line
/// continues wherever the cursor is (`start` columns in).
#[derive(Debug)]
pub struct StreamWrap {
    width: usize,
    indent: String,
    col: usize,
    /// The part of the current word not shown yet.
    word: String,
    /// Some of the current word is already on screen.
    shown_part: bool,
    /// A space is owed before the next word.
    space: bool,
}

impl StreamWrap {
    pub fn new(width: usize, indent: &str, start: usize) -> StreamWrap {
        StreamWrap {
            width,
            indent: indent.to_owned(),
            col: start,
            word: String::new(),
            shown_part: false,
            space: false,
        }
    }

    fn indent_width(&self) -> usize {
        self.indent.chars().count()
    }

    /// The printable output for `text` (already made safe with [`clean`]).
    pub fn push(&mut self, text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '\n' => {
                    self.flush(&mut out, true);
                    self.space = false;
                    out.push('\n');
                    out.push_str(&self.indent);
                    self.col = self.indent_width();
                }
                c if c.is_whitespace() => {
                    self.flush(&mut out, true);
                    self.space = self.col > self.indent_width();
                }
                c => self.word.push(c),
            }
        }
        // The word still arriving: shown now if it fits where it would go.
        let len = self.word.chars().count();
        let fits = self.col + usize::from(self.space) + len <= self.width
            || self.col <= self.indent_width();
        if self.shown_part || fits {
            self.flush(&mut out, false);
        }
        out
    }

    /// The rest: the word still held back.
    pub fn finish(&mut self) -> String {
        let mut out = String::new();
        self.flush(&mut out, true);
        out
    }

    /// Shows the held part of the current word; `ended` when a space or the end follows it.
    fn flush(&mut self, out: &mut String, ended: bool) {
        if !self.word.is_empty() {
            let len = self.word.chars().count();
            let gap = usize::from(self.space && !self.shown_part);
            let overflows = self.col > self.indent_width() && self.col + gap + len > self.width;
            if overflows {
                out.push('\n');
                out.push_str(&self.indent);
                self.col = self.indent_width();
            } else if gap == 1 {
                out.push(' ');
                self.col += 1;
            }
            out.push_str(&self.word);
            self.col += len;
            self.word.clear();
            self.shown_part = true;
            self.space = false;
        }
        if ended {
            self.shown_part = false;
        }
    }
}

/// A list item: `marker` then the text, wrapped with continuation lines aligned under the
/// text ("  - first line\n    continued").
pub fn bullet(marker: &str, text: &str, width: usize, indent: &str) -> String {
    let lead = format!("{indent}{marker} ");
    let hang = " ".repeat(lead.chars().count());
    let body = wrap(text, width.saturating_sub(lead.chars().count()).max(10), "");
    body.lines()
        .enumerate()
        .map(|(i, line)| format!("{}{line}", if i == 0 { &lead } else { &hang }))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A plain-text table with left-aligned columns (right-aligned where asked). Widths are
/// measured in characters, and styling is applied after padding so escapes do not skew them.
pub struct Table {
    headers: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            right: vec![false; headers.len()],
            rows: Vec::new(),
        }
    }

    pub fn align_right(mut self, column: usize) -> Table {
        self.right[column] = true;
        self
    }

    /// Adds a row; cells are [`clean`]ed, since they often hold file or model text.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.into_iter().map(|c| clean(&c).into_owned()).collect());
    }

    pub fn render(&self, style: Style) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            let last = cells.len().saturating_sub(1);
            let mut out = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let pad = widths[i] - cell.chars().count();
                if self.right[i] {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(cell);
                } else {
                    out.push_str(cell);
                    if i != last {
                        out.push_str(&" ".repeat(pad));
                    }
                }
                if i != last {
                    out.push_str("  ");
                }
            }
            out
        };
        let mut out = style.bold(&line(&self.headers));
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }
}

/// `mm:ss` for a duration in seconds; hours roll into minutes (`75:00`).
pub fn clock(secs: u64) -> String {
    format!("{:02}:{:02}", secs / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width_and_indent() {
        let text = "one two three four five six seven";
        assert_eq!(
            wrap(text, 12, "  "),
            "  one two\n  three four\n  five six\n  seven"
        );
    }

    #[test]
    fn wrap_keeps_paragraphs() {
        assert_eq!(wrap("a b\n\nc", 10, ""), "a b\n\nc");
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(clean("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            clean("\x1b]0;pwned\x07\x1b[2Jhi\r\n"),
            "^[]0;pwned^G^[[2Jhi\n"
        );
        assert_eq!(clean("a\u{202E}b\u{7f}"), "a<U+202E>b^?");
    }

    #[test]
    fn bullets_hang_their_continuation_lines() {
        assert_eq!(
            bullet("-", "one two three four", 12, "  "),
            "  - one two\n    three four"
        );
    }

    #[test]
    fn table_aligns_columns() {
        let mut t = Table::new(&["#", "id"]).align_right(0);
        t.row(vec!["3".into(), "load-balancer".into()]);
        t.row(vec!["31".into(), "url-shortener".into()]);
        assert_eq!(
            t.render(Style::new(false)),
            " #  id\n 3  load-balancer\n31  url-shortener\n"
        );
    }

    #[test]
    fn clock_formats_minutes_and_seconds() {
        assert_eq!(clock(192), "03:12");
        assert_eq!(clock(4500), "75:00");
    }

    #[test]
    fn streamed_text_wraps_like_whole_text() {
        let text =
            "How many users do you expect per day, and how many of them write rather than read?";
        let mut streamed = StreamWrap::new(30, "    ", 4);
        let mut out = String::from("    ");
        for piece in [
            "How ma",
            "ny users do you ",
            "expect per day, and how",
            " many of them write rather than read?",
        ] {
            out.push_str(&streamed.push(piece));
        }
        out.push_str(&streamed.finish());
        assert_eq!(out, wrap(text, 30, "    "));
        assert!(out.lines().all(|l| l.chars().count() <= 30), "{out}");
    }

    #[test]
    fn a_stalled_stream_shows_its_last_word() {
        let mut streamed = StreamWrap::new(40, "  ", 2);
        assert_eq!(
            streamed.push("Interesting, tell me"),
            "Interesting, tell me"
        );
        assert_eq!(streamed.push(" more"), " more");
    }
}
