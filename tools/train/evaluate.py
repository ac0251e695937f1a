#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# What the demo model does at temperature 0 on fresh conversations (a seed the training
# never used), per kind: does it call the right tool, copy the expression, quote the tool
# result, greet, refuse. Runs the engine (`sprig-cli generate --prompt`) on prompts
# rendered by demo_data.render_qwen3 with thinking off, which is byte for byte what the
# engine's own template renders. Prints a Markdown table for docs/demo-model.md.
# Usage: evaluate.py [--model GGUF] [--cli SPRIG_CLI] [--n N]
import argparse
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
    out = subprocess.run([args.cli, "generate", args.model, "--prompt", prompt, "--temp", "0",
                          "-n", "96", "--json"], check=True, capture_output=True, text=True,
                         env=dict(os.environ, SPRIG_PLUGIN_PATH=args.plugins))
    return json.loads(out.stdout)["text"]


def parse_call(text):
    try:
        body = text.split("<tool_call>\n", 1)[1].split("\n</tool_call>", 1)[0]
        return json.loads(body)
    except (IndexError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "data", "models", "sprig-demo.gguf"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "_build", "engine", "cli", "sprig-cli"))
    ap.add_argument("--plugins", default=os.path.join(ROOT, "_build", "plugins", "cpu"))
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=424242)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    rows = {k: [0, 0] for k in ("calculator called", "expression copied exactly",
                                "answer quotes the tool result", "clock called",
                                "clock answer quotes the time or date",
                                "greeting answered without a tool",
                                "help question answered (on topic)",
                                "other question refused")}

    def score(key, ok):
        rows[key][0] += bool(ok)
        rows[key][1] += 1

    for _ in range(args.n):
        conv = D.arithmetic(rng)
        text = generate(args, conv[:1], D.TOOLS)
        call = parse_call(text)
        score("calculator called", call and call.get("name") == "calculator")
        expr = conv[1]["tool_calls"][0]["arguments"]["expression"]
        score("expression copied exactly", call and call.get("arguments") == {"expression": expr})
        result = conv[2]["content"]
        if not result.startswith("Error"):
            text = generate(args, conv[:3], D.TOOLS)
            want = D._fmt(json.loads(result)["result"]) if result.startswith("{") else result
            score("answer quotes the tool result", want in text)
        conv = D.clock(rng)
        call = parse_call(generate(args, conv[:1], D.TOOLS))
        score("clock called", call and call.get("name") == "clock")
        text, want = generate(args, conv[:3], D.TOOLS), json.loads(conv[2]["content"])
        score("clock answer quotes the time or date",
              want["time"] in text or want["date"] in text or want["weekday"] in text)
        text = generate(args, [{"role": "user", "content": rng.choice(D.GREETINGS)}], D.TOOLS)
        score("greeting answered without a tool",
              "<tool_call>" not in text and text.lower().startswith(("hello", "hi", "hey")))
        conv = D.help_turn(rng)
        q = conv[0]["content"].lower()
        group = next(a for qs, a in D.HELP if q in [x.lower() for x in qs])
        score("help question answered (on topic)", generate(args, conv[:1], D.TOOLS) in group)
        conv = D.fallback(rng)
        score("other question refused", generate(args, conv[:1], D.TOOLS) in D.FALLBACK_REPLIES)

    print("| behaviour (temperature 0, unseen prompts) | passed |")
    print("|---|---|")
    for key, (ok, n) in rows.items():
        print(f"| {key} | {ok} / {n} |")


if __name__ == "__main__":
    main()
