//! Layered settings: flags > environment > `.env` in the working directory > config file >
//! defaults, for every setting of [`crate::settings::ALL`]. Every value remembers where it came
//! from, down to the `.env` or config-file line, so `rehearse config` can explain why the tool is
//! talking to the endpoint it is talking to.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::settings::{self, ApiKey, Def, Fallback, Ty, Value};
use crate::tomlread::Problem;

/// The config file and `.env` are small; anything bigger is a mistake (or `/dev/zero`).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, as typed (`--model`).
    Flag(String),
    Env(&'static str),
    DotEnv {
        path: PathBuf,
        line: usize,
        var: &'static str,
    },
    File {
        path: PathBuf,
        line: usize,
        key: &'static str,
    },
    Default,
    /// A default that only applies because of another setting (the OpenAI URL when a key is set).
    Derived(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Env(var) => write!(f, "env {var}"),
            Source::DotEnv { path, line, var } => write!(f, "{}:{line} ({var})", path.display()),
            Source::File { path, line, .. } => write!(f, "config file {}:{line}", path.display()),
            Source::Default => f.write_str("default"),
            Source::Derived(why) => write!(f, "default ({why})"),
        }
    }
}

impl Source {
    /// Short layer name for tables and JSON: flag, env, .env, file, default.
    pub fn layer(&self) -> &'static str {
        match self {
            Source::Flag(_) => "flag",
            Source::Env(_) => "env",
            Source::DotEnv { .. } => ".env",
            Source::File { .. } => "file",
            Source::Default | Source::Derived(_) => "default",
        }
    }

    /// The flag, variable or config key that set the value; empty for defaults.
    pub fn set_by(&self) -> &str {
        match self {
            Source::Flag(flag) => flag,
            Source::Env(var) | Source::DotEnv { var, .. } => var,
            Source::File { key, .. } => key,
            Source::Default | Source::Derived(_) => "",
        }
    }

    /// The line in `.env` or the config file, where there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Source::DotEnv { line, .. } | Source::File { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// A setting's value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub value: Value,
    pub source: Source,
}

/// What was given on the command line for each setting that has a flag, by setting name.
#[derive(Debug, Clone, Default)]
pub struct FlagValues {
    values: Vec<(&'static str, Vec<String>)>,
}

impl FlagValues {
    /// Records `values` for the setting `name` (a switch records `"true"`).
    pub fn set(&mut self, name: &'static str, values: Vec<String>) {
        if !values.is_empty() {
            self.values.push((name, values));
        }
    }

    fn get(&self, name: &str) -> Option<&[String]> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// A setting that could not be used, named with its layer so the user knows what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} = \"{value}\" ({origin}): {problem}")]
    Invalid {
        name: String,
        value: String,
        origin: Box<Source>,
        problem: String,
    },
    #[error("{}{}: {message}", path.display(), if *.line > 0 { format!(":{line}") } else { String::new() })]
    DotEnv {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("config file problems:\n{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    File(Vec<Problem>),
    #[error("config file {} ({origin}) does not exist; create it or fix the path", path.display())]
    MissingFile { path: PathBuf, origin: Box<Source> },
    #[error("{}: {reason}", path.display())]
    Unreadable {
        path: PathBuf,
        reason: crate::files::ReadError,
    },
    #[error("cannot find a home directory for data; set REHEARSE_HOME")]
    NoHome,
}

impl ConfigError {
    /// Bad settings are usage errors (2); a file the machine cannot read is a runtime one (1).
    pub fn exit_code(&self) -> u8 {
        match self {
            ConfigError::Unreadable { reason, .. } if !reason.is_input_problem() => {
                crate::exit::FAILURE
            }
            _ => crate::exit::USAGE,
        }
    }
}

/// The effective settings for this run: one [`Resolved`] per setting of [`settings::ALL`]
/// (a list setting such as `questions` may have several).
#[derive(Debug, Clone)]
pub struct Config {
    values: Vec<Vec<Resolved>>,
}

/// Why the tool runs without an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineReason {
    Forced,
    NoEndpoint,
}

/// The outside world a [`Config`] is resolved from; [`Config::load`] fills it from the real
/// one, tests fill it by hand.
pub struct Inputs<'a> {
    pub flags: &'a FlagValues,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub dotenv: Option<DotEnv>,
    pub file: Option<FileLayer>,
    pub data_dir: Option<PathBuf>,
    pub config_path: Option<PathBuf>,
}

impl Config {
    /// Reads the real environment, `./.env` and the config file, then applies `flags`.
    pub fn load(flags: &FlagValues) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let lookup = |name: &str| env.get(name).cloned();
        let dotenv = DotEnv::read(Path::new(".env"))?;
        let mut inputs = Inputs {
            flags,
            env: &lookup,
            dotenv,
            file: None,
            data_dir: default_dir(Dir::Data),
            config_path: default_dir(Dir::Config),
        };
        // The config file's own location comes from every layer but the file itself.
        let config = layered(&settings::CONFIG, &inputs)?.pop().or_else(|| {
            inputs.config_path.clone().map(|p| Resolved {
                value: Value::Path(p),
                source: Source::Default,
            })
        });
        if let Some(Resolved {
            value: Value::Path(path),
            source,
        }) = config
        {
            inputs.file = FileLayer::read(&path, &source)?;
        }
        Config::resolve(&inputs)
    }

