//! `rehearse stats`: progress per level and topic, weakest topics, questions never tried,
//! and three recommended next questions with reasons; as a table, JSON, or an HTML page
//! charting scores over time.

use std::io::Write;

use serde_json::json;

use crate::bank::Bank;
use crate::cli::{StatsArgs, StatsFormat};
use crate::config::Config;
use crate::report::stats::{self, Stats};
use crate::store::{Entry, Store};
use crate::ui::{Style, Table};

pub fn run(config: &Config, bank: &Bank, args: &StatsArgs) -> crate::Result<()> {
    let store = Store::new(config.home().to_path_buf());
    let mut sessions = Vec::new();
    let mut broken = Vec::new();
    for entry in store.entries()? {
        match entry {
            Entry::Ok(s) => sessions.push(*s),
            Entry::Broken { error, .. } => {
                writeln!(
                    std::io::stderr(),
                    "error: {}",
                    crate::ui::clean(&error.to_string())
                )?;
                broken.push(error);
            }
        }
    }
    let s = stats::compute(bank, &sessions);
    let text = match args.format {
        StatsFormat::Json => {
            let mut t = serde_json::to_string_pretty(&s)?;
            t.push('\n');
            t
        }
        StatsFormat::Html => html(&s),
        StatsFormat::Table => table(
            &s,
            Style::for_stdout(config.no_color(), args.output.is_some()),
        ),
    };
    match &args.output {
        Some(path) => {
            if let Some(written) = super::report::write_output(path, &text)? {
                writeln!(std::io::stdout(), "{}", written.display())?;
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    if !broken.is_empty() {
        let broken: Vec<_> = broken.iter().collect();
        return Err(super::unreadable_sessions(&broken, "they were left out"));
    }
    Ok(())
}

fn trend(t: Option<f64>) -> String {
    match t {
        Some(t) if t > 0.0 => format!("+{t:.1}"),
        Some(t) => format!("{t:.1}"),
        None => "–".into(),
    }
}

fn table(s: &Stats, style: Style) -> String {
    let mut out = String::new();
    match (s.average, &s.scorer) {
        (Some(avg), Some(scorer)) => out.push_str(&format!(
            "{} session(s), {} scored by the {scorer}, average {avg:.1}\n",
            s.sessions, s.scored
        )),
        _ => out.push_str(&format!(
            "{} session(s), none scored yet: finish an interview with /done.\n",
            s.sessions
        )),
    }
    for other in &s.set_aside.other_scorers {
        out.push_str(&format!(
            "Not mixed in: {} session(s) scored by the {} (average {:.1}), a different scale.\n",
            other.sessions, other.scorer, other.average
        ));
    }
    if s.set_aside.insufficient > 0 {
        out.push_str(&format!(
            "Left out: {} session(s) too thin to grade.\n",
            s.set_aside.insufficient
        ));
    }
    for (title, groups) in [("LEVEL", &s.by_level), ("TOPIC", &s.by_topic)] {
        if groups.is_empty() {
            continue;
        }
        out.push('\n');
        let mut t = Table::new(&[title, "SESSIONS", "AVERAGE", "TREND"])
            .align_right(1)
            .align_right(2)
            .align_right(3);
        for g in groups {
            t.row(vec![
                g.name.clone(),
                g.sessions.to_string(),
                format!("{:.1}", g.average),
                trend(g.trend),
            ]);
        }
        out.push_str(&t.render(style));
    }
    if !s.weakest_topics.is_empty() {
        let weak: Vec<String> = s
            .weakest_topics
            .iter()
            .map(|g| format!("{} ({:.1})", g.name, g.average))
            .collect();
        out.push_str(&format!("\nWeakest topics: {}\n", weak.join(", ")));
    }
    let examples: Vec<String> = s
        .never_tried
        .iter()
        .take(5)
        .map(|q| format!("#{} {}", q.number, q.id))
        .collect();
    out.push_str(&format!(
        "Never tried: {} question(s){}\n",
        s.never_tried.len(),
        if examples.is_empty() {
            String::new()
        } else {
            format!(", e.g. {}", examples.join(", "))
        }
    ));
    out.push_str(&format!("\n{}\n", style.bold("Practise next")));
    for (i, r) in s.recommendations.iter().enumerate() {
        out.push_str(&format!(
            "  {}. #{} {} ({}): {}\n",
            i + 1,
            r.question.number,
            r.question.id,
            r.question.level,
            r.reason
        ));
    }
    out
}

/// Geometry of the scores-over-time chart, computed here so the template only places it.
fn html(s: &Stats) -> String {
    let (left, right, top, bottom, width, height) = (40.0, 700.0, 10.0, 200.0, 720, 230);
    let n = s.timeline.len();
    let x = |i: usize| {
        if n <= 1 {
            (left + right) / 2.0
        } else {
            left + (right - left) * i as f64 / (n - 1) as f64
        }
    };
    let y = |score: f64| bottom - (bottom - top) * score.clamp(0.0, 100.0) / 100.0;
    let every = n.div_ceil(6).max(1);
    let points: Vec<serde_json::Value> = s
        .timeline
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "x": (x(i) * 10.0).round() / 10.0,
                "y": (y(p.overall) * 10.0).round() / 10.0,
                "label": format!("{} {}: {:.1}", p.date.format("%Y-%m-%d"), p.question, p.overall),
                "date": p.date.format("%m-%d").to_string(),
                "show_date": i % every == 0 || i + 1 == n,
            })
        })
        .collect();
    let polyline = points
        .iter()
        .map(|p| format!("{},{}", p["x"], p["y"]))
        .collect::<Vec<_>>()
        .join(" ");
    let grid: Vec<serde_json::Value> = [0.0, 25.0, 50.0, 75.0, 100.0]
        .iter()
        .map(|v| json!({ "y": y(*v), "label": format!("{v:.0}") }))
        .collect();
    crate::report::html::render_template(
        "stats.html",
        &json!({
            "s": s,
            "chart": {
                "width": width, "height": height, "left": left, "right": right,
                "points": points, "polyline": polyline, "grid": grid,
            },
            "version": env!("CARGO_PKG_VERSION"),
        }),
    )
}
