//! The LLM judge: one structured call per answer returns a verdict and a quote per rubric item;
//! code then checks every quote against the candidate's words and turns verdicts into numbers.
//! The candidate's text is wrapped in delimiters derived from its own hash, declared to be
//! data, and scanned for grader-directed text like the offline scorer does.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::bank::{Question, Seniority};
use crate::framework::Framework;
use crate::llm::structured;
use crate::llm::{ChatModel, ChatRequest, LlmError, Message};
use crate::prompts;
use crate::scoring::scorecard::{
    Feedback, ItemVerdict, Scorecard, ScorerInfo, Verdict, expected_items, flags,
};
use crate::scoring::{Answer, injection, text};

/// Fixed sampling so the same answer gets the same grade as far as the server allows.
pub const TEMPERATURE: f32 = 0.0;
pub const SEED: u64 = 20_260_401;
const MAX_TOKENS: u32 = 2_000;

/// What the judge is shown.
pub struct JudgeInput<'a> {
    pub question: &'a Question,
    pub framework: &'a Framework,
    /// The candidate's words, split by stage where known; quotes are checked against these.
    pub answer: &'a Answer,
    /// What the judge reads: the written answer, or the interview transcript with both voices.
    pub transcript: String,
    /// The interviewer's private notes from a session.
    pub notes: Vec<String>,
    pub seniority: Option<Seniority>,
}

#[derive(Serialize)]
struct ItemForPrompt<'a> {
    id: &'a str,
    stage: &'a str,
    weight: u8,
    point: &'a str,
}

/// The JSON Schema the judge must fill, with the rubric ids as an enum.
pub fn schema(ids: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "enum": ids},
                        "verdict": {"type": "string", "enum": ["covered", "partial", "missing"]},
                        "evidence": {"type": "string"}
                    },
                    "required": ["id", "verdict", "evidence"],
                    "additionalProperties": false
                }
            },
            "strengths": {"type": "array", "items": {"type": "string"}},
            "improvements": {"type": "array", "items": {"type": "string"}},
            "injection_attempt": {"type": "boolean"}
        },
        "required": ["items", "strengths", "improvements", "injection_attempt"],
        "additionalProperties": false
    })
}

/// The judge's reply once it has passed the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeReply {
    pub verdicts: Vec<(String, Verdict, String)>,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    pub injection_attempt: bool,
}

/// The reply as the schema asks for it; `verdict` stays a string so a wrong value gets a
/// message naming the item rather than serde's.
#[derive(Deserialize)]
struct ReplyWire {
    items: Vec<ItemWire>,
    #[serde(default)]
    strengths: Vec<String>,
    #[serde(default)]
    improvements: Vec<String>,
    #[serde(default)]
    injection_attempt: bool,
}

#[derive(Deserialize)]
struct ItemWire {
    id: String,
    verdict: String,
    #[serde(default)]
    evidence: String,
}

/// Checks the shape of a reply: one verdict per expected id, allowed verdict values.
pub fn parse_reply(value: &Value, ids: &[&str]) -> Result<JudgeReply, String> {
    let wire = ReplyWire::deserialize(value)
        .map_err(|e| format!("the reply does not have the expected fields ({e})"))?;
    let mut verdicts: Vec<(String, Verdict, String)> = Vec::new();
    for item in wire.items {
        let id = item.id;
        if !ids.contains(&id.as_str()) {
            return Err(format!(
                "unknown rubric id \"{id}\" (expected one of {})",
                ids.join(", ")
            ));
        }
        if verdicts.iter().any(|(seen, ..)| *seen == id) {
            return Err(format!("rubric id \"{id}\" appears twice"));
        }
        let verdict = match item.verdict.as_str() {
            "covered" => Verdict::Covered,
            "partial" => Verdict::Partial,
            "missing" => Verdict::Missing,
            other => {
                return Err(format!(
                    "item \"{id}\" has verdict \"{other}\" (expected covered, partial or missing)"
                ));
            }
        };
        verdicts.push((id, verdict, item.evidence));
    }
    let missing: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !verdicts.iter().any(|(v, ..)| v == id))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "no verdict for rubric id(s): {}",
            missing.join(", ")
        ));
    }
    let tidy = |list: Vec<String>, n: usize| -> Vec<String> {
        list.into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .take(n)
            .collect()
    };
    Ok(JudgeReply {
        verdicts,
        strengths: tidy(wire.strengths, 3),
        improvements: tidy(wire.improvements, 4),
        injection_attempt: wire.injection_attempt,
    })
}

