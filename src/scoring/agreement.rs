//! How well a scorer agrees with answers graded blind (`tests/data/graded/`): the measurements
//! behind `cargo run --release --example agreement` and the floors `tests/agreement.rs`
//! asserts. Grades come from two graders per answer who saw only the question, its reference
//! and the anonymised answers; `intended` is what the writer aimed for.

use toml_spanner::{Context, Failed, FromToml, Item};

use crate::scoring::Band;
use crate::tomlread::{self, Choice, Int, List, Text, field, finish};

/// One graded answer.
#[derive(Debug, Clone, PartialEq)]
pub struct GradedAnswer {
    pub question: String,
    /// Path relative to the graded directory.
    pub file: String,
    /// `dev` (calibrated on), `holdout` or `diagram` (only measured).
    pub set: String,
    /// strong, good, mediocre, weak, empty or stuffed.
    pub intended: String,
    pub grades: Vec<BlindGrade>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BlindGrade {
    pub grader: String,
    pub score: f64,
    pub band: Band,
}

impl GradedAnswer {
    /// The graders' mean score.
    pub fn blind_score(&self) -> f64 {
        self.grades.iter().map(|g| g.score).sum::<f64>() / self.grades.len().max(1) as f64
    }

    /// The graders' band: insufficient when they all say so, else the band of the mean score.
    pub fn blind_band(&self) -> Band {
        if !self.grades.is_empty() && self.grades.iter().all(|g| g.band == Band::Insufficient) {
            Band::Insufficient
        } else {
            Band::from_overall(self.blind_score())
        }
    }
}

impl tomlread::Choices for Band {
    const WHAT: &'static str = "band";
    const NAMES: &'static [&'static str] = &[
        "strong_hire",
        "hire",
        "lean_no_hire",
        "no_hire",
        "insufficient",
    ];
    fn parse(s: &str) -> Option<Self> {
        BAND_ORDER.into_iter().find(|b| b.as_str() == s)
    }
}

struct RawFile(Vec<GradedAnswer>);

impl<'de> FromToml<'de> for RawFile {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let answers = field::<List<GradedAnswer>>(&mut th, "answer");
        finish(th, &["answer"]);
        Ok(RawFile(answers.ok_or(Failed)?.0))
    }
}

impl tomlread::Expected for GradedAnswer {
    fn expected() -> String {
        "[[answer]] tables".into()
    }
}

impl tomlread::Expected for BlindGrade {
    fn expected() -> String {
        "[[answer.grade]] tables".into()
    }
}

impl<'de> FromToml<'de> for GradedAnswer {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let question: Option<Text> = field(&mut th, "question");
        let file: Option<Text> = field(&mut th, "file");
        let set: Option<Text> = field(&mut th, "set");
        let intended: Option<Text> = field(&mut th, "intended");
        let grades = field::<List<BlindGrade>>(&mut th, "grade");
        finish(th, &["question", "file", "set", "intended", "grade"]);
        Ok(GradedAnswer {
            question: question.ok_or(Failed)?.0,
            file: file.ok_or(Failed)?.0,
            set: set.ok_or(Failed)?.0,
            intended: intended.ok_or(Failed)?.0,
            grades: grades.ok_or(Failed)?.0,
        })
    }
}

impl<'de> FromToml<'de> for BlindGrade {
    fn from_toml(ctx: &mut Context<'de>, item: &Item<'de>) -> Result<Self, Failed> {
        let mut th = item.table_helper(ctx)?;
        let grader: Option<Text> = field(&mut th, "grader");
        let score: Option<Int<0, 100>> = field(&mut th, "score");
        let band: Option<Choice<Band>> = field(&mut th, "band");
        let _why: Option<Text> = tomlread::opt_field(&mut th, "why");
        finish(th, &["grader", "score", "band", "why"]);
        Ok(BlindGrade {
            grader: grader.ok_or(Failed)?.0,
            score: score.ok_or(Failed)?.0 as f64,
            band: band.ok_or(Failed)?.0,
        })
    }
}

/// Reads `grades.toml`.
pub fn parse(file: &str, text: &str) -> Result<Vec<GradedAnswer>, Vec<tomlread::Problem>> {
    let arena = toml_spanner::Arena::new();
    let (raw, problems) = tomlread::read::<RawFile>(file, text, &arena);
    match raw {
        Some(RawFile(answers)) if problems.is_empty() => Ok(answers),
        _ => Err(tomlread::tidy(problems)),
    }
}

/// Ranks with ties sharing their mean rank (1-based).
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            ranks[order[k]] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman's rank correlation (Pearson on ranks, so ties are handled).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

pub fn mean_absolute_error(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len().max(1) as f64
}

pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Bands in order, insufficient below no_hire, for "within one step".
pub const BAND_ORDER: [Band; 5] = [
    Band::Insufficient,
    Band::NoHire,
    Band::LeanNoHire,
    Band::Hire,
    Band::StrongHire,
];

pub fn band_step(band: Band) -> usize {
    BAND_ORDER
        .iter()
        .position(|b| *b == band)
        .expect("every band")
}

/// One scored answer beside its blind grade.
#[derive(Debug, Clone)]
pub struct Pair {
    pub answer: GradedAnswer,
    pub score: f64,
    pub band: Band,
}

/// The agreement numbers over a set of pairs.
#[derive(Debug, Clone)]
pub struct Agreement {
    pub n: usize,
    pub spearman: f64,
    pub mae: f64,
    /// Share of answers whose band is within one step of the blind band.
    pub within_one_band: f64,
    /// Counts by (blind band, our band), in [`BAND_ORDER`].
    pub confusion: [[usize; 5]; 5],
    /// (intended grade, our median, blind median).
    pub medians: Vec<(String, f64, f64)>,
    /// Questions where the keyword-stuffed answer scored below the mediocre one, of those
    /// that have both.
    pub stuffed_below_mediocre: (usize, usize),
}

