import json
import os
import unittest

import hearth

DATA = os.environ.get("HEARTH_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
TEMPLATES = os.path.join(DATA, "testdata")
STORIES = os.path.join(DATA, "models", "real", "stories260K.gguf")
IN_CI = os.environ.get("CI") == "true"


def require(path):
    if not os.path.exists(path):
        if IN_CI:
            raise AssertionError(f"test data missing in CI: {path}")
        raise unittest.SkipTest(f"test data not found: {path}")


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


class ChatTemplateTest(unittest.TestCase):
    def test_shared_template_matches_jinja2(self):
        # The multi-turn case has non-ASCII content; the expected text is Jinja2's rendering.
        source = os.path.join(TEMPLATES, "templates", "Qwen-Qwen2.5-7B-Instruct.jinja")
        require(source)
        cases = json.loads(read(os.path.join(TEMPLATES, "templates-cases.json")))
        case = next(c for c in cases if c["name"] == "multi-turn")
        out = hearth.apply_chat_template(case["messages"], template=read(source),
                                         add_generation_prompt=case["add_generation_prompt"],
                                         bos="<|bos|>", eos="<|eos|>")
        expected = read(os.path.join(TEMPLATES, "templates-expected",
                                     "Qwen-Qwen2.5-7B-Instruct.multi-turn.txt"))
        self.assertEqual(out, expected)

    def test_model_defaults(self):
        require(STORIES)
        with hearth.Model(STORIES) as m:
            # No tokenizer.chat_template in this model: ChatML; bos/eos are its token texts.
            self.assertEqual(hearth.apply_chat_template([{"role": "user", "content": "Hi"}], model=m,
                                                        add_generation_prompt=True),
                             "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
            self.assertEqual(hearth.apply_chat_template([], template="{{ bos_token }}{{ eos_token }}",
                                                        model=m), "<s></s>")

    def test_errors(self):
        with self.assertRaises(hearth.HearthError) as ctx:
            hearth.apply_chat_template([{"role": "user", "content": "x"}],
                                       template="{{ raise_exception('roles must alternate') }}")
        self.assertEqual(ctx.exception.status_name, "TEMPLATE")
        self.assertIn("roles must alternate", str(ctx.exception))
        with self.assertRaises(hearth.HearthError) as ctx:
            hearth.apply_chat_template([], template="{% if %}")
        self.assertEqual(ctx.exception.status_name, "TEMPLATE")
        with self.assertRaises(TypeError):
            hearth.apply_chat_template([{"role": "user"}], template="x")
        with self.assertRaises(ValueError):
            hearth.apply_chat_template([], template=None, model=None)


if __name__ == "__main__":
    unittest.main()
