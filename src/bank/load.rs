//! Reading question files: the embedded bank plus user directories that add or override
//! questions. Every problem in every file is collected before anything is reported.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::bank::model::{Origin, Question};
use crate::bank::{Bank, BankError};
use crate::embedded;
use crate::framework::Frameworks;
use crate::tomlread::Problem;

/// A question file is a few KB; one over this is a mistake (or `/dev/zero` behind a link).
pub const MAX_QUESTION_BYTES: u64 = 1024 * 1024;

/// Where a question file's text came from.
pub struct SourceFile {
    /// Path shown in messages: crate-relative for the embedded bank, as given for user files.
    pub display: String,
    pub origin: Origin,
    /// Borrowed for the embedded bank (no copy of the binary's megabyte), owned for user files.
    pub text: Cow<'static, str>,
}

/// The embedded bank's files.
pub fn embedded_files() -> Vec<SourceFile> {
    embedded::QUESTIONS
        .iter()
        .map(|(path, text)| SourceFile {
            display: (*path).to_owned(),
            origin: Origin::Embedded((*path).to_owned()),
            text: Cow::Borrowed(text),
        })
        .collect()
}

/// Every `*.toml` file under `dir`, sorted by path so loading is deterministic.
pub fn dir_files(dir: &Path) -> Result<Vec<SourceFile>, BankError> {
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes =
                crate::files::read_bounded(&path, MAX_QUESTION_BYTES).map_err(|reason| {
                    BankError::Unreadable {
                        path: path.clone(),
                        reason,
                    }
                })?;
            let text =
                String::from_utf8(bytes).map_err(|_| BankError::NotUtf8 { path: path.clone() })?;
            Ok(SourceFile {
                display: path.display().to_string(),
                origin: Origin::User(path),
                text: Cow::Owned(text),
            })
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), BankError> {
    let io = |source| BankError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let meta = fs::metadata(dir).map_err(io)?;
    if !meta.is_dir() {
        return Err(BankError::NotADirectory(dir.to_path_buf()));
    }
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        // Real directories only: a symlinked directory could loop back up the tree.
        if entry.file_type().map_err(io)?.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// Builds a bank from the embedded files and then each user directory in order. A user
/// question with the id of an earlier one replaces it; any other clash of id or number is a
/// problem naming both files.
pub fn load(frameworks: &Frameworks, user_dirs: &[PathBuf]) -> Result<Bank, BankError> {
    let mut layers = vec![embedded_files()];
    for dir in user_dirs {
        layers.push(dir_files(dir)?);
    }
    build(frameworks, layers)
}

/// Parses and merges layers of files; later layers override earlier ones by id.
pub fn build(frameworks: &Frameworks, layers: Vec<Vec<SourceFile>>) -> Result<Bank, BankError> {
    let mut problems = Vec::new();
    let mut merged: Vec<Question> = Vec::new();
    for files in layers {
        // Within one layer, ids and numbers must be unique; across layers, an id overrides.
        let mut layer: Vec<(Question, String, usize, usize)> = Vec::new();
        for file in &files {
            match parse_question(frameworks, &file.display, &file.text, file.origin.clone()) {
                Ok(p) => layer.push((p.question, file.display.clone(), p.id_line, p.number_line)),
                Err(found) => problems.extend(found),
            }
        }
        let mut ids: HashMap<&str, &str> = HashMap::new();
        let mut numbers: HashMap<u32, &str> = HashMap::new();
        for (q, display, id_line, number_line) in &layer {
            if let Some(first) = first_use(&mut ids, q.id.as_str(), display) {
                problems.push(Problem {
                    file: display.clone(),
                    line: *id_line,
                    field: "id".into(),
                    message: format!("duplicate id \"{}\" (also used by {first})", q.id),
                });
            }
            if let Some(first) = first_use(&mut numbers, q.number, display) {
                problems.push(Problem {
                    file: display.clone(),
                    line: *number_line,
                    field: "number".into(),
                    message: format!("duplicate number {} (also used by {first})", q.number),
                });
            }
        }
        // A number is free for reuse when its earlier owner is replaced in this same layer.
        let replaced: Vec<String> = layer.iter().map(|(q, ..)| q.id.clone()).collect();
        for (q, display, _, number_line) in layer {
            let clash = merged
                .iter()
                .find(|m| m.number == q.number && m.id != q.id && !replaced.contains(&m.id));
            if let Some(other) = clash {
                problems.push(Problem {
                    file: display,
                    line: number_line,
                    field: "number".into(),
                    message: format!(
                        "duplicate number {} (also used by \"{}\" in {}); give the question another number, or use id \"{}\" to replace it",
                        q.number, other.id, other.origin, other.id
                    ),
                });
                continue;
            }
            match merged.iter_mut().find(|m| m.id == q.id) {
                Some(existing) => *existing = q,
                None => merged.push(q),
            }
        }
    }
    if !problems.is_empty() {
        problems.sort();
        problems.dedup();
        return Err(BankError::Invalid(problems));
    }
    merged.sort_by_key(|q| q.number);
    Ok(Bank::from_questions(merged, frameworks.clone()))
}

/// Records `display` as the user of `key` unless an earlier file already uses it; returns
/// that earlier file, so every duplicate is reported against the first owner.
fn first_use<'a, K: std::hash::Hash + Eq>(
    seen: &mut HashMap<K, &'a str>,
    key: K,
    display: &'a str,
) -> Option<&'a str> {
    match seen.entry(key) {
        std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(display);
            None
        }
    }
}

pub use crate::bank::parse::{Parsed, parse_question};
pub use crate::tomlread::is_slug;
