#!/usr/bin/env python3
"""Records llama.cpp's grammar-constrained greedy tokens for tests/test_grammar_peer.cpp.

usage: tests/peer/record_grammar_peer.py HEARTH_BIN TEST_DATA [--out tests/data/grammars/peer_expected.tsv]

For every tests/data/grammars/*.gbnf and every model below it runs
  TEST_DATA/tools/peer-llamacpp/run.sh MODEL --prompt P --gen-tokens N --grammar-file G --threads 1
and writes one line per run: model, grammar, n, prompt (JSON string), llama.cpp's tokens (the
end-of-generation token included when the grammar ended), or "error" when llama.cpp refused.
The synthetic byte-level BPE model is made with `HEARTH_BIN synth --preset tiny-qwen2 --vocab
TEST_DATA/testdata/tokenizer/ggml-vocab-qwen2.gguf` (deterministic: seed 42); the test makes the
same file with the library. These are llama.cpp's outputs, the reference; never hearth's.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N_GEN = 48
PROMPTS = ["Once upon a time", "The answer is"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hearth")
    ap.add_argument("data")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests/data/grammars/peer_expected.tsv"))
    ap.add_argument("--work", default="/tmp/hearth-grammar-peer")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    qwen = os.path.join(a.work, "tiny-qwen2.gguf")
    subprocess.run([a.hearth, "synth", "--preset", "tiny-qwen2", "--vocab",
                    os.path.join(a.data, "testdata/tokenizer/ggml-vocab-qwen2.gguf"), "-o", qwen],
                   check=True, capture_output=True)
    models = {
        "stories260K": os.path.join(a.data, "models/real/stories260K.gguf"),
        "TinyStories-656K-Q8_0": os.path.join(ROOT, "models/TinyStories-656K-Q8_0.gguf"),
        "tiny-qwen2": qwen,
    }
    gdir = os.path.join(ROOT, "tests/data/grammars")
    grammars = sorted(f for f in os.listdir(gdir) if f.endswith(".gbnf"))
    peer = os.path.join(a.data, "tools/peer-llamacpp/run.sh")
    lines = ["# model\tgrammar\tn\tprompt\tllama.cpp greedy tokens (tests/peer/record_grammar_peer.py)"]
    for model, path in models.items():
        for g in grammars:
            for prompt in PROMPTS:
                cmd = [peer, path, "--prompt", prompt, "--gen-tokens", str(N_GEN),
                       "--grammar-file", os.path.join(gdir, g), "--threads", "1"]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    toks = "error"
                    print(f"{model} {g}: peer failed: {r.stderr.strip()[-200:]}", file=sys.stderr)
                else:
                    toks = ",".join(str(t) for t in json.loads(r.stdout)["greedy_tokens"])
                lines.append("\t".join([model, g, str(N_GEN), json.dumps(prompt), toks]))
                print(lines[-1][:160], file=sys.stderr)
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
