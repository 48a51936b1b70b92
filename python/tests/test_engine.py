"""hearth.Engine: streamed pieces equal the greedy generation of a Context, concurrent requests
from several threads, cancellation, messages, bad input and pool accounting."""
import os
import threading
import unittest

import hearth

# The model shipped in models/ (no test data needed).
MODEL = os.path.join(os.path.dirname(__file__), "..", "..", "models",
                     "TinyStories-656K-Q8_0.gguf")


class EngineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = hearth.Model(MODEL)

    def engine(self, **kw):
        return hearth.Engine(self.model, **{"n_ctx": 256, "n_threads": 1, "max_running": 4, **kw})

    def test_pieces_equal_a_greedy_context_generation(self):
        prompt = "Once upon a time"
        ids = self.model.tokenize(prompt, True, False)
        want = self.model.generate(ids, max_tokens=20, temperature=0.0)
        with self.engine() as engine:
            req = engine.submit(prompt, max_tokens=20)
            pieces = list(req)
            res = req.result()
            req.close()
        self.assertTrue(all(isinstance(p, str) and p for p in pieces))
        self.assertEqual("".join(pieces), want["text"])
        self.assertEqual(res.finish_reason, "length")
        self.assertEqual((res.prompt_tokens, res.generated_tokens), (len(ids), 20))

    def test_concurrent_requests_from_threads_are_independent(self):
        prompts = ["Once upon a time", "Lily went", "The dog", "Tom had a"]
        with self.engine() as engine:
            alone = {p: engine.submit(p, max_tokens=12).text() for p in prompts}
            results = {}

            def run(p):
                results[p] = engine.submit(p, max_tokens=12).text()

            threads = [threading.Thread(target=run, args=(p,)) for p in prompts * 2]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(results, alone)
            stats = engine.stats()
            self.assertEqual(stats["running"] + stats["waiting"], 0)
            self.assertEqual(stats["blocks_used"], 0)

    def test_cancel_and_messages(self):
        with self.engine() as engine:
            # The tiny model can finish 200 tokens (or stop) between two Python statements, so a
            # cancel may find the request done: then it must say so; one of several tries must
            # catch a running request and end it as cancelled.
            cancelled = 0
            for _ in range(20):
                req = engine.submit("Once upon a time", max_tokens=200)
                next(iter(req))  # it runs
                if req.cancel():
                    self.assertEqual(req.result().finish_reason, "cancelled")
                    cancelled += 1
                else:
                    self.assertIn(req.result().finish_reason, ("stop", "length"))
                self.assertFalse(req.cancel())  # already finished
                if cancelled:
                    break
            self.assertEqual(cancelled, 1)
            chat = engine.submit(messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
            self.assertEqual(chat.result().generated_tokens, 4)
            text = chat.text()
            self.assertIsInstance(text, str)

    def test_bad_input_raises_and_engine_keeps_serving(self):
        with self.engine() as engine:
            with self.assertRaises(hearth.HearthError) as cm:
                engine.submit("x", tokens=[1, 2])
            self.assertEqual(cm.exception.status_name, "INVALID_ARGUMENT")
            with self.assertRaises(hearth.HearthError):
                engine.submit("x", max_tokens=0)
            with self.assertRaises(hearth.HearthError):
                engine.submit(messages=[("wizard", "hi")])
            self.assertEqual(engine.submit(tokens=[1, 2, 3], max_tokens=2).result().generated_tokens,
                             2)
        with self.assertRaises(TypeError):
            hearth.Engine(self.model, no_such_field=1)


if __name__ == "__main__":
    unittest.main()