/// Lowercase, straight quotes, plain dashes, single spaces: how quotes are compared.
fn normalise(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '`' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `quote` occurs in `source` after normalisation. Surrounding quote marks and
/// trailing punctuation are ignored; "…" or "..." may join several verbatim fragments.
pub fn quote_occurs(quote: &str, source: &str) -> bool {
    let source = normalise(source);
    let fragments: Vec<String> = quote
        .split("...")
        .flat_map(|part| part.split('…'))
        .map(|f| {
            normalise(f)
                .trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace())
                .trim_end_matches(['.', ',', ';', ':', '!', '?'])
                .to_owned()
        })
        .filter(|f| !f.is_empty())
        .collect();
    !fragments.is_empty() && fragments.iter().all(|f| source.contains(f.as_str()))
}

/// Deterministic delimiter tag: the candidate cannot predict the hash of the text it is in.
fn delimiter_tag(question_id: &str, transcript: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in question_id.bytes().chain([0]).chain(transcript.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// Builds the two messages the judge receives.
pub fn messages(input: &JudgeInput<'_>) -> Result<Vec<Message>, prompts::PromptError> {
    let items: Vec<ItemForPrompt<'_>> = expected_items(input.question, input.seniority)
        .into_iter()
        .map(|i| ItemForPrompt {
            id: &i.id,
            stage: &i.stage,
            weight: i.weight,
            point: &i.point,
        })
        .collect();
    let tag = delimiter_tag(&input.question.id, &input.transcript);
    let open = format!("<<<CANDIDATE_TEXT {tag}>>>");
    let close = format!("<<<END_CANDIDATE_TEXT {tag}>>>");
    let system = prompts::render(
        "judge.system.jinja",
        json!({
            "open": open,
            "close": close,
            "question": input.question,
            "items": items,
            "notes": input.notes,
            "seniority": input.seniority.map(|s| s.as_str()),
        }),
    )?;
    let user = prompts::render(
        "judge.user.jinja",
        json!({ "open": open, "close": close, "transcript": input.transcript }),
    )?;
    Ok(vec![Message::system(system), Message::user(user)])
}

/// Scores with the LLM judge. `endpoint` keys the remembered structured-output level.
pub async fn score(
    model: &dyn ChatModel,
    endpoint: &str,
    input: &JudgeInput<'_>,
) -> Result<Scorecard, LlmError> {
    let expected = expected_items(input.question, input.seniority);
    let ids: Vec<&str> = expected.iter().map(|i| i.id.as_str()).collect();
    let messages = messages(input).map_err(|e| LlmError::BadOutput {
        what: "prompt".into(),
        detail: e.to_string(),
    })?;
    let request = ChatRequest {
        messages,
        temperature: Some(TEMPERATURE),
        seed: Some(SEED),
        max_tokens: Some(MAX_TOKENS),
        ..ChatRequest::default()
    };
    let (reply, _level) = structured::complete_json(
        model,
        endpoint,
        request,
        "rubric_verdicts",
        &schema(&ids),
        |v| parse_reply(v, &ids),
    )
    .await?;
    Ok(assemble(input, reply, ScorerInfo::llm(model.model_name())))
}

/// Verifies the judge's quotes and builds the scorecard. A verdict whose quote is not in the
/// candidate's words earns nothing; the item is marked missing and the card is flagged.
pub fn assemble(input: &JudgeInput<'_>, reply: JudgeReply, scorer: ScorerInfo) -> Scorecard {
    let candidate = input.answer.full_text();
    let mut unverified = false;
    let rubric: Vec<ItemVerdict> = expected_items(input.question, input.seniority)
        .into_iter()
        .map(|item| {
            let (verdict, evidence) = reply
                .verdicts
                .iter()
                .find(|(id, ..)| *id == item.id)
                .map(|(_, v, e)| (*v, e.trim().to_owned()))
                .unwrap_or((Verdict::Missing, String::new()));
            let (verdict, evidence) = match verdict {
                Verdict::Missing => (Verdict::Missing, None),
                _ if quote_occurs(&evidence, &candidate) => (verdict, Some(evidence)),
                _ => {
                    unverified = true;
                    (Verdict::Missing, None)
                }
            };
            ItemVerdict {
                id: item.id.clone(),
                stage: item.stage.clone(),
                weight: item.weight,
                verdict,
                evidence,
            }
        })
        .collect();
    let mut flag_list = Vec::new();
    if reply.injection_attempt || injection::contains_injection(&candidate) {
        flag_list.push(flags::PROMPT_INJECTION.to_owned());
    }
    if unverified {
        flag_list.push(flags::UNVERIFIED_EVIDENCE.to_owned());
    }
    let words = text::Normaliser::default().tokens(&candidate).len();
    Scorecard::assemble(
        input.question,
        input.framework,
        scorer,
        rubric,
        flag_list,
        Feedback {
            strengths: reply.strengths,
            improvements: reply.improvements,
        },
        words < super::offline::MIN_WORDS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_match_after_normalisation() {
        let source =
            "We hash the URL with MD5,  then keep\n7 Base62 characters — ‘enough’ for decades.";
        assert!(quote_occurs(
            "hash the URL with MD5, then keep 7 base62 characters",
            source
        ));
        assert!(quote_occurs(
            "\"keep 7 Base62 characters - 'enough'\"",
            source
        ));
        assert!(quote_occurs("We hash the URL ... for decades.", source));
        assert!(!quote_occurs("We use consistent hashing", source));
        assert!(!quote_occurs("", source));
        assert!(!quote_occurs("We hash the URL ... with SHA-1", source));
    }

    #[test]
    fn replies_must_cover_every_id_exactly_once() {
        let ids = ["a", "b"];
        let ok = json!({"items": [
            {"id": "a", "verdict": "covered", "evidence": "x"},
            {"id": "b", "verdict": "missing", "evidence": ""}
        ], "strengths": ["s"], "improvements": [], "injection_attempt": false});
        assert_eq!(parse_reply(&ok, &ids).unwrap().verdicts.len(), 2);
        let missing = json!({"items": [{"id": "a", "verdict": "covered", "evidence": "x"}]});
        assert_eq!(
            parse_reply(&missing, &ids).unwrap_err(),
            "no verdict for rubric id(s): b"
        );
        let bad = json!({"items": [{"id": "a", "verdict": "great", "evidence": ""}]});
        assert!(
            parse_reply(&bad, &ids).unwrap_err().contains(
                "item \"a\" has verdict \"great\" (expected covered, partial or missing)"
            )
        );
        let unknown = json!({"items": [{"id": "zzz", "verdict": "covered", "evidence": ""}]});
        assert!(
            parse_reply(&unknown, &ids)
                .unwrap_err()
                .starts_with("unknown rubric id \"zzz\"")
        );
    }

    #[test]
    fn delimiters_depend_on_the_text() {
        assert_ne!(delimiter_tag("q", "a"), delimiter_tag("q", "b"));
        assert_eq!(delimiter_tag("q", "a"), delimiter_tag("q", "a"));
    }
}
