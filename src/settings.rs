//! Every setting rehearse reads, defined once. A [`Def`] names its flag, environment variables,
//! config-file key, type and range, default, help text and whether it is a secret; the command
//! line (`crate::cli`), the layered resolution (`crate::config`), validation messages,
//! `rehearse config` and the `.env.example` check are all generated from [`ALL`], so adding a
//! setting means adding one item here.
//!
//! The pattern follows ripgrep's `flags/defs.rs` (one item per flag carrying its docs and
//! parsing), reduced to a table because every setting here is a plain value.

use std::fmt;
use std::ops::RangeInclusive;
use std::path::PathBuf;

/// What kind of value a setting holds, and how text from a flag, the environment or `.env` is
/// read into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// Free text (a model name).
    Text,
    /// An `http://` or `https://` URL; trailing slashes are dropped.
    Url,
    /// A secret (an API key): never printed, logged or saved; `rehearse config` says set/unset.
    Secret,
    /// A whole number in a range; `what` names it in messages ("a whole number of seconds").
    Int {
        range: RangeInclusive<u64>,
        what: &'static str,
    },
    /// On/off: `1/true/yes/on` or `0/false/no/off`; a flag without a value.
    Bool,
    /// On when the variable is set to anything non-empty (`NO_COLOR`).
    Presence,
    /// A file or directory; `~/` is expanded from every layer.
    Path,
    /// Directories collected from every layer (config file first, then flags), not overridden.
    Paths,
    /// A command line template run through the shell.
    Command,
}

/// Where a setting's value comes from when no layer sets it.
#[derive(Debug, Clone, Copy)]
pub enum Fallback {
    /// No value: the feature is off or the setting optional.
    None,
    /// A fixed value, given as the text a user would type.
    Value(&'static str),
    /// The value of another setting ("the judge model defaults to the model").
    SameAs(&'static str),
    /// A fixed value, but only when another setting has a value (the OpenAI URL when a key is
    /// set); `why` says so in `rehearse config`.
    WhenSet {
        other: &'static str,
        value: &'static str,
        why: &'static str,
    },
    /// A per-user location: the XDG data or config directory.
    DataDir,
    ConfigFile,
}

/// One setting.
#[derive(Debug, Clone)]
pub struct Def {
    /// Its name in `rehearse config` and its key in the config file.
    pub name: &'static str,
    /// The long flag without dashes, if it has one. Secrets have none: command lines are
    /// visible to other users in `ps`.
    pub flag: Option<&'static str>,
    /// Placeholder in `--help` (`URL`, `SECS`).
    pub value_name: &'static str,
    /// Environment variables, most preferred first (`REHEARSE_API_KEY`, then `OPENAI_API_KEY`).
    pub env: &'static [&'static str],
    /// Whether the config file may set it (the config file cannot name itself).
    pub in_file: bool,
    pub ty: Ty,
    pub fallback: Fallback,
    /// One line for `--help`, `rehearse config` and the README table.
    pub help: &'static str,
}

impl Def {
    pub fn is_secret(&self) -> bool {
        self.ty == Ty::Secret
    }

    /// `--flag` as typed.
    pub fn flag_name(&self) -> Option<String> {
        self.flag.map(|f| format!("--{f}"))
    }

    /// What the setting expects, for messages: "an integer from 1 to 3600".
    pub fn expected(&self) -> String {
        match &self.ty {
            Ty::Text | Ty::Secret | Ty::Command => "text".into(),
            Ty::Url => "an http:// or https:// URL such as http://localhost:11434/v1".into(),
            Ty::Int { range, what } => format!("{what} from {} to {}", range.start(), range.end()),
            Ty::Bool => "1, true, yes or on (or 0, false, no, off)".into(),
            Ty::Presence => "any value".into(),
            Ty::Path | Ty::Paths => "a path".into(),
        }
    }

