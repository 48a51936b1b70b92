"""Cross-check of embeddings and reranking scores against llama.cpp on synthetic models.

usage: embed_check.py HEARTH_CLI SHARED_DIR [--work DIR]
For each architecture and pooling type, `hearth synth` writes a small random-weight model with
the shared vocabularies; llama.cpp (the peer, /work/shared/tools/peer-llamacpp/run.sh --embed)
and `hearth embed` embed the same texts; every pair must have cosine similarity >= 0.9999.
Reranker scores (the rank head) must match llama.cpp's within 1e-4 (relative above 1).
Exit 0: all match; 1: a mismatch, or (with CI=true) missing data / peer; 77: data or peer
missing outside CI (a ctest skip).
"""
import json
import math
import os
import sys
import tempfile
from peer_common import check_args, run, unavailable

MIN_COSINE = 0.9999
TEXTS = [
    "Hello world, this is a test.",
    "The quick brown fox jumps over the lazy dog.",
    "Embeddings map text to vectors; similar texts get similar vectors!",
    "a",
]
QUERY = "what is a fox"
DOCS = ["The quick brown fox jumps over the lazy dog.", "Paris is the capital of France."]

# (preset, vocabulary, type, poolings to check; None: the model's own)
EMBEDDERS = [
    ("tiny-bert", "ggml-vocab-bert-bge.gguf", "f16", [None, "cls", "last", "none"]),
    ("tiny-bert", "ggml-vocab-bert-bge.gguf", "q8_0", [None]),
    ("tiny-nomic-bert", "ggml-vocab-bert-bge.gguf", "f16", [None, "cls"]),
    ("tiny-qwen3-embedding", "ggml-vocab-qwen2.gguf", "f16", [None, "mean"]),
]
RERANKERS = [
    ("tiny-bert-reranker", "ggml-vocab-bert-bge.gguf", "f16"),
    ("tiny-qwen3-reranker", "ggml-vocab-qwen2.gguf", "f16"),
]
QWEN3_RERANK = (
    "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query "
    "and the Instruct provided. Note that the answer can only be \"yes\" or \"no\"."
    "<|im_end|>\n<|im_start|>user\n<Instruct>: Given a web search query, retrieve relevant "
    "passages that answer the query\n<Query>: {query}\n<Document>: {document}<|im_end|>\n"
    "<|im_start|>assistant\n<think>\n\n</think>\n\n")




def peer_scores(shared, model, text):
    """The rank head's outputs: llama.cpp returns n_cls_out floats for rank pooling; the peer
    prints n_embd values from that buffer, so only the leading ones are meaningful (and the
    rest may not even be valid JSON numbers)."""
    out = run([os.path.join(shared, "tools", "peer-llamacpp", "run.sh"), model, "--threads",
               "1", "--reps", "1", "--embed", "--parse-special", "--prompt", text])
    head = out.split('"embedding":[', 1)[1]
    return [float(v) for v in head.split(",")[:2]]


def peer(shared, model, text, pooling=None, parse_special=False):
    cmd = [os.path.join(shared, "tools", "peer-llamacpp", "run.sh"), model, "--threads", "1",
           "--reps", "1", "--embed", "--prompt", text]
    if pooling:
        cmd += ["--pooling", pooling]
    if parse_special:
        cmd += ["--parse-special"]
    return json.loads(run(cmd))


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na > 0 and nb > 0 else 0.0


def check_embedder(cli, shared, work, preset, vocab, dtype, poolings):
    model = os.path.join(work, f"{preset}-{dtype}.gguf")
    run([cli, "synth", "--preset", preset, "--vocab",
         os.path.join(shared, "testdata", "tokenizer", vocab), "--type", dtype, "-o", model])
    failures = 0
    for pooling in poolings:
        cmd = [cli, "embed", "-m", model, "-t", "1", "--normalize", "none"]
        if pooling:
            cmd += ["--pooling", pooling]
        # All texts in one call: packed into one forward pass, each must match its own peer run.
        lines = run(cmd + TEXTS).splitlines()
        if len(lines) != len(TEXTS):
            print(f"FAIL {preset} {dtype} {pooling}: {len(lines)} lines for {len(TEXTS)} texts")
            failures += 1
            continue
        for text, line in zip(TEXTS, lines):
            ours = json.loads(line)
            if pooling == "none":
                ours = ours[-1]  # the peer prints the last token's row
            theirs = peer(shared, model, text, pooling)["embedding"][: len(ours)]
            c = cosine(ours, theirs)
            ok = c >= MIN_COSINE
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {preset} {dtype} pooling={pooling or 'model'} "
                  f"cos={c:.7f} {text[:30]!r}")
    return failures


def check_reranker(cli, shared, work, preset, vocab, dtype):
    model = os.path.join(work, f"{preset}-{dtype}.gguf")
    run([cli, "synth", "--preset", preset, "--vocab",
         os.path.join(shared, "testdata", "tokenizer", vocab), "--type", dtype, "-o", model])
    ours = [json.loads(l)["score"]
            for l in run([cli, "rerank", "-m", model, "-t", "1", "--query", QUERY] + DOCS)
            .splitlines()]
    failures = 0
    for doc, score in zip(DOCS, ours):
        if "qwen3" in preset:
            prompt = QWEN3_RERANK.replace("{query}", QUERY).replace("{document}", doc)
        else:  # [CLS] query [SEP] doc [SEP]: the peer adds [CLS] and the final [SEP]
            prompt = f"{QUERY}[SEP]{doc}"
        theirs = peer_scores(shared, model, prompt)[0]
        ok = abs(score - theirs) <= 1e-4 * max(1.0, abs(theirs))
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {preset} rerank hearth={score:.6f} "
              f"llama.cpp={theirs:.6f} {doc[:30]!r}")
    return failures


def main():
    cli, shared, work_arg = check_args()
    vocab_dir = os.path.join(shared, "testdata", "tokenizer")
    if not os.path.isdir(vocab_dir):
        return unavailable(f"no shared vocabularies in {vocab_dir}")
    run_sh = os.path.join(shared, "tools", "peer-llamacpp", "run.sh")
    if not os.path.exists(run_sh):
        return unavailable("no llama.cpp peer script")
    work = work_arg or tempfile.mkdtemp(prefix="hearth-embed-check-")
    os.makedirs(work, exist_ok=True)
    try:
        failures = 0
        for preset, vocab, dtype, poolings in EMBEDDERS:
            failures += check_embedder(cli, shared, work, preset, vocab, dtype, poolings)
        for preset, vocab, dtype in RERANKERS:
            failures += check_reranker(cli, shared, work, preset, vocab, dtype)
    except RuntimeError as e:
        if "npm install" in str(e):
            return unavailable("the llama.cpp peer cannot be installed")
        print(f"FAIL: {e}")
        return 1
    print("embed_check: all match" if failures == 0 else f"embed_check: {failures} mismatches")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
