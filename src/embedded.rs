//! Data files compiled into the binary by `build.rs`: the question bank, the frameworks and the
//! prompt templates. Each entry is `(path relative to the crate root, contents)`.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Contents of an embedded file under `data/`, by its crate-relative path.
pub fn data(path: &str) -> Option<&'static str> {
    DATA.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
}

/// Parses an embedded data file with `parse`. The files are checked by the tests, so a failure
/// here is a build defect and panics with every problem found.
pub fn parse_data<T, P: std::fmt::Display>(
    path: &str,
    parse: impl FnOnce(&str, &str) -> Result<T, Vec<P>>,
) -> T {
    parse(path, data(path).unwrap_or_default()).unwrap_or_else(|problems| {
        panic!(
            "the built-in {path} is invalid: {}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}
