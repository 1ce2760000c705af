//! A parser for the Mermaid flowchart subset people write for architecture diagrams:
//!
//! - a header `flowchart` or `graph`, optionally with a direction `LR`, `RL`, `TD`, `TB`, `BT`;
//! - nodes `id`, `id[label]`, `id(label)`, `id([label])` (stadium), `id[(label)]` (database),
//!   `id[[label]]` (subroutine, often a queue), `id((label))` (circle), `id{label}` (decision),
//!   `id>label]` (flag); labels may be quoted (`id["Posts (Cassandra)"]`);
//! - edges `-->`, `---`, `-.->`, `==>` (longer runs of `-` or `=` too), labelled `-->|label|`,
//!   `-- label -->`, `-. label .->` or `== label ==>`; chains `a --> b --> c` and groups
//!   `a & b --> c`;
//! - `subgraph id [title]` … `end`, `%%` comments, `;` between statements.
//!
//! Anything else is an error naming the line and column and what was expected.

use std::fmt;

/// The most nodes a diagram may have: a whiteboard, not a data-centre inventory.
pub const MAX_NODES: usize = 200;
/// The most edges: `a & b & … --> c & d & …` multiplies, and every later step reads each edge.
pub const MAX_EDGES: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    LR,
    RL,
    TD,
    BT,
}

impl Direction {
    /// Whether flows run sideways (left to right or right to left).
    pub fn horizontal(self) -> bool {
        matches!(self, Direction::LR | Direction::RL)
    }
}

