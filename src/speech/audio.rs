//! Audio in: WAV (hound), FLAC, MP3 and Ogg Vorbis (symphonia), turned into 16 kHz mono (rubato
//! when the rate differs), which is what transcribers want and what rehearse measures; and out:
//! a 16-bit WAV to upload. Also a simple energy-based speech detector, for when a transcriber
//! gives no timings.

use std::io::Cursor;
use std::path::{Path, PathBuf};

/// The sample rate rehearse works at.
pub const RATE: u32 = 16_000;
/// The longest answer rehearse transcribes: ten minutes, like the REPL's recording cap (a 16 kHz
/// mono WAV of that length stays under the 25 MB transcription APIs accept).
pub const MAX_SECS: f64 = 600.0;
/// The largest audio file read.
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;

/// Less speech than this is "no speech detected".
const MIN_SPEECH_SECS: f64 = 0.3;

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{path}: cannot read: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path}: not an audio file rehearse reads (WAV, FLAC, MP3 or Ogg Vorbis)")]
    NotAudio { path: PathBuf },
    #[error("{path}: {what} is not supported; convert it to WAV, FLAC, MP3 or Ogg Vorbis")]
    Unsupported { path: PathBuf, what: String },
    #[error("{path}: {secs:.0} s of audio; answers longer than {max:.0} s are not transcribed", max = MAX_SECS)]
    TooLong { path: PathBuf, secs: f64 },
    #[error("{path}: larger than {} MB; not read", MAX_FILE_BYTES / (1024 * 1024))]
    TooLarge { path: PathBuf },
    #[error("{path}: no speech detected (the recording is silent or too quiet)")]
    NoSpeech { path: PathBuf },
}

impl AudioError {
    /// Every one of these is about the input: exit 2.
    pub fn exit_code(&self) -> u8 {
        crate::exit::USAGE
    }
}

/// Mono audio at [`RATE`], samples in −1..1.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
}

impl Audio {
    pub fn duration_secs(&self) -> f64 {
        self.samples.len() as f64 / f64::from(RATE)
    }

    /// A 16-bit PCM WAV of the audio: what is uploaded and kept.
    pub fn to_wav(&self) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut out = Cursor::new(Vec::with_capacity(44 + self.samples.len() * 2));
        {
            let mut writer = hound::WavWriter::new(&mut out, spec).expect("writing to memory");
            for s in &self.samples {
                let v = (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16;
                writer.write_sample(v).expect("writing to memory");
            }
            writer.finalize().expect("writing to memory");
        }
        out.into_inner()
    }

    /// Spans of speech (start, end in seconds), by frame energy against the recording's own
    /// noise floor: 30 ms frames louder than four times the quietest tenth (capped at half
    /// the loudest twentieth; at least a fixed floor), joined across gaps under 0.3 s, spans
    /// under 0.1 s dropped.
    pub fn speech_spans(&self) -> Vec<(f64, f64)> {
        const FRAME: usize = 480; // 30 ms
        let frame_secs = FRAME as f64 / f64::from(RATE);
        let energies: Vec<f32> = self
            .samples
            .chunks(FRAME)
            .map(|f| (f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32).sqrt())
            .collect();
        if energies.is_empty() {
            return Vec::new();
        }
        let mut sorted = energies.clone();
        sorted.sort_by(f32::total_cmp);
        let quiet = sorted[sorted.len() / 10];
        let loud = sorted[sorted.len() * 95 / 100];
        // Four times the noise floor, but never above half the loud level (a recording with
        // no silence at all has no floor to speak of), and never below a fixed floor.
        let threshold = (quiet * 4.0).min(loud * 0.5).max(0.002);
        let mut spans: Vec<(f64, f64)> = Vec::new();
        for (i, e) in energies.iter().enumerate() {
            if *e < threshold {
                continue;
            }
            let (start, end) = (i as f64 * frame_secs, (i + 1) as f64 * frame_secs);
            match spans.last_mut() {
                Some(last) if start - last.1 < 0.3 => last.1 = end,
                _ => spans.push((start, end)),
            }
        }
        spans.retain(|(s, e)| e - s >= 0.1);
        spans
    }

    /// Whether it holds any speech at all.
    pub fn has_speech(&self) -> bool {
        self.speech_spans().iter().map(|(s, e)| e - s).sum::<f64>() >= MIN_SPEECH_SECS
    }
}

