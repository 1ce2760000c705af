//! The interviewer's voice (`--speak`): the endpoint's `POST /audio/speech` when a speech model
//! is configured (the WAV played with aplay, paplay, afplay or ffplay), else a speaker command
//! reading the text on stdin (`REHEARSE_SPEAKER`, or `espeak-ng` / macOS `say`).
//!
//! Lines are spoken in order by a background worker, so speech never blocks typing; Ctrl-C
//! ([`Narrator::stop`]) silences the current line and drops the ones waiting.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::llm::{ClientSettings, OpenAiClient};
use crate::settings;
use crate::speech::commands;

/// The voice the endpoint is asked for.
const VOICE: &str = "alloy";
/// How long rehearse waits, on exit, for the line being spoken.
const FINISH_LINE: Duration = Duration::from_secs(5);

/// Why the interviewer cannot speak, and what would fix it.
pub const NO_VOICE: &str = "--speak needs a voice: install espeak-ng (or use macOS `say`), set \
REHEARSE_SPEAKER to a command that speaks the text on its stdin, or set REHEARSE_TTS_MODEL to \
a speech model of the endpoint (played with aplay, paplay, afplay or ffplay).";

enum Voice {
    Endpoint {
        client: Box<OpenAiClient>,
        player: (&'static str, Vec<&'static str>),
    },
    Command(String),
}

/// What the worker and the REPL share.
#[derive(Default)]
struct Shared {
    /// The process speaking now.
    current: Mutex<Option<Child>>,
    /// Bumped by [`Narrator::stop`]: lines queued before it are skipped.
    generation: AtomicU64,
}

/// Speaks the interviewer's lines, one after another, in the background.
pub struct Narrator {
    lines: Option<Sender<(u64, String)>>,
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
}

impl Narrator {
    pub fn from_config(config: &Config) -> Result<Narrator, String> {
        let voice = match config.text(&settings::TTS_MODEL) {
            Some(model) if !model.is_empty() => {
                let player = commands::find_player().ok_or_else(|| {
                    "REHEARSE_TTS_MODEL is set but no audio player was found: install aplay \
                     (alsa-utils), paplay or ffplay, or use afplay on macOS"
                        .to_owned()
                })?;
                let settings = ClientSettings::from_config(config, model).ok_or_else(|| {
                    "REHEARSE_TTS_MODEL needs an endpoint (REHEARSE_BASE_URL)".to_owned()
                })?;
                let client = OpenAiClient::new(settings).map_err(|e| e.to_string())?;
                Voice::Endpoint {
                    client: Box::new(client),
                    player,
                }
            }
            _ => Voice::Command(
                commands::default_speaker(config.text(&settings::SPEAKER))
                    .ok_or_else(|| NO_VOICE.to_owned())?,
            ),
        };
        let shared = Arc::new(Shared::default());
        let (lines, queue) = mpsc::channel();
        let worker = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || speak_lines(&voice, &queue, &shared))
        };
        Ok(Narrator {
            lines: Some(lines),
            shared,
            worker: Some(worker),
        })
    }

    /// Queues `text` to be said after what is being said now.
    pub fn say(&self, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let generation = self.shared.generation.load(Ordering::SeqCst);
        if let Some(lines) = &self.lines {
            let _ = lines.send((generation, text.to_owned()));
        }
    }

    /// Stops speaking now and forgets the lines waiting.
    pub fn stop(&self) {
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(child) = self
            .shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            commands::kill(child);
        }
    }
}

impl Drop for Narrator {
    /// What is queued when rehearse exits may still be said, for a few seconds; then it stops.
    fn drop(&mut self) {
        drop(self.lines.take());
        let deadline = Instant::now() + FINISH_LINE;
        while self.worker.as_ref().is_some_and(|w| !w.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// The worker: speaks each queued line in turn, skipping those a stop made stale.
fn speak_lines(voice: &Voice, queue: &Receiver<(u64, String)>, shared: &Shared) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok();
    while let Ok((generation, text)) = queue.recv() {
        if generation != shared.generation.load(Ordering::SeqCst) {
            continue;
        }
        let child = match voice {
            Voice::Command(command) => commands::start_speaker(command, &text).ok(),
            Voice::Endpoint { client, player } => {
                let Some(runtime) = &runtime else { continue };
                let Ok(wav) = runtime.block_on(client.speech(&text, VOICE)) else {
                    continue;
                };
                let Ok(file) = tempfile::Builder::new().suffix(".wav").tempfile() else {
                    continue;
                };
                if std::fs::write(file.path(), &wav).is_err() {
                    continue;
                }
                let child = Command::new(player.0)
                    .args(&player.1)
                    .arg(file.path())
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .ok();
                // The player reads the file while it plays: keep it until then.
                if let Some(child) = child {
                    wait_spoken(child, shared, generation);
                }
                continue;
            }
        };
        if let Some(child) = child {
            wait_spoken(child, shared, generation);
        }
    }
}

/// Waits for a line to be spoken, or for a stop.
fn wait_spoken(child: Child, shared: &Shared, generation: u64) {
    *shared
        .current
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(child);
    loop {
        let mut slot = shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(child) = slot.as_mut() else { return };
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => {
                *slot = None;
                return;
            }
            Ok(None) if generation != shared.generation.load(Ordering::SeqCst) => {
                commands::kill(child);
                let _ = child.wait();
                *slot = None;
                return;
            }
            Ok(None) => {}
        }
        drop(slot);
        std::thread::sleep(Duration::from_millis(20));
    }
}
