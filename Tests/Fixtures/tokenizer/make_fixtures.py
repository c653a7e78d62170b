#!/usr/bin/env python3
"""Writes smollm2_ids.json: reference token ids for the tokenizer parity tests.

The tokenizer comes from the SmolLM2-135M-Instruct GGUF file through Hugging Face
`transformers` (AutoTokenizer with gguf_file=...). Its pre-tokenizer is set to the one the
original SmolLM2 tokenizer.json uses and llama.cpp applies for tokenizer.ggml.pre = "smollm":
single digits split off, then GPT-2's byte-level regex.

Usage:
    python3 make_fixtures.py [path/to/SmolLM2-135M-Instruct.Q4_1.gguf] [--export DIR]

--export DIR also saves tokenizer.json into DIR for local testing
(STRATA_TOKENIZER_JSON=DIR/tokenizer.json swift test --filter TokenizerParityTests).
The vocabulary itself is never written into this repository; only ids and strings are.
"""
import json
import os
import sys
import tempfile

from tokenizers import Tokenizer, pre_tokenizers
from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_GGUF = os.path.expanduser("~/.cache/strata/models/SmolLM2-135M-Instruct.Q4_1.gguf")

STRINGS = [
    "",
    "a",
    "Hello world",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    " leading space",
    "trailing space ",
    "  two leading spaces",
    "multiple   spaces   inside",
    "   ",
    "tabs\tand\ttabs",
    "\t\tleading tabs",
    "new\nline",
    "double\n\nnewline",
    "\n\n\n",
    "   \n  \n",
    "mixed \t \n whitespace",
    "   trailing spaces and newline   \n",
    "\r\nwindows line\r\n",
    "don't I'll WE'RE you've she'd it's THEY'LL",
    "'s 't 're at the start",
    "Café naïve résumé façade",
    "Ünïcödé ÄÖÜ ß",
    "combining e\u0301 accent",
    "\u00a0non-breaking\u00a0space",
    "zero\u200bwidth",
    "Ελληνικά και русский текст",
    "日本語のテキストです。",
    "中文分词测试",
    "한국어 텍스트",
    "emoji 😀 🎉",
    "🤖🤖🤖",
    "family 👨\u200d👩\u200d👧\u200d👦 ZWJ",
    "flag 🇫🇷 and skin tone 👍🏽",
    "digits 0123456789",
    "long number 3141592653589793238462643383279",
    "1,234,567.89 and -42 and 1e-10",
    "Mixed123Numbers456",
    "x² + y³ = z½",
    "def f(x):\n    return x ** 2  # square\n",
    "for (int i = 0; i < n; ++i) { a[i] = b[i]; }",
    "URL https://example.com/a?b=c&d=e#f",
    "ALL CAPS SHOUTING!!!",
    "<|im_start|>user\nHi<|im_end|>",
    "text<|endoftext|>more",
    "<|im_end|><|im_end|>",
    "<|im_start",
]

CONVERSATIONS = [
    {"messages": [{"role": "user", "content": "What is 2+2?"}], "add_generation_prompt": True},
    {"messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another, please — in français!"},
    ], "add_generation_prompt": True},
    {"messages": [
        {"role": "user", "content": "Hi 👋"},
        {"role": "assistant", "content": "Hello! How can I help?"},
    ], "add_generation_prompt": False},
]


def main():
    args = sys.argv[1:]
    export_dir = None
    if "--export" in args:
        i = args.index("--export")
        export_dir = args[i + 1]
        del args[i:i + 2]
    gguf_path = args[0] if args else DEFAULT_GGUF
    directory, name = os.path.split(os.path.abspath(gguf_path))

    hf = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    backend = hf.backend_tokenizer
    backend.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])

    with tempfile.TemporaryDirectory() as tmp:
        out_dir = export_dir or tmp
        os.makedirs(out_dir, exist_ok=True)
        json_path = os.path.join(out_dir, "tokenizer.json")
        backend.save(json_path)
        plain = Tokenizer.from_file(json_path)
        literal = Tokenizer.from_file(json_path)
        literal.encode_special_tokens = True  # special token texts tokenized as ordinary text

    cases = []
    for text in STRINGS:
        ids = hf(text, add_special_tokens=True)["input_ids"]
        ids_plain = hf(text, add_special_tokens=False)["input_ids"]
        assert ids_plain == plain.encode(text, add_special_tokens=False).ids
        cases.append({
            "text": text,
            "ids": ids,
            "ids_no_special": ids_plain,
            "ids_special_as_text": literal.encode(text, add_special_tokens=False).ids,
            "decoded": hf.decode(ids_plain),
        })

    chats = []
    for conv in CONVERSATIONS:
        text = hf.apply_chat_template(conv["messages"], tokenize=False,
                                      add_generation_prompt=conv["add_generation_prompt"])
        chats.append({**conv, "text": text, "ids": hf(text, add_special_tokens=False)["input_ids"]})

    fixture = {
        "source": os.path.basename(gguf_path),
        "tokenizer": "transformers AutoTokenizer from GGUF; pre-tokenizer Digits(individual) + ByteLevel",
        "bos_token": hf.bos_token,
        "eos_token": hf.eos_token,
        "vocab_size": len(hf),
        "cases": cases,
        "chat": chats,
    }
    with open(os.path.join(HERE, "smollm2_ids.json"), "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} strings and {len(chats)} conversations")


if __name__ == "__main__":
    main()
