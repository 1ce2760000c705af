//! The terminal side of an interview: read a turn (or a command), save it, show the
//! interviewer's reply as it arrives, save again. Every submitted turn is on disk before
//! anything else happens, so a crash or kill loses nothing the candidate typed. What the
//! interviewer says is decided in `interview::{scripted, llm, steer}`; finishing is
//! `crate::finish`.

use std::io::Write;
use std::time::Duration;

use chrono::Utc;
use rustyline::error::ReadlineError;

use crate::bank::Question;
use crate::framework::Framework;
use crate::interview::commands::{self, COMMANDS, Command};
use crate::interview::reply::{self, Shown};
use crate::interview::steer::Steer;
use crate::interview::{Interviewer, Line, TurnContext, classify};
use crate::llm::LlmError;
use crate::report;
use crate::scoring::{Scorer, text::Normaliser};
use crate::session::TurnSource;
use crate::session::{Session, Speaker, TurnKind};
use crate::speech::commands::{NO_RECORDER, Recorder};
use crate::speech::speaker::Narrator;
use crate::speech::{NO_TRANSCRIBER, Transcriber, audio};
use crate::store::Store;
use crate::ui::{self, Style};

/// How the interview ended.
#[derive(Debug)]
pub enum Exit {
    /// Scored, with the Markdown report written next to the session.
    Finished,
    /// Saved for later (`/quit`, Ctrl-D, or confirmed Ctrl-C).
    Saved,
}

enum Flow {
    Continue,
    Exit(Exit),
}

enum Input {
    Line(String),
    Interrupted,
    Eof,
}

/// How to enter a multi-line answer: a line of three double quotes opens and closes it.
pub const BLOCK_DELIMITER: &str = "\"\"\"";

/// Speaking and listening in an interview: all optional.
#[derive(Default)]
pub struct Speech {
    /// Transcribes spoken turns; without it `/voice` explains what to set.
    pub transcriber: Option<Transcriber>,
    /// Records spoken turns; without it `/voice` says what to install.
    pub recorder: Option<Recorder>,
    /// An empty Enter records a spoken turn (`--voice`).
    pub voice: bool,
    /// Keep each recording next to the session (not with `--no-keep-audio`).
    pub keep_audio: bool,
    /// Reads the interviewer's lines aloud (`--speak`).
    pub narrator: Option<Narrator>,
}

/// Who takes part besides the candidate: the interviewer, the judge at `/done`, and speech.
pub struct Cast {
    pub interviewer: Box<dyn Interviewer>,
    pub scorer: Scorer,
    pub speech: Speech,
}

pub struct Repl<'a> {
    pub question: &'a Question,
    pub framework: &'a Framework,
    pub store: &'a Store,
    pub session: Session,
    pub interviewer: Box<dyn Interviewer>,
    pub scorer: Scorer,
    pub speech: Speech,
    pub style: Style,
    runtime: tokio::runtime::Runtime,
    interrupts: tokio::sync::watch::Receiver<u64>,
    normaliser: Normaliser,
}

/// Where an interviewer's words start on the screen, after "Interviewer › ".
const LABEL_WIDTH: usize = 14;

