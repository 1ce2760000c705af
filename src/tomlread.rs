//! Reading hand-written TOML (questions, frameworks) so that every problem in a file is reported
//! at once, pinned to a file, a line and a field: authors fix a whole file in one pass.
//!
//! The work is toml-spanner's: its typed readers ([`FromToml`] with [`TableHelper`]) track which
//! keys were read, its [`Context`] collects every error with the item it belongs to, and it
//! computes each error's path (`rubric[3].stage`). What stays here is rehearse's vocabulary on
//! top of it: field kinds that validate as they read ([`Text`], [`Slug`], [`Int`], [`Choice`],
//! [`List`]), the wording authors see ("missing required field (expected a string)", "unknown
//! field (known fields: …)"), and the turn from the crate's errors into [`Problem`]s.
//!
//! Parsing with toml-spanner keeps start-up fast: the whole bank (~1 MB) parses and validates in
//! about 3 ms (`cargo bench --bench bank`).

use std::cell::OnceCell;
use std::fmt;

use toml_spanner::{Arena, Context, ErrorKind, Failed, FromToml, Item, TableHelper, Value};

/// One thing wrong with a data file, located precisely enough to jump to it in an editor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.file, self.line, self.field, self.message
            )
        }
    }
}

/// A file's name and text, for turning byte offsets into lines.
pub struct Source<'a> {
    file: &'a str,
    text: &'a str,
    /// Byte offsets where lines start, computed on the first problem (valid files never need it).
    line_starts: OnceCell<Vec<usize>>,
}

