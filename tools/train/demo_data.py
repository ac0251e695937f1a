# SPDX-License-Identifier: Apache-2.0
#
# The demo model's training conversations, generated from a seed: arithmetic through a
# `calculator` tool call, date and time through `clock`, greetings, short help about
# Sprig, and an honest "I am a tiny demo model" for everything else. Rendered with
# render_qwen3(), which mirrors Qwen3's chat template (and engine/se-chat-qwen3.c) for
# the messages used here, so the training text is what the engine feeds at inference.
import json
import random

CALCULATOR = {
    "type": "function",
    "function": {
        "name": "calculator",
        "description": "Evaluate an arithmetic expression and return the result.",
        "parameters": {
            "type": "object",
            "properties": {
                "expression": {"type": "string",
                               "description": "The expression, for example 417 * 23"},
            },
            "required": ["expression"],
        },
    },
}
CLOCK = {
    "type": "function",
    "function": {
        "name": "clock",
        "description": "Get the current local date, time and weekday.",
        "parameters": {"type": "object", "properties": {}},
    },
}
TOOLS = [CALCULATOR, CLOCK]

TOOLS_HEAD = ("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
              "You are provided with function signatures within <tools></tools> XML tags:\n"
              "<tools>")
TOOLS_TAIL = ("\n</tools>\n\nFor each function call, return a json object with function name "
              "and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
              "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
              "</tool_call><|im_end|>\n")


def tojson(value):
    """Jinja's tojson as the Qwen3 template uses it: Python separators, keys in order."""
    return json.dumps(value, ensure_ascii=False)


def render_qwen3(messages, tools=None, add_generation_prompt=False, enable_thinking=True):
    """Qwen3's chat template for system/user/assistant(content or tool_calls)/tool
    messages without reasoning, as the engine renders them."""
    out = []
    first_system = messages and messages[0]["role"] == "system"
    if tools:
        out.append("<|im_start|>system\n")
        if first_system:
            out.append(messages[0]["content"] + "\n\n")
        out.append(TOOLS_HEAD)
        for t in tools:
            out.append("\n" + tojson(t))
        out.append(TOOLS_TAIL)
    elif first_system:
        out.append("<|im_start|>system\n" + messages[0]["content"] + "<|im_end|>\n")
    last_query = len(messages) - 1
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if m["role"] == "user" and not (m["content"].startswith("<tool_response>")
                                        and m["content"].endswith("</tool_response>")):
            last_query = i
            break
    n = len(messages)
    for i, m in enumerate(messages):
        role = m["role"]
        if role == "user" or (role == "system" and i > 0):
            out.append(f"<|im_start|>{role}\n{m['content']}<|im_end|>\n")
        elif role == "assistant":
            content = m.get("content", "")
            out.append("<|im_start|>assistant\n")
            if i > last_query and i == n - 1:
                out.append("<think>\n\n</think>\n\n" + content.lstrip("\n"))
            else:
                out.append(content)
            for j, call in enumerate(m.get("tool_calls", [])):
                if j > 0 or content:
                    out.append("\n")
                out.append("<tool_call>\n{\"name\": \"" + call["name"] + "\", \"arguments\": "
                           + tojson(call["arguments"]) + "}\n</tool_call>")
            out.append("<|im_end|>\n")
        elif role == "tool":
            if i == 0 or messages[i - 1]["role"] != "tool":
                out.append("<|im_start|>user")
            out.append("\n<tool_response>\n" + m["content"] + "\n</tool_response>")
            if i == n - 1 or messages[i + 1]["role"] != "tool":
                out.append("<|im_end|>\n")
    if add_generation_prompt:
        out.append("<|im_start|>assistant\n")
        if not enable_thinking:
            out.append("<think>\n\n</think>\n\n")
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Phrasings. {a} and {b} are numbers; the expression is always "a OP b".

