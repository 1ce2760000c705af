//! Layered settings: flags > environment > `.env` in the working directory > config file >
//! defaults. Every value remembers which layer it came from, so `rehearse config` can explain
//! why the tool is talking to the endpoint it is talking to.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    DotEnv {
        path: PathBuf,
        var: &'static str,
    },
    File(PathBuf),
    Default,
    /// A default that only applies because of another setting (the OpenAI URL when a key is set).
    Derived(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Env(var) => write!(f, "env {var}"),
            Source::DotEnv { path, var } => write!(f, ".env {var} ({})", path.display()),
            Source::File(path) => write!(f, "config file {}", path.display()),
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
            Source::File(_) => "file",
            Source::Default | Source::Derived(_) => "default",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn new(value: T, source: Source) -> Self {
        Setting { value, source }
    }
}

/// An API key. It has no `Display`, no `Serialize`, and a redacting `Debug`, so it cannot end up
/// in output, logs, sessions or reports by accident; [`ApiKey::expose`] is the one way out and
/// is used only to build the Authorization header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Values given on the command line; `None` means the flag was not used.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub judge_model: Option<String>,
    pub timeout_secs: Option<u64>,
    pub max_retries: Option<u32>,
    pub home: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub questions: Vec<PathBuf>,
    pub offline: bool,
}

/// A setting that could not be used, named with its layer so the user knows what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} = \"{value}\" ({origin}): {problem}")]
    Invalid {
        name: &'static str,
        value: String,
        origin: Source,
        problem: String,
    },
    #[error("{}{}: {message}", path.display(), if *.line > 0 { format!(":{line}") } else { String::new() })]
    DotEnv {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("config file problems:\n{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    File(Vec<crate::tomlread::Problem>),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot find a home directory for data; set REHEARSE_HOME")]
    NoHome,
}

/// The effective settings for this run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `None` means no endpoint is configured: the tool runs offline.
    pub base_url: Option<Setting<String>>,
    pub api_key: Option<Setting<ApiKey>>,
    pub model: Setting<String>,
    pub judge_model: Setting<String>,
    pub timeout_secs: Setting<u64>,
    pub connect_timeout_secs: Setting<u64>,
    pub max_retries: Setting<u32>,
    /// Base delay of the exponential retry backoff, in milliseconds.
    pub retry_base_ms: Setting<u64>,
    pub home: Setting<PathBuf>,
    pub questions: Vec<Setting<PathBuf>>,
    pub offline: Setting<bool>,
    pub no_color: bool,
    /// The config file consulted (it may not exist).
    pub config_file: Option<PathBuf>,
}

/// A URL fit for display: any `user:password@` part is replaced, so credentials embedded in
/// a base URL never reach the screen, logs or error messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// Why the tool runs without an endpoint, or `None` when it uses one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineReason {
    Forced,
    NoEndpoint,
}

