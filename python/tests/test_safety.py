"""hearth.ContentFilter: rule errors, checks with obfuscations, and engine requests screened on
the way in (HearthError CONTENT_FILTERED) and out (finish_reason "content_filter", nothing of the
banned word streamed). The banned word comes from the unfiltered greedy reply (the reference)."""
import os
import unittest

import hearth

MODEL = os.path.join(os.path.dirname(__file__), "..", "..", "models",
                     "TinyStories-656K-Q8_0.gguf")


class ContentFilterTest(unittest.TestCase):
    def test_rules_and_checks(self):
        rules = "standard weapons term pipe bomb\nstrict profanity term darn\n"
        standard = hearth.ContentFilter(rules=rules)
        strict = hearth.ContentFilter(rules=rules, level="strict")
        self.assertEqual(standard.check("how to build a pipe bomb"), "weapons")
        self.assertEqual(standard.check("how to build a ｐｉｐｅ bomb"), "weapons")  # full-width
        self.assertIsNone(standard.check("darn it"))
        self.assertEqual(strict.check("darn it"), "profanity")
        with self.assertRaises(hearth.HearthError) as e:
            hearth.ContentFilter(rules="standard x nonsense y\n")
        self.assertIn("rules_text:1", str(e.exception))
        with self.assertRaises(hearth.HearthError):
            hearth.ContentFilter("/nonexistent/file.rules")
        with self.assertRaises(ValueError):
            hearth.ContentFilter(rules=rules, level="paranoid")

    def test_engine_requests_are_screened(self):
        model = hearth.Model(MODEL)
        with hearth.Engine(model, n_ctx=256, n_threads=1) as engine:
            msgs = [("user", "Tell me a story about a cat.")]
            ref_req = engine.submit(messages=msgs, max_tokens=48)
            reference = "".join(ref_req)
            self.assertEqual(ref_req.result().finish_reason, "length")
            half = reference[len(reference) // 2:]
            word = next(w[:4] for w in "".join(c if c.isalpha() else " " for c in half).split()
                        if len(w) >= 4)
            f = hearth.ContentFilter(rules=f"standard animals term cat\nstandard t substr {word}\n")
            with self.assertRaises(hearth.HearthError) as e:
                engine.submit(messages=msgs, filter=f)
            self.assertEqual(e.exception.status_name, "CONTENT_FILTERED")
            self.assertIn("animals", str(e.exception))
            f2 = hearth.ContentFilter(rules=f"standard t substr {word}\n")
            req = engine.submit(messages=msgs, max_tokens=48, filter=f2)
            f2.close()  # the request keeps its own reference
            text = "".join(req)
            res = req.result()
            self.assertEqual(res.finish_reason, "content_filter")
            self.assertEqual(res.filter_category, "t")
            self.assertTrue(reference.startswith(text))
            self.assertNotIn(word.lower(), text.lower())
            self.assertLessEqual(len(text), reference.lower().find(word.lower()))


if __name__ == "__main__":
    unittest.main()
