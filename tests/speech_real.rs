//! Speech against a real transcriber: faster-whisper with Whisper tiny.en behind
//! `.ci/stt_server.py`, which `.ci/run` starts (setting REHEARSE_TEST_STT_URL); a plain
//! `cargo test` lists these as ignored. Fixtures are spoken by espeak-ng (SSML breaks for
//! pauses, spoken fillers) and converted by sox. Assertions are ranges, never exact words:
//! tiny.en mishears ("cache" → "cash").

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Sandbox;
use serde_json::Value;

/// The transcription server's base URL; a missing server is a failure, not a silent pass.
fn server() -> String {
    std::env::var("REHEARSE_TEST_STT_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("REHEARSE_TEST_STT_URL must point at a transcription server (.ci/run starts one)")
}

/// An answer spoken by espeak-ng: fillers, and a three-second pause in the middle.
const SPOKEN: &str = r#"<speak>So, um, the cache sits in front of the database, and reads hit it first.
<break time="3s"/>
Uh, you know, every write goes to the leader, which copies it to two followers.</speak>"#;

fn spoken(sandbox: &Sandbox, ext: &str) -> PathBuf {
    let ssml = sandbox.write("work/answer.ssml", SPOKEN);
    let wav = sandbox.path().join("work/answer.wav");
    let ok = Command::new("espeak-ng")
        .args(["-m", "-f"])
        .arg(&ssml)
        .arg("-w")
        .arg(&wav)
        .status()
        .expect("espeak-ng runs (.ci/stt.sh installs it)")
        .success();
    assert!(ok, "espeak-ng failed");
    if ext == "wav" {
        return wav;
    }
    let out = sandbox.path().join(format!("work/answer.{ext}"));
    let ok = Command::new("sox")
        .arg(&wav)
        .arg(&out)
        .status()
        .expect("sox runs (.ci/stt.sh installs it)")
        .success();
    assert!(ok, "sox could not write {ext}");
    out
}

fn transcribe(sandbox: &Sandbox, file: &Path) -> Value {
    let out = sandbox
        .cmd()
        .env("REHEARSE_STT_BASE_URL", server())
        .env("REHEARSE_STT_MODEL", "tiny.en")
        .env("REHEARSE_TIMEOUT_SECS", "300")
        .args(["transcribe", "--format", "json"])
        .arg(file)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
#[ignore = "needs a transcription server: .ci/run starts one and sets REHEARSE_TEST_STT_URL"]
fn a_spoken_answer_is_transcribed_with_its_pauses_and_fillers() {
    let sandbox = Sandbox::new();
    let line = transcribe(&sandbox, &spoken(&sandbox, "wav"));
    let text = line["text"].as_str().unwrap().to_lowercase();
    assert!(text.contains("front") && text.contains("leader"), "{text}");
    let d = &line["delivery"];
    let words = d["words"].as_u64().unwrap();
    assert!((20..=40).contains(&words), "{d}");
    assert!(d["pauses"]["long"].as_u64().unwrap() >= 1, "{d}");
    let longest = d["pauses"]["longest_secs"].as_f64().unwrap();
    assert!((2.0..=4.5).contains(&longest), "{d}");
    let wpm = d["words_per_minute"].as_f64().unwrap();
    assert!((100.0..=320.0).contains(&wpm), "{d}");
    assert!(d["fillers"]["total"].as_u64().unwrap() >= 1, "{d}");
    assert!(
        !line["words"].as_array().unwrap().is_empty(),
        "word timestamps"
    );
}

#[test]
#[ignore = "needs a transcription server: .ci/run starts one and sets REHEARSE_TEST_STT_URL"]
fn flac_mp3_and_ogg_recordings_are_read() {
    let sandbox = Sandbox::new();
    let wav = transcribe(&sandbox, &spoken(&sandbox, "wav"));
    let seconds = wav["delivery"]["duration_secs"].as_f64().unwrap();
    for ext in ["flac", "mp3", "ogg"] {
        let line = transcribe(&sandbox, &spoken(&sandbox, ext));
        // Decoded to the same length; the words are the model's business (after the long
        // pause tiny.en sometimes stops listening to lossy audio).
        let duration = line["delivery"]["duration_secs"].as_f64().unwrap();
        assert!(
            (duration - seconds).abs() <= 0.2,
            "{ext}: {duration} vs {seconds}"
        );
        let text = line["text"].as_str().unwrap().to_lowercase();
        assert!(text.contains("front"), "{ext}: {text}");
    }
}

#[test]
#[ignore = "needs a transcription server: .ci/run starts one and sets REHEARSE_TEST_STT_URL"]
fn a_spoken_answer_is_scored_offline_with_a_real_transcriber() {
    let sandbox = Sandbox::new();
    let file = spoken(&sandbox, "wav");
    let out = sandbox
        .cmd()
        .env("REHEARSE_STT_BASE_URL", server())
        .env("REHEARSE_STT_MODEL", "tiny.en")
        .env("REHEARSE_OFFLINE", "1")
        .env("REHEARSE_TIMEOUT_SECS", "300")
        .args([
            "score",
            "--audio",
            "-q",
            "caching-layers",
            "--format",
            "json",
        ])
        .arg(&file)
        .assert()
        .success();
    let card: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(card["scorer"]["kind"], "offline");
    assert!(card["delivery"]["words"].as_u64().unwrap() >= 20, "{card}");
}
