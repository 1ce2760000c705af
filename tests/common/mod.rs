//! Shared test scaffolding: an isolated sandbox (its own HOME, config, data dir and working
//! directory, and an empty environment) so tests never read the developer's settings.

#![allow(dead_code)]

pub mod batch_api;
pub mod llama_session;
pub mod mock;
pub mod tokens;

use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A small, valid concept question used as the base for loader and CLI tests. Line numbers in
/// expected error messages refer to this text.
pub const VALID_QUESTION: &str = r#"id = "caching-basics"
number = 900
title = "What is a cache and where would you put one?"
level = "basic"
kind = "concept"
topics = ["caching"]
minutes = 15
prompt = "Explain what a cache is and where you would add one in a web service."
reference = """
A cache keeps copies of hot data in fast storage, such as RAM in Redis or Memcached, so repeated \
reads skip the slow database. Entries expire with a time to live and are evicted with LRU when \
memory fills up. Caches trade freshness for speed.\
"""
pitfalls = ["Caching without a plan for invalidation."]

[[rubric]]
id = "what-it-is"
stage = "definition"
weight = 3
point = "A cache keeps copies of hot data in fast storage."
probe = "What does the service keep, and where, so repeat reads are quick?"
concepts = ["hot data|frequently read", "RAM|in memory|Redis|Memcached"]

[[rubric]]
id = "expiry"
stage = "mechanics"
weight = 2
point = "Entries expire (TTL) and are evicted (LRU)."
probe = "What happens to an entry that nobody reads for a week, or when memory fills up?"
concepts = ["time to live|TTL", "LRU|least recently used|evicted"]

[[rubric]]
id = "freshness"
stage = "tradeoffs"
weight = 2
point = "Caches trade freshness for speed."
probe = "What does a reader risk seeing when the cached copy is older than the database?"
concepts = ["freshness|stale", "speed|latency"]

[[rubric]]
id = "where"
stage = "applications"
weight = 1
point = "Names real caches."
probe = "Which products would you actually deploy for this?"
concepts = ["Redis|Memcached|CDN"]

[[facts]]
keywords = ["traffic"]
answer = "Assume a read-heavy web service."

[[followups]]
stage = "mechanics"
ask = "What happens when memory fills up?"
rubric = "expiry"

[[hints]]
stage = "definition"
text = "Think about where repeated reads go."
"#;

pub struct Sandbox {
    pub dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["home", "config", "data", "work"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The working directory the command runs in (where `.env` is read from).
    pub fn work(&self) -> PathBuf {
        self.path().join("work")
    }

    /// `rehearse` with an empty environment apart from isolated HOME / XDG directories.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("rehearse").expect("binary built");
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path().join("home"))
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_DATA_HOME", self.path().join("data"))
            .current_dir(self.work());
        cmd
    }

    /// Writes `text` to `rel` under the sandbox, creating directories; returns the full path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Replaces the sandbox path in output so snapshots are stable.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.path().display().to_string(), "[SANDBOX]")
    }
}
