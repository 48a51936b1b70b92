"""Tokenization beyond the shared test sets, against llama.cpp's own ids.

usage: tokenize_check.py HEARTH_CLI SHARED_DIR [--jobs N] [--only VOCAB] [--record]
Runs `hearth tokenize -m VOCAB.gguf [--parse-special] TEXT` and llama.cpp
(`peer-llamacpp/run.sh VOCAB.gguf --tokenize-only [--parse-special] --prompt TEXT`) on texts of
the classes a new user trips over (Devanagari with vowel signs, Hangul, Unicode spaces,
zero-width and format characters, combining accents, CJK, emoji, mixed scripts, control
characters, special-token literals with and without special-token parsing) over several
vocabulary families, and compares the ids exactly (BOS/EOS as each model asks).
--record prints llama.cpp's ids as C++ rows for tests/test_tokenizer_classes.cpp instead (the
offline copy of this check). Exit 0: all equal; 1: a difference, or (with CI=true) missing data or peer; 77: data or peer
missing outside CI (ctest reports a skip).
"""
import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from peer_common import run, unavailable


# (class, text[, CORE]). Texts are passed as command-line arguments, so none holds a NUL. The
# vocabularies llama.cpp takes a second or more to load run the CORE texts only.
CORE = "core"
TEXTS = [
    ("devanagari", "नमस्ते दुनिया", CORE),
    ("devanagari", "हिन्दी भाषा में क़िताब"),
    ("devanagari", "कि की कु कृ कं कः"),
    ("hangul", "한국어 텍스트", CORE),
    ("hangul", "안녕하세요, 세계!"),
    ("hangul", "\u1112\u1161\u11ab\u1100\u116e\u11a8"),  # already decomposed jamo
    ("spaces", "a\u00a0b"),  # no-break space
    ("spaces", "a\u2003b c", CORE),  # em space
    ("spaces", "thin\u2009space\u202fnarrow"),
    ("spaces", "x\u3000y\u2028z\u0085w"),  # ideographic space, line separator, NEL
    ("spaces", "  lead and trail \u00a0 "),
    ("zero-width", "a\u200bb", CORE),  # zero-width space
    ("zero-width", "a\u200db\u200cc"),  # joiner, non-joiner
    ("zero-width", "\ufeffhello"),  # byte-order mark
    ("zero-width", "soft\u00adhyphen wo\u2060rd"),  # soft hyphen, word joiner
    ("combining", "café naïve Ångström", CORE),
    ("combining", "cafe\u0301 e\u0308\u0301x"),  # combining marks after the base letter
    ("combining", "ÀÉÎÕÜ Çà ǅ İstanbul ΣΑΣ"),
    ("combining", "ﬁne ½ ℌ"),  # compatibility characters NFD keeps
    ("cjk", "中文分词测试", CORE),
    ("cjk", "日本語のテキスト、カタカナ。"),
    ("cjk", "\U00020000\U0002a700\U0002b820\U0002b920 \uf900"),  # extensions B, C, E, compat
    ("cjk", "（全角）ＡＢＣ１２３"),
    ("emoji", "👍🏽 ok 🇫🇷", CORE),
    ("emoji", "👨\u200d👩\u200d👧 family"),
    ("mixed", "Hello мир 世界 مرحبا שלום"),
    ("mixed", "x² + y³ = z⁴; 3.14 € $5 ±1"),
    ("mixed", "ไทย ภาษา ລາວ ᠮᠣᠩ"),
    ("control", "a\tb\nc\r\nd", CORE),
    ("control", "a\x01b\x7fc\x1fd"),
    ("control", "private \ue000 use \U000f0000"),
    ("special", "a</s>b", CORE),
    ("special", "<s> x </s> y"),
    ("special", "a<|endoftext|>b <|im_start|>user"),
    ("special", "[CLS] x [SEP] y [MASK]"),
    ("special", "<unk> and [UNK]"),
    ("special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>",
     CORE),
]

# Vocabularies and which classes each runs (every vocabulary runs the special literals twice:
# with and without --parse-special).
ALL = sorted({t[0] for t in TEXTS})
# vocabulary: the classes it runs; CORE: the core texts; (CORE, classes): those of the classes
VOCABS = {
    "bert-bge": ALL,
    "phi-3": ALL,
    "llama-spm": ["hangul", "spaces", "zero-width", "combining", "special"],
    "gpt-2": ["devanagari", "spaces", "zero-width", "combining", "control", "special"],
    "llama-bpe": CORE,
    "qwen2": CORE,
    "gemma-4": (CORE, ["special"]),  # llama.cpp loads these two in 2-3 s
    "command-r": (CORE, ["special"]),
}


