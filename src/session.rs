//! A practice session: the question, the settings, every turn with its stage and time, the
//! clock of each stage, hints used, the interviewer's private notes and, at the end, the
//! scorecard. This is what is autosaved after every turn and what `resume` restores.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::bank::{Question, Seniority};
use crate::framework::{Framework, Kind};
use crate::scoring::scorecard::{QuestionRef, Signals};
use crate::scoring::{Answer, Scorecard, Section};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Scripted interviewer and offline scorer.
    Offline,
    /// LLM interviewer and judge.
    Llm,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Offline => "offline",
            Mode::Llm => "llm",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    Candidate,
    Interviewer,
}

impl Speaker {
    pub fn label(self) -> &'static str {
        match self {
            Speaker::Candidate => "Candidate",
            Speaker::Interviewer => "Interviewer",
        }
    }
}

/// What a turn is, for reports and for signals such as clarifying questions asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnKind {
    /// The candidate explains part of their answer.
    Answer,
    /// The candidate asks the interviewer something.
    Question,
    /// The candidate shares (a new version of) their architecture diagram.
    Diagram,
    /// The interviewer opens the interview or a stage.
    Opening,
    /// The interviewer answers a clarifying question.
    Clarification,
    /// The interviewer asks about a point not yet made: a follow-up or a probe.
    Followup,
    /// The interviewer steers: designing too early, or a stage running long.
    Nudge,
    /// A hint the candidate asked for.
    Hint,
    /// Any other interviewer reply.
    Reply,
}

/// How a turn reached us: typed, or spoken and transcribed (with its delivery metrics and,
/// when kept, the recording in the session's audio folder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum TurnSource {
    #[default]
    Typed,
    Audio {
        /// Length of the recording.
        duration_ms: u64,
        /// The model that transcribed it.
        transcriber: String,
        /// Pace, fillers and pauses of this turn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delivery: Option<crate::speech::delivery::Delivery>,
        /// The recording's file name in `<id>.audio/`, when it was kept.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
    },
}

/// One thing said in the interview, by either side, in a stage, at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub at: DateTime<Utc>,
    pub stage: String,
    pub speaker: Speaker,
    pub kind: TurnKind,
    pub text: String,
    #[serde(default)]
    pub source: TurnSource,
    /// The reply was cut off (Ctrl-C or a broken stream).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// What this interviewer turn steered the candidate on; each nudge is given once, and the
    /// turns are the record of which were given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nudges: Vec<Nudge>,
}

/// A way the interviewer steers, given at most once per interview (designing early) or per
/// stage (running over time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nudge {
    /// The candidate picked components before the requirements were clear.
    DesigningEarly,
    /// The stage ran over its time budget.
    Overtime,
    /// Every point of the stage was made, and the interviewer suggested moving on.
    StageCovered,
}

/// Time and hints of one stage. `budget_secs` is the plan; `spent_ms` what was used
/// (milliseconds, so short turns add up exactly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageClock {
    pub id: String,
    pub budget_secs: u64,
    pub spent_ms: u64,
    pub hints_used: u32,
}

/// The on-disk interview (`sessions/<id>.json`). `schema_version` is checked on load: files
/// from a newer rehearse are refused rather than misread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub schema_version: u32,
    pub id: String,
    pub question: QuestionRef,
    pub kind: Kind,
    pub mode: Mode,
    /// Interviewer and judge models (LLM mode).
    pub model: Option<String>,
    pub judge_model: Option<String>,
    pub seniority: Option<Seniority>,
    pub minutes: u32,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub stage_index: usize,
    pub stages: Vec<StageClock>,
    pub turns: Vec<Turn>,
    /// The interviewer's private notes: never shown during the interview, given to the judge.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Every version of the candidate's architecture diagram, in order; the last one counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagrams: Vec<DiagramVersion>,
    pub scorecard: Option<Scorecard>,
    /// Until when the current stage's clock has been counted. Not saved: time spent away
    /// (between a quit or crash and a resume) is not counted.
    #[serde(skip)]
    clock_mark: Option<DateTime<Utc>>,
}

/// One version of the candidate's diagram: its Mermaid text, when and in which stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagramVersion {
    pub at: DateTime<Utc>,
    pub stage: String,
    pub source: String,
}