impl Config {
    /// Reads the real environment, `./.env` and the config file, then applies `flags`.
    pub fn load(flags: &Flags) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let dotenv_path = PathBuf::from(".env");
        let dotenv = read_dotenv(&dotenv_path)?;
        let config_path = flags
            .config
            .clone()
            .or_else(|| env.get("REHEARSE_CONFIG").map(PathBuf::from))
            .or_else(default_config_path);
        let file = match &config_path {
            Some(path) => read_config_file(path)?,
            None => None,
        };
        let data_default = default_home();
        let mut config = Config::resolve(
            flags,
            &|name| env.get(name).cloned(),
            dotenv.map(|vars| (dotenv_path, vars)),
            config_path.clone().zip(file),
            data_default,
        )?;
        config.config_file = config_path;
        Ok(config)
    }

    /// Pure layering over explicit inputs; [`Config::load`] feeds it the real world.
    pub fn resolve(
        flags: &Flags,
        env: &dyn Fn(&str) -> Option<String>,
        dotenv: Option<(PathBuf, HashMap<String, String>)>,
        file: Option<(PathBuf, FileConfig)>,
        default_home: Option<PathBuf>,
    ) -> Result<Config, ConfigError> {
        let layers = Layers {
            env,
            dotenv: dotenv.as_ref(),
        };
        let file_path = file.as_ref().map(|(p, _)| p.clone());
        let fc = file.map(|(_, c)| c).unwrap_or_default();
        let from_file = |v: Option<String>| {
            v.map(|v| Setting::new(v, Source::File(file_path.clone().unwrap_or_default())))
        };

        let string = |flag: (Option<&String>, &'static str),
                      vars: &[&'static str],
                      file_value: Option<String>| {
            if let Some(v) = flag.0.filter(|v| !v.is_empty()) {
                return Some(Setting::new(v.clone(), Source::Flag(flag.1)));
            }
            layers.lookup(vars).or_else(|| from_file(file_value))
        };

        let api_key = layers
            .lookup(&["REHEARSE_API_KEY", "OPENAI_API_KEY"])
            .map(|s| Setting::new(ApiKey::new(s.value), s.source))
            .or_else(|| {
                fc.api_key
                    .clone()
                    .map(|k| Setting::new(k, Source::File(file_path.clone().unwrap_or_default())))
            });

        let base_url = string(
            (flags.base_url.as_ref(), "--base-url"),
            &["REHEARSE_BASE_URL", "OPENAI_BASE_URL"],
            fc.base_url.clone(),
        )
        .or_else(|| {
            api_key.as_ref().map(|_| {
                Setting::new(
                    OPENAI_BASE_URL.to_owned(),
                    Source::Derived("an API key is set"),
                )
            })
        });
        if let Some(url) = &base_url {
            let v = url.value.trim();
            let rest = v
                .strip_prefix("http://")
                .or_else(|| v.strip_prefix("https://"));
            if rest.is_none_or(|r| r.trim_matches('/').is_empty()) {
                return Err(ConfigError::Invalid {
                    name: "base URL",
                    value: redact_url(&url.value),
                    origin: url.source.clone(),
                    problem:
                        "expected an http:// or https:// URL such as http://localhost:11434/v1"
                            .into(),
                });
            }
        }
        let base_url = base_url
            .map(|s| Setting::new(s.value.trim().trim_end_matches('/').to_owned(), s.source));

        let model = string(
            (flags.model.as_ref(), "--model"),
            &["REHEARSE_MODEL"],
            fc.model.clone(),
        )
        .unwrap_or_else(|| Setting::new(DEFAULT_MODEL.to_owned(), Source::Default));
        let judge_model = string(
            (flags.judge_model.as_ref(), "--judge-model"),
            &["REHEARSE_JUDGE_MODEL"],
            fc.judge_model.clone(),
        )
        .unwrap_or_else(|| Setting::new(model.value.clone(), Source::Derived("same as the model")));

        let number = |flag: Option<(u64, &'static str)>,
                      var: &'static str,
                      file_value: Option<u64>,
                      default: u64,
                      range: std::ops::RangeInclusive<u64>,
                      what: &str|
         -> Result<Setting<u64>, ConfigError> {
            let setting = if let Some((v, name)) = flag {
                Setting::new(v.to_string(), Source::Flag(name))
            } else if let Some(s) = layers.lookup(&[var]) {
                s
            } else if let Some(v) = file_value {
                Setting::new(
                    v.to_string(),
                    Source::File(file_path.clone().unwrap_or_default()),
                )
            } else {
                return Ok(Setting::new(default, Source::Default));
            };
            match setting.value.trim().parse::<u64>() {
                Ok(n) if range.contains(&n) => Ok(Setting::new(n, setting.source)),
                _ => Err(ConfigError::Invalid {
                    name: match setting.source {
                        Source::Flag(flag) => flag,
                        _ => var,
                    },
                    value: setting.value,
                    origin: setting.source,
                    problem: format!("expected {what} from {} to {}", range.start(), range.end()),
                }),
            }
        };
        let timeout_secs = number(
            flags.timeout_secs.map(|v| (v, "--timeout")),
            "REHEARSE_TIMEOUT_SECS",
            fc.timeout_secs,
            120,
            1..=3600,
            "a whole number of seconds",
        )?;
        let connect_timeout_secs = number(
            None,
            "REHEARSE_CONNECT_TIMEOUT_SECS",
            fc.connect_timeout_secs,
            10,
            1..=600,
            "a whole number of seconds",
        )?;
        let max_retries = number(
            flags.max_retries.map(|v| (u64::from(v), "--max-retries")),
            "REHEARSE_MAX_RETRIES",
            fc.max_retries,
            3,
            0..=10,
            "a retry count",
        )?;
        let max_retries = Setting::new(max_retries.value as u32, max_retries.source);
        let retry_base_ms = number(
            None,
            "REHEARSE_RETRY_BASE_MS",
            fc.retry_base_ms,
            500,
            0..=60_000,
            "milliseconds",
        )?;

        let home = match &flags.home {
            Some(h) => Setting::new(h.clone(), Source::Flag("--home")),
            None => match layers.lookup(&["REHEARSE_HOME"]) {
                Some(s) => Setting::new(expand_tilde(&s.value, env), s.source),
                None => match fc.home.clone() {
                    Some(h) => Setting::new(
                        expand_tilde(&h, env),
                        Source::File(file_path.clone().unwrap_or_default()),
                    ),
                    None => Setting::new(default_home.ok_or(ConfigError::NoHome)?, Source::Default),
                },
            },
        };

        let mut questions: Vec<Setting<PathBuf>> = fc
            .questions
            .iter()
            .map(|d| {
                Setting::new(
                    expand_tilde(d, env),
                    Source::File(file_path.clone().unwrap_or_default()),
                )
            })
            .collect();
        questions.extend(
            flags
                .questions
                .iter()
                .map(|d| Setting::new(d.clone(), Source::Flag("--questions"))),
        );

        let offline = if flags.offline {
            Setting::new(true, Source::Flag("--offline"))
        } else {
            match layers.lookup(&["REHEARSE_OFFLINE"]) {
                Some(s) => {
                    let on = matches!(
                        s.value.trim().to_ascii_lowercase().as_str(),
                        "1" | "true" | "yes" | "on"
                    );
                    Setting::new(on, s.source)
                }
                None => Setting::new(
                    fc.offline.unwrap_or(false),
                    match fc.offline {
                        Some(_) => Source::File(file_path.clone().unwrap_or_default()),
                        None => Source::Default,
                    },
                ),
            }
        };

        let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());

        Ok(Config {
            base_url,
            api_key,
            model,
            judge_model,
            timeout_secs,
            connect_timeout_secs,
            max_retries,
            retry_base_ms,
            home,
            questions,
            offline,
            no_color,
            config_file: file_path,
        })
    }

    /// `Some(reason)` when this run has no LLM endpoint to talk to.
    pub fn offline_reason(&self) -> Option<OfflineReason> {
        if self.offline.value {
            Some(OfflineReason::Forced)
        } else if self.base_url.is_none() {
            Some(OfflineReason::NoEndpoint)
        } else {
            None
        }
    }

    pub fn question_dirs(&self) -> Vec<PathBuf> {
        self.questions.iter().map(|s| s.value.clone()).collect()
    }
}

/// The environment and `.env` layers, consulted in that order for each name in turn.
struct Layers<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    dotenv: Option<&'a (PathBuf, HashMap<String, String>)>,
}

