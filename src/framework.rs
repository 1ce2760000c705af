//! Interview frameworks: the ordered stages an interview walks through, loaded from
//! `data/frameworks.toml` so that stage titles, goals, budgets and score weights can be tuned
//! without touching code.

use std::time::Duration;

use crate::embedded;
use toml_spanner::{Context, Failed, FromToml, Item, Spanned};

use crate::tomlread::{
    self, Choice, Expected, Lenient, List, Number, Problem, Text, field, finish, opt_field,
};

/// Which framework a question follows. Build-a-system questions get the six design stages;
/// explain/compare questions get the shorter concept set.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Design,
    Concept,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Design, Kind::Concept];
    pub const NAMES: [&'static str; 2] = ["design", "concept"];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Design => "design",
            Kind::Concept => "concept",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One stage of an interview.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub id: String,
    pub title: String,
    /// Share of the framework's default length, in minutes.
    pub minutes: f64,
    /// Share of the overall score.
    pub weight: f64,
    /// What the candidate should achieve; shown on `/stage` and given to the interviewer.
    pub goal: String,
    /// What the interviewer says when the stage opens.
    pub opening: String,
    /// Words a written answer's headings use for this stage ("use cases", "scale the design").
    pub headings: Vec<String>,
    /// Whether a diagram's flows can show this stage's points. A diagram shows what the system
    /// is made of and how the parts connect; it does not state requirements, numbers or reasons.
    pub diagram_evidence: bool,
}

/// The ordered stages of one kind of interview, with its default length.
#[derive(Debug, Clone, PartialEq)]
pub struct Framework {
    pub kind: Kind,
    pub title: String,
    pub minutes: f64,
    pub stages: Vec<Stage>,
}

impl Framework {
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The stage's title for people, or the id itself for a stage this framework lacks
    /// (a session recorded under an older frameworks file).
    pub fn stage_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.stage(id).map_or(id, |s| s.title.as_str())
    }

    pub fn stage_index(&self, id: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.id == id)
    }

    /// The stage a written answer's heading names: the stage with the longest of its
    /// `headings` that the heading contains as whole words ("Step 1: Outline use cases and
    /// constraints" names requirements). `None` for a heading that names no stage.
    pub fn stage_for_heading(&self, heading: &str) -> Option<&Stage> {
        let h = format!(" {} ", normalise_heading(heading));
        let mut best: Option<(usize, &Stage)> = None;
        for stage in &self.stages {
            let own = [normalise_heading(&stage.title), stage.id.replace('_', " ")];
            for name in stage.headings.iter().chain(&own) {
                if !name.is_empty()
                    && h.contains(&format!(" {name} "))
                    && best.is_none_or(|(len, _)| name.len() > len)
                {
                    best = Some((name.len(), stage));
                }
            }
        }
        best.map(|(_, stage)| stage)
    }

    pub fn stage_ids(&self) -> Vec<&str> {
        self.stages.iter().map(|s| s.id.as_str()).collect()
    }

    /// Per-stage time budgets for an interview of `total_minutes`, scaled from the defaults.
    pub fn budgets(&self, total_minutes: f64) -> Vec<Duration> {
        let scale = total_minutes / self.minutes;
        self.stages
            .iter()
            .map(|s| Duration::from_secs_f64((s.minutes * scale * 60.0).round()))
            .collect()
    }
}

/// Both frameworks, as loaded from the embedded data file.
#[derive(Debug, Clone, PartialEq)]
pub struct Frameworks {
    design: Framework,
    concept: Framework,
}

/// The data file the frameworks live in, relative to the crate root.
pub const FRAMEWORKS_FILE: &str = "data/frameworks.toml";

impl Frameworks {
    /// The frameworks shipped in the binary. The file is tested, so a failure here is a build
    /// defect rather than user error.
    pub fn embedded() -> Result<Frameworks, Vec<Problem>> {
        let text = embedded::data(FRAMEWORKS_FILE).unwrap_or_default();
        Frameworks::parse(FRAMEWORKS_FILE, text)
    }

