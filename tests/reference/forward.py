# SPDX-License-Identifier: Apache-2.0
#
# An independent numpy forward pass for the architectures Sprig runs (qwen3, llama,
# bitnet b1.58), written from the published model descriptions (HF transformers'
# Qwen3 / Llama / BitNet modelling code, llama.cpp's graph names), not from Sprig's C
# code. Float64 throughout, weights dequantized exactly by gguf_reader; the one
# deliberate loss is K and V rounded to float16, as the engine's KV cache stores them.
# The keyword switches on forward() build known-wrong variants, so a conformance test
# can prove its threshold would catch them.
import numpy as np

import gguf_reader

ROPE_NORMAL = "normal"  # rotate adjacent pairs (2i, 2i+1): llama, bitnet
ROPE_NEOX = "neox"      # rotate halves (i, i + d/2): qwen3
ROPE_STYLE = {"qwen3": ROPE_NEOX, "llama": ROPE_NORMAL, "bitnet": ROPE_NORMAL}


class Model:
    """Hyper-parameters and float64 weights of a GGUF model, shaped [rows, row_length]."""

    def __init__(self, path):
        g = gguf_reader.GGUF(path)
        md = g.metadata
        self.arch = arch = md["general.architecture"]
        if arch not in ROPE_STYLE:
            raise ValueError(f"unsupported architecture {arch}")
        self.n_layer = md[f"{arch}.block_count"]
        self.n_embd = md[f"{arch}.embedding_length"]
        self.n_ff = md[f"{arch}.feed_forward_length"]
        self.n_head = md[f"{arch}.attention.head_count"]
        self.n_head_kv = md[f"{arch}.attention.head_count_kv"]
        self.head_dim = md.get(f"{arch}.attention.key_length", self.n_embd // self.n_head)
        self.rope_base = float(md.get(f"{arch}.rope.freq_base", 10000.0))
        self.eps = float(md[f"{arch}.attention.layer_norm_rms_epsilon"])
        self.tensor_types = {name: t[0] for name, t in g.tensors.items()}
        self.w = {name: g.tensor(name) for name in g.tensors}
        self.tied = "output.weight" not in self.w
        self.n_vocab = self.w["token_embd.weight"].shape[0]

    def output_weight(self):
        return self.w["token_embd.weight" if self.tied else "output.weight"]


def rms_norm(x, w, eps):
    """Over the last axis: x / sqrt(mean(x^2) + eps) * w."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def silu(x):
    return x / (1.0 + np.exp(-x))


def rope(x, positions, base, style):
    """Rotary embedding of x [n_tokens, n_heads, head_dim] at the given positions."""
    d = x.shape[-1]
    half = d // 2
    inv_freq = base ** (-2.0 * np.arange(half) / d)             # theta_i / pos
    ang = np.asarray(positions, dtype=np.float64)[:, None] * inv_freq[None, :]
    cos = np.cos(ang)[:, None, :]                               # [n, 1, half]
    sin = np.sin(ang)[:, None, :]
    if style == ROPE_NEOX:
        a, b = x[..., :half], x[..., half:]
    elif style == ROPE_NORMAL:
        a, b = x[..., 0::2], x[..., 1::2]
    else:
        raise ValueError(style)
    ra = a * cos - b * sin
    rb = a * sin + b * cos
    out = np.empty_like(x)
    if style == ROPE_NEOX:
        out[..., :half], out[..., half:] = ra, rb
    else:
        out[..., 0::2], out[..., 1::2] = ra, rb
    return out


def attention(q, k, v, n_head_kv, gqa="div"):
    """Causal GQA attention. q [n, H, d], k/v [n, Hkv, d] -> [n, H*d].

    gqa="div" maps query head h to kv head h // (H / Hkv), as every GQA model does;
    "mod" (h % Hkv) is a wrong variant kept for the self-checks."""
    n, n_head, d = q.shape
    group = n_head // n_head_kv
    heads = np.arange(n_head)
    kv_of = heads // group if gqa == "div" else heads % n_head_kv
    kh = k[:, kv_of, :]                                         # [n, H, d]
    vh = v[:, kv_of, :]
    scores = np.einsum("ihd,jhd->hij", q, kh) / np.sqrt(d)      # [H, n_q, n_k]
    mask = np.triu(np.ones((n, n), dtype=bool), 1)
    scores[:, mask] = -np.inf
    scores -= scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=-1, keepdims=True)
    out = np.einsum("hij,jhd->ihd", p, vh)                      # [n, H, d]
    return out.reshape(n, n_head * d)


def _fp16(x, on):
    return x.astype(np.float16).astype(np.float64) if on else x


def forward(m, tokens, rope_style=None, round_k=True, round_v=True, qk_norm=True,
            gqa="div"):
    """Logits [n_tokens, n_vocab] (float64) for tokens at positions 0..n-1.

    Defaults are the model as the engine must run it; the keywords make wrong variants:
    rope_style (override NEOX/NORMAL), round_k / round_v (fp16 KV cache rounding),
    qk_norm (qwen3's per-head q/k RMSNorm), gqa ("mod" head mapping)."""
    tokens = np.asarray(tokens, dtype=np.int64)
    if tokens.ndim != 1 or len(tokens) == 0 or tokens.min() < 0 or tokens.max() >= m.n_vocab:
        raise ValueError("tokens must be a non-empty list of ids < n_vocab")
    style = rope_style or ROPE_STYLE[m.arch]
    n, d = len(tokens), m.head_dim
    pos = np.arange(n)
    x = m.w["token_embd.weight"][tokens].copy()                 # [n, n_embd]
    for layer in range(m.n_layer):
        w = {k[len(f"blk.{layer}."):]: v for k, v in m.w.items()
             if k.startswith(f"blk.{layer}.")}
        h = rms_norm(x, w["attn_norm.weight"], m.eps)
        q = (h @ w["attn_q.weight"].T).reshape(n, m.n_head, d)
        k = (h @ w["attn_k.weight"].T).reshape(n, m.n_head_kv, d)
        v = (h @ w["attn_v.weight"].T).reshape(n, m.n_head_kv, d)
        if m.arch == "qwen3" and qk_norm:
            q = rms_norm(q, w["attn_q_norm.weight"], m.eps)
            k = rms_norm(k, w["attn_k_norm.weight"], m.eps)
        q = rope(q, pos, m.rope_base, style)
        k = _fp16(rope(k, pos, m.rope_base, style), round_k)
        v = _fp16(v, round_v)
        a = attention(q, k, v, m.n_head_kv, gqa)
        if m.arch == "bitnet":
            a = rms_norm(a, w["attn_sub_norm.weight"], m.eps)
        x = x + a @ w["attn_output.weight"].T
        h = rms_norm(x, w["ffn_norm.weight"], m.eps)
        gate = h @ w["ffn_gate.weight"].T
        up = h @ w["ffn_up.weight"].T
        if m.arch == "bitnet":
            f = rms_norm(np.maximum(gate, 0.0) ** 2 * up, w["ffn_sub_norm.weight"], m.eps)
        else:
            f = silu(gate) * up
        x = x + f @ w["ffn_down.weight"].T
    x = rms_norm(x, m.w["output_norm.weight"], m.eps)
    return x @ m.output_weight().T


def rel_rmse(a, b):
    """sqrt(mean((a-b)^2)) / sqrt(mean(b^2)), b the reference."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.sqrt(np.mean((a - b) ** 2)) / np.sqrt(np.mean(b * b)))
