//! Reading one question file: toml-spanner's typed readers pull every field (recording each
//! problem on the way), then the checks that need more than one field, or the frameworks, run
//! on what was read. Every problem in the file comes back at once, as `file:line: field: message`.

use toml_spanner::{Context, Failed, FromToml, Item, Span, Spanned};

use crate::bank::model::{Fact, Followup, Hint, Level, Origin, Question, RubricItem, Seniority};
use crate::framework::{Frameworks, Kind};
use crate::tomlread::{
    self, Choice, Choices, Expected, Int, List, Problem, Slug, Source, Tables, Text, field, finish,
    opt_field,
};

impl Choices for Level {
    const WHAT: &'static str = "level";
    const NAMES: &'static [&'static str] = &Level::NAMES;
    fn parse(s: &str) -> Option<Self> {
        Level::parse(s)
    }
}

impl Choices for Kind {
    const WHAT: &'static str = "kind";
    const NAMES: &'static [&'static str] = &Kind::NAMES;
    fn parse(s: &str) -> Option<Self> {
        Kind::parse(s)
    }
}

impl Choices for Seniority {
    const WHAT: &'static str = "level";
    const NAMES: &'static [&'static str] = &Seniority::NAMES;
    fn parse(s: &str) -> Option<Self> {
        Seniority::parse(s)
    }
}

/// A field's value with the span of its value in the file.
type At<T> = Option<Spanned<T>>;

/// The question file as read, before the checks that span fields.
struct RawQuestion {
    span: Span,
    id: At<Slug>,
    number: At<Int<1, 9999>>,
    title: Option<Text>,
    level: Option<Choice<Level>>,
    kind: Option<Choice<Kind>>,
    topics: Vec<Slug>,
    minutes: Option<Int<5, 180>>,
    prompt: Option<Text>,
    reference: Option<Text>,
    reference_diagram: At<Text>,
    pitfalls: Vec<Text>,
    rubric: Option<Spanned<Tables<RawRubric>>>,
    facts: Vec<RawFact>,
    followups: Vec<RawFollowup>,
    hints: Vec<RawHint>,
}

const QUESTION_FIELDS: &[&str] = &[
    "id",
    "number",
    "title",
    "level",
    "kind",
    "topics",
    "minutes",
    "prompt",
    "reference",
    "reference_diagram",
    "pitfalls",
    "rubric",
    "facts",
    "followups",
    "hints",
];

impl<'de> FromToml<'de> for RawQuestion {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let raw = RawQuestion {
            span: item.span(),
            id: field(&mut th, "id"),
            number: field(&mut th, "number"),
            title: field(&mut th, "title"),
            level: field(&mut th, "level"),
            kind: field(&mut th, "kind"),
            topics: field::<List<Slug>>(&mut th, "topics").map_or_else(Vec::new, |l| l.0),
            minutes: field(&mut th, "minutes"),
            prompt: field(&mut th, "prompt"),
            reference: field(&mut th, "reference"),
            reference_diagram: opt_field(&mut th, "reference_diagram"),
            pitfalls: opt_field::<Vec<Text>>(&mut th, "pitfalls").unwrap_or_default(),
            rubric: field(&mut th, "rubric"),
            facts: opt_field::<Tables<RawFact>>(&mut th, "facts").map_or_else(Vec::new, |t| t.0),
            followups: opt_field::<Tables<RawFollowup>>(&mut th, "followups")
                .map_or_else(Vec::new, |t| t.0),
            hints: opt_field::<Tables<RawHint>>(&mut th, "hints").map_or_else(Vec::new, |t| t.0),
        };
        finish(th, QUESTION_FIELDS);
        Ok(raw)
    }
}

struct RawRubric {
    span: Span,
    id: At<Slug>,
    stage: At<Text>,
    weight: Option<Int<1, 3>>,
    point: Option<Text>,
    probe: Option<Text>,
    concepts: Option<List<Spanned<Text>>>,
    level: Option<Choice<Seniority>>,
}

impl Expected for RawRubric {
    fn expected() -> String {
        "one or more [[rubric]] tables".into()
    }
}

impl<'de> FromToml<'de> for RawRubric {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let raw = RawRubric {
            span: item.span(),
            id: field(&mut th, "id"),
            stage: field(&mut th, "stage"),
            weight: field(&mut th, "weight"),
            point: field(&mut th, "point"),
            probe: opt_field(&mut th, "probe"),
            concepts: field(&mut th, "concepts"),
            level: opt_field(&mut th, "level"),
        };
        finish(
            th,
            &[
                "id", "stage", "weight", "point", "probe", "concepts", "level",
            ],
        );
        Ok(raw)
    }
}

