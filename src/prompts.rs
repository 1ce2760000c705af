//! Prompt templates (`prompts/*.jinja`, embedded at build time) rendered with minijinja.
//! Prompts are data: wording changes never touch code. A user can replace any of them with a
//! file of the same name in `$XDG_CONFIG_HOME/rehearse/prompts/`; [`load_overrides`] checks
//! every such file before anything is sent (it must parse, replace a prompt rehearse has, and
//! use only the variables that prompt is given), and `rehearse prompt` shows the result.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::embedded;

/// Override files, once loaded: (template name, its text).
static OVERRIDES: OnceLock<Vec<(String, String)>> = OnceLock::new();

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = strict_env();
    let overrides = OVERRIDES.get().map(Vec::as_slice).unwrap_or_default();
    for (path, text) in embedded::PROMPTS {
        let name = template_name(path);
        let text = overrides
            .iter()
            .find(|(n, _)| n == name)
            .map_or(*text, |(_, t)| t.as_str());
        env.add_template_owned(name.to_owned(), text.to_owned())
            .unwrap_or_else(|e| panic!("template {name} does not parse: {e}"));
    }
    env
});

/// A misspelt variable is a bug in the template, not an empty string.
fn strict_env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

fn template_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("prompt template {name}: {source}")]
    Render {
        name: String,
        source: minijinja::Error,
    },
    #[error("{path}{}: {problem}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Override {
        path: PathBuf,
        line: Option<usize>,
        problem: String,
    },
}

impl PromptError {
    /// A broken override file is bad input (2); a template failing to render is a defect (1).
    pub fn exit_code(&self) -> u8 {
        match self {
            PromptError::Render { .. } => crate::exit::FAILURE,
            PromptError::Override { .. } => crate::exit::USAGE,
        }
    }
}

/// The variables a template reads from its context.
fn variables(env: &Environment<'_>, name: &str) -> BTreeSet<String> {
    env.get_template(name)
        .map(|t| t.undeclared_variables(false).into_iter().collect())
        .unwrap_or_default()
}

/// The 1-based line of the first use of `variable` in `text`.
fn line_of(text: &str, variable: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.contains(variable))
        .map(|i| i + 1)
}

/// Reads and checks the override files in `dir` (nothing to do when it does not exist), and
/// makes them the prompts used from now on. Returns the files in use. Call before the first
/// prompt is rendered; later calls change nothing.
pub fn load_overrides(dir: &Path) -> Result<Vec<PathBuf>, PromptError> {
    let problem = |path: &Path, line, problem: String| PromptError::Override {
        path: path.to_path_buf(),
        line,
        problem,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(problem(
                dir,
                None,
                format!(
                    "cannot read the prompt overrides: {}",
                    crate::strings::io_message(&e)
                ),
            ));
        }
    };
    let known: Vec<&str> = embedded::PROMPTS
        .iter()
        .map(|(p, _)| template_name(p))
        .collect();
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jinja"))
        .collect();
    paths.sort();
    let mut overrides = Vec::new();
    let embedded_env = {
        let mut env = strict_env();
        for (path, text) in embedded::PROMPTS {
            let _ = env.add_template(template_name(path), text);
        }
        env
    };
    for path in &paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !known.contains(&name.as_str()) {
            return Err(problem(
                path,
                None,
                format!(
                    "not a prompt rehearse uses; an override must have the name of one of: {}",
                    known.join(", ")
                ),
            ));
        }
        let text = crate::files::read_bounded(path, 256 * 1024)
            .map_err(|e| problem(path, None, e.to_string()))?;
        let text =
            String::from_utf8(text).map_err(|_| problem(path, None, "is not UTF-8 text".into()))?;
        let mut env = strict_env();
        if let Err(e) = env.add_template_owned(name.clone(), text.clone()) {
            return Err(problem(
                path,
                e.line(),
                format!("does not parse: {}", e.detail().unwrap_or("syntax error")),
            ));
        }
        let given = variables(&embedded_env, &name);
        if let Some(unknown) = variables(&env, &name)
            .into_iter()
            .find(|v| !given.contains(v))
        {
            return Err(problem(
                path,
                line_of(&text, &unknown),
                format!(
                    "uses `{unknown}`, which this prompt is not given; it is given: {}",
                    given.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        overrides.push((name, text));
    }
    let _ = OVERRIDES.set(overrides);
    Ok(paths)
}

/// Renders the template `name` (e.g. `judge.system.jinja`) with `context`.
pub fn render(name: &str, context: impl Serialize) -> Result<String, PromptError> {
    let err = |source| PromptError::Render {
        name: name.to_owned(),
        source,
    };
    let template = ENV.get_template(name).map_err(err)?;
    template
        .render(minijinja::Value::from(minijinja::value::Serde(&context)))
        .map_err(err)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_embedded_template_parses() {
        assert!(!crate::embedded::PROMPTS.is_empty());
        for (path, _) in crate::embedded::PROMPTS {
            let name = path.rsplit('/').next().unwrap();
            assert!(super::ENV.get_template(name).is_ok(), "{path}");
        }
    }
}
