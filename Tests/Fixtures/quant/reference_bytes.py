#!/usr/bin/env python3
"""The golden bytes of QuantFormatTests.testQuantizersMatchGGMLReferenceBytes: ggml's reference
quantizers, through gguf-py's `quants.quantize`, on x[i] = (((37·i + 11) mod 97) − 48) / 7 for
i < 64 in float32. Prints one hex string per type.

    pip install gguf==0.19.0 numpy
    python3 Tests/Fixtures/quant/reference_bytes.py
"""
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize

x = np.array([(((37 * i + 11) % 97) - 48) for i in range(64)], dtype=np.float32) / np.float32(7)
for name in ["Q4_0", "Q4_1", "Q8_0", "BF16", "F16"]:
    print(name, quantize(x.reshape(1, 64), T[name]).tobytes().hex())