/// How an interview is set up: who plays interviewer and judge, how long it runs, and the
/// seniority the candidate interviews at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    pub mode: Mode,
    /// Interviewer and judge models (LLM mode).
    pub model: Option<String>,
    pub judge_model: Option<String>,
    pub minutes: u32,
    /// Rubric points above this seniority are not expected (and not graded).
    pub seniority: Option<Seniority>,
}

impl Setup {
    /// An offline interview of `minutes`, at no particular seniority.
    pub fn offline(minutes: u32) -> Setup {
        Setup {
            mode: Mode::Offline,
            model: None,
            judge_model: None,
            minutes,
            seniority: None,
        }
    }
}

impl Session {
    pub fn new(
        id: String,
        question: &Question,
        framework: &Framework,
        setup: Setup,
        now: DateTime<Utc>,
    ) -> Session {
        let Setup {
            mode,
            model,
            judge_model,
            minutes,
            seniority,
        } = setup;
        let budgets = framework.budgets(f64::from(minutes));
        Session {
            schema_version: SCHEMA_VERSION,
            id,
            question: QuestionRef::from(question),
            kind: question.kind,
            mode,
            model,
            judge_model,
            seniority,
            minutes,
            started_at: now,
            updated_at: now,
            finished_at: None,
            stage_index: 0,
            stages: framework
                .stages
                .iter()
                .zip(budgets)
                .map(|(s, b)| StageClock {
                    id: s.id.clone(),
                    budget_secs: b.as_secs(),
                    spent_ms: 0,
                    hints_used: 0,
                })
                .collect(),
            turns: Vec::new(),
            notes: Vec::new(),
            diagrams: Vec::new(),
            scorecard: None,
            clock_mark: Some(now),
        }
    }

    /// A readable, sortable, unique-enough id: `20261127-231502-url-shortener`.
    pub fn make_id(question_id: &str, now: DateTime<Utc>) -> String {
        format!("{}-{question_id}", now.format("%Y%m%d-%H%M%S"))
    }