    /// The help line with the environment variables appended, as `--help` shows it.
    pub fn help_with_env(&self) -> String {
        match self.env {
            [] => self.help.to_owned(),
            vars => format!("{} [env: {}]", self.help, vars.join(", ")),
        }
    }
}

pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

const SECONDS: &str = "a whole number of seconds";

pub static BASE_URL: Def = Def {
    name: "base_url",
    flag: Some("base-url"),
    value_name: "URL",
    env: &["REHEARSE_BASE_URL", "OPENAI_BASE_URL"],
    in_file: true,
    ty: Ty::Url,
    fallback: Fallback::WhenSet {
        other: "api_key",
        value: OPENAI_BASE_URL,
        why: "an API key is set",
    },
    help: "OpenAI-compatible base URL, e.g. http://localhost:11434/v1",
};

pub static API_KEY: Def = Def {
    name: "api_key",
    flag: None,
    value_name: "KEY",
    env: &["REHEARSE_API_KEY", "OPENAI_API_KEY"],
    in_file: true,
    ty: Ty::Secret,
    fallback: Fallback::None,
    help: "API key, sent as a bearer token (optional for local servers)",
};

pub static MODEL: Def = Def {
    name: "model",
    flag: Some("model"),
    value_name: "NAME",
    env: &["REHEARSE_MODEL"],
    in_file: true,
    ty: Ty::Text,
    fallback: Fallback::Value(DEFAULT_MODEL),
    help: "Model for the interviewer",
};

pub static JUDGE_MODEL: Def = Def {
    name: "judge_model",
    flag: Some("judge-model"),
    value_name: "NAME",
    env: &["REHEARSE_JUDGE_MODEL"],
    in_file: true,
    ty: Ty::Text,
    fallback: Fallback::SameAs("model"),
    help: "Model for the judge; defaults to the interviewer model",
};

pub static TIMEOUT_SECS: Def = Def {
    name: "timeout_secs",
    flag: Some("timeout"),
    value_name: "SECS",
    env: &["REHEARSE_TIMEOUT_SECS"],
    in_file: true,
    ty: Ty::Int {
        range: 1..=3600,
        what: SECONDS,
    },
    fallback: Fallback::Value("120"),
    help: "Whole-request timeout in seconds",
};

pub static CONNECT_TIMEOUT_SECS: Def = Def {
    name: "connect_timeout_secs",
    flag: None,
    value_name: "SECS",
    env: &["REHEARSE_CONNECT_TIMEOUT_SECS"],
    in_file: true,
    ty: Ty::Int {
        range: 1..=600,
        what: SECONDS,
    },
    fallback: Fallback::Value("10"),
    help: "Connection timeout in seconds",
};

pub static MAX_RETRIES: Def = Def {
    name: "max_retries",
    flag: Some("max-retries"),
    value_name: "N",
    env: &["REHEARSE_MAX_RETRIES"],
    in_file: true,
    ty: Ty::Int {
        range: 0..=10,
        what: "a retry count",
    },
    fallback: Fallback::Value("3"),
    help: "Retries for rate limits, server errors and refused connections",
};

pub static RETRY_BASE_MS: Def = Def {
    name: "retry_base_ms",
    flag: None,
    value_name: "MS",
    env: &["REHEARSE_RETRY_BASE_MS"],
    in_file: true,
    ty: Ty::Int {
        range: 0..=60_000,
        what: "milliseconds",
    },
    fallback: Fallback::Value("500"),
    help: "Base delay of the exponential retry backoff, in milliseconds (capped at 8 s)",
};

pub static BATCH_POLL_SECS: Def = Def {
    name: "batch_poll_secs",
    flag: None,
    value_name: "SECS",
    env: &["REHEARSE_BATCH_POLL_SECS"],
    in_file: true,
    ty: Ty::Int {
        range: 0..=3600,
        what: SECONDS,
    },
    fallback: Fallback::Value("30"),
    help: "Seconds between status checks of a batch submitted with `score --batch`",
};

pub static HOME: Def = Def {
    name: "home",
    flag: Some("home"),
    value_name: "DIR",
    env: &["REHEARSE_HOME"],
    in_file: true,
    ty: Ty::Path,
    fallback: Fallback::DataDir,
    help: "Data directory for sessions and reports",
};

pub static QUESTIONS: Def = Def {
    name: "questions",
    flag: Some("questions"),
    value_name: "DIR",
    env: &[],
    in_file: true,
    ty: Ty::Paths,
    fallback: Fallback::None,
    help: "Extra directory of question files (repeatable); same id replaces a built-in question",
};

pub static OFFLINE: Def = Def {
    name: "offline",
    flag: Some("offline"),
    value_name: "",
    env: &["REHEARSE_OFFLINE"],
    in_file: true,
    ty: Ty::Bool,
    fallback: Fallback::Value("false"),
    help: "Use the scripted interviewer and offline scorer even if an endpoint is configured",
};

pub static CONFIG: Def = Def {
    name: "config",
    flag: Some("config"),
    value_name: "FILE",
    env: &["REHEARSE_CONFIG"],
    in_file: false,
    ty: Ty::Path,
    fallback: Fallback::ConfigFile,
    help: "Config file to read instead of $XDG_CONFIG_HOME/rehearse/config.toml",
};

pub static NO_COLOR: Def = Def {
    name: "no_color",
    flag: None,
    value_name: "",
    env: &["NO_COLOR"],
    in_file: false,
    ty: Ty::Presence,
    fallback: Fallback::Value("false"),
    help: "Any value turns colour off",
};

pub static STT_BASE_URL: Def = Def {
    name: "stt_base_url",
    flag: Some("stt-base-url"),
    value_name: "URL",
    env: &["REHEARSE_STT_BASE_URL"],
    in_file: true,
    ty: Ty::Url,
    fallback: Fallback::SameAs("base_url"),
    help: "OpenAI-compatible base URL for speech-to-text; defaults to the base URL (works offline too)",
};

pub static STT_MODEL: Def = Def {
    name: "stt_model",
    flag: Some("stt-model"),
    value_name: "NAME",
    env: &["REHEARSE_STT_MODEL"],
    in_file: true,
    ty: Ty::Text,
    fallback: Fallback::Value("whisper-1"),
    help: "Transcription model for spoken answers",
};

pub static STT_API_KEY: Def = Def {
    name: "stt_api_key",
    flag: None,
    value_name: "KEY",
    env: &["REHEARSE_STT_API_KEY"],
    in_file: true,
    ty: Ty::Secret,
    fallback: Fallback::SameAs("api_key"),
    help: "API key for the transcription endpoint; defaults to the API key",
};

pub static STT_LANGUAGE: Def = Def {
    name: "stt_language",
    flag: None,
    value_name: "LANG",
    env: &["REHEARSE_STT_LANGUAGE"],
    in_file: true,
    ty: Ty::Text,
    fallback: Fallback::Value("en"),
    help: "Language of spoken answers (ISO 639-1), passed to the transcriber",
};

pub static RECORDER: Def = Def {
    name: "recorder",
    flag: None,
    value_name: "COMMAND",
    env: &["REHEARSE_RECORDER"],
    in_file: true,
    ty: Ty::Command,
    fallback: Fallback::None,
    help: "Command that records 16 kHz mono WAV to {out} until interrupted; default: arecord, rec, parecord, pw-record or ffmpeg",
};

pub static SPEAKER: Def = Def {
    name: "speaker",
    flag: None,
    value_name: "COMMAND",
    env: &["REHEARSE_SPEAKER"],
    in_file: true,
    ty: Ty::Command,
    fallback: Fallback::None,
    help: "Command that speaks the text on its stdin (--speak); default: espeak-ng or say",
};

pub static TTS_MODEL: Def = Def {
    name: "tts_model",
    flag: None,
    value_name: "NAME",
    env: &["REHEARSE_TTS_MODEL"],
    in_file: true,
    ty: Ty::Text,
    fallback: Fallback::None,
    help: "Speech model at the endpoint's /audio/speech for --speak, instead of the speaker command",
};

/// Every setting, in the order `rehearse config` lists them.
pub static ALL: &[&Def] = &[
    &BASE_URL,
    &API_KEY,
    &MODEL,
    &JUDGE_MODEL,
    &TIMEOUT_SECS,
    &CONNECT_TIMEOUT_SECS,
    &MAX_RETRIES,
    &RETRY_BASE_MS,
    &BATCH_POLL_SECS,
    &HOME,
    &QUESTIONS,
    &OFFLINE,
    &STT_BASE_URL,
    &STT_MODEL,
    &STT_API_KEY,
    &STT_LANGUAGE,
    &RECORDER,
    &SPEAKER,
    &TTS_MODEL,
    &CONFIG,
    &NO_COLOR,
];

/// The setting called `name`.
pub fn by_name(name: &str) -> Option<&'static Def> {
    ALL.iter().copied().find(|d| d.name == name)
}

