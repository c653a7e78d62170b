#!/usr/bin/env python3
"""Reference fixtures for SmolLM2-135M-Instruct (GGUF, Q4_1) produced with Hugging Face transformers.

transformers loads the GGUF file, dequantizes every tensor to float32 with gguf-py, reverse-permutes
attn_q/attn_k to the Hugging Face layout, and runs its own Llama implementation. The outputs written
here are what a Swift implementation reading the same GGUF file must reproduce.

Usage (see README.md for the exact package versions):
    HF_HUB_OFFLINE=1 python3 Tests/Fixtures/smollm2/make_fixtures.py [--model PATH] [--out DIR]

Writes into --out (default: the directory of this script):
    prompts.json          prompts, input ids, top-10 last-position logits, greedy continuations and margins
    logits_<k>.npy        float32 [49152] last-position logits for prompt k
    batch_prompts.json    8 prompts of different lengths with greedy 16-token continuations (each run alone)
    hidden_states.json    first 8 values of intermediate activations (last position) for prompt 0
    model_facts.json      config derived from the GGUF, tokenizer facts, tensor quant types
"""
import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = Path(__file__).resolve().parent
DEFAULT_MODEL = Path(os.environ.get("STRATA_CACHE", Path.home() / ".cache" / "strata")) / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"

THREADS = 2
GREEDY_STEPS = 32
BATCH_GREEDY_STEPS = 16
NEAR_TIE = 0.01
TOP_K = 10

# A fixed paragraph; the long prompt is this paragraph followed by a question (its token count is recorded in
# prompts.json). The question keeps the greedy continuation clear of near-ties (top-2 margins >= 0.07).
LONG_PARAGRAPH = (
    "The history of the lighthouse is, in many ways, the history of coastal trade itself. "
    "Long before electric lamps and rotating Fresnel lenses, sailors relied on bonfires lit on "
    "headlands to mark dangerous rocks and the entrances of harbours. The Pharos of Alexandria, "
    "completed in the third century BC, stood well over one hundred metres tall and was counted "
    "among the wonders of the ancient world; its light, reflected by polished bronze, was said to "
    "be visible from far out at sea. During the Middle Ages, monasteries and port towns kept small "
    "towers burning wood, coal or oil, and ship owners paid dues to maintain them. The eighteenth "
    "and nineteenth centuries brought a wave of engineering: John Smeaton rebuilt the Eddystone "
    "light using interlocking granite blocks and hydraulic lime, a technique that influenced "
    "concrete construction for generations. Augustin Fresnel's lens, introduced in 1823, gathered "
    "nearly all of a lamp's light into a narrow, powerful beam, and each station was given a "
    "distinctive pattern of flashes so that navigators could tell one coast from another at night. "
    "Keepers lived isolated lives, trimming wicks, winding clockwork and recording the weather in "
    "careful logbooks. Today most lighthouses are automated, monitored remotely and powered by "
    "solar panels, while satellite navigation has taken over much of their original purpose. Yet "
    "many remain in service, and communities around the world restore them as museums, reminders "
    "of the people who kept the lights burning through storms so that others could come home safely."
)