/// The drawn shape of a node, which says something about what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// `id` or `id[label]`
    Box,
    /// `id(label)`
    Rounded,
    /// `id([label])`: often a client or an end point.
    Stadium,
    /// `id[(label)]`: a database or storage.
    Cylinder,
    /// `id[[label]]`: a subroutine; often drawn for a queue or topic.
    Subroutine,
    /// `id((label))`
    Circle,
    /// `id{label}`
    Decision,
    /// `id>label]`
    Flag,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Node {
    pub id: String,
    pub label: String,
    pub shape: Shape,
    /// The subgraph it was first placed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// How an edge is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    /// `-->`
    Arrow,
    /// `---`: a link without direction.
    Open,
    /// `-.->`: often an asynchronous flow.
    Dotted,
    /// `==>`: often the hot path.
    Thick,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub line: Line,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagram {
    pub direction: Direction,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Diagram {
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The label of node `id`, or the id itself for a node the diagram lacks.
    pub fn label_of(&self, id: &str) -> String {
        self.node(id).map_or(id.to_owned(), |n| n.label.clone())
    }
}

/// Where a diagram stops making sense, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DiagramError {
    /// 1-based, within the diagram's text.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for DiagramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Parses a Mermaid flowchart.
pub fn parse(text: &str) -> Result<Diagram, DiagramError> {
    let mut parser = Parser {
        diagram: Diagram {
            direction: Direction::TD,
            nodes: Vec::new(),
            edges: Vec::new(),
        },
        groups: Vec::new(),
    };
    let mut header = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let chars: Vec<char> = raw.chars().collect();
        let mut cur = Cursor {
            chars: &chars,
            at: 0,
            line: line_no,
        };
        cur.skip_space();
        if cur.done() || cur.starts_with("%%") {
            continue;
        }
        if !header {
            // `graph LR; a --> b` puts statements on the header's line.
            parser.header(&mut cur)?;
            header = true;
        }
        // Statements separated by `;`.
        loop {
            cur.skip_space();
            if cur.done() || cur.starts_with("%%") {
                break;
            }
            parser.statement(&mut cur)?;
            cur.skip_space();
            if cur.eat(';') {
                continue;
            }
            if !cur.done() && !cur.starts_with("%%") {
                return Err(cur.error("expected the end of the line, `;` or an edge such as `-->`"));
            }
            break;
        }
    }
    if !header {
        return Err(DiagramError {
            line: 1,
            column: 1,
            message: "expected `flowchart LR` (or `graph TD`) to start the diagram".into(),
        });
    }
    if let Some((_, line)) = parser.groups.last() {
        return Err(DiagramError {
            line: *line,
            column: 1,
            message: "this `subgraph` has no `end`".into(),
        });
    }
    if parser.diagram.nodes.is_empty() {
        return Err(DiagramError {
            line: text.lines().count().max(1),
            column: 1,
            message: "the diagram has no nodes: after the header, add flows such as `api --> db[(Users DB)]`".into(),
        });
    }
    Ok(parser.diagram)
}

struct Cursor<'a> {
    chars: &'a [char],
    at: usize,
    line: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.at >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.at + i) == Some(&c))
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        if self.starts_with(s) {
            self.at += s.chars().count();
            true
        } else {
            false
        }
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn error(&self, message: &str) -> DiagramError {
        DiagramError {
            line: self.line,
            column: self.at + 1,
            message: message.to_owned(),
        }
    }

    fn word(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(|c| {
            c.is_alphanumeric()
                || c == '_'
                || c == '-' && self.peek_at(1).is_some_and(|n| n.is_alphanumeric())
        }) {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn rest(&self) -> String {
        self.chars[self.at..].iter().collect()
    }
}

struct Parser {
    diagram: Diagram,
    /// Open subgraphs: (title, line).
    groups: Vec<(String, usize)>,
}

/// Words that start a statement Mermaid has but this subset does not.
const UNSUPPORTED: &[&str] = &[
    "classDef",
    "class",
    "style",
    "linkStyle",
    "click",
    "direction",
];

impl Parser {
    fn header(&mut self, cur: &mut Cursor<'_>) -> Result<(), DiagramError> {
        let word = cur.word();
        if word != "flowchart" && word != "graph" {
            return Err(DiagramError {
                line: cur.line,
                column: 1,
                message: "expected `flowchart LR` (or `graph TD`) to start the diagram".into(),
            });
        }
        cur.skip_space();
        if cur.done() {
            return Ok(());
        }
        let at = cur.at;
        let dir = cur.word();
        self.diagram.direction = match dir.as_str() {
            "LR" => Direction::LR,
            "RL" => Direction::RL,
            "TD" | "TB" => Direction::TD,
            "BT" => Direction::BT,
            _ => {
                cur.at = at;
                return Err(cur.error("expected a direction: LR, RL, TD, TB or BT"));
            }
        };
        cur.skip_space();
        if !cur.done() && !cur.eat(';') && !cur.starts_with("%%") {
            return Err(cur.error("expected the end of the line (or `;`) after the direction"));
        }
        Ok(())
    }

    fn statement(&mut self, cur: &mut Cursor<'_>) -> Result<(), DiagramError> {
        let at = cur.at;
        let first = cur.word();
        match first.as_str() {
            "subgraph" => {
                cur.skip_space();
                let title = cur.rest().trim().trim_matches('"').to_owned();
                let title = match title.split_once('[') {
                    Some((_, t)) => t.trim_end_matches(']').trim_matches('"').to_owned(),
                    None => title,
                };
                if title.is_empty() {
                    return Err(cur.error("expected a name after `subgraph`"));
                }
                self.groups.push((title, cur.line));
                cur.at = cur.chars.len();
                return Ok(());
            }
            "end" => {
                cur.skip_space();
                if cur.done() || cur.peek() == Some(';') {
                    if self.groups.pop().is_none() {
                        cur.at = at;
                        return Err(cur.error("`end` without a `subgraph` to close"));
                    }
                    return Ok(());
                }
                cur.at = at;
            }
            w if UNSUPPORTED.contains(&w) => {
                cur.at = at;
                return Err(cur.error(&format!(
                    "`{w}` is not supported here: rehearse reads nodes, edges and subgraphs; remove styling lines"
                )));
            }
            _ => cur.at = at,
        }
        let mut left = self.group(cur)?;
        loop {
            cur.skip_space();
            let Some((line, label)) = self.edge(cur)? else {
                break;
            };
            cur.skip_space();
            let right = self.group(cur)?;
            if self.diagram.edges.len() + left.len() * right.len() > MAX_EDGES {
                return Err(cur.error(&format!(
                    "more than {MAX_EDGES} flows: draw the architecture, not every connection"
                )));
            }
            for from in &left {
                for to in &right {
                    self.diagram.edges.push(Edge {
                        from: from.clone(),
                        to: to.clone(),
                        label: label.clone(),
                        line,
                    });
                }
            }
            left = right;
        }
        Ok(())
    }

    /// `node (& node)*`
    fn group(&mut self, cur: &mut Cursor<'_>) -> Result<Vec<String>, DiagramError> {
        let mut ids = vec![self.node(cur)?];
        loop {
            let at = cur.at;
            cur.skip_space();
            if cur.eat('&') {
                cur.skip_space();
                let id = self.node(cur)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            } else {
                cur.at = at;
                return Ok(ids);
            }
        }
    }

    fn node(&mut self, cur: &mut Cursor<'_>) -> Result<String, DiagramError> {
        let id = cur.word();
        if id.is_empty() || !id.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            return Err(cur.error(
                "expected a node id (letters, digits, `_`), such as `api` or `db[(Users DB)]`",
            ));
        }
        let shape = if cur.starts_with("([") {
            Some((Shape::Stadium, "([", "])"))
        } else if cur.starts_with("[(") {
            Some((Shape::Cylinder, "[(", ")]"))
        } else if cur.starts_with("[[") {
            Some((Shape::Subroutine, "[[", "]]"))
        } else if cur.starts_with("((") {
            Some((Shape::Circle, "((", "))"))
        } else if cur.starts_with("[") {
            Some((Shape::Box, "[", "]"))
        } else if cur.starts_with("(") {
            Some((Shape::Rounded, "(", ")"))
        } else if cur.starts_with("{") {
            Some((Shape::Decision, "{", "}"))
        } else if cur.starts_with(">") {
            Some((Shape::Flag, ">", "]"))
        } else {
            None
        };
        let defined = match shape {
            Some((shape, open, close)) => {
                cur.eat_str(open);
                let label = self.label(cur, close)?;
                Some((shape, label))
            }
            None => None,
        };
        let group = self.groups.last().map(|(t, _)| t.clone());
        match self.diagram.nodes.iter_mut().find(|n| n.id == id) {
            Some(node) => {
                // A later definition relabels the node, as in Mermaid.
                if let Some((shape, label)) = defined {
                    node.shape = shape;
                    node.label = label;
                }
            }
            None => {
                if self.diagram.nodes.len() >= MAX_NODES {
                    return Err(cur.error(&format!(
                        "more than {MAX_NODES} nodes: draw the architecture, not every instance"
                    )));
                }
                let (shape, label) = defined.unwrap_or((Shape::Box, id.clone()));
                self.diagram.nodes.push(Node {
                    id: id.clone(),
                    label,
                    shape,
                    group,
                });
            }
        }
        Ok(id)
    }

    /// A label up to `close`, quoted or not.
    fn label(&mut self, cur: &mut Cursor<'_>, close: &str) -> Result<String, DiagramError> {
        let start = cur.at;
        cur.skip_space();
        let label = if cur.eat('"') {
            let from = cur.at;
            while !cur.done() && cur.peek() != Some('"') {
                cur.at += 1;
            }
            if !cur.eat('"') {
                cur.at = start;
                return Err(cur.error("this quoted label has no closing `\"`"));
            }
            let text: String = cur.chars[from..cur.at - 1].iter().collect();
            cur.skip_space();
            text
        } else {
            let from = cur.at;
            while !cur.done() && !cur.starts_with(close) {
                if matches!(
                    cur.peek(),
                    Some('[' | ']' | '(' | ')' | '{' | '}' | '"' | '|')
                ) {
                    return Err(cur.error(&format!(
                        "unexpected `{}` in a label: put labels with brackets or quotes in double quotes, e.g. [\"Posts (Cassandra)\"]",
                        cur.peek().unwrap_or(' ')
                    )));
                }
                cur.at += 1;
            }
            cur.chars[from..cur.at].iter().collect()
        };
        if !cur.eat_str(close) {
            return Err(cur.error(&format!("expected `{close}` to close the label")));
        }
        Ok(label.trim().to_owned())
    }

    /// An edge operator and its label, if one starts here.
    #[allow(clippy::type_complexity)]
    fn edge(
        &mut self,
        cur: &mut Cursor<'_>,
    ) -> Result<Option<(Line, Option<String>)>, DiagramError> {
        let start = cur.at;
        let count = |cur: &Cursor<'_>, c: char| {
            let mut n = 0;
            while cur.peek_at(n) == Some(c) {
                n += 1;
            }
            n
        };
        let (line, mut label) = if cur.starts_with("-.") {
            // `-.->` or `-. label .->`
            cur.at += 2;
            while cur.eat('.') {}
            // `-.->` (an arrow) or `-.-` (a dotted line)
            if cur.eat_str("->") || cur.eat('-') {
                (Line::Dotted, None)
            } else {
                let text = self.inline_label(cur, &[".->", ".-"])?;
                (Line::Dotted, Some(text))
            }
        } else if cur.peek() == Some('=') && count(cur, '=') >= 2 {
            let n = count(cur, '=');
            cur.at += n;
            if cur.eat('>') {
                (Line::Thick, None)
            } else if n == 2 && cur.peek() == Some(' ') {
                let text = self.inline_label(cur, &["==>", "=="])?;
                (Line::Thick, Some(text))
            } else {
                return Err(cur.error("expected `==>`"));
            }
        } else if cur.peek() == Some('-') && count(cur, '-') >= 2 {
            let n = count(cur, '-');
            cur.at += n;
            if cur.eat('>') {
                (Line::Arrow, None)
            } else if n >= 3 {
                (Line::Open, None)
            } else if cur.peek() == Some(' ') {
                // `-- label -->` or `-- label ---`
                let before = cur.at;
                let text = self.inline_label(cur, &["-->", "---"])?;
                let closed_open = cur.chars[before..cur.at]
                    .iter()
                    .collect::<String>()
                    .ends_with("---");
                (
                    if closed_open { Line::Open } else { Line::Arrow },
                    Some(text),
                )
            } else {
                return Err(cur.error("expected `-->`, `---` or `-- label -->`"));
            }
        } else {
            cur.at = start;
            return Ok(None);
        };
        if cur.eat('|') {
            let from = cur.at;
            while !cur.done() && cur.peek() != Some('|') {
                cur.at += 1;
            }
            if !cur.eat('|') {
                return Err(cur.error("this edge label has no closing `|`"));
            }
            let text: String = cur.chars[from..cur.at - 1].iter().collect();
            label = Some(text.trim().trim_matches('"').trim().to_owned());
        }
        Ok(Some((line, label.filter(|l| !l.is_empty()))))
    }

    /// The text of `-- text -->` up to one of `ends`, which is consumed.
    fn inline_label(
        &mut self,
        cur: &mut Cursor<'_>,
        ends: &[&str],
    ) -> Result<String, DiagramError> {
        let from = cur.at;
        while !cur.done() {
            if let Some(end) = ends.iter().find(|e| cur.starts_with(e)) {
                let text: String = cur.chars[from..cur.at].iter().collect();
                cur.eat_str(end);
                // `-- label --->`: extra dashes belong to the arrow.
                while cur.peek() == Some('-') || cur.peek() == Some('=') {
                    cur.at += 1;
                }
                cur.eat('>');
                return Ok(text.trim().trim_matches('"').trim().to_owned());
            }
            cur.at += 1;
        }
        cur.at = from;
        Err(cur.error(&format!("this edge label has no `{}` after it", ends[0])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(d: &Diagram) -> Vec<String> {
        d.edges
            .iter()
            .map(|e| {
                format!(
                    "{} {:?} {}{}",
                    e.from,
                    e.line,
                    e.to,
                    e.label
                        .as_ref()
                        .map(|l| format!(" [{l}]"))
                        .unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn the_subset_people_write_parses() {
        let d = parse(
            "flowchart LR\n\
             %% the read path\n\
             client([Browser]) -->|GET /code| lb[Load balancer]\n\
             lb --> api[\"URL service (stateless)\"] --> cache[(Redis)]\n\
             api -- miss --> db[(Links DB)]\n\
             api -.->|click| q[[Kafka]]\n\
             q -. batch .-> agg(Aggregator)\n\
             a & b ==> c((Hub))\n\
             c --- d{Decide?}; d --> e>Flag]\n\
             subgraph Storage\n\
               s3[(S3)] --> cdn\n\
             end\n",
        )
        .unwrap();
        assert_eq!(d.direction, Direction::LR);
        assert_eq!(
            edges(&d),
            [
                "client Arrow lb [GET /code]",
                "lb Arrow api",
                "api Arrow cache",
                "api Arrow db [miss]",
                "api Dotted q [click]",
                "q Dotted agg [batch]",
                "a Thick c",
                "b Thick c",
                "c Open d",
                "d Arrow e",
                "s3 Arrow cdn",
            ]
        );
        let node = |id: &str| d.node(id).unwrap().clone();
        assert_eq!(node("api").label, "URL service (stateless)");
        assert_eq!(node("cache").shape, Shape::Cylinder);
        assert_eq!(node("q").shape, Shape::Subroutine);
        assert_eq!(node("client").shape, Shape::Stadium);
        assert_eq!(node("e").shape, Shape::Flag);
        assert_eq!(node("a").label, "a");
        assert_eq!(node("s3").group.as_deref(), Some("Storage"));
    }

    #[test]
    fn mistakes_name_the_line_column_and_what_was_expected() {
        let cases = [
            (
                "graph XY\n",
                "line 1, column 7: expected a direction: LR, RL, TD, TB or BT",
            ),
            (
                "flowchart LR\na --> \n",
                "line 2, column 7: expected a node id",
            ),
            (
                "flowchart LR\na[Label (x)] --> b\n",
                "line 2, column 9: unexpected `(` in a label",
            ),
            (
                "flowchart LR\na -> b\n",
                "line 2, column 3: expected the end of the line",
            ),
            (
                "flowchart LR\nsubgraph S\na --> b\n",
                "line 2, column 1: this `subgraph` has no `end`",
            ),
            (
                "flowchart LR\nclassDef hot fill:#f00\n",
                "line 2, column 1: `classDef` is not supported",
            ),
            ("a --> b\n", "line 1, column 1: expected `flowchart LR`"),
            (
                "flowchart LR\n",
                "line 1, column 1: the diagram has no nodes",
            ),
            (
                "graph LR x\n",
                "line 1, column 10: expected the end of the line (or `;`)",
            ),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.starts_with(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn statements_may_follow_the_header_and_groups_do_not_repeat_edges() {
        let d = parse("graph LR; a --> b; a & a & b --> c").unwrap();
        assert_eq!(edges(&d), ["a Arrow b", "a Arrow c", "b Arrow c"]);
        let mut wide = String::from("flowchart LR\n");
        wide.push_str(
            &(0..40)
                .map(|i| format!("l{i}"))
                .collect::<Vec<_>>()
                .join(" & "),
        );
        wide.push_str(" --> ");
        wide.push_str(
            &(0..40)
                .map(|i| format!("r{i}"))
                .collect::<Vec<_>>()
                .join(" & "),
        );
        let err = parse(&wide).unwrap_err();
        assert!(err.message.contains("more than 1000 flows"), "{err}");
    }

    #[test]
    fn more_than_two_hundred_nodes_are_refused() {
        let mut text = String::from("flowchart LR\n");
        for i in 0..=MAX_NODES {
            text.push_str(&format!("n{i} --> n{}\n", i + 1));
        }
        assert!(
            parse(&text)
                .unwrap_err()
                .message
                .contains("more than 200 nodes")
        );
    }
}