impl Layers<'_> {
    /// The first non-empty value among `vars`: all of them in the environment first, then all
    /// of them in `.env`, so `.env` never overrides anything set in the environment.
    fn lookup(&self, vars: &[&'static str]) -> Option<Setting<String>> {
        for var in vars {
            if let Some(v) = (self.env)(var).filter(|v| !v.trim().is_empty()) {
                return Some(Setting::new(v, Source::Env(var)));
            }
        }
        let (path, map) = self.dotenv?;
        for var in vars {
            if let Some(v) = map.get(*var).filter(|v| !v.trim().is_empty()) {
                return Some(Setting::new(
                    v.clone(),
                    Source::DotEnv {
                        path: path.clone(),
                        var,
                    },
                ));
            }
        }
        None
    }
}

/// What the config file may set. Unknown keys are reported, with their line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileConfig {
    pub base_url: Option<String>,
    pub api_key: Option<ApiKey>,
    pub model: Option<String>,
    pub judge_model: Option<String>,
    pub timeout_secs: Option<u64>,
    pub connect_timeout_secs: Option<u64>,
    pub max_retries: Option<u64>,
    pub retry_base_ms: Option<u64>,
    pub home: Option<String>,
    pub questions: Vec<String>,
    pub offline: Option<bool>,
}

impl FileConfig {
    pub fn parse(file: &str, text: &str) -> Result<FileConfig, Vec<crate::tomlread::Problem>> {
        let arena = toml_spanner::Arena::new();
        let (doc, table) = crate::tomlread::Doc::parse(file, text, &arena);
        let Some(table) = table else {
            return Err(doc.into_problems());
        };
        let t = doc.root(&table);
        let int = |key: &'static str, max: i64| t.opt_integer(key, 0..=max).map(|v| v as u64);
        let config = FileConfig {
            base_url: t.opt_string("base_url"),
            api_key: t.opt_string("api_key").map(ApiKey::new),
            model: t.opt_string("model"),
            judge_model: t.opt_string("judge_model"),
            timeout_secs: int("timeout_secs", 3600),
            connect_timeout_secs: int("connect_timeout_secs", 600),
            max_retries: int("max_retries", 10),
            retry_base_ms: int("retry_base_ms", 60_000),
            home: t.opt_string("home"),
            questions: t.strings("questions", false),
            offline: t.opt_bool("offline"),
        };
        t.finish();
        if doc.has_problems() {
            Err(doc.into_problems())
        } else {
            Ok(config)
        }
    }
}

