#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# Engine conformance: the logits `sprig-cli logits --backend reference` writes for models
# made by `sprig-cli mkmodel` (qwen3, llama, bitnet; Q1_0, TQ1_0, TQ2_0, Q8_0, BF16, F32)
# against an independent numpy forward pass (tests/reference/forward.py), for prompts of
# 1 to 100 tokens, in one batch and through the KV cache. First the reference is checked
# on its own, then that the threshold catches known-wrong variants of it.
# Usage: test-conformance.py SPRIG_CLI. Prints TAP; rel-RMSE numbers go in comment lines.
#
# The noise floor: the engine computes K and V in float32 and the reference in float64, so
# now and then the two round one K/V element to different fp16 neighbours, and that one ulp
# (2^-11 relative) moves the logits by up to a few 1e-5. A correct float32 engine lands at
# 1e-7 to 7e-5 here, and over random prompts past 1e-4 about once in 50-100 prompts; the
# seeds below are fixed, so a failure is reproducible, but one just over TOL after a change
# to the engine's summation order may be that and not a bug: compare with its neighbours.
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
import forward as F  # noqa: E402
import gguf_reader  # noqa: E402
import tap  # noqa: E402
from tap import case, finish  # noqa: E402

CLI = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="sprig-conformance-")
LENGTHS = (1, 2, 7, 33, 100)
KV_LENGTHS = (33, 100)
KV_BATCHES = (1, 5)
TOL = 1e-4          # engine vs numpy, rel-RMSE over all positions
TOL_BATCH = 1e-6    # engine batched vs engine token by token
FP16_MARGIN = 3     # at 100 tokens the engine must be this much closer to the fp16-KV
                    # reference than to one without the rounding
# name, arch, type, extra shape keys. The shapes vary what tiny (2 layers, embd 256, 4/2
# heads of 64, ff 512) leaves fixed: head_dim * heads != embd, GQA 4 and 8, no GQA,
# another rope base and eps, three layers.
MODELS = [
    ("qwen3-q1_0-tied", "qwen3", "q1_0", ""),
    ("qwen3-q1_0-untied", "qwen3", "q1_0", ",tied=0,head-dim=128"),
    ("qwen3-f32", "qwen3", "f32", ",heads=8,kv-heads=1,head-dim=32"),
    ("qwen3-bf16", "qwen3", "bf16", ",tied=0"),
    ("llama-q1_0", "llama", "q1_0", ",rope-base=10000,eps=1e-5"),
    ("llama-f32", "llama", "f32", ",kv-heads=4"),
    ("llama-q8_0", "llama", "q8_0", ",tied=0"),
    ("bitnet-tq1_0", "bitnet", "tq1_0", ""),
    ("bitnet-tq2_0", "bitnet", "tq2_0", ",heads=8,kv-heads=2,head-dim=32"),
    ("bitnet-f32", "bitnet", "f32", ",layers=3,ff=384"),
]

_models = {}    # name -> (path, forward.Model)
_engine = {}    # (name, tokens, batch) -> engine logits


def cli(*args):
    return tap.run(CLI, *args)


def model(name):
    if name not in _models:
        _, arch, wtype, shape = next(m for m in MODELS if m[0] == name)
        seed = str(10 + [m[0] for m in MODELS].index(name))
        path = os.path.join(TMP, name + ".gguf")
        cli("mkmodel", path, "--arch", arch, "--type", wtype, "--shape", "tiny" + shape,
            "--seed", seed)
        _models[name] = (path, F.Model(path))
    return _models[name]


def prompt(m, n, salt):
    rng = np.random.default_rng(1000 * salt + n)
    return [int(t) for t in rng.integers(0, m.n_vocab, n)]


def engine_logits(name, tokens, batch=None, backend="reference"):
    key = (name, tuple(tokens), batch, backend)
    if key not in _engine:
        path, m = model(name)
        out = os.path.join(TMP, f"{name}-{len(tokens)}-{batch}-{backend}.f32")
        cli("logits", path, "--tokens", ",".join(map(str, tokens)), "--out", out,
            "--backend", backend, "--batch", str(batch or len(tokens)))
        a = np.fromfile(out, dtype="<f4").astype(np.float64)
        assert a.size == len(tokens) * m.n_vocab, \
            f"{out}: {a.size} floats, expected {len(tokens)} x {m.n_vocab}"
        _engine[key] = a.reshape(len(tokens), m.n_vocab)
    return _engine[key]