impl<'a> Source<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Source<'a> {
        Source {
            file,
            text,
            line_starts: OnceCell::new(),
        }
    }

    /// 1-based line number of a byte offset. Near the top of a file (where `id` and `number`
    /// live, whose lines every question records) newlines are counted directly; the index of
    /// every line start is built only when a problem further down needs it.
    pub fn line_of(&self, offset: usize) -> usize {
        if self.line_starts.get().is_none() && offset < 4096 {
            let head = &self.text.as_bytes()[..offset.min(self.text.len())];
            return head.iter().filter(|&&b| b == b'\n').count() + 1;
        }
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        starts.partition_point(|&start| start <= offset)
    }

    pub fn problem(&self, line: usize, field: &str, message: String) -> Problem {
        Problem {
            file: self.file.to_owned(),
            line,
            field: field.to_owned(),
            message,
        }
    }

    /// A problem at a span of the file.
    pub fn problem_at(&self, span: toml_spanner::Span, field: &str, message: String) -> Problem {
        self.problem(self.line_of(span.start as usize), field, message)
    }

    /// The parser's first syntax error, as a problem.
    pub fn syntax_problem(&self, err: &toml_spanner::Error) -> Problem {
        let message = format!("TOML syntax error: {}", err.message(self.text).trim_end());
        self.problem(self.line_of(err.span().start as usize), "", message)
    }

    /// One of the errors toml-spanner collected while reading, in rehearse's wording.
    fn convert(&self, err: &toml_spanner::Error) -> Problem {
        let path = err.path().map(|p| p.to_string()).unwrap_or_default();
        let line = self.line_of(err.span().start as usize);
        let (field, message) = match err.kind() {
            ErrorKind::Custom(message) => match message.strip_prefix(MISSING) {
                // Missing fields are reported on their table; the name travels in the message.
                Some(rest) => {
                    let (name, message) = rest.split_once(MISSING).unwrap_or(("", rest));
                    (join(&path, name), message.to_owned())
                }
                None => (path, message.to_owned()),
            },
            ErrorKind::Wanted { expected, found } => (
                path,
                format!("expected {expected}, found {}", article(found)),
            ),
            ErrorKind::MissingField(name) => {
                (join(&path, name), "missing required field".to_owned())
            }
            ErrorKind::UnexpectedKey { .. } => (path, "unknown field".to_owned()),
            _ => (path, err.message(self.text)),
        };
        self.problem(line, &field, message)
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Marks a missing-field message: `\u{1}name\u{1}message`. A missing key has no item of its own
/// to anchor a path to, so the error sits on its table and carries the key's name.
const MISSING: &str = "\u{1}";

/// "an integer", "a string": how messages name what was found.
pub fn kind_name(item: &Item<'_>) -> &'static str {
    article(item.type_str())
}

fn article(type_name: &str) -> &'static str {
    match type_name {
        "string" => "a string",
        "integer" => "an integer",
        "float" => "a float",
        "boolean" => "a boolean",
        "datetime" => "a datetime",
        "array" => "an array",
        "table" => "a table",
        _ => "a value",
    }
}

/// Parses `text` and reads it as `T`, returning what could be read and every problem found,
/// in file order. Readers return a value even when fields fail (those fields are `None`), so
/// checks across fields still run and an author sees every problem in one pass. `None` only
/// for a syntax error or a document that is not a table at all.
pub fn read<'de, T: FromToml<'de>>(
    file: &str,
    text: &'de str,
    arena: &'de Arena,
) -> (Option<T>, Vec<Problem>) {
    let source = Source::new(file, text);
    let mut doc = match toml_spanner::parse(text, arena) {
        Ok(doc) => doc,
        Err(e) => return (None, vec![source.syntax_problem(&e)]),
    };
    let (value, errors) = match doc.to_allowing_errors::<T>() {
        Ok((value, errors)) => (Some(value), errors.errors),
        Err(errors) => (None, errors.errors),
    };
    let problems = errors.iter().map(|e| source.convert(e)).collect();
    (value, problems)
}

/// Sorts problems into file order and drops repeats.
pub fn tidy(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort();
    problems.dedup();
    problems
}

/// What a field kind expects, for "missing required field (expected …)".
pub trait Expected {
    fn expected() -> String;
}

/// A required field: reported as missing (with what it expects) when absent.
pub fn required<'de, T: FromToml<'de> + Expected>(
    th: &mut TableHelper<'_, '_, 'de>,
    name: &'static str,
) -> Result<T, Failed> {
    match th.optional_item(name) {
        Some(item) => T::from_toml(th.ctx, item),
        None => {
            let message = format!(
                "{MISSING}{name}{MISSING}missing required field (expected {})",
                T::expected()
            );
            let table = th.table.as_item();
            Err(th.ctx.report_custom_error(message, table))
        }
    }
}

/// An optional field: `Ok(None)` when absent, an error when present but invalid.
pub fn optional<'de, T: FromToml<'de>>(
    th: &mut TableHelper<'_, '_, 'de>,
    name: &'static str,
) -> Result<Option<T>, Failed> {
    match th.optional_item(name) {
        Some(item) => T::from_toml(th.ctx, item).map(Some),
        None => Ok(None),
    }
}

/// Reports every key the table's reader does not know, usually a typo such as `concept` for
/// `concepts` that would otherwise be silently ignored, naming the fields it does know.
pub fn finish(th: TableHelper<'_, '_, '_>, known: &[&str]) {
    let mut sorted = known.to_vec();
    sorted.sort_unstable();
    for (key, item) in th.table.entries() {
        if !known.contains(&key.name) {
            th.ctx.report_custom_error(
                format!("unknown field (known fields: {})", sorted.join(", ")),
                item,
            );
        }
    }
}

/// A field read as `T`, or `None` (with the problem recorded) when it is missing or invalid.
/// For readers that keep going after a bad field.
pub fn field<'de, T: FromToml<'de> + Expected>(
    th: &mut TableHelper<'_, '_, 'de>,
    name: &'static str,
) -> Option<T> {
    required(th, name).ok()
}

/// An optional field read as `T`; `None` when absent or invalid (the problem recorded).
pub fn opt_field<'de, T: FromToml<'de>>(
    th: &mut TableHelper<'_, '_, 'de>,
    name: &'static str,
) -> Option<T> {
    optional(th, name).ok().flatten()
}

/// Non-blank text.
#[derive(Debug, Clone, PartialEq)]
pub struct Text(pub String);

impl<'de> FromToml<'de> for Text {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        match item.value() {
            Value::String(s) if s.trim().is_empty() => {
                Err(ctx.report_custom_error("must not be empty", item))
            }
            // Data files are shown in terminals: an escape sequence in one would be obeyed.
            Value::String(s) if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
                let c = s
                    .chars()
                    .find(|c| c.is_control() && *c != '\n' && *c != '\t')
                    .expect("found above");
                Err(ctx.report_custom_error(
                    format!(
                        "contains the control character U+{:04X}; only newlines and tabs are allowed",
                        c as u32
                    ),
                    item,
                ))
            }
            Value::String(s) => Ok(Text((*s).to_owned())),
            _ => Err(wrong_type(ctx, "a string", item)),
        }
    }
}

