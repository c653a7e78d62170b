#!/usr/bin/env python3
"""Peer timing: llama.cpp through llama-cpp-python's low-level API, on the GGUF as stored (Q4_1/Q8_0 kernels).

Measures, at a fixed thread count (n_threads = n_threads_batch):
  * prefill tokens/s on a 256-token prompt (one llama_decode over the prompt, logits for the last token);
  * greedy single-stream decode tokens/s after that prompt (one token per llama_decode);
  * greedy batch-16 decode throughput: 16 sequences (seq ids 0..15) advanced together, one llama_decode
    with 16 tokens per step.
Prints one JSON object. Install: pip install llama-cpp-python (builds llama.cpp from source for the CPU).
Timings are medians over repeats, with the best run alongside; the 1-minute load average at start and end is
recorded because other work on the machine skews them. llama.cpp's OpenMP threads spin-wait, which collapses
throughput when the cores are shared; OMP_WAIT_POLICY=PASSIVE makes such runs less erratic.

    python3 bench/peers/llamacpp_bench.py [--model PATH] [--threads 2]
"""
import argparse
import ctypes
import json
import time

import numpy as np
import llama_cpp as L

from peer_common import add_common_arguments, machine, repeated_ids, timing_blocks

_LOG_CB = None


def tokenize(vocab, text):
    data = text.encode("utf-8")
    buf = (L.llama_token * (len(data) + 8))()
    n = L.llama_tokenize(vocab, data, len(data), buf, len(buf), False, False)
    assert n >= 0
    return list(buf[:n])


class Batch:
    def __init__(self, capacity):
        self.b = L.llama_batch_init(capacity, 0, 1)

    def fill(self, items):
        """items: (token, pos, seq_id, want_logits)"""
        b = self.b
        b.n_tokens = len(items)
        for i, (t, p, s, lg) in enumerate(items):
            b.token[i] = t
            b.pos[i] = p
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = s
            b.logits[i] = 1 if lg else 0
        return b

    def free(self):
        L.llama_batch_free(self.b)


def main():
    ap = argparse.ArgumentParser()
    add_common_arguments(ap)
    args = ap.parse_args()

    global _LOG_CB
    _LOG_CB = L.llama_log_callback(lambda level, text, user: None)  # kept alive: silences llama.cpp logging
    L.llama_log_set(_LOG_CB, ctypes.c_void_p(0))
    L.llama_backend_init()
    t0 = time.perf_counter()
    mparams = L.llama_model_default_params()
    model = L.llama_model_load_from_file(str(args.model).encode(), mparams)
    assert model, "model failed to load"
    vocab = L.llama_model_get_vocab(model)
    n_vocab = L.llama_vocab_n_tokens(vocab)
    load_s = time.perf_counter() - t0

    def make_ctx(n_ctx, n_seq):
        p = L.llama_context_default_params()
        p.n_ctx = n_ctx
        p.n_batch = 512
        p.n_ubatch = 512
        p.n_seq_max = n_seq
        p.n_threads = args.threads
        p.n_threads_batch = args.threads
        ctx = L.llama_init_from_model(model, p)
        assert ctx, "context creation failed"
        return ctx

    def argmax(ctx, i):
        return int(np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, i), shape=(n_vocab,)).argmax())

    # Enough ids for the prompt and for the batch's staggered windows base[i:i + P].
    base = repeated_ids(lambda text: tokenize(vocab, text), max(args.prompt_tokens, args.batch_prompt_tokens + args.batch))
    prompt = base[:args.prompt_tokens]

    # ---- single stream: prefill + decode
    ctx = make_ctx(1024, 1)
    mem = L.llama_get_memory(ctx)
    batch = Batch(512)

    def prefill():
        L.llama_memory_clear(mem, True)
        items = [(t, p, 0, p == len(prompt) - 1) for p, t in enumerate(prompt)]
        t = time.perf_counter()
        rc = L.llama_decode(ctx, batch.fill(items))
        dt = time.perf_counter() - t
        assert rc == 0, rc
        return dt, argmax(ctx, len(prompt) - 1)

    prefill()  # warm-up
    pts = [prefill()[0] for _ in range(args.repeats)]

    def decode_single(steps):
        _, nxt = prefill()
        t = time.perf_counter()
        for s in range(steps):
            rc = L.llama_decode(ctx, batch.fill([(nxt, len(prompt) + s, 0, True)]))
            assert rc == 0, rc
            nxt = argmax(ctx, 0)
        return time.perf_counter() - t

    decode_single(4)  # warm-up
    dts = [decode_single(args.decode_tokens) for _ in range(3)]
    batch.free()
    L.llama_free(ctx)

    # ---- batch decode: `batch` sequences of `batch_prompt_tokens` tokens, advanced together
    B, P = args.batch, args.batch_prompt_tokens
    per_seq = P + args.decode_tokens + 8
    ctx = make_ctx(B * per_seq, B)
    mem = L.llama_get_memory(ctx)
    batch = Batch(max(512, B * P))
    prompts = [base[i:i + P] for i in range(B)]

    def decode_batch(steps):
        L.llama_memory_clear(mem, True)
        items = [(t, p, s, p == P - 1) for s in range(B) for p, t in enumerate(prompts[s])]
        assert L.llama_decode(ctx, batch.fill(items)) == 0
        nxt = [argmax(ctx, s * P + P - 1) for s in range(B)]
        t = time.perf_counter()
        for step in range(steps):
            rc = L.llama_decode(ctx, batch.fill([(nxt[s], P + step, s, True) for s in range(B)]))
            assert rc == 0, rc
            nxt = [argmax(ctx, s) for s in range(B)]
        return time.perf_counter() - t

    decode_batch(2)  # warm-up
    bts = [decode_batch(args.decode_tokens) for _ in range(3)]
    batch.free()
    L.llama_free(ctx)
    L.llama_model_free(model)

    import importlib.metadata as md
    print(json.dumps({
        "peer": "llama.cpp (llama-cpp-python)",
        "precision": "GGUF as stored (Q4_1 matrices, Q8_0 embedding), llama.cpp CPU kernels",
        "threads": args.threads,
        "model": args.model.name,
        "load_s": round(load_s, 2),
        **timing_blocks(args, pts, dts, bts),
        "versions": {"llama-cpp-python": md.version("llama-cpp-python")},
        "system_info": L.llama_print_system_info().decode(errors="replace").strip(),
        "machine": machine(),
    }, indent=1))


if __name__ == "__main__":
    main()
