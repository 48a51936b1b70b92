"""Structured output and tool calling from Python (docs/tools.md), on the synthetic Qwen2 model
(random weights, the real byte-level vocabulary). Random weights never write JSON or choose a
tool on their own, so what is checked here only the grammar can make true; the outputs are
validated with python3-jsonschema (an independent validator) and re."""
import json
import os
import re
import unittest

import hearth

DATA = os.environ.get("HEARTH_TEST_DATA",
                      os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
MODEL = os.path.join(DATA, "models", "synth", "qwen2-d128-q8_0.gguf")
IN_CI = os.environ.get("CI") == "true"

try:
    import jsonschema
except ImportError:  # scripts/install-deps.sh installs python3-jsonschema
    jsonschema = None

ADD = {"type": "object", "properties": {
    "a": {"type": "integer", "minimum": 0, "maximum": 99},
    "b": {"type": "integer", "minimum": 0, "maximum": 99}},
    "required": ["a", "b"], "additionalProperties": False}
GET_TIME = {"type": "object", "properties": {"city": {"type": "string",
                                                      "enum": ["Oslo", "Lima", "Tokyo"]}},
            "required": ["city"], "additionalProperties": False}
TOOLS = [{"type": "function", "function": {"name": "add", "parameters": ADD}},
         {"type": "function", "function": {"name": "get_time", "parameters": GET_TIME}}]
PARAMS = {"add": ADD, "get_time": GET_TIME}


class ToolsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(MODEL):
            if IN_CI:
                raise AssertionError(f"test data missing in CI: {MODEL}")
            raise unittest.SkipTest(f"test data not found: {MODEL}")
        if jsonschema is None:
            if IN_CI:
                raise AssertionError("python3-jsonschema is missing in CI")
            raise unittest.SkipTest("python3-jsonschema is not installed")
        cls.model = hearth.Model(MODEL)

    def validate(self, value, schema):
        jsonschema.validate(value, schema, cls=jsonschema.Draft202012Validator)

    def check_calls(self, calls, names):
        self.assertGreaterEqual(len(calls), 1)
        for call in calls:
            self.assertEqual(call["type"], "function")
            self.assertRegex(call["id"], r"^call_[A-Za-z]{9}$")
            name = call["function"]["name"]
            self.assertIn(name, names)
            self.validate(json.loads(call["function"]["arguments"]), PARAMS[name])

    def test_engine_forced_tool_call_is_parsed_and_valid(self):
        with hearth.Engine(self.model, n_ctx=1024, n_threads=2) as engine:
            reqs = [(choice, engine.submit(messages=[("user", "What is 2 + 3?")], tools=TOOLS,
                                           tool_choice=choice, max_tokens=200, temperature=1.0,
                                           seed=seed, parallel_tool_calls=False))
                    for choice in ("add", "get_time", "required") for seed in (2, 9)]
            for choice, req in reqs:
                text = req.text()
                res = req.result()
                self.assertTrue(text.startswith("<tool_call>\n"), text)
                self.assertEqual(res.finish_reason, "stop", text)
                self.check_calls(res.tool_calls, ["add", "get_time"] if choice == "required"
                                 else [choice])
                self.assertEqual(len(res.tool_calls), 1)
                req.close()

    def test_engine_json_schema_reply_validates(self):
        schema = {"type": "object", "properties": {
            "name": {"type": "string", "maxLength": 10},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]},
                     "maxItems": 3},
            "score": {"type": "number"}}, "required": ["name", "tags", "score"],
            "additionalProperties": False}
        with hearth.Engine(self.model, n_ctx=512, n_threads=2) as engine:
            reqs = [engine.submit("JSON:", json_schema=schema, max_tokens=120, temperature=1.0,
                                  seed=s) for s in (1, 2, 3)]
            for req in reqs:
                text = req.text()
                res = req.result()
                self.assertEqual(res.finish_reason, "stop", text)
                self.validate(json.loads(text), schema)
                self.assertEqual(res.tool_calls, [])
                req.close()

    def test_context_grammar_keyword(self):
        ids = self.model.tokenize("Answer:", True, False)
        for seed in (1, 2, 3):
            out = self.model.generate(ids, max_tokens=16, temperature=1.0, seed=seed,
                                      grammar='root ::= ("yes" | "no") [0-9]')
            self.assertRegex(out["text"], r"^(yes|no)[0-9]$")
            self.assertEqual(out["stop_reason"], "eog")

    def test_chat_tool_loop(self):
        chat = hearth.Chat(self.model, n_ctx=1024, temperature=1.0, seed=4, max_tokens=200,
                           tools=TOOLS, parallel_tool_calls=False)
        "".join(chat.send("Add 2 and 3", tool_choice="add"))
        self.check_calls(chat.tool_calls, ["add"])
        for call in chat.tool_calls:
            args = json.loads(call["function"]["arguments"])
            chat.add_message("tool", str(args["a"] + args["b"]))
        text = "".join(chat.reply(tool_choice="none", max_tokens=8))
        self.assertEqual(chat.tool_calls, [])
        self.assertNotIn("<tool_call>", text)

    def test_chat_uses_its_templates_tool_format(self):
        # Llama 3.1's template: the call is written and read in its JSON form, and the
        # result goes back through the template (ipython turn).
        path = os.path.join(DATA, "testdata", "templates", "meta-llama-Llama-3.1-8B-Instruct.jinja")
        if not os.path.exists(path):
            if IN_CI:
                raise AssertionError(f"test data missing in CI: {path}")
            self.skipTest(f"test data not found: {path}")
        with open(path, encoding="utf-8") as f:
            template = f.read()
        chat = hearth.Chat(self.model, n_ctx=2048, max_tokens=120, tools=TOOLS,
                           parallel_tool_calls=False, chat_template=template)
        text = "".join(chat.send("What time is it in Lima?", tool_choice="get_time"))
        # The streamed text is the raw reply: the call in Llama 3.1's JSON form.
        self.assertRegex(text, r'^(<\|python_tag\|>)?\{"name": "get_time", "parameters": ')
        self.check_calls(chat.tool_calls, ["get_time"])
        chat.add_message("tool", "{\"time\": \"10:00\"}")
        "".join(chat.reply(max_tokens=2))

    def test_engine_next_turn_with_tool_calls(self):
        with hearth.Engine(self.model, n_ctx=1024, n_threads=2) as engine:
            first = engine.submit(messages=[{"role": "user", "content": "Add 2 and 3"}],
                                  tools=TOOLS, tool_choice="add", max_tokens=120,
                                  parallel_tool_calls=False)
            first.text()
            first_result = first.result()
            calls = first_result.tool_calls
            first.close()
            self.check_calls(calls, ["add"])
            messages = [{"role": "user", "content": "Add 2 and 3"},
                        {"role": "assistant", "content": None, "tool_calls": calls},
                        {"role": "tool", "tool_call_id": calls[0]["id"], "content": "5"}]
            without = [messages[0], {"role": "assistant", "content": ""}, messages[2]]
            sizes = []
            for conv in (messages, without):
                req = engine.submit(messages=conv, tools=TOOLS, max_tokens=2)
                req.text()
                sizes.append(req.result().prompt_tokens)
                req.close()
            # The call is rendered in the prompt (the same turn without it is shorter), and
            # the result too (longer than the first prompt).
            self.assertGreater(sizes[0], sizes[1] + 10)
            self.assertGreater(sizes[1], first_result.prompt_tokens)
            with self.assertRaises(hearth.HearthError) as e:
                engine.submit(messages=[{"role": "assistant", "content": None,
                                         "tool_calls": [{"function": {"name": "add",
                                                                      "arguments": "[1]"}}]}])
            self.assertIn("messages[0]", str(e.exception))

    def test_bad_input_raises(self):
        with hearth.Engine(self.model, n_ctx=256, n_threads=1) as engine:
            with self.assertRaises(hearth.HearthError) as e:
                engine.submit(messages=[("user", "x")], tools=TOOLS, tool_choice="nope")
            self.assertIn("tool_choice", str(e.exception))
            with self.assertRaises(hearth.HearthError):
                engine.submit("x", json_schema={"type": "string", "not": {}})
            with self.assertRaises(hearth.HearthError):
                engine.submit("x", grammar="root ::= (")


if __name__ == "__main__":
    unittest.main()
