# SPDX-License-Identifier: Apache-2.0
#
# Qwen3 as Sprig's engine runs it (engine/se-graph.c, tests/reference/forward.py): RMSNorm,
# per-head q/k RMSNorm before NEOX RoPE, grouped-query attention, SwiGLU, untied output.
# Every matrix (embedding and output included) is used in its Q1_0 form: sign(w) * s with
# s = mean|w| over each group of 128 weights along a row, rounded to fp16 as the GGUF
# stores it, and bit = (w >= 0) as the engine's quantizer (so w = 0 counts as +s). The
# latent float weights get the gradient straight through (STE). Norms stay float.
import math

import torch
import torch.nn.functional as F

QK = 128


def q1_0(w):
    """The Q1_0 value of every weight of @w [rows, cols] (cols a multiple of 128)."""
    rows, cols = w.shape
    g = w.reshape(rows, cols // QK, QK)
    s = g.abs().mean(dim=-1, keepdim=True).to(torch.float16).to(torch.float32)
    return torch.where(g >= 0, s, -s).reshape(rows, cols)


def ste(w):
    """Q1_0 forward, identity backward."""
    return w + (q1_0(w) - w).detach()


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * w


class Config:
    def __init__(self, n_vocab, n_layer=4, n_embd=256, n_head=4, n_head_kv=2, head_dim=64,
                 n_ff=768, rope_base=10000.0, eps=1e-6, n_ctx=1024):
        self.n_vocab, self.n_layer, self.n_embd = n_vocab, n_layer, n_embd
        self.n_head, self.n_head_kv, self.head_dim = n_head, n_head_kv, head_dim
        self.n_ff, self.rope_base, self.eps, self.n_ctx = n_ff, rope_base, eps, n_ctx

    def shape_spec(self):
        """The --shape argument of `sprig-cli mkmodel` for this configuration."""
        return (f"layers={self.n_layer},embd={self.n_embd},heads={self.n_head},"
                f"kv-heads={self.n_head_kv},head-dim={self.head_dim},ff={self.n_ff},"
                f"ctx={self.n_ctx},rope-base={self.rope_base:g},eps={self.eps:g},tied=0")

    def as_dict(self):
        return dict(self.__dict__)


class Qwen3(torch.nn.Module):
    def __init__(self, cfg, seed):
        super().__init__()
        self.cfg = c = cfg
        gen = torch.Generator().manual_seed(seed)
        p = {}

        def linear(name, rows, cols):
            p[name] = torch.nn.Parameter(torch.randn(rows, cols, generator=gen) * 0.02)

        def norm(name, n):
            p[name] = torch.nn.Parameter(torch.ones(n))

        q, kv = c.n_head * c.head_dim, c.n_head_kv * c.head_dim
        linear("token_embd.weight", c.n_vocab, c.n_embd)
        for i in range(c.n_layer):
            b = f"blk.{i}."
            norm(b + "attn_norm.weight", c.n_embd)
            linear(b + "attn_q.weight", q, c.n_embd)
            linear(b + "attn_k.weight", kv, c.n_embd)
            linear(b + "attn_v.weight", kv, c.n_embd)
            norm(b + "attn_q_norm.weight", c.head_dim)
            norm(b + "attn_k_norm.weight", c.head_dim)
            linear(b + "attn_output.weight", c.n_embd, q)
            norm(b + "ffn_norm.weight", c.n_embd)
            linear(b + "ffn_gate.weight", c.n_ff, c.n_embd)
            linear(b + "ffn_up.weight", c.n_ff, c.n_embd)
            linear(b + "ffn_down.weight", c.n_embd, c.n_ff)
        norm("output_norm.weight", c.n_embd)
        linear("output.weight", c.n_vocab, c.n_embd)
        self.names = list(p)
        self.params = torch.nn.ParameterDict({k.replace(".", "/"): v for k, v in p.items()})
        half = c.head_dim // 2
        inv = c.rope_base ** (-torch.arange(half, dtype=torch.float64) * 2.0 / c.head_dim)
        ang = torch.arange(c.n_ctx, dtype=torch.float64)[:, None] * inv[None, :]
        self.register_buffer("cos", torch.cos(ang).float(), persistent=False)
        self.register_buffer("sin", torch.sin(ang).float(), persistent=False)

    def p(self, name):
        return self.params[name.replace(".", "/")]

    def is_matrix(self, name):
        return self.p(name).dim() == 2

    def export_tensors(self):
        """name -> float32 tensor exactly as the GGUF will hold it (matrices in Q1_0)."""
        with torch.no_grad():
            return {n: (q1_0(self.p(n)) if self.is_matrix(n) else self.p(n)).detach().clone()
                    for n in self.names}

    def _rope(self, x, n):
        half = self.cfg.head_dim // 2
        cos, sin = self.cos[:n, None, :], self.sin[:n, None, :]
        a, b = x[..., :half], x[..., half:]
        return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)

    @staticmethod
    def _share(kv, group):
        """[B, H_kv, n, d] -> [B, H_kv * group, n, d], each kv head repeated for its group
        (repeat_interleave without its index kernels: the backward is a plain sum)."""
        b, h, n, d = kv.shape
        return kv[:, :, None].expand(b, h, group, n, d).reshape(b, h * group, n, d)

    def forward(self, tokens):
        c = self.cfg
        bsz, n = tokens.shape
        w = {name: (ste(self.p(name)) if self.is_matrix(name) else self.p(name))
             for name in self.names}
        x = F.embedding(tokens, w["token_embd.weight"])
        group = c.n_head // c.n_head_kv
        mask = torch.full((n, n), float("-inf"), device=tokens.device).triu(1)
        for i in range(c.n_layer):
            b = f"blk.{i}."
            h = rms_norm(x, w[b + "attn_norm.weight"], c.eps)
            q = (h @ w[b + "attn_q.weight"].t()).view(bsz, n, c.n_head, c.head_dim)
            k = (h @ w[b + "attn_k.weight"].t()).view(bsz, n, c.n_head_kv, c.head_dim)
            v = (h @ w[b + "attn_v.weight"].t()).view(bsz, n, c.n_head_kv, c.head_dim)
            q = self._rope(rms_norm(q, w[b + "attn_q_norm.weight"], c.eps), n)
            k = self._rope(rms_norm(k, w[b + "attn_k_norm.weight"], c.eps), n)
            q = q.transpose(1, 2)                                   # [B, H, n, d]
            k = self._share(k.transpose(1, 2), group)                # head h -> kv h // group
            v = self._share(v.transpose(1, 2), group)
            att = (q @ k.transpose(-1, -2)) / math.sqrt(c.head_dim) + mask
            a = (att.softmax(dim=-1) @ v).transpose(1, 2).reshape(bsz, n, -1)
            x = x + a @ w[b + "attn_output.weight"].t()
            h = rms_norm(x, w[b + "ffn_norm.weight"], c.eps)
            f = F.silu(h @ w[b + "ffn_gate.weight"].t()) * (h @ w[b + "ffn_up.weight"].t())
            x = x + f @ w[b + "ffn_down.weight"].t()
        x = rms_norm(x, w["output_norm.weight"], c.eps)
        return x @ w["output.weight"].t()