    /// Pure layering over explicit inputs.
    pub fn resolve(inputs: &Inputs<'_>) -> Result<Config, ConfigError> {
        let mut values: Vec<Vec<Resolved>> = Vec::with_capacity(settings::ALL.len());
        for def in settings::ALL {
            values.push(layered(def, inputs)?);
        }
        // Fallbacks may depend on other settings, so they come once every layer is read.
        for (i, def) in settings::ALL.iter().enumerate() {
            if !values[i].is_empty() || def.ty == Ty::Paths {
                continue;
            }
            let fallback = match def.fallback {
                Fallback::None => Resolved {
                    value: Value::Unset,
                    source: Source::Default,
                },
                Fallback::Value(v) => Resolved {
                    value: settings::parse(def, v, None).expect("defaults parse (unit-tested)"),
                    source: Source::Default,
                },
                Fallback::SameAs(other) => {
                    let other_value = values[index_of(other)]
                        .first()
                        .map_or(Value::Unset, |r| r.value.clone());
                    Resolved {
                        value: other_value,
                        source: Source::Derived(format!("same as {other}")),
                    }
                }
                Fallback::WhenSet { other, value, why } => {
                    let set = values[index_of(other)]
                        .first()
                        .is_some_and(|r| r.value != Value::Unset);
                    if set {
                        Resolved {
                            value: settings::parse(def, value, None).expect("defaults parse"),
                            source: Source::Derived(why.to_owned()),
                        }
                    } else {
                        Resolved {
                            value: Value::Unset,
                            source: Source::Default,
                        }
                    }
                }
                Fallback::DataDir => Resolved {
                    value: Value::Path(inputs.data_dir.clone().ok_or(ConfigError::NoHome)?),
                    source: Source::Default,
                },
                Fallback::ConfigFile => Resolved {
                    value: inputs.config_path.clone().map_or(Value::Unset, Value::Path),
                    source: Source::Default,
                },
            };
            values[i].push(fallback);
        }
        Ok(Config { values })
    }

    /// The value of a single-valued setting.
    pub fn get(&self, def: &Def) -> &Resolved {
        self.values[index_of(def.name)]
            .first()
            .expect("single-valued settings always resolve")
    }

    /// Every value of a list setting, in order (config file first, then flags).
    pub fn all(&self, def: &Def) -> &[Resolved] {
        &self.values[index_of(def.name)]
    }