impl<'a> Repl<'a> {
    pub fn new(
        question: &'a Question,
        framework: &'a Framework,
        store: &'a Store,
        session: Session,
        cast: Cast,
        style: Style,
    ) -> crate::Result<Repl<'a>> {
        // One worker thread keeps background work going (closing a cancelled connection,
        // watching for Ctrl-C) while the main thread waits in the line editor.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        // Ctrl-C outside the line editor (while the interviewer streams or the judge scores)
        // cancels that work instead of killing the process.
        let (tx, interrupts) = tokio::sync::watch::channel(0u64);
        #[cfg(unix)]
        {
            // Registered here, synchronously, so no Ctrl-C can slip past before the watcher runs.
            let mut sigint = {
                let _guard = runtime.enter();
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?
            };
            runtime.spawn(async move {
                while sigint.recv().await.is_some() {
                    tx.send_modify(|n| *n += 1);
                }
            });
        }
        #[cfg(not(unix))]
        runtime.spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                tx.send_modify(|n| *n += 1);
            }
        });
        Ok(Repl {
            question,
            framework,
            store,
            session,
            interviewer: cast.interviewer,
            scorer: cast.scorer,
            speech: cast.speech,
            style,
            runtime,
            interrupts,
            normaliser: Normaliser::default(),
        })
    }

    fn save(&self) -> crate::Result<()> {
        self.store.save(&self.session)?;
        Ok(())
    }

    fn out(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    fn say(&self, text: &str) {
        let label = self.style.cyan("Interviewer ›");
        let body = ui::wrap(text, ui::text_width().saturating_sub(LABEL_WIDTH), "");
        let mut lines = body.lines();
        let first = lines.next().unwrap_or_default();
        let mut s = format!("{label} {first}");
        for rest in lines {
            s.push_str("\n              ");
            s.push_str(rest);
        }
        self.out(&s);
    }

    fn interviewer_says(&mut self, line: Line) {
        self.say(&line.text);
        self.speak(&line.text);
        self.session
            .push(Speaker::Interviewer, line.kind, line.text, Utc::now());
        if let Some(turn) = self.session.turns.last_mut() {
            turn.nudges = line.nudges;
        }
    }

    /// Reads an interviewer line aloud, with `--speak`.
    fn speak(&self, text: &str) {
        if let Some(narrator) = &self.speech.narrator {
            narrator.say(text);
        }
    }

    fn stage_title(&self, index: usize) -> String {
        self.framework.stages[index].title.clone()
    }

    /// The prompt: stage and clock, e.g. `[2/6 estimation 03:12/05:00] › `.
    fn prompt(&self) -> String {
        let now = Utc::now();
        let clock = self.session.stage();
        let elapsed = self.session.stage_elapsed_secs(now);
        let over = if elapsed > clock.budget_secs {
            " over"
        } else {
            ""
        };
        format!(
            "[{}/{} {} {}/{}{over}] › ",
            self.session.stage_index + 1,
            self.session.stages.len(),
            clock.id,
            ui::clock(elapsed),
            ui::clock(clock.budget_secs)
        )
    }

    fn print_question(&self) {
        let q = self.question;
        let width = ui::text_width();
        self.out(&self.style.bold(&format!("#{} {}", q.number, q.title)));
        self.out(&format!(
            "{} · {} · {} min · stages:",
            q.level, q.kind, self.session.minutes
        ));
        for (i, (stage, clock)) in self
            .framework
            .stages
            .iter()
            .zip(&self.session.stages)
            .enumerate()
        {
            let marker = if i == self.session.stage_index {
                "›"
            } else {
                " "
            };
            self.out(&format!(
                " {marker} {}. {:<26} {}",
                i + 1,
                stage.title,
                ui::clock(clock.budget_secs)
            ));
        }
        self.out("");
        self.out(&ui::wrap(&q.prompt, width, ""));
    }

    fn print_help_line(&self) {
        self.out(&self.style.dim(&format!(
            "Type your answer and press Enter; for several lines, put {BLOCK_DELIMITER} on a line before and after. \
             /help lists commands; /next moves on; Ctrl-D saves and quits."
        )));
    }

    fn open_stage(&mut self) {
        let index = self.session.stage_index;
        let stage = &self.framework.stages[index];
        let header = format!(
            "── Stage {}/{}: {} ({}) ──",
            index + 1,
            self.framework.stages.len(),
            stage.title,
            ui::clock(self.session.stages[index].budget_secs)
        );
        self.out(&self.style.bold(&header));
        self.out(&self.style.dim(&format!("Goal: {}", stage.goal)));
        let opening = stage.opening.clone();
        self.interviewer_says(Line::new(TurnKind::Opening, opening));
    }

    /// Runs the interview until it is finished or saved for later.
    pub fn run(mut self, fresh: bool) -> crate::Result<Exit> {
        if fresh {
            self.print_question();
            self.out("");
            self.print_help_line();
            self.out("");
            let prompt = self.question.prompt.clone();
            self.speak(&prompt);
            self.session
                .push(Speaker::Interviewer, TurnKind::Opening, prompt, Utc::now());
            self.open_stage();
        } else {
            // The clock runs again from now; time away is not counted.
            self.session.tick(Utc::now());
            let candidate_turns = self
                .session
                .turns
                .iter()
                .filter(|t| t.speaker == Speaker::Candidate)
                .count();
            self.out(&format!(
                "Resuming {}: #{} {}, stage {}/{} ({}), {} of your turns so far. /transcript shows them.",
                self.session.id,
                self.question.number,
                self.question.title,
                self.session.stage_index + 1,
                self.session.stages.len(),
                self.stage_title(self.session.stage_index),
                candidate_turns
            ));
            self.print_help_line();
            if let Some(last) = self
                .session
                .turns
                .iter()
                .rev()
                .find(|t| t.speaker == Speaker::Interviewer)
            {
                let text = last.text.clone();
                self.say(&text);
            }
        }
        self.save()?;

        let mut editor = rustyline::DefaultEditor::new()
            .map_err(|e| crate::Error::Failed(format!("cannot open the line editor: {e}")))?;
        let mut interrupts_in_a_row = 0;
        loop {
            let input = self.read(&mut editor);
            match input {
                Input::Eof => return self.quit(),
                Input::Interrupted => {
                    if let Some(narrator) = &self.speech.narrator {
                        narrator.stop();
                    }
                    interrupts_in_a_row += 1;
                    if interrupts_in_a_row == 1 {
                        self.out(&self.style.dim(
                            "(line cleared; press Ctrl-C again to quit, or Ctrl-D to save and quit)",
                        ));
                        continue;
                    }
                    interrupts_in_a_row = 0;
                    if self.confirm(
                        &mut editor,
                        "Quit now? Your interview is saved and can be resumed. [y/N] ",
                    ) {
                        return self.quit();
                    }
                }
                Input::Line(text) => {
                    interrupts_in_a_row = 0;
                    if text.trim().is_empty() {
                        if self.speech.voice {
                            self.voice_turn(&mut editor)?;
                        }
                        continue;
                    }
                    let _ = editor.add_history_entry(text.as_str());
                    match commands::parse(&text) {
                        Some(Ok(command)) => {
                            if let Flow::Exit(exit) = self.command(command, &mut editor)? {
                                return Ok(exit);
                            }
                        }
                        Some(Err(unknown)) => {
                            let hint = unknown
                                .suggestion
                                .map(|s| format!(" Did you mean {s}?"))
                                .unwrap_or_default();
                            self.out(&format!(
                                "Unknown command {}.{hint} Nothing was recorded; /help lists the commands.",
                                unknown.typed
                            ));
                        }
                        None => self.candidate_turn(text.trim().to_owned())?,
                    }
                }
            }
        }
    }

    fn read(&self, editor: &mut rustyline::DefaultEditor) -> Input {
        self.read_with(editor, &self.prompt())
    }

    /// A line, or a block between lines of `"""`, after `prompt`.
    fn read_with(&self, editor: &mut rustyline::DefaultEditor, prompt: &str) -> Input {
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => return Input::Interrupted,
            Err(_) => return Input::Eof,
        };
        if line.trim() != BLOCK_DELIMITER {
            return Input::Line(line);
        }
        let mut block = Vec::new();
        loop {
            match editor.readline("… ") {
                Ok(l) if l.trim() == BLOCK_DELIMITER => break,
                Ok(l) => block.push(l),
                // Ctrl-C inside a block clears that line only; the block goes on.
                Err(ReadlineError::Interrupted) => {
                    self.out(&self.style.dim(&format!(
                        "(line cleared; the block goes on until a line with {BLOCK_DELIMITER})"
                    )));
                }
                Err(_) => break,
            }
        }
        Input::Line(block.join("\n"))
    }

    fn confirm(&self, editor: &mut rustyline::DefaultEditor, question: &str) -> bool {
        matches!(editor.readline(question), Ok(a) if a.trim().eq_ignore_ascii_case("y") || a.trim().eq_ignore_ascii_case("yes"))
    }

    fn candidate_turn(&mut self, text: String) -> crate::Result<()> {
        self.candidate_says(text, TurnSource::Typed)
    }

    /// Records a candidate turn (typed or spoken), saves it, and takes the interviewer's reply.
    fn candidate_says(&mut self, text: String, source: TurnSource) -> crate::Result<()> {
        let now = Utc::now();
        let kind = if classify::is_question(&text) {
            TurnKind::Question
        } else {
            TurnKind::Answer
        };
        self.session.push_candidate(kind, text, source, now);
        self.reply_to_candidate()
    }

    /// After a candidate turn (already recorded): save, then the interviewer's reply.
    fn reply_to_candidate(&mut self) -> crate::Result<()> {
        let now = Utc::now();
        // Durable before the interviewer says anything.
        self.save()?;
        let steer = Steer::for_turn(
            &self.session,
            self.question,
            self.framework,
            now,
            &self.normaliser,
        );
        let taken = self.take_reply(&steer);
        reply::record(&mut self.session, &taken, Utc::now());
        self.save()
    }

    /// Shows the interviewer's reply as it arrives; Ctrl-C cuts it off and keeps what arrived.
    fn take_reply(&self, steer: &Steer) -> reply::Reply {
        let turn = TurnContext {
            question: self.question,
            framework: self.framework,
            session: &self.session,
            steer,
            now: Utc::now(),
        };
        let label = self.style.cyan("Interviewer ›");
        let width = ui::text_width();
        let indent = " ".repeat(LABEL_WIDTH);
        let mut wrap = ui::StreamWrap::new(width, &indent, LABEL_WIDTH);
        let mut started = false;
        let mut interrupts = self.interrupts.clone();
        interrupts.borrow_and_update();
        let cancel = async move {
            let _ = interrupts.changed().await;
        };
        let taken = self.runtime.block_on(reply::take(
            self.interviewer.reply(&turn),
            cancel,
            |shown| {
                let mut out = std::io::stdout().lock();
                match shown {
                    Shown::LineStart => {
                        if started {
                            let _ = writeln!(out, "{}", wrap.finish());
                        }
                        started = true;
                        wrap = ui::StreamWrap::new(width, &indent, LABEL_WIDTH);
                        let _ = write!(out, "{label} ");
                    }
                    Shown::Text(text) => {
                        let _ = write!(out, "{}", wrap.push(&ui::clean(text)));
                    }
                }
                let _ = out.flush();
            },
        ));
        if started {
            println!("{}", wrap.finish());
        }
        if taken.interrupted {
            self.out(&self.style.dim("[interrupted]"));
        } else {
            let said: Vec<&str> = taken.lines.iter().map(|l| l.text.trim()).collect();
            self.speak(&said.join(" "));
        }
        if let Some(e) = &taken.error {
            let what = match e {
                // The reply had started (or failed before a word): either way it is cut off.
                LlmError::Incomplete(_) | LlmError::InStream { .. } | LlmError::Transport(_) => {
                    format!(
                        "[the reply was cut off: {}] Your answer is saved; carry on, or ask again.",
                        ui::clean(&e.to_string())
                    )
                }
                _ => format!(
                    "The interviewer could not reply: {}. Your answer is saved; carry on, or /quit and resume later.",
                    ui::clean(&e.to_string())
                ),
            };
            eprintln!("{}", self.style.red(&what));
        }
        taken
    }

    fn command(
        &mut self,
        command: Command,
        editor: &mut rustyline::DefaultEditor,
    ) -> crate::Result<Flow> {
        let now = Utc::now();
        match command {
            Command::Help => {
                let mut table = ui::Table::new(&["COMMAND", "WHAT IT DOES"]);
                for spec in COMMANDS {
                    let name = if spec.args.is_empty() {
                        spec.name.to_owned()
                    } else {
                        format!("{} {}", spec.name, spec.args)
                    };
                    table.row(vec![name, spec.help.to_owned()]);
                }
                self.out(table.render(self.style).trim_end());
                self.out(&format!(
                    "Multi-line answers: a line with {BLOCK_DELIMITER} before and after. Ctrl-C cancels the interviewer's reply or clears the line (twice offers to quit); Ctrl-D saves and quits."
                ));
            }
            Command::Next => {
                if self.session.stage_index + 1 >= self.session.stages.len() {
                    self.out("This is the last stage. /done finishes the interview and scores it.");
                } else {
                    self.session.go_to_stage(self.session.stage_index + 1, now);
                    self.open_stage();
                    self.save()?;
                }
            }
            Command::Back => {
                if self.session.stage_index == 0 {
                    self.out("This is the first stage.");
                } else {
                    self.session.go_to_stage(self.session.stage_index - 1, now);
                    let index = self.session.stage_index;
                    self.out(&self.style.bold(&format!(
                        "── Back to stage {}/{}: {} ──",
                        index + 1,
                        self.session.stages.len(),
                        self.stage_title(index)
                    )));
                    self.save()?;
                }
            }
            Command::Stage => {
                let index = self.session.stage_index;
                let stage = &self.framework.stages[index];
                let clock = self.session.stage();
                self.out(&format!(
                    "Stage {}/{}: {}. {} of {} used, {} hint(s) taken.",
                    index + 1,
                    self.session.stages.len(),
                    stage.title,
                    ui::clock(self.session.stage_elapsed_secs(now)),
                    ui::clock(clock.budget_secs),
                    clock.hints_used
                ));
                self.out(&ui::wrap(
                    &format!("Goal: {}", stage.goal),
                    ui::text_width(),
                    "",
                ));
            }
            Command::Hint => {
                let stage = self.session.stage().id.clone();
                let hints: Vec<String> = self
                    .question
                    .hints_for(&stage)
                    .map(|h| h.text.clone())
                    .collect();
                let used = self.session.stage().hints_used as usize;
                match hints.get(used) {
                    Some(hint) => {
                        let index = self.session.stage_index;
                        self.session.stages[index].hints_used += 1;
                        let text = format!("Hint {}/{}: {hint}", used + 1, hints.len());
                        self.interviewer_says(Line::new(TurnKind::Hint, text));
                        self.save()?;
                    }
                    None => {
                        let goal = self.framework.stages[self.session.stage_index].goal.clone();
                        self.out(&format!("No more hints for this stage. Its goal: {goal}"));
                    }
                }
            }
            Command::Time => {
                let mut table = ui::Table::new(&["", "STAGE", "USED", "BUDGET"]);
                let mut total_budget = 0;
                for (i, (stage, clock)) in self
                    .framework
                    .stages
                    .iter()
                    .zip(&self.session.stages)
                    .enumerate()
                {
                    let current = i == self.session.stage_index;
                    let used = if current {
                        self.session.stage_elapsed_secs(now)
                    } else {
                        clock.spent_ms / 1000
                    };
                    total_budget += clock.budget_secs;
                    let over = if used > clock.budget_secs {
                        " over"
                    } else {
                        ""
                    };
                    table.row(vec![
                        if current { "›".into() } else { String::new() },
                        stage.title.clone(),
                        format!("{}{over}", ui::clock(used)),
                        ui::clock(clock.budget_secs),
                    ]);
                }
                self.out(table.render(self.style).trim_end());
                self.out(&format!(
                    "Total: {} of {}.",
                    ui::clock(self.session.total_elapsed_secs(now)),
                    ui::clock(total_budget)
                ));
            }
            Command::Transcript => {
                if self.session.turns.is_empty() {
                    self.out("Nothing said yet.");
                }
                for turn in &self.session.turns {
                    let title = self.framework.stage_title(&turn.stage);
                    let who = match turn.speaker {
                        Speaker::Candidate => "You",
                        Speaker::Interviewer => "Interviewer",
                    };
                    let cut = if turn.interrupted { " (cut off)" } else { "" };
                    self.out(&ui::wrap(
                        &format!("[{title}] {who}{cut}: {}", turn.text),
                        ui::text_width(),
                        "",
                    ));
                }
            }
            Command::Question => self.print_question(),
            Command::Voice => self.voice_turn(editor)?,
            Command::Diagram => self.diagram(editor)?,
            Command::Done { offline } => return self.finish(offline),
            Command::Quit => return self.quit().map(Flow::Exit),
        }
        Ok(Flow::Continue)
    }

    /// A spoken turn: record until Enter (or the recorder stops, or the cap), transcribe,
    /// show the transcript and its delivery, then submit it, a typed correction, or record
    /// again.
    fn voice_turn(&mut self, editor: &mut rustyline::DefaultEditor) -> crate::Result<()> {
        let Some(transcriber) = &self.speech.transcriber else {
            self.out(&self.style.yellow(NO_TRANSCRIBER));
            return Ok(());
        };
        let Some(recorder) = &self.speech.recorder else {
            self.out(&self.style.yellow(NO_RECORDER));
            return Ok(());
        };
        let dir = self.store.audio_dir(&self.session.id);
        crate::files::ensure_dir(&dir).map_err(crate::Error::from)?;
        loop {
            let file = tempfile::Builder::new()
                .prefix(".recording-")
                .suffix(".wav")
                .tempfile_in(&dir)
                .map_err(|e| {
                    crate::Error::Failed(format!(
                        "cannot create a recording in {}: {e}",
                        dir.display()
                    ))
                })?;
            let recording = match recorder.start(file.path()) {
                Ok(r) => r,
                Err(e) => {
                    self.out(&self.style.red(&format!(
                        "cannot start the recorder ({}): {e}",
                        recorder.describe()
                    )));
                    return Ok(());
                }
            };
            let Some(stopped) = self.wait_while_recording(recording, &recorder.describe()) else {
                self.out("Recording cancelled; nothing was submitted.");
                return Ok(());
            };
            let audio = match crate::speech::read_recording(file.path()) {
                Ok(audio) => audio,
                Err(audio::AudioError::NoSpeech { .. }) => {
                    self.out("No speech detected. /voice records again; typing works as always.");
                    return Ok(());
                }
                Err(e) => {
                    let detail = if stopped.is_empty() {
                        String::new()
                    } else {
                        format!(" ({stopped})")
                    };
                    self.out(
                        &self
                            .style
                            .red(&format!("The recording could not be read{detail}: {e}")),
                    );
                    return Ok(());
                }
            };
            let spinner = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            spinner.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg}").expect("valid template"),
            );
            spinner.set_message(format!("Transcribing with {}…", transcriber.model()));
            spinner.enable_steady_tick(Duration::from_millis(100));
            let mut interrupts = self.interrupts.clone();
            interrupts.borrow_and_update();
            let result = self.runtime.block_on(async {
                tokio::select! {
                    biased;
                    _ = interrupts.changed() => None,
                    spoken = transcriber.transcribe(&audio) => Some(spoken),
                }
            });
            spinner.finish_and_clear();
            let spoken = match result {
                None => {
                    self.out("Transcription cancelled; nothing was submitted.");
                    return Ok(());
                }
                Some(Err(e)) => {
                    eprintln!(
                        "{}",
                        self.style.red(&format!(
                            "The transcription failed: {}. Nothing was submitted; /voice tries again, or type your answer.",
                            ui::clean(&e.to_string())
                        ))
                    );
                    return Ok(());
                }
                Some(Ok(spoken)) => spoken,
            };
            self.out(&ui::wrap(
                &format!("You said: {}", spoken.transcript.text),
                ui::text_width(),
                "",
            ));
            self.out(&self.style.dim(&spoken.delivery.summary()));
            let answer = match editor
                .readline("Enter submits · type a correction · /voice records again › ")
            {
                Ok(line) if line.trim().eq_ignore_ascii_case("/voice") => continue,
                Ok(line) if line.trim().is_empty() => spoken.transcript.text.clone(),
                Ok(line) => line.trim().to_owned(),
                Err(_) => {
                    self.out("Nothing was submitted.");
                    return Ok(());
                }
            };
            if answer.trim().is_empty() {
                self.out("The transcript is empty; nothing was submitted.");
                return Ok(());
            }
            let file_name = if self.speech.keep_audio {
                Some(self.store.keep_audio(
                    &self.session.id,
                    self.session.turns.len(),
                    &audio.to_wav(),
                )?)
            } else {
                None
            };
            drop(file);
            let source = TurnSource::Audio {
                duration_ms: spoken.duration_ms,
                transcriber: spoken.transcriber.clone(),
                delivery: Some(spoken.delivery.clone()),
                file: file_name,
            };
            return self.candidate_says(answer, source);
        }
    }

    /// Shows the recording clock until Enter, the recorder stopping by itself, or the cap;
    /// then stops the recorder. Returns what the recorder said if it failed, or `None` when
    /// Ctrl-C cancelled the recording.
    fn wait_while_recording(
        &self,
        mut recording: crate::speech::commands::Recording,
        name: &str,
    ) -> Option<String> {
        let mut interrupts = self.interrupts.clone();
        interrupts.borrow_and_update();
        let cap = Duration::from_secs_f64(audio::MAX_SECS);
        let live = std::io::IsTerminal::is_terminal(&std::io::stdout());
        let status = |elapsed: Duration| {
            format!(
                "● Recording with {name} {} — press Enter to stop",
                ui::clock(elapsed.as_secs())
            )
        };
        if !live {
            self.out(&status(Duration::ZERO));
        }
        let mut capped = false;
        loop {
            if live {
                let mut out = std::io::stdout().lock();
                let _ = write!(out, "\r{}", self.style.red(&status(recording.elapsed())));
                let _ = out.flush();
            }
            if recording.exited().is_some() {
                break;
            }
            if recording.elapsed() >= cap {
                capped = true;
                break;
            }
            // Ctrl-C cancels the recording.
            if interrupts.has_changed().unwrap_or(false) {
                if live {
                    println!();
                }
                let _ = recording.stop();
                return None;
            }
            if enter_pressed(Duration::from_millis(250)) {
                break;
            }
        }
        if live {
            println!();
        }
        if capped {
            self.out(&format!(
                "Stopped at the {}-minute limit for one turn.",
                (audio::MAX_SECS / 60.0).round()
            ));
        }
        let (status, stderr) = recording.stop();
        Some(match status {
            Some(s) if !s.success() && !stderr.is_empty() => stderr,
            _ => String::new(),
        })
    }

    /// `/diagram`: shows the current diagram, then takes a new version between `"""` lines
    /// (Enter keeps the current one). One that does not parse is shown with its line, and
    /// the previous version stays.
    fn diagram(&mut self, editor: &mut rustyline::DefaultEditor) -> crate::Result<()> {
        let current = self
            .session
            .diagrams
            .last()
            .and_then(|d| crate::diagram::parse::parse(&d.source).ok());
        match &current {
            Some(d) => {
                self.out(&format!(
                    "Your diagram (version {}):",
                    self.session.diagrams.len()
                ));
                self.out(crate::diagram::text_view(d).trim_end());
                self.out(&self.style.dim(&format!(
                    "Paste a new version between lines of {BLOCK_DELIMITER}, or press Enter to keep it."
                )));
            }
            None => self.out(&self.style.dim(&format!(
                "Paste a Mermaid flowchart between lines of {BLOCK_DELIMITER} (or end it with an empty line): `flowchart LR`, then nodes such as api[API] and db[(Users DB)] and flows such as api --> db. Enter cancels."
            ))),
        }
        let Input::Line(mut source) = self.read_with(editor, "diagram › ") else {
            return Ok(());
        };
        if source.trim().is_empty() {
            return Ok(());
        }
        // A flowchart pasted without the `"""` lines: read it on to the first empty line, so
        // its lines do not become answers one by one.
        let first = source.trim_start();
        if !source.contains('\n') && (first.starts_with("flowchart") || first.starts_with("graph"))
        {
            while let Ok(line) = editor.readline("… ") {
                if line.trim().is_empty() || line.trim() == BLOCK_DELIMITER {
                    break;
                }
                source.push('\n');
                source.push_str(&line);
            }
        }
        match crate::diagram::parse::parse(&source) {
            Err(e) => {
                let kept = if current.is_some() {
                    " Your previous diagram is kept."
                } else {
                    ""
                };
                self.out(
                    &self
                        .style
                        .red(&format!("The diagram could not be read: {e}.{kept}")),
                );
                Ok(())
            }
            Ok(d) => {
                let shown = crate::diagram::text_view(&d);
                self.out(shown.trim_end());
                self.session.share_diagram(source, shown, Utc::now());
                self.reply_to_candidate()
            }
        }
    }

    fn quit(&mut self) -> crate::Result<Exit> {
        self.session.tick(Utc::now());
        let path = self.store.save(&self.session)?;
        self.out(&format!(
            "Saved to {}. Continue with `rehearse resume {}`.",
            path.display(),
            self.session.id
        ));
        Ok(Exit::Saved)
    }

    /// Finishes the interview ([`crate::finish`]) behind a spinner; Ctrl-C or a failing judge
    /// leaves it going on.
    fn finish(&mut self, offline: bool) -> crate::Result<Flow> {
        let offline_scorer = Scorer::Offline;
        let scorer = if offline {
            &offline_scorer
        } else {
            &self.scorer
        };
        let spinner =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        spinner.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg}").expect("valid template"),
        );
        spinner.set_message(format!("Scoring with the {}…", scorer.describe()));
        spinner.enable_steady_tick(Duration::from_millis(100));
        let mut interrupts = self.interrupts.clone();
        interrupts.borrow_and_update();
        let (question, framework, store) = (self.question, self.framework, self.store);
        let session = &mut self.session;
        let result = self.runtime.block_on(async {
            tokio::select! {
                biased;
                _ = interrupts.changed() => None,
                finished = crate::finish::finish(question, framework, store, session, scorer, Utc::now()) => Some(finished),
            }
        });
        spinner.finish_and_clear();
        let finished = match result {
            None => {
                self.out("Scoring cancelled; the interview goes on.");
                return Ok(Flow::Continue);
            }
            Some(Err(crate::Error::Llm(e))) => {
                eprintln!(
                    "{}",
                    self.style.red(&format!(
                        "error: the LLM judge failed: {}\nYour interview is saved. Try /done again, or `/done offline` to score it with the offline scorer.",
                        ui::clean(&e.to_string())
                    ))
                );
                return Ok(Flow::Continue);
            }
            Some(Err(e)) => return Err(e),
            Some(Ok(finished)) => finished,
        };
        let card = &finished.card;
        self.out("");
        self.out(&format!(
            "{} {:.1} / 100 — {} (scored by the {})",
            self.style.bold("Overall"),
            card.overall,
            card.band.label(),
            card.scorer.describe()
        ));
        self.out(report::text::stage_lines(card, self.framework).trim_end());
        if let Some(caveat) = card.caveat() {
            self.out(&self.style.dim(&ui::wrap(caveat, ui::text_width(), "")));
        }
        self.out(&format!("Report: {}", finished.report.display()));
        self.out(&self.style.dim(&format!(
            "As a web page: rehearse report {} --format html",
            self.session.id
        )));
        Ok(Flow::Exit(Exit::Finished))
    }
}

/// Whether a line (Enter) arrived on stdin within `timeout`; the line is consumed. End of
/// input counts as Enter, so a closed stdin stops a recording too.
fn enter_pressed(timeout: Duration) -> bool {
    #[cfg(unix)]
    {
        let mut fds = libc::pollfd {
            fd: 0,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: one valid pollfd for stdin, and its count.
        let ready = unsafe { libc::poll(&mut fds, 1, ms) };
        if ready <= 0 {
            return false;
        }
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        true
    }
    #[cfg(not(unix))]
    {
        std::thread::sleep(timeout);
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        true
    }
}
