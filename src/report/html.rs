//! The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing loaded
//! from elsewhere) that reads well on screen and in print. Templates end in `.html`, so
//! minijinja escapes every value; candidate and model text that may hold Markdown goes through
//! comrak with raw HTML escaped and images disabled.

use std::sync::LazyLock;

use minijinja::{Environment, Value};
use serde::Serialize;
use serde_json::json;

use crate::embedded;
use crate::report::model::Report;
use crate::ui;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (path, text) in embedded::TEMPLATES {
        let name = path.rsplit('/').next().unwrap_or(path);
        env.add_template(name, text)
            .unwrap_or_else(|e| panic!("embedded template {path} does not parse: {e}"));
    }
    env.add_filter("score", |v: f64| format!("{v:.1}"));
    env.add_filter("markdown", |text: String| {
        Value::from_safe_string(markdown_html(&text))
    });
    env
});

/// Markdown to HTML that cannot run or load anything: raw HTML is shown as text, links with
/// dangerous schemes are dropped (comrak's safe mode), and images become plain text so the
/// page never fetches a remote resource.
pub fn markdown_html(text: &str) -> String {
    let mut options = comrak::Options::default();
    options.render.escape = true;
    options.render.r#unsafe = false;
    options.render.hardbreaks = true;
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    let text = text.replace("![", "\\![");
    comrak::markdown_to_html(&text, &options)
}

#[derive(Serialize)]
pub struct Bar {
    pub label: String,
    pub value: String,
    pub y: u32,
    pub width: u32,
}

#[derive(Serialize)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub bar_x: u32,
    pub bar_width: u32,
    pub bars: Vec<Bar>,
}

/// A horizontal bar per stage, laid out in code so the template stays declarative.
fn stage_chart(report: &Report) -> Chart {
    let bar_x = 200;
    let bar_width = 420;
    let bars: Vec<Bar> = report
        .stages
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let score = st.score.unwrap_or(0.0).clamp(0.0, 100.0);
            Bar {
                label: st.title.clone(),
                value: st.score.map_or("–".to_owned(), |v| format!("{v:.1}")),
                y: 6 + i as u32 * 28,
                width: (score / 100.0 * f64::from(bar_width)).round() as u32,
            }
        })
        .collect();
    Chart {
        width: bar_x + bar_width + 60,
        height: 12 + bars.len() as u32 * 28,
        bar_x,
        bar_width,
        bars,
    }
}

/// A horizontal bar per spoken turn: its pace, on a scale to 220 words a minute (or the
/// fastest turn), so the usual 120–160 sits in the middle.
fn pace_chart(report: &Report) -> Option<Chart> {
    let delivery = report.delivery.as_ref()?;
    if delivery.turns.is_empty() {
        return None;
    }
    let bar_x = 200;
    let bar_width = 420;
    let top = delivery
        .turns
        .iter()
        .map(|t| t.words_per_minute)
        .fold(220.0, f64::max);
    let bars: Vec<Bar> = delivery
        .turns
        .iter()
        .enumerate()
        .map(|(i, t)| Bar {
            label: format!("{}. {}", t.n, t.stage_title),
            value: format!("{:.0} wpm", t.words_per_minute),
            y: 6 + i as u32 * 28,
            width: (t.words_per_minute / top * f64::from(bar_width)).round() as u32,
        })
        .collect();
    Some(Chart {
        width: bar_x + bar_width + 90,
        height: 12 + bars.len() as u32 * 28,
        bar_x,
        bar_width,
        bars,
    })
}

#[derive(Serialize)]
struct StageCells {
    title: String,
    score: String,
    time: String,
    hints: String,
    words: usize,
}

#[derive(Serialize)]
struct Group<'a> {
    title: &'a str,
    items: Vec<&'a crate::report::model::ItemRow>,
}

pub fn render(report: &Report) -> String {
    let stages: Vec<StageCells> = report
        .stages
        .iter()
        .map(|st| StageCells {
            title: st.title.clone(),
            score: st.score.map_or("–".to_owned(), |v| format!("{v:.1}")),
            time: match (st.spent_secs, st.budget_secs) {
                (Some(s), Some(b)) => format!("{} / {}", ui::clock(s), ui::clock(b)),
                _ => "–".to_owned(),
            },
            hints: st.hints.map_or("–".to_owned(), |h| h.to_string()),
            words: st.words,
        })
        .collect();
    let mut checklist: Vec<Group<'_>> = Vec::new();
    for item in &report.checklist {
        match checklist.last_mut() {
            Some(g) if g.title == item.stage_title => g.items.push(item),
            _ => checklist.push(Group {
                title: &item.stage_title,
                items: vec![item],
            }),
        }
    }
    let context = json!({
        "r": report,
        "date": report.date.format("%Y-%m-%d %H:%M UTC").to_string(),
        "duration": report.duration_secs.map(ui::clock),
        "band": report.band,
        "chart": stage_chart(report),
        "pace": pace_chart(report),
        "stages": stages,
        "checklist": checklist,
        "version": env!("CARGO_PKG_VERSION"),
    });
    // The drawings are markup rehearse made (every label escaped by the renderer): they go in as
    // safe strings, which a JSON context would turn back into escaped text.
    let diagram = report.diagram.as_ref();
    let context = minijinja::context! {
        diagram_svg => diagram.map(|d| Value::from_safe_string(d.svg.clone())),
        reference_svg => diagram
            .and_then(|d| d.reference_svg.clone())
            .map(Value::from_safe_string),
        ..Value::from(minijinja::value::Serde(&context))
    };
    ENV.get_template("report.html")
        .and_then(|t| t.render(context))
        .expect("the embedded report template renders any report")
}

/// Renders another embedded HTML template (the stats page) with `context`.
pub fn render_template(name: &str, context: &serde_json::Value) -> String {
    ENV.get_template(name)
        .and_then(|t| t.render(Value::from(minijinja::value::Serde(context))))
        .unwrap_or_else(|e| panic!("embedded template {name} failed to render: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_never_lets_html_or_images_through() {
        let html = markdown_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n![x](http://example.com/a.png) [ok](javascript:alert(3))",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
