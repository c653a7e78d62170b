#!/usr/bin/env python3
"""Word splits of the four pre-tokenizer families, made with Python's `regex` module running the
families' regex strings (as in Sources/Compute/Text/PreTokenizer.swift's doc comment). smollm
splits every \\p{N} scalar off alone first, then runs gpt2's regex on the pieces between.
Writes pretokenizer_splits.json, which TokenizerPreTokenizerTests checks Strata's scanners against.

    pip install regex
    python3 Tests/Fixtures/tokenizer/pretokenizer_splits.py
"""
import json
from pathlib import Path

import regex

HERE = Path(__file__).resolve().parent
GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3 = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"""
          r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")
QWEN2 = LLAMA3.replace(r"\p{N}{1,3}", r"\p{N}")

TEXTS = [
    "Hello world", "don't I'll WE'RE", "  two  spaces   here", "a\tb\t\tc", "line\n\n  next\n", "x=1234567;",
    "Café 日本語 😀!", "'hello' \"q\"", "  \n\t end  ", "\u00a0nbsp x", "He said:\"ok\"...\r\nYes", "x² ½",
]


def split(pattern, text):
    return regex.findall(pattern, text)


def smollm(text):
    pieces = []
    for part in regex.split(r"(\p{N})", text):
        if regex.fullmatch(r"\p{N}", part):
            pieces.append(part)
        elif part:
            pieces += split(GPT2, part)
    return pieces


splits = {
    "gpt2": [[t, split(GPT2, t)] for t in TEXTS],
    "smollm": [[t, smollm(t)] for t in TEXTS],
    "llama3": [[t, split(LLAMA3, t)] for t in TEXTS],
    "qwen2": [[t, split(QWEN2, t)] for t in TEXTS],
}
(HERE / "pretokenizer_splits.json").write_text(json.dumps(splits, ensure_ascii=False, indent=1) + "\n")
