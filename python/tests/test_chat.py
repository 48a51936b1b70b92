import os
import tempfile
import unittest

import hearth
from test_forward import MODELS, require

MODEL = os.path.join(MODELS, "real", "TinyStories-656K-Q8_0.gguf")


def chatml(messages):
    """The ChatML the session renders for a model without a chat template (+ the prompt)."""
    text = "".join(f"<|im_start|>{r}\n{c}<|im_end|>\n" for r, c in messages)
    return text + "<|im_start|>assistant\n"


class ChatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require(MODEL)
        cls.model = hearth.Model(MODEL)

    def new_chat(self, **kw):
        params = {"n_ctx": 512, "n_threads": 1, "max_tokens": 8, **kw}
        return hearth.Chat(self.model, system="You tell stories.", **params)

    def test_send_streams_pieces_and_reuses_the_prefix(self):
        chat = self.new_chat()
        reply = "".join(chat.send("Once upon a time"))
        self.assertTrue(reply)
        first = [("system", "You tell stories."), ("user", "Once upon a time")]
        self.assertEqual(chat.last_result["n_prompt_tokens"],
                         len(self.model.tokenize(chatml(first), True, True)))
        self.assertEqual(chat.last_result["n_generated"], 8)
        pieces = list(chat.send("And then?"))
        self.assertTrue(all(isinstance(p, str) for p in pieces))
        whole = first + [("assistant", reply), ("user", "And then?")]
        n_whole = len(self.model.tokenize(chatml(whole), True, True))
        evaluated = chat.last_result["n_prompt_tokens"]
        self.assertGreater(evaluated, 0)
        # Only the new part: the previous turn (prompt + reply) was in the KV cache.
        n_first = len(self.model.tokenize(chatml(first), True, True))
        self.assertLessEqual(evaluated, n_whole - n_first + 2)

    def test_leaving_the_loop_cancels_without_adding_the_reply(self):
        chat = self.new_chat(max_tokens=50)
        for _ in chat.send("Once upon a time"):
            break
        self.assertEqual(chat.last_result["stop_reason"], "cancelled")
        self.assertLess(chat.last_result["n_generated"], 50)
        # The conversation is as before the reply: the next turn answers system, user, user
        # exactly like a chat that was given those three messages.
        got = "".join(chat.send("Tell me more", max_tokens=6))
        fresh = self.new_chat()
        fresh.add_message("user", "Once upon a time")
        self.assertEqual(got, "".join(fresh.send("Tell me more", max_tokens=6)))
        self.assertLess(chat.last_result["n_prompt_tokens"], fresh.last_result["n_prompt_tokens"])
        chat.reset()
        list(chat.send("Once upon a time", max_tokens=2))
        self.assertEqual(chat.last_result["stop_reason"], "max_tokens")

    def test_save_and_load_continue_identically(self):
        chat = self.new_chat()
        list(chat.send("Once upon a time"))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "chat.bin")
            chat.save(path)
            other = hearth.Chat(self.model, n_ctx=512, n_threads=1, max_tokens=8)
            other.load(path)
            a = "".join(chat.send("What next?"))
            b = "".join(other.send("What next?"))
            self.assertEqual(a, b)
            self.assertEqual(chat.last_result["n_prompt_tokens"],
                             other.last_result["n_prompt_tokens"])
            with open(path, "r+b") as f:
                f.seek(30)
                f.write(b"\x00\x01\x02")
            with self.assertRaises(hearth.HearthError) as e:
                other.load(path)
            self.assertEqual(e.exception.status_name, "INVALID_MODEL")

    def test_bad_input(self):
        chat = self.new_chat()
        with self.assertRaises(hearth.HearthError) as e:
            chat.add_message("robot", "hi")
        self.assertEqual(e.exception.status_name, "INVALID_ARGUMENT")
        with self.assertRaises(TypeError):
            hearth.Chat(self.model, bogus=1)
        with self.assertRaises(hearth.HearthError) as e:  # validated by the C sampler chain
            list(chat.send("Hi", top_p=2.0))
        self.assertEqual(e.exception.status_name, "INVALID_ARGUMENT")
        with self.assertRaises(hearth.HearthError) as e:
            chat.load("/nonexistent/chat.bin")
        self.assertEqual(e.exception.status_name, "IO")


if __name__ == "__main__":
    unittest.main()
