"""Writes small valid GGUF and safetensors files as fuzzing seeds: make_seeds.py OUTDIR."""
import json, os, struct, sys

out = sys.argv[1]
os.makedirs(f"{out}/gguf", exist_ok=True)
os.makedirs(f"{out}/safetensors", exist_ok=True)

def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b

def gguf(version, kvs, tensors, alignment=32):
    body = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for key, type_id, payload in kvs:
        body += gstr(key) + struct.pack("<I", type_id) + payload
    offset, blobs = 0, []
    for name, dims, ggml_type, data in tensors:
        body += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        body += struct.pack("<IQ", ggml_type, offset)
        blobs.append((offset, data))
        offset = (offset + len(data) + alignment - 1) // alignment * alignment
    body += b"\0" * (-len(body) % alignment)
    data = bytearray(offset)
    for start, blob in blobs:
        data[start:start + len(blob)] = blob
    return body + bytes(data)

kvs = [
    ("general.architecture", 8, gstr("llama")),
    ("llama.block_count", 4, struct.pack("<I", 2)),
    ("general.alignment", 4, struct.pack("<I", 32)),
    ("f", 6, struct.pack("<f", 1.5)), ("d", 12, struct.pack("<d", 2.5)),
    ("b", 7, b"\1"), ("i64", 11, struct.pack("<q", -5)), ("u8", 0, b"\7"),
    ("tokens", 9, struct.pack("<IQ", 8, 2) + gstr("a") + gstr("bc")),
    ("nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 5, 2) + struct.pack("<ii", 1, 2)),
]
tensors = [
    ("a.weight", [4, 2], 0, struct.pack("<8f", *range(8))),
    ("b.weight", [32], 8, bytes(range(34))),
    ("c.weight", [32, 1], 3, bytes(range(20))),
]
with open(f"{out}/gguf/v3.gguf", "wb") as f:
    f.write(gguf(3, kvs, tensors))
with open(f"{out}/gguf/v2.gguf", "wb") as f:
    f.write(gguf(2, kvs[:2], tensors[:1]))
with open(f"{out}/gguf/empty.gguf", "wb") as f:
    f.write(gguf(3, [], []))

def safetensors(entries, metadata=None):
    header, data = {}, b""
    for name, dtype, shape, blob in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, sort_keys=True).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data

with open(f"{out}/safetensors/model.safetensors", "wb") as f:
    f.write(safetensors([("w", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
                         ("h", "F16", [3], bytes(6)), ("b", "BF16", [1, 1], bytes(2))],
                        {"format": "pt", "s": "\u00e9\\n"}))
with open(f"{out}/safetensors/empty.safetensors", "wb") as f:
    f.write(safetensors([]))
