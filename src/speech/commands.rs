//! Recording and playback through external commands, so building rehearse needs no audio
//! library or system headers. A recorder writes a 16 kHz mono 16-bit WAV and is stopped with
//! SIGINT (every recorder below finishes its file on SIGINT); a speaker reads text on stdin; a
//! player plays a WAV file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Whether `program` is an executable on `PATH`.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// A path quoted for `sh`.
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// How rehearse records: a template run through `sh` (from `REHEARSE_RECORDER`), or a known
/// recorder found on `PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorder {
    Template(String),
    Program {
        name: &'static str,
        args: Vec<&'static str>,
    },
}

/// The recorders rehearse knows, in the order it looks for them, with the arguments that make
/// each write 16 kHz mono 16-bit WAV to the path that follows.
fn known_recorders() -> Vec<(&'static str, Vec<&'static str>)> {
    let ffmpeg_input: &[&str] = if cfg!(target_os = "macos") {
        &["-f", "avfoundation", "-i", ":0"]
    } else {
        &["-f", "pulse", "-i", "default"]
    };
    let mut ffmpeg = vec!["-hide_banner", "-loglevel", "error", "-nostdin"];
    ffmpeg.extend_from_slice(ffmpeg_input);
    ffmpeg.extend_from_slice(&["-ac", "1", "-ar", "16000", "-sample_fmt", "s16", "-y"]);
    vec![
        (
            "arecord",
            vec!["-q", "-f", "S16_LE", "-r", "16000", "-c", "1", "-t", "wav"],
        ),
        ("rec", vec!["-q", "-r", "16000", "-c", "1", "-b", "16"]),
        (
            "parecord",
            vec![
                "--rate=16000",
                "--channels=1",
                "--format=s16le",
                "--file-format=wav",
            ],
        ),
        (
            "pw-record",
            vec!["--rate", "16000", "--channels", "1", "--format", "s16"],
        ),
        ("ffmpeg", ffmpeg),
    ]
}

/// No way to record: what to install or set.
pub const NO_RECORDER: &str = "no recorder found: install one of arecord (alsa-utils), sox, \
pulseaudio-utils (parecord), pipewire (pw-record) or ffmpeg, or set REHEARSE_RECORDER to a \
command that records 16 kHz mono WAV to {out}, e.g. \"arecord -f S16_LE -r 16000 -c 1 {out}\". \
Typing still works.";

impl Recorder {
    /// The configured template, else the first known recorder on `PATH`.
    pub fn find(template: Option<&str>) -> Option<Recorder> {
        if let Some(t) = template.filter(|t| !t.trim().is_empty()) {
            return Some(Recorder::Template(t.to_owned()));
        }
        known_recorders()
            .into_iter()
            .find(|(name, _)| on_path(name).is_some())
            .map(|(name, args)| Recorder::Program { name, args })
    }

    /// What is recording, for the status line.
    pub fn describe(&self) -> String {
        match self {
            Recorder::Template(t) => t.split_whitespace().next().unwrap_or("recorder").to_owned(),
            Recorder::Program { name, .. } => (*name).to_owned(),
        }
    }

    /// Starts recording into `out`.
    pub fn start(&self, out: &Path) -> std::io::Result<Recording> {
        let mut command = match self {
            Recorder::Template(t) => {
                let line = t.replace("{out}", &shell_quote(out));
                let mut c = Command::new("sh");
                c.arg("-c").arg(line);
                c
            }
            Recorder::Program { name, args } => {
                let mut c = Command::new(name);
                c.args(args).arg(out);
                c
            }
        };
        own_group(&mut command);
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        Ok(Recording {
            child,
            started: Instant::now(),
        })
    }
}

/// A recording in progress.
#[derive(Debug)]
pub struct Recording {
    child: Child,
    started: Instant,
}

/// How long a recorder gets to finish its file after SIGINT before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

impl Recording {
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The recorder stopped by itself (it failed, or its own limit ended it).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Stops the recorder with SIGINT, so it finishes its file; kills it if it does not stop
    /// within a few seconds. Returns its exit status and what it wrote on stderr.
    pub fn stop(mut self) -> (Option<ExitStatus>, String) {
        if self.exited().is_none() {
            interrupt(&self.child);
            let deadline = Instant::now() + STOP_GRACE;
            while self.exited().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if self.exited().is_none() {
                kill(&mut self.child);
            }
        }
        let status = self.child.wait().ok();
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            use std::io::Read;
            let _ = err.read_to_string(&mut stderr);
        }
        (status, stderr.trim().to_owned())
    }
}

/// Starts `command` in a process group of its own, so a signal reaches everything it runs
/// (a shell and the recorder or speaker it starts), and the terminal's Ctrl-C does not.
fn own_group(command: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    #[cfg(not(unix))]
    {
        let _ = command;
    }
}

/// Sends `signal` to the process group `child` leads.
#[cfg(unix)]
fn signal_group(child: &Child, signal: i32) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) on the group of a child we started, with a valid signal number.
        unsafe {
            libc::kill(-pid, signal);
        }
    }
}

/// Sends SIGINT to `child` and what it started (what Ctrl-C would send them).
pub fn interrupt(child: &Child) {
    #[cfg(unix)]
    signal_group(child, libc::SIGINT);
    #[cfg(not(unix))]
    let _ = child;
}

/// Stops `child` and what it started, now.
pub fn kill(child: &mut Child) {
    #[cfg(unix)]
    signal_group(child, libc::SIGKILL);
    let _ = child.kill();
}

/// A player for WAV files found on `PATH`.
pub fn find_player() -> Option<(&'static str, Vec<&'static str>)> {
    [
        ("aplay", vec!["-q"]),
        ("paplay", vec![]),
        ("afplay", vec![]),
        ("ffplay", vec!["-nodisp", "-autoexit", "-loglevel", "quiet"]),
    ]
    .into_iter()
    .find(|(name, _)| on_path(name).is_some())
}

/// Starts `command` (run through `sh`) with `text` on its stdin.
pub fn start_speaker(command: &str, text: &str) -> std::io::Result<Child> {
    let mut sh = Command::new("sh");
    own_group(&mut sh);
    let mut child = sh
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(text.as_bytes());
    }
    Ok(child)
}

/// The speaker command to use: the configured one, else `espeak-ng` or macOS `say`.
pub fn default_speaker(configured: Option<&str>) -> Option<String> {
    if let Some(c) = configured.filter(|c| !c.trim().is_empty()) {
        return Some(c.to_owned());
    }
    if on_path("espeak-ng").is_some() {
        return Some("espeak-ng".into());
    }
    on_path("say").map(|_| "say".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_recorder_gets_the_quoted_path_and_stops_on_sigint() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("it's here.wav");
        // A "recorder" that writes its file and waits until interrupted.
        let recorder = Recorder::find(Some(
            "sh -c 'trap \"exit 0\" INT; printf RIFF > \"$0\"; while :; do sleep 0.05; done' {out}",
        ))
        .unwrap();
        let mut recording = recorder.start(&out).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !out.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(recording.exited().is_none());
        let (status, _) = recording.stop();
        assert!(status.is_some());
        assert_eq!(std::fs::read(&out).unwrap(), b"RIFF");
    }
}
