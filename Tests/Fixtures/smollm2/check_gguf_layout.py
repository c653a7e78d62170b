#!/usr/bin/env python3
"""Checks, in code, how the GGUF tensors relate to the weights transformers uses, and which RoPE pairing
a model that uses the GGUF tensors as-is needs. Writes gguf_layout.json (numbers only) and prints a summary.

    HF_HUB_OFFLINE=1 python3 Tests/Fixtures/smollm2/check_gguf_layout.py [--model PATH]

Checks:
 1. Our own Q4_1 / Q8_0 block decoders (the byte layout a Swift loader implements) equal gguf-py's dequantize.
 2. For every layer, transformers' q_proj/k_proj equal the GGUF attn_q/attn_k rows under the index map
        HF row  h*head_dim + p*(head_dim/2) + i   ==   GGUF row  h*head_dim + 2*i + p     (p in {0,1})
    and every other tensor is identical as stored (no transform).
 3. A float32 numpy Llama forward that uses the GGUF tensors *as stored* reproduces the transformers logits
    with interleaved RoPE pairs (2i, 2i+1), and does not with rotate_half pairs (i, i+head_dim/2).
    And the HF-layout weights with rotate_half reproduce them too (the transformers convention).
"""
import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from gguf import GGUFReader, GGMLQuantizationType
from gguf.quants import dequantize

HERE = Path(__file__).resolve().parent
DEFAULT_MODEL = Path(os.environ.get("STRATA_CACHE", Path.home() / ".cache" / "strata")) / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


# ---- 1. block decoders as a Swift loader would write them ------------------------------------
def decode_q4_1(raw: np.ndarray, n: int) -> np.ndarray:
    """Q4_1 block = 20 bytes: f16 d, f16 m, 16 bytes qs. x[j] = d*(qs[j] & 15) + m, x[j+16] = d*(qs[j] >> 4) + m."""
    b = raw.reshape(-1, 20)
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
    m = b[:, 2:4].copy().view(np.float16).astype(np.float32)
    qs = b[:, 4:20]
    lo = (qs & 0x0F).astype(np.float32)
    hi = (qs >> 4).astype(np.float32)
    return (np.concatenate([lo, hi], axis=1) * d + m).reshape(-1)[:n]


def decode_q8_0(raw: np.ndarray, n: int) -> np.ndarray:
    """Q8_0 block = 34 bytes: f16 d, 32 x int8 q. x[j] = d * q[j]."""
    b = raw.reshape(-1, 34)
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
    q = b[:, 2:34].copy().view(np.int8).astype(np.float32)
    return (q * d).reshape(-1)[:n]


