//! Reports (Markdown, HTML, JSON), history and stats over a set of fixture sessions (one of
//! them corrupted), snapshot-tested with times and ids redacted; the HTML report checked in
//! real headless Chromium.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{Sandbox, VALID_QUESTION};
use predicates::prelude::*;
use rehearse::bank::Bank;
use rehearse::scoring::offline;
use rehearse::session::Setup;
use rehearse::session::{Session, Speaker, TurnKind};
use rehearse::store::Store;

const PAYLOAD: &str = "<script>document.title='PWNED'</script> <img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">";

fn at(day: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 9, minute, 0).unwrap()
}

/// A finished, scored session on `question` with the given candidate turns.
fn session(
    bank: &Bank,
    question: &str,
    id: &str,
    start: DateTime<Utc>,
    turns: &[(&str, &str)],
) -> Session {
    let q = bank.find(question).unwrap();
    let framework = bank.frameworks().get(q.kind);
    let mut s = Session::new(id.into(), q, framework, Setup::offline(q.minutes), start);
    s.push(
        Speaker::Interviewer,
        TurnKind::Opening,
        q.prompt.clone(),
        start,
    );
    let mut now = start;
    for (stage, text) in turns {
        let index = framework.stage_index(stage).unwrap();
        if index != s.stage_index {
            now += Duration::seconds(90);
            s.go_to_stage(index, now);
        }
        now += Duration::seconds(75);
        let kind = if text.ends_with('?') {
            TurnKind::Question
        } else {
            TurnKind::Answer
        };
        s.push(Speaker::Candidate, kind, *text, now);
        now += Duration::seconds(5);
        s.push(Speaker::Interviewer, TurnKind::Reply, "Noted. Go on.", now);
    }
    s.stages[0].hints_used = 1;
    let mut card = offline::score(q, framework, &s.answer(), None);
    card.signals = Some(s.signals());
    s.scorecard = Some(card);
    s.finished_at = Some(now);
    s
}

/// Four sessions over time (three finished, one unfinished) and one corrupted file.
fn fixtures(sandbox: &Sandbox) -> Vec<String> {
    sandbox.write("mine/q.toml", VALID_QUESTION);
    let bank = Bank::load(&[sandbox.path().join("mine")]).unwrap();
    let store = Store::new(sandbox.path().join("data/rehearse"));
    let sessions = vec![
        session(
            &bank,
            "caching-basics",
            "20261120-090000-caching-basics",
            at(20, 0),
            &[
                ("definition", "What kind of data do we cache?"),
                (
                    "definition",
                    "A cache keeps copies of hot data in fast storage such as RAM, so um repeated reads skip the database.",
                ),
                (
                    "mechanics",
                    "Entries expire with a time to live, and basically the cache evicts them with LRU when memory fills up.",
                ),
                (
                    "tradeoffs",
                    &format!("Caches trade freshness for speed. {PAYLOAD}"),
                ),
            ],
        ),
        session(
            &bank,
            "load-balancer",
            "20261122-090000-load-balancer",
            at(22, 0),
            &[(
                "definition",
                "A load balancer spreads requests across a pool of backend servers behind one address.",
            )],
        ),
        session(
            &bank,
            "caching-basics",
            "20261125-090000-caching-basics",
            at(25, 0),
            &[
                (
                    "definition",
                    "A cache keeps copies of hot data in RAM with Redis or Memcached so that reads are fast.",
                ),
                (
                    "mechanics",
                    "Each entry has a time to live, and when memory is full the least recently used entries are evicted.",
                ),
                (
                    "tradeoffs",
                    "The price of a cache is freshness: a cached value can be stale until it expires.",
                ),
                (
                    "applications",
                    "Redis and Memcached are the caches most teams use, and a CDN caches at the edge.",
                ),
            ],
        ),
    ];
    let mut ids = Vec::new();
    for s in &sessions {
        store.save(s).unwrap();
        ids.push(s.id.clone());
    }
    let q = bank.find("url-shortener").unwrap();
    let unfinished = Session::new(
        "20261126-090000-url-shortener".into(),
        q,
        bank.frameworks().get(q.kind),
        Setup::offline(45),
        at(26, 0),
    );
    store.save(&unfinished).unwrap();
    sandbox.write(
        "data/rehearse/sessions/20261127-090000-broken.json",
        "{\"schema_version\": 1, \"id\": ",
    );
    ids
}

