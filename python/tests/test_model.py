import os
import unittest

import hearth

DATA = os.environ.get("HEARTH_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
STORIES = os.path.join(DATA, "models", "real", "stories260K.gguf")
IN_CI = os.environ.get("CI") == "true"


def require(path):
    if not os.path.exists(path):
        if IN_CI:
            raise AssertionError(f"test data missing in CI: {path}")
        raise unittest.SkipTest(f"test data not found: {path}")


SYNTH_Q8 = os.path.join(DATA, "models", "synth", "llama-d256-q8_0.gguf")


class ModelTest(unittest.TestCase):
    def test_repack_cache(self):
        import tempfile
        require(SYNTH_Q8)
        with tempfile.TemporaryDirectory() as tmp:
            cache = os.path.join(tmp, "cache")
            with hearth.Model(SYNTH_Q8) as m:
                self.assertEqual(m.architecture, "llama")
            self.assertFalse(os.path.exists(cache))  # opt-in only
            with hearth.Model(SYNTH_Q8, repack_cache=cache):
                pass
            files = os.listdir(cache)
            self.assertEqual(len(files), 1)
            first = os.stat(os.path.join(cache, files[0]))
            with hearth.Model(SYNTH_Q8, repack_cache=cache):
                pass
            again = os.stat(os.path.join(cache, files[0]))
            self.assertEqual((first.st_ino, first.st_mtime_ns), (again.st_ino, again.st_mtime_ns))

    def test_version(self):
        self.assertEqual(hearth.version(), "0.1.0")
        self.assertIn("ISA", hearth.system_info())

    def test_metadata(self):
        require(STORIES)
        with hearth.Model(STORIES) as m:
            self.assertEqual(m.architecture, "llama")
            self.assertEqual(m.vocab_size, 512)
            self.assertEqual(m.tensor_count, 48)
            self.assertEqual(m.meta("llama.block_count"), "5")
            self.assertIn("tokenizer.ggml.model", m.metadata)

    def test_errors_carry_the_message(self):
        with self.assertRaises(hearth.HearthError) as ctx:
            hearth.Model("/nonexistent.gguf")
        self.assertEqual(ctx.exception.status_name, "IO")
        self.assertIn("/nonexistent.gguf", str(ctx.exception))
        require(STORIES)
        with hearth.Model(STORIES) as m:
            with self.assertRaises(hearth.HearthError):
                m.meta("no.such.key")


if __name__ == "__main__":
    unittest.main()