def check_argmax(a, ref, what):
    """Same argmax at every position. Where they differ, the reference's two candidates must
    be closer than twice the largest error in that row (a near-tie the rounding may decide
    either way, counted and reported); the rel-RMSE gate bounds that error."""
    ea, ra = a.argmax(axis=1), ref.argmax(axis=1)
    ties = 0
    for pos in np.nonzero(ea != ra)[0]:
        gap = ref[pos, ra[pos]] - ref[pos, ea[pos]]
        err = np.abs(a[pos] - ref[pos]).max()
        assert gap <= 2 * err, \
            f"{what}: argmax differs at position {pos}: engine {ea[pos]}, numpy {ra[pos]}"
        ties += 1
    return ties


# --- The reference on its own -------------------------------------------------------------

def _f16_bytes(d):
    return np.array([d], dtype="<f2").tobytes()


@case("reference/dequantize-packed-by-hand")
def _(notes):
    # Blocks packed the way ggml's reference quantizers pack them (ggml-quants.c), from
    # chosen values, must dequantize back to those values.
    rng = np.random.default_rng(7)
    d = 0.375
    signs = rng.integers(0, 2, 128)
    qs = np.packbits(signs.astype(np.uint8), bitorder="little").tobytes()
    got = gguf_reader.dequantize(41, _f16_bytes(d) + qs)
    assert np.array_equal(got, np.where(signs == 1, d, -d)), "Q1_0"

    trits = rng.integers(-1, 2, 256)
    qs = bytearray(64)
    for i, t in enumerate(trits):                     # element 128c + 32n + m
        c, n, m = i // 128, i % 128 // 32, i % 32
        qs[32 * c + m] |= (int(t) + 1) << (2 * n)
    got = gguf_reader.dequantize(35, bytes(qs) + _f16_bytes(d))
    assert np.array_equal(got, trits * d), "TQ2_0"

    x = iter(trits)
    groups = [[[next(x) for _ in range(32)] for _ in range(5)],   # [n][m], 32 bytes
              [[next(x) for _ in range(16)] for _ in range(5)],   # 16 bytes
              [[next(x) for _ in range(4)] for _ in range(4)]]    # qh: 4 trits + 0
    packed = bytearray()
    for g in groups:
        for m in range(len(g[0])):
            q = 0
            for n in range(5):
                q = q * 3 + (g[n][m] + 1 if n < len(g) else 0)
            packed.append((q * 256 + 242) // 243)
    got = gguf_reader.dequantize(34, bytes(packed) + _f16_bytes(d))
    assert np.array_equal(got, trits * d), "TQ1_0"


@case("reference/rope")
def _(notes):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 3, 16))
    pos = np.arange(6) + 2
    for style in (F.ROPE_NEOX, F.ROPE_NORMAL):
        r = F.rope(x, pos, 100.0, style)
        assert np.allclose(np.linalg.norm(r, axis=-1), np.linalg.norm(x, axis=-1)), style
        assert np.allclose(F.rope(x, np.zeros(6), 100.0, style), x), style
        # <rope(q, i), rope(k, j)> depends on i - j only
        q, k = x[0, 0], x[1, 0]
        dots = [F.rope(q[None, None], [i + s], 100.0, style)[0, 0]
                @ F.rope(k[None, None], [s], 100.0, style)[0, 0] for i, s in ((3, 0), (3, 40))]
        assert np.isclose(*dots), style
    # Hand-worked: d = 4, base 100, position 1: pair 0 turns by 1 rad, pair 1 by 0.1 rad.
    v = np.array([[[1.0, 2.0, 3.0, 4.0]]])
    c1, s1, c2, s2 = np.cos(1), np.sin(1), np.cos(0.1), np.sin(0.1)
    neox = [1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 1 * s1 + 3 * c1, 2 * s2 + 4 * c2]
    normal = [1 * c1 - 2 * s1, 1 * s1 + 2 * c1, 3 * c2 - 4 * s2, 3 * s2 + 4 * c2]
    assert np.allclose(F.rope(v, [1], 100.0, F.ROPE_NEOX)[0, 0], neox)
    assert np.allclose(F.rope(v, [1], 100.0, F.ROPE_NORMAL)[0, 0], normal)