struct RawFact {
    keywords: Vec<Text>,
    answer: Option<Text>,
}

impl<'de> FromToml<'de> for RawFact {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let raw = RawFact {
            keywords: field::<List<Text>>(&mut th, "keywords").map_or_else(Vec::new, |l| l.0),
            answer: field(&mut th, "answer"),
        };
        finish(th, &["keywords", "answer"]);
        Ok(raw)
    }
}

struct RawFollowup {
    stage: At<Text>,
    ask: Option<Text>,
    rubric: At<Text>,
}

impl<'de> FromToml<'de> for RawFollowup {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let raw = RawFollowup {
            stage: field(&mut th, "stage"),
            ask: field(&mut th, "ask"),
            rubric: opt_field(&mut th, "rubric"),
        };
        finish(th, &["stage", "ask", "rubric"]);
        Ok(raw)
    }
}

struct RawHint {
    stage: At<Text>,
    text: Option<Text>,
}

impl<'de> FromToml<'de> for RawHint {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let raw = RawHint {
            stage: field(&mut th, "stage"),
            text: field(&mut th, "text"),
        };
        finish(th, &["stage", "text"]);
        Ok(raw)
    }
}

/// A parsed question with the lines of its `id` and `number`, for duplicate reports.
pub struct Parsed {
    pub question: Question,
    pub id_line: usize,
    pub number_line: usize,
}