fn read_config_file(path: &Path) -> Result<Option<FileConfig>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    FileConfig::parse(&path.display().to_string(), &text)
        .map(Some)
        .map_err(ConfigError::File)
}

/// Reads `.env` without touching the process environment. A missing file is not an error.
fn read_dotenv(path: &Path) -> Result<Option<HashMap<String, String>>, ConfigError> {
    if !path.is_file() {
        return Ok(None);
    }
    let iter = dotenvy::from_path_iter(path).map_err(|_| ConfigError::DotEnv {
        path: path.to_path_buf(),
        line: 0,
        message: "cannot open it".into(),
    })?;
    let mut vars = HashMap::new();
    for item in iter {
        match item {
            Ok((k, v)) => {
                vars.insert(k, v);
            }
            // Never echo the line: it may hold an API key.
            Err(dotenvy::Error::LineParse(line, _)) => {
                let first = line.lines().next().unwrap_or_default().trim();
                let text = std::fs::read_to_string(path).unwrap_or_default();
                let number = text
                    .lines()
                    .position(|l| l.trim() == first)
                    .map_or(0, |i| i + 1);
                let name = first
                    .split('=')
                    .next()
                    .map(|n| n.trim().trim_start_matches("export ").trim())
                    .filter(|n| {
                        !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    });
                let what = name.map_or("this line".to_owned(), |n| format!("the value of {n}"));
                return Err(ConfigError::DotEnv {
                    path: path.to_path_buf(),
                    line: number,
                    message: format!(
                        "cannot parse {what} (expected NAME=value; check for an unclosed quote)"
                    ),
                });
            }
            Err(dotenvy::Error::Io(e)) => {
                return Err(ConfigError::Io {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
            Err(_) => {
                return Err(ConfigError::DotEnv {
                    path: path.to_path_buf(),
                    line: 0,
                    message: "cannot read it as NAME=value lines".into(),
                });
            }
        }
    }
    Ok(Some(vars))
}

fn default_config_path() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    etcetera::choose_base_strategy()
        .ok()
        .map(|s| s.config_dir().join("rehearse").join("config.toml"))
}

fn default_home() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    etcetera::choose_base_strategy()
        .ok()
        .map(|s| s.data_dir().join("rehearse"))
}

fn expand_tilde(path: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match (path.strip_prefix("~/"), env("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn dotenv(pairs: &[(&str, &str)]) -> Option<(PathBuf, HashMap<String, String>)> {
        Some((
            PathBuf::from(".env"),
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ))
    }

    fn file(config: FileConfig) -> Option<(PathBuf, FileConfig)> {
        Some((PathBuf::from("/cfg/config.toml"), config))
    }

    fn resolve(
        flags: &Flags,
        env: &[(&str, &str)],
        dot: &[(&str, &str)],
        fc: FileConfig,
    ) -> Config {
        Config::resolve(
            flags,
            &env_of(env),
            dotenv(dot),
            file(fc),
            Some(PathBuf::from("/data/rehearse")),
        )
        .unwrap()
    }

    #[test]
    fn each_layer_beats_the_ones_below_it() {
        let fc = FileConfig {
            model: Some("from-file".into()),
            ..FileConfig::default()
        };
        let dot = [("REHEARSE_MODEL", "from-dotenv")];
        let env = [("REHEARSE_MODEL", "from-env")];
        let flags = Flags {
            model: Some("from-flag".into()),
            ..Flags::default()
        };

        let c = resolve(&Flags::default(), &[], &[], FileConfig::default());
        assert_eq!(
            (c.model.value.as_str(), c.model.source.layer()),
            (DEFAULT_MODEL, "default")
        );
        let c = resolve(&Flags::default(), &[], &[], fc.clone());
        assert_eq!(
            (c.model.value.as_str(), c.model.source.layer()),
            ("from-file", "file")
        );
        let c = resolve(&Flags::default(), &[], &dot, fc.clone());
        assert_eq!(
            (c.model.value.as_str(), c.model.source.layer()),
            ("from-dotenv", ".env")
        );
        let c = resolve(&Flags::default(), &env, &dot, fc.clone());
        assert_eq!(
            (c.model.value.as_str(), c.model.source.layer()),
            ("from-env", "env")
        );
        let c = resolve(&flags, &env, &dot, fc);
        assert_eq!(
            (c.model.value.as_str(), c.model.source.layer()),
            ("from-flag", "flag")
        );
    }

    #[test]
    fn dotenv_never_overrides_the_environment_even_for_the_preferred_name() {
        // OPENAI_BASE_URL in the environment beats REHEARSE_BASE_URL in .env.
        let c = resolve(
            &Flags::default(),
            &[("OPENAI_BASE_URL", "http://env:1/v1")],
            &[("REHEARSE_BASE_URL", "http://dotenv:2/v1")],
            FileConfig::default(),
        );
        let url = c.base_url.unwrap();
        assert_eq!(url.value, "http://env:1/v1");
        assert_eq!(url.source, Source::Env("OPENAI_BASE_URL"));
    }

    #[test]
    fn rehearse_names_win_over_openai_names_in_the_same_layer() {
        let c = resolve(
            &Flags::default(),
            &[
                ("OPENAI_API_KEY", "sk-openai"),
                ("REHEARSE_API_KEY", "sk-rehearse"),
            ],
            &[],
            FileConfig::default(),
        );
        assert_eq!(c.api_key.unwrap().value.expose(), "sk-rehearse");
    }

    #[test]
    fn openai_url_is_the_default_only_when_a_key_is_set() {
        let c = resolve(&Flags::default(), &[], &[], FileConfig::default());
        assert!(c.base_url.is_none());
        assert_eq!(c.offline_reason(), Some(OfflineReason::NoEndpoint));

        let c = resolve(
            &Flags::default(),
            &[("OPENAI_API_KEY", "sk-x")],
            &[],
            FileConfig::default(),
        );
        let url = c.base_url.clone().unwrap();
        assert_eq!(url.value, OPENAI_BASE_URL);
        assert_eq!(url.source.layer(), "default");
        assert_eq!(c.offline_reason(), None);
    }

    #[test]
    fn offline_flag_forces_offline_even_with_an_endpoint() {
        let flags = Flags {
            offline: true,
            ..Flags::default()
        };
        let c = resolve(
            &flags,
            &[("REHEARSE_BASE_URL", "http://127.0.0.1:8080/v1")],
            &[],
            FileConfig::default(),
        );
        assert_eq!(c.offline_reason(), Some(OfflineReason::Forced));
    }

    #[test]
    fn bad_numbers_name_the_variable_and_its_layer() {
        let err = Config::resolve(
            &Flags::default(),
            &env_of(&[("REHEARSE_TIMEOUT_SECS", "soon")]),
            None,
            None,
            Some(PathBuf::from("/d")),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "REHEARSE_TIMEOUT_SECS = \"soon\" (env REHEARSE_TIMEOUT_SECS): expected a whole number of seconds from 1 to 3600"
        );
    }

    #[test]
    fn base_url_must_be_http() {
        let err = Config::resolve(
            &Flags::default(),
            &env_of(&[("REHEARSE_BASE_URL", "localhost:11434")]),
            None,
            None,
            Some(PathBuf::from("/d")),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("expected an http:// or https:// URL"),
            "{err}"
        );
    }

    #[test]
    fn credentials_in_urls_are_never_shown() {
        assert_eq!(
            redact_url("https://user:tok@host.example/v1"),
            "https://***@host.example/v1"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:8080/v1"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(redact_url("http://a/x@y"), "http://a/x@y");
    }

    #[test]
    fn short_hosts_are_valid_and_flags_are_named_in_errors() {
        let c = resolve(
            &Flags::default(),
            &[("REHEARSE_BASE_URL", "http://a")],
            &[],
            FileConfig::default(),
        );
        assert_eq!(c.base_url.unwrap().value, "http://a");
        let flags = Flags {
            timeout_secs: Some(0),
            ..Flags::default()
        };
        let err = Config::resolve(&flags, &env_of(&[]), None, None, Some(PathBuf::from("/d")))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--timeout = \"0\" (flag --timeout)"),
            "{err}"
        );
    }

    #[test]
    fn api_key_debug_is_redacted() {
        let key = ApiKey::new("sk-secret-123");
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        let c = resolve(
            &Flags::default(),
            &[("REHEARSE_API_KEY", "sk-secret-123")],
            &[],
            FileConfig::default(),
        );
        assert!(!format!("{c:?}").contains("sk-secret-123"));
    }

    #[test]
    fn config_file_problems_have_lines() {
        let problems = FileConfig::parse("c.toml", "model = 3\nbase_ur = \"x\"\n").unwrap_err();
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
}
