# SPDX-License-Identifier: Apache-2.0
#
# An independent GGUF reader for the tests, written from the GGUF spec (ggml
# docs/gguf.md), not from Sprig's C code: metadata, tensor infos, and dequantization
# of the tensor types Sprig runs (numpy). The numpy reference forward pass and the
# CLI tests read models through this.
import struct

import numpy as np

GGUF_MAGIC = b"GGUF"
SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
          10: "<Q", 11: "<q", 12: "<d"}
TYPE_NAMES = {0: "F32", 1: "F16", 8: "Q8_0", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0",
              41: "Q1_0"}
# (elements per block, bytes per block)
BLOCK = {0: (1, 4), 1: (1, 2), 30: (1, 2), 8: (32, 34), 34: (256, 54), 35: (256, 66),
         41: (128, 18)}


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError(f"truncated at {self.pos} (+{n})")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def scalar(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self):
        return self.take(self.scalar("<Q")).decode("utf-8")

    def value(self, vtype):
        if vtype in SCALAR:
            return self.scalar(SCALAR[vtype])
        if vtype == 8:
            return self.string()
        if vtype == 9:
            etype = self.scalar("<I")
            n = self.scalar("<Q")
            return [self.value(etype) for _ in range(n)]
        raise ValueError(f"unknown value type {vtype}")


class GGUF:
    """metadata: dict key -> value; tensors: dict name -> (type, shape ne, offset)."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        r = Reader(self.data)
        if r.take(4) != GGUF_MAGIC:
            raise ValueError("not a GGUF file")
        self.version = r.scalar("<I")
        n_tensors = r.scalar("<Q")
        n_kv = r.scalar("<Q")
        self.metadata = {}
        for _ in range(n_kv):
            key = r.string()
            self.metadata[key] = r.value(r.scalar("<I"))
        self.tensors = {}
        for _ in range(n_tensors):
            name = r.string()
            n_dims = r.scalar("<I")
            ne = [r.scalar("<Q") for _ in range(n_dims)]
            ttype = r.scalar("<I")
            offset = r.scalar("<Q")
            self.tensors[name] = (ttype, ne, offset)
        align = self.metadata.get("general.alignment", 32)
        self.data_start = (r.pos + align - 1) // align * align

    def raw(self, name):
        ttype, ne, offset = self.tensors[name]
        per, nbytes = BLOCK[ttype]
        n = int(np.prod(ne))
        start = self.data_start + offset
        return self.data[start:start + n // per * nbytes]

    def tensor(self, name):
        """The tensor as float64, shaped [ne1, ne0] (rows of ne0)."""
        ttype, ne, _ = self.tensors[name]
        flat = dequantize(ttype, self.raw(name))
        return flat.reshape(list(reversed(ne)))


def _f16(b):
    return np.frombuffer(b, dtype="<f2").astype(np.float64)


def dequantize(ttype, raw):
    if ttype == 0:
        return np.frombuffer(raw, dtype="<f4").astype(np.float64)
    if ttype == 1:
        return _f16(raw)
    if ttype == 30:
        u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return u.view(np.float32).astype(np.float64)
    per, nbytes = BLOCK[ttype]
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, nbytes)
    if ttype == 41:  # Q1_0: d, then 128 sign bits LSB first; 1 -> +d, 0 -> -d
        d = _f16(blocks[:, :2].tobytes())[:, None]
        bits = np.unpackbits(blocks[:, 2:], axis=1, bitorder="little")
        return (d * np.where(bits == 1, 1.0, -1.0)).reshape(-1)
    if ttype == 8:  # Q8_0: d, 32 int8
        d = _f16(blocks[:, :2].tobytes())[:, None]
        q = blocks[:, 2:].view(np.int8).astype(np.float64)
        return (d * q).reshape(-1)
    if ttype == 35:  # TQ2_0: 64 bytes of 2-bit codes, then d; element 128c+32n+m
        d = _f16(blocks[:, 64:66].tobytes())[:, None]
        qs = blocks[:, :64].reshape(-1, 2, 32)          # [block, c, m]
        out = np.empty((len(blocks), 2, 4, 32))          # [block, c, n, m]
        for n in range(4):
            out[:, :, n, :] = ((qs >> (2 * n)) & 3).astype(np.float64) - 1.0
        return (out.reshape(len(blocks), 256) * d).reshape(-1)
    if ttype == 34:
        return _dequant_tq1_0(blocks)
    raise ValueError(f"cannot dequantize type {ttype}")


def _trits(byte_vals, n):
    # byte stores ceil(q * 256 / 243); trit n (most significant first) = (b * 3^n * 3) >> 8
    pow3 = [1, 3, 9, 27, 81, 243]
    q = (byte_vals.astype(np.uint32) * pow3[n]) & 0xFF
    return ((q * 3) >> 8).astype(np.float64) - 1.0


def _dequant_tq1_0(blocks):
    d = _f16(blocks[:, 52:54].tobytes())[:, None]
    qs = blocks[:, :48]
    qh = blocks[:, 48:52]
    parts = []
    # first 32 bytes: 5 trits each -> 160 values, ordered n-major over 32 bytes
    for n in range(5):
        parts.append(_trits(qs[:, :32], n))
    # next 16 bytes: 5 trits each -> 80 values, n-major over 16 bytes
    for n in range(5):
        parts.append(_trits(qs[:, 32:48], n))
    # qh: 4 bytes, 4 trits each -> 16 values, n-major over 4 bytes
    for n in range(4):
        parts.append(_trits(qh, n))
    return (np.concatenate(parts, axis=1) * d).reshape(-1)