def forward_by_token(m, tokens):
    """The same model written the other way round: one token at a time, one head at a
    time, an explicit cache of K and V, plain loops. No fp16 rounding."""
    style = F.ROPE_STYLE[m.arch]
    d, group = m.head_dim, m.n_head // m.n_head_kv
    cache = [([], []) for _ in range(m.n_layer)]
    out = []
    for pos, tok in enumerate(tokens):
        x = m.w["token_embd.weight"][tok].copy()
        for layer in range(m.n_layer):
            def w(n, layer=layer):
                return m.w[f"blk.{layer}.{n}.weight"]
            h = F.rms_norm(x, w("attn_norm"), m.eps)
            q, k, v = (w("attn_q") @ h), (w("attn_k") @ h), (w("attn_v") @ h)
            heads_k, heads_v = [], []
            for j in range(m.n_head_kv):
                kj = k[j * d:(j + 1) * d]
                if m.arch == "qwen3":
                    kj = F.rms_norm(kj, w("attn_k_norm"), m.eps)
                heads_k.append(F.rope(kj[None, None], [pos], m.rope_base, style)[0, 0])
                heads_v.append(v[j * d:(j + 1) * d])
            cache[layer][0].append(heads_k)
            cache[layer][1].append(heads_v)
            att = []
            for hd in range(m.n_head):
                qh = q[hd * d:(hd + 1) * d]
                if m.arch == "qwen3":
                    qh = F.rms_norm(qh, w("attn_q_norm"), m.eps)
                qh = F.rope(qh[None, None], [pos], m.rope_base, style)[0, 0]
                s = np.array([qh @ ks[hd // group] for ks in cache[layer][0]]) / np.sqrt(d)
                p = np.exp(s - s.max())
                p /= p.sum()
                att.append(sum(pi * vs[hd // group] for pi, vs in zip(p, cache[layer][1])))
            a = np.concatenate(att)
            if m.arch == "bitnet":
                a = F.rms_norm(a, w("attn_sub_norm"), m.eps)
            x = x + w("attn_output") @ a
            h = F.rms_norm(x, w("ffn_norm"), m.eps)
            g, u = w("ffn_gate") @ h, w("ffn_up") @ h
            if m.arch == "bitnet":
                f = F.rms_norm(np.where(g > 0, g * g, 0.0) * u, w("ffn_sub_norm"), m.eps)
            else:
                f = g / (1 + np.exp(-g)) * u
            x = x + w("ffn_down") @ f
        out.append(m.output_weight() @ F.rms_norm(x, m.w["output_norm.weight"], m.eps))
    return np.array(out)


@case("reference/two-ways-agree")
def _(notes):
    for name in ("qwen3-q1_0-untied", "llama-q1_0", "bitnet-tq2_0"):
        _, m = model(name)
        toks = prompt(m, 9, 99)
        ref = F.forward(m, toks, round_k=False, round_v=False)
        e = F.rel_rmse(forward_by_token(m, toks), ref)
        notes.append(f"{name}: token-by-token vs batched numpy rel-RMSE {e:.2e}")
        assert e < 1e-12, (name, e)
        # causal: a prefix's logits do not depend on what follows it
        e = F.rel_rmse(F.forward(m, toks[:4], round_k=False, round_v=False), ref[:4])
        assert e < 1e-12, (name, "prefix", e)


# --- The engine against the reference ------------------------------------------------------

def engine_case(idx, name):
    @case(f"engine/{name}")
    def _(notes):
        _, m = model(name)
        for n in LENGTHS:
            toks = prompt(m, n, idx)
            ref = F.forward(m, toks)
            a = engine_logits(name, toks)
            e = F.rel_rmse(a, ref)
            notes.append(f"{name} n={n:3}: rel-RMSE {e:.2e}")
            assert e < TOL, f"{name} n={n}: rel-RMSE {e:.3e} >= {TOL}"
            ties = check_argmax(a, ref, f"{name} n={n}")
            if ties:
                notes.append(f"{name} n={n:3}: {ties} argmax near-ties")
            if n in KV_LENGTHS:
                for b in KV_BATCHES:
                    ab = engine_logits(name, toks, b)
                    eb, er = F.rel_rmse(ab, a), F.rel_rmse(ab, ref)
                    notes.append(f"{name} n={n:3} --batch {b}: vs one batch {eb:.2e}, "
                                 f"vs numpy {er:.2e}")
                    assert eb < TOL_BATCH, f"{name} n={n} batch {b}: {eb:.3e} vs one batch"
                    assert er < TOL, f"{name} n={n} batch {b}: {er:.3e} vs numpy"
                    check_argmax(ab, ref, f"{name} n={n} batch {b}")
        # The KV cache holds fp16: the engine sits far closer to the reference that rounds
        # K and V than to one that does not (toks, a, e: the longest prompt's).
        e_kv = F.rel_rmse(a, F.forward(m, toks, round_k=False, round_v=False))
        notes.append(f"{name} n={len(toks)} against numpy without fp16 K/V: {e_kv:.2e}")
        assert e * FP16_MARGIN < e_kv, \
            f"{name}: engine not clearly closer to the fp16-KV reference ({e:.2e} vs {e_kv:.2e})"


for i, (name, *_) in enumerate(MODELS):
    engine_case(i, name)


# --- The CPU backend plugin against the reference -------------------------------------------
# Its kernels may quantize activations to int8 (Q1_0's lookup tables): those models get the
# issue's 3%; float weights must stay as close as the reference backend is.
CPU_TOL = {"q1_0": 3e-2, "tq1_0": 3e-2, "tq2_0": 3e-2, "q8_0": 3e-2,
           "f32": 2e-4, "f16": 2e-4, "bf16": 2e-4}


def cpu_case(idx, name, wtype):
    @case(f"cpu/{name}")
    def _(notes):
        _, m = model(name)
        tol = CPU_TOL[wtype]
        for n in (7, 100):
            toks = prompt(m, n, idx)
            ref = F.forward(m, toks)
            a = engine_logits(name, toks, backend="cpu")
            e = F.rel_rmse(a, ref)
            notes.append(f"{name} n={n:3} cpu: rel-RMSE {e:.2e} (bound {tol:g})")
            assert e < tol, f"{name} n={n} cpu: rel-RMSE {e:.3e} >= {tol}"
            ties = check_argmax(a, ref, f"{name} n={n} cpu")
            if ties:
                notes.append(f"{name} n={n:3} cpu: {ties} argmax near-ties")
            ab = engine_logits(name, toks, 1, backend="cpu")
            eb = F.rel_rmse(ab, ref)
            notes.append(f"{name} n={n:3} cpu --batch 1: rel-RMSE {eb:.2e}")
            assert eb < tol, f"{name} n={n} cpu batch 1: rel-RMSE {eb:.3e} >= {tol}"


if os.environ.get("SPRIG_PLUGIN_PATH"):
    for i, (name, _, wtype, _) in enumerate(MODELS):
        cpu_case(i, name, wtype)
else:
    tap.results.append((False, "cpu", ["SPRIG_PLUGIN_PATH does not name the CPU plugin's folder"]))


@case("threshold-catches-wrong-references")
def _(notes):
    # Known-wrong variants of the reference, against the engine's logits for 100 tokens,
    # must all be outside the threshold the engine is held to.
    wrong = {
        "qwen3-q1_0-tied": [("NORMAL rope", dict(rope_style=F.ROPE_NORMAL)),
                            ("no q/k norm", dict(qk_norm=False)),
                            ("GQA h % n_kv", dict(gqa="mod")),
                            ("no fp16 K/V", dict(round_k=False, round_v=False))],
        "llama-q1_0": [("NEOX rope", dict(rope_style=F.ROPE_NEOX))],
        "bitnet-tq1_0": [("NEOX rope", dict(rope_style=F.ROPE_NEOX)),
                         ("GQA h % n_kv", dict(gqa="mod")),
                         ("no fp16 V", dict(round_v=False))],
    }
    for name, variants in wrong.items():
        _, m = model(name)
        toks = prompt(m, 100, [x[0] for x in MODELS].index(name))
        a = engine_logits(name, toks)
        for what, kw in variants:
            e = F.rel_rmse(a, F.forward(m, toks, **kw))
            notes.append(f"{name} n=100, reference with {what}: rel-RMSE {e:.2e}")
            assert e >= TOL, f"{name}: a reference with {what} passes ({e:.3e} < {TOL})"


shutil.rmtree(TMP, ignore_errors=True)
finish()
