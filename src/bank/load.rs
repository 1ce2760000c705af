//! Reading question files: the embedded bank plus user directories that add or override
//! questions. Every problem in every file is collected before anything is reported.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::bank::model::{Fact, Followup, Hint, Level, Origin, Question, RubricItem, Seniority};
use crate::bank::{Bank, BankError};
use crate::embedded;
use crate::framework::{Frameworks, Kind};
use crate::tomlread::{Doc, Problem, Table};

/// Allowed interview lengths, in minutes.
const MINUTES: std::ops::RangeInclusive<i64> = 5..=180;

/// Where a question file's text came from.
pub struct SourceFile {
    /// Path shown in messages: crate-relative for the embedded bank, as given for user files.
    pub display: String,
    pub origin: Origin,
    pub text: String,
}

/// The embedded bank's files.
pub fn embedded_files() -> Vec<SourceFile> {
    embedded::QUESTIONS
        .iter()
        .map(|(path, text)| SourceFile {
            display: (*path).to_owned(),
            origin: Origin::Embedded((*path).to_owned()),
            text: (*text).to_owned(),
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
            let bytes = fs::read(&path).map_err(|source| BankError::Io {
                path: path.clone(),
                source,
            })?;
            let text =
                String::from_utf8(bytes).map_err(|_| BankError::NotUtf8 { path: path.clone() })?;
            Ok(SourceFile {
                display: path.display().to_string(),
                origin: Origin::User(path),
                text,
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
                Ok(parsed) => layer.push(parsed),
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

/// Parses one question file. On success returns the question with the lines of its `id` and
/// `number` (for duplicate reports); on failure, every problem found.
pub fn parse_question(
    frameworks: &Frameworks,
    display: &str,
    text: &str,
    origin: Origin,
) -> Result<(Question, String, usize, usize), Vec<Problem>> {
    let arena = toml_spanner::Arena::new();
    let (doc, table) = Doc::parse(display, text, &arena);
    let Some(table) = table else {
        return Err(doc.into_problems());
    };
    let root = doc.root(&table);

    let id = root.string("id");
    if let Some(id) = &id
        && !is_slug(id)
    {
        root.problem(
            "id",
            format!("\"{id}\" is not a slug (expected lowercase words joined by hyphens, e.g. url-shortener)"),
        );
    }
    let number = root.integer("number", 1..=9999);
    let title = root.string("title");
    let level = root
        .choice("level", "level", &Level::NAMES)
        .and_then(|l| Level::parse(&l));
    let kind = root
        .choice("kind", "kind", &Kind::NAMES)
        .and_then(|k| Kind::parse(&k));
    let topics = root.strings("topics", true);
    for (i, topic) in topics.iter().enumerate() {
        if !is_slug(topic) {
            doc.push(
                root.line("topics"),
                &format!("topics[{i}]"),
                format!("\"{topic}\" is not a slug (expected lowercase words joined by hyphens)"),
            );
        }
    }
    let minutes = root.integer("minutes", MINUTES);
    let prompt = root.string("prompt");
    let reference = root.string("reference");
    let pitfalls = root.strings("pitfalls", false);

    let stages: Option<Vec<&str>> = kind.map(|k| frameworks.get(k).stage_ids());
    let stage_of = |t: &Table<'_>| -> Option<String> {
        let stage = t.string("stage")?;
        match &stages {
            Some(ids) => t
                .check_choice("stage", "stage", &stage, ids)
                .then_some(stage),
            None => Some(stage),
        }
    };

    let mut rubric = Vec::new();
    let mut rubric_ids: Vec<String> = Vec::new();
    for item in root.tables("rubric", true) {
        let rid = item.string("id");
        rubric_ids.extend(rid.clone());
        if let Some(rid) = &rid {
            if !is_slug(rid) {
                item.problem(
                    "id",
                    format!("\"{rid}\" is not a slug (expected lowercase words joined by hyphens)"),
                );
            } else if rubric.iter().any(|r: &RubricItem| &r.id == rid) {
                item.problem("id", format!("duplicate rubric id \"{rid}\""));
            }
        }
        let stage = stage_of(&item);
        let weight = item.integer("weight", 1..=3);
        let point = item.string("point");
        let concepts = item.strings("concepts", true);
        for (i, concept) in concepts.iter().enumerate() {
            if concept.split('|').any(|alt| alt.trim().is_empty()) {
                doc.push(
                    item.line("concepts"),
                    &format!("{}[{i}]", item.field("concepts")),
                    format!("\"{concept}\" has an empty alternative (separate phrasings with a single |)"),
                );
            }
        }
        let level = item
            .opt_choice("level", "level", &Seniority::NAMES)
            .and_then(|l| Seniority::parse(&l));
        item.finish();
        if let (Some(id), Some(stage), Some(weight), Some(point)) = (rid, stage, weight, point) {
            rubric.push(RubricItem {
                id,
                stage,
                weight: weight as u8,
                point,
                concepts,
                level,
            });
        }
    }

    let mut facts = Vec::new();
    for fact in root.tables("facts", false) {
        let keywords = fact.strings("keywords", true);
        let answer = fact.string("answer");
        fact.finish();
        if let Some(answer) = answer {
            facts.push(Fact { keywords, answer });
        }
    }

    let mut followups = Vec::new();
    for f in root.tables("followups", false) {
        let stage = stage_of(&f);
        let ask = f.string("ask");
        let probes = f.opt_string("rubric");
        if let Some(r) = &probes
            && !rubric_ids.contains(r)
        {
            f.problem(
                "rubric",
                format!(
                    "no rubric item \"{r}\" (expected one of {})",
                    rubric_ids.join(", ")
                ),
            );
        }
        f.finish();
        if let (Some(stage), Some(ask)) = (stage, ask) {
            followups.push(Followup {
                stage,
                ask,
                rubric: probes,
            });
        }
    }

    let mut hints = Vec::new();
    for h in root.tables("hints", false) {
        let stage = stage_of(&h);
        let text = h.string("text");
        h.finish();
        if let (Some(stage), Some(text)) = (stage, text) {
            hints.push(Hint { stage, text });
        }
    }
    root.finish();

    // Every stage needs at least one rubric item, or its score would be undefined.
    if let (Some(kind), false) = (kind, doc.has_problems()) {
        let uncovered: Vec<&str> = frameworks
            .get(kind)
            .stage_ids()
            .into_iter()
            .filter(|s| !rubric.iter().any(|r| r.stage == *s))
            .collect();
        if !uncovered.is_empty() {
            doc.push(
                root.line("rubric"),
                "rubric",
                format!(
                    "no rubric item for stage {} (every {kind} stage needs at least one)",
                    uncovered.join(", ")
                ),
            );
        }
    }

    if doc.has_problems() {
        return Err(doc.into_problems());
    }
    let id_line = root.line("id");
    let number_line = root.line("number");
    let question = Question {
        id: id.expect("checked"),
        number: number.expect("checked") as u32,
        title: title.expect("checked"),
        level: level.expect("checked"),
        kind: kind.expect("checked"),
        topics,
        minutes: minutes.expect("checked") as u32,
        prompt: prompt.expect("checked").trim().to_owned(),
        reference: reference.expect("checked").trim().to_owned(),
        rubric,
        facts,
        followups,
        hints,
        pitfalls,
        origin,
    };
    Ok((question, display.to_owned(), id_line, number_line))
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
