//! `rehearse questions` (list) and `rehearse questions show`.

use std::io::Write;

use serde::Serialize;

use crate::bank::{Bank, Question};
use crate::cli::{ListFormat, QuestionsArgs, QuestionsCommand};
use crate::config::Config;
use crate::ui::{self, Style, Table};

pub fn run(config: &Config, bank: &Bank, args: &QuestionsArgs) -> crate::Result<()> {
    if let Some(QuestionsCommand::Show { question, reveal }) = &args.show {
        let q = bank.find(question)?;
        let style = Style::for_stdout(config.no_color(), false);
        let mut out = std::io::stdout().lock();
        out.write_all(render_show(bank, q, *reveal, style).as_bytes())?;
        return Ok(());
    }
    let filter = args.filter.filter();
    if let Some(topic) = &filter.topic
        && !bank.topics().iter().any(|t| t.eq_ignore_ascii_case(topic))
    {
        return Err(crate::Error::Usage(format!(
            "no question has topic \"{topic}\" (topics: {})",
            bank.topics().join(", ")
        )));
    }
    let questions: Vec<&Question> = bank.filter(&filter).collect();
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            let rows: Vec<Listed<'_>> = questions.iter().map(|q| Listed::from(*q)).collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        ListFormat::Table => {
            let style = Style::for_stdout(config.no_color(), false);
            let mut table = Table::new(&["#", "ID", "LEVEL", "KIND", "MIN", "TITLE"])
                .align_right(0)
                .align_right(4);
            for q in &questions {
                table.row(vec![
                    q.number.to_string(),
                    q.id.clone(),
                    q.level.to_string(),
                    q.kind.to_string(),
                    q.minutes.to_string(),
                    q.title.clone(),
                ]);
            }
            out.write_all(table.render(style).as_bytes())?;
            let err_style = Style::for_stderr(config.no_color());
            let summary = format!(
                "{} of {} questions ({}). Show one with `rehearse questions show <id|number>`.",
                questions.len(),
                bank.len(),
                filter.describe()
            );
            writeln!(std::io::stderr(), "{}", err_style.dim(&summary))?;
        }
    }
    Ok(())
}

/// One row of `questions --format json`. The reference and rubric stay out of listings.
#[derive(Serialize)]
struct Listed<'a> {
    number: u32,
    id: &'a str,
    title: &'a str,
    level: crate::bank::Level,
    kind: crate::framework::Kind,
    topics: &'a [String],
    minutes: u32,
}

impl<'a> From<&'a Question> for Listed<'a> {
    fn from(q: &'a Question) -> Self {
        Listed {
            number: q.number,
            id: &q.id,
            title: &q.title,
            level: q.level,
            kind: q.kind,
            topics: &q.topics,
            minutes: q.minutes,
        }
    }
}

/// The text of `questions show`.
pub fn render_show(bank: &Bank, q: &Question, reveal: bool, style: Style) -> String {
    let width = ui::text_width();
    let framework = bank.frameworks().get(q.kind);
    let mut s = String::new();
    s.push_str(&style.bold(&format!("#{} {}", q.number, q.title)));
    s.push('\n');
    s.push_str(&format!(
        "id {} · {} · {} · {} min · topics: {}\n",
        q.id,
        q.level,
        q.kind,
        q.minutes,
        q.topics.join(", ")
    ));
    s.push_str(&style.dim(&format!("source: {}", q.origin)));
    s.push_str("\n\n");

    s.push_str(&style.bold("Stages"));
    s.push('\n');
    let budgets = framework.budgets(f64::from(q.minutes));
    let mut table = Table::new(&["", "STAGE", "BUDGET", "GOAL"]).align_right(0);
    for (i, (stage, budget)) in framework.stages.iter().zip(&budgets).enumerate() {
        table.row(vec![
            format!("{}.", i + 1),
            stage.title.clone(),
            ui::clock(budget.as_secs()),
            stage.goal.clone(),
        ]);
    }
    for line in table.render(style).lines() {
        s.push_str("  ");
        s.push_str(line);
        s.push('\n');
    }
    s.push('\n');
    s.push_str(&style.bold("Prompt"));
    s.push('\n');
    s.push_str(&ui::wrap(&q.prompt, width, "  "));
    s.push_str("\n\n");

    if !reveal {
        s.push_str(&style.dim(
            "The reference answer, rubric and interviewer facts are hidden; add --reveal to see them.",
        ));
        s.push('\n');
        return s;
    }

    s.push_str(&style.bold("Reference answer"));
    s.push('\n');
    s.push_str(&ui::wrap(
        &q.reference.replace("\n\n", "\n \n"),
        width,
        "  ",
    ));
    s.push_str("\n\n");
    s.push_str(&style.bold("Rubric"));
    s.push('\n');
    for stage in &framework.stages {
        let items: Vec<_> = q.rubric_for(&stage.id).collect();
        s.push_str(&format!("  {}\n", style.cyan(&stage.title)));
        for item in items {
            let level = item.level.map(|l| format!(", {l}+")).unwrap_or_default();
            s.push_str(&ui::wrap(
                &format!(
                    "[{}] {} (weight {}{level})",
                    item.id, item.point, item.weight
                ),
                width,
                "    ",
            ));
            s.push('\n');
            s.push_str(&style.dim(&ui::wrap(
                &format!("looks for: {}", item.concepts.join("; ")),
                width,
                "      ",
            )));
            s.push('\n');
        }
    }
    if !q.facts.is_empty() {
        s.push('\n');
        s.push_str(&style.bold("Interviewer facts"));
        s.push('\n');
        for fact in &q.facts {
            s.push_str(&ui::bullet(
                "-",
                &format!("[{}] {}", fact.keywords.join(", "), fact.answer),
                width,
                "  ",
            ));
            s.push('\n');
        }
    }
    if !q.pitfalls.is_empty() {
        s.push('\n');
        s.push_str(&style.bold("Pitfalls"));
        s.push('\n');
        for p in &q.pitfalls {
            s.push_str(&ui::bullet("-", p, width, "  "));
            s.push('\n');
        }
    }
    s
}
