#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# What the demo model does at temperature 0 on fresh conversations (a seed the training
# never used), per kind: does it call the right tool, copy the expression, quote the tool
# result, greet, refuse. Runs the engine (`sprig-cli generate --prompt`) on prompts
# rendered by demo_data.render_qwen3 with thinking off, which is byte for byte what the
# engine's own template renders. Prints a Markdown table for docs/demo-model.md, with the
# two checks of tests/test-demo-model.c that need numbers copied on top.
# Usage: evaluate.py [--model GGUF] [--cli SPRIG_CLI] [--n N] [--jobs J]
import argparse
import concurrent.futures
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import demo_data as D  # noqa: E402


def generate(args, messages, tools):
    prompt = D.render_qwen3(messages, tools, add_generation_prompt=True, enable_thinking=False)
    cmd = [args.cli, "generate", args.model, "--prompt", prompt, "--temp", "0", "-n", "96",
           "--json"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env=dict(os.environ, SPRIG_PLUGIN_PATH=args.plugins))
    return json.loads(out.stdout)["text"]


def parse_call(text):
    try:
        body = text.split("<tool_call>\n", 1)[1].split("\n</tool_call>", 1)[0]
        return json.loads(body)
    except (IndexError, ValueError):
        return None


# The cases of tests/test-demo-model.c (those it checks with numbers): user message, tool
# result (None: the first reply), what the reply must contain.
DEMO_TEST_CASES = [
    ("demo test: 417 * 23 called with both numbers", "What is 417 * 23?", None,
     ["417", "23"]),
    ("demo test: the answer quotes 9591", "What is 417 * 23?", "9591", ["9591"]),
]


def demo_test_tasks():
    tasks = []
    for key, question, result, want in DEMO_TEST_CASES:
        messages = [{"role": "user", "content": question}]
        if result is not None:
            messages += [D._call("calculator", {"expression": "417 * 23"}),
                         {"role": "tool", "content": result}]

        def check(text, want=want, first=result is None):
            if first:
                call = parse_call(text)
                expr = str((call or {}).get("arguments", {}).get("expression", ""))
                return all(w in expr for w in want)
            return all(w in text for w in want)
        tasks.append((key, messages, check))
    return tasks


def sampled_tasks(rng, n):
    """(row, messages, check) for @n rounds of fresh conversations; the rng is drawn
    exactly as it always was, so a seed gives the same prompts."""
    tasks = []
    for _ in range(n):
        conv = D.arithmetic(rng)
        expr = conv[1]["tool_calls"][0]["arguments"]["expression"]
        tasks.append(("calculator called", conv[:1],
                      lambda t: (parse_call(t) or {}).get("name") == "calculator"))
        tasks.append(("expression copied exactly", conv[:1], lambda t, e=expr:
                      (parse_call(t) or {}).get("arguments") == {"expression": e}))
        result = conv[2]["content"]
        if not result.startswith("Error"):
            want = D._fmt(json.loads(result)["result"]) if result.startswith("{") else result
            tasks.append(("answer quotes the tool result", conv[:3], lambda t, w=want: w in t))
        conv = D.clock(rng)
        tasks.append(("clock called", conv[:1],
                      lambda t: (parse_call(t) or {}).get("name") == "clock"))
        want = json.loads(conv[2]["content"])
        tasks.append(("clock answer quotes the time or date", conv[:3],
                      lambda t, w=want: w["time"] in t or w["date"] in t or w["weekday"] in t))
        tasks.append(("greeting answered without a tool",
                      [{"role": "user", "content": rng.choice(D.GREETINGS)}],
                      lambda t: "<tool_call>" not in t
                      and t.lower().startswith(("hello", "hi", "hey"))))
        conv = D.help_turn(rng)
        q = conv[0]["content"].lower()
        group = next(a for qs, a in D.HELP if q in [x.lower() for x in qs])
        tasks.append(("help question answered (on topic)", conv[:1], lambda t, g=group: t in g))
        conv = D.fallback(rng)
        tasks.append(("other question refused", conv[:1], lambda t: t in D.FALLBACK_REPLIES))
    return tasks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "data", "models", "sprig-demo.gguf"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "_build", "engine", "cli", "sprig-cli"))
    ap.add_argument("--plugins", default=os.path.join(ROOT, "_build", "plugins", "cpu"))
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=424242)
    ap.add_argument("--jobs", type=int, default=1, help="engine processes at a time")
    ap.add_argument("--threads", type=int, default=0, help="threads of each (0: the engine's)")
    ap.add_argument("--show", action="store_true", help="print every failed reply")
    args = ap.parse_args()
    tasks = demo_test_tasks() + sampled_tasks(random.Random(args.seed), args.n)
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        texts = list(pool.map(lambda t: generate(args, t[1], D.TOOLS), tasks))
    rows = {}
    for (key, messages, check), text in zip(tasks, texts):
        ok = bool(check(text))
        rows.setdefault(key, [0, 0])
        rows[key][0] += ok
        rows[key][1] += 1
        if args.show and not ok:
            print(f"FAILED {key}: {messages[-1]['content']!r} -> {text!r}")

    print("| behaviour (temperature 0, unseen prompts) | passed |")
    print("|---|---|")
    for key, (ok, n) in rows.items():
        print(f"| {key} | {ok} / {n} |")

if __name__ == "__main__":
    main()