impl Expected for Text {
    fn expected() -> String {
        "a string".into()
    }
}

fn wrong_type<'de>(ctx: &mut Context<'de>, expected: &str, item: &Item<'de>) -> Failed {
    ctx.report_custom_error(
        format!("expected {expected}, found {}", kind_name(item)),
        item,
    )
}

/// Lowercase ASCII words joined by single hyphens: `url-shortener`, `cap-theorem`.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// An identifier: lowercase words joined by hyphens.
#[derive(Debug, Clone, PartialEq)]
pub struct Slug(pub String);

impl<'de> FromToml<'de> for Slug {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let Text(s) = Text::from_toml(ctx, item)?;
        if is_slug(&s) {
            Ok(Slug(s))
        } else {
            Err(ctx.report_custom_error(
                format!(
                    "\"{s}\" is not a slug (expected lowercase words joined by hyphens, e.g. url-shortener)"
                ),
                item,
            ))
        }
    }
}

impl Expected for Slug {
    fn expected() -> String {
        "a slug such as url-shortener".into()
    }
}

/// An integer from `MIN` to `MAX`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Int<const MIN: i64, const MAX: i64>(pub i64);

impl<const MIN: i64, const MAX: i64> Expected for Int<MIN, MAX> {
    fn expected() -> String {
        format!("an integer from {MIN} to {MAX}")
    }
}

impl<'de, const MIN: i64, const MAX: i64> FromToml<'de> for Int<MIN, MAX> {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        match item.value() {
            Value::Integer(int) => match int.as_i64() {
                Some(n) if (MIN..=MAX).contains(&n) => Ok(Int(n)),
                _ => Err(ctx.report_custom_error(
                    format!(
                        "{} is out of range (expected {})",
                        int.as_i128(),
                        Self::expected()
                    ),
                    item,
                )),
            },
            _ => Err(wrong_type(ctx, &Self::expected(), item)),
        }
    }
}

/// A number (integer or float) from `MIN` to `MAX`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number<const MIN: i64, const MAX: i64>(pub f64);

impl<const MIN: i64, const MAX: i64> Expected for Number<MIN, MAX> {
    fn expected() -> String {
        format!("a number from {MIN} to {MAX}")
    }
}

impl<'de, const MIN: i64, const MAX: i64> FromToml<'de> for Number<MIN, MAX> {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let n = match item.value() {
            Value::Integer(int) => int.as_f64(),
            Value::Float(f) => *f,
            _ => return Err(wrong_type(ctx, &Self::expected(), item)),
        };
        if (MIN as f64..=MAX as f64).contains(&n) {
            Ok(Number(n))
        } else {
            Err(ctx.report_custom_error(
                format!("out of range (expected {})", Self::expected()),
                item,
            ))
        }
    }
}

/// An enumeration named by strings in data files.
pub trait Choices: Sized + 'static {
    /// What the value is, in "unknown level \"x\"".
    const WHAT: &'static str;
    const NAMES: &'static [&'static str];
    fn parse(s: &str) -> Option<Self>;
}

/// One of a [`Choices`] type's names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice<C>(pub C);

impl<'de, C: Choices> FromToml<'de> for Choice<C> {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let Text(s) = Text::from_toml(ctx, item)?;
        C::parse(&s)
            .map(Choice)
            .ok_or_else(|| ctx.report_custom_error(unknown_choice(C::WHAT, &s, C::NAMES), item))
    }
}

impl<C: Choices> Expected for Choice<C> {
    fn expected() -> String {
        format!("one of {}", C::NAMES.join(", "))
    }
}

/// `unknown stage "scale" (expected one of requirements, …)`.
pub fn unknown_choice(what: &str, value: &str, names: &[&str]) -> String {
    format!(
        "unknown {what} \"{value}\" (expected one of {})",
        names.join(", ")
    )
}

