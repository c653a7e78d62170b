#!/usr/bin/env bash
# Builds libFuzzer targets for the GGUF and safetensors parsers and runs each for SECONDS
# (default 60) from a generated seed corpus. Usage: fuzz/run.sh [SECONDS]
# Crashing inputs are left in fuzz/.work/<target>/ as crash-*; the script exits non-zero.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/fuzz/.work"
mkdir -p "$work"

# The parsers and what they need; nothing here links Tensor or OpenBLAS.
io="$root/Sources/Compute/IO"
sources=(
    "$io/ByteReader.swift" "$io/ModelFileError.swift" "$io/MemoryMappedFile.swift"
    "$io/GGUFValue.swift" "$io/GGUFReader.swift" "$io/JSONValue.swift" "$io/SafetensorsReader.swift"
    "$root/Sources/Compute/Quant/QuantType.swift"
)

python3 "$root/fuzz/make_seeds.py" "$work/seeds"

status=0
for target in GGUF Safetensors; do
    binary="$work/fuzz-$target"
    echo "== building $target"
    rm -f "$binary"
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
        -module-name FuzzedIO "${sources[@]}" "$root/fuzz/Fuzz$target.swift" -o "$binary" \
        2>&1 | grep -v "Cannot export local symbol" || true
    [ -x "$binary" ] || { echo "build of $target failed"; exit 1; }
    corpus="$work/corpus-$target"
    lower="$(echo "$target" | tr 'A-Z' 'a-z')"
    mkdir -p "$corpus" "$work/$lower"
    cp -n "$work/seeds/$lower"/* "$corpus"/ 2>/dev/null || true
    echo "== running $target for ${seconds}s"
    (cd "$work/$lower" && "$binary" "$corpus" -max_total_time="$seconds" -max_len=4096 \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1) || status=1
done
exit $status
