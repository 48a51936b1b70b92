"""Chat templates that have no shared Jinja2 rendering, rendered by Jinja2 here.

testdata/templates-expected/ holds what plain Jinja2 rendered for each shared template; for a few
templates it holds nothing, because they use `{% generation %}`, a tag that only Hugging Face's
environment knows (transformers' AssistantTracker extension). tests/test_template_conformance.cpp
checks every template that has a rendering; this file renders the rest with Jinja2 set up as
transformers sets it up (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols,
AssistantTracker, its tojson, raise_exception and strftime_now) and compares hearth's output byte for byte.
The environment is first checked against every shared rendering, so it is known to be the one
that produced them. Needs the jinja2 module: without it the tests skip, and fail when CI=true.
"""
import json
import os
import unittest
from datetime import datetime

import hearth

DATA = os.environ.get("HEARTH_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
TESTDATA = os.path.join(DATA, "testdata")
TEMPLATES = os.path.join(TESTDATA, "templates")
EXPECTED = os.path.join(TESTDATA, "templates-expected")
IN_CI = os.environ.get("CI") == "true"
BOS, EOS = "<|bos|>", "<|eos|>"  # as in tests/test_template_conformance.cpp

try:
    import jinja2
    import jinja2.ext
    from jinja2 import nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:  # pragma: no cover - depends on the machine
    jinja2 = None


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def require_inputs(test):
    if jinja2 is None:
        if IN_CI:
            raise AssertionError("the jinja2 Python module is missing in CI")
        raise unittest.SkipTest("the jinja2 Python module is not installed")
    if not os.path.isdir(TEMPLATES):
        if IN_CI:
            raise AssertionError(f"test data missing in CI: {TEMPLATES}")
        raise unittest.SkipTest(f"test data not found: {TEMPLATES}")


def hf_environment():
    """Jinja2 as transformers' apply_chat_template compiles templates."""

    class AssistantTracker(jinja2.ext.Extension):
        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

        def _generation_support(self, caller):
            return caller()

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[AssistantTracker, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    # The clock the C++ test and the shared renderings use: 2026-01-02 03:04:05 UTC.
    env.globals["strftime_now"] = lambda fmt: datetime(2026, 1, 2, 3, 4, 5).strftime(fmt)
    return env


def jinja2_render(source, case):
    """(text, None) or (None, exception)."""
    try:
        return hf_environment().from_string(source).render(
            messages=case["messages"], add_generation_prompt=case["add_generation_prompt"],
            bos_token=BOS, eos_token=EOS), None
    except Exception as e:  # noqa: BLE001 - any Jinja2 error is the expected outcome here
        return None, e


def all_cases():
    """(stem, case, expected_base) for every template and case."""
    cases = json.loads(read(os.path.join(TESTDATA, "templates-cases.json")))
    stems = sorted(f[:-len(".jinja")] for f in os.listdir(TEMPLATES) if f.endswith(".jinja"))
    return [(s, c, os.path.join(EXPECTED, f"{s}.{c['name']}")) for s in stems for c in cases]


def has_reference(base):
    return os.path.exists(base + ".txt") or os.path.exists(base + ".error")


class TemplatesWithoutSharedReference(unittest.TestCase):
    def setUp(self):
        require_inputs(self)

    def test_environment_reproduces_every_shared_rendering(self):
        checked = 0
        for stem, case, base in all_cases():
            if not has_reference(base):
                continue
            with self.subTest(template=stem, case=case["name"]):
                text, error = jinja2_render(read(os.path.join(TEMPLATES, stem + ".jinja")), case)
                if os.path.exists(base + ".txt"):
                    self.assertIsNone(error)
                    self.assertEqual(text, read(base + ".txt"))
                else:
                    self.assertIsNotNone(error, "the shared reference says Jinja2 raised")
            checked += 1
        self.assertGreater(checked, 0)

    def test_hearth_matches_jinja2_where_no_rendering_is_shared(self):
        checked = 0
        for stem, case, base in all_cases():
            if has_reference(base):
                continue
            source = read(os.path.join(TEMPLATES, stem + ".jinja"))
            with self.subTest(template=stem, case=case["name"]):
                self.assertIn("generation", source, "no shared rendering, yet no {% generation %} tag")
                want, error = jinja2_render(source, case)
                if error is not None:
                    with self.assertRaises(hearth.HearthError):
                        hearth.apply_chat_template(case["messages"], template=source, bos=BOS, eos=EOS,
                                                   add_generation_prompt=case["add_generation_prompt"])
                else:
                    got = hearth.apply_chat_template(case["messages"], template=source, bos=BOS, eos=EOS,
                                                     add_generation_prompt=case["add_generation_prompt"])
                    self.assertEqual(got, want)
            checked += 1
        print(f"\n{checked} template cases without a shared rendering compared with Jinja2")


if __name__ == "__main__":
    unittest.main()