PLAIN_PROMPTS = [
    ("short", "The capital of France is"),
    ("question", "What is the boiling point of water at sea level, in degrees Celsius?"),
    ("code", 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n'),
    ("unicode", "Le café à Zürich coûte 4,50 € — 東京の天気は晴れです。Привет, мир! 🙂"),
    ("long", LONG_PARAGRAPH + "\n\nQuestion: Who introduced the lens in 1823?\nAnswer:"),
]
CHAT_PROMPTS = [
    ("chat_capital", "What is the capital of France?"),
    ("chat_haiku", "Write a haiku about the ocean."),
]

BATCH_PROMPTS = [
    "Hello there",
    "Once upon a time",
    "The quick brown fox jumps over",
    "import numpy as np\nimport torch\n",
    "List three primary colors: red,",
    "In 1969, the first humans walked on the Moon. The mission was called",
    "Water is made of two elements. The first is hydrogen and the second is",
    "Photosynthesis is the process by which green plants use sunlight, water and carbon "
    "dioxide to produce glucose and oxygen. It takes place mainly in the leaves, inside",
]


def setup_determinism():
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    np.random.seed(0)
    torch.use_deterministic_algorithms(True)


def load(model_path: Path):
    d, f = str(model_path.parent), model_path.name
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    # attn_implementation="eager": the plain matmul/softmax reference path.
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    return tok, model


def top2_margin(logits: torch.Tensor):
    v, i = torch.topk(logits, 2)
    return float(v[0] - v[1]), int(i[0]), int(i[1])


@torch.inference_mode()
def greedy(model, ids, steps):
    """Greedy decoding with the KV cache; exactly `steps` tokens, no stopping at EOS.

    Returns (prefill last-position logits, generated ids, per-step margins, per-step runner-up ids)."""
    x = torch.tensor([ids], dtype=torch.long)
    out = model(input_ids=x, use_cache=True)
    past = out.past_key_values
    logits = out.logits[0, -1].float()
    first_logits = logits.clone()
    gen, margins, second = [], [], []
    for step in range(steps):
        m, a, b = top2_margin(logits)
        gen.append(a)
        margins.append(m)
        second.append(b)
        if step + 1 == steps:
            break
        out = model(input_ids=torch.tensor([[a]]), past_key_values=past, use_cache=True)
        past = out.past_key_values
        logits = out.logits[0, -1].float()
    return first_logits, gen, margins, second


@torch.inference_mode()
def check_against_full_forward(model, ids, gen, margins):
    """Teacher-forced forward without cache over prompt+continuation: the argmax at every position must
    be the greedy token (except at near-ties). Returns the number of disagreements outside near-ties."""
    full = torch.tensor([ids + gen[:-1]], dtype=torch.long)
    logits = model(input_ids=full, use_cache=False).logits[0, len(ids) - 1:]
    am = logits.argmax(-1).tolist()
    return sum(1 for s, (a, g) in enumerate(zip(am, gen)) if a != g and margins[s] >= NEAR_TIE)


def first_near_tie(margins):
    for s, m in enumerate(margins):
        if m < NEAR_TIE:
            return s
    return None


def decode(tok, ids):
    return tok.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)


@torch.inference_mode()
def hidden_state_probe(model, ids):
    """First 8 values (and L2 norm) of the last position of: embedding output, decoder layers 0, 1, 15, 29
    (each the residual stream after the layer), the final RMSNorm output."""
    probes = {}
    hooks = []

    def grab(name):
        def hook(_mod, _inp, out):
            t = out[0] if isinstance(out, (tuple, list)) else out
            last = t[0, -1].float()
            probes[name] = {"first8": [float(v) for v in last[:8]], "l2_norm": float(last.norm())}
        return hook

    inner = model.model
    hooks.append(inner.embed_tokens.register_forward_hook(grab("embedding")))
    for li in (0, 1, 15, 29):
        hooks.append(inner.layers[li].register_forward_hook(grab(f"layer_{li}")))
    hooks.append(inner.norm.register_forward_hook(grab("final_norm")))
    out = model(input_ids=torch.tensor([ids]), use_cache=False)
    for h in hooks:
        h.remove()
    last = out.logits[0, -1].float()
    probes["logits"] = {"first8": [float(v) for v in last[:8]], "l2_norm": float(last.norm())}
    return probes


def tensor_quant_types(model_path: Path):
    from gguf import GGUFReader
    r = GGUFReader(str(model_path))
    kinds = {}
    for t in r.tensors:
        kind = t.name.split(".", 2)[2] if t.name.startswith("blk.") else t.name
        kinds.setdefault(kind, set()).add(t.tensor_type.name)
    names = [t.name for t in r.tensors]
    return {k: sorted(v) for k, v in sorted(kinds.items())}, ("output.weight" in names), len(names)


