//! Practising aloud, against a mock transcription server: every response shape servers send,
//! what rehearse uploads, bad recordings refused before anything is sent, errors and timeouts,
//! spoken answers scored, a spoken REPL turn in a real terminal, and the interviewer's voice.

mod common;

use std::io::Cursor;
use std::path::PathBuf;

use common::Sandbox;
use common::mock::{MockServer, Recorded, Reply};
use predicates::prelude::*;
use serde_json::{Value, json};

/// A WAV of tone bursts ("speech") with silences between them: `pattern` is (seconds, sound).
fn wav(rate: u32, channels: u16, pattern: &[(f64, bool)]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    let mut n = 0usize;
    for (secs, sound) in pattern {
        for _ in 0..(secs * f64::from(rate)) as usize {
            let v = if *sound {
                (n as f32 * 220.0 * 2.0 * std::f32::consts::PI / rate as f32).sin() * 0.4
            } else {
                0.0
            };
            for _ in 0..channels {
                w.write_sample((v * 32767.0) as i16).unwrap();
            }
            n += 1;
        }
    }
    w.finalize().unwrap();
    out.into_inner()
}

/// One second of sound, three of silence, two of sound, at 22.05 kHz stereo: rehearse must
/// resample it.
fn answer_wav() -> Vec<u8> {
    wav(22_050, 2, &[(1.0, true), (3.0, false), (2.0, true)])
}

