//! Architecture diagrams: a Mermaid flowchart subset ([`parse`]), read as a component graph
//! (each node's kind from its label and shape, by `data/components.toml`), compared with the
//! question's reference architecture (kinds it lacks, warnings a reviewer would raise), shown
//! as text, turned into evidence for the scorers, and drawn as SVG ([`render`]).

pub mod parse;
pub mod render;

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use toml_spanner::{Context, Failed, FromToml, Item};

pub use parse::{Diagram, DiagramError, Direction, Edge, Line, Node, Shape};

use crate::tomlread::{self, List, Text, field, finish, opt_field};

pub const COMPONENTS_FILE: &str = "data/components.toml";

/// One kind rule of `data/components.toml`.
#[derive(Debug, Clone)]
struct KindRule {
    name: String,
    words: Vec<Vec<String>>,
    shape: Option<Shape>,
}

static KINDS: LazyLock<Vec<KindRule>> =
    LazyLock::new(|| crate::embedded::parse_data(COMPONENTS_FILE, parse_kinds));

struct RawKind(KindRule);

impl tomlread::Expected for RawKind {
    fn expected() -> String {
        "[[kind]] tables".into()
    }
}

fn shape_named(name: &str) -> Option<Shape> {
    Some(match name {
        "box" => Shape::Box,
        "rounded" => Shape::Rounded,
        "stadium" => Shape::Stadium,
        "cylinder" => Shape::Cylinder,
        "subroutine" => Shape::Subroutine,
        "circle" => Shape::Circle,
        "decision" => Shape::Decision,
        "flag" => Shape::Flag,
        _ => return None,
    })
}

impl<'de> FromToml<'de> for RawKind {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let name = field::<Text>(&mut th, "name");
        let words = field::<List<Text>>(&mut th, "words");
        let shape = opt_field::<Text>(&mut th, "shape");
        finish(th, &["name", "words", "shape"]);
        Ok(RawKind(KindRule {
            name: name.ok_or(Failed)?.0,
            words: words
                .ok_or(Failed)?
                .0
                .into_iter()
                .map(|w| words_of(&w.0))
                .collect(),
            shape: shape.and_then(|s| shape_named(&s.0)),
        }))
    }
}

struct RawKinds(Vec<KindRule>);

impl<'de> FromToml<'de> for RawKinds {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let kinds = field::<List<RawKind>>(&mut th, "kind");
        finish(th, &["kind"]);
        Ok(RawKinds(
            kinds.ok_or(Failed)?.0.into_iter().map(|k| k.0).collect(),
        ))
    }
}

fn parse_kinds(file: &str, text: &str) -> Result<Vec<KindRule>, Vec<tomlread::Problem>> {
    let arena = toml_spanner::Arena::new();
    match tomlread::read::<RawKinds>(file, text, &arena) {
        (Some(raw), problems) if problems.is_empty() => Ok(raw.0),
        (_, problems) => Err(tomlread::tidy(problems)),
    }
}

/// Lowercase words, split at anything that is not a letter or digit.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The kind of component a node is: the first rule a word of its label (or id) names, else its
/// shape's, else `service`.
pub fn kind_of(node: &Node) -> &'static str {
    let label = words_of(&format!("{} {}", node.label, node.id.replace('_', " ")));
    let named = KINDS.iter().find(|k| {
        k.words
            .iter()
            .any(|w| !w.is_empty() && label.windows(w.len()).any(|win| win == w.as_slice()))
    });
    let by_shape = || KINDS.iter().find(|k| k.shape == Some(node.shape));
    // The table is a static: its names live for the whole program.
    named
        .or_else(by_shape)
        .map_or("service", |k| k.name.as_str())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub id: String,
    pub label: String,
    pub kind: String,
}

/// What the scorecard says about a candidate's diagram (design §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagramCard {
    pub nodes: usize,
    pub edges: usize,
    pub components: Vec<Component>,
    /// Kinds of component the reference architecture has and this diagram lacks.
    pub missing: Vec<String>,
    /// What a reviewer would point out.
    pub warnings: Vec<String>,
}

/// Kinds too general to be "missing" (every design has services).
const GENERAL: &[&str] = &["service"];

/// Words in a database's label (or another node's) that say it is not alone.
const REPLICATED: &[&str] = &[
    "replica",
    "replicas",
    "replicated",
    "replication",
    "follower",
    "followers",
    "shard",
    "shards",
    "sharded",
    "cluster",
    "clustered",
    "primary",
    "standby",
    "multi",
    "quorum",
    "partitioned",
    "partitions",
];

