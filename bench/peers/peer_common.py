"""What the peer timings share: the model path, the prompt text, the result's timing blocks and the
machine's state. The Strata bench (bench/StrataBench) reads the same bench/prompt.txt."""
import os
import platform
import statistics
from pathlib import Path

LOAD0 = round(os.getloadavg()[0], 2)  # other work on the machine skews timings; recorded with them
DEFAULT_MODEL = Path(os.environ.get("STRATA_CACHE", Path.home() / ".cache" / "strata")) / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"

# The fixed text every engine's prompts are cut from, repeated while it is too short. The space
# after it keeps a repetition's first word a word of its own.
TEXT = (Path(__file__).resolve().parent.parent / "prompt.txt").read_text(encoding="utf-8").strip() + " "
if not TEXT.strip():
    raise SystemExit("bench/prompt.txt is empty; it needs some text to repeat")


def add_common_arguments(ap):
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=256)
    ap.add_argument("--decode-tokens", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--batch-prompt-tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=5)


def repeated_ids(encode, n):
    """The first n ids of TEXT repeated; `encode` maps text to ids without special tokens."""
    ids = []
    while len(ids) < n:
        ids += encode(TEXT)
    return ids[:n]


def timing_blocks(args, prefill_times, decode_times, batch_times):
    """The prefill, single-stream and batch decode blocks of a peer's JSON: medians, with the best run."""
    pre, dec, bdec = (statistics.median(t) for t in (prefill_times, decode_times, batch_times))
    pre_best, dec_best, bdec_best = min(prefill_times), min(decode_times), min(batch_times)
    total = args.batch * args.decode_tokens
    return {
        "prefill": {"prompt_tokens": args.prompt_tokens, "seconds_median": round(pre, 4),
                    "tokens_per_s": round(args.prompt_tokens / pre, 1),
                    "tokens_per_s_best": round(args.prompt_tokens / pre_best, 1), "repeats": len(prefill_times)},
        "decode_single": {"context_tokens": args.prompt_tokens, "new_tokens": args.decode_tokens,
                          "seconds_median": round(dec, 4), "tokens_per_s": round(args.decode_tokens / dec, 2),
                          "tokens_per_s_best": round(args.decode_tokens / dec_best, 2)},
        "decode_batch": {"batch": args.batch, "prompt_tokens_each": args.batch_prompt_tokens,
                         "steps": args.decode_tokens, "seconds_median": round(bdec, 4),
                         "tokens_per_s_total": round(total / bdec, 2),
                         "tokens_per_s_total_best": round(total / bdec_best, 2)},
    }


def machine():
    return {"cpu": platform.processor() or platform.machine(), "os_cpu_count": os.cpu_count(),
            "loadavg_1min_at_start": LOAD0, "loadavg_1min_at_end": round(os.getloadavg()[0], 2)}
