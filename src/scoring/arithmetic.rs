//! Back-of-the-envelope arithmetic in a candidate's own words: "100M / 86,400 ≈ 1,160",
//! "18B rows × 500 B ≈ 9 TB", "62^7 ≈ 3.5 trillion", "10M links/day → ~115 w/s". A candidate
//! who states their own assumptions and works them out correctly has done the estimation,
//! whatever numbers they assumed; one whose arithmetic is off by more than half has not.

/// One worked step found in a sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Calc {
    /// What the left side evaluates to.
    pub computed: f64,
    /// What the candidate wrote as the result.
    pub stated: f64,
    pub verdict: CalcVerdict,
    /// The step as written, for feedback.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalcVerdict {
    /// Within the tolerance of a rough estimate.
    Right,
    /// Off by more than half: a real mistake worth pointing out.
    Wrong,
    /// In between: rounding or a factor left unsaid; neither credited nor faulted.
    Unclear,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Num(f64),
    Op(char),
    /// `=`, `≈`, `~`, `→`, "is about", "gives"…: what follows is a stated result.
    Rel,
    /// `/day`, "per day": a daily figure (converted to per second with 86,400).
    PerDay,
    /// `/s`, "per second".
    PerSecond,
    Word,
}

/// Magnitude words and suffixes.
fn magnitude(word: &str) -> Option<f64> {
    Some(match word {
        "k" | "thousand" | "kb" => 1e3,
        "m" | "mm" | "million" | "mb" => 1e6,
        "b" | "bn" | "billion" | "gb" => 1e9,
        "t" | "trillion" | "tb" => 1e12,
        "pb" | "quadrillion" => 1e15,
        "kib" => 1024.0,
        "mib" => 1_048_576.0,
        "gib" => 1_073_741_824.0,
        "tib" => 1_099_511_627_776.0,
        _ => return None,
    })
}