/// An API key. It has no `Display`, no `Serialize`, and a redacting `Debug`, so it cannot end up
/// in output, logs, sessions or reports by accident; [`ApiKey::expose`] is the one way out and
/// is used only to build the Authorization header and to redact echoes of it.
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

/// A resolved value, typed by its [`Ty`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No layer set it and it has no default.
    Unset,
    Text(String),
    Int(u64),
    Bool(bool),
    Path(PathBuf),
    Paths(Vec<PathBuf>),
    Secret(ApiKey),
}

impl Value {
    /// The value as `rehearse config` shows it: secrets only as set/unset, URLs without
    /// credentials.
    pub fn display(&self, def: &Def) -> String {
        match self {
            Value::Unset => match def.ty {
                Ty::Secret => "unset".into(),
                Ty::Url => "(none: offline mode)".into(),
                _ => "(none)".into(),
            },
            Value::Secret(_) => "set".into(),
            Value::Text(t) if def.ty == Ty::Url => redact_url(t),
            Value::Text(t) => t.clone(),
            Value::Int(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Path(p) => p.display().to_string(),
            Value::Paths(ps) => ps
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
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

/// Reads `raw` (from a flag, the environment or `.env`) as a value of `def`'s type, or says
/// what was expected. `home` expands a leading `~/` in paths.
pub fn parse(def: &Def, raw: &str, home: Option<&str>) -> Result<Value, String> {
    let trimmed = raw.trim();
    match &def.ty {
        Ty::Text | Ty::Command => Ok(Value::Text(trimmed.to_owned())),
        Ty::Secret => Ok(Value::Secret(ApiKey::new(trimmed))),
        Ty::Url => {
            let rest = trimmed
                .strip_prefix("http://")
                .or_else(|| trimmed.strip_prefix("https://"));
            if rest.is_none_or(|r| r.trim_matches('/').is_empty()) {
                return Err(format!("expected {}", def.expected()));
            }
            Ok(Value::Text(trimmed.trim_end_matches('/').to_owned()))
        }
        Ty::Int { range, .. } => match trimmed.parse::<u64>() {
            Ok(n) if range.contains(&n) => Ok(Value::Int(n)),
            _ => Err(format!("expected {}", def.expected())),
        },
        Ty::Bool => match trimmed.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Value::Bool(true)),
            "0" | "false" | "no" | "off" | "" => Ok(Value::Bool(false)),
            _ => Err(format!("expected {}", def.expected())),
        },
        Ty::Presence => Ok(Value::Bool(!raw.is_empty())),
        Ty::Path => Ok(Value::Path(expand_tilde(trimmed, home))),
        Ty::Paths => Ok(Value::Paths(vec![expand_tilde(trimmed, home)])),
    }
}

/// `~/x` → `$HOME/x`; anything else unchanged.
pub fn expand_tilde(path: &str, home: Option<&str>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => std::path::Path::new(home).join(rest),
        _ if path == "~" && home.is_some() => PathBuf::from(home.unwrap_or_default()),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_flags_and_variables_are_unique() {
        let mut names = std::collections::HashSet::new();
        let mut flags = std::collections::HashSet::new();
        let mut vars = std::collections::HashSet::new();
        for def in ALL {
            assert!(names.insert(def.name), "duplicate name {}", def.name);
            if let Some(f) = def.flag {
                assert!(flags.insert(f), "duplicate flag {f}");
            }
            for v in def.env {
                assert!(vars.insert(*v), "duplicate variable {v}");
            }
        }
    }

    #[test]
    fn secrets_have_no_flag_and_fallbacks_name_real_settings() {
        for def in ALL {
            if def.is_secret() {
                assert!(def.flag.is_none(), "{} is a secret with a flag", def.name);
            }
            match def.fallback {
                Fallback::SameAs(other) | Fallback::WhenSet { other, .. } => {
                    assert!(
                        by_name(other).is_some(),
                        "{} falls back to {other}",
                        def.name
                    )
                }
                Fallback::Value(v) => {
                    parse(def, v, None)
                        .unwrap_or_else(|e| panic!("{}: default {v}: {e}", def.name));
                }
                _ => {}
            }
        }
    }

    #[test]
    fn values_are_read_by_type() {
        assert_eq!(parse(&TIMEOUT_SECS, " 42 ", None), Ok(Value::Int(42)));
        assert_eq!(
            parse(&TIMEOUT_SECS, "0", None),
            Err("expected a whole number of seconds from 1 to 3600".into())
        );
        assert_eq!(parse(&OFFLINE, "Yes", None), Ok(Value::Bool(true)));
        assert!(parse(&OFFLINE, "banana", None).is_err());
        assert_eq!(
            parse(&BASE_URL, "http://a/v1/", None),
            Ok(Value::Text("http://a/v1".into()))
        );
        assert!(parse(&BASE_URL, "localhost:11434", None).is_err());
        assert_eq!(
            parse(&HOME, "~/x", Some("/home/u")),
            Ok(Value::Path(PathBuf::from("/home/u/x")))
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
    fn api_key_debug_is_redacted() {
        let key = ApiKey::new("sk-secret-123");
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        assert_eq!(
            format!("{:?}", Value::Secret(key)),
            "Secret(ApiKey(<redacted>))"
        );
    }
}
