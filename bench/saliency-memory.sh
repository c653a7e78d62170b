#!/usr/bin/env bash
# Peak memory (max RSS) of `inspect saliency` on smollm2 over a sequence of about 1,000
# positions: a 20-vector soft prompt, a GSM8K-style question and a long given rationale.
# Prints the positions analysed, the wall time and the peak RSS reported by /usr/bin/time -v.
# STRATA=path/to/strata to measure another build (default: a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${STRATA:-}" ]; then
    swift build -c release --product strata >/dev/null
    STRATA=.build/release/strata
fi
SENTENCES="${SENTENCES:-38}"
question="Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?"
rationale=""
for _ in $(seq "$SENTENCES"); do
    rationale+="In April she sold 48 clips. In May she sold half of that, 48 / 2 = 24 clips. "
done
out="$(mktemp -d)"
/usr/bin/time -v "$STRATA" -e "load smollm2
use prompt m=20
inspect saliency question=\"$question\" rationale=\"$rationale\" --json" >"$out/result.json" 2>"$out/time.txt"
python3 - "$out" <<'PY'
import json, re, sys
d = sys.argv[1]
lines = [l for l in open(f"{d}/result.json") if l.startswith("{")]
result = json.loads(lines[-1])
t = result["tokens"]
time = open(f"{d}/time.txt").read()
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time).group(1))
wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", time).group(1)
print(f"positions {t['prompt'] + t['question'] + t['rationale']} (prompt {t['prompt']}, question {t['question']}, rationale {t['rationale']}), {result['layers']} layers")
print(f"wall {wall}; peak RSS {rss / 1024:.0f} MB")
PY