/// Reads an audio file as 16 kHz mono, refusing what is not audio, too big or too long.
pub fn read(path: &Path) -> Result<Audio, AudioError> {
    let bytes = crate::files::read_bounded(path, MAX_FILE_BYTES).map_err(|e| match e {
        crate::files::ReadError::TooLarge { .. } => AudioError::TooLarge {
            path: path.to_path_buf(),
        },
        other => AudioError::Unreadable {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    })?;
    decode(path, bytes)
}

/// Decodes audio `bytes` (named `path` in messages).
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<Audio, AudioError> {
    let (interleaved, channels, rate) = if bytes.starts_with(b"RIFF") {
        decode_wav(path, &bytes)?
    } else {
        decode_compressed(path, bytes)?
    };
    let channels = channels.max(1);
    let secs = interleaved.len() as f64 / channels as f64 / f64::from(rate.max(1));
    if secs > MAX_SECS {
        return Err(AudioError::TooLong {
            path: path.to_path_buf(),
            secs,
        });
    }
    let mono: Vec<f32> = if channels == 1 {
        interleaved
    } else {
        interleaved
            .chunks(channels)
            .map(|frame| frame.iter().sum::<f32>() / frame.len() as f32)
            .collect()
    };
    let samples = if rate == RATE {
        mono
    } else {
        resample(&mono, rate, RATE).map_err(|what| AudioError::Unsupported {
            path: path.to_path_buf(),
            what,
        })?
    };
    Ok(Audio { samples })
}

fn decode_wav(path: &Path, bytes: &[u8]) -> Result<(Vec<f32>, usize, u32), AudioError> {
    let not_audio = || AudioError::NotAudio {
        path: path.to_path_buf(),
    };
    let reader = hound::WavReader::new(Cursor::new(bytes)).map_err(|e| match e {
        hound::Error::Unsupported => AudioError::Unsupported {
            path: path.to_path_buf(),
            what: "this WAV encoding".into(),
        },
        _ => not_audio(),
    })?;
    let spec = reader.spec();
    // The common case (what recorders write): 16-bit PCM, read in bulk from the data chunk.
    if spec.sample_format == hound::SampleFormat::Int && spec.bits_per_sample == 16 {
        let count = reader.len() as usize;
        let data = reader.into_inner();
        let start = usize::try_from(data.position()).unwrap_or(usize::MAX);
        let bytes = data.into_inner();
        let end = start.saturating_add(count * 2).min(bytes.len());
        let samples = bytes
            .get(start..end)
            .ok_or_else(not_audio)?
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect();
        return Ok((samples, usize::from(spec.channels), spec.sample_rate));
    }
    let samples: Result<Vec<f32>, hound::Error> = match spec.sample_format {
        hound::SampleFormat::Float => reader.into_samples::<f32>().collect(),
        hound::SampleFormat::Int => {
            let scale = 2f32.powi(i32::from(spec.bits_per_sample) - 1);
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect()
        }
    };
    let samples = samples.map_err(|_| not_audio())?;
    Ok((samples, usize::from(spec.channels), spec.sample_rate))
}

fn decode_compressed(path: &Path, bytes: Vec<u8>) -> Result<(Vec<f32>, usize, u32), AudioError> {
    use symphonia::core::codecs::audio::AudioDecoderOptions;
    use symphonia::core::errors::Error;
    use symphonia::core::formats::probe::Hint;
    use symphonia::core::formats::{FormatOptions, TrackType};
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;

    let not_audio = || AudioError::NotAudio {
        path: path.to_path_buf(),
    };
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|_| not_audio())?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(not_audio)?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(not_audio)?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|_| AudioError::Unsupported {
            path: path.to_path_buf(),
            what: "this audio codec".into(),
        })?;
    let track_id = track.id;
    let mut samples: Vec<f32> = Vec::new();
    let mut spec = None;
    let limit = (MAX_SECS * 48_000.0 * 2.0) as usize + 1;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(_) => break,
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                let s = buf.spec();
                spec.get_or_insert((s.channels().count(), s.rate()));
                let start = samples.len();
                samples.resize(start + buf.samples_interleaved(), 0.0);
                buf.copy_to_slice_interleaved(&mut samples[start..]);
                if samples.len() > limit {
                    break;
                }
            }
            Err(Error::DecodeError(_)) => continue,
            Err(_) => break,
        }
    }
    let (channels, rate) = spec.ok_or_else(not_audio)?;
    Ok((samples, channels, rate))
}