fn write_bytes(sandbox: &Sandbox, rel: &str, bytes: &[u8]) -> PathBuf {
    let path = sandbox.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn transcribe(
    sandbox: &Sandbox,
    server: &MockServer,
    file: &std::path::Path,
) -> assert_cmd::assert::Assert {
    sandbox
        .cmd()
        .env("REHEARSE_STT_BASE_URL", server.url())
        .env("REHEARSE_RETRY_BASE_MS", "1")
        .args(["transcribe", "--format", "json"])
        .arg(file)
        .assert()
}

fn json_line(out: &assert_cmd::assert::Assert) -> Value {
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

const SAID: &str = "Um, the cache sits in front. You know, writes go first.";

fn openai_words() -> Value {
    json!({"text": SAID, "language": "en", "words": [
        {"word": "Um,", "start": 0.0, "end": 0.3},
        {"word": "the", "start": 0.35, "end": 0.5},
        {"word": "cache", "start": 0.5, "end": 0.8},
        {"word": "sits", "start": 0.8, "end": 0.9},
        {"word": "in", "start": 0.9, "end": 0.95},
        {"word": "front.", "start": 0.95, "end": 1.0},
        {"word": "You", "start": 4.0, "end": 4.2},
        {"word": "know,", "start": 4.2, "end": 4.5},
        {"word": "writes", "start": 4.6, "end": 5.0},
        {"word": "go", "start": 5.0, "end": 5.3},
        {"word": "first.", "start": 5.3, "end": 6.0}
    ], "segments": [{"id": 0, "start": 0.0, "end": 6.0, "text": SAID}]})
}

#[test]
fn every_response_shape_gives_words_pauses_and_fillers() {
    let segment_words: Vec<Value> = openai_words()["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| json!({"word": format!(" {}", w["word"].as_str().unwrap()), "start": w["start"], "end": w["end"]}))
        .collect();
    let shapes: Vec<(&str, Value)> = vec![
        ("OpenAI words", openai_words()),
        (
            "whisper.cpp segment words",
            json!({"text": SAID, "segments": [{"start": 0.0, "end": 6.0, "text": SAID, "words": segment_words}]}),
        ),
        (
            "segments only",
            json!({"text": SAID, "segments": [
                {"start": 0.0, "end": 1.0, "text": "Um, the cache sits in front."},
                {"start": 4.0, "end": 6.0, "text": "You know, writes go first."}
            ]}),
        ),
        // No timings at all: the pauses come from the audio.
        ("text only", json!({"text": SAID})),
    ];
    for (shape, body) in shapes {
        let sandbox = Sandbox::new();
        let file = write_bytes(&sandbox, "work/answer.wav", &answer_wav());
        let server = MockServer::start(move |_, _| Reply::json(200, body.clone()));
        let out = transcribe(&sandbox, &server, &file).success();
        let line = json_line(&out);
        assert_eq!(line["text"], SAID, "{shape}");
        let d = &line["delivery"];
        assert_eq!(d["words"], 11, "{shape}: {d}");
        assert_eq!(d["fillers"]["total"], 2, "{shape}: {d}");
        assert_eq!(
            d["fillers"]["by_word"],
            json!({"um": 1, "you know": 1}),
            "{shape}"
        );
        assert_eq!(d["pauses"]["long"], 1, "{shape}: {d}");
        let longest = d["pauses"]["longest_secs"].as_f64().unwrap();
        assert!((2.8..=3.2).contains(&longest), "{shape}: {d}");
        assert!(
            (d["duration_secs"].as_f64().unwrap() - 6.0).abs() < 0.2,
            "{shape}: {d}"
        );
    }
}

/// The parts of a multipart body: (name, value bytes).
fn parts(req: &Recorded) -> Vec<(String, Vec<u8>)> {
    let ct = req.header("content-type").unwrap();
    let boundary = ct.split("boundary=").nth(1).unwrap().trim_matches('"');
    let delimiter = format!("--{boundary}");
    let body = &req.bytes;
    let mut out = Vec::new();
    let mut rest: &[u8] = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let head_end = find(rest, b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&rest[..head_end]).to_string();
        let name = head
            .split("name=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let value_start = head_end + 4;
        let value_end = find(&rest[value_start..], delimiter.as_bytes()).unwrap() + value_start - 2;
        out.push((name, rest[value_start..value_end].to_vec()));
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn the_upload_is_a_16_khz_mono_wav_asking_for_word_timestamps_and_disfluencies() {
    let sandbox = Sandbox::new();
    let file = write_bytes(&sandbox, "work/answer.wav", &answer_wav());
    let server = MockServer::start(|_, _| Reply::json(200, openai_words()));
    sandbox
        .cmd()
        .env("REHEARSE_STT_BASE_URL", server.url())
        .env("REHEARSE_STT_MODEL", "tiny.en")
        .env("REHEARSE_STT_API_KEY", "sk-stt-secret-123456")
        .args(["transcribe"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("6 s · "));
    let req = &server.requests()[0];
    assert_eq!(req.path, "/audio/transcriptions");
    assert_eq!(
        req.header("authorization"),
        Some("Bearer sk-stt-secret-123456")
    );
    let parts = parts(req);
    let text = |name: &str| -> Vec<String> {
        parts
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).to_string())
            .collect()
    };
    assert_eq!(text("model"), ["tiny.en"]);
    assert_eq!(text("response_format"), ["verbose_json"]);
    assert_eq!(text("timestamp_granularities[]"), ["word", "segment"]);
    assert_eq!(text("language"), ["en"]);
    assert!(text("prompt")[0].contains("Umm"), "{:?}", text("prompt"));
    let (_, wav) = parts.iter().find(|(n, _)| n == "file").unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    let reader = hound::WavReader::new(Cursor::new(wav.clone())).unwrap();
    assert_eq!(reader.spec().sample_rate, 16_000);
    assert_eq!(reader.spec().channels, 1);
    assert!((f64::from(reader.duration()) / 16_000.0 - 6.0).abs() < 0.1);
}

#[test]
fn a_server_without_verbose_json_is_asked_for_plain_json() {
    let sandbox = Sandbox::new();
    let file = write_bytes(&sandbox, "work/answer.wav", &answer_wav());
    let server = MockServer::start(|req, _| {
        if req.body.contains("verbose_json") {
            Reply::json(
                400,
                json!({"error": {"message": "response_format verbose_json is not supported"}}),
            )
        } else {
            Reply::json(200, json!({"text": SAID}))
        }
    });
    let out = transcribe(&sandbox, &server, &file).success();
    assert_eq!(json_line(&out)["text"], SAID);
    assert_eq!(server.count("/audio/transcriptions"), 2);
}

#[test]
fn bad_recordings_are_refused_before_anything_is_sent() {
    let sandbox = Sandbox::new();
    let server = MockServer::start(|_, _| Reply::json(200, openai_words()));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "notes.wav",
            b"these are my notes, not audio".to_vec(),
            "not an audio file",
        ),
        (
            "silent.wav",
            wav(16_000, 1, &[(3.0, false)]),
            "no speech detected",
        ),
        (
            "long.wav",
            wav(8_000, 1, &[(601.0, true)]),
            "longer than 600 s",
        ),
    ];
    for (name, bytes, why) in cases {
        let file = write_bytes(&sandbox, &format!("work/{name}"), &bytes);
        transcribe(&sandbox, &server, &file)
            .code(2)
            .stderr(predicate::str::contains(file.display().to_string()))
            .stderr(predicate::str::contains(why));
    }
    assert_eq!(server.requests().len(), 0, "nothing was submitted");
}

#[test]
fn server_errors_are_retried_or_reported_without_secrets() {
    let sandbox = Sandbox::new();
    let file = write_bytes(&sandbox, "work/answer.wav", &answer_wav());
    // A busy server, then a good reply.
    let server = MockServer::start(|_, n| {
        if n == 0 {
            Reply::json(503, json!({"error": "busy"}))
        } else {
            Reply::json(200, openai_words())
        }
    });
    transcribe(&sandbox, &server, &file).success();
    assert_eq!(server.count("/audio/transcriptions"), 2);

    // A wrong key, echoed back by the server: a runtime failure that never shows it.
    let server = MockServer::start(|req, _| {
        let auth = req.header("authorization").unwrap_or_default().to_owned();
        Reply::json(
            401,
            json!({"error": {"message": format!("bad key {auth}")}}),
        )
    });
    sandbox
        .cmd()
        .env("REHEARSE_STT_BASE_URL", server.url())
        .env("REHEARSE_STT_API_KEY", "sk-stt-secret-987654")
        .args(["transcribe"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the transcription failed"))
        .stderr(predicate::str::contains("sk-stt-secret-987654").not());

    // A server that never answers: the request timeout ends it.
    let server = MockServer::start(|_, _| Reply::Hang);
    sandbox
        .cmd()
        .env("REHEARSE_STT_BASE_URL", server.url())
        .env("REHEARSE_TIMEOUT_SECS", "1")
        .env("REHEARSE_MAX_RETRIES", "0")
        .args(["transcribe"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("timed out"));
}

#[test]
fn without_a_transcriber_speech_says_what_to_set() {
    let sandbox = Sandbox::new();
    let file = write_bytes(&sandbox, "work/answer.wav", &answer_wav());
    for args in [
        vec!["transcribe", "work/answer.wav"],
        vec!["score", "--audio", "-q", "31", "work/answer.wav"],
        vec!["practice", "-q", "31", "--voice"],
    ] {
        sandbox
            .cmd()
            .current_dir(sandbox.path())
            .args(&args)
            .write_stdin("/quit\n")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("REHEARSE_STT_BASE_URL"));
    }
    assert!(file.exists());
}

#[test]
fn a_spoken_answer_is_scored_with_its_delivery() {
    let sandbox = Sandbox::new();
    let file = write_bytes(&sandbox, "work/answer.wav", &answer_wav());
    let server = MockServer::start(|_, _| Reply::json(200, openai_words()));
    let out = sandbox
        .cmd()
        .env("REHEARSE_STT_BASE_URL", server.url())
        .args(["score", "--audio", "-q", "31", "--format", "json"])
        .arg(&file)
        .assert()
        .success();
    let card = json_line(&out);
    assert_eq!(card["scorer"]["kind"], "offline");
    assert_eq!(card["delivery"]["words"], 11);
    assert_eq!(card["delivery"]["pauses"]["long"], 1);
    // Its report has a Delivery section, in Markdown and in HTML.
    for (format, heading) in [("md", "## Delivery"), ("html", "<h2>Delivery</h2>")] {
        sandbox
            .cmd()
            .env("REHEARSE_STT_BASE_URL", server.url())
            .args([
                "score",
                "--audio",
                "-q",
                "31",
                "--report",
                "reports",
                "--report-format",
                format,
            ])
            .arg(&file)
            .assert()
            .success();
        let report = std::fs::read_dir(sandbox.work().join("reports"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == format))
            .unwrap();
        let text = std::fs::read_to_string(report).unwrap();
        assert!(text.contains(heading), "{text}");
        assert!(text.contains("Pauses of 2 s or more: 1"), "{text}");
        assert!(
            text.contains("“um” ×1") || text.contains("\"um\" ×1"),
            "{text}"
        );
    }
    // The interviewer and judge are offline; the transcriber is not.
    sandbox
        .cmd()
        .env("REHEARSE_STT_BASE_URL", server.url())
        .env("REHEARSE_OFFLINE", "1")
        .args(["score", "--audio", "-q", "31"])
        .arg(&file)
        .assert()
        .success();
}

#[test]
fn the_interviewer_speaks_through_the_speaker_command() {
    let sandbox = Sandbox::new();
    let spoken = sandbox.path().join("spoken.txt");
    sandbox
        .cmd()
        .env(
            "REHEARSE_SPEAKER",
            format!(
                "cat >> '{}'; echo >> '{}'",
                spoken.display(),
                spoken.display()
            ),
        )
        .args(["practice", "-q", "31", "--speak"])
        .write_stdin("Users shorten links and open them.\n/quit\n")
        .assert()
        .success();
    let said = std::fs::read_to_string(&spoken).unwrap();
    assert!(said.contains("Design a URL shortening service"), "{said}");
    assert!(said.contains("Before we design anything"), "{said}");
    assert!(
        said.lines().count() >= 3,
        "the reply to the answer is spoken too: {said}"
    );
}

#[test]
fn in_a_real_terminal_a_spoken_turn_is_recorded_transcribed_and_kept() {
    let sandbox = Sandbox::new();
    let fixture = write_bytes(&sandbox, "fixture.wav", &answer_wav());
    let server = MockServer::start(|_, _| Reply::json(200, openai_words()));
    // A "recorder" that delivers the fixture and then records until interrupted.
    let recorder = format!(
        "sh -c 'cp \"{}\" \"$0\"; exec sleep 60' {{out}}",
        fixture.display()
    );
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("rehearse"));
    cmd.args(["practice", "-q", "31", "--voice"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sandbox.path().join("home"))
        .env("XDG_CONFIG_HOME", sandbox.path().join("config"))
        .env("XDG_DATA_HOME", sandbox.path().join("data"))
        .env("REHEARSE_STT_BASE_URL", server.url())
        .env("REHEARSE_RECORDER", recorder)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .current_dir(sandbox.work());
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).unwrap();
    p.exp_regex(r"\[1/6 requirements").unwrap();
    // An empty Enter starts recording; the next Enter stops it.
    p.send_line("").unwrap();
    p.exp_string("press Enter to stop").unwrap();
    p.send_line("").unwrap();
    p.exp_string("You said: Um, the cache sits in front.")
        .unwrap();
    p.exp_string("wpm").unwrap();
    p.exp_string("Enter submits").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Interviewer").unwrap();
    p.exp_regex(r"\[1/6 requirements").unwrap();
    p.send_line("/quit").unwrap();
    p.exp_string("Saved to").unwrap();
    p.exp_eof().unwrap();

    let sessions = sandbox.path().join("data/rehearse/sessions");
    let file = std::fs::read_dir(&sessions)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|x| x == "json") && !p.to_string_lossy().contains(".report")
        })
        .unwrap();
    let session: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let turn = session["turns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["speaker"] == "candidate")
        .unwrap()
        .clone();
    assert_eq!(turn["text"], SAID);
    assert_eq!(turn["source"]["type"], "audio");
    assert_eq!(turn["source"]["delivery"]["words"], 11);
    let kept = turn["source"]["file"].as_str().unwrap();
    let audio = sessions
        .join(format!("{}.audio", session["id"].as_str().unwrap()))
        .join(kept);
    let meta = std::fs::metadata(&audio).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    assert!(meta.len() > 1000);
}
