//! Data files compiled into the binary by `build.rs`: the question bank, the frameworks and the
//! prompt templates. Each entry is `(path relative to the crate root, contents)`.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Contents of an embedded file under `data/`, by its crate-relative path.
pub fn data(path: &str) -> Option<&'static str> {
    DATA.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
}
