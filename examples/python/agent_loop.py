#!/usr/bin/env python3
"""An agent loop with hearth's tool calling (docs/tools.md): the model is offered two local
Python functions as tools; each reply that calls them is answered with their results, and the
loop runs until the model answers in text (at most --max-rounds replies). Every step is printed.

    python3 examples/python/agent_loop.py MODEL.gguf "What is 17 + 25?"

With an instruction-tuned model that knows tools (Qwen 2.5, Hermes, ...) the default
tool_choice "auto" lets the model decide. The tiny synthetic models used by the tests have random
weights and never choose a tool on their own, so --force-tool NAME (or "required") forces the
first reply to call a tool: hearth's grammar then makes even a random model write a valid call,
which exercises the whole loop. A forced choice that does not produce a valid call is an error
(exit 1). Exit 77 when the model file is missing (a test skip; CI=true makes it exit 1).
"""
import argparse
import datetime
import json
import os
import sys

try:
    import hearth
except ImportError:  # run from a source checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
    import hearth

CITY_UTC_OFFSETS = {"Oslo": 1, "Lima": -5, "Tokyo": 9}


def get_time(city):
    """The local time in a city (a fixed UTC offset, no daylight saving: an example)."""
    if city not in CITY_UTC_OFFSETS:
        return f"error: unknown city {city!r}"
    now = datetime.datetime.now(datetime.timezone.utc)
    local = now + datetime.timedelta(hours=CITY_UTC_OFFSETS[city])
    return local.strftime("%H:%M")


def add(a, b):
    if not all(isinstance(x, int) for x in (a, b)):
        raise TypeError(f"add takes integers, got {a!r} and {b!r}")
    return a + b


FUNCTIONS = {"get_time": get_time, "add": add}
TOOLS = [
    {"type": "function", "function": {
        "name": "get_time", "description": "The current local time in a city",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "enum": sorted(CITY_UTC_OFFSETS)}},
            "required": ["city"], "additionalProperties": False}}},
    {"type": "function", "function": {
        "name": "add", "description": "Adds two integers",
        "parameters": {"type": "object", "properties": {
            "a": {"type": "integer", "minimum": -1000, "maximum": 1000},
            "b": {"type": "integer", "minimum": -1000, "maximum": 1000}},
            "required": ["a", "b"], "additionalProperties": False}}},
]


def run_call(call):
    """Runs one OpenAI-shaped tool call; returns its result as text."""
    name = call["function"]["name"]
    args = json.loads(call["function"]["arguments"])
    return str(FUNCTIONS[name](**args))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("question", nargs="?", default="What time is it in Oslo, and what is 17 + 25?")
    ap.add_argument("--force-tool", help='tool_choice of the first reply: "required" or a name')
    ap.add_argument("--max-rounds", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--temperature", type=float, default=0.7)
    opt = ap.parse_args()
    if not os.path.exists(opt.model):
        print(f"model not found: {opt.model}", file=sys.stderr)
        return 1 if os.environ.get("CI") == "true" else 77

    model = hearth.Model(opt.model)
    chat = hearth.Chat(model, system="You are a helpful assistant. Use the tools when useful.",
                       n_ctx=2048, max_tokens=opt.max_tokens, temperature=opt.temperature,
                       seed=opt.seed, tools=TOOLS,
                       # A forced (test) run asks for one call per reply, so that a random
                       # model stops after it; a real model may call several tools at once.
                       parallel_tool_calls=opt.force_tool is None)
    print(f"user: {opt.question}")
    chat.add_message("user", opt.question)
    choice = opt.force_tool or "auto"
    for round_ in range(1, opt.max_rounds + 1):
        text = "".join(chat.reply(tool_choice=choice))
        calls = chat.tool_calls
        if not calls:
            if opt.force_tool and round_ == 1:
                print("error: the forced tool choice gave no valid call "
                      f"(stop: {chat.last_result['stop_reason']})", file=sys.stderr)
                return 1
            print(f"[{round_}] assistant: {text.strip()}")
            print(f"answer after {round_} round(s)")
            return 0
        for call in calls:
            if opt.force_tool not in (None, "required") and round_ == 1 \
                    and call["function"]["name"] != opt.force_tool:
                print(f"error: forced {opt.force_tool}, got {call}", file=sys.stderr)
                return 1
            result = run_call(call)
            print(f"[{round_}] tool {call['function']['name']}({call['function']['arguments']}) "
                  f"-> {result}")
            chat.add_message("tool", result)
        # The model decides from here on: with the results it may answer or call again.
        choice = "auto"
    print(f"no text answer after {opt.max_rounds} rounds", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
