#!/usr/bin/env python3
"""Peer timing: Hugging Face transformers, float32 (GGUF dequantized at load), on the CPU.

Measures prefill tokens/s on a 256-token prompt and greedy single-stream decode tokens/s (KV cache),
plus greedy batch-16 decode throughput for comparison, at a fixed thread count. Prints one JSON object.

    HF_HUB_OFFLINE=1 python3 bench/peers/transformers_prefill.py [--model PATH] [--threads 2]
"""
import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

LOAD0 = round(os.getloadavg()[0], 2)  # other work on the machine skews timings; recorded with them
DEFAULT_MODEL = Path(os.environ.get("STRATA_CACHE", Path.home() / ".cache" / "strata")) / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"

# Fixed text; the prompt is its first `--prompt-tokens` tokens (repeated if it were ever too short).
TEXT = (
    "The history of the lighthouse is, in many ways, the history of coastal trade itself. Long before electric "
    "lamps and rotating lenses, sailors relied on bonfires lit on headlands to mark dangerous rocks and the "
    "entrances of harbours. The Pharos of Alexandria stood well over one hundred metres tall and was counted among "
    "the wonders of the ancient world. During the Middle Ages, monasteries and port towns kept small towers burning "
    "wood, coal or oil, and ship owners paid dues to maintain them. The eighteenth and nineteenth centuries brought "
    "a wave of engineering: granite towers on wave-swept reefs, clockwork that turned the lens, and distinctive "
    "patterns of flashes so that navigators could tell one coast from another at night. Keepers lived isolated "
    "lives, trimming wicks, winding clockwork and recording the weather in careful logbooks. Today most lighthouses "
    "are automated, monitored remotely and powered by solar panels, while satellite navigation has taken over much "
    "of their original purpose. Yet many remain in service, and communities restore them as museums. "
)


def prompt_ids(tok, n):
    ids = []
    while len(ids) < n:
        ids += tok(TEXT, add_special_tokens=False).input_ids
    return ids[:n]


@torch.inference_mode()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=256)
    ap.add_argument("--decode-tokens", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--batch-prompt-tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    d, f = str(args.model.parent), args.model.name
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32).eval()
    load_s = time.perf_counter() - t0

    ids = torch.tensor([prompt_ids(tok, args.prompt_tokens)])
    model(input_ids=ids)  # warm-up

    # Prefill: one forward over the whole prompt (fresh cache each time), logits for every position.
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        model(input_ids=ids, use_cache=True)
        times.append(time.perf_counter() - t)
    prefill_s, prefill_best = statistics.median(times), min(times)

    # Greedy single-stream decode after the 256-token prompt; only the decode steps are timed.
    def decode_run(batch_ids, steps):
        out = model(input_ids=batch_ids, use_cache=True)
        past, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        t = time.perf_counter()
        for _ in range(steps):
            out = model(input_ids=nxt, past_key_values=past, use_cache=True)
            past, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        return time.perf_counter() - t

    decode_run(ids, 4)  # warm-up
    dts = [decode_run(ids, args.decode_tokens) for _ in range(3)]
    dec, dec_best = statistics.median(dts), min(dts)

    # Batch decode: `batch` sequences of equal length (no padding), one new token per sequence per step.
    base = prompt_ids(tok, args.batch_prompt_tokens + args.batch)
    bids = torch.tensor([base[i:i + args.batch_prompt_tokens] for i in range(args.batch)])
    decode_run(bids, 2)  # warm-up
    bts = [decode_run(bids, args.decode_tokens) for _ in range(3)]
    bdec, bdec_best = statistics.median(bts), min(bts)

    print(json.dumps({
        "peer": "transformers",
        "precision": "float32 (Q4_1/Q8_0 GGUF dequantized at load)",
        "attn_implementation": model.config._attn_implementation,
        "threads": args.threads,
        "model": args.model.name,
        "load_s": round(load_s, 2),
        "prefill": {"prompt_tokens": args.prompt_tokens, "seconds_median": round(prefill_s, 4),
                    "tokens_per_s": round(args.prompt_tokens / prefill_s, 1),
                    "tokens_per_s_best": round(args.prompt_tokens / prefill_best, 1), "repeats": args.repeats},
        "decode_single": {"context_tokens": args.prompt_tokens, "new_tokens": args.decode_tokens,
                          "seconds_median": round(dec, 4), "tokens_per_s": round(args.decode_tokens / dec, 2),
                          "tokens_per_s_best": round(args.decode_tokens / dec_best, 2)},
        "decode_batch": {"batch": args.batch, "prompt_tokens_each": args.batch_prompt_tokens,
                         "steps": args.decode_tokens, "seconds_median": round(bdec, 4),
                         "tokens_per_s_total": round(args.batch * args.decode_tokens / bdec, 2),
                         "tokens_per_s_total_best": round(args.batch * args.decode_tokens / bdec_best, 2)},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "machine": {"cpu": platform.processor() or platform.machine(), "os_cpu_count": os.cpu_count(),
                    "loadavg_1min_at_start": LOAD0, "loadavg_1min_at_end": round(os.getloadavg()[0], 2)},
    }, indent=1))


if __name__ == "__main__":
    main()
