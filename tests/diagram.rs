//! Architecture diagrams: the Mermaid reader over flowcharts as people write them, its error
//! messages, and what a diagram changes in `rehearse score` (evidence, the `diagram` object,
//! the unreadable-diagram warning) for both scorers.

mod common;

use common::Sandbox;
use common::mock::{MockServer, Reply, judge_ids, judge_reply};
use predicates::prelude::*;
use rehearse::diagram::{self, Shape, parse::parse};
use serde_json::{Value, json};

/// Flowcharts in the shapes found in READMEs, design docs and interview write-ups: every
/// syntax the reader accepts, with the node and edge counts a reader would count by hand.
const FLOWCHARTS: &[(&str, &str, usize, usize)] = &[
    (
        "graph TD with plain ids",
        "graph TD\n  A --> B\n  B --> C\n",
        3,
        2,
    ),
    (
        "every node shape",
        "flowchart LR\n  a[Rect] --> b(Round)\n  b --> c([Stadium])\n  c --> d[(Database)]\n  d --> e[[Subroutine]]\n  e --> f((Circle))\n  f --> g{Decision}\n  g --> h>Flag]\n",
        8,
        7,
    ),
    (
        "every edge style with labels both ways",
        "flowchart TB\n  a -->|writes| b\n  b --- c\n  c -.-> d\n  d ==> e\n  e -- replicates to --> f\n",
        6,
        5,
    ),
    (
        "chains and fan-in",
        "flowchart LR\n  web & mobile --> lb --> api --> db[(Postgres)]\n",
        5,
        4,
    ),
    (
        "fan-out on both sides",
        "flowchart LR\n  a & b --> c & d\n",
        4,
        4,
    ),
    (
        "subgraphs, comments, quoted labels and semicolons",
        "%% the read path\nflowchart BT\n  subgraph edge [Edge tier]\n    cdn[\"CDN (static, 1 h TTL)\"];\n  end\n  subgraph core\n    api[API] --> cache[(Redis)] %% hot keys\n  end\n  cdn --> api;\n",
        3,
        2,
    ),
    (
        "a right-to-left chart with a label on a chained edge",
        "flowchart RL\n  worker[Thumbnail worker] -->|pull| q[[SQS queue]] -->|fan out| s3[(S3 bucket)]\n",
        3,
        2,
    ),
];

#[test]
fn the_reader_takes_flowcharts_as_people_write_them() {
    for (name, text, nodes, edges) in FLOWCHARTS {
        let d = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(d.nodes.len(), *nodes, "{name}: nodes");
        assert_eq!(d.edges.len(), *edges, "{name}: edges");
    }
    let shapes = parse(FLOWCHARTS[1].1).unwrap();
    let kinds: Vec<Shape> = shapes.nodes.iter().map(|n| n.shape).collect();
    assert_eq!(
        kinds,
        [
            Shape::Box,
            Shape::Rounded,
            Shape::Stadium,
            Shape::Cylinder,
            Shape::Subroutine,
            Shape::Circle,
            Shape::Decision,
            Shape::Flag
        ]
    );
    let labelled = parse(FLOWCHARTS[2].1).unwrap();
    assert_eq!(labelled.edges[0].label.as_deref(), Some("writes"));
    assert_eq!(labelled.edges[4].label.as_deref(), Some("replicates to"));
    let quoted = parse(FLOWCHARTS[5].1).unwrap();
    assert_eq!(quoted.node("cdn").unwrap().label, "CDN (static, 1 h TTL)");
}

#[test]
fn every_component_kind_is_inferred_from_labels_and_shapes() {
    let d = parse(
        "flowchart LR\n  u([Mobile app]) --> cdn[CloudFront CDN] --> lb[Load balancer]\n  lb --> api[Order service]\n  api --> r[(Redis)]\n  api --> pg[(orders)]\n  api --> k[[Kafka]]\n  k --> w[Email worker]\n  api --> s3[S3 bucket]\n  api --> es[Elasticsearch index]\n",
    )
    .unwrap();
    let kinds: Vec<(&str, &str)> = d
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), diagram::kind_of(n)))
        .collect();
    assert_eq!(
        kinds,
        [
            ("u", "client"),
            ("cdn", "cdn"),
            ("lb", "load_balancer"),
            ("api", "service"),
            ("r", "cache"),
            ("pg", "database"),
            ("k", "queue"),
            ("w", "worker"),
            ("s3", "object_storage"),
            ("es", "search_index"),
        ]
    );
}

