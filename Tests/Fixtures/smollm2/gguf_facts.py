#!/usr/bin/env python3
"""Facts about the default model's GGUF file as the `gguf` package (gguf.GGUFReader) reads them:
header, metadata, tensor infos, offsets and leading bytes. GGUFReaderTests.testReadsDefaultModel
checks Strata's reader against them. Writes gguf_facts.json (numbers and names only).

    python3 Tests/Fixtures/smollm2/gguf_facts.py [--model PATH]
"""
import argparse
import json
import os
from importlib.metadata import version
from pathlib import Path

import gguf
from gguf import GGUFReader

HERE = Path(__file__).resolve().parent
DEFAULT_MODEL = Path(os.environ.get("STRATA_CACHE", Path.home() / ".cache" / "strata")) / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def scalar(reader, key):
    field = reader.fields[key]
    value = field.parts[field.data[0]]
    return value.tobytes().decode("utf-8") if field.types[0] == gguf.GGUFValueType.STRING else value.tolist()[0]


def typed(reader, key):
    """A metadata value with its GGUF type: {"type": "UINT32", "value": 30}."""
    return {"type": reader.fields[key].types[0].name, "value": scalar(reader, key)}


def strings(reader, key):
    field = reader.fields[key]
    return [bytes(field.parts[i]).decode("utf-8") for i in field.data]


def tensor(reader, name, leading):
    t = next(t for t in reader.tensors if t.name == name)
    start = int(t.data_offset)
    return {"type": t.tensor_type.name.lower(), "ggml_dims": [int(n) for n in t.shape],
            "file_offset": start, "byte_count": int(t.n_bytes),
            "leading_bytes": [int(b) for b in reader.data[start:start + leading]]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    args = parser.parse_args()
    reader = GGUFReader(args.model)
    keys = ["general.architecture", "llama.block_count", "llama.embedding_length", "llama.feed_forward_length",
            "llama.attention.head_count", "llama.attention.head_count_kv", "llama.rope.freq_base",
            "llama.attention.layer_norm_rms_epsilon", "tokenizer.ggml.model"]
    norm = next(t for t in reader.tensors if t.name == "blk.0.attn_norm.weight")
    facts = {
        "gguf_package": version("gguf"),
        "version": scalar(reader, "GGUF.version"),
        "metadata_count": scalar(reader, "GGUF.kv_count"),
        "metadata": {k: typed(reader, k) for k in keys},
        "token_count": len(reader.fields["tokenizer.ggml.tokens"].data),
        "first_tokens": strings(reader, "tokenizer.ggml.tokens")[:3],
        "merge_count": len(reader.fields["tokenizer.ggml.merges"].data),
        "token_type_count": len(reader.fields["tokenizer.ggml.token_type"].data),
        "tensor_count": len(reader.tensors),
        "data_offset": int(reader.data_offset),
        "tensors": {"token_embd.weight": tensor(reader, "token_embd.weight", 8),
                    "blk.0.attn_q.weight": tensor(reader, "blk.0.attn_q.weight", 4),
                    "blk.0.attn_norm.weight": tensor(reader, "blk.0.attn_norm.weight", 0)},
        "attn_norm_leading_values": [float(v) for v in norm.data[:4]],
    }
    (HERE / "gguf_facts.json").write_text(json.dumps(facts, indent=1) + "\n")
    print(json.dumps(facts, indent=1))


if __name__ == "__main__":
    main()