/// Parses one question file; on failure, every problem found.
pub fn parse_question(
    frameworks: &Frameworks,
    display: &str,
    text: &str,
    origin: Origin,
) -> Result<Parsed, Vec<Problem>> {
    let arena = toml_spanner::Arena::new();
    let (raw, mut problems) = tomlread::read::<RawQuestion>(display, text, &arena);
    let Some(raw) = raw else {
        return Err(tomlread::tidy(problems));
    };
    let source = Source::new(display, text);
    let check = Checks {
        source: &source,
        stages: raw.kind.map(|Choice(k)| frameworks.get(k).stage_ids()),
    };

    let mut rubric: Vec<RubricItem> = Vec::new();
    let rubric_ids: Vec<String> = raw
        .rubric
        .iter()
        .flat_map(|r| r.value.0.iter())
        .filter_map(|r| r.id.as_ref().map(|s| s.value.0.clone()))
        .collect();
    let raw_rubric = raw.rubric.map(|r| (r.span, r.value.0));
    for (i, item) in raw_rubric.iter().flat_map(|(_, r)| r.iter()).enumerate() {
        let path = format!("rubric[{i}]");
        if let Some(id) = &item.id
            && rubric.iter().any(|r| r.id == id.value.0)
        {
            problems.push(source.problem_at(
                id.span,
                &format!("{path}.id"),
                format!("duplicate rubric id \"{}\"", id.value.0),
            ));
        }
        let stage = check.stage(&item.stage, &format!("{path}.stage"), &mut problems);
        if let Some(concepts) = &item.concepts {
            for (j, concept) in concepts.0.iter().enumerate() {
                if concept.value.0.split('|').any(|alt| alt.trim().is_empty()) {
                    problems.push(source.problem_at(
                        concept.span,
                        &format!("{path}.concepts[{j}]"),
                        format!(
                            "\"{}\" has an empty alternative (separate phrasings with a single |)",
                            concept.value.0
                        ),
                    ));
                }
            }
        }
        if item.probe.is_none() && item.point.is_some() {
            problems.push(source.problem_at(
                item.span,
                &format!("{path}.probe"),
                "missing required field (expected the question the interviewer asks when this point is missing)".into(),
            ));
        }
        if let (Some(id), Some(stage), Some(weight), Some(point), Some(concepts), Some(probe)) = (
            &item.id,
            stage,
            item.weight,
            &item.point,
            &item.concepts,
            &item.probe,
        ) {
            rubric.push(RubricItem {
                id: id.value.0.clone(),
                stage,
                weight: weight.0 as u8,
                point: point.0.clone(),
                concepts: concepts.0.iter().map(|c| c.value.0.clone()).collect(),
                level: item.level.map(|Choice(l)| l),
                probe: probe.0.clone(),
            });
        }
    }

    let facts = raw
        .facts
        .into_iter()
        .filter_map(|f| {
            f.answer.map(|a| Fact {
                keywords: f.keywords.into_iter().map(|k| k.0).collect(),
                answer: a.0,
            })
        })
        .collect();

    let mut followups = Vec::new();
    for (i, f) in raw.followups.into_iter().enumerate() {
        let path = format!("followups[{i}]");
        let stage = check.stage(&f.stage, &format!("{path}.stage"), &mut problems);
        if let Some(r) = &f.rubric
            && !rubric_ids.contains(&r.value.0)
        {
            problems.push(source.problem_at(
                r.span,
                &format!("{path}.rubric"),
                format!(
                    "no rubric item \"{}\" (expected one of {})",
                    r.value.0,
                    rubric_ids.join(", ")
                ),
            ));
        }
        if let (Some(stage), Some(ask)) = (stage, f.ask) {
            followups.push(Followup {
                stage,
                ask: ask.0,
                rubric: f.rubric.map(|r| r.value.0),
            });
        }
    }

    let mut hints = Vec::new();
    for (i, h) in raw.hints.into_iter().enumerate() {
        let stage = check.stage(&h.stage, &format!("hints[{i}].stage"), &mut problems);
        if let (Some(stage), Some(text)) = (stage, h.text) {
            hints.push(Hint {
                stage,
                text: text.0,
            });
        }
    }

    // Every stage needs at least one rubric item, or its score would be undefined.
    if let (Some(Choice(kind)), true, Some((span, _))) =
        (raw.kind, problems.is_empty(), &raw_rubric)
    {
        let uncovered: Vec<&str> = frameworks
            .get(kind)
            .stage_ids()
            .into_iter()
            .filter(|s| !rubric.iter().any(|r| r.stage == *s))
            .collect();
        if !uncovered.is_empty() {
            problems.push(source.problem_at(
                *span,
                "rubric",
                format!(
                    "no rubric item for stage {} (every {kind} stage needs at least one)",
                    uncovered.join(", ")
                ),
            ));
        }
    }

    if let Some(diagram) = &raw.reference_diagram
        && let Err(e) = crate::diagram::parse::parse(&diagram.value.0)
    {
        // The text of `reference_diagram = """` starts on the next line.
        let opening = source.line_of(diagram.span.start as usize);
        problems.push(source.problem(
            opening + e.line,
            "reference_diagram",
            format!(
                "not a diagram rehearse reads (column {}): {}",
                e.column, e.message
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(tomlread::tidy(problems));
    }
    let line_at = |span: Option<Span>| source.line_of(span.unwrap_or(raw.span).start as usize);
    let id_line = line_at(raw.id.as_ref().map(|s| s.span));
    let number_line = line_at(raw.number.as_ref().map(|s| s.span));
    let question = Question {
        id: raw.id.expect("checked").value.0,
        number: raw.number.expect("checked").value.0 as u32,
        title: raw.title.expect("checked").0,
        level: raw.level.expect("checked").0,
        kind: raw.kind.expect("checked").0,
        topics: raw.topics.into_iter().map(|t| t.0).collect(),
        minutes: raw.minutes.expect("checked").0 as u32,
        prompt: raw.prompt.expect("checked").0.trim().to_owned(),
        reference: raw.reference.expect("checked").0.trim().to_owned(),
        reference_diagram: raw.reference_diagram.map(|d| d.value.0.trim().to_owned()),
        rubric,
        facts,
        followups,
        hints,
        pitfalls: raw.pitfalls.into_iter().map(|p| p.0).collect(),
        origin,
    };
    Ok(Parsed {
        question,
        id_line,
        number_line,
    })
}

/// The checks that need the question's framework.
struct Checks<'a> {
    source: &'a Source<'a>,
    /// The stages of the question's framework, once its `kind` is known.
    stages: Option<Vec<&'a str>>,
}

impl Checks<'_> {
    /// The stage named by a field, if it is one of the framework's.
    fn stage(&self, stage: &At<Text>, field: &str, problems: &mut Vec<Problem>) -> Option<String> {
        let stage = stage.as_ref()?;
        match &self.stages {
            Some(ids) if !ids.contains(&stage.value.0.as_str()) => {
                problems.push(self.source.problem_at(
                    stage.span,
                    field,
                    tomlread::unknown_choice("stage", &stage.value.0, ids),
                ));
                None
            }
            _ => Some(stage.value.0.clone()),
        }
    }
}