pub const INTENDED: [&str; 6] = ["strong", "good", "mediocre", "weak", "stuffed", "empty"];

pub fn measure(pairs: &[Pair]) -> Agreement {
    let ours: Vec<f64> = pairs.iter().map(|p| p.score).collect();
    let blind: Vec<f64> = pairs.iter().map(|p| p.answer.blind_score()).collect();
    let mut confusion = [[0; 5]; 5];
    let mut within = 0;
    for p in pairs {
        let (b, o) = (band_step(p.answer.blind_band()), band_step(p.band));
        confusion[b][o] += 1;
        if b.abs_diff(o) <= 1 {
            within += 1;
        }
    }
    let medians = INTENDED
        .iter()
        .filter_map(|grade| {
            let ours: Vec<f64> = pairs
                .iter()
                .filter(|p| p.answer.intended == *grade)
                .map(|p| p.score)
                .collect();
            let blind: Vec<f64> = pairs
                .iter()
                .filter(|p| p.answer.intended == *grade)
                .map(|p| p.answer.blind_score())
                .collect();
            (!ours.is_empty()).then(|| ((*grade).to_owned(), median(&ours), median(&blind)))
        })
        .collect();
    let mut questions: Vec<&str> = pairs.iter().map(|p| p.answer.question.as_str()).collect();
    questions.sort_unstable();
    questions.dedup();
    let mut stuffed = (0, 0);
    for q in questions {
        let score_of = |grade: &str| {
            pairs
                .iter()
                .find(|p| p.answer.question == q && p.answer.intended == grade)
                .map(|p| p.score)
        };
        if let (Some(s), Some(m)) = (score_of("stuffed"), score_of("mediocre")) {
            stuffed.1 += 1;
            if s < m {
                stuffed.0 += 1;
            }
        }
    }
    Agreement {
        n: pairs.len(),
        spearman: spearman(&ours, &blind),
        mae: mean_absolute_error(&ours, &blind),
        within_one_band: within as f64 / pairs.len().max(1) as f64,
        confusion,
        medians,
        stuffed_below_mediocre: stuffed,
    }
}

/// Fits a calibration curve: the increasing piecewise-linear map from rubric share to score
/// that best follows the blind grades (isotonic regression by pooling adjacent violators, then
/// thinned to at most `max_points` corners between (0, 0) and (1, 100)). `pairs` are
/// (share, blind score) of graded answers that are not `insufficient`.
pub fn fit(pairs: &[(f64, f64)], max_points: usize) -> Vec<(f64, f64)> {
    let mut sorted: Vec<(f64, f64)> = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    // Blocks of (sum x, sum y, n), merged while a block's mean exceeds the next one's.
    let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
    for (x, y) in sorted {
        blocks.push((x, y, 1.0));
        while blocks.len() >= 2 {
            let (x2, y2, n2) = blocks[blocks.len() - 1];
            let (x1, y1, n1) = blocks[blocks.len() - 2];
            if y1 / n1 >= y2 / n2 {
                blocks.truncate(blocks.len() - 2);
                blocks.push((x1 + x2, y1 + y2, n1 + n2));
            } else {
                break;
            }
        }
    }
    // Thin to the corner budget by merging the neighbouring pair with the closest means.
    let inner = max_points.saturating_sub(2).max(1);
    while blocks.len() > inner {
        let (at, _) = blocks
            .windows(2)
            .enumerate()
            .map(|(i, w)| (i, w[1].1 / w[1].2 - w[0].1 / w[0].2))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("two or more blocks");
        let (x1, y1, n1) = blocks[at];
        let (x2, y2, n2) = blocks.remove(at + 1);
        blocks[at] = (x1 + x2, y1 + y2, n1 + n2);
    }
    let mut points = vec![(0.0, 0.0)];
    for (x, y, n) in blocks {
        let (x, y) = (
            (x / n * 1000.0).round() / 1000.0,
            (y / n * 10.0).round() / 10.0,
        );
        let last = *points.last().expect("starts with a point");
        if x > last.0 && x < 1.0 {
            points.push((x, y.max(last.1).min(100.0)));
        }
    }
    points.push((1.0, 100.0));
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_is_one_for_any_increasing_relation_and_handles_ties() {
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 90.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(ranks(&[5.0, 1.0, 5.0]), vec![2.5, 1.0, 2.5]);
    }

    #[test]
    fn the_fit_is_increasing_and_follows_the_grades() {
        let pairs = [
            (0.1, 10.0),
            (0.2, 30.0),
            (0.25, 25.0),
            (0.5, 70.0),
            (0.6, 85.0),
            (0.8, 95.0),
        ];
        let points = fit(&pairs, 6);
        assert_eq!(points.first(), Some(&(0.0, 0.0)));
        assert_eq!(points.last(), Some(&(1.0, 100.0)));
        assert!(points.len() <= 6);
        assert!(
            points
                .windows(2)
                .all(|w| w[1].0 > w[0].0 && w[1].1 >= w[0].1)
        );
        crate::scoring::calibration::Curve::new(points).unwrap();
    }

    #[test]
    fn the_graded_set_parses() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/graded/grades.toml"
        ))
        .unwrap();
        let answers = parse("grades.toml", &text).unwrap();
        assert!(answers.len() >= 72);
        // Two blind graders each for the calibration sets; the diagram set has one.
        assert!(
            answers
                .iter()
                .filter(|a| a.set != "diagram")
                .all(|a| a.grades.len() >= 2)
        );
        assert!(answers.iter().all(|a| !a.grades.is_empty()));
    }
}
