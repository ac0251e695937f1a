#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# Tests sprig-cli end to end: mkmodel writes models that an independent Python GGUF
# reader (tests/reference/gguf_reader.py) finds correct — names, shapes, types and
# metadata for every architecture and weight type — and that `info`, `tokenize` and
# `detokenize` describe and use correctly; bad input gives a message and exit code 1.
# Usage: test-cli.py SPRIG_CLI. Prints TAP.
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
import gguf_reader  # noqa: E402

CLI = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="sprig-cli-test-")
results = []


def run(*args, check=True):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"sprig-cli {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p


def case(fn):
    try:
        fn()
        results.append((True, fn.__name__, ""))
    except Exception as e:  # noqa: BLE001 - report every failure as TAP
        results.append((False, fn.__name__, f"{type(e).__name__}: {e}"))
    return fn


def expected_tensors(arch, layers, tied):
    names = ["token_embd.weight", "output_norm.weight"] + ([] if tied else ["output.weight"])
    per = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate",
           "ffn_up", "ffn_down"]
    if arch == "qwen3":
        per += ["attn_q_norm", "attn_k_norm"]
    if arch == "bitnet":
        per += ["attn_sub_norm", "ffn_sub_norm"]
    for i in range(layers):
        names += [f"blk.{i}.{p}.weight" for p in per]
    return sorted(names)


def mk(name, *args):
    path = os.path.join(TMP, name)
    run("mkmodel", path, *args)
    return path


@case
def mkmodel_every_arch_and_type():
    for arch, wtype, tid in [("qwen3", "q1_0", 41), ("qwen3", "f32", 0), ("llama", "q8_0", 8),
                             ("bitnet", "tq1_0", 34), ("bitnet", "tq2_0", 35), ("llama", "f16", 1)]:
        path = mk(f"{arch}-{wtype}.gguf", "--arch", arch, "--type", wtype, "--seed", "7")
        g = gguf_reader.GGUF(path)
        assert g.version == 3
        md = g.metadata
        assert md["general.architecture"] == arch
        assert md[f"{arch}.block_count"] == 2 and md[f"{arch}.embedding_length"] == 256
        assert md[f"{arch}.attention.head_count"] == 4
        assert md[f"{arch}.attention.head_count_kv"] == 2
        assert md["tokenizer.ggml.model"] == "gpt2"
        n_vocab = len(md["tokenizer.ggml.tokens"])
        assert len(md["tokenizer.ggml.token_type"]) == n_vocab
        assert sorted(g.tensors) == expected_tensors(arch, 2, True), sorted(g.tensors)
        for name, (ttype, ne, _) in g.tensors.items():
            if "norm" in name:
                assert ttype == 0 and len(ne) == 1, (name, ttype, ne)
            elif name == "token_embd.weight":
                assert ne == [256, n_vocab]
                assert ttype == (1 if wtype.startswith("tq") else tid), (name, ttype)
            else:
                assert ttype == tid, (name, ttype)
        w = g.tensor("blk.1.ffn_down.weight")
        assert w.shape == (256, 512) and abs(w).max() > 0
        # uniform(-a, a) with a = sqrt(3/512): no weight may exceed a by more than rounding
        if wtype in ("f32", "f16"):
            assert abs(w).max() <= (3 / 512) ** 0.5 * 1.001


@case
def mkmodel_shape_and_untied_output():
    path = mk("untied.gguf", "--shape", "layers=3,embd=128,heads=2,kv-heads=1,head-dim=64,"
              "ff=384,tied=0,ctx=64,rope-base=5000")
    g = gguf_reader.GGUF(path)
    assert sorted(g.tensors) == expected_tensors("qwen3", 3, False)
    assert g.tensors["output.weight"][1] == [128, len(g.metadata["tokenizer.ggml.tokens"])]
    assert g.tensors["blk.2.attn_k.weight"][1] == [128, 64]
    assert g.metadata["qwen3.rope.freq_base"] == 5000.0
    assert g.metadata["qwen3.context_length"] == 64


@case
def mkmodel_q1_0_blocks_are_sign_and_mean():
    path = mk("q1.gguf", "--seed", "3")
    g = gguf_reader.GGUF(path)
    raw = g.raw("blk.0.attn_q.weight")
    assert len(raw) == 256 * 256 // 128 * 18
    w = g.tensor("blk.0.attn_q.weight")
    # every block of 128 holds one magnitude d > 0, with both signs present
    blocks = abs(w.reshape(-1, 128))
    assert (blocks.max(axis=1) == blocks.min(axis=1)).all() and (blocks[:, 0] > 0).all()
    assert ((w.reshape(-1, 128) > 0).sum(axis=1) > 20).all()