/// Reads `text` into numbers, operators and relations; other words are kept as separators.
fn pieces(text: &str) -> Vec<(Piece, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let lower = text.to_lowercase();
    let mut out: Vec<(Piece, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_ascii_digit() {
            // 1,160 · 3.5 · 1e9
            let mut j = i;
            let mut digits = String::new();
            while j < chars.len() {
                let ch = chars[j].1;
                if ch.is_ascii_digit() || ch == '.' {
                    digits.push(ch);
                } else if ch == ','
                    && chars.get(j + 1).is_some_and(|(_, d)| d.is_ascii_digit())
                    && chars.get(j + 3).is_some_and(|(_, d)| d.is_ascii_digit())
                    && !chars.get(j + 4).is_some_and(|(_, d)| d.is_ascii_digit())
                {
                    // A thousands separator, not a list comma.
                } else if ch == '_' {
                } else {
                    break;
                }
                j += 1;
            }
            let mut value: f64 = digits.trim_end_matches('.').parse().unwrap_or(0.0);
            if chars.get(j).is_some_and(|(_, e)| *e == 'e')
                && chars.get(j + 1).is_some_and(|(_, d)| d.is_ascii_digit())
            {
                let mut k = j + 1;
                let mut exp = String::new();
                while k < chars.len() && chars[k].1.is_ascii_digit() {
                    exp.push(chars[k].1);
                    k += 1;
                }
                value *= 10f64.powi(exp.parse().unwrap_or(0));
                j = k;
            }
            // A suffix attached or after one space: 10M, 10 M, 5 TB, 2 billion.
            let mut k = j;
            while k < chars.len() && chars[k].1 == ' ' && k < j + 1 {
                k += 1;
            }
            let mut word = String::new();
            let mut m = k;
            while m < chars.len() && chars[m].1.is_ascii_alphabetic() {
                word.push(chars[m].1.to_ascii_lowercase());
                m += 1;
            }
            // "500 B" with a space is bytes; "18B" attached is billions.
            let attached = k == j;
            let factor = match word.as_str() {
                "b" if !attached => Some(1.0),
                w => magnitude(w),
            };
            if let Some(f) = factor {
                value *= f;
                j = m;
            } else if chars.get(j).is_some_and(|(_, p)| *p == '%') {
                value /= 100.0;
                j += 1;
            }
            out.push((Piece::Num(value), at));
            i = j;
            continue;
        }
        let rest = &lower[at..];
        let two = |s: &str| rest.starts_with(s);
        let piece = match c {
            '×' | '*' | '÷' | '^' | '+' => Some(Piece::Op(if c == '÷' {
                '/'
            } else if c == '*' {
                '×'
            } else {
                c
            })),
            'x' | 'X'
                if out.last().is_some_and(|(p, _)| matches!(p, Piece::Num(_)))
                    && chars
                        .get(i + 1)
                        .is_some_and(|(_, n)| !n.is_ascii_alphabetic())
                    && (i == 0 || !chars[i - 1].1.is_ascii_alphabetic()) =>
            {
                Some(Piece::Op('×'))
            }
            '/' if two("/day") || two("/d ") || two("/d,") => Some(Piece::PerDay),
            '/' if two("/s") || two("/sec") => Some(Piece::PerSecond),
            '/' => Some(Piece::Op('/')),
            '=' | '≈' | '→' => Some(Piece::Rel),
            '~' if out.last().is_some_and(|(p, _)| matches!(p, Piece::Num(_))) => Some(Piece::Rel),
            '-' if two("->") => Some(Piece::Rel),
            _ if c.is_alphabetic() => {
                let word: String = lower[at..]
                    .chars()
                    .take_while(|c| c.is_alphabetic())
                    .collect();
                let len = word.chars().count();
                let piece = match word.as_str() {
                    "times" => Piece::Op('×'),
                    "per" if rest[len..].trim_start().starts_with("day") => Piece::PerDay,
                    "per" if rest[len..].trim_start().starts_with("sec") => Piece::PerSecond,
                    "per" => Piece::Op('/'),
                    "is" | "gives" | "makes" | "equals" | "about" | "roughly" | "around"
                    | "approximately" | "approx" | "so" | "means" => Piece::Rel,
                    "daily" => Piece::PerDay,
                    _ => Piece::Word,
                };
                i += len;
                out.push((piece, at));
                continue;
            }
            _ => None,
        };
        if let Some(p) = piece {
            out.push((p, at));
        }
        i += 1;
    }
    out
}

