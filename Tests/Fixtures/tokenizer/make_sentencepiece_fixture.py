#!/usr/bin/env python3
"""Writes sentencepiece_tiny.json: a tiny SentencePiece BPE model (trained here on a few
English sentences, with byte fallback and Llama 2's settings: identity normalization, spaces
kept, a dummy "▁" prefix) and the ids `sentencepiece` gives for test strings.

Usage: python3 make_sentencepiece_fixture.py
"""
import json
import os
import tempfile

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))

CORPUS = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog met on a mat",
    "hello world, hello there",
    "there is the other cat",
    "at the mat the cat sat",
] * 20

STRINGS = [
    "the cat", "hello world", "the  mat", " leading", "trailing ", "théâtre ☃",
    "unseen qxz", "cat\ndog", "", "a", "sat on the mat hello there",
]

# SentencePiece piece types, as llama.cpp's token_type numbers.
TYPE = {"normal": 1, "unknown": 2, "control": 3, "user_defined": 4, "unused": 5, "byte": 6}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w") as f:
            f.write("\n".join(CORPUS))
        prefix = os.path.join(tmp, "tiny")
        spm.SentencePieceTrainer.train(
            input=corpus, model_prefix=prefix, model_type="bpe", vocab_size=300,
            byte_fallback=True, character_coverage=1.0, add_dummy_prefix=True,
            normalization_rule_name="identity", remove_extra_whitespaces=False,
            bos_id=1, eos_id=2, unk_id=0, pad_id=-1, minloglevel=2)
        sp = spm.SentencePieceProcessor(model_file=prefix + ".model")

    def kind(i):
        if sp.is_unknown(i): return TYPE["unknown"]
        if sp.is_control(i): return TYPE["control"]
        if sp.is_byte(i): return TYPE["byte"]
        if sp.is_unused(i): return TYPE["unused"]
        return TYPE["normal"]

    n = sp.get_piece_size()
    fixture = {
        "tokens": [sp.id_to_piece(i) for i in range(n)],
        "scores": [sp.get_score(i) for i in range(n)],
        "token_types": [kind(i) for i in range(n)],
        "bos_id": sp.bos_id(), "eos_id": sp.eos_id(), "unk_id": sp.unk_id(),
        "cases": [{"text": s, "ids": sp.encode(s), "decoded": sp.decode(sp.encode(s))} for s in STRINGS],
    }
    with open(os.path.join(HERE, "sentencepiece_tiny.json"), "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {n} pieces and {len(STRINGS)} cases")


if __name__ == "__main__":
    main()
