//! Practising aloud: recording through an external command, transcription through an
//! OpenAI-compatible endpoint, delivery metrics, and the interviewer's voice.
//!
//! Speech has its own endpoint settings (`stt_*`, defaulting to the chat ones), and `--offline`
//! does not touch them: a local transcriber with the offline scorer is a fully local setup.

pub mod audio;
pub mod commands;
pub mod delivery;
pub mod speaker;
pub mod transcript;

use std::path::Path;
use std::time::Duration;

use crate::config::Config;
use crate::llm::client::TranscriptionRequest;
use crate::llm::{ClientSettings, LlmError, OpenAiClient};
use crate::settings;
use audio::Audio;
use delivery::Delivery;
use transcript::Transcript;

/// Asks the transcriber to keep disfluencies, which delivery feedback counts.
const STYLE_PROMPT: &str = "Umm, let me think like, hmm… okay, here is what I'm, like, thinking.";

/// Speech is unavailable because no transcription endpoint is configured.
pub const NO_TRANSCRIBER: &str = "speech needs a transcription endpoint: set \
REHEARSE_STT_BASE_URL (or REHEARSE_BASE_URL) to an OpenAI-compatible server. Locally, \
whisper.cpp (`whisper-server -m ggml-base.en.bin --inference-path /v1/audio/transcriptions`) \
or a faster-whisper server works, with REHEARSE_STT_BASE_URL=http://127.0.0.1:PORT/v1; \
--offline still uses it.";

/// A spoken answer, transcribed and measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Spoken {
    pub transcript: Transcript,
    pub delivery: Delivery,
    /// The model that transcribed it.
    pub transcriber: String,
    pub duration_ms: u64,
}

/// The transcription endpoint.
pub struct Transcriber {
    client: OpenAiClient,
    model: String,
    language: Option<String>,
}

impl Transcriber {
    /// The configured transcriber; `None` when there is no transcription endpoint.
    pub fn from_config(config: &Config) -> Result<Option<Transcriber>, LlmError> {
        let Some(base_url) = config.text(&settings::STT_BASE_URL) else {
            return Ok(None);
        };
        let model = config
            .text(&settings::STT_MODEL)
            .unwrap_or("whisper-1")
            .to_owned();
        let client = OpenAiClient::new(ClientSettings {
            base_url: base_url.to_owned(),
            api_key: config.secret(&settings::STT_API_KEY).cloned(),
            model: model.clone(),
            timeout: Duration::from_secs(config.int(&settings::TIMEOUT_SECS)),
            connect_timeout: Duration::from_secs(config.int(&settings::CONNECT_TIMEOUT_SECS)),
            max_retries: config.int(&settings::MAX_RETRIES) as u32,
            retry_base: Duration::from_millis(config.int(&settings::RETRY_BASE_MS)),
        })?;
        Ok(Some(Transcriber {
            client,
            model,
            language: config
                .text(&settings::STT_LANGUAGE)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        }))
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Transcribes `audio` and measures its delivery.
    pub async fn transcribe(&self, audio: &Audio) -> Result<Spoken, LlmError> {
        let request = TranscriptionRequest {
            language: self.language.clone(),
            prompt: Some(STYLE_PROMPT.to_owned()),
        };
        let body = self
            .client
            .transcribe(&audio.to_wav(), &request)
            .await
            .map_err(|e| e.redacted(self.client.secrets()))?;
        let transcript =
            Transcript::from_response(&body).ok_or_else(|| LlmError::NotCompatible {
                url: "the transcription endpoint".into(),
                detail: "its reply has no \"text\"".into(),
            })?;
        let duration = audio.duration_secs();
        let speech = if transcript.has_word_times() || !transcript.segments.is_empty() {
            Vec::new()
        } else {
            audio.speech_spans()
        };
        Ok(Spoken {
            delivery: Delivery::measure(&transcript, duration, &speech),
            transcript,
            transcriber: self.model.clone(),
            duration_ms: (duration * 1000.0).round() as u64,
        })
    }
}

/// Reads an answer recording for transcription: audio, with speech in it.
pub fn read_recording(path: &Path) -> Result<Audio, audio::AudioError> {
    let audio = audio::read(path)?;
    if !audio.has_speech() {
        return Err(audio::AudioError::NoSpeech {
            path: path.to_path_buf(),
        });
    }
    Ok(audio)
}