def runs(spec, cls, core):
    """Whether a vocabulary whose VOCABS entry is `spec` runs a text of class `cls`."""
    if spec == CORE:
        return core
    if isinstance(spec, tuple):
        return core and cls in spec[1]
    return cls in spec


# The offline copy (tests/test_tokenizer_classes.cpp): every class on the WordPiece and Phi-3
# vocabularies, the special literals and zero-width characters on the others.
RECORD_ALL = ("bert-bge", "phi-3")
RECORD_CLASSES = ("special", "zero-width")


def cxx_string(text):
    """A C++ string literal: printable characters as UTF-8, the rest as \\x escapes (each
    closing its literal, so that a following hex digit is not swallowed)."""
    import unicodedata
    out, hexed, prev = '"', False, " "
    for ch in text:
        # Marks stay literal after a letter of their own script (Devanagari vowel signs), and
        # are escaped after ASCII, where they would pass for a precomposed letter.
        cat = unicodedata.category(ch)[0]
        invisible = (cat in "CZ" and ch != " ") or (cat == "M" and (ord(prev) < 0x80 or hexed))
        prev = ch
        if invisible or ch in '"\\?':
            if ch in '"\\?' and not invisible:
                out += ('" "' if hexed else "") + "\\" + ch
                hexed = False
                continue
            out += "".join(f"\\x{b:02X}" for b in ch.encode())
            hexed = True
        else:
            out += ('" "' if hexed else "") + ch
            hexed = False
    return out + '"'


def record(shared, path, cases):
    print("// Recorded with tests/peer/tokenize_check.py --record: each row's ids are llama.cpp's")
    print("// prompt_ids from `run.sh ggml-vocab-VOCAB.gguf --tokenize-only [--parse-special]")
    print("// --prompt TEXT` (peer-llamacpp, llama.cpp v0.5.0 of node-llama-cpp 3.22.1).")
    for vocab, cls, text, parse_special in cases:
        if vocab not in RECORD_ALL and cls not in RECORD_CLASSES:
            continue
        ids = peer_ids(shared, path(vocab), text, parse_special)
        flag = "true" if parse_special else "false"
        print(f'{{"{vocab}", "{cls}", {cxx_string(text)}, {flag}, {{{", ".join(map(str, ids))}}}}},')
    return 0




def peer_ids(shared, vocab, text, parse_special):
    cmd = [os.path.join(shared, "tools", "peer-llamacpp", "run.sh"), vocab, "--tokenize-only",
           "--prompt", text] + (["--parse-special"] if parse_special else [])
    return json.loads(run(cmd))["prompt_ids"]


def hearth_ids(cli, vocab, text, parse_special):
    cmd = [cli, "tokenize", "-m", vocab] + (["--parse-special"] if parse_special else []) + [text]
    return [int(t) for t in run(cmd).split()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("shared")
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--only", help="one vocabulary name, e.g. bert-bge")
    ap.add_argument("--record", action="store_true", help="print llama.cpp's ids as C++ rows")
    args = ap.parse_args()
    shared, cli = os.path.abspath(args.shared), os.path.abspath(args.cli)
    vocab_dir = os.path.join(shared, "testdata", "tokenizer")
    path = lambda name: os.path.join(vocab_dir, f"ggml-vocab-{name}.gguf")  # noqa: E731
    missing = [v for v in VOCABS if not os.path.isfile(path(v))]
    if missing:
        return unavailable(f"vocabularies not found: {', '.join(missing)} in {vocab_dir}")
    try:
        peer_ids(shared, path("gpt-2"), "hello", False)
    except RuntimeError as e:
        if "npm install" in str(e):
            return unavailable(f"the llama.cpp peer could not be installed ({e})")
        raise

    cases = []
    for vocab, classes in VOCABS.items():
        if args.only and vocab != args.only:
            continue
        for cls, text, *core in TEXTS:
            if runs(classes, cls, bool(core)):
                cases.append((vocab, cls, text, False))
                if cls == "special":
                    cases.append((vocab, cls, text, True))

    if args.record:
        return record(shared, path, cases)

    def check(case):
        vocab, cls, text, parse_special = case
        want = peer_ids(shared, path(vocab), text, parse_special)
        got = hearth_ids(cli, path(vocab), text, parse_special)
        return case, want, got

    failures = 0
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for (vocab, cls, text, parse_special), want, got in pool.map(check, cases):
            if want != got:
                failures += 1
                flag = " --parse-special" if parse_special else ""
                print(f"FAIL {vocab} {cls}{flag} {text!r}:\n      hearth    {got}\n      llama.cpp {want}")
    print(f"tokenize check: {len(cases) - failures} of {len(cases)} texts give llama.cpp's ids"
          f" ({len(VOCABS) if not args.only else 1} vocabularies)")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
