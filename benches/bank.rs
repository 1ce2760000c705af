//! Question bank benchmarks (issue #2): parse + validate 100 questions, and the whole
//! `rehearse questions --format json` process. Run with `cargo bench --bench bank`.
//! Targets: ≤ 5 ms and ≤ 20 ms at the median.

use std::process::Command;
use std::time::{Duration, Instant};

use rehearse::bank::load::{self, SourceFile};
use rehearse::framework::Frameworks;

/// Median of `runs` timings of `f`, after a warm-up run.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// Exactly 100 question files: the embedded bank, topped up with renumbered copies of its
/// own files when it holds fewer than 100.
fn hundred_files() -> Vec<SourceFile> {
    let embedded = load::embedded_files();
    let mut files: Vec<SourceFile> = Vec::new();
    let mut n = 0;
    while files.len() < 100 {
        let base = &embedded[n % embedded.len()];
        let text = if n < embedded.len() {
            base.text.to_string()
        } else {
            let number = 1000 + n;
            let id_line = base.text.lines().find(|l| l.starts_with("id = ")).unwrap();
            let num_line = base
                .text
                .lines()
                .find(|l| l.starts_with("number = "))
                .unwrap();
            base.text
                .replacen(id_line, &format!("id = \"synthetic-{n}\""), 1)
                .replacen(num_line, &format!("number = {number}"), 1)
        };
        files.push(SourceFile {
            display: format!("synthetic/{n}.toml"),
            origin: base.origin.clone(),
            text: text.into(),
        });
        n += 1;
    }
    files
}

fn main() {
    let frameworks = Frameworks::embedded().expect("frameworks");
    let files = hundred_files();
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    let parse = median(51, || {
        let copy: Vec<SourceFile> = files
            .iter()
            .map(|f| SourceFile {
                display: f.display.clone(),
                origin: f.origin.clone(),
                text: f.text.clone(),
            })
            .collect();
        let bank = load::build(&frameworks, vec![copy]).expect("valid bank");
        assert_eq!(bank.len(), 100);
    });
    println!(
        "bank/parse+validate 100 questions ({} KB): median {:.2} ms (target ≤ 5 ms)",
        bytes / 1024,
        parse.as_secs_f64() * 1e3
    );

    // The floor under that number: toml-spanner's parse of the same text, without reading it
    // into questions or validating anything.
    let syntax = median(51, || {
        for f in &files {
            let arena = toml_spanner::Arena::new();
            let doc = toml_spanner::parse(&f.text, &arena).expect("valid TOML");
            std::hint::black_box(&doc);
        }
    });
    println!(
        "bank/TOML syntax only, same files: median {:.2} ms (the floor for the line above)",
        syntax.as_secs_f64() * 1e3
    );

    let exe = env!("CARGO_BIN_EXE_rehearse");
    let home = tempfile::tempdir().expect("temp dir");
    let process = median(31, || {
        let out = Command::new(exe)
            .args(["questions", "--format", "json"])
            .env_clear()
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .env("XDG_DATA_HOME", home.path())
            .output()
            .expect("run rehearse");
        assert!(out.status.success());
    });
    println!(
        "cli/`rehearse questions --format json` whole process: median {:.2} ms (target ≤ 20 ms)",
        process.as_secs_f64() * 1e3
    );
}
