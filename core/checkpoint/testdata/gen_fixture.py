#!/usr/bin/python3
"""Writes the safetensors fixtures of checkpoint's tests with nothing but
struct and json, as an implementation independent of the Go code:

  mixed.safetensors      tensors in F32, F16, BF16, F64 and I64, a scalar,
                         an empty tensor, metadata; the header lists the
                         tensors in another order than the data buffer and
                         uses json.dumps's default spacing.
  canonical.safetensors  F32 tensors laid out the way Encode lays them out
                         (compact JSON, metadata first with sorted keys,
                         tensors in order, spaces to a multiple of 8), so
                         the Go test can compare Encode's bytes with it.
  fixtures.json          what the Go tests should read from both.

Run by hand from this directory: /usr/bin/python3 gen_fixture.py
"""
import json
import struct


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def pack(dtype, values):
    if dtype == "F32":
        return struct.pack("<%df" % len(values), *values)
    if dtype == "F16":
        return struct.pack("<%de" % len(values), *values)
    if dtype == "BF16":  # the top half of the float32 (values chosen exact)
        return b"".join(struct.pack("<f", v)[2:] for v in values)
    if dtype == "F64":
        return struct.pack("<%dd" % len(values), *values)
    if dtype == "I64":
        return struct.pack("<%dq" % len(values), *values)
    raise ValueError(dtype)


def as_float32(dtype, values):
    """The float32 values a reader should get."""
    if dtype == "F16":
        return [struct.unpack("<e", struct.pack("<e", v))[0] for v in values]
    return [f32(float(v)) for v in values]


def layout(tensors):
    """Assign data offsets in the given order; returns (entries, buffer)."""
    entries, buf = {}, b""
    for name, dtype, shape, values in tensors:
        data = pack(dtype, values)
        entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(buf), len(buf) + len(data)]}
        buf += data
    return entries, buf


def write(path, header, buf):
    h = header.encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + buf)


# mixed.safetensors: the data buffer in this order ...
mixed = [
    ("layer.weight", "F32", [2, 3], [1.5, -2.25, 3.0e-5, 0.0, 1e30, -7.0]),
    ("half", "F16", [2, 3], [1.0, -2.5, 65504.0, 2.0 ** -24, -0.0, 1.0 / 3.0]),
    ("brain", "BF16", [4], [1.0, -3.0, 0.15625, 2.0 ** 100]),
    ("double", "F64", [2, 2], [0.1, -1e-3, 1e30, 3.0e38]),
    ("count", "I64", [3], [-3, 2 ** 40, 123456789]),
    ("scalar", "F32", [], [42.5]),
    ("empty", "F32", [0, 3], []),
    ("bias", "F32", [3], [0.25, -0.5, 0.125]),
]
entries, buf = layout(mixed)
header = {"__metadata__": {"format": "pt", "written by": "gen_fixture.py"}}
for name in sorted(entries):  # ... listed in the header alphabetically
    header[name] = entries[name]
write("mixed.safetensors", json.dumps(header), buf)

canonical = [
    ("encoder.0.0.weight", [2, 1, 2, 2], [0.5, -1.0, 2.0, 1e-8, -3.75, 1234.5, 0.1, -0.2]),
    ("encoder.0.0.bias", [2], [0.0, -0.0]),
    ("scalar", [], [3.14159]),
    ("empty", [0], []),
    ("head", [1, 3], [1e-38, 3.4e38, -1.0]),
]
meta = {"zeta": "last", "arch": "conv4", "note": "quotes \" and \\ and \u00e9"}
entries, buf = layout([(n, "F32", s, v) for n, s, v in canonical])
parts = ['"__metadata__":' + json.dumps({k: meta[k] for k in sorted(meta)}, separators=(",", ":"), ensure_ascii=False)]
parts += [json.dumps(n) + ":" + json.dumps(entries[n], separators=(",", ":")) for n, _, _ in canonical]
write("canonical.safetensors", "{" + ",".join(parts) + "}", buf)

with open("fixtures.json", "w") as f:
    json.dump({
        "mixed": {
            "metadata": header["__metadata__"],
            "tensors": [{"name": n, "dtype": d, "shape": s, "values": as_float32(d, v)} for n, d, s, v in mixed],
        },
        "canonical": {
            "metadata": meta,
            "tensors": [{"name": n, "shape": s, "values": as_float32("F32", v)} for n, s, v in canonical],
        },
    }, f, indent=1)
    f.write("\n")