    /// Parses and validates a frameworks file, collecting every problem.
    pub fn parse(file: &str, text: &str) -> Result<Frameworks, Vec<Problem>> {
        let arena = toml_spanner::Arena::new();
        let (raw, mut problems) = tomlread::read::<RawFile>(file, text, &arena);
        let source = tomlread::Source::new(file, text);
        let mut design = None;
        let mut concept = None;
        for (i, fw) in raw.into_iter().flat_map(|r| r.frameworks).enumerate() {
            let path = format!("framework[{i}]");
            let mut stages: Vec<Stage> = Vec::new();
            for (j, st) in fw.stages.into_iter().enumerate() {
                if !is_slug_with_underscores(&st.id.value.0) {
                    problems.push(source.problem_at(
                        st.id.span,
                        &format!("{path}.stage[{j}].id"),
                        "stage ids are lowercase words joined by underscores".into(),
                    ));
                }
                if stages.iter().any(|s| s.id == st.id.value.0) {
                    problems.push(source.problem_at(
                        st.id.span,
                        &format!("{path}.stage[{j}].id"),
                        format!("duplicate stage \"{}\"", st.id.value.0),
                    ));
                }
                stages.push(Stage {
                    id: st.id.value.0,
                    title: st.title.0,
                    minutes: st.minutes.0,
                    weight: st.weight.0,
                    goal: st.goal.0,
                    opening: st.opening.0,
                    headings: st.headings,
                    diagram_evidence: st.diagram_evidence,
                });
            }
            let minutes = fw.minutes.value.0;
            let total: f64 = stages.iter().map(|s| s.minutes).sum();
            if !stages.is_empty() && (total - minutes).abs() > 0.01 {
                problems.push(source.problem_at(
                    fw.minutes.span,
                    &format!("{path}.minutes"),
                    format!("stage minutes add up to {total}, not {minutes}"),
                ));
            }
            let framework = Framework {
                kind: fw.kind.0,
                title: fw.title.0,
                minutes,
                stages,
            };
            match framework.kind {
                Kind::Design => design = Some(framework),
                Kind::Concept => concept = Some(framework),
            }
        }
        for (missing, name) in [(design.is_none(), "design"), (concept.is_none(), "concept")] {
            if missing {
                problems.push(source.problem(
                    1,
                    "framework",
                    format!("no framework with id \"{name}\""),
                ));
            }
        }
        match (design, concept) {
            (Some(design), Some(concept)) if problems.is_empty() => {
                Ok(Frameworks { design, concept })
            }
            _ => Err(tomlread::tidy(problems)),
        }
    }

    pub fn get(&self, kind: Kind) -> &Framework {
        match kind {
            Kind::Design => &self.design,
            Kind::Concept => &self.concept,
        }
    }
}

/// `data/frameworks.toml` as read. Its fields are all required, so a framework or stage with a
/// bad field is left out (its problems reported) rather than half-built.
struct RawFile {
    frameworks: Vec<RawFramework>,
}

impl<'de> FromToml<'de> for RawFile {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let frameworks = field::<List<Lenient<RawFramework>>>(&mut th, "framework");
        finish(th, &["framework"]);
        Ok(RawFile {
            frameworks: frameworks
                .map_or_else(Vec::new, |l| l.0.into_iter().filter_map(|f| f.0).collect()),
        })
    }
}

struct RawFramework {
    kind: Choice<Kind>,
    title: Text,
    minutes: Spanned<Number<1, 600>>,
    stages: Vec<RawStage>,
}

impl Expected for RawFramework {
    fn expected() -> String {
        "one or more [[framework]] tables".into()
    }
}

impl<'de> FromToml<'de> for RawFramework {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let kind = field(&mut th, "id");
        let title = field(&mut th, "title");
        let minutes = field(&mut th, "minutes");
        let stages = field::<List<Lenient<RawStage>>>(&mut th, "stage");
        finish(th, &["id", "title", "minutes", "stage"]);
        Ok(RawFramework {
            kind: kind.ok_or(Failed)?,
            title: title.ok_or(Failed)?,
            minutes: minutes.ok_or(Failed)?,
            stages: stages
                .ok_or(Failed)?
                .0
                .into_iter()
                .filter_map(|s| s.0)
                .collect(),
        })
    }
}

struct RawStage {
    id: Spanned<Text>,
    title: Text,
    minutes: Number<1, 300>,
    weight: Number<0, 1000>,
    goal: Text,
    opening: Text,
    headings: Vec<String>,
    diagram_evidence: bool,
}

impl Expected for RawStage {
    fn expected() -> String {
        "one or more [[framework.stage]] tables".into()
    }
}

impl<'de> FromToml<'de> for RawStage {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let id = field(&mut th, "id");
        let title = field(&mut th, "title");
        let minutes = field(&mut th, "minutes");
        let weight = field(&mut th, "weight");
        let goal = field(&mut th, "goal");
        let opening = field(&mut th, "opening");
        let headings = opt_field::<List<Text>>(&mut th, "headings");
        let diagram_evidence = opt_field::<bool>(&mut th, "diagram_evidence");
        finish(
            th,
            &[
                "id",
                "title",
                "minutes",
                "weight",
                "goal",
                "opening",
                "headings",
                "diagram_evidence",
            ],
        );
        Ok(RawStage {
            id: id.ok_or(Failed)?,
            title: title.ok_or(Failed)?,
            minutes: minutes.ok_or(Failed)?,
            weight: weight.ok_or(Failed)?,
            goal: goal.ok_or(Failed)?,
            opening: opening.ok_or(Failed)?,
            headings: headings
                .map(|l| l.0)
                .unwrap_or_default()
                .into_iter()
                .map(|h| normalise_heading(&h.0))
                .collect(),
            diagram_evidence: diagram_evidence.unwrap_or(false),
        })
    }
}