@case
def mkmodel_is_deterministic():
    a = open(mk("s1.gguf", "--seed", "11"), "rb").read()
    b = open(mk("s2.gguf", "--seed", "11"), "rb").read()
    c = open(mk("s3.gguf", "--seed", "12"), "rb").read()
    assert a == b and a != c


@case
def info_json_matches_file():
    path = mk("info.gguf", "--arch", "llama", "--shape", "tiny,layers=1", "--type", "q8_0")
    info = json.loads(run("info", path, "--json").stdout)
    g = gguf_reader.GGUF(path)
    assert info["architecture"] == "llama" and info["n_layer"] == 1
    assert info["n_vocab"] == len(g.metadata["tokenizer.ggml.tokens"])
    assert info["tensors"]["Q8_0"]["count"] == 7 + 1  # 7 linear + token_embd (tied)
    assert info["tensors"]["F32"]["count"] == 2 + 1
    assert info["file_size"] == os.path.getsize(path)
    assert info["tied_output"] is True
    assert info["chat_template"] == "chatml" and info["chat_template_warning"]
    text = run("info", path).stdout
    assert "architecture:   llama" in text


@case
def tokenize_builtin_vocab_is_bytes():
    path = mk("tok.gguf")
    out = run("tokenize", path, "--text", "hé", "--json").stdout
    assert out == '{"tokens":[104,195,169]}\n', out
    # a control token in the text is text unless --special
    plain = json.loads(run("tokenize", path, "--text", "<|im_end|>", "--json").stdout)
    special = json.loads(run("tokenize", path, "--text", "<|im_end|>", "--special",
                             "--json").stdout)
    assert len(plain["tokens"]) == len("<|im_end|>") and special["tokens"] == [258]
    text = run("detokenize", path, "--tokens", "104,195,169,258").stdout
    assert text == "hé<|im_end|>\n", repr(text)
    hidden = run("detokenize", path, "--tokens", "104,258", "--hide-special").stdout
    assert hidden == "h\n", repr(hidden)
    with open(os.path.join(TMP, "in.txt"), "w", encoding="utf-8") as f:
        f.write("ab\n")
    assert json.loads(run("tokenize", path, "--file", f.name, "--json").stdout)["tokens"] == \
        [97, 98, 10]


@case
def errors_are_messages_and_exit_1():
    path = mk("err.gguf")
    for args, fragment in [
        (["info", os.path.join(TMP, "missing.gguf")], "missing.gguf"),
        (["detokenize", path, "--tokens", "99999999"], "not a token id"),
        (["mkmodel", os.path.join(TMP, "x.gguf"), "--arch", "gpt9"], "gpt9"),
        (["mkmodel", os.path.join(TMP, "x.gguf"), "--type", "q4_k"], "Q4_K"),
        (["mkmodel", os.path.join(TMP, "x.gguf"), "--type", "tq1_0", "--shape", "embd=128"],
         "256"),
        (["mkmodel", os.path.join(TMP, "x.gguf"), "--shape", "heads=3"], "head_count"),
        (["tokenize", path], "--text"),
    ]:
        p = run(*args, check=False)
        assert p.returncode == 1, (args, p.returncode, p.stderr)
        assert fragment in p.stderr, (args, p.stderr)
        assert p.stdout == "", (args, p.stdout)
    assert not os.path.exists(os.path.join(TMP, "x.gguf"))
    p = subprocess.run([CLI, "frobnicate"], capture_output=True, text=True)
    assert p.returncode == 2 and "unknown command" in p.stderr


