#!/usr/bin/env python3
"""Peer timing: Hugging Face transformers, float32 (GGUF dequantized at load), on the CPU.

Measures prefill tokens/s on a 256-token prompt and greedy single-stream decode tokens/s (KV cache),
plus greedy batch-16 decode throughput for comparison, at a fixed thread count. Prints one JSON object.

    HF_HUB_OFFLINE=1 python3 bench/peers/transformers_prefill.py [--model PATH] [--threads 2]
"""
import argparse
import json
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

from peer_common import add_common_arguments, machine, repeated_ids, timing_blocks


def prompt_ids(tok, n):
    return repeated_ids(lambda text: tok(text, add_special_tokens=False).input_ids, n)


@torch.inference_mode()
def main():
    ap = argparse.ArgumentParser()
    add_common_arguments(ap)
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

    # Prefill: one forward over the whole prompt (fresh cache each time), logits for the last
    # position only, as generate() asks for them and as Strata and llama.cpp compute them.
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        model(input_ids=ids, use_cache=True, logits_to_keep=1)
        times.append(time.perf_counter() - t)

    # Greedy single-stream decode after the 256-token prompt; only the decode steps are timed.
    def decode_run(batch_ids, steps):
        out = model(input_ids=batch_ids, use_cache=True, logits_to_keep=1)
        past, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        t = time.perf_counter()
        for _ in range(steps):
            out = model(input_ids=nxt, past_key_values=past, use_cache=True)
            past, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        return time.perf_counter() - t

    decode_run(ids, 4)  # warm-up
    dts = [decode_run(ids, args.decode_tokens) for _ in range(3)]

    # Batch decode: `batch` sequences of equal length (no padding), one new token per sequence per step.
    base = prompt_ids(tok, args.batch_prompt_tokens + args.batch)
    bids = torch.tensor([base[i:i + args.batch_prompt_tokens] for i in range(args.batch)])
    decode_run(bids, 2)  # warm-up
    bts = [decode_run(bids, args.decode_tokens) for _ in range(3)]

    print(json.dumps({
        "peer": "transformers",
        "precision": "float32 (Q4_1/Q8_0 GGUF dequantized at load)",
        "prefill_logits": "last position",
        "attn_implementation": model.config._attn_implementation,
        "threads": args.threads,
        "model": args.model.name,
        "load_s": round(load_s, 2),
        **timing_blocks(args, times, dts, bts),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "machine": machine(),
    }, indent=1))


if __name__ == "__main__":
    main()