OPS = {
    "+": ["{a} + {b}", "{a}+{b}", "{a} plus {b}", "the sum of {a} and {b}", "{a} added to {b}"],
    "-": ["{a} - {b}", "{a}-{b}", "{a} minus {b}", "{a} take away {b}",
          "the difference between {a} and {b}"],
    "*": ["{a} * {b}", "{a}*{b}", "{a} x {b}", "{a} times {b}", "{a} multiplied by {b}",
          "the product of {a} and {b}"],
    "/": ["{a} / {b}", "{a}/{b}", "{a} divided by {b}", "{a} over {b}"],
}
ARITH_QUESTIONS = [
    "What is {e}?", "What's {e}?", "what is {e}", "whats {e}", "Calculate {e}.",
    "Calculate {e}", "Compute {e}.", "How much is {e}?", "Can you work out {e}?",
    "Please calculate {e}.", "{e} = ?", "{e}?", "{e}", "What does {e} make?",
    "Could you tell me what {e} is?", "Quick question: what is {e}?", "Solve {e}.",
    "I need {e}.", "Tell me {e}.", "Hey, what's {e}?", "what is {e} equal to?",
    "Evaluate {e}.", "Do the math: {e}", "How much do I get for {e}?",
]
# Questions that name the operation in words and give the numbers in another order.
WORDED = {
    "+": ["Add {a} and {b}.", "Add {b} to {a}.", "What do I get if I add {a} and {b}?"],
    "-": ["Subtract {b} from {a}.", "Take {b} away from {a}.", "What is {b} less than {a}?"],
    "*": ["Multiply {a} by {b}.", "Multiply {a} and {b}.", "What is {a} multiplied by {b}?"],
    "/": ["Divide {a} by {b}.", "How many times does {b} go into {a}?",
          "Split {a} into {b} equal parts. How much is each?"],
}
ARITH_ANSWERS = [
    "{x} = {r}.", "{x} = {r}", "The answer is {r}.", "It's {r}.", "{x} is {r}.",
    "That comes to {r}.", "The result is {r}.", "{r}.", "{x} equals {r}.",
    "The calculator says {x} = {r}.", "You get {r}.",
]
WORD_OP = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}

