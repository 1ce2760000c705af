//! `rehearse transcribe FILE…`: recorded answers, transcribed by the endpoint, with their
//! delivery metrics; and the transcription step `score --audio` shares.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::cli::{TranscribeArgs, TranscribeFormat};
use crate::config::Config;
use crate::speech::transcript::Transcript;
use crate::speech::{NO_TRANSCRIBER, Spoken, Transcriber, audio};
use crate::ui::Style;

/// What one recording gave: a spoken answer, a problem with the file (bad input), or a
/// failed transcription (a runtime failure).
pub enum Heard {
    Spoken(Box<Spoken>),
    BadInput(String),
    Failed(String),
}

fn name(path: &Path) -> String {
    if path == Path::new("-") {
        "stdin".into()
    } else {
        path.display().to_string()
    }
}

fn read(path: &Path) -> Result<audio::Audio, audio::AudioError> {
    if path == Path::new("-") {
        let bytes = crate::files::read_to_limit(std::io::stdin().lock(), audio::MAX_FILE_BYTES)
            .map_err(|e| audio::AudioError::Unreadable {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        let audio = audio::decode(Path::new("stdin"), bytes)?;
        if !audio.has_speech() {
            return Err(audio::AudioError::NoSpeech {
                path: "stdin".into(),
            });
        }
        Ok(audio)
    } else {
        crate::speech::read_recording(path)
    }
}

/// The configured transcriber, or the usage error saying how to get one.
pub fn transcriber(config: &Config) -> crate::Result<Transcriber> {
    Transcriber::from_config(config)?.ok_or_else(|| crate::Error::Usage(NO_TRANSCRIBER.into()))
}

/// Transcribes every file in turn; problems are reported on stderr as they happen.
pub fn hear_all(
    transcriber: &Transcriber,
    files: &[std::path::PathBuf],
    err_style: Style,
) -> crate::Result<Vec<(String, Heard)>> {
    if files
        .iter()
        .filter(|f| f.as_path() == Path::new("-"))
        .count()
        > 1
    {
        return Err(crate::Error::Usage(
            "standard input (-) can be given only once".into(),
        ));
    }
    let runtime = super::runtime()?;
    let mut stderr = std::io::stderr();
    let mut out = Vec::new();
    for path in files {
        let name = name(path);
        let heard = match read(path) {
            Err(e) => Heard::BadInput(e.to_string()),
            Ok(audio) => match runtime.block_on(transcriber.transcribe(&audio)) {
                Ok(spoken) => Heard::Spoken(Box::new(spoken)),
                Err(e) => Heard::Failed(format!("{name}: the transcription failed: {e}")),
            },
        };
        match &heard {
            Heard::BadInput(problem) => {
                writeln!(stderr, "{}", err_style.red(&format!("error: {problem}")))?
            }
            Heard::Failed(problem) => {
                writeln!(stderr, "{}", err_style.red(&format!("error: {problem}")))?
            }
            Heard::Spoken(_) => {}
        }
        out.push((name, heard));
    }
    Ok(out)
}

/// The exit an all-files run ends with: 1 when a transcription failed, 2 when a file was bad.
pub fn outcome(heard: &[(String, Heard)], done: &str) -> crate::Result<()> {
    let failed = heard
        .iter()
        .filter(|(_, h)| matches!(h, Heard::Failed(_)))
        .count();
    let bad = heard
        .iter()
        .filter(|(_, h)| matches!(h, Heard::BadInput(_)))
        .count();
    if failed > 0 {
        return Err(crate::Error::Failed(format!(
            "{failed} of {} recording(s) could not be transcribed",
            heard.len()
        )));
    }
    if bad > 0 {
        return Err(crate::Error::Usage(format!(
            "{bad} of {} recording(s) could not be read; {done}",
            heard.len()
        )));
    }
    Ok(())
}

#[derive(Serialize)]
struct Line<'a> {
    input: &'a str,
    transcriber: TranscriberInfo<'a>,
    #[serde(flatten)]
    transcript: &'a Transcript,
    delivery: &'a crate::speech::delivery::Delivery,
}

#[derive(Serialize)]
struct TranscriberInfo<'a> {
    model: &'a str,
}

pub fn run(config: &Config, args: &TranscribeArgs) -> crate::Result<()> {
    let err_style = Style::for_stderr(config.no_color());
    let transcriber = transcriber(config)?;
    let heard = hear_all(&transcriber, &args.files, err_style)?;
    let mut out = std::io::stdout().lock();
    let mut first = true;
    for (name, h) in &heard {
        let Heard::Spoken(spoken) = h else { continue };
        match args.format {
            TranscribeFormat::Json => {
                let line = Line {
                    input: name,
                    transcriber: TranscriberInfo {
                        model: &spoken.transcriber,
                    },
                    transcript: &spoken.transcript,
                    delivery: &spoken.delivery,
                };
                serde_json::to_writer(&mut out, &line)?;
                writeln!(out)?;
            }
            TranscribeFormat::Text => {
                if !first {
                    writeln!(out)?;
                }
                writeln!(out, "{name}")?;
                writeln!(
                    out,
                    "{}",
                    crate::ui::wrap(&spoken.transcript.text, crate::ui::text_width(), "")
                )?;
                writeln!(out, "{}", spoken.delivery.summary())?;
            }
        }
        first = false;
    }
    out.flush()?;
    outcome(&heard, "the others were transcribed")
}
