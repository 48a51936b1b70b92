"""Model.embed / Model.rerank through the C ABI on a synthetic tiny-bert (written by the hearth
CLI next to the library). The reference values are llama.cpp's (see tests/test_embed.cpp,
EmbedOffline: printed by /work/shared/tools/peer-llamacpp/run.sh MODEL --embed)."""
import math
import os
import subprocess
import tempfile
import unittest

import hearth

DATA = os.environ.get("HEARTH_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
VOCAB = os.path.join(DATA, "testdata", "tokenizer", "ggml-vocab-bert-bge.gguf")
IN_CI = os.environ.get("CI") == "true"
TEXT = "Hello world, this is a test."
# llama.cpp's raw mean-pooled embedding of TEXT on `hearth synth --preset tiny-bert --type f16`.
LLAMA_CPP_FIRST = [-0.2516912, -0.2561944, -0.1532998, -0.3574639, -0.144452]


def cli():
    lib = os.environ.get("HEARTH_LIBRARY", "")
    d = os.path.dirname(os.path.abspath(lib)) if lib else ""
    for cand in (os.path.join(d, "..", "bin", "hearth"), os.path.join(d, "bin", "hearth")):
        if os.path.exists(cand):
            return cand
    return None


class EmbedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(VOCAB):
            if IN_CI:
                raise AssertionError(f"test data missing in CI: {VOCAB}")
            raise unittest.SkipTest(f"test data not found: {VOCAB}")
        exe = cli()
        if not exe:
            raise unittest.SkipTest("the hearth CLI is not next to HEARTH_LIBRARY")
        cls.dir = tempfile.mkdtemp(prefix="hearth-py-embed-")
        cls.bert = os.path.join(cls.dir, "tiny-bert.gguf")
        cls.reranker = os.path.join(cls.dir, "tiny-bert-reranker.gguf")
        for preset, out in (("tiny-bert", cls.bert), ("tiny-bert-reranker", cls.reranker)):
            subprocess.run([exe, "synth", "--preset", preset, "--vocab", VOCAB, "--type", "f16",
                            "-o", out], check=True, capture_output=True)

    def test_matches_llama_cpp_and_normalises(self):
        with hearth.Model(self.bert) as m:
            raw = m.embed([TEXT], normalize=False, n_threads=1)[0]
            for ours, theirs in zip(raw, LLAMA_CPP_FIRST):
                self.assertAlmostEqual(ours, theirs, delta=2e-4)
            unit = m.embed([TEXT, "a"])
            self.assertEqual(len(unit), 2)
            for v in unit:
                self.assertAlmostEqual(math.sqrt(sum(x * x for x in v)), 1.0, places=5)
            norm = math.sqrt(sum(x * x for x in raw))
            for a, b in zip(unit[0], raw):
                self.assertAlmostEqual(a, b / norm, places=5)

    def test_rerank_and_errors(self):
        with hearth.Model(self.reranker) as m:
            scores = m.rerank("what is a fox", ["a fox is an animal", "Paris", "x"])
            self.assertEqual(len(scores), 3)
            self.assertTrue(all(math.isfinite(s) for s in scores))
            with self.assertRaises(hearth.HearthError):
                m.embed(["pooling rank cannot embed"])
        with hearth.Model(self.bert) as m:
            with self.assertRaises(hearth.HearthError):
                m.rerank("q", ["not a reranker"])
            with self.assertRaises(hearth.HearthError):
                m.embed(["word " * 400])  # longer than the context
            self.assertEqual(len(m.embed(["word " * 400], truncate=True)[0]), 128)


if __name__ == "__main__":
    unittest.main()