#[test]
fn what_the_reader_refuses_it_names_by_line_and_column() {
    let cases = [
        ("no header", "A --> B\n"),
        ("sequence diagram", "sequenceDiagram\n  A->>B: hi\n"),
        ("unknown direction", "flowchart XY\n  A --> B\n"),
        ("unclosed label", "flowchart LR\n  A[Load balancer --> B\n"),
        ("mismatched bracket", "flowchart LR\n  A[(Postgres] --> B\n"),
        ("edge to nowhere", "flowchart LR\n  A -->\n"),
        ("unclosed edge label", "flowchart LR\n  A -->|writes B\n"),
        ("end without subgraph", "flowchart LR\n  A --> B\nend\n"),
        (
            "subgraph left open",
            "flowchart LR\n  subgraph core\n  A --> B\n",
        ),
        (
            "unsupported statement",
            "flowchart LR\n  A --> B\n  classDef hot fill:#f00\n",
        ),
        ("unclosed quote", "flowchart LR\n  A[\"Redis] --> B\n"),
        ("empty", ""),
    ];
    let mut report = String::new();
    for (name, text) in cases {
        let err = parse(text).expect_err(name);
        report.push_str(&format!("{name}: {err}\n"));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn a_diagram_over_200_nodes_is_refused_with_a_reason() {
    let mut text = String::from("flowchart LR\n");
    for i in 0..201 {
        text.push_str(&format!("  n{i} --> n{}\n", i + 1));
    }
    let err = parse(&text).unwrap_err();
    assert!(err.to_string().contains("200"), "{err}");
}

const ANSWER: &str = "## Requirements\n\
We need to create a short code for a long URL and redirect users who open the short link. \
Users may also pick custom aliases and set an expiry date per link. \
Redirects must take under 20 ms at p99 and the service must be highly available.\n\n\
## Estimation\n\
With 100M new links per day that is 100M / 86,400 ≈ 1,200 writes per second, and 10B redirects \
per day is about 116,000 reads per second, so the system is read-heavy at 100:1.\n\n\
## High-level design\n\
Clients call our service to shorten links and to follow them.\n";

const DIAGRAM: &str = "```mermaid\n\
flowchart LR\n\
  client([Browser]) -->|GET code| cdn[CDN edge]\n\
  cdn --> lb[Load balancer]\n\
  client -->|POST /urls| lb\n\
  lb --> api[Stateless app servers]\n\
  api -->|read code| cache[(Redis cache)]\n\
  api -->|cache miss| db[(Key-value store - DynamoDB, replicas)]\n\
```\n";

fn score_json(sandbox: &Sandbox, rel: &str, text: &str) -> (Value, String) {
    let file = sandbox.write(rel, text);
    let out = sandbox
        .cmd()
        .args(["score", "-q", "url-shortener", "--format", "json"])
        .arg(&file)
        .assert()
        .success();
    let output = out.get_output();
    (
        serde_json::from_slice(&output.stdout).expect("one JSON line"),
        String::from_utf8(output.stderr.clone()).unwrap(),
    )
}

#[test]
fn a_diagram_that_shows_the_components_earns_credit_and_is_compared_with_the_reference() {
    let sandbox = Sandbox::new();
    let (without, _) = score_json(&sandbox, "work/plain.md", ANSWER);
    let (with, _) = score_json(&sandbox, "work/drawn.md", &format!("{ANSWER}\n{DIAGRAM}"));
    assert!(
        without["diagram"].is_null(),
        "no diagram, no diagram object"
    );
    let (before, after) = (
        without["overall"].as_f64().unwrap(),
        with["overall"].as_f64().unwrap(),
    );
    assert!(after > before, "{before} → {after}");
    let components = with["rubric"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "components")
        .unwrap();
    assert_ne!(components["verdict"], "missing", "{components}");
    assert!(
        components["evidence"]
            .as_str()
            .unwrap()
            .starts_with("diagram: "),
        "the diagram is quoted as evidence: {components}"
    );

    let d = &with["diagram"];
    assert_eq!(d["nodes"], 6);
    assert_eq!(d["edges"], 6);
    assert_eq!(
        d["components"][4],
        json!({"id": "cache", "label": "Redis cache", "kind": "cache"})
    );
    // The reference also has an ID allocator, a click queue and its consumer.
    let missing: Vec<&str> = d["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(missing.contains(&"queue"), "{missing:?}");
    assert!(!missing.contains(&"cache"), "{missing:?}");
    assert!(!missing.contains(&"cdn"), "{missing:?}");
}

#[test]
fn a_reviewer_s_structural_warnings_are_on_the_card() {
    let sandbox = Sandbox::new();
    let drawn = "```mermaid\nflowchart LR\n  app([Mobile app]) -->|writes| db[(Postgres)]\n  lonely[Metrics]\n```\n";
    let (card, _) = score_json(&sandbox, "work/a.md", &format!("{ANSWER}\n{drawn}"));
    let warnings = card["diagram"]["warnings"].to_string();
    assert!(
        warnings.contains("Mobile app") && warnings.contains("straight to"),
        "{warnings}"
    );
    assert!(warnings.contains("no replica"), "{warnings}");
    assert!(warnings.contains("Metrics has no connection"), "{warnings}");
}

#[test]
fn an_unreadable_diagram_is_a_warning_and_the_rest_is_still_scored() {
    let sandbox = Sandbox::new();
    let broken = "```mermaid\nflowchart LR\n  api --> cache[(Redis\n```\n";
    let text = format!("{ANSWER}\n{broken}");
    let fence = text.lines().position(|l| l == "```mermaid").unwrap() + 1;
    let (card, stderr) = score_json(&sandbox, "work/a.md", &text);
    assert!(
        stderr.contains(&format!(
            "warning: {}: the mermaid diagram could not be read (line {},",
            sandbox.path().join("work/a.md").display(),
            fence + 2
        )),
        "{stderr}"
    );
    assert_eq!(card["flags"], json!(["diagram_unreadable"]));
    assert!(card["diagram"].is_null());
    assert!(card["overall"].as_f64().unwrap() > 0.0, "{card}");
}

#[test]
fn the_llm_judge_reads_the_diagram_and_may_quote_its_flows() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/a.md", &format!("{ANSWER}\n{DIAGRAM}"));
    let server = MockServer::start(|req, _| {
        let body = req.json();
        let ids = judge_ids(&body);
        assert!(!ids.is_empty(), "a json_schema request");
        let items: Vec<Value> = ids
            .iter()
            .map(|id| {
                if id == "components" {
                    json!({"id": id, "verdict": "covered", "evidence": "diagram: Stateless app servers --> Redis cache (read code)"})
                } else {
                    json!({"id": id, "verdict": "missing", "evidence": ""})
                }
            })
            .collect();
        Reply::completion(&judge_reply(items, &[], &[]))
    });
    let out = sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .env("REHEARSE_MODEL", "judge-model")
        .args(["score", "-q", "31", "--format", "json"])
        .arg(&file)
        .assert()
        .success();
    let user = server.requests()[0].json()["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        user.contains("diagram: Load balancer --> Stateless app servers"),
        "the judge receives the diagram as text: {user}"
    );
    assert!(!user.contains("```mermaid"), "{user}");
    let card: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let components = card["rubric"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "components")
        .unwrap();
    assert_eq!(components["verdict"], "covered", "{card}");
    assert_eq!(card["diagram"]["nodes"], 6);
}

#[test]
fn score_reports_show_the_diagram_in_markdown_and_as_svg_in_html() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/drawn.md", &format!("{ANSWER}\n{DIAGRAM}"));
    for format in ["md", "html"] {
        sandbox
            .cmd()
            .args(["score", "-q", "url-shortener", "--report-format", format])
            .arg("--report")
            .arg(sandbox.path().join("reports"))
            .arg(&file)
            .assert()
            .success()
            .stderr(predicate::str::contains("report: "));
    }
    let md = std::fs::read_to_string(sandbox.path().join("reports/drawn.md")).unwrap();
    assert!(md.contains("## Architecture diagram"), "{md}");
    assert!(md.contains("```mermaid\nflowchart LR\n"), "{md}");
    assert!(
        md.contains("queue"),
        "what the reference has that it lacks: {md}"
    );
    let html = std::fs::read_to_string(sandbox.path().join("reports/drawn.html")).unwrap();
    assert!(html.contains(r#"<svg class="diagram" id="candidate-diagram""#));
    assert!(html.contains(r#"<svg class="diagram" id="reference-diagram""#));
    assert!(html.contains("Redis cache"));
    assert!(!html.contains("<script"));
}

#[test]
fn a_diagram_of_buzzwords_with_no_written_answer_is_not_graded() {
    let sandbox = Sandbox::new();
    let stuffed = "We use proven techniques.\n\n```mermaid\nflowchart LR\n  a[Consistent hashing] --> b[Sharding by short code] --> c[Replication with replicas]\n  c --> d[(Redis cache)] --> e[CDN edge] --> f[[Kafka queue]]\n  f --> g[Base62 counter ID range allocator] --> h[301 vs 302 redirect]\n  h --> i[Rate limiting] --> j[Load balancer] --> k[(Cassandra)]\n```\n";
    let (card, _) = score_json(&sandbox, "work/stuffed.md", stuffed);
    assert_eq!(card["band"], "insufficient", "{card}");
    assert_eq!(
        card["diagram"]["nodes"], 11,
        "the diagram is still reviewed"
    );
}

#[test]
fn flows_show_the_architecture_not_the_requirements_or_the_numbers() {
    // The same answer; its diagram's flows name every requirement and number, which only
    // words can state.
    let sandbox = Sandbox::new();
    let labelled = "```mermaid\nflowchart LR\n  u([Users create a short code for a long URL]) -->|100M new links per day, 1,200 writes per second| api[URL service]\n  api -->|custom aliases and expiry dates, redirect under 20 ms| db[(Links DB)]\n```\n";
    let (plain, _) = score_json(&sandbox, "work/plain.md", ANSWER);
    let (drawn, _) = score_json(&sandbox, "work/drawn.md", &format!("{ANSWER}\n{labelled}"));
    let verdicts = |card: &Value, stage: &str| -> Vec<(String, String)> {
        card["rubric"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["stage"] == stage)
            .map(|i| {
                (
                    i["verdict"].as_str().unwrap().to_owned(),
                    i["evidence"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    for stage in ["requirements", "estimation", "tradeoffs"] {
        for (_, evidence) in verdicts(&drawn, stage) {
            assert!(!evidence.starts_with("diagram: "), "{stage}: {evidence}");
        }
        assert_eq!(
            verdicts(&plain, stage)
                .iter()
                .map(|v| &v.0)
                .collect::<Vec<_>>(),
            verdicts(&drawn, stage)
                .iter()
                .map(|v| &v.0)
                .collect::<Vec<_>>(),
            "{stage}"
        );
    }
}

#[test]
fn the_llm_judge_gets_no_credit_for_quoting_a_flow_as_a_requirement() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/a.md", &format!("{ANSWER}\n{DIAGRAM}"));
    let server = MockServer::start(|req, _| {
        let body = req.json();
        let ids = judge_ids(&body);
        assert!(!ids.is_empty(), "a json_schema request");
        let items: Vec<Value> = ids
            .iter()
            .map(|id| json!({"id": id, "verdict": "covered", "evidence": "diagram: Browser --> Load balancer (POST /urls)"}))
            .collect();
        Reply::completion(&judge_reply(items, &[], &[]))
    });
    let out = sandbox
        .cmd()
        .env("REHEARSE_BASE_URL", server.url())
        .env("REHEARSE_MODEL", "judge-model")
        .args(["score", "-q", "31", "--format", "json"])
        .arg(&file)
        .assert()
        .success();
    let card: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    for item in card["rubric"].as_array().unwrap() {
        let architecture =
            ["high_level", "deep_dive", "bottlenecks"].contains(&item["stage"].as_str().unwrap());
        assert_eq!(
            item["verdict"] == "covered",
            architecture,
            "a flow is evidence only for architecture stages: {item}"
        );
    }
    assert_eq!(
        card["flags"],
        json!([]),
        "a real quote of the diagram is not a fabrication"
    );
}