fn redact(text: &str) -> String {
    // Session ids and timestamps are fixed by the fixtures; the version changes with releases.
    text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

fn report(sandbox: &Sandbox, id: &str, format: &str) -> String {
    let out = sandbox
        .cmd()
        .args([
            "--questions",
            "../mine",
            "report",
            id,
            "--format",
            format,
            "-o",
            "-",
        ])
        .assert()
        .success();
    redact(&String::from_utf8(out.get_output().stdout.clone()).unwrap())
}

#[test]
fn the_markdown_report() {
    let sandbox = Sandbox::new();
    let ids = fixtures(&sandbox);
    let md = report(&sandbox, &ids[0], "md");
    insta::assert_snapshot!(md);
}

#[test]
fn the_json_report() {
    let sandbox = Sandbox::new();
    let ids = fixtures(&sandbox);
    let json: serde_json::Value = serde_json::from_str(&report(&sandbox, &ids[0], "json")).unwrap();
    assert_eq!(json["schema_version"], 1);
    insta::assert_json_snapshot!(json, {
        ".session.started_at" => "[time]",
        ".session.updated_at" => "[time]",
        ".session.finished_at" => "[time]",
        ".session.turns[].at" => "[time]",
        ".session.id" => "[id]",
        ".source" => "[id]",
    });
}

#[test]
fn the_html_report() {
    let sandbox = Sandbox::new();
    let ids = fixtures(&sandbox);
    let html = report(&sandbox, &ids[0], "html");
    // Self-contained: no scripts, no external resources.
    for tag in [
        "<script", "<img", "<link", "<iframe", "<object", "<embed", "@import", "url(",
    ] {
        assert!(!html.contains(tag), "{tag} made it into the page");
    }
    assert!(
        html.contains("&lt;script&gt;"),
        "the payload is shown as text"
    );
    insta::assert_snapshot!(html);
}

/// A design interview in which the candidate drew (and then redrew) the architecture.
fn drawn_session(sandbox: &Sandbox) -> String {
    sandbox.write("mine/q.toml", VALID_QUESTION);
    let bank = Bank::load(&[]).unwrap();
    let q = bank.find("url-shortener").unwrap();
    let framework = bank.frameworks().get(q.kind);
    let start = at(28, 0);
    let mut s = Session::new(
        "20261128-090000-url-shortener".into(),
        q,
        framework,
        Setup::offline(q.minutes),
        start,
    );
    s.go_to_stage(
        framework.stage_index("high_level").unwrap(),
        start + Duration::minutes(8),
    );
    s.push(
        Speaker::Candidate,
        TurnKind::Answer,
        "Stateless app servers sit behind a load balancer and look codes up in Redis first.",
        start + Duration::minutes(9),
    );
    for (minute, source) in [
        (10, "flowchart LR\n  web([Browser]) --> api[App servers]\n"),
        (
            12,
            "flowchart LR\n  web([Browser]) -->|GET /abc| lb[Load balancer] --> api[App servers]\n  api -->|read code| cache[(Redis)]\n  api --> db[(Links DB)]\n  stats[Click stats]\n",
        ),
    ] {
        let shown = rehearse::diagram::text_view(&rehearse::diagram::parse::parse(source).unwrap());
        s.share_diagram(source.into(), shown, start + Duration::minutes(minute));
    }
    let card = offline::score(q, framework, &s.answer(), None);
    s.scorecard = Some(card);
    s.finished_at = Some(start + Duration::minutes(13));
    Store::new(sandbox.path().join("data/rehearse"))
        .save(&s)
        .unwrap();
    s.id
}

#[test]
fn the_markdown_report_embeds_the_latest_diagram_and_what_the_reference_adds() {
    let sandbox = Sandbox::new();
    let id = drawn_session(&sandbox);
    let md = report(&sandbox, &id, "md");
    let start = md
        .find("## Architecture diagram")
        .expect("a diagram section");
    let end = start + 3 + md[start + 3..].find("\n## ").unwrap();
    insta::assert_snapshot!(&md[start..end]);
    let json: serde_json::Value = serde_json::from_str(&report(&sandbox, &id, "json")).unwrap();
    assert_eq!(
        json["scorecard"]["diagram"]["nodes"], 6,
        "the last version counts"
    );
}

#[test]
fn report_defaults_to_the_latest_finished_session_written_next_to_it() {
    let sandbox = Sandbox::new();
    let ids = fixtures(&sandbox);
    let out = sandbox
        .cmd()
        .args([
            "--questions",
            "../mine",
            "report",
            "--latest",
            "--format",
            "html",
        ])
        .assert()
        .success();
    let path = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let expected = sandbox
        .path()
        .join(format!("data/rehearse/sessions/{}.report.html", ids[2]));
    assert_eq!(path.trim(), expected.display().to_string());
    assert!(expected.exists());
}

#[test]
fn report_errors_name_the_session() {
    let sandbox = Sandbox::new();
    fixtures(&sandbox);
    sandbox
        .cmd()
        .args([
            "--questions",
            "../mine",
            "report",
            "20261126-090000-url-shortener",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not finished yet; continue it with `rehearse resume 20261126-090000-url-shortener`",
        ));
    sandbox
        .cmd()
        .args(["--questions", "../mine", "report", "2026112"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no session \"2026112\""));
    sandbox
        .cmd()
        .args(["--questions", "../mine", "report", "20261127-090000-broken"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "20261127-090000-broken.json is not a valid session file",
        ));
}

#[test]
fn history_lists_every_session_and_names_the_corrupted_one() {
    let sandbox = Sandbox::new();
    fixtures(&sandbox);
    let out = sandbox
        .cmd()
        .args(["--questions", "../mine", "history"])
        .assert()
        .code(2);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let stderr = sandbox.redact(&String::from_utf8(out.get_output().stderr.clone()).unwrap());
    insta::assert_snapshot!("history_table", stdout);
    assert!(stderr.contains("error: [SANDBOX]/data/rehearse/sessions/20261127-090000-broken.json is not a valid session file"), "{stderr}");
    assert!(
        stderr.contains("1 session file(s) could not be read; the others are listed above"),
        "{stderr}"
    );

    let out = sandbox
        .cmd()
        .args(["history", "--format", "json"])
        .assert()
        .code(2);
    let rows: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    insta::assert_json_snapshot!("history_json", rows);
}

#[test]
fn stats_show_averages_trends_weak_topics_and_recommendations() {
    let sandbox = Sandbox::new();
    fixtures(&sandbox);
    let out = sandbox
        .cmd()
        .args(["--questions", "../mine", "stats"])
        .assert()
        .code(2);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!("stats_table", stdout);

    let out = sandbox
        .cmd()
        .args(["--questions", "../mine", "stats", "--format", "json"])
        .assert()
        .code(2);
    let stats: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(stats["sessions"], 4);
    // The one-sentence load-balancer session is too thin to grade: left out of the averages.
    assert_eq!(stats["scored"], 2);
    assert_eq!(stats["set_aside"]["insufficient"], 1, "{stats}");
    let caching = stats["by_topic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "caching")
        .unwrap();
    assert_eq!(caching["sessions"], 2);
    assert!(
        caching["trend"].as_f64().unwrap() > 0.0,
        "the second caching session scored higher"
    );
    let recs = stats["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 3);
    assert!(
        recs.iter()
            .all(|r| !r["reason"].as_str().unwrap().is_empty())
    );
    assert_eq!(
        stats["never_tried"].as_array().unwrap().len(),
        101 - 3,
        "101 questions, 3 tried"
    );
    insta::assert_json_snapshot!("stats_json", stats);
}

#[test]
fn stats_without_history_recommend_first_questions() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .cmd()
        .args(["stats", "--format", "json"])
        .assert()
        .success();
    let stats: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(stats["sessions"], 0);
    let recs = stats["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 3);
    assert!(recs.iter().all(|r| r["question"]["level"] == "basic"));
}

#[test]
fn score_writes_one_report_per_answer() {
    let sandbox = Sandbox::new();
    let a = sandbox.write("work/alice.md", "## Requirements\nWe need to create a short code for a long URL and redirect users who open the short link.\n");
    let b = sandbox.write("work/bob/alice.md", "I don't know.");
    sandbox
        .cmd()
        .args([
            "score",
            "-q",
            "31",
            "--format",
            "json",
            "--report",
            "reports",
            "--report-format",
            "html",
        ])
        .args([&a, &b])
        .assert()
        .success()
        .stderr(predicate::str::contains("report: reports/alice.html"))
        .stderr(predicate::str::contains("report: reports/alice-2.html"));
    let html = std::fs::read_to_string(sandbox.work().join("reports/alice.html")).unwrap();
    assert!(html.contains("written answer"));
    assert!(html.contains("We need to create a short code"));
}

// ---- the HTML report in real headless Chromium ----

/// The Chromium binary; the test is `#[ignore]`d, so a missing browser is a failure when asked.
fn chromium() -> String {
    std::env::var("REHEARSE_TEST_CHROMIUM")
        .ok()
        .filter(|p| !p.is_empty())
        .expect("REHEARSE_TEST_CHROMIUM must name a Chromium binary (.ci/run installs Debian's)")
}

fn run_chromium(binary: &str, args: &[&str], page: &std::path::Path) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    std::process::Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}

#[test]
#[ignore = "needs headless Chromium: .ci/run installs it and sets REHEARSE_TEST_CHROMIUM"]
fn the_html_report_renders_in_chromium_with_payloads_inert() {
    let binary = chromium();
    let sandbox = Sandbox::new();
    let ids = fixtures(&sandbox);
    let page = sandbox.path().join("report.html");
    sandbox
        .cmd()
        .args([
            "--questions",
            "../mine",
            "report",
            &ids[0],
            "--format",
            "html",
            "-o",
        ])
        .arg(&page)
        .assert()
        .success();

    // The DOM after load: the scripts never ran and the payload is text.
    let out = run_chromium(&binary, &["--dump-dom"], &page);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains(
            "<title>Interview report: What is a cache and where would you put one?</title>"
        ),
        "the page loaded: {dom}"
    );
    assert!(!dom.contains("<title>PWNED"), "a script ran");
    assert!(!dom.contains("<body data-pwned"), "an onerror handler ran");
    assert!(!dom.contains("<img"), "the payload became an element");
    assert!(
        dom.contains("&lt;script&gt;document.title="),
        "the payload is visible text"
    );
    assert!(dom.contains("id=\"stage-chart\""));

    // The chart renders: the screenshot holds bar-coloured pixels (#2f6fdf).
    let bar_pixels = screenshot(&binary, &page, &sandbox.path().join("shot.png"), "1000,900")
        .iter()
        .filter(|p| {
            p[0].abs_diff(0x2f) < 12 && p[1].abs_diff(0x6f) < 12 && p[2].abs_diff(0xdf) < 12
        })
        .count();
    assert!(
        bar_pixels > 2_000,
        "only {bar_pixels} bar-coloured pixels: the chart did not render"
    );
}

/// The pixels (RGB) of a Chromium screenshot of `page` in a window of `size` ("W,H").
fn screenshot(
    binary: &str,
    page: &std::path::Path,
    shot: &std::path::Path,
    size: &str,
) -> Vec<[u8; 3]> {
    let out = run_chromium(
        binary,
        &[
            &format!("--screenshot={}", shot.display()),
            &format!("--window-size={size}"),
        ],
        page,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf[..info.buffer_size()]
        .chunks(info.color_type.samples())
        .map(|p| [p[0], p[1], p[2]])
        .collect()
}

/// Pixels darker than mid-grey in a screenshot of the whole of `page`: strokes and text.
fn dark_pixels(binary: &str, page: &std::path::Path, shot: &std::path::Path) -> usize {
    screenshot(binary, page, shot, "1200,5000")
        .iter()
        .filter(|p| p.iter().map(|&c| u32::from(c)).sum::<u32>() < 3 * 128)
        .count()
}

#[test]
#[ignore = "needs headless Chromium: .ci/run installs it and sets REHEARSE_TEST_CHROMIUM"]
fn the_architecture_diagram_renders_in_chromium_with_its_labels() {
    let binary = chromium();
    let sandbox = Sandbox::new();
    let answer = sandbox.write(
        "work/drawn.md",
        "## High-level design\nStateless app servers behind a load balancer; Redis caches hot codes.\n\n\
         ```mermaid\nflowchart LR\n  client([Browser <b>x</b>]) --> lb[Load balancer]\n  lb --> api[App servers]\n  \
         api --> cache[(Redis cache)]\n  api --> db[(DynamoDB)]\n```\n",
    );
    sandbox
        .cmd()
        .args([
            "score",
            "-q",
            "31",
            "--report",
            "reports",
            "--report-format",
            "html",
        ])
        .arg(&answer)
        .assert()
        .success();
    let page = sandbox.work().join("reports/drawn.html");
    let html = std::fs::read_to_string(&page).unwrap();

    // The drawing is in the DOM as SVG, with every label as text (markup in a label is text).
    let out = run_chromium(&binary, &["--dump-dom"], &page);
    let dom = String::from_utf8_lossy(&out.stdout);
    let svg_start = dom
        .find("id=\"candidate-diagram\"")
        .expect("the diagram is drawn");
    let svg = &dom[svg_start..svg_start + dom[svg_start..].find("</svg>").unwrap()];
    for label in [
        "Load balancer",
        "App servers",
        "Redis cache",
        "DynamoDB",
        "Browser &lt;b&gt;x&lt;/b&gt;",
    ] {
        assert!(
            svg.contains(&format!(">{label}</text>")),
            "{label} in {svg}"
        );
    }
    assert!(!dom.contains("<b>x</b>"), "a label became markup");
    assert!(dom.contains("id=\"reference-diagram\""));

    // It paints: hiding the drawing, then only its labels, each removes dark pixels. Hiding
    // keeps the layout, so nothing else on the page moves.
    let hide = |css: &str, name: &str| {
        let variant = sandbox.work().join(format!("reports/{name}.html"));
        std::fs::write(
            &variant,
            html.replacen(
                "</head>",
                &format!("<style>{css} {{ visibility: hidden; }}</style></head>"),
                1,
            ),
        )
        .unwrap();
        dark_pixels(
            &binary,
            &variant,
            &sandbox.path().join(format!("{name}.png")),
        )
    };
    let full = dark_pixels(&binary, &page, &sandbox.path().join("full.png"));
    let no_labels = hide("#candidate-diagram text", "no-labels");
    let no_drawing = hide("#candidate-diagram", "no-drawing");
    assert!(
        full > no_labels + 300,
        "labels paint: {full} vs {no_labels} without them"
    );
    assert!(
        no_labels > no_drawing + 300,
        "boxes and arrows paint: {no_labels} vs {no_drawing}"
    );
}

#[test]
fn stats_as_html_chart_scores_over_time() {
    let sandbox = Sandbox::new();
    fixtures(&sandbox);
    sandbox
        .cmd()
        .args([
            "--questions",
            "../mine",
            "stats",
            "--format",
            "html",
            "-o",
            "progress.html",
        ])
        .assert()
        .code(2);
    let html = std::fs::read_to_string(sandbox.work().join("progress.html")).unwrap();
    assert!(html.contains("id=\"timeline-chart\""));
    assert_eq!(
        html.matches("<circle class=\"point\"").count(),
        2,
        "one point per graded session (the thin one is left out)"
    );
    assert!(html.contains("2026-11-25 caching-basics: 94.2"));
    for tag in ["<script", "<img", "<link", "url("] {
        assert!(!html.contains(tag), "{tag} in the stats page");
    }
}

#[test]
fn a_json_report_written_next_to_its_session_never_replaces_it() {
    let sandbox = Sandbox::new();
    let ids = fixtures(&sandbox);
    let session_file = sandbox
        .path()
        .join(format!("data/rehearse/sessions/{}.json", ids[2]));
    let before = std::fs::read(&session_file).unwrap();
    sandbox
        .cmd()
        .args([
            "--questions",
            "../mine",
            "report",
            &ids[2],
            "--format",
            "json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("{}.report.json", ids[2])));
    assert_eq!(std::fs::read(&session_file).unwrap(), before);
    // The report is not mistaken for a session either.
    let out = sandbox
        .cmd()
        .args(["history", "--format", "json"])
        .assert()
        .code(2);
    let rows: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 4);
}
