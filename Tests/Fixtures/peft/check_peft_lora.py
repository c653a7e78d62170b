#!/usr/bin/env python3
"""Checks Strata's PEFT export against the real `peft` package on SmolLM2-135M-Instruct.

1. Drives `strata`: load smollm2, `use lora r=4 alpha=8 targets=q,k,v,o b-init=random` (a seeded,
   nonzero B so the adapter changes the logits), `export peft DIR`, and dumps the last-position
   logits of a prompt with and without the adapter (`logits … dump=FILE.npy`). The same for
   `use prompt m=8` (prompt tuning).
2. Loads the same GGUF in transformers (float32, eager attention), applies each exported adapter
   with `PeftModel.from_pretrained`, and compares last-position logits with Strata's.
3. Negative control: the LoRA adapter with its q/k `lora_B` rows put back in GGUF order (what an
   exporter that forgot the RoPE permutation would write) — the difference must be much larger.

Writes the numbers to peft_check.json next to this script. The adapters go to a temporary folder
and are not kept. Usage (after `swift build`):

    HF_HUB_OFFLINE=1 python3 Tests/Fixtures/peft/check_peft_lora.py [--strata .build/debug/strata]
"""
import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
MODEL = Path(os.environ.get("STRATA_CACHE", Path.home() / ".cache" / "strata")) / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
TEXT = "The capital of France is"
HEAD_DIM = 64


def strata(binary, statements):
    out = subprocess.run([binary, "-e", "\n".join(statements)], cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout


def gguf_row_of_hf_row(rows):
    """Inverse of the GGUF→HF map (GGUF row h·D+2i+p == HF row h·D+p·D/2+i): order[g] = HF row of GGUF row g."""
    order = []
    for g in range(rows):
        h, j = divmod(g, HEAD_DIM)
        order.append(h * HEAD_DIM + (j % 2) * (HEAD_DIM // 2) + j // 2)
    return order


def last_logits(model, ids):
    with torch.inference_mode():
        return model(torch.tensor([ids])).logits[0, -1].float().numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=str(ROOT / ".build" / "debug" / "strata"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from peft import PeftModel
    import peft, transformers
    from safetensors.torch import load_file

    work = Path(tempfile.mkdtemp(prefix="strata-peft-check-"))
    lora_dir, prompt_dir = work / "lora", work / "prompt"
    log = strata(args.strata, [
        "load smollm2",
        f'tokenize "{TEXT}" --json',
        f'logits "{TEXT}" dump="{work}/base.npy" top=1',
        "use lora r=4 alpha=8 targets=q,k,v,o b-init=random",
        f'export peft "{lora_dir}"',
        f'logits "{TEXT}" dump="{work}/lora.npy" top=1',
        "unuse lora",
        "use prompt m=8",
        f'export peft "{prompt_dir}"',
        f'logits "{TEXT}" dump="{work}/prompt.npy" top=1',
    ])
    strata_ids = json.loads(next(l for l in log.splitlines() if l.startswith("{")))["ids"]

    d, f = str(MODEL.parent), MODEL.name
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    ids = tok(TEXT)["input_ids"]
    assert ids == strata_ids, (ids, strata_ids)

    def base_model():
        return AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32, attn_implementation="eager").eval()

    results = {"text": TEXT, "n_tokens": len(ids), "versions": {
        "peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__}}
    strata_base = np.load(work / "base.npy")
    hf = base_model()
    hf_base = last_logits(hf, ids)
    results["base_max_abs_diff"] = float(np.abs(hf_base - strata_base).max())

    # LoRA
    config = json.loads((lora_dir / "adapter_config.json").read_text())
    tensors = load_file(str(lora_dir / "adapter_model.safetensors"))
    lora_model = PeftModel.from_pretrained(hf, str(lora_dir)).eval()
    hf_lora = last_logits(lora_model, ids)
    strata_lora = np.load(work / "lora.npy")
    results["lora"] = {
        "config": {k: config[k] for k in ["peft_type", "task_type", "r", "lora_alpha", "lora_dropout", "target_modules",
                                          "layers_to_transform", "base_model_name_or_path"]},
        "tensors": len(tensors), "adapter_bytes": (lora_dir / "adapter_model.safetensors").stat().st_size,
        "adapter_effect_max_abs": float(np.abs(strata_lora - strata_base).max()),
        "max_abs_diff": float(np.abs(hf_lora - strata_lora).max()),
        "same_argmax": int(hf_lora.argmax()) == int(strata_lora.argmax()),
    }
    # Negative control: q/k lora_B rows left in GGUF order.
    state = {k: v for k, v in tensors.items()}
    for name, value in state.items():
        if ("q_proj.lora_B" in name or "k_proj.lora_B" in name):
            order = gguf_row_of_hf_row(value.shape[0])
            state[name] = value[order]              # HF rows → GGUF rows
    with torch.no_grad():
        for name, param in lora_model.named_parameters():
            key = name.replace(".default", "")
            if key in state:
                param.copy_(state[key])
    results["lora"]["unpermuted_control_max_abs_diff"] = float(np.abs(last_logits(lora_model, ids) - strata_lora).max())

    # Prompt tuning
    prompt_model = PeftModel.from_pretrained(base_model(), str(prompt_dir)).eval()
    hf_prompt = last_logits(prompt_model, ids)
    strata_prompt = np.load(work / "prompt.npy")
    pconfig = json.loads((prompt_dir / "adapter_config.json").read_text())
    results["prompt_tuning"] = {
        "config": {k: pconfig[k] for k in ["peft_type", "num_virtual_tokens", "token_dim", "num_transformer_submodules",
                                           "num_attention_heads", "num_layers"]},
        "adapter_effect_max_abs": float(np.abs(strata_prompt - strata_base).max()),
        "max_abs_diff": float(np.abs(hf_prompt - strata_prompt).max()),
        "same_argmax": int(hf_prompt.argmax()) == int(strata_prompt.argmax()),
    }
    print(json.dumps(results, indent=2))
    # The check itself: a result that fails it is not recorded.
    lora, prompt = results["lora"], results["prompt_tuning"]
    assert lora["max_abs_diff"] < 1e-3 and prompt["max_abs_diff"] < 1e-3, "Strata and peft disagree"
    assert lora["unpermuted_control_max_abs_diff"] > 100 * results["base_max_abs_diff"], \
        "the control matches too: the q/k row reordering is not what makes the adapter agree"
    assert lora["adapter_effect_max_abs"] > 0.1 and prompt["adapter_effect_max_abs"] > 0.1, "an adapter has no effect"
    (HERE / "peft_check.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
