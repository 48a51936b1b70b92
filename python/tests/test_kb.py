"""hearth.KnowledgeBase (the hearth_kb_* C ABI): indexing, search against a brute-force
recomputation in Python, sync, the recorded model, encryption. No shared data needed."""
import math
import os
import sqlite3
import struct
import tempfile
import unittest

import hearth


def hash_embed(text, dim):
    """The hash:DIM test embedder reimplemented (FNV-1a 64 of lower-cased ASCII words)."""
    acc = [0] * dim
    word = ""
    for ch in text + " ":
        if ch.isascii() and ch.isalnum():
            word += ch.lower()
            continue
        if word:
            h = 14695981039346656037
            for c in word.encode():
                h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
            acc[h % dim] += -1 if h >> 63 else 1
            word = ""
    norm = math.sqrt(sum(v * v for v in acc)) or 1
    return [v / norm for v in acc]


class KnowledgeBaseTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.join(self.tmp.name, "docs")
        os.makedirs(self.dir)
        self.db = os.path.join(self.tmp.name, "kb.sqlite")
        words = ["amber", "basalt", "cedar", "dune", "ember", "fjord", "glacier", "heath"]
        for i in range(10):
            with open(os.path.join(self.dir, f"d{i}.txt"), "w") as f:
                for p in range(3):
                    f.write(" ".join(words[(i * 3 + p * 5 + j * 7) % 8] for j in range(12)) + ".\n\n")
        with open(os.path.join(self.dir, "special.md"), "w") as f:
            f.write("an introduction of fourteen words that fills the first passage almost to its end\n\nthe narwhal sings at dawn\n")

    def tearDown(self):
        self.tmp.cleanup()

    def test_add_search_sync_remove(self):
        with hearth.KnowledgeBase(self.db, "hash:32", create=True, chunk_tokens=16) as kb:
            st = kb.add(self.dir)
            self.assertEqual((st.files_indexed, st.files_failed), (11, 0))
            self.assertGreater(st.chunks_added, 11)
            hits = kb.search("narwhal dawn", k=3, mode="bm25")
            self.assertTrue(hits[0].path.endswith("special.md"))
            self.assertEqual(hits[0].line, 3)
            self.assertIsNone(hits[0].page)
            # Vector search equals the brute force over the stored vectors.
            query = "cedar glacier ember"
            q = hash_embed(query, 32)
            con = sqlite3.connect(self.db)
            ref = sorted(
                (-sum(a * b for a, b in zip(struct.unpack("32f", v), q)), p, s)
                for p, s, v in con.execute(
                    "SELECT d.path, c.seq, v.vector FROM chunks c JOIN documents d ON d.id=c.doc_id "
                    "JOIN chunk_vectors v ON v.chunk_id=c.id"))
            con.close()
            hits = kb.search(query, k=5, mode="vector")
            self.assertEqual(len(hits), 5)
            for h, (neg, p, s) in zip(hits, ref):
                self.assertAlmostEqual(h.score, -neg, places=5)
            self.assertEqual([round(h.score, 5) for h in hits], [round(-r[0], 5) for r in ref[:5]])
            os.remove(os.path.join(self.dir, "special.md"))
            st = kb.sync(self.dir)
            self.assertEqual((st.files_removed, st.files_unchanged), (1, 10))
            self.assertEqual(kb.search("narwhal", mode="bm25"), [])
            self.assertEqual(kb.remove(self.dir), 10)
            self.assertEqual(kb.search("cedar", mode="hybrid"), [])

    def test_ground_answers_with_sources(self):
        # hearth_kb_results_prompt: the documented message, rebuilt here from the hits, and the
        # hits are the search's; the keyword passage is cited with its line in the file.
        with hearth.KnowledgeBase(self.db, "hash:32", create=True, chunk_tokens=16) as kb:
            kb.add(self.dir)
            question = "when does the narwhal sing?"
            message, sources = kb.ground(question, k=3)
            self.assertEqual(sources, kb.search(question, k=3))
            self.assertEqual(len(sources), 3)
            where = [f"{s.path}:{s.line}" if s.line else f"{s.path} (page {s.page})" for s in sources]
            expected = ("Answer the question using the numbered sources below where they are "
                        "relevant, and cite them by number, like [1].\n\n" +
                        "".join(f"[{n}] {w}\n{s.text}\n\n"
                                for n, (w, s) in enumerate(zip(where, sources), 1)) +
                        "Question: " + question)
            self.assertEqual(message, expected)
            special = [s for s in sources if s.path.endswith("special.md")]
            self.assertTrue(special, where)
            with open(os.path.join(self.dir, "special.md")) as f:
                lines = f.read().split("\n")
            self.assertEqual(lines[special[0].line - 1], "the narwhal sings at dawn")
            # Nothing found: the question unchanged.
            message, sources = kb.ground("zzzz qqqq", k=3, mode="bm25")
            self.assertEqual((message, sources), ("zzzz qqqq", []))

    def test_errors(self):
        with self.assertRaises(hearth.HearthError) as e:
            hearth.KnowledgeBase(os.path.join(self.tmp.name, "missing.kb"), "hash:8")
        self.assertEqual(e.exception.status_name, "IO")
        with hearth.KnowledgeBase(self.db, "hash:16", create=True) as kb:
            st = kb.add([os.path.join(self.dir, "d0.txt"), os.path.join(self.dir, "nope.txt")])
            self.assertEqual(st.files_failed, 1)
            self.assertTrue(any("nope.txt" in i and i.startswith("error:") for i in st.issues))
            with self.assertRaises(ValueError):
                kb.search("x", mode="fuzzy")
        with self.assertRaises(hearth.HearthError) as e:
            hearth.KnowledgeBase(self.db, "hash:24")
        self.assertEqual(e.exception.status_name, "INVALID_ARGUMENT")
        self.assertIn("hash:16", str(e.exception))

    def test_encrypted(self):
        key = os.path.join(self.tmp.name, "k.key")
        with open(key, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(key, 0o600)
        with hearth.KnowledgeBase(self.db, "hash:16", create=True, key_file=key) as kb:
            kb.add(os.path.join(self.dir, "special.md"))
            self.assertIn("narwhal", kb.search("narwhal", mode="vector")[0].text)
            with self.assertRaises(hearth.HearthError):
                kb.search("narwhal", mode="bm25")
        with open(self.db, "rb") as f:
            self.assertNotIn(b"narwhal", f.read())
        with self.assertRaises(hearth.HearthError):
            hearth.KnowledgeBase(self.db)


if __name__ == "__main__":
    unittest.main()