/// Checks every worked step in `text`.
pub fn calculations(text: &str) -> Vec<Calc> {
    let pieces = pieces(text);
    let mut calcs = Vec::new();
    let mut last_value: Option<f64> = None;
    let mut i = 0;
    while i < pieces.len() {
        // An expression: number (op number)+, words allowed between ("18B rows × 500 B").
        let (start_value, start) = match &pieces[i].0 {
            Piece::Num(v) => (*v, i),
            // "peak ×3 ≈ 350": the operator continues the previous figure.
            Piece::Op(_) if last_value.is_some() => (last_value.unwrap_or(0.0), i),
            _ => {
                i += 1;
                continue;
            }
        };
        let mut value = start_value;
        let mut j = if matches!(pieces[i].0, Piece::Num(_)) {
            i + 1
        } else {
            i
        };
        let mut ops = 0;
        let mut per_day = false;
        loop {
            // Skip words up to the next operator.
            let mut k = j;
            while k < pieces.len() && matches!(pieces[k].0, Piece::Word) && k < j + 3 {
                k += 1;
            }
            match (pieces.get(k).map(|p| &p.0), pieces.get(k + 1).map(|p| &p.0)) {
                (Some(Piece::Op(op)), Some(Piece::Num(n))) => {
                    value = apply(value, *op, *n);
                    ops += 1;
                    j = k + 2;
                }
                (Some(Piece::PerDay), _) => {
                    per_day = true;
                    j = k + 1;
                }
                _ => break,
            }
        }
        // The stated result: a relation, then a number, within a few words.
        let mut k = j;
        while k < pieces.len() && matches!(pieces[k].0, Piece::Word | Piece::PerDay) && k < j + 4 {
            k += 1;
        }
        let has_rel = pieces.get(k).is_some_and(|p| p.0 == Piece::Rel);
        if has_rel {
            let mut r = k + 1;
            while r < pieces.len() && matches!(pieces[r].0, Piece::Rel | Piece::Word) && r < k + 4 {
                r += 1;
            }
            if let Some((Piece::Num(stated), _)) = pieces.get(r) {
                // "10M links/day → ~115 w/s": a daily figure stated per second.
                let per_second = pieces[r + 1..(r + 4).min(pieces.len())]
                    .iter()
                    .any(|p| p.0 == Piece::PerSecond);
                let computed = if per_day && per_second {
                    Some(value / 86_400.0)
                } else if ops > 0 {
                    Some(value)
                } else {
                    None
                };
                let Some(computed) = computed else {
                    // Not a worked step ("100:1 → 1B redirects/day"): the stated figure may
                    // start one.
                    last_value = Some(*stated);
                    i = r;
                    continue;
                };
                {
                    let from = pieces[start].1;
                    let to = pieces
                        .get(r + 1)
                        .map_or(text.len(), |p| p.1)
                        .min(text.len());
                    calcs.push(Calc {
                        computed,
                        stated: *stated,
                        verdict: judge(computed, *stated),
                        text: text[from..to].trim().to_owned(),
                    });
                }
                last_value = Some(*stated);
                i = r + 1;
                continue;
            }
        }
        last_value = Some(value);
        i = j.max(i + 1);
    }
    calcs
}

fn apply(left: f64, op: char, right: f64) -> f64 {
    match op {
        '×' => left * right,
        '/' if right != 0.0 => left / right,
        '^' => left.powf(right),
        '+' => left + right,
        _ => left,
    }
}

/// Rough estimates are rounded: within a third counts as right, beyond a factor of two as
/// wrong.
fn judge(computed: f64, stated: f64) -> CalcVerdict {
    if computed <= 0.0 || stated <= 0.0 {
        return CalcVerdict::Unclear;
    }
    let ratio = (computed / stated).max(stated / computed);
    if ratio <= 1.35 {
        CalcVerdict::Right
    } else if ratio >= 2.0 {
        CalcVerdict::Wrong
    } else {
        CalcVerdict::Unclear
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(text: &str) -> Vec<CalcVerdict> {
        calculations(text).iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn right_steps_are_recognised_in_many_notations() {
        for text in [
            "100M / 86,400 ≈ 1,160 writes per second",
            "18B rows × 500 B ≈ 9 TB",
            "62^7 ≈ 3.5 trillion codes",
            "10M new links/day → ~115 w/s avg",
            "5 yrs: 10M × 365 × 5 ≈ 18B rows",
            "35k × ~500 B ≈ 17 MB/s out",
            "200M users * 2 KB = 400 GB",
            "1 billion per day is about 11.6k per second",
        ] {
            assert_eq!(verdicts(text), [CalcVerdict::Right], "{text}");
        }
    }

    #[test]
    fn a_continued_step_uses_the_figure_before_it() {
        let calcs = calculations("~115 w/s avg, peak ×3 ≈ 350 w/s");
        assert_eq!(calcs.len(), 1, "{calcs:?}");
        assert_eq!(calcs[0].verdict, CalcVerdict::Right);
    }

    #[test]
    fn wrong_steps_are_caught_and_bare_numbers_are_not_steps() {
        assert_eq!(
            verdicts("1B a day / 86,400 = 1M per second"),
            [CalcVerdict::Wrong]
        );
        assert_eq!(verdicts("30M × 4 = 12M"), [CalcVerdict::Wrong]);
        assert!(calculations("Use 7 characters and 3 replicas.").is_empty());
        assert!(calculations("p99 under 20 ms").is_empty());
    }
}