    /// Called after loading from disk: the clock is stopped until the next [`Session::tick`]
    /// (which `resume` makes at once), so time away from the interview is not counted.
    pub fn after_load(&mut self) {
        self.clock_mark = None;
    }

    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }

    pub fn stage(&self) -> &StageClock {
        &self.stages[self.stage_index]
    }

    /// Adds the time since the last tick to the current stage.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if let Some(mark) = self.clock_mark {
            let elapsed = (now - mark).num_milliseconds().max(0) as u64;
            self.stages[self.stage_index].spent_ms += elapsed;
        }
        self.clock_mark = Some(now);
        self.updated_at = now;
    }

    /// Milliseconds since the last tick, not yet added to the current stage.
    fn pending_ms(&self, now: DateTime<Utc>) -> u64 {
        self.clock_mark
            .map_or(0, |m| (now - m).num_milliseconds().max(0) as u64)
    }

    /// Seconds spent in the current stage, including time since the last tick.
    pub fn stage_elapsed_secs(&self, now: DateTime<Utc>) -> u64 {
        (self.stage().spent_ms + self.pending_ms(now)) / 1000
    }

    /// Seconds spent in the whole interview, including time since the last tick.
    pub fn total_elapsed_secs(&self, now: DateTime<Utc>) -> u64 {
        (self.stages.iter().map(|s| s.spent_ms).sum::<u64>() + self.pending_ms(now)) / 1000
    }

    /// Moves to stage `index`, counting the time so far against the stage being left.
    pub fn go_to_stage(&mut self, index: usize, now: DateTime<Utc>) {
        self.tick(now);
        self.stage_index = index.min(self.stages.len() - 1);
    }

    pub fn push(
        &mut self,
        speaker: Speaker,
        kind: TurnKind,
        text: impl Into<String>,
        now: DateTime<Utc>,
    ) {
        self.tick(now);
        let stage = self.stage().id.clone();
        self.turns.push(Turn {
            at: now,
            stage,
            speaker,
            kind,
            text: text.into(),
            source: TurnSource::Typed,
            interrupted: false,
            nudges: Vec::new(),
        });
    }

    /// Whether the interviewer already gave `nudge` (in `stage`, when given).
    pub fn was_nudged(&self, nudge: Nudge, stage: Option<&str>) -> bool {
        self.turns.iter().any(|t| {
            t.speaker == Speaker::Interviewer
                && t.nudges.contains(&nudge)
                && stage.is_none_or(|s| t.stage == s)
        })
    }

    /// The candidate's turns, one section each, grouped by the stage they were said in: what
    /// gets scored.
    pub fn answer(&self) -> Answer {
        let sections = self
            .stages
            .iter()
            .flat_map(|clock| {
                self.turns.iter().filter(move |t| {
                    t.speaker == Speaker::Candidate
                        && t.stage == clock.id
                        && t.kind != TurnKind::Diagram
                })
            })
            .map(|t| Section {
                stage: Some(t.stage.clone()),
                text: t.text.clone(),
            })
            .collect();
        Answer {
            sections,
            diagram: self.diagrams.last().map(|d| crate::scoring::AnswerDiagram {
                source: d.source.clone(),
                parsed: crate::diagram::parse::parse(&d.source),
                stage: Some(d.stage.clone()),
            }),
        }
    }

    /// Records a new version of the diagram, with a candidate turn that says so (the turn's
    /// text is the diagram as text, for the transcript and the interviewer).
    pub fn share_diagram(&mut self, source: String, shown: String, at: DateTime<Utc>) {
        let stage = self.stage().id.clone();
        self.diagrams.push(DiagramVersion { at, stage, source });
        self.push(Speaker::Candidate, TurnKind::Diagram, shown, at);
    }

    /// The transcript as the judge reads it: both voices, each turn labelled with its stage.
    pub fn transcript(&self) -> String {
        let mut lines: Vec<String> = self
            .turns
            .iter()
            .map(|t| match t.kind {
                TurnKind::Diagram => format!(
                    "[{}] {}: (shared an architecture diagram)",
                    t.stage,
                    t.speaker.label()
                ),
                _ => format!("[{}] {}: {}", t.stage, t.speaker.label(), t.text),
            })
            .collect();
        let flows = self.answer().diagram_flows();
        if !flows.is_empty() {
            lines.push(format!(
                "The candidate's architecture diagram (latest version), flow by flow:\n{}",
                flows.join("\n")
            ));
        }
        lines.join("\n")
    }

    /// Communication signals for the scorecard and report.
    pub fn signals(&self) -> Signals {
        Signals {
            clarifying_questions: self
                .turns
                .iter()
                .filter(|t| t.speaker == Speaker::Candidate && t.kind == TurnKind::Question)
                .count() as u32,
            hints_used: self.stages.iter().map(|s| s.hints_used).sum(),
            seconds_per_stage: self
                .stages
                .iter()
                .map(|s| (s.id.clone(), s.spent_ms / 1000))
                .collect(),
        }
    }

    /// Records a candidate turn with where it came from: typed, or spoken (its transcript as
    /// submitted, and how it was delivered).
    pub fn push_candidate(
        &mut self,
        kind: TurnKind,
        text: String,
        source: TurnSource,
        at: DateTime<Utc>,
    ) {
        self.push(Speaker::Candidate, kind, text, at);
        if let Some(turn) = self.turns.last_mut() {
            turn.source = source;
        }
    }

    /// The delivery of all spoken turns, as one: `None` when nothing was spoken.
    pub fn delivery(&self) -> Option<crate::speech::delivery::Delivery> {
        let parts: Vec<crate::speech::delivery::Delivery> = self
            .turns
            .iter()
            .filter_map(|t| match &t.source {
                TurnSource::Audio {
                    delivery: Some(d), ..
                } => Some(d.clone()),
                _ => None,
            })
            .collect();
        crate::speech::delivery::Delivery::combine(&parts)
    }

    /// One line for lists: id, question, state.
    pub fn summary_line(&self) -> String {
        format!(
            "{}  #{} {}  ({}, {} turns{})",
            self.id,
            self.question.number,
            self.question.id,
            self.started_at.format("%Y-%m-%d %H:%M"),
            self.turns
                .iter()
                .filter(|t| t.speaker == Speaker::Candidate)
                .count(),
            if self.is_finished() { ", finished" } else { "" }
        )
    }
}