@case
def truncated_model_is_refused():
    data = open(mk("whole.gguf"), "rb").read()
    for cut in (3, 24, 200, len(data) // 2, len(data) - 1):
        bad = os.path.join(TMP, f"cut{cut}.gguf")
        with open(bad, "wb") as f:
            f.write(data[:cut])
        p = run("info", bad, check=False)
        assert p.returncode == 1 and bad in p.stderr, (cut, p.returncode, p.stderr)


@case
def version_and_help():
    assert run("--version").stdout.startswith("sprig-cli ")
    out = run("--help").stdout
    for cmd in ("info", "tokenize", "detokenize", "mkmodel", "plugins"):
        assert f"  {cmd} " in out, cmd



@case
def info_backends_lists_devices():
    # The test environment has no plugin path: only the built-in reference backend.
    out = json.loads(run("info", "--backends", "--json").stdout)
    names = [b["name"] for b in out]
    assert names[-1] == "reference" and out[-1]["usable"] is True, out
    for b in out:
        assert set(b) == {"name", "usable", "description", "device", "device_memory", "reason"}, b
        assert (b["reason"] is None) == b["usable"], b
        assert isinstance(b["device_memory"], int) and b["device_memory"] >= 0, b
    text = run("info", "--backends").stdout
    assert "reference" in text and "runs on the processor" in text, text
    p = run("info", "--backends", "x.gguf", check=False)
    assert p.returncode == 1 and "no model file" in p.stderr, p.stderr


def gen_json(path, *args):
    out = run("generate", path, "--backend", "reference", "--json", *args).stdout
    assert out.count("\n") == 1, out  # exactly one object on one line
    return json.loads(out)


@case
def generate_json_greedy_is_repeatable():
    path = mk("gen.gguf", "--seed", "5")
    a = gen_json(path, "--prompt", "Hello", "--temp", "0", "-n", "16")
    b = gen_json(path, "--prompt", "Hello", "--temp", "0", "-n", "16")
    assert a["text"] == b["text"] and a["tokens"] == b["tokens"], (a, b)
    assert a["prompt_tokens"] == 5 and a["stop"] in ("eos", "length"), a
    assert all(isinstance(t, int) and 0 <= t < 265 for t in a["tokens"])
    assert len(a["tokens"]) == (16 if a["stop"] == "length" else len(a["tokens"]))
    assert isinstance(a["gen_tok_s"], (int, float)) and a["gen_tok_s"] > 0
    # seeded sampling repeats too; chat mode renders the template around the message
    c = gen_json(path, "--chat", "Hi", "--system", "Be brief", "--seed", "9", "-n", "8")
    d = gen_json(path, "--chat", "Hi", "--system", "Be brief", "--seed", "9", "-n", "8")
    assert c["tokens"] == d["tokens"] and c["prompt_tokens"] > 20, (c, d)
    p = run("generate", path, "--temp", "0", "-n", "4", "--prompt", "Hi", "--backend",
            "reference")
    assert "stop:" in p.stderr and "generated: 4 tokens" in p.stderr, p.stderr
    p = run("generate", path, "-n", "4", check=False)
    assert p.returncode == 1 and "--prompt" in p.stderr and p.stdout == "", p.stderr


@case
def bench_json_fields():
    path = mk("bench.gguf")
    out = run("bench", path, "--pp", "32", "--tg", "8", "--backend", "reference", "--json").stdout
    r = json.loads(out)
    assert r["backend"] == "reference" and r["threads"] == 0, r
    assert r["pp"] == 32 and r["tg"] == 8, r
    assert r["pp_tok_s"] > 0 and r["tg_tok_s"] > 0, r
    assert 0 < r["model_bytes"] < os.path.getsize(path), r
    p = run("bench", path, "--pp", "100000", "--json", check=False)
    assert p.returncode == 1 and "context" in p.stderr, p.stderr


@case
def chat_over_a_pipe_keeps_the_cache():
    import re
    path = mk("chat.gguf")
    p = subprocess.run([CLI, "chat", path, "--backend", "reference", "--temp", "0", "-n", "6"],
                       input="hello\nand more\n/reset\nhello\n", capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    turns = [tuple(int(x) for x in m) for m in
             re.findall(r"prompt: (\d+) tokens, (\d+) evaluated.*generated: (\d+) tokens",
                        p.stderr)]
    assert len(turns) == 3 and "[conversation cleared]" in p.stderr, p.stderr
    (p1, e1, g1), (p2, e2, g2), (p3, e3, g3) = turns
    assert e1 == p1 and g1 == 6
    # turn 2 re-renders turn 1 and its reply: all but the reply's last token is cached
    assert p2 > p1 + g1 and e2 == p2 - (p1 + g1 - 1), turns
    # after /reset the first turn again: its prompt is still the cache's prefix
    assert p3 == p1 and e3 == 1, turns


print(f"1..{len(results)}")
for i, (ok, name, msg) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if msg:
        for line in msg.splitlines():
            print(f"# {line}")
sys.exit(0 if all(ok for ok, _, _ in results) else 1)