/// Reviews `diagram` against the question's `reference` architecture.
pub fn review(diagram: &Diagram, reference: Option<&Diagram>) -> DiagramCard {
    let components: Vec<Component> = diagram
        .nodes
        .iter()
        .map(|n| Component {
            id: n.id.clone(),
            label: n.label.clone(),
            kind: kind_of(n).to_owned(),
        })
        .collect();
    let has = |kind: &str| components.iter().any(|c| c.kind == kind);
    let mut missing: Vec<String> = Vec::new();
    if let Some(reference) = reference {
        for node in &reference.nodes {
            let kind = kind_of(node);
            if !GENERAL.contains(&kind) && !has(kind) && !missing.iter().any(|m| m == kind) {
                missing.push(kind.to_owned());
            }
        }
    }
    DiagramCard {
        nodes: diagram.nodes.len(),
        edges: diagram.edges.len(),
        warnings: warnings(diagram, &components),
        components,
        missing,
    }
}

fn warnings(diagram: &Diagram, components: &[Component]) -> Vec<String> {
    let kind = |id: &str| {
        components
            .iter()
            .find(|c| c.id == id)
            .map_or("service", |c| c.kind.as_str())
    };
    let mut out = Vec::new();
    // A single database, with nothing saying it is replicated, that something writes to.
    let databases: Vec<&Component> = components.iter().filter(|c| c.kind == "database").collect();
    let replicated = |c: &Component| {
        let words = words_of(&c.label);
        REPLICATED.iter().any(|r| words.iter().any(|w| w == r))
    };
    let anyone_replicas = diagram.nodes.iter().any(|n| {
        words_of(&n.label)
            .iter()
            .any(|w| REPLICATED.contains(&w.as_str()))
    });
    // Written to: an arrow into it, or a link without direction.
    let written = |db: &Component| {
        diagram
            .edges
            .iter()
            .any(|e| e.to == db.id || (e.line == Line::Open && e.from == db.id))
    };
    if let [db] = databases.as_slice()
        && !replicated(db)
        && !anyone_replicas
        && written(db)
    {
        out.push(format!(
            "One database ({}) and no replica: every write depends on a single machine. What happens when it fails?",
            db.label
        ));
    }
    for e in &diagram.edges {
        let (a, b) = (kind(&e.from), kind(&e.to));
        if a == "client" && b == "database" {
            out.push(format!(
                "{} talks straight to {}: clients usually go through a service that checks and shapes what they send.",
                diagram.label_of(&e.from),
                diagram.label_of(&e.to)
            ));
        }
    }
    for n in &diagram.nodes {
        if !diagram.edges.iter().any(|e| e.from == n.id || e.to == n.id) {
            out.push(format!(
                "{} has no connection: what talks to it, and what does it talk to?",
                n.label
            ));
        }
    }
    out
}

/// The flows of a diagram as sentences: what the scorers read as evidence ("diagram: URL
/// service --> Redis cache (read code)").
pub fn flows(diagram: &Diagram) -> Vec<String> {
    diagram
        .edges
        .iter()
        .map(|e| {
            let arrow = match e.line {
                Line::Open => "---",
                Line::Dotted => "-.->",
                Line::Thick => "==>",
                Line::Arrow => "-->",
            };
            let what = e
                .label
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            format!(
                "diagram: {} {arrow} {}{what}",
                diagram.label_of(&e.from),
                diagram.label_of(&e.to)
            )
        })
        .collect()
}

/// A compact text view: components by kind, then flows.
pub fn text_view(diagram: &Diagram) -> String {
    let mut by_kind: Vec<(&'static str, Vec<&str>)> = Vec::new();
    for n in &diagram.nodes {
        let kind = kind_of(n);
        match by_kind.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, labels)) => labels.push(&n.label),
            None => by_kind.push((kind, vec![&n.label])),
        }
    }
    let mut out = format!(
        "{} component(s), {} flow(s)\n",
        diagram.nodes.len(),
        diagram.edges.len()
    );
    for (kind, labels) in by_kind {
        out.push_str(&format!(
            "  {}: {}\n",
            kind.replace('_', " "),
            labels.join(", ")
        ));
    }
    if !diagram.edges.is_empty() {
        out.push_str("Flows:\n");
        for f in flows(diagram) {
            out.push_str(&format!("  {}\n", f.trim_start_matches("diagram: ")));
        }
    }
    out
}

