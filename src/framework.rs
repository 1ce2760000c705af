//! Interview frameworks: the ordered stages an interview walks through, loaded from
//! `data/frameworks.toml` so that stage titles, goals, budgets and score weights can be tuned
//! without touching code.

use std::time::Duration;

use crate::embedded;
use crate::tomlread::{Doc, Problem};

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
        let (doc, table) = Doc::parse(file, text, &arena);
        let Some(table) = table else {
            return Err(doc.into_problems());
        };
        let root = doc.root(&table);
        let mut design = None;
        let mut concept = None;
        for fw in root.tables("framework", true) {
            let kind = fw
                .choice("id", "framework", &Kind::NAMES)
                .and_then(|k| Kind::parse(&k));
            let title = fw.string("title").unwrap_or_default();
            let minutes = fw.number("minutes", 1.0..=600.0).unwrap_or(1.0);
            let mut stages: Vec<Stage> = Vec::new();
            for st in fw.tables("stage", true) {
                let stage = Stage {
                    id: st.string("id").unwrap_or_default(),
                    title: st.string("title").unwrap_or_default(),
                    minutes: st.number("minutes", 0.5..=300.0).unwrap_or(1.0),
                    weight: st.number("weight", 0.0..=1000.0).unwrap_or(0.0),
                    goal: st.string("goal").unwrap_or_default(),
                    opening: st.string("opening").unwrap_or_default(),
                };
                if !is_slug_with_underscores(&stage.id) {
                    st.problem("id", "stage ids are lowercase words joined by underscores");
                }
                if stages.iter().any(|s| s.id == stage.id) {
                    st.problem("id", format!("duplicate stage \"{}\"", stage.id));
                }
                st.finish();
                stages.push(stage);
            }
            let total: f64 = stages.iter().map(|s| s.minutes).sum();
            if !stages.is_empty() && (total - minutes).abs() > 0.01 {
                fw.problem(
                    "minutes",
                    format!("stage minutes add up to {total}, not {minutes}"),
                );
            }
            fw.finish();
            let framework = kind.map(|kind| Framework {
                kind,
                title,
                minutes,
                stages,
            });
            match framework {
                Some(f) if f.kind == Kind::Design => design = Some(f),
                Some(f) => concept = Some(f),
                None => {}
            }
        }
        root.finish();
        for (missing, name) in [(design.is_none(), "design"), (concept.is_none(), "concept")] {
            if missing {
                doc.push(1, "framework", format!("no framework with id \"{name}\""));
            }
        }
        if doc.has_problems() {
            return Err(doc.into_problems());
        }
        Ok(Frameworks {
            design: design.expect("checked above"),
            concept: concept.expect("checked above"),
        })
    }

    pub fn get(&self, kind: Kind) -> &Framework {
        match kind {
            Kind::Design => &self.design,
            Kind::Concept => &self.concept,
        }
    }
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
