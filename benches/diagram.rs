//! Diagram benchmark (issue #15). Run with `cargo bench --bench diagram`.
//! A 50-node, 61-flow diagram in an answer: read it (parse), grade it (review against the
//! reference, then the whole answer through the offline scorer, which reads its flows as
//! evidence), and draw it as SVG: target ≤ 10 ms together. Each part is printed too.

use std::time::{Duration, Instant};

use rehearse::bank::Bank;
use rehearse::diagram::{self, parse::parse, render};
use rehearse::scoring::{Answer, offline};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Ten tiers of five components, every one wired to the next tier, some across two.
fn fifty_nodes() -> String {
    let kinds = [
        ("client", "([Mobile client {}])"),
        ("edge", "[CDN edge {}]"),
        ("lb", "[Load balancer {}]"),
        ("api", "[API service {}]"),
        ("cache", "[(Redis cache {})]"),
        ("queue", "[[Kafka topic {}]]"),
        ("worker", "[Fan-out worker {}]"),
        ("db", "[(Postgres shard {})]"),
        ("search", "[Elasticsearch index {}]"),
        ("blob", "[S3 bucket {}]"),
    ];
    let mut out = String::from("flowchart LR\n");
    for (tier, (id, shape)) in kinds.iter().enumerate() {
        for i in 0..5 {
            out.push_str(&format!(
                "  {id}{i}{}\n",
                shape.replace("{}", &i.to_string())
            ));
            if tier > 0 {
                let (prev, _) = kinds[tier - 1];
                out.push_str(&format!("  {prev}{i} -->|calls| {id}{i}\n"));
                if i % 3 == 0 && tier > 1 {
                    let (back, _) = kinds[tier - 2];
                    out.push_str(&format!("  {back}{} -.-> {id}{i}\n", (i + 1) % 5));
                }
            }
        }
    }
    out
}

fn main() {
    let bank = Bank::load(&[]).expect("bank");
    let question = bank.find("news-feed").expect("the news feed question");
    let framework = bank.frameworks().get(question.kind);
    let reference = parse(question.reference_diagram.as_deref().unwrap()).unwrap();
    let source = fifty_nodes();
    let answer_text = format!(
        "## High-level design\nClients reach stateless API services behind load balancers; writes go to a queue and workers fan out.\n\n```mermaid\n{source}```\n"
    );
    let d = parse(&source).unwrap();
    assert_eq!(d.nodes.len(), 50);

    let (mut parsing, mut grading, mut drawing, mut all) = (vec![], vec![], vec![], vec![]);
    for _ in 0..21 {
        let t0 = Instant::now();
        let answer = Answer::from_text(&answer_text, framework);
        let t1 = Instant::now();
        let card = diagram::review(
            answer.diagram.as_ref().unwrap().parsed.as_ref().unwrap(),
            Some(&reference),
        );
        let scored = offline::score(question, framework, &answer, None);
        let t2 = Instant::now();
        let svg = render::svg(
            answer.diagram.as_ref().unwrap().parsed.as_ref().unwrap(),
            "d",
            "Diagram",
        );
        let t3 = Instant::now();
        std::hint::black_box((card, scored, svg));
        parsing.push(t1 - t0);
        grading.push(t2 - t1);
        drawing.push(t3 - t2);
        all.push(t3 - t0);
    }
    let ms = |v: Vec<Duration>| median(v).as_secs_f64() * 1e3;
    println!(
        "diagram/50 nodes, {} flows: parse {:.2} ms, grade (review + offline score of the answer) {:.2} ms, render SVG {:.2} ms; together median {:.2} ms (target ≤ 10 ms)",
        d.edges.len(),
        ms(parsing),
        ms(grading),
        ms(drawing),
        ms(all)
    );
}