/// An answer's diagram, found in a ```mermaid fenced block.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The block's text.
    pub source: String,
    /// The parsed diagram, or what is wrong with it (lines counted in the answer file).
    pub parsed: Result<Diagram, DiagramError>,
}

/// Takes the last ```mermaid block out of `text`: returns the text without any such block, and
/// the block.
pub fn extract(text: &str) -> (String, Option<Found>) {
    let mut rest = String::new();
    let mut found: Option<(usize, String)> = None;
    let mut block: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        match &mut block {
            Some((_, source)) => {
                if trimmed.starts_with("```") {
                    found = block.take();
                } else if trimmed.starts_with('#') {
                    // A block left open ends at the next Markdown heading (no Mermaid line
                    // starts with `#`): the rest of the answer is prose, and is scored.
                    found = block.take();
                    rest.push_str(line);
                    rest.push('\n');
                } else {
                    source.push_str(line);
                    source.push('\n');
                }
            }
            None if trimmed.starts_with("```mermaid") => block = Some((i + 1, String::new())),
            None => {
                rest.push_str(line);
                rest.push('\n');
            }
        }
    }
    // An unclosed block still counts as the diagram.
    let found = block.or(found);
    (
        rest,
        found.map(|(fence, source)| Found {
            parsed: parse::parse(&source).map_err(|mut e| {
                e.line += fence;
                e
            }),
            source,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_labels_then_shapes() {
        let d = parse::parse(
            "flowchart LR\n\
             u([Users]) --> lb[LB] --> api[Timeline service]\n\
             api --> c[(Redis)] \n\
             api --> db[(Posts)]\n\
             api -.-> q[[fanout]]\n\
             q --> w[Fan-out workers]\n\
             api --> s3[Media bucket]\n\
             api --> es[Search index]\n\
             w --> apns[APNs]\n",
        )
        .unwrap();
        let kinds: Vec<(&str, &str)> = d
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), kind_of(n)))
            .collect();
        assert_eq!(
            kinds,
            [
                ("u", "client"),
                ("lb", "load_balancer"),
                ("api", "service"),
                ("c", "cache"),
                ("db", "database"),
                ("q", "worker"),
                ("w", "worker"),
                ("s3", "object_storage"),
                ("es", "search_index"),
                ("apns", "external"),
            ]
        );
    }

    #[test]
    fn the_review_lists_missing_kinds_and_warns_like_a_reviewer() {
        let reference = parse::parse(
            "flowchart LR\nc([Client]) --> lb[LB] --> api[API] --> cache[(Redis cache)]\napi --> db[(DB, replicas)]\napi -.-> k[[Kafka]]\n",
        )
        .unwrap();
        let candidate = parse::parse(
            "flowchart LR\nc([Client]) --> api[API] --> db[(Postgres)]\nc --> db\norphan[Metrics]\n",
        )
        .unwrap();
        let card = review(&candidate, Some(&reference));
        assert_eq!(card.missing, ["load_balancer", "cache", "queue"]);
        assert!(
            card.warnings[0].starts_with("One database (Postgres) and no replica"),
            "{:?}",
            card.warnings
        );
        assert!(
            card.warnings
                .iter()
                .any(|w| w.starts_with("Client talks straight to Postgres"))
        );
        assert!(
            card.warnings
                .iter()
                .any(|w| w.starts_with("Metrics has no connection"))
        );
        assert_eq!((card.nodes, card.edges), (4, 3));
    }

    #[test]
    fn a_mermaid_block_is_taken_out_of_the_answer_with_file_line_numbers() {
        let text =
            "## Design\nWe cache reads.\n\n```mermaid\nflowchart LR\na --> \n```\nMore text.\n";
        let (rest, found) = extract(text);
        assert_eq!(rest, "## Design\nWe cache reads.\n\nMore text.\n");
        let err = found.unwrap().parsed.unwrap_err();
        assert_eq!(err.line, 6, "{err}");

        let unclosed =
            "Intro.\n```mermaid\nflowchart LR\na --> b\n## Deep dive\nCodes come from a counter.\n";
        let (rest, found) = extract(unclosed);
        assert_eq!(rest, "Intro.\n## Deep dive\nCodes come from a counter.\n");
        assert_eq!(found.unwrap().parsed.unwrap().edges.len(), 1);
    }
}
