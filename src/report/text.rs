//! A scorecard for the terminal: overall score and band, a bar per stage, the rubric checklist
//! with evidence, then strengths and improvements.

use crate::bank::Question;
use crate::framework::Framework;
use crate::scoring::{Scorecard, ScorerKind, Verdict};
use crate::ui::{self, Style};

/// A ten-cell bar for a 0–100 score.
pub fn bar(score: f64) -> String {
    let filled = ((score / 10.0).round() as usize).min(10);
    format!("{}{}", "█".repeat(filled), "░".repeat(10 - filled))
}

/// One line per graded stage: title, score and a bar.
pub fn stage_lines(card: &Scorecard, framework: &Framework) -> String {
    card.stages
        .iter()
        .map(|stage| {
            format!(
                "  {:<26} {:>5.1}  {}\n",
                framework.stage_title(&stage.id),
                stage.score,
                bar(stage.score)
            )
        })
        .collect()
}

/// What a flag means, for people.
pub fn flag_meaning(flag: &str) -> &'static str {
    match flag {
        crate::scoring::scorecard::flags::PROMPT_INJECTION => {
            "text aimed at the grader was found and earned nothing"
        }
        crate::scoring::scorecard::flags::JUDGE_FAILED_OFFLINE_FALLBACK => {
            "the LLM judge failed; this card comes from the offline scorer (--fallback offline)"
        }
        crate::scoring::scorecard::flags::UNVERIFIED_EVIDENCE => {
            "the judge quoted words the candidate never wrote; those items got no credit"
        }
        crate::scoring::scorecard::flags::DIAGRAM_UNREADABLE => {
            "the answer's diagram could not be read; the rest was graded without it"
        }
        _ => "",
    }
}

pub fn render(
    card: &Scorecard,
    question: &Question,
    framework: &Framework,
    label: &str,
    style: Style,
) -> String {
    let width = ui::text_width();
    let mut s = String::new();
    if !label.is_empty() {
        s.push_str(&style.bold(label));
        s.push('\n');
    }
    s.push_str(&format!(
        "#{} {} · {} · scored by the {}\n",
        question.number,
        ui::clean(&question.title),
        question.level,
        card.scorer.describe()
    ));
    let band = card.band.label();
    let band = match card.band {
        crate::scoring::Band::StrongHire | crate::scoring::Band::Hire => style.green(band),
        crate::scoring::Band::LeanNoHire => style.yellow(band),
        _ => style.red(band),
    };
    if card.band == crate::scoring::Band::Insufficient {
        s.push_str(&format!(
            "{} — {band}: too little to grade; write more and score it again\n",
            style.bold("Overall")
        ));
    } else {
        s.push_str(&format!(
            "{} {:.1} / 100 — {band}{}\n",
            style.bold("Overall"),
            card.overall,
            if card.review.is_some() {
                " (reviewed)"
            } else {
                ""
            }
        ));
    }
    if let Some(review) = card.review_label() {
        s.push_str(&style.dim(&ui::wrap(&review, width, "")));
        s.push('\n');
    }
    s.push_str(&stage_lines(card, framework));
    if let Some(caveat) = card.caveat() {
        s.push_str(&style.dim(&ui::wrap(caveat, width, "")));
        s.push('\n');
    }

    s.push('\n');
    s.push_str(&style.bold("Checklist"));
    s.push('\n');
    for stage in &framework.stages {
        let items: Vec<_> = card.rubric.iter().filter(|v| v.stage == stage.id).collect();
        if items.is_empty() {
            continue;
        }
        s.push_str(&format!("  {}\n", style.cyan(&stage.title)));
        for v in items {
            let point = question.point(&v.id);
            let mark = match v.verdict {
                Verdict::Covered => style.green(v.verdict.mark()),
                Verdict::Partial => style.yellow(v.verdict.mark()),
                Verdict::Missing => style.red(v.verdict.mark()),
            };
            let line = ui::wrap(&format!("{} (w{}) {point}", v.id, v.weight), width - 6, "");
            let mut lines = line.lines();
            s.push_str(&format!(
                "    {mark} {}\n",
                lines.next().unwrap_or_default()
            ));
            for rest in lines {
                s.push_str(&format!("      {rest}\n"));
            }
            if let Some(e) = &v.evidence {
                s.push_str(&style.dim(&ui::wrap(&format!("“{e}”"), width, "        ")));
                s.push('\n');
            }
            if let Some(stage) = &v.said_in {
                s.push_str(&style.dim(&format!(
                    "        (said during {})\n",
                    framework.stage_title(stage)
                )));
            }
            if let Some(r) = &v.review {
                let note = r
                    .note
                    .as_ref()
                    .map(|n| format!(": {}", ui::clean(n)))
                    .unwrap_or_default();
                s.push_str(&style.dim(&ui::wrap(
                    &format!(
                        "reviewed; the machine said {}{note}",
                        r.machine_verdict.as_str()
                    ),
                    width,
                    "        ",
                )));
                s.push('\n');
            }
        }
    }

    let model_words = if card.scorer.kind == ScorerKind::Llm {
        " (the judge's words)"
    } else {
        ""
    };
    if !card.feedback.strengths.is_empty() {
        s.push('\n');
        s.push_str(&style.bold(&format!("Strengths{model_words}")));
        s.push('\n');
        for line in &card.feedback.strengths {
            s.push_str(&ui::bullet("-", line, width, "  "));
            s.push('\n');
        }
    }
    if !card.feedback.improvements.is_empty() {
        s.push('\n');
        s.push_str(&style.bold(&format!("Improvements{model_words}")));
        s.push('\n');
        for line in &card.feedback.improvements {
            s.push_str(&ui::bullet("-", line, width, "  "));
            s.push('\n');
        }
    }
    for flag in &card.flags {
        s.push('\n');
        s.push_str(&style.yellow(&format!("flag {flag}: {}", flag_meaning(flag))));
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_have_ten_cells() {
        assert_eq!(super::bar(0.0), "░░░░░░░░░░");
        assert_eq!(super::bar(72.5), "███████░░░");
        assert_eq!(super::bar(100.0), "██████████");
    }
}
