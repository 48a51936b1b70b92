"""`hearth kb search --rerank R` (docs/kb.md): the hits after reranking are the fused candidates
ordered by the reranker's scores, computed independently here with `hearth rerank` on the same
passage texts (read from the database with Python's sqlite3). `hearth rerank`'s scores match
llama.cpp's (tests/test_embed.cpp, the rerank fidelity tests), so this ties the knowledge base's
reranked order to that reference. Synthetic models: `hearth synth --preset tiny-bert` (embedder)
and `tiny-bert-reranker` (a BERT cross-encoder of the bge-reranker shape, small).
usage: kb_rerank.py HEARTH VOCAB_DIR WORKDIR"""
import json
import os
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from script_checks import check, cli_runner, finish, require_file  # noqa: E402

hearth, vocab_dir, work = sys.argv[1:4]
vocab = os.path.join(vocab_dir, "ggml-vocab-bert-bge.gguf")
require_file(vocab)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
cli = cli_runner(hearth)

embedder = os.path.join(work, "embed.gguf")
reranker = os.path.join(work, "rerank.gguf")
cli("synth", "--preset", "tiny-bert", "--vocab", vocab, "--type", "f32", "-o", embedder)
cli("synth", "--preset", "tiny-bert-reranker", "--vocab", vocab, "--type", "f32", "-o", reranker)

docs = os.path.join(work, "docs")
os.makedirs(docs)
topics = ["tomatoes need sun and water", "rotate the api keys every ninety days",
          "sailing boats lean in strong wind", "bread dough rises in a warm kitchen",
          "the keel keeps the boat upright", "basil grows next to tomatoes",
          "old keys are kept in the vault", "bake bread until the crust is brown",
          "wind turbines turn in the storm", "water the garden in the morning",
          "the api returns keys as json", "a warm oven bakes the bread"]
for i, t in enumerate(topics):
    with open(os.path.join(docs, f"note{i:02d}.txt"), "w") as f:
        f.write(t.capitalize() + ".\n")
kb = os.path.join(work, "rr.kb")
cli("kb", "add", "--db", kb, "-m", embedder, docs)

db = sqlite3.connect(kb)
texts = {row[0] for row in db.execute("SELECT text FROM chunks")}
db.close()
check("one passage per file", len(texts) == len(topics), texts)

for query in ["where are the keys kept", "how do I bake bread", "boats in the wind"]:
    k = 5
    plain = [json.loads(l) for l in
             cli("kb", "search", "--db", kb, "-m", embedder, "-k", str(k), "--json",
                 query).splitlines()]
    reranked = [json.loads(l) for l in
                cli("kb", "search", "--db", kb, "-m", embedder, "-k", str(k), "--json",
                    "--rerank", reranker, query).splitlines()]
    # With 12 passages every one is a fused candidate (max(4k, 40) per list), so the reranked
    # hits are the k best of all passages by the reranker's score.
    ordered = sorted(texts)
    scores = [json.loads(l)["score"] for l in
              cli("rerank", "-m", reranker, "--query", query, *ordered).splitlines()]
    ref = sorted(zip(scores, ordered), key=lambda p: -p[0])[:k]
    got = [h["text"] for h in reranked]
    check(f"'{query}': reranked order = `hearth rerank` order", got == [t for _, t in ref],
          f"\n  got {got}\n  ref {[t for _, t in ref]}")
    check(f"'{query}': reranked scores = `hearth rerank` scores",
          len(reranked) == k and all(abs(h["score"] - s) <= 1e-4 * max(1.0, abs(s))
                                     for h, (s, _) in zip(reranked, ref)),
          f"{[h['score'] for h in reranked]} vs {[s for s, _ in ref]}")
    check(f"'{query}': reranking changed the hybrid order (the test can tell them apart)",
          [h["text"] for h in plain] != got)

finish()