/// A non-empty list.
#[derive(Debug, Clone, PartialEq)]
pub struct List<T>(pub Vec<T>);

impl<'de, T: FromToml<'de>> FromToml<'de> for List<T> {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let Some(array) = item.as_array() else {
            return Err(wrong_type(ctx, "a list", item));
        };
        if array.is_empty() {
            return Err(
                ctx.report_custom_error("must not be empty (expected a non-empty list)", item)
            );
        }
        Vec::<T>::from_toml(ctx, item).map(List)
    }
}

impl<T: Expected> Expected for List<T> {
    fn expected() -> String {
        match T::expected().as_str() {
            "a string" => "a non-empty list of strings".into(),
            other => format!("a non-empty list of {other}"),
        }
    }
}

impl<T: Expected> Expected for toml_spanner::Spanned<T> {
    fn expected() -> String {
        T::expected()
    }
}

impl<T: Expected> Expected for Tables<T> {
    fn expected() -> String {
        T::expected()
    }
}

/// A value that may fail to read without failing what contains it: a list of these keeps the
/// good elements (the bad ones' problems are recorded).
#[derive(Debug, Clone, PartialEq)]
pub struct Lenient<T>(pub Option<T>);

impl<'de, T: FromToml<'de>> FromToml<'de> for Lenient<T> {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        Ok(Lenient(T::from_toml(ctx, item).ok()))
    }
}

impl<T: Expected> Expected for Lenient<T> {
    fn expected() -> String {
        T::expected()
    }
}

/// A list of tables (`[[key]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tables<T>(pub Vec<T>);

impl<'de, T: FromToml<'de>> FromToml<'de> for Tables<T> {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        if item.as_array().is_none() {
            return Err(wrong_type(ctx, "[[…]] tables", item));
        }
        Vec::<T>::from_toml(ctx, item).map(Tables)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(dead_code)]
    struct Item1 {
        stage: Text,
    }

    impl<'de> FromToml<'de> for Item1 {
        fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
            let mut th = item.table_helper(ctx)?;
            let stage = required(&mut th, "stage");
            finish(th, &["stage"]);
            Ok(Item1 { stage: stage? })
        }
    }

    #[allow(dead_code)]
    struct Doc1 {
        name: Option<Text>,
        count: Option<Int<1, 5>>,
        missing: Option<Text>,
        item: Vec<Item1>,
    }

    impl<'de> FromToml<'de> for Doc1 {
        fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
            let mut th = item.table_helper(ctx)?;
            let name = required(&mut th, "name");
            let count = required(&mut th, "count");
            let missing = required(&mut th, "missing");
            let item = required::<List<Item1>>(&mut th, "item");
            finish(th, &["name", "count", "missing", "item"]);
            Ok(Doc1 {
                name: name.ok(),
                count: count.ok(),
                missing: missing.ok(),
                item: item.map(|l| l.0).unwrap_or_default(),
            })
        }
    }

    impl Expected for Item1 {
        fn expected() -> String {
            "[[item]] tables".into()
        }
    }

    fn problems(text: &str) -> Vec<String> {
        let arena = Arena::new();
        let (_, problems) = read::<Doc1>("t.toml", text, &arena);
        tidy(problems).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let found = problems("a = 1\nb = \n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("t.toml:2: TOML syntax error"),
            "{found:?}"
        );
    }

    #[test]
    fn every_problem_is_collected() {
        let text = "name = 3\ncount = \"x\"\nextra = true\n[[item]]\nstage = \"\"\n";
        assert_eq!(
            problems(text),
            vec![
                "t.toml:1: missing: missing required field (expected a string)",
                "t.toml:1: name: expected a string, found an integer",
                "t.toml:2: count: expected an integer from 1 to 5, found a string",
                "t.toml:3: extra: unknown field (known fields: count, item, missing, name)",
                "t.toml:5: item[0].stage: must not be empty",
            ]
        );
    }

    #[test]
    fn integers_are_range_checked() {
        let found = problems("name = \"n\"\nmissing = \"m\"\ncount = 7\n[[item]]\nstage = \"s\"\n");
        assert_eq!(
            found,
            vec!["t.toml:3: count: 7 is out of range (expected an integer from 1 to 5)"]
        );
    }
}
