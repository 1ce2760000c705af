//! Small string helpers shared across modules.

/// Levenshtein distance over bytes; used to suggest ids and commands, which are ASCII.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// `text` cut to at most `max` characters, ending in "…" when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// "1 problem", "3 problems".
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// An I/O error as a short phrase, without Rust's " (os error N)" suffix, so a message that
/// already names the file reads "cannot read x: permission denied" once, not twice.
pub fn io_message(err: &std::io::Error) -> String {
    let text = err.to_string();
    let text = match text.find(" (os error ") {
        Some(at) => &text[..at],
        None => text.as_str(),
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("url-shortner", "url-shortener"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn clip_cuts_on_characters() {
        assert_eq!(clip("héllo wörld", 20), "héllo wörld");
        assert_eq!(clip("héllo wörld", 6), "héllo…");
    }

    #[test]
    fn io_errors_read_once() {
        let err = std::io::Error::from_raw_os_error(21);
        assert_eq!(io_message(&err), "is a directory");
    }

    #[test]
    fn plural_counts() {
        assert_eq!(plural(1, "problem"), "1 problem");
        assert_eq!(plural(2, "problem"), "2 problems");
    }
}
