//! Speech benchmarks (issue #14). Run with `cargo bench --bench speech`.
//! - Delivery metrics for a 10-minute WAV (decode, speech detection, word-timed metrics):
//!   target ≤ 50 ms.
//! - A transcription request against a local server, rehearse's client against curl sending
//!   the same file to the same server (curl's own `time_total`): target ≤ 5 ms more.

#[path = "../tests/common/mock.rs"]
mod mock;

use std::io::Cursor;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rehearse::llm::client::TranscriptionRequest;
use rehearse::llm::{ClientSettings, OpenAiClient};
use rehearse::speech::audio;
use rehearse::speech::delivery::Delivery;
use rehearse::speech::transcript::{Transcript, Word};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Ten minutes at 16 kHz: 2.5 s of "speech", 0.5 s of silence, over and over.
fn ten_minutes() -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for i in 0..16_000 * 600 {
        let speaking = (i / 8_000) % 6 < 5;
        let v = if speaking {
            ((i as f32) * 0.09).sin() * 12_000.0
        } else {
            0.0
        };
        w.write_sample(v as i16).unwrap();
    }
    w.finalize().unwrap();
    out.into_inner()
}

fn main() {
    let wav = ten_minutes();
    // 1,500 words at 150 a minute, with their times.
    let words: Vec<Word> = (0..1500)
        .map(|i| Word {
            text: if i % 40 == 0 {
                "um,".into()
            } else {
                "word".into()
            },
            start: i as f64 * 0.4,
            end: i as f64 * 0.4 + 0.3,
        })
        .collect();
    let transcript = Transcript {
        text: String::new(),
        words,
        segments: vec![],
        language: None,
    };
    let runs: Vec<Duration> = (0..11)
        .map(|_| {
            let start = Instant::now();
            let a = audio::decode(Path::new("bench.wav"), wav.clone()).unwrap();
            let spans = a.speech_spans();
            let d = Delivery::measure(&transcript, a.duration_secs(), &spans);
            std::hint::black_box(d);
            start.elapsed()
        })
        .collect();
    println!(
        "speech/delivery metrics for a 10-minute WAV (decode + speech detection + metrics): median {:.1} ms (target ≤ 50 ms)",
        median(runs).as_secs_f64() * 1e3
    );

    // The same upload, by rehearse's client and by curl, to one local server.
    let body =
        serde_json::json!({"text": "fine", "words": [{"word": "fine", "start": 0.0, "end": 0.4}]});
    let server = mock::MockServer::start(move |_, _| mock::Reply::json(200, body.clone()));
    let clip = audio::Audio {
        samples: (0..16_000 * 30)
            .map(|i| (i as f32 * 0.09).sin() * 0.3)
            .collect(),
    }
    .to_wav();
    let client = OpenAiClient::new(ClientSettings {
        base_url: server.url(),
        api_key: None,
        model: "whisper-1".into(),
        timeout: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(5),
        max_retries: 0,
        retry_base: Duration::from_millis(1),
    })
    .unwrap();
    let request = TranscriptionRequest {
        language: Some("en".into()),
        prompt: Some("Umm, let me think like, hmm… okay.".into()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ours: Vec<Duration> = (0..21)
        .map(|_| {
            let start = Instant::now();
            runtime
                .block_on(client.transcribe(&clip, &request))
                .unwrap();
            start.elapsed()
        })
        .collect();
    let ours = median(ours);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clip.wav");
    std::fs::write(&file, &clip).unwrap();
    let url = format!("{}/audio/transcriptions", server.url());
    let curl: Vec<Duration> = (0..21)
        .filter_map(|_| {
            let out = Command::new("curl")
                .args(["-s", "-o", "/dev/null", "-w", "%{time_total}", "-F"])
                .arg(format!("file=@{}", file.display()))
                .args([
                    "-F",
                    "model=whisper-1",
                    "-F",
                    "response_format=verbose_json",
                    "-F",
                    "language=en",
                ])
                .arg(&url)
                .output()
                .ok()?;
            let secs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
            Some(Duration::from_secs_f64(secs))
        })
        .collect();
    if curl.is_empty() {
        println!(
            "speech/transcription request (30 s clip, local server): rehearse {:.2} ms; curl not available to compare",
            ours.as_secs_f64() * 1e3
        );
    } else {
        let curl = median(curl);
        println!(
            "speech/transcription request (30 s clip, local server): rehearse {:.2} ms, curl {:.2} ms, difference {:+.2} ms (target ≤ +5 ms)",
            ours.as_secs_f64() * 1e3,
            curl.as_secs_f64() * 1e3,
            (ours.as_secs_f64() - curl.as_secs_f64()) * 1e3
        );
    }
}
