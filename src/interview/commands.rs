//! REPL commands, from one table: the parser, `/help` and suggestions all read it, so a
//! command cannot exist in one place and be missing from another.

/// A command the candidate can type at the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Help,
    Next,
    Back,
    Stage,
    Hint,
    Time,
    Transcript,
    Question,
    /// Record a spoken turn.
    Voice,
    /// Show or replace the architecture diagram.
    Diagram,
    /// Finish; `offline` asks for the offline scorer explicitly.
    Done {
        offline: bool,
    },
    Quit,
}

pub struct Spec {
    pub name: &'static str,
    pub args: &'static str,
    pub help: &'static str,
}

pub const COMMANDS: &[Spec] = &[
    Spec {
        name: "/help",
        args: "",
        help: "show this help",
    },
    Spec {
        name: "/next",
        args: "",
        help: "move on to the next stage",
    },
    Spec {
        name: "/back",
        args: "",
        help: "go back to the previous stage",
    },
    Spec {
        name: "/stage",
        args: "",
        help: "the current stage: its goal, budget and time spent",
    },
    Spec {
        name: "/hint",
        args: "",
        help: "a hint for this stage (each /hint goes a step further; hints are recorded)",
    },
    Spec {
        name: "/time",
        args: "",
        help: "time spent per stage against the budget",
    },
    Spec {
        name: "/transcript",
        args: "",
        help: "the conversation so far",
    },
    Spec {
        name: "/question",
        args: "",
        help: "show the question and the stages again",
    },
    Spec {
        name: "/diagram",
        args: "",
        help: "show your architecture diagram, or paste a new Mermaid flowchart between \"\"\" lines",
    },
    Spec {
        name: "/voice",
        args: "",
        help: "answer aloud: record one turn (Enter stops), see the transcript, then submit or correct it",
    },
    Spec {
        name: "/done",
        args: "[offline]",
        help: "finish: score the interview, write the report, print its path (`offline` scores with the offline scorer)",
    },
    Spec {
        name: "/quit",
        args: "",
        help: "save and leave; continue later with `rehearse resume`",
    },
];

/// An input line starting with `/` that is not a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub typed: String,
    pub suggestion: Option<&'static str>,
}

/// `None` for ordinary input; otherwise the command, or what was wrong with it. Answers may
/// start with a slash too ("/api/v1/urls returns the code", "/shorten takes a URL"): only a
/// single word, or a word close to a command, is treated as a command.
pub fn parse(line: &str) -> Option<Result<Command, Unknown>> {
    let line = line.trim();
    let mut parts = line.split_whitespace();
    let name = parts.next().unwrap_or_default().to_ascii_lowercase();
    let looks_like_command = name.len() > 1
        && name.starts_with('/')
        && name[1..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '?');
    if !looks_like_command {
        return None;
    }
    let arg = parts.next().map(str::to_ascii_lowercase);
    let words = line.split_whitespace().count();
    let command = match (name.as_str(), arg.as_deref()) {
        ("/help" | "/?", None) => Command::Help,
        ("/next", None) => Command::Next,
        ("/back", None) => Command::Back,
        ("/stage", None) => Command::Stage,
        ("/hint", None) => Command::Hint,
        ("/time", None) => Command::Time,
        ("/transcript", None) => Command::Transcript,
        ("/question", None) => Command::Question,
        ("/voice", None) => Command::Voice,
        ("/diagram", None) => Command::Diagram,
        ("/done", None) => Command::Done { offline: false },
        ("/done", Some("offline")) => Command::Done { offline: true },
        ("/quit" | "/exit", None) => Command::Quit,
        _ => {
            let suggestion = suggest(&name);
            if suggestion.is_none() && words > 1 {
                return None;
            }
            return Some(Err(Unknown {
                typed: line.to_owned(),
                suggestion,
            }));
        }
    };
    Some(Ok(command))
}

fn suggest(name: &str) -> Option<&'static str> {
    COMMANDS
        .iter()
        .map(|c| (crate::strings::edit_distance(name, c.name), c.name))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
        .or_else(|| {
            COMMANDS
                .iter()
                .find(|c| name.len() > 2 && c.name.starts_with(name))
                .map(|c| c.name)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_and_plain_text_does_not() {
        assert_eq!(parse("/next"), Some(Ok(Command::Next)));
        assert_eq!(parse("  /HINT "), Some(Ok(Command::Hint)));
        assert_eq!(
            parse("/done offline"),
            Some(Ok(Command::Done { offline: true }))
        );
        assert_eq!(parse("We use /api routes"), None);
        assert_eq!(parse("// a comment-like line"), None);
        assert_eq!(parse("/api/v1/urls returns the short code"), None);
        assert_eq!(parse("/shorten takes a long URL and returns a code"), None);
    }

    #[test]
    fn unknown_commands_get_a_suggestion() {
        assert_eq!(
            parse("/hnt"),
            Some(Err(Unknown {
                typed: "/hnt".into(),
                suggestion: Some("/hint")
            }))
        );
        assert_eq!(
            parse("/trans"),
            Some(Err(Unknown {
                typed: "/trans".into(),
                suggestion: Some("/transcript")
            }))
        );
        assert_eq!(parse("/zzzzzz").unwrap().unwrap_err().suggestion, None);
    }

    #[test]
    fn every_command_in_the_table_parses() {
        for spec in COMMANDS {
            assert!(matches!(parse(spec.name), Some(Ok(_))), "{}", spec.name);
        }
    }
}
