//! Prompt templates (`prompts/*.jinja`, embedded at build time) rendered with minijinja.
//! Prompts are data: wording changes never touch code.

use std::sync::LazyLock;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::embedded;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // A misspelt variable is a bug in the template, not an empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (path, text) in embedded::PROMPTS {
        let name = path.rsplit('/').next().unwrap_or(path);
        env.add_template(name, text)
            .unwrap_or_else(|e| panic!("embedded template {path} does not parse: {e}"));
    }
    env
});

#[derive(Debug, thiserror::Error)]
#[error("prompt template {name}: {source}")]
pub struct PromptError {
    name: String,
    source: minijinja::Error,
}

/// Renders the embedded template `name` (e.g. `judge.system.jinja`) with `context`.
pub fn render(name: &str, context: impl Serialize) -> Result<String, PromptError> {
    let err = |source| PromptError {
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
