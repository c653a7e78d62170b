#!/usr/bin/env bash
# Prefill and decode speed of Strata beside transformers (float32) and llama.cpp on the same
# GGUF and thread count, measured in one run; prints each engine's JSON and the ratios.
# Needs: pip install torch transformers gguf accelerate llama-cpp-python (peers only).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${THREADS:-2}"
out="$(mktemp -d)"
swift build -c release --product strata-bench >/dev/null
.build/release/strata-bench generation --threads "$THREADS" --decode-tokens 64 --repeats 3 | tee "$out/strata.json"
OMP_WAIT_POLICY=PASSIVE python3 bench/peers/llamacpp_bench.py --threads "$THREADS" --repeats 3 | tee "$out/llamacpp.json"
python3 bench/peers/transformers_prefill.py --threads "$THREADS" --repeats 3 | tee "$out/transformers.json"
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
s = json.load(open(f"{d}/strata.json")); l = json.load(open(f"{d}/llamacpp.json")); t = json.load(open(f"{d}/transformers.json"))
print(f"strata prefill {s['prefill_tokens_per_s']:.1f} tok/s = {s['prefill_tokens_per_s'] / t['prefill']['tokens_per_s']:.2f}x transformers float32 ({t['prefill']['tokens_per_s']})")
print(f"strata decode {s['decode_tokens_per_s']:.1f} tok/s = {s['decode_tokens_per_s'] / l['decode_single']['tokens_per_s']:.2f}x llama.cpp ({l['decode_single']['tokens_per_s']})")
print(f"strata batch-{s['batch']} decode {s['batch_decode_tokens_per_s']:.1f} tok/s = {s['batch_decode_tokens_per_s'] / s['decode_tokens_per_s']:.2f}x its single stream; llama.cpp batch {l['decode_batch']['tokens_per_s_total']}")
print(f"strata peak RSS {s['peak_rss_mb']:.0f} MB")
PY