def write_json(path: Path, obj):
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    setup_determinism()
    tok, model = load(args.model)
    cfg = model.config

    versions = {"torch": torch.__version__, "transformers": transformers.__version__, "numpy": np.__version__}
    try:
        import gguf, importlib.metadata as md
        versions["gguf"] = md.version("gguf")
        versions["tokenizers"] = md.version("tokenizers")
    except Exception:
        pass
    common = {
        "model_file": args.model.name,
        "generator": "transformers float32 (GGUF dequantized by transformers/gguf-py), eager attention, "
                     f"torch.set_num_threads({THREADS}), greedy argmax with KV cache, no EOS stopping",
        "versions": versions,
    }

    # ---- tokenizer facts ----------------------------------------------------------------------
    probe_text = "Hello world"
    with_special = tok(probe_text, add_special_tokens=True).input_ids
    without_special = tok(probe_text, add_special_tokens=False).input_ids
    adds_bos = len(with_special) > 0 and with_special[0] == tok.bos_token_id and without_special[:1] != [tok.bos_token_id]
    adds_eos = len(with_special) > 0 and with_special[-1] == tok.eos_token_id and without_special[-1:] != [tok.eos_token_id]
    assert with_special == without_special, "tokenizer unexpectedly adds special tokens by default"

    # ---- prompts.json + logits_<k>.npy -------------------------------------------------------
    entries = []
    all_prompts = [(n, t, "plain") for n, t in PLAIN_PROMPTS] + [(n, t, "chat") for n, t in CHAT_PROMPTS]
    for k, (name, text, kind) in enumerate(all_prompts):
        e = {"index": k, "name": name, "kind": kind}
        if kind == "chat":
            messages = [{"role": "user", "content": text}]
            rendered = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            ids = tok(rendered, add_special_tokens=False).input_ids
            via_template = tok.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)
            if isinstance(via_template, dict) or hasattr(via_template, "input_ids"):
                via_template = via_template["input_ids"]
            assert list(via_template) == ids, "apply_chat_template(tokenize=True) disagrees with tokenizing the rendered text"
            e.update({"messages": messages, "add_generation_prompt": True, "text": rendered,
                      "add_special_tokens": False})
        else:
            ids = tok(text, add_special_tokens=True).input_ids
            e.update({"text": text, "add_special_tokens": True})
        assert decode(tok, ids) == e["text"], f"prompt {name} does not round-trip through decode"

        first_logits, gen, margins, second = greedy(model, ids, GREEDY_STEPS)
        mismatches = check_against_full_forward(model, ids, gen, margins)
        assert mismatches == 0, f"prompt {name}: cached and uncached greedy disagree"
        v, i = torch.topk(first_logits, TOP_K)
        logits_file = f"logits_{k}.npy"
        np.save(args.out / logits_file, first_logits.numpy().astype(np.float32))
        e.update({
            "input_ids": ids,
            "n_tokens": len(ids),
            "top10": [[int(a), float(b)] for a, b in zip(i, v)],
            "logits_file": logits_file,
            "greedy": {
                "steps": GREEDY_STEPS,
                "ids": gen,
                "text": decode(tok, gen),
                "margins": margins,
                "runner_up_ids": second,
                "first_near_tie_step": first_near_tie(margins),
                "first_eos_step": gen.index(cfg.eos_token_id) if cfg.eos_token_id in gen else None,
            },
        })
        entries.append(e)
        print(f"[{k}] {name}: {len(ids)} tokens -> {decode(tok, gen)!r}", file=sys.stderr)

    write_json(args.out / "prompts.json", {
        **common,
        "near_tie_threshold": NEAR_TIE,
        "notes": [
            "input_ids are exactly what the HF tokenizer returns; add_special_tokens records the flag used. "
            "For this model the default (add_special_tokens=True) adds no BOS/EOS, so both choices give the same ids.",
            "Chat prompts: text is the chat template rendered with one user message and add_generation_prompt=True, "
            "tokenized with add_special_tokens=False (as apply_chat_template does).",
            "top10 and logits_<index>.npy are the logits at the last prompt position (before any generated token).",
            "greedy.ids[s] is argmax of the logits at step s (step 0 = prompt's last position); greedy.margins[s] is "
            "top1 - top2 of those logits; compare a Swift continuation only up to the first step with margin < "
            "near_tie_threshold. Decoding continues through EOS (exactly `steps` tokens).",
        ],
        "prompts": entries,
    })

    # ---- batch_prompts.json --------------------------------------------------------------------
    batch = []
    for k, text in enumerate(BATCH_PROMPTS):
        ids = tok(text, add_special_tokens=True).input_ids
        _, gen, margins, second = greedy(model, ids, BATCH_GREEDY_STEPS)
        assert check_against_full_forward(model, ids, gen, margins) == 0
        batch.append({"index": k, "text": text, "input_ids": ids, "n_tokens": len(ids),
                      "greedy": {"steps": BATCH_GREEDY_STEPS, "ids": gen, "text": decode(tok, gen),
                                 "margins": margins, "runner_up_ids": second,
                                 "first_near_tie_step": first_near_tie(margins),
                                 "first_eos_step": gen.index(cfg.eos_token_id) if cfg.eos_token_id in gen else None}})
        print(f"[batch {k}] {len(ids)} tokens -> {decode(tok, gen)!r}", file=sys.stderr)
    write_json(args.out / "batch_prompts.json", {
        **common,
        "add_special_tokens": True,
        "near_tie_threshold": NEAR_TIE,
        "notes": ["Each prompt was generated alone (batch size 1, no padding); a batched Swift run must give the same "
                  "ids per sequence up to the first near-tie step."],
        "prompts": batch,
    })

    # ---- hidden_states.json --------------------------------------------------------------------
    ids0 = entries[0]["input_ids"]
    write_json(args.out / "hidden_states.json", {
        **common,
        "prompt_index": 0,
        "input_ids": ids0,
        "position": len(ids0) - 1,
        "notes": ["Values are for the last position only. embedding = token_embd row (no scaling); layer_i = residual "
                  "stream after decoder layer i (0-based); final_norm = output of output_norm (input to the tied "
                  "LM head); logits = LM head output."],
        "probes": hidden_state_probe(model, ids0),
    })

    # ---- model_facts.json ----------------------------------------------------------------------
    quant, has_output, n_tensors = tensor_quant_types(args.model)
    rope = getattr(cfg, "rope_parameters", None) or {"rope_theta": getattr(cfg, "rope_theta", None),
                                                      "rope_scaling": getattr(cfg, "rope_scaling", None)}
    inv_freq = model.model.rotary_emb.inv_freq.float()
    tied = model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    write_json(args.out / "model_facts.json", {
        **common,
        "config": {
            "model_type": cfg.model_type,
            "hidden_size": cfg.hidden_size,
            "num_hidden_layers": cfg.num_hidden_layers,
            "num_attention_heads": cfg.num_attention_heads,
            "num_key_value_heads": cfg.num_key_value_heads,
            "head_dim": getattr(cfg, "head_dim", cfg.hidden_size // cfg.num_attention_heads),
            "intermediate_size": cfg.intermediate_size,
            "hidden_act": cfg.hidden_act,
            "rms_norm_eps": cfg.rms_norm_eps,
            "rope": rope,
            "rope_inv_freq_first4": [float(x) for x in inv_freq[:4]],
            "rope_inv_freq_len": int(inv_freq.numel()),
            "max_position_embeddings": cfg.max_position_embeddings,
            "vocab_size": cfg.vocab_size,
            "tie_word_embeddings": cfg.tie_word_embeddings,
            "lm_head_shares_embedding_storage": tied,
            "attention_bias": cfg.attention_bias,
            "mlp_bias": cfg.mlp_bias,
            "bos_token_id": cfg.bos_token_id,
            "eos_token_id": cfg.eos_token_id,
            "pad_token_id": cfg.pad_token_id,
        },
        "tokenizer": {
            "class": type(tok).__name__,
            "bos_token": tok.bos_token, "bos_token_id": tok.bos_token_id,
            "eos_token": tok.eos_token, "eos_token_id": tok.eos_token_id,
            "pad_token": tok.pad_token, "pad_token_id": tok.pad_token_id,
            "unk_token": tok.unk_token, "unk_token_id": tok.unk_token_id,
            "vocab_size_with_added": len(tok),
            "adds_bos_by_default": adds_bos,
            "adds_eos_by_default": adds_eos,
            "probe": {"text": probe_text, "add_special_tokens_true": with_special, "add_special_tokens_false": without_special},
            "chat_template": tok.chat_template,
        },
        "gguf": {
            "tensor_count": n_tensors,
            "has_output_weight": has_output,
            "quant_types_by_tensor_kind": quant,
        },
    })
    print("done", file=sys.stderr)


if __name__ == "__main__":
    main()