    /// A text or URL setting; `None` when unset.
    pub fn text(&self, def: &Def) -> Option<&str> {
        match &self.get(def).value {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn int(&self, def: &Def) -> u64 {
        match self.get(def).value {
            Value::Int(n) => n,
            ref other => unreachable!("{} is not an integer setting: {other:?}", def.name),
        }
    }

    pub fn flag(&self, def: &Def) -> bool {
        matches!(self.get(def).value, Value::Bool(true))
    }

    pub fn path(&self, def: &Def) -> Option<&Path> {
        match &self.get(def).value {
            Value::Path(p) => Some(p),
            _ => None,
        }
    }

    pub fn secret(&self, def: &Def) -> Option<&ApiKey> {
        match &self.get(def).value {
            Value::Secret(k) => Some(k),
            _ => None,
        }
    }

    /// The data directory (`$REHEARSE_HOME`).
    pub fn home(&self) -> &Path {
        self.path(&settings::HOME)
            .expect("home always resolves (or loading fails)")
    }

    pub fn model(&self) -> &str {
        self.text(&settings::MODEL)
            .unwrap_or(settings::DEFAULT_MODEL)
    }

    /// How long `score --batch` waits between status checks.
    pub fn batch_poll(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.int(&settings::BATCH_POLL_SECS))
    }

    pub fn judge_model(&self) -> &str {
        self.text(&settings::JUDGE_MODEL).unwrap_or(self.model())
    }

    pub fn no_color(&self) -> bool {
        self.flag(&settings::NO_COLOR)
    }

    /// `Some(reason)` when this run has no LLM endpoint to talk to.
    pub fn offline_reason(&self) -> Option<OfflineReason> {
        if self.flag(&settings::OFFLINE) {
            Some(OfflineReason::Forced)
        } else if self.text(&settings::BASE_URL).is_none() {
            Some(OfflineReason::NoEndpoint)
        } else {
            None
        }
    }

    pub fn question_dirs(&self) -> Vec<PathBuf> {
        self.all(&settings::QUESTIONS)
            .iter()
            .filter_map(|r| match &r.value {
                Value::Path(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    /// The config file consulted (it may not exist).
    pub fn config_file(&self) -> Option<&Path> {
        self.path(&settings::CONFIG)
    }

    /// Where prompt overrides live: `prompts/` in rehearse's config directory
    /// (`$XDG_CONFIG_HOME/rehearse/prompts`), whether or not it exists.
    pub fn prompts_dir(&self) -> Option<PathBuf> {
        default_dir(Dir::Prompts)
    }
}

fn index_of(name: &str) -> usize {
    settings::ALL
        .iter()
        .position(|d| d.name == name)
        .unwrap_or_else(|| panic!("no setting {name}"))
}

/// The values the layers above the defaults give `def`: the flag, else the first of its
/// variables in the environment, else in `.env`, else the config file. A list setting
/// collects the config file's entries and then the flags'.
fn layered(def: &'static Def, inputs: &Inputs<'_>) -> Result<Vec<Resolved>, ConfigError> {
    let home = (inputs.env)("HOME");
    let home = home.as_deref();
    let read = |raw: &str, source: Source| -> Result<Resolved, ConfigError> {
        settings::parse(def, raw, home)
            .map(|value| Resolved {
                value,
                source: source.clone(),
            })
            .map_err(|problem| ConfigError::Invalid {
                name: match &source {
                    Source::Flag(f) => f.clone(),
                    Source::Env(v) | Source::DotEnv { var: v, .. } => (*v).to_owned(),
                    _ => def.name.to_owned(),
                },
                value: if def.is_secret() {
                    "…".into()
                } else {
                    settings::redact_url(raw)
                },
                origin: Box::new(source),
                problem,
            })
    };
    let flag = def.flag.and_then(|_| inputs.flags.get(def.name));
    if def.ty == Ty::Paths {
        let mut out = Vec::new();
        if let Some(FileEntry::List(items, line)) = inputs
            .file
            .as_ref()
            .and_then(|f| f.values.get(def.name).cloned())
        {
            for item in items {
                let r = read(&item, inputs.file_source(def, line))?;
                out.extend(as_path_entries(r));
            }
        }
        for raw in flag.unwrap_or_default() {
            let r = read(raw, Source::Flag(def.flag_name().unwrap_or_default()))?;
            out.extend(as_path_entries(r));
        }
        return Ok(out);
    }
    if let Some(raws) = flag
        && let Some(raw) = raws.last()
    {
        return Ok(vec![read(
            raw,
            Source::Flag(def.flag_name().unwrap_or_default()),
        )?]);
    }
    // All of a setting's variables in the environment first, then all of them in `.env`, so
    // `.env` never overrides anything set in the environment.
    for var in def.env {
        if let Some(v) = (inputs.env)(var).filter(|v| present(def, v)) {
            return Ok(vec![read(&v, Source::Env(var))?]);
        }
    }
    if let Some(dotenv) = &inputs.dotenv {
        for var in def.env {
            if let Some((v, line)) = dotenv.vars.get(*var).filter(|(v, _)| present(def, v)) {
                let source = Source::DotEnv {
                    path: dotenv.path.clone(),
                    line: *line,
                    var,
                };
                return Ok(vec![read(v, source)?]);
            }
        }
    }
    if let Some(FileEntry::One(raw, line)) = inputs
        .file
        .as_ref()
        .and_then(|f| f.values.get(def.name).cloned())
    {
        return Ok(vec![read(&raw, inputs.file_source(def, line))?]);
    }
    Ok(Vec::new())
}

/// An empty variable counts as unset, except for `NO_COLOR`-style presence settings, where
/// the spec says an empty value is unset too.
fn present(_def: &Def, value: &str) -> bool {
    !value.trim().is_empty()
}

fn as_path_entries(r: Resolved) -> Vec<Resolved> {
    match r.value {
        Value::Paths(ps) => ps
            .into_iter()
            .map(|p| Resolved {
                value: Value::Path(p),
                source: r.source.clone(),
            })
            .collect(),
        value => vec![Resolved {
            value,
            source: r.source,
        }],
    }
}

impl Inputs<'_> {
    fn file_source(&self, def: &'static Def, line: usize) -> Source {
        Source::File {
            path: self
                .file
                .as_ref()
                .map(|f| f.path.clone())
                .unwrap_or_default(),
            line,
            key: def.name,
        }
    }
}

/// The `.env` file: each variable with its value and the line it was set on.
#[derive(Debug, Clone, Default)]
pub struct DotEnv {
    pub path: PathBuf,
    pub vars: HashMap<String, (String, usize)>,
}

impl DotEnv {
    /// Reads `.env` (parsed by dotenvy) without touching the process environment. A missing
    /// file is not an error. Line numbers come from feeding dotenvy one physical line per read,
    /// so the lines handed over when an entry comes back are the entry's lines.
    pub fn read(path: &Path) -> Result<Option<DotEnv>, ConfigError> {
        if !path.is_file() {
            return Ok(None);
        }
        let bytes = crate::files::read_bounded(path, MAX_CONFIG_BYTES).map_err(|reason| {
            ConfigError::Unreadable {
                path: path.to_path_buf(),
                reason,
            }
        })?;
        DotEnv::parse(path, &bytes).map(Some)
    }

    pub fn parse(path: &Path, bytes: &[u8]) -> Result<DotEnv, ConfigError> {
        let lines = Rc::new(RefCell::new(Vec::new()));
        let reader = LineFeeder {
            inner: std::io::BufReader::new(bytes),
            lines: Rc::clone(&lines),
            at_line_start: true,
        };
        let mut vars = HashMap::new();
        let mut consumed = 0;
        for item in dotenvy::Iter::new(reader) {
            let handed: Vec<(usize, bool)> = lines.borrow()[consumed..].to_vec();
            consumed = lines.borrow().len();
            // The entry starts at the first line that is not blank or a comment.
            let line = handed
                .iter()
                .find(|(_, filler)| !filler)
                .or(handed.last())
                .map_or(0, |(n, _)| *n);
            match item {
                Ok((k, v)) => {
                    vars.insert(k, (v, line));
                }
                // Never echo the line: it may hold an API key.
                Err(dotenvy::Error::LineParse(text, _)) => {
                    let first = text.lines().next().unwrap_or_default().trim();
                    let name = first
                        .split('=')
                        .next()
                        .map(|n| n.trim().trim_start_matches("export ").trim())
                        .filter(|n| {
                            !n.is_empty()
                                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        });
                    let what = name.map_or("this line".to_owned(), |n| format!("the value of {n}"));
                    return Err(ConfigError::DotEnv {
                        path: path.to_path_buf(),
                        line,
                        message: format!(
                            "cannot parse {what} (expected NAME=value; check for an unclosed quote)"
                        ),
                    });
                }
                Err(_) => {
                    return Err(ConfigError::DotEnv {
                        path: path.to_path_buf(),
                        line,
                        message: "cannot read it as NAME=value lines".into(),
                    });
                }
            }
        }
        Ok(DotEnv {
            path: path.to_path_buf(),
            vars,
        })
    }
}

/// Hands its reader's bytes over at most one line per `read`, recording each line's number and
/// whether it is blank or a comment, so the consumer's buffer never holds more than one line.
struct LineFeeder<R> {
    inner: std::io::BufReader<R>,
    lines: Rc<RefCell<Vec<(usize, bool)>>>,
    at_line_start: bool,
}

impl<R: Read> Read for LineFeeder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.inner.fill_buf()?;
        if available.is_empty() || buf.is_empty() {
            return Ok(0);
        }
        let end = available
            .iter()
            .position(|&b| b == b'\n')
            .map_or(available.len(), |i| i + 1);
        let n = end.min(buf.len());
        if self.at_line_start {
            let line = &available[..end];
            let text = String::from_utf8_lossy(line);
            let trimmed = text.trim();
            let filler = trimmed.is_empty() || trimmed.starts_with('#');
            let mut lines = self.lines.borrow_mut();
            let number = lines.len() + 1;
            lines.push((number, filler));
        }
        buf[..n].copy_from_slice(&available[..n]);
        self.at_line_start = available[n - 1] == b'\n';
        self.inner.consume(n);
        Ok(n)
    }
}

/// One value in the config file, as written, with its line.
#[derive(Debug, Clone, PartialEq)]
pub enum FileEntry {
    One(String, usize),
    List(Vec<String>, usize),
}

/// The config file: each key's raw value and line. Types are checked here; values are read by
/// the setting's own parser, like every other layer's.
#[derive(Debug, Clone, Default)]
pub struct FileLayer {
    pub path: PathBuf,
    pub values: HashMap<&'static str, FileEntry>,
}

impl FileLayer {
    /// Reads the config file at `path`. A missing file is fine when nobody asked for it by name
    /// (`source` is the default); a file named by a flag or variable must exist.
    pub fn read(path: &Path, source: &Source) -> Result<Option<FileLayer>, ConfigError> {
        if !path.exists() {
            return match source {
                Source::Default | Source::Derived(_) => Ok(None),
                _ => Err(ConfigError::MissingFile {
                    path: path.to_path_buf(),
                    origin: Box::new(source.clone()),
                }),
            };
        }
        let bytes = crate::files::read_bounded(path, MAX_CONFIG_BYTES).map_err(|reason| {
            ConfigError::Unreadable {
                path: path.to_path_buf(),
                reason,
            }
        })?;
        let display = path.display().to_string();
        let text = String::from_utf8(bytes).map_err(|_| {
            ConfigError::File(vec![Problem {
                file: display.clone(),
                line: 1,
                field: String::new(),
                message: "not valid UTF-8 (save the config file as UTF-8 text)".into(),
            }])
        })?;
        FileLayer::parse(path, &text).map(Some)
    }

    /// Parses config-file text; every problem is reported at once, with its line.
    pub fn parse(path: &Path, text: &str) -> Result<FileLayer, ConfigError> {
        use toml_spanner::Value as T;
        let display = path.display().to_string();
        let doc = crate::tomlread::Source::new(&display, text);
        let arena = toml_spanner::Arena::new();
        let table = match toml_spanner::parse(text, &arena) {
            Ok(parsed) => parsed,
            Err(err) => return Err(ConfigError::File(vec![doc.syntax_problem(&err)])),
        };
        let mut problems = Vec::new();
        let mut values = HashMap::new();
        let known: Vec<&str> = settings::ALL
            .iter()
            .filter(|d| d.in_file)
            .map(|d| d.name)
            .collect();
        for (key, item) in table.table() {
            let line = doc.line_of(item.span().start as usize);
            let name = key.name;
            let Some(def) = settings::ALL
                .iter()
                .copied()
                .find(|d| d.in_file && d.name == name)
            else {
                problems.push(doc.problem(
                    line,
                    name,
                    format!("unknown field (known fields: {})", known.join(", ")),
                ));
                continue;
            };
            let wanted = match def.ty {
                Ty::Int { .. } => "an integer",
                Ty::Bool => "true or false",
                Ty::Paths => "a list of strings",
                _ => "a string",
            };
            let entry = match (&def.ty, item.value()) {
                (Ty::Int { range, .. }, T::Integer(n)) => match n.as_i64() {
                    Some(v) if v >= 0 && range.contains(&(v as u64)) => {
                        Some(FileEntry::One(v.to_string(), line))
                    }
                    _ => {
                        problems.push(doc.problem(
                            line,
                            name,
                            format!(
                                "{} is out of range (expected an integer from {} to {})",
                                n.as_i128(),
                                range.start(),
                                range.end()
                            ),
                        ));
                        None
                    }
                },
                (Ty::Bool, T::Boolean(b)) => Some(FileEntry::One(b.to_string(), line)),
                (Ty::Paths, T::Array(items)) => {
                    let mut list = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        match item.value() {
                            T::String(s) if !s.trim().is_empty() => list.push((*s).to_owned()),
                            _ => problems.push(doc.problem(
                                doc.line_of(item.span().start as usize),
                                &format!("{name}[{i}]"),
                                "expected a non-empty string".to_owned(),
                            )),
                        }
                    }
                    Some(FileEntry::List(list, line))
                }
                (Ty::Text | Ty::Url | Ty::Secret | Ty::Path | Ty::Command, T::String(s)) => {
                    if s.trim().is_empty() {
                        problems.push(doc.problem(line, name, "must not be empty".to_owned()));
                        None
                    } else {
                        Some(FileEntry::One((*s).to_owned(), line))
                    }
                }
                (_, _) => {
                    problems.push(doc.problem(
                        line,
                        name,
                        format!(
                            "expected {wanted}, found {}",
                            crate::tomlread::kind_name(item)
                        ),
                    ));
                    None
                }
            };
            if let Some(entry) = entry {
                values.insert(def.name, entry);
            }
        }
        if !problems.is_empty() {
            problems.sort();
            return Err(ConfigError::File(problems));
        }
        Ok(FileLayer {
            path: path.to_path_buf(),
            values,
        })
    }
}

enum Dir {
    Data,
    Config,
    Prompts,
}

fn default_dir(which: Dir) -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let base = etcetera::choose_base_strategy().ok()?;
    Some(match which {
        Dir::Data => base.data_dir().join("rehearse"),
        Dir::Config => base.config_dir().join("rehearse").join("config.toml"),
        Dir::Prompts => base.config_dir().join("rehearse").join("prompts"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{
        API_KEY, BASE_URL, CONNECT_TIMEOUT_SECS, DEFAULT_MODEL, HOME, MODEL, OPENAI_BASE_URL,
        QUESTIONS, TIMEOUT_SECS,
    };

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn dotenv(text: &str) -> Option<DotEnv> {
        Some(DotEnv::parse(Path::new(".env"), text.as_bytes()).unwrap())
    }

    fn file(text: &str) -> Option<FileLayer> {
        Some(FileLayer::parse(Path::new("/cfg/config.toml"), text).unwrap())
    }

    fn flags(pairs: &[(&'static str, &str)]) -> FlagValues {
        let mut f = FlagValues::default();
        for (name, v) in pairs {
            f.set(name, vec![(*v).to_owned()]);
        }
        f
    }

    fn resolve_with(
        flags: &FlagValues,
        env: &[(&str, &str)],
        dot: Option<DotEnv>,
        fc: Option<FileLayer>,
    ) -> Result<Config, ConfigError> {
        let env = env_of(env);
        Config::resolve(&Inputs {
            flags,
            env: &env,
            dotenv: dot,
            file: fc,
            data_dir: Some(PathBuf::from("/data/rehearse")),
            config_path: None,
        })
    }

    fn resolve(flags: &FlagValues, env: &[(&str, &str)], dot: &str, fc: &str) -> Config {
        resolve_with(flags, env, dotenv(dot), file(fc)).unwrap()
    }

    fn model(c: &Config) -> (&str, &'static str) {
        (c.model(), c.get(&MODEL).source.layer())
    }

    #[test]
    fn each_layer_beats_the_ones_below_it() {
        let fc = "model = \"from-file\"\n";
        let dot = "REHEARSE_MODEL=from-dotenv\n";
        let env = [("REHEARSE_MODEL", "from-env")];
        let flag = flags(&[("model", "from-flag")]);
        let none = FlagValues::default();

        assert_eq!(
            model(&resolve(&none, &[], "", "")),
            (DEFAULT_MODEL, "default")
        );
        assert_eq!(model(&resolve(&none, &[], "", fc)), ("from-file", "file"));
        assert_eq!(
            model(&resolve(&none, &[], dot, fc)),
            ("from-dotenv", ".env")
        );
        assert_eq!(model(&resolve(&none, &env, dot, fc)), ("from-env", "env"));
        assert_eq!(model(&resolve(&flag, &env, dot, fc)), ("from-flag", "flag"));
    }

    #[test]
    fn sources_name_their_line_and_what_set_them() {
        let c = resolve(
            &FlagValues::default(),
            &[],
            "# comment\n\nREHEARSE_MODEL=m\n",
            "\ntimeout_secs = 42\n",
        );
        let m = &c.get(&MODEL).source;
        assert_eq!((m.line(), m.set_by()), (Some(3), "REHEARSE_MODEL"));
        assert_eq!(m.to_string(), ".env:3 (REHEARSE_MODEL)");
        let t = &c.get(&TIMEOUT_SECS).source;
        assert_eq!((t.line(), t.set_by()), (Some(2), "timeout_secs"));
        assert_eq!(t.to_string(), "config file /cfg/config.toml:2");
    }

    #[test]
    fn dotenv_never_overrides_the_environment_even_for_the_preferred_name() {
        // OPENAI_BASE_URL in the environment beats REHEARSE_BASE_URL in .env.
        let c = resolve(
            &FlagValues::default(),
            &[("OPENAI_BASE_URL", "http://env:1/v1")],
            "REHEARSE_BASE_URL=http://dotenv:2/v1\n",
            "",
        );
        assert_eq!(c.text(&BASE_URL), Some("http://env:1/v1"));
        assert_eq!(c.get(&BASE_URL).source, Source::Env("OPENAI_BASE_URL"));
    }

    #[test]
    fn rehearse_names_win_over_openai_names_in_the_same_layer() {
        let c = resolve(
            &FlagValues::default(),
            &[
                ("OPENAI_API_KEY", "sk-openai"),
                ("REHEARSE_API_KEY", "sk-rehearse"),
            ],
            "",
            "",
        );
        assert_eq!(c.secret(&API_KEY).unwrap().expose(), "sk-rehearse");
    }

    #[test]
    fn openai_url_is_the_default_only_when_a_key_is_set() {
        let c = resolve(&FlagValues::default(), &[], "", "");
        assert!(c.text(&BASE_URL).is_none());
        assert_eq!(c.offline_reason(), Some(OfflineReason::NoEndpoint));

        let c = resolve(
            &FlagValues::default(),
            &[("OPENAI_API_KEY", "sk-x")],
            "",
            "",
        );
        assert_eq!(c.text(&BASE_URL), Some(OPENAI_BASE_URL));
        assert_eq!(c.get(&BASE_URL).source.layer(), "default");
        assert_eq!(c.offline_reason(), None);
    }

    #[test]
    fn offline_flag_forces_offline_even_with_an_endpoint() {
        let c = resolve(
            &flags(&[("offline", "true")]),
            &[("REHEARSE_BASE_URL", "http://127.0.0.1:8080/v1")],
            "",
            "",
        );
        assert_eq!(c.offline_reason(), Some(OfflineReason::Forced));
    }

    #[test]
    fn bad_numbers_name_the_variable_and_its_layer() {
        let err = resolve_with(
            &FlagValues::default(),
            &[("REHEARSE_TIMEOUT_SECS", "soon")],
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "REHEARSE_TIMEOUT_SECS = \"soon\" (env REHEARSE_TIMEOUT_SECS): expected a whole number of seconds from 1 to 3600"
        );
    }

    #[test]
    fn unknown_switch_values_are_errors_not_false() {
        let err = resolve_with(
            &FlagValues::default(),
            &[("REHEARSE_OFFLINE", "banana")],
            None,
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("REHEARSE_OFFLINE = \"banana\""),
            "{err}"
        );
        assert_eq!(err.exit_code(), crate::exit::USAGE);
    }

    #[test]
    fn base_url_must_be_http() {
        let err = resolve_with(
            &FlagValues::default(),
            &[("REHEARSE_BASE_URL", "localhost:11434")],
            None,
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("expected an http:// or https:// URL"),
            "{err}"
        );
    }

    #[test]
    fn short_hosts_are_valid_and_flags_are_named_in_errors() {
        let c = resolve(
            &FlagValues::default(),
            &[("REHEARSE_BASE_URL", "http://a")],
            "",
            "",
        );
        assert_eq!(c.text(&BASE_URL), Some("http://a"));
        let err = resolve_with(&flags(&[("timeout_secs", "0")]), &[], None, None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--timeout = \"0\" (flag --timeout)"),
            "{err}"
        );
    }

    #[test]
    fn secrets_never_reach_messages_or_debug() {
        let c = resolve(
            &FlagValues::default(),
            &[("REHEARSE_API_KEY", "sk-secret-123")],
            "",
            "",
        );
        assert!(!format!("{c:?}").contains("sk-secret-123"));
    }

    #[test]
    fn paths_expand_the_tilde_from_every_layer() {
        let c = resolve(
            &flags(&[("home", "~/x")]),
            &[("HOME", "/home/u")],
            "",
            "questions = [\"~/q\"]\n",
        );
        assert_eq!(c.home(), Path::new("/home/u/x"));
        let dirs = c.question_dirs();
        assert_eq!(dirs, vec![PathBuf::from("/home/u/q")]);
        assert_eq!(c.all(&QUESTIONS)[0].source.layer(), "file");
    }

    #[test]
    fn defaults_are_labelled_and_derived_ones_say_why() {
        let c = resolve(&FlagValues::default(), &[], "", "");
        assert_eq!(c.int(&CONNECT_TIMEOUT_SECS), 10);
        assert_eq!(c.get(&HOME).value, Value::Path("/data/rehearse".into()));
        assert_eq!(
            c.get(&crate::settings::JUDGE_MODEL).source.to_string(),
            "default (same as model)"
        );
    }

    #[test]
    fn config_file_problems_have_lines() {
        let Err(ConfigError::File(problems)) =
            FileLayer::parse(Path::new("c.toml"), "model = 3\nbase_ur = \"x\"\n")
        else {
            panic!("expected file problems");
        };
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines[0],
            "c.toml:1: model: expected a string, found an integer"
        );
        assert!(
            lines[1].starts_with("c.toml:2: base_ur: unknown field"),
            "{lines:?}"
        );
    }

    #[test]
    fn dotenv_lines_follow_multiline_values() {
        let d =
            DotEnv::parse(Path::new(".env"), b"A=1\n# note\nB=\"two\nlines\"\n\nC=3\n").unwrap();
        assert_eq!(d.vars["A"], ("1".into(), 1));
        assert_eq!(d.vars["B"], ("two\nlines".into(), 3));
        assert_eq!(d.vars["C"], ("3".into(), 6));
    }
}