/// Lowercase words separated by single spaces, without numbering ("2.", "Step 3:") or
/// punctuation, so "Back-of-the-envelope" and "back of the envelope" compare equal.
pub fn normalise_heading(heading: &str) -> String {
    let lower = heading.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    // "step 1 …", "1 …", "part 2 …": the numbering says nothing about the stage.
    let skip = match words.as_slice() {
        ["step" | "part" | "phase", n, ..] if n.chars().all(|c| c.is_ascii_digit()) => 2,
        [n, ..] if n.chars().all(|c| c.is_ascii_digit()) => 1,
        _ => 0,
    };
    words[skip.min(words.len())..].join(" ")
}

fn is_slug_with_underscores(s: &str) -> bool {
    !s.is_empty()
        && s.split('_').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_frameworks_follow_the_design_notes() {
        let fw = Frameworks::embedded().expect("embedded frameworks are valid");
        let design = fw.get(Kind::Design);
        assert_eq!(
            design.stage_ids(),
            [
                "requirements",
                "estimation",
                "high_level",
                "deep_dive",
                "bottlenecks",
                "tradeoffs"
            ]
        );
        let minutes: Vec<f64> = design.stages.iter().map(|s| s.minutes).collect();
        assert_eq!(minutes, [5.0, 5.0, 10.0, 12.0, 8.0, 5.0]);
        assert_eq!(design.minutes, 45.0);
        assert_eq!(
            fw.get(Kind::Concept).stage_ids(),
            ["definition", "mechanics", "tradeoffs", "applications"]
        );
    }

    #[test]
    fn headings_in_other_words_name_their_stage() {
        let fw = Frameworks::embedded().unwrap();
        let design = fw.get(Kind::Design);
        let stage = |h: &str| design.stage_for_heading(h).map(|s| s.id.as_str());
        assert_eq!(
            stage("Step 1: Outline use cases and constraints"),
            Some("requirements")
        );
        assert_eq!(stage("Back-of-the-envelope"), Some("estimation"));
        assert_eq!(stage("2. Capacity estimation"), Some("estimation"));
        assert_eq!(
            stage("Step 2: Create a high level design"),
            Some("high_level")
        );
        assert_eq!(stage("Step 3: Design core components"), Some("deep_dive"));
        assert_eq!(stage("Step 4: Scale the design"), Some("bottlenecks"));
        assert_eq!(stage("Trade-offs"), Some("tradeoffs"));
        assert_eq!(stage("Deep dive: code generation"), Some("deep_dive"));
        assert_eq!(stage("Misc notes"), None);
        let concept = fw.get(Kind::Concept);
        let stage = |h: &str| concept.stage_for_heading(h).map(|s| s.id.as_str());
        assert_eq!(stage("What it says"), Some("definition"));
        assert_eq!(stage("How it works"), Some("mechanics"));
        assert_eq!(stage("When to use it"), Some("applications"));
    }

    #[test]
    fn budgets_scale_with_interview_length() {
        let fw = Frameworks::embedded().unwrap();
        let budgets = fw.get(Kind::Design).budgets(90.0);
        assert_eq!(budgets[0], Duration::from_secs(600));
        assert_eq!(budgets.iter().map(Duration::as_secs).sum::<u64>(), 90 * 60);
    }

    #[test]
    fn bad_frameworks_are_reported_with_lines() {
        let text = "[[framework]]\nid = \"design\"\ntitle = \"D\"\nminutes = 10\n[[framework.stage]]\nid = \"Bad Id\"\ntitle = \"x\"\nminutes = 5\nweight = 1\ngoal = \"g\"\nopening = \"o\"\n";
        let problems = Frameworks::parse("f.toml", text).unwrap_err();
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(lines.contains(&"f.toml:6: framework[0].stage[0].id: stage ids are lowercase words joined by underscores".to_string()), "{lines:?}");
        assert!(
            lines.contains(
                &"f.toml:4: framework[0].minutes: stage minutes add up to 5, not 10".to_string()
            ),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("no framework with id \"concept\"")),
            "{lines:?}"
        );
    }
}
