//! Draws a diagram as an inline SVG: a small layered layout of our own (no crate: the pure-Rust
//! Mermaid renderers pull in font and layout stacks far bigger than this needs, and an
//! architecture diagram of a few dozen boxes lays out well enough in layers).
//!
//! Layers follow the flow (longest path from the sources, edges that close a cycle ignored for
//! layering); nodes within a layer are ordered by the mean position of their neighbours, a few
//! sweeps each way; shapes follow Mermaid's (cylinder for a database, double box for a
//! subroutine, stadium, circle, diamond, flag). Every label is XML-escaped; nothing is fetched
//! and nothing runs.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::parse::{Diagram, Direction, Line, Shape};

const BOX_H: f64 = 44.0;
const GAP_LAYER: f64 = 70.0;
const GAP_NODE: f64 = 26.0;
const CHAR_W: f64 = 6.6;
const MAX_LINE: usize = 24;
const MARGIN: f64 = 16.0;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A label broken into lines of at most [`MAX_LINE`] characters, at most three lines.
fn label_lines(label: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in label.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= MAX_LINE => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.chars().take(MAX_LINE).collect()),
        }
    }
    if lines.len() > 3 {
        lines.truncate(3);
        lines[2].push('…');
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

struct Placed {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    lines: Vec<String>,
    shape: Shape,
}

/// Layers by longest path from the sources; a back edge (one that closes a cycle in depth-first
/// order) does not push its target down.
fn layers(diagram: &Diagram, index: &HashMap<&str, usize>) -> Vec<usize> {
    let n = diagram.nodes.len();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &diagram.edges {
        if let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str()))
            && a != b
        {
            out_edges[a].push(b);
        }
    }
    // Depth-first order marks back edges.
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut forward: Vec<Vec<usize>> = vec![Vec::new(); n];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some((v, i)) = stack.pop() {
            if i < out_edges[v].len() {
                stack.push((v, i + 1));
                let w = out_edges[v][i];
                match state[w] {
                    0 => {
                        forward[v].push(w);
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    2 => forward[v].push(w),
                    _ => {} // back edge
                }
            } else {
                state[v] = 2;
            }
        }
    }
    // Longest path over the forward edges (a DAG), in a bounded number of rounds.
    let mut layer = vec![0usize; n];
    for _ in 0..n {
        let mut changed = false;
        for v in 0..n {
            for &w in &forward[v] {
                if layer[w] < layer[v] + 1 {
                    layer[w] = layer[v] + 1;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    layer
}

/// Renders `diagram` as an SVG element (with `id` as its element id and `title` for screen
/// readers).
pub fn svg(diagram: &Diagram, id: &str, title: &str) -> String {
    let index: HashMap<&str, usize> = diagram
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let layer = layers(diagram, &index);
    let depth = layer.iter().copied().max().map_or(0, |m| m + 1);
    // Order within each layer: first appearance, then barycentre sweeps.
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (i, &l) in layer.iter().enumerate() {
        rows[l].push(i);
    }
    let neighbours: Vec<Vec<usize>> = (0..diagram.nodes.len())
        .map(|i| {
            diagram
                .edges
                .iter()
                .filter_map(|e| {
                    let (a, b) = (index.get(e.from.as_str())?, index.get(e.to.as_str())?);
                    if *a == i {
                        Some(*b)
                    } else if *b == i {
                        Some(*a)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .collect();
    for sweep in 0..4 {
        let mut position = vec![0.0f64; diagram.nodes.len()];
        for row in &rows {
            for (p, &v) in row.iter().enumerate() {
                position[v] = p as f64;
            }
        }
        let order: Vec<usize> = if sweep % 2 == 0 {
            (1..depth).collect()
        } else {
            (0..depth.saturating_sub(1)).rev().collect()
        };
        for l in order {
            let reference = if sweep % 2 == 0 { l - 1 } else { l + 1 };
            let mut keyed: Vec<(f64, usize)> = rows[l]
                .iter()
                .map(|&v| {
                    let near: Vec<f64> = neighbours[v]
                        .iter()
                        .filter(|&&u| layer[u] == reference)
                        .map(|&u| position[u])
                        .collect();
                    let key = if near.is_empty() {
                        position[v]
                    } else {
                        near.iter().sum::<f64>() / near.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            rows[l] = keyed.into_iter().map(|(_, v)| v).collect();
        }
    }
    // Sizes.
    let mut placed: Vec<Placed> = diagram
        .nodes
        .iter()
        .map(|n| {
            let lines = label_lines(&n.label);
            let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64;
            let w = (longest * CHAR_W + 28.0).max(70.0);
            let h = BOX_H + (lines.len().saturating_sub(1)) as f64 * 14.0;
            Placed {
                x: 0.0,
                y: 0.0,
                w,
                h,
                lines,
                shape: n.shape,
            }
        })
        .collect();
    let horizontal = diagram.direction.horizontal();
    // Layer extent along the flow, and each row's length across it.
    let layer_size: Vec<f64> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|&v| if horizontal { placed[v].w } else { placed[v].h })
                .fold(0.0, f64::max)
        })
        .collect();
    let row_lens: Vec<f64> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|&v| if horizontal { placed[v].h } else { placed[v].w })
                .sum::<f64>()
                + GAP_NODE * row.len().saturating_sub(1) as f64
        })
        .collect();
    let across = row_lens.iter().copied().fold(0.0, f64::max);
    let mut along = MARGIN;
    for (l, row) in rows.iter().enumerate() {
        let mut at = MARGIN + (across - row_lens[l]) / 2.0;
        for &v in row {
            let p = &mut placed[v];
            if horizontal {
                p.x = along + (layer_size[l] - p.w) / 2.0;
                p.y = at;
                at += p.h + GAP_NODE;
            } else {
                p.x = at;
                p.y = along + (layer_size[l] - p.h) / 2.0;
                at += p.w + GAP_NODE;
            }
        }
        along += layer_size[l] + GAP_LAYER;
    }
    let total_along = along - GAP_LAYER + MARGIN;
    let (width, height) = if horizontal {
        (total_along, across + 2.0 * MARGIN)
    } else {
        (across + 2.0 * MARGIN, total_along)
    };
    // Mirror for right-to-left and bottom-to-top.
    for p in &mut placed {
        match diagram.direction {
            Direction::RL => p.x = width - p.x - p.w,
            Direction::BT => p.y = height - p.y - p.h,
            _ => {}
        }
    }

    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"diagram\" id=\"{}\" role=\"img\" aria-label=\"{}\" width=\"{:.0}\" viewBox=\"0 0 {:.0} {:.0}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(id),
        escape(title),
        // Drawn at its natural size (the page shrinks it to fit, never enlarges it).
        width.max(1.0),
        width.max(1.0),
        height.max(1.0)
    );
    let _ = write!(
        out,
        "<defs><marker id=\"{}-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"arrow-head\"/></marker></defs>",
        escape(id)
    );
    let _ = write!(out, "<title>{}</title>", escape(title));
    for e in &diagram.edges {
        let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) else {
            continue;
        };
        let (pa, pb) = (&placed[a], &placed[b]);
        let (ca, cb) = (
            (pa.x + pa.w / 2.0, pa.y + pa.h / 2.0),
            (pb.x + pb.w / 2.0, pb.y + pb.h / 2.0),
        );
        let start = border(pa, cb);
        let end = border(pb, ca);
        let class = match e.line {
            Line::Dotted => "flow dotted",
            Line::Thick => "flow thick",
            Line::Open | Line::Arrow => "flow",
        };
        let marker = if e.line == Line::Open {
            String::new()
        } else {
            format!(" marker-end=\"url(#{}-arrow)\"", escape(id))
        };
        let _ = write!(
            out,
            "<line class=\"{class}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"{marker}/>",
            start.0, start.1, end.0, end.1
        );
        if let Some(label) = &e.label {
            let (mx, my) = ((start.0 + end.0) / 2.0, (start.1 + end.1) / 2.0);
            let _ = write!(
                out,
                "<text class=\"flow-label\" x=\"{mx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                my - 4.0,
                escape(&label_lines(label).join(" "))
            );
        }
    }
    for (p, n) in placed.iter().zip(&diagram.nodes) {
        let kind = super::kind_of(n);
        let _ = write!(out, "<g class=\"node {kind}\">");
        shape(&mut out, p);
        let first = p.y + p.h / 2.0 - (p.lines.len() as f64 - 1.0) * 7.0 + 4.0;
        for (i, line) in p.lines.iter().enumerate() {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                p.x + p.w / 2.0,
                first + i as f64 * 14.0,
                escape(line)
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// Where the line from the centre of `p` towards `towards` leaves its box.
fn border(p: &Placed, towards: (f64, f64)) -> (f64, f64) {
    let (cx, cy) = (p.x + p.w / 2.0, p.y + p.h / 2.0);
    let (dx, dy) = (towards.0 - cx, towards.1 - cy);
    if dx == 0.0 && dy == 0.0 {
        return (cx, cy);
    }
    let sx = if dx == 0.0 {
        f64::INFINITY
    } else {
        (p.w / 2.0) / dx.abs()
    };
    let sy = if dy == 0.0 {
        f64::INFINITY
    } else {
        (p.h / 2.0) / dy.abs()
    };
    let s = sx.min(sy);
    (cx + dx * s, cy + dy * s)
}

fn shape(out: &mut String, p: &Placed) {
    let (x, y, w, h) = (p.x, p.y, p.w, p.h);
    let _ = match p.shape {
        Shape::Box => write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"3\"/>"
        ),
        Shape::Rounded => write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"10\"/>"
        ),
        Shape::Stadium => write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"{:.1}\"/>",
            h / 2.0
        ),
        Shape::Subroutine => write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\"/><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
            x + 7.0,
            x + 7.0,
            y + h,
            x + w - 7.0,
            x + w - 7.0,
            y + h
        ),
        Shape::Cylinder => {
            let ry = 6.0;
            write!(
                out,
                "<path d=\"M{x:.1},{:.1} A{:.1},{ry} 0 0 1 {:.1},{:.1} L{:.1},{:.1} A{:.1},{ry} 0 0 1 {x:.1},{:.1} Z\"/><path class=\"rim\" d=\"M{x:.1},{:.1} A{:.1},{ry} 0 0 0 {:.1},{:.1}\"/>",
                y + ry,
                w / 2.0,
                x + w,
                y + ry,
                x + w,
                y + h - ry,
                w / 2.0,
                y + h - ry,
                y + ry,
                w / 2.0,
                x + w,
                y + ry
            )
        }
        Shape::Circle => write!(
            out,
            "<ellipse cx=\"{:.1}\" cy=\"{:.1}\" rx=\"{:.1}\" ry=\"{:.1}\"/>",
            x + w / 2.0,
            y + h / 2.0,
            w / 2.0,
            h / 2.0
        ),
        Shape::Decision => write!(
            out,
            "<polygon points=\"{:.1},{y:.1} {:.1},{:.1} {:.1},{:.1} {x:.1},{:.1}\"/>",
            x + w / 2.0,
            x + w,
            y + h / 2.0,
            x + w / 2.0,
            y + h,
            y + h / 2.0
        ),
        Shape::Flag => write!(
            out,
            "<polygon points=\"{x:.1},{y:.1} {:.1},{y:.1} {:.1},{:.1} {x:.1},{:.1} {:.1},{:.1}\"/>",
            x + w,
            x + w,
            y + h,
            y + h,
            x + 10.0,
            y + h / 2.0
        ),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::parse::parse;

    #[test]
    fn labels_are_escaped_and_every_node_is_drawn() {
        let d = parse(
            "flowchart LR\na([\"<script>alert(1)</script>\"]) --> b[(Users & orders)]\nb -.->|\"x < y\"| c[[Queue]]\nc --> a\n",
        )
        .unwrap();
        let svg = svg(&d, "candidate", "Your diagram");
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("Users &amp; orders"));
        assert!(svg.contains("x &lt; y"));
        assert_eq!(svg.matches("<g class=\"node").count(), 3);
        assert_eq!(svg.matches("<line class=\"flow").count(), 3);
    }

    #[test]
    fn flows_run_along_the_direction() {
        let d = parse("flowchart LR\na --> b --> c\n").unwrap();
        let svg = svg(&d, "x", "x");
        let xs: Vec<f64> = svg
            .match_indices("<rect x=\"")
            .map(|(i, m)| {
                svg[i + m.len()..]
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(xs[0] < xs[1] && xs[1] < xs[2], "{xs:?}");
    }
}
