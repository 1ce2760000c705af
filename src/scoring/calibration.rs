//! Calibration as data (`data/calibration.toml`): per scorer, the curve that turns the share of
//! the rubric an answer shows into a 0–100 score, fitted on the blind-graded development set,
//! and the offline scorer's verdict thresholds. Code never hard-codes how generous a grade is.

use std::sync::LazyLock;

use toml_spanner::{Context, Failed, FromToml, Item};

use crate::scoring::ScorerKind;
use crate::tomlread::{self, Number, field, finish, opt_field};

pub const CALIBRATION_FILE: &str = "data/calibration.toml";

/// An increasing piecewise-linear map from [0, 1] to [0, 100].
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    points: Vec<(f64, f64)>,
}

impl Curve {
    pub fn identity() -> Curve {
        Curve {
            points: vec![(0.0, 0.0), (1.0, 100.0)],
        }
    }

    /// Checks the corners: from (0, 0) to (1, 100), shares strictly increasing, scores never
    /// decreasing.
    pub fn new(points: Vec<(f64, f64)>) -> Result<Curve, String> {
        if points.len() < 2 {
            return Err("needs at least two points".into());
        }
        if points[0] != (0.0, 0.0) || points[points.len() - 1] != (1.0, 100.0) {
            return Err("must start at [0, 0] and end at [1, 100]".into());
        }
        for pair in points.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            if x1 <= x0 || y1 < y0 {
                return Err(format!(
                    "[{x0}, {y0}] then [{x1}, {y1}]: shares must increase and scores must not fall"
                ));
            }
        }
        Ok(Curve { points })
    }

    pub fn points(&self) -> &[(f64, f64)] {
        &self.points
    }

    /// The score for a share of the rubric.
    pub fn score(&self, share: f64) -> f64 {
        let x = share.clamp(0.0, 1.0);
        for pair in self.points.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            if x <= x1 {
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
            }
        }
        100.0
    }
}

/// The offline scorer's weights: how much evidence of what kind earns what. See
/// `data/calibration.toml` for what each one does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Facet coverage at which an item is covered, and partly covered.
    pub covered: f64,
    pub partial: f64,
    /// The least a facet must score for its item to count at all.
    pub solid: f64,
    /// What a loose match (content words in any order) is worth against an exact one.
    pub loose: f64,
    /// What a plain statement carries, what each kind of detail adds, and what a sentence
    /// that only asserts capabilities carries.
    pub base: f64,
    pub per_detail: f64,
    pub claim: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            covered: 0.6,
            partial: 0.3,
            solid: 0.5,
            loose: 0.75,
            base: 0.4,
            per_detail: 0.25,
            claim: 0.2,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub offline: Curve,
    pub llm: Curve,
    pub weights: Weights,
}

impl Calibration {
    pub fn curve(&self, kind: ScorerKind) -> &Curve {
        match kind {
            ScorerKind::Offline => &self.offline,
            ScorerKind::Llm => &self.llm,
        }
    }

    pub fn parse(file: &str, text: &str) -> Result<Calibration, Vec<tomlread::Problem>> {
        let arena = toml_spanner::Arena::new();
        let (raw, problems) = tomlread::read::<RawFile>(file, text, &arena);
        match raw {
            Some(RawFile {
                offline: Some(offline),
                llm: Some(llm),
            }) if problems.is_empty() => Ok(Calibration {
                offline: offline.curve,
                llm: llm.curve,
                weights: offline.weights,
            }),
            _ => Err(tomlread::tidy(problems)),
        }
    }

    /// The embedded calibration (tested, so a failure is a build defect).
    pub fn embedded() -> &'static Calibration {
        static CALIBRATION: LazyLock<Calibration> =
            LazyLock::new(|| crate::embedded::parse_data(CALIBRATION_FILE, Calibration::parse));
        &CALIBRATION
    }
}

struct RawFile {
    offline: Option<RawScorer>,
    llm: Option<RawScorer>,
}

struct RawScorer {
    curve: Curve,
    weights: Weights,
}

impl tomlread::Expected for RawScorer {
    fn expected() -> String {
        "a table with points".into()
    }
}

struct RawPoint(f64, f64);

impl tomlread::Expected for RawPoint {
    fn expected() -> String {
        "[share, score] pairs".into()
    }
}

impl<'de> FromToml<'de> for RawPoint {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let [Number(x), Number(y)] = <[Number<0, 100>; 2]>::from_toml(ctx, item)?;
        Ok(RawPoint(x, y))
    }
}

impl<'de> FromToml<'de> for RawFile {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let offline = field(&mut th, "offline");
        let llm = field(&mut th, "llm");
        finish(th, &["offline", "llm"]);
        Ok(RawFile { offline, llm })
    }
}

impl<'de> FromToml<'de> for RawScorer {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let points = field::<tomlread::List<RawPoint>>(&mut th, "points");
        let d = Weights::default();
        let unit = |th: &mut toml_spanner::TableHelper<'_, '_, 'de>, key: &'static str, or: f64| {
            opt_field::<Number<0, 1>>(th, key).map_or(or, |n| n.0)
        };
        let covered = unit(&mut th, "covered", d.covered);
        let partial = unit(&mut th, "partial", d.partial);
        let solid = unit(&mut th, "solid", d.solid);
        let loose = unit(&mut th, "loose", d.loose);
        let base = unit(&mut th, "base", d.base);
        let per_detail = unit(&mut th, "per_detail", d.per_detail);
        let claim = unit(&mut th, "claim", d.claim);
        finish(
            th,
            &[
                "points",
                "covered",
                "partial",
                "solid",
                "loose",
                "base",
                "per_detail",
                "claim",
            ],
        );
        let points = points.ok_or(Failed)?;
        let curve = Curve::new(points.0.iter().map(|p| (p.0, p.1)).collect()).map_err(|e| {
            let at = item
                .as_table()
                .and_then(|t| t.get("points"))
                .unwrap_or(item);
            ctx.report_custom_error(e, at)
        })?;
        Ok(RawScorer {
            curve,
            weights: Weights {
                covered,
                partial,
                solid,
                loose,
                base,
                per_detail,
                claim,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_calibration_is_valid() {
        let c = Calibration::embedded();
        assert_eq!(c.curve(ScorerKind::Offline).score(0.0), 0.0);
        assert_eq!(c.curve(ScorerKind::Offline).score(1.0), 100.0);
        assert!(c.weights.covered > c.weights.partial);
    }

    #[test]
    fn curves_interpolate_and_refuse_bad_corners() {
        let c = Curve::new(vec![(0.0, 0.0), (0.5, 80.0), (1.0, 100.0)]).unwrap();
        assert_eq!(c.score(0.25), 40.0);
        assert_eq!(c.score(0.75), 90.0);
        assert!(Curve::new(vec![(0.0, 0.0), (0.5, 90.0), (0.4, 95.0), (1.0, 100.0)]).is_err());
        assert!(Curve::new(vec![(0.0, 10.0), (1.0, 100.0)]).is_err());
        let bad = Calibration::parse(
            "c.toml",
            "[offline]\npoints = [[0.0, 0.0], [1.0, 90.0]]\n[llm]\npoints = [[0.0, 0.0], [1.0, 100.0]]\n",
        )
        .unwrap_err();
        assert!(
            bad[0]
                .to_string()
                .starts_with("c.toml:2: offline.points: must start"),
            "{bad:?}"
        );
    }
}
