//! The Markdown report: readable as plain text, renders well anywhere Markdown does.

use std::fmt::Write as _;

use crate::report::model::Report;
use crate::ui;

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Candidate and model text, made inert for Markdown viewers that render inline HTML.
fn inert(text: &str) -> String {
    text.replace('<', "&lt;")
}

/// Quotes text as a Markdown blockquote, line by line, with inline HTML made inert.
fn quote(text: &str, indent: &str) -> String {
    inert(text)
        .lines()
        .map(|l| format!("{indent}> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Interview report: {}\n", r.question_title);
    s.push_str("| | |\n|---|---|\n");
    let _ = writeln!(
        s,
        "| Question | #{} `{}` ({}, {}) |",
        r.question_number, r.question_id, r.level, r.kind
    );
    let _ = writeln!(s, "| Date | {} |", r.date.format("%Y-%m-%d %H:%M UTC"));
    let _ = writeln!(s, "| Mode | {} |", r.mode);
    let _ = writeln!(s, "| Scorer | {} |", r.scorer_label);
    if let Some(d) = r.duration_secs {
        let _ = writeln!(s, "| Duration | {} |", ui::clock(d));
    }
    let _ = writeln!(s, "| Source | `{}` |\n", cell(&r.source));

    let reviewed = if r.reviewed.is_some() {
        " (reviewed)"
    } else {
        ""
    };
    let _ = writeln!(
        s,
        "## Overall: {:.1} / 100 — {}{reviewed}\n",
        r.overall, r.band_label
    );
    if let Some(review) = &r.reviewed {
        let _ = writeln!(s, "_{}_\n", inert(review));
    }
    if let Some(caveat) = &r.caveat {
        let _ = writeln!(s, "> {caveat}\n");
    }
    s.push_str(
        "| Stage | Score | Time used / budget | Hints | Words |\n|---|---:|---:|---:|---:|\n",
    );
    for st in &r.stages {
        let score = st.score.map_or("–".to_owned(), |v| format!("{v:.1}"));
        let time = match (st.spent_secs, st.budget_secs) {
            (Some(spent), Some(budget)) => format!("{} / {}", ui::clock(spent), ui::clock(budget)),
            _ => "–".to_owned(),
        };
        let hints = st.hints.map_or("–".to_owned(), |h| h.to_string());
        let _ = writeln!(
            s,
            "| {} | {score} | {time} | {hints} | {} |",
            st.title, st.words
        );
    }

    s.push_str("\n## Rubric checklist\n");
    let mut current = "";
    for item in &r.checklist {
        if item.stage_title != current {
            current = &item.stage_title;
            let _ = writeln!(s, "\n### {current}\n");
        }
        let _ = writeln!(
            s,
            "- {} **{}** (weight {}, {}): {}",
            item.mark,
            item.id,
            item.weight,
            item.verdict.as_str(),
            item.point
        );
        if let Some(e) = &item.evidence {
            let _ = writeln!(s, "{}", quote(e, "  "));
        }
        if let Some(stage) = &item.said_in {
            let _ = writeln!(s, "  _Said during {stage}: it counts all the same._");
        }
        if let Some(review) = &item.reviewed {
            let _ = writeln!(s, "  _{}_", inert(review));
        }
    }

    let by_model = if r.feedback_is_model_output {
        format!(
            "\n_Written by the {}; model output, not verified._\n",
            r.scorer_label
        )
    } else {
        String::new()
    };
    if !r.strengths.is_empty() {
        let _ = writeln!(s, "\n## Strengths\n{by_model}");
        for line in &r.strengths {
            let _ = writeln!(s, "- {}", inert(line));
        }
    }
    if !r.improvements.is_empty() {
        let _ = writeln!(s, "\n## Improvements\n{by_model}");
        for line in &r.improvements {
            let _ = writeln!(s, "- {}", inert(line));
        }
    }
    if !r.missed.is_empty() {
        s.push_str("\n## What the reference answer covers that you missed\n\n");
        for m in &r.missed {
            let _ = writeln!(s, "- {}", m.point);
            if let Some(reference) = &m.reference {
                let _ = writeln!(s, "{}", quote(reference, "  "));
            }
        }
    }

    if let Some(d) = &r.diagram {
        s.push_str("\n## Architecture diagram\n\n");
        let _ = writeln!(s, "```mermaid\n{}\n```\n", d.source);
        let _ = writeln!(s, "{} components, {} flows.", d.card.nodes, d.card.edges);
        if !d.missing.is_empty() {
            let _ = writeln!(
                s,
                "\nThe reference architecture also has: {}.",
                d.missing.join(", ")
            );
        }
        if !d.card.warnings.is_empty() {
            s.push_str("\nWhat a reviewer would ask about:\n\n");
            for w in &d.card.warnings {
                let _ = writeln!(s, "- {}", cell(w));
            }
        }
    }
    if let Some(d) = &r.delivery {
        s.push_str("\n## Delivery\n\n");
        let _ = writeln!(s, "{}\n", d.summary);
        let o = &d.overall;
        let _ = writeln!(
            s,
            "- Spoken: {:.0} s, of which {:.0} s talking; {} words at {:.0} words a minute",
            o.duration_secs, o.speaking_secs, o.words, o.words_per_minute
        );
        let fillers = if d.fillers.is_empty() {
            "none".to_owned()
        } else {
            d.fillers
                .iter()
                .map(|f| format!("\"{}\" ×{}", f.word, f.count))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            s,
            "- Fillers: {} ({:.1} a minute): {fillers}",
            o.fillers.total, o.fillers.per_minute
        );
        let _ = writeln!(
            s,
            "- Pauses of 2 s or more: {}; longest {:.1} s",
            o.pauses.long, o.pauses.longest_secs
        );
        if !d.stages.is_empty() {
            s.push_str("\n| Stage | Talk time | Budget |\n|---|---:|---:|\n");
            for row in &d.stages {
                let budget = row.budget_secs.map_or("–".to_owned(), ui::clock);
                let _ = writeln!(
                    s,
                    "| {} | {} | {budget} |",
                    cell(&row.title),
                    ui::clock(row.spoken_secs.round() as u64)
                );
            }
        }
        if d.turns.len() > 1 {
            s.push_str("\nPace per spoken turn:\n\n");
            for t in &d.turns {
                let _ = writeln!(
                    s,
                    "{}. {} — {:.0} s, {:.0} wpm",
                    t.n,
                    cell(&t.stage_title),
                    t.duration_secs,
                    t.words_per_minute
                );
            }
        }
        if !d.advice.is_empty() {
            s.push('\n');
            for a in &d.advice {
                let _ = writeln!(s, "- {a}");
            }
        }
    }

    s.push_str("\n## Communication\n\n");
    if let Some(q) = r.communication.clarifying_questions {
        let _ = writeln!(s, "- Clarifying questions asked: {q}");
    }
    if let Some(h) = r.communication.hints_used {
        let _ = writeln!(s, "- Hints used: {h}");
    }
    let _ = writeln!(
        s,
        "- Words: {} (per stage in the table above)",
        r.communication.total_words
    );
    if r.communication.filler_words.is_empty() {
        s.push_str("- Filler words: none\n");
    } else {
        let list: Vec<String> = r
            .communication
            .filler_words
            .iter()
            .map(|f| format!("\"{}\" ×{}", f.word, f.count))
            .collect();
        let _ = writeln!(
            s,
            "- Filler words: {} ({})",
            r.communication.filler_total,
            list.join(", ")
        );
    }

    if !r.flags.is_empty() {
        s.push_str("\n## Flags\n\n");
        for f in &r.flags {
            let _ = writeln!(s, "- `{}`: {}", f.flag, f.meaning);
        }
    }

    s.push_str("\n## Appendix: transcript\n");
    let mut stage = "";
    for line in &r.transcript {
        if line.stage_title != stage {
            stage = &line.stage_title;
            let _ = writeln!(s, "\n### {stage}\n");
        }
        let cut = if line.interrupted { " _(cut off)_" } else { "" };
        let _ = writeln!(s, "**{}**{cut}:\n{}\n", line.speaker, quote(&line.text, ""));
    }
    s
}