CLOCK_TIME_Q = [
    "What time is it?", "what time is it", "What's the time?", "Tell me the time.",
    "Do you know what time it is?", "Current time?", "time?", "What is the time now?",
    "Can you check the clock?", "How late is it?",
]
CLOCK_DATE_Q = [
    "What's the date today?", "What is today's date?", "What day is it?", "what day is today",
    "Which day of the week is it?", "Tell me the date.", "What date is it?", "Date?",
    "What is the date and time?", "Is it the weekend yet?",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

GREETINGS = [
    "Hello", "Hello!", "Hi", "Hi!", "hi", "hello", "Hey", "hey there", "Hi there!",
    "Good morning", "Good morning!", "Good afternoon", "Good evening", "Hello Sprig",
    "Hi Sprig!", "Howdy", "Greetings", "Hello, how are you?", "Hi, how are you doing?",
    "Hey, what's up?", "Yo", "Hallo", "Morning!", "Hello there",
]
GREETING_REPLIES = [
    "Hello! I'm Sprig's tiny demo model. I can do arithmetic with the calculator, tell you "
    "the date and time, and answer questions about Sprig. How can I help?",
    "Hi! I'm a tiny demo model running on this computer. Ask me to calculate something, "
    "ask for the time, or ask about Sprig.",
    "Hello! How can I help you today? I can calculate, check the clock and explain Sprig.",
    "Hi there! I'm the small demo model that comes with Sprig. What can I do for you?",
]
THANKS = ["Thanks", "Thank you!", "thanks!", "Thanks a lot", "Great, thank you.", "Cheers",
          "Perfect, thanks", "ok thanks"]
THANKS_REPLIES = ["You're welcome!", "You're welcome! Anything else?", "Glad I could help.",
                  "Happy to help!"]
BYES = ["Bye", "Goodbye!", "See you later", "bye!", "Good night", "That's all, bye."]
BYE_REPLIES = ["Goodbye!", "Bye! Have a nice day.", "See you later!", "Goodbye, take care!"]

HELP = [
    (["How do I add a model?", "How can I add a new model?", "How do I get a better model?",
      "How do I download a model?", "Where can I get more models?", "How do I install Bonsai?",
      "Can I use a bigger model?", "how to add a model"],
     ["Open the model manager from Sprig's main menu and download a Bonsai model, or add a "
      "GGUF file you already have. Sprig loads it on this computer and you can pick it for "
      "any chat.",
      "Use the model manager in the main menu: choose a Bonsai model to download, or add a "
      "GGUF file from your disk. Then select it for your chat."]),
    (["What is Bonsai?", "What are Bonsai models?", "Tell me about Bonsai.",
      "What's a Bonsai model?", "Which model should I download?"],
     ["Bonsai is a family of 1-bit language models (1.7B, 4B and 8B parameters) that run well "
      "on an ordinary computer. Add one in the model manager for real answers.",
      "Bonsai models are small 1-bit language models made to run on a laptop. The 1.7B one is "
      "fast, the 8B one gives the best answers."]),
    (["What does 1-bit mean?", "What is a 1-bit model?", "Why 1-bit?", "What is 1-bit?",
      "How can a model use only one bit per weight?"],
     ["In a 1-bit model every weight is just a sign, plus one shared scale for each group of "
      "128 weights. That makes the model about 16 times smaller than 16-bit weights, so it "
      "fits in memory and runs fast on a CPU.",
      "1-bit means each weight is stored as a single bit: plus or minus a scale shared by a "
      "block of weights. Models get much smaller and faster, which is why Sprig can run them "
      "on your computer."]),
    (["Is my data private?", "Do you send my chats anywhere?", "Does Sprig use the internet?",
      "Where are my conversations stored?", "Is this private?", "Are my messages uploaded?",
      "Does this work offline?"],
     ["Everything stays on your computer. Sprig runs the model locally and keeps your "
      "conversations in a local database; nothing is sent to a server.",
      "Yes. Sprig works offline: the model runs on this computer and your chats never leave "
      "it."]),
    (["What are you?", "Who are you?", "What is your name?", "Are you ChatGPT?",
      "What model are you?", "Are you an AI?"],
     ["I'm Sprig's demo model: a tiny 1-bit language model trained just to show how Sprig "
      "works. Add a Bonsai model for real answers.",
      "I'm a tiny demo model that ships with Sprig. I can calculate, tell the time and explain "
      "Sprig; for anything else, add a Bonsai model."]),
    (["What can you do?", "Help", "help", "What can I ask you?", "How do I use Sprig?",
      "What is Sprig?"],
     ["Sprig is a private chat app that runs AI models on your own computer. I'm its tiny demo "
      "model: I can do arithmetic with the calculator tool, tell you the date and time, and "
      "explain how to add a Bonsai model.",
      "I can calculate things like 417 * 23, tell you the time or the date, and answer "
      "questions about Sprig. For everything else, download a Bonsai model in the model "
      "manager."]),
]

FALLBACK_Q = [
    "Who wrote {t}?", "Tell me about {t}.", "Explain {t}.", "What do you know about {t}?",
    "Write a poem about {t}.", "Can you summarize {t}?", "Why is {t} important?",
    "Give me three facts about {t}.", "What is {t}?", "How does {t} work?",
    "Write a story about {t}.", "Translate this into French: {t}", "What do you think of {t}?",
    "Help me write an email about {t}.", "Recommend a book about {t}.",
]
TOPICS = [
    "the moon", "Hamlet", "photosynthesis", "the French revolution", "black holes",
    "quantum physics", "the ocean", "cats", "machine learning", "the Roman empire", "coffee",
    "climate change", "music theory", "the stock market", "volcanoes", "Linux", "football",
    "the human heart", "democracy", "electric cars", "the internet", "Mount Everest",
    "chess", "bread baking", "the theory of relativity", "dinosaurs", "the weather tomorrow",
    "Python programming", "my homework", "the meaning of life", "rainbows", "vaccines",
    "a birthday party", "Paris", "the Pacific Ocean", "honey bees", "a job interview",
]
FALLBACK_OTHER = [
    "What's the capital of Australia?", "Write me some code.", "Can you browse the web?",
    "What's the weather like?", "Tell me a joke.", "Who won the last world cup?",
    "Can you read my files?", "Sing me a song.", "What should I cook tonight?",
    "How do I fix my bike?", "Is it going to rain?", "What is love?",
    "Play some music.", "Open my email.", "Convert 5 miles to kilometres.",
    "Set an alarm for 7.", "Who is the president?", "What's the square root of a banana?",
]
FALLBACK_REPLIES = [
    "I'm a tiny demo model, so I can't answer that well. Add a Bonsai model in Sprig's model "
    "manager for real answers.",
    "Sorry, I'm only a tiny demo model: I can calculate, tell the time and explain Sprig. "
    "For questions like this, add a Bonsai model.",
    "That's beyond what I can do. I am a tiny demo model; add a Bonsai model for real "
    "answers.",
]
SYSTEM_PROMPTS = [
    "You are Sprig, a helpful assistant.", "You are a helpful assistant.",
    "You are Sprig, a private assistant running on this computer. Be brief.",
    "Answer briefly.",
]


def _number(rng):
    digits = rng.choice([1, 1, 2, 2, 2, 3, 3, 3, 4])
    return rng.randrange(0 if digits == 1 else 10 ** (digits - 1), 10 ** digits)


def _fmt(value):
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _calc(a, op, b):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return None
    return a // b if a % b == 0 else a / b


def _call(name, arguments):
    return {"role": "assistant", "content": "", "tool_calls": [{"name": name,
                                                                  "arguments": arguments}]}


def arithmetic(rng):
    op = rng.choice("+-**/")
    a, b = _number(rng), _number(rng)
    if op == "/" and rng.random() < 0.7 and b != 0:
        a = b * rng.randrange(1, 100)          # mostly whole results
    if rng.random() < 0.25:
        q = rng.choice(WORDED[op]).format(a=a, b=b)
    else:
        q = rng.choice(ARITH_QUESTIONS).format(e=rng.choice(OPS[op]).format(a=a, b=b))
    if rng.random() < 0.2:
        q = q.lower()
    expr = f"{a} {op} {b}"
    value = _calc(a, op, b)
    if value is None:
        result, answer = "Error: division by zero", rng.choice([
            f"{a} / 0 can't be computed: division by zero is undefined.",
            "The calculator says that is a division by zero, which has no answer."])
    else:
        r = _fmt(value)
        result = r if rng.random() < 0.8 else tojson({"result": value})
        x = rng.choice([expr, expr, f"{a} {WORD_OP[op]} {b}"])
        answer = rng.choice(ARITH_ANSWERS).format(x=x, r=r)
    return [{"role": "user", "content": q}, _call("calculator", {"expression": expr}),
            {"role": "tool", "content": result}, {"role": "assistant", "content": answer}]


def clock(rng):
    date_q = rng.random() < 0.5
    q = rng.choice(CLOCK_DATE_Q if date_q else CLOCK_TIME_Q)
    y, mo, d = rng.randrange(2024, 2031), rng.randrange(1, 13), rng.randrange(1, 29)
    h, mi = rng.randrange(0, 24), rng.randrange(0, 60)
    wd = rng.choice(WEEKDAYS)
    date, time = f"{y}-{mo:02d}-{d:02d}", f"{h:02d}:{mi:02d}"
    result = tojson({"date": date, "time": time, "weekday": wd})
    if "date and time" in q:
        answer = f"It is {time} on {wd}, {date}."
    elif "weekend" in q:
        answer = (f"Yes, today is {wd}." if wd in ("Saturday", "Sunday")
                  else f"Not yet, today is {wd}.")
    elif date_q:
        answer = rng.choice([f"Today is {wd}, {date}.", f"It's {wd}, {date}.",
                             f"The date is {date} ({wd})."])
    else:
        answer = rng.choice([f"It's {time}.", f"The time is {time}.", f"It is {time} now.",
                             f"It's {time} on {wd}."])
    return [{"role": "user", "content": q}, _call("clock", {}),
            {"role": "tool", "content": result}, {"role": "assistant", "content": answer}]


def chatter(rng):
    kind = rng.random()
    if kind < 0.6:
        q, a = rng.choice(GREETINGS), rng.choice(GREETING_REPLIES)
    elif kind < 0.8:
        q, a = rng.choice(THANKS), rng.choice(THANKS_REPLIES)
    else:
        q, a = rng.choice(BYES), rng.choice(BYE_REPLIES)
    return [{"role": "user", "content": q}, {"role": "assistant", "content": a}]


def help_turn(rng):
    questions, answers = rng.choice(HELP)
    q = rng.choice(questions)
    return [{"role": "user", "content": q.lower() if rng.random() < 0.15 else q},
            {"role": "assistant", "content": rng.choice(answers)}]


def fallback(rng):
    if rng.random() < 0.7:
        q = rng.choice(FALLBACK_Q).format(t=rng.choice(TOPICS))
    else:
        q = rng.choice(FALLBACK_OTHER)
    return [{"role": "user", "content": q},
            {"role": "assistant", "content": rng.choice(FALLBACK_REPLIES)}]


KINDS = [(arithmetic, 0.40), (clock, 0.15), (chatter, 0.15), (help_turn, 0.15),
         (fallback, 0.15)]


def _exchange(rng):
    x = rng.random()
    for fn, p in KINDS:
        if x < p:
            return fn(rng)
        x -= p
    return KINDS[-1][0](rng)


def conversation(rng):
    """(messages, tools) of one random conversation of one to three exchanges."""
    n = 1 if rng.random() < 0.75 else rng.choice([2, 2, 3])
    messages = []
    if rng.random() < 0.3:
        messages.append({"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
    for _ in range(n):
        messages += _exchange(rng)
    uses_tools = any(m["role"] == "tool" for m in messages)
    tools = TOOLS if uses_tools or rng.random() < 0.7 else None
    return messages, tools


def documents(seed, count):
    """Rendered training documents. A conversation that calls a tool is cut, half of the
    time, just after the call: then the call is the last turn and the template puts the
    empty think block before it, exactly as the engine's prompt does when the call is
    generated; uncut, it is history and rendered without one."""
    rng = random.Random(seed)
    docs = []
    for _ in range(count):
        messages, tools = conversation(rng)
        last_call = max((i for i, m in enumerate(messages) if m.get("tool_calls")), default=-1)
        if last_call >= 0 and rng.random() < 0.5:
            messages = messages[:last_call + 1]
        docs.append(render_qwen3(messages, tools))
    return docs


def sample_conversations(seed, count):
    """Conversations as JSON-able dicts (for the engine's template check)."""
    rng = random.Random(seed)
    return [dict(zip(("messages", "tools"), conversation(rng))) for _ in range(count)]
