import json
import os
import unittest

import hearth

DATA = os.environ.get("HEARTH_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
TINY = os.path.join(DATA, "models", "real", "TinyStories-656K-Q8_0.gguf")
REF = os.path.join(DATA, "models", "reference", "TinyStories-656K-Q8_0.text.json")
QWEN_VOCAB = os.path.join(DATA, "testdata", "tokenizer", "ggml-vocab-qwen2.gguf")


def require(path):
    if not os.path.exists(path):
        if os.environ.get("CI") == "true":
            raise AssertionError(f"test data missing in CI: {path}")
        raise unittest.SkipTest(f"test data not found: {path}")


class TokenizerTest(unittest.TestCase):
    def test_reference_prompt(self):
        require(TINY)
        ref = json.load(open(REF))
        with hearth.Model(TINY) as m:
            ids = m.tokenize("Once upon a time")
            self.assertEqual(ids, ref["prompt_ids"])
            self.assertEqual(ids[0], m.bos_token)
            self.assertEqual(m.detokenize(ids), "Once upon a time")
            self.assertTrue(m.is_eog(m.eos_token))

    def test_bpe_vocab_only_file(self):
        require(QWEN_VOCAB)
        with hearth.Model(QWEN_VOCAB) as m:
            text = "Hello, world! 你好 🦙"
            self.assertEqual(m.detokenize(m.tokenize(text, add_special=False)), text)
            self.assertEqual(len(m.tokenize("<|im_end|>", add_special=False, parse_special=True)), 1)
            self.assertEqual(m.tokenize("", add_special=False), [])
            with self.assertRaises(hearth.HearthError):
                m.is_eog(10**9)


if __name__ == "__main__":
    unittest.main()