/// Resamples mono audio with a band-limited sinc interpolator.
fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, String> {
    use audioadapter_buffers::direct::InterleavedSlice;
    use rubato::{
        Async, FixedAsync, Resampler, SincInterpolationParameters, SincInterpolationType,
        WindowFunction,
    };
    if samples.is_empty() {
        return Ok(Vec::new());
    }
    let ratio = f64::from(to) / f64::from(from);
    let window = WindowFunction::BlackmanHarris2;
    let params = SincInterpolationParameters {
        sinc_len: 128,
        // The resampler picks the highest cutoff that keeps aliasing below the window's
        // sidelobes.
        f_cutoff: None,
        interpolation: SincInterpolationType::Linear,
        oversampling_factor: 128,
        window,
    };
    let mut resampler = Async::<f32>::new_sinc(ratio, 1.0, &params, 1024, 1, FixedAsync::Input)
        .map_err(|e| format!("resampling from {from} Hz ({e})"))?;
    let input = InterleavedSlice::new(samples, 1, samples.len()).map_err(|e| e.to_string())?;
    let mut out = vec![0.0f32; resampler.process_all_needed_output_len(samples.len())];
    let capacity = out.len();
    let mut output = InterleavedSlice::new_mut(&mut out, 1, capacity).map_err(|e| e.to_string())?;
    let (_, written) = resampler
        .process_all_into_buffer(&input, &mut output, samples.len(), None)
        .map_err(|e| format!("resampling from {from} Hz ({e})"))?;
    out.truncate(written);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tone of `secs` at `rate` Hz, as a 16-bit WAV with `channels` channels.
    pub fn tone_wav(secs: f64, rate: u32, channels: u16) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut out = Cursor::new(Vec::new());
        let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
        for i in 0..(secs * f64::from(rate)) as usize {
            let v = (i as f32 * 440.0 * 2.0 * std::f32::consts::PI / rate as f32).sin() * 0.3;
            for _ in 0..channels {
                w.write_sample((v * 32767.0) as i16).unwrap();
            }
        }
        w.finalize().unwrap();
        out.into_inner()
    }

    #[test]
    fn any_rate_and_channel_count_becomes_16_khz_mono() {
        let audio = decode(Path::new("a.wav"), tone_wav(2.0, 44_100, 2)).unwrap();
        assert!(
            (audio.duration_secs() - 2.0).abs() < 0.05,
            "{}",
            audio.duration_secs()
        );
        let again = decode(Path::new("b.wav"), audio.to_wav()).unwrap();
        assert_eq!(again.samples.len(), audio.samples.len());
    }

    #[test]
    fn not_audio_and_silence_are_told_apart() {
        assert!(matches!(
            decode(Path::new("x.wav"), b"plain text, not audio".to_vec()),
            Err(AudioError::NotAudio { .. })
        ));
        let silent = Audio {
            samples: vec![0.0; 16_000],
        };
        assert!(!silent.has_speech());
        let tone = decode(Path::new("t.wav"), tone_wav(1.0, 16_000, 1)).unwrap();
        assert!(tone.has_speech());
    }

    #[test]
    fn speech_spans_find_the_gap_between_two_bursts() {
        let mut samples = Vec::new();
        let burst = |n: usize| (0..n).map(|i| (i as f32 * 0.2).sin() * 0.3);
        samples.extend(std::iter::repeat_n(0.0005, 8_000)); // 0.5 s near silence
        samples.extend(burst(16_000)); // 1 s
        samples.extend(std::iter::repeat_n(0.0005, 48_000)); // 3 s
        samples.extend(burst(16_000));
        let spans = Audio { samples }.speech_spans();
        assert_eq!(spans.len(), 2, "{spans:?}");
        let gap = spans[1].0 - spans[0].1;
        assert!((gap - 3.0).abs() < 0.1, "{gap}");
    }

    #[test]
    fn over_ten_minutes_is_refused() {
        let long = tone_wav(MAX_SECS + 1.0, 8_000, 1);
        assert!(matches!(
            decode(Path::new("long.wav"), long),
            Err(AudioError::TooLong { .. })
        ));
    }
}