def gguf_to_hf_row(r, head_dim):
    h, rem = divmod(r, head_dim)
    i, p = divmod(rem, 2)
    return h * head_dim + p * (head_dim // 2) + i


# ---- 3. numpy forward ------------------------------------------------------------------------
def rms(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope_interleaved(x, pos, inv_freq):
    # x: [T, H, D]; pairs (2i, 2i+1) rotated by pos * inv_freq[i]
    ang = pos[:, None] * inv_freq[None, :]
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * c - b * s
    out[..., 1::2] = a * s + b * c
    return out


def rope_half(x, pos, inv_freq):
    # pairs (i, i + D/2) rotated by pos * inv_freq[i] (transformers' rotate_half)
    half = x.shape[-1] // 2
    ang = pos[:, None] * inv_freq[None, :]
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    a, b = x[..., :half], x[..., half:]
    return np.concatenate([a * c - b * s, a * s + b * c], axis=-1)


def forward(W, ids, cfg, rope_fn):
    H, KV, D = cfg["n_head"], cfg["n_kv"], cfg["head_dim"]
    eps, T = cfg["eps"], len(ids)
    inv_freq = (1.0 / cfg["theta"] ** (np.arange(0, D, 2, dtype=np.float32) / D)).astype(np.float32)
    pos = np.arange(T, dtype=np.float32)
    x = W["token_embd.weight"][ids].astype(np.float32)
    mask = np.triu(np.full((T, T), -np.inf, dtype=np.float32), 1)
    for l in range(cfg["n_layer"]):
        p = f"blk.{l}."
        h = rms(x, W[p + "attn_norm.weight"], eps)
        q = (h @ W[p + "attn_q.weight"].T).reshape(T, H, D)
        k = (h @ W[p + "attn_k.weight"].T).reshape(T, KV, D)
        v = (h @ W[p + "attn_v.weight"].T).reshape(T, KV, D)
        q, k = rope_fn(q, pos, inv_freq), rope_fn(k, pos, inv_freq)
        o = np.empty((T, H, D), dtype=np.float32)
        for hh in range(H):
            kv = hh // (H // KV)  # grouped-query attention: query head hh reads kv head hh // (H/KV)
            s = q[:, hh] @ k[:, kv].T / np.sqrt(D) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            o[:, hh] = (s / s.sum(-1, keepdims=True)) @ v[:, kv]
        x = x + o.reshape(T, H * D) @ W[p + "attn_output.weight"].T
        h = rms(x, W[p + "ffn_norm.weight"], eps)
        g = h @ W[p + "ffn_gate.weight"].T
        u = h @ W[p + "ffn_up.weight"].T
        x = x + ((g / (1 + np.exp(-g))) * u) @ W[p + "ffn_down.weight"].T
    x = rms(x, W["output_norm.weight"], eps)
    return x[-1] @ W["token_embd.weight"].T  # tied LM head


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--out", type=Path, default=HERE / "gguf_layout.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    report = {}

    reader = GGUFReader(str(args.model))
    W, types = {}, {}
    decoder_check = {}
    for t in reader.tensors:
        deq = dequantize(t.data, t.tensor_type).astype(np.float32)
        W[t.name] = deq
        types[t.name] = t.tensor_type.name
        kind = t.tensor_type
        if kind in (GGMLQuantizationType.Q4_1, GGMLQuantizationType.Q8_0) and kind.name not in decoder_check:
            raw = np.asarray(t.data).reshape(-1).view(np.uint8)
            mine = (decode_q4_1 if kind == GGMLQuantizationType.Q4_1 else decode_q8_0)(raw, deq.size)
            decoder_check[kind.name] = {"tensor": t.name, "max_abs_diff": float(np.abs(mine - deq.reshape(-1)).max())}
        if t.name in ("blk.0.attn_k.weight", "blk.0.ffn_down.weight"):
            report[t.name + " shape"] = {"gguf_shape_ne": [int(s) for s in t.shape], "numpy_shape_after_dequantize": list(deq.shape)}
    report["own_block_decoders_vs_gguf_py"] = decoder_check
    report["has_output_weight"] = "output.weight" in W

    meta = {f.name: f for f in reader.fields.values()}
    def val(k):
        return meta[k].contents()
    cfg = {"n_layer": int(val("llama.block_count")), "n_head": int(val("llama.attention.head_count")),
           "n_kv": int(val("llama.attention.head_count_kv")), "eps": float(val("llama.attention.layer_norm_rms_epsilon")),
           "theta": float(val("llama.rope.freq_base"))}
    cfg["head_dim"] = int(val("llama.embedding_length")) // cfg["n_head"]

    # ---- 2. compare with transformers' weights
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import TENSOR_PROCESSORS, get_gguf_hf_weights_map
    d, f = str(args.model.parent), args.model.name
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32, attn_implementation="eager").eval()
    hf = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}

    processor = TENSOR_PROCESSORS["llama"](config=model.config.to_dict())
    name_map = get_gguf_hf_weights_map(model, processor)  # GGUF name -> HF name (both with .weight)
    report["gguf_to_hf_name_map_layer0_and_globals"] = {
        g: h for g, h in sorted(name_map.items()) if g.startswith("blk.0.") or not g.startswith("blk.")}
    report["mapped_names_absent_from_gguf"] = sorted(g for g in name_map if g not in W)

    D = cfg["head_dim"]
    q0_raw, q0_hf = W["blk.0.attn_q.weight"], hf["model.layers.0.self_attn.q_proj.weight"]
    perm_q = np.array([gguf_to_hf_row(r, D) for r in range(q0_raw.shape[0])])
    inv_q = np.argsort(perm_q)
    report["blk.0.attn_q_vs_q_proj"] = {
        "equal_as_stored": bool(np.array_equal(q0_raw, q0_hf)),
        "max_abs_diff_as_stored": float(np.abs(q0_raw - q0_hf).max()),
        "equal_under_map (hf[gguf_to_hf_row(r)] == gguf[r])": bool(np.array_equal(q0_hf[perm_q], q0_raw)),
        "example_rows_gguf_to_hf": {str(r): int(perm_q[r]) for r in (0, 1, 2, 3, 31, 32, 62, 63, 64, 65)},
    }
    report["hf_q_proj_row_to_gguf_row_head0_first8"] = [int(inv_q[r]) for r in range(8)]

    mismatched = []
    checked = 0
    for gname, hname in name_map.items():
        if gname not in W:
            continue
        checked += 1
        a, b = W[gname], hf[hname]
        if ".attn_q." in gname or ".attn_k." in gname:
            perm = np.array([gguf_to_hf_row(r, D) for r in range(a.shape[0])])
            ok = np.array_equal(b[perm], a)
        else:
            ok = a.shape == b.shape and np.array_equal(a, b)
        if not ok:
            mismatched.append(gname)
    report["tensors_checked"] = checked
    report["gguf_tensor_count"] = len(W)
    report["tensors_not_matching_rule"] = mismatched
    report["lm_head_is_token_embd"] = bool(np.array_equal(hf["lm_head.weight"], W["token_embd.weight"]))

    # ---- 3. numpy forwards vs transformers
    ids = tok("The capital of France is", add_special_tokens=True).input_ids
    with torch.inference_mode():
        ref = model(input_ids=torch.tensor([ids])).logits[0, -1].float().numpy()
    Whf = dict(W)
    for l in range(cfg["n_layer"]):
        for kind in ("attn_q", "attn_k"):
            a = W[f"blk.{l}.{kind}.weight"]
            perm = np.array([gguf_to_hf_row(r, D) for r in range(a.shape[0])])
            b = np.empty_like(a)
            b[perm] = a
            Whf[f"blk.{l}.{kind}.weight"] = b
    res = {}
    for label, weights, fn in [("gguf_as_stored+interleaved_pairs(2i,2i+1)", W, rope_interleaved),
                               ("gguf_as_stored+rotate_half_pairs(i,i+32)", W, rope_half),
                               ("unpermuted(HF layout)+rotate_half_pairs(i,i+32)", Whf, rope_half)]:
        out = forward(weights, ids, cfg, fn)
        res[label] = {"max_abs_logit_diff_vs_transformers": float(np.abs(out - ref).max()),
                      "argmax": int(out.argmax()), "transformers_argmax": int(ref.argmax())}
    report["numpy_forward_prompt"] = {"text": "The capital of France is", "input_ids": ids}
    report["numpy_forward_vs_transformers"] = res

    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    assert not mismatched
    assert all(v["max_abs_diff"] == 0 for v in decoder_check.values())
    assert res["gguf_as_stored+interleaved_pairs(2i,2i+1)"]["max_abs_logit_diff_vs_transformers"] < 1e-2


if __name__ == "__main__":
    main()
