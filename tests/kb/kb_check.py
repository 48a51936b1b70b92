#!/usr/bin/env python3
"""`hearth kb` against independent references (pure Python: sqlite3, struct, math).

  brute force   vector search = the top-k of cosine similarities recomputed here from the
                stored vectors; the stored vectors = a Python reimplementation of hash:DIM
  bm25          keyword search = FTS5's BM25 formula recomputed here from the chunk texts
  sync          after edits, additions, deletions and touches, the index equals a fresh build
                (documents, chunks, vectors and the FTS5 vocabulary compared by content)
  crash         SIGKILL of `hearth kb add` at random moments (20 times): the database always
                opens, passes integrity checks and searches; a rerun completes the index
  bad input     binary, invalid UTF-8, empty, 100 MB, a PDF without text, unreadable paths, a
                database of a newer format: clear messages, the other files indexed

usage: kb_check.py HEARTH_EXE --work DIR     (exit 0 pass, 1 fail, 77 skip)
"""
import argparse
import json
import math
import os
import random
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time

FAILURES = []
DIM = 64


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def run(hearth, *args, expect=0):
    p = subprocess.run([hearth, "kb", *args], capture_output=True, text=True)
    if expect is not None and p.returncode != expect:
        print(p.stdout, p.stderr, sep="\n")
        check(False, f"hearth kb {' '.join(args)} exited {p.returncode}, expected {expect}")
    return p


# ---------------------------------------------------------------- references

def hash_embed(text, dim=DIM):
    """hash:DIM reimplemented: lower-cased ASCII alphanumeric words, FNV-1a 64, signed bucket."""
    acc = [0] * dim
    for word in _words(text):
        h = 14695981039346656037
        for c in word.encode():
            h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
        acc[h % dim] += -1 if h >> 63 else 1
    norm = math.sqrt(sum(v * v for v in acc))
    if norm == 0:
        return [0.0] * dim
    # float32 rounding of the double quotient, as the C++ cast does.
    return list(struct.unpack(f"{dim}f", struct.pack(f"{dim}f", *[v / norm for v in acc])))


def _words(text):
    out, cur = [], []
    for ch in text:
        if ch.isascii() and ch.isalnum():
            cur.append(ch.lower())
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def stored_chunks(db):
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT c.id, d.path, c.seq, c.text, v.vector FROM chunks c JOIN documents d ON d.id=c.doc_id "
        "JOIN chunk_vectors v ON v.chunk_id=c.id").fetchall()
    con.close()
    return [(i, p, s, t, struct.unpack(f"{len(v)//4}f", v)) for i, p, s, t, v in rows]


def brute_force(chunks, query, k):
    q = hash_embed(query)
    scored = [(sum(a * b for a, b in zip(vec, q)), path, seq) for _, path, seq, _, vec in chunks]
    scored.sort(key=lambda x: -x[0])
    return scored


def bm25_reference(chunks, query, k1=1.2, b=0.75):
    """FTS5's bm25(): sum over query terms of IDF * f (k1+1) / (f + k1 (1 - b + b |D| / avgdl)),
    IDF = log((N - n + 0.5) / (n + 0.5)), at least 1e-6 (fts5_aux.c's documented formula)."""
    docs = [(path, seq, _words(text)) for _, path, seq, text, _ in chunks]
    n_docs = len(docs)
    avgdl = sum(len(w) for _, _, w in docs) / n_docs
    terms = list(dict.fromkeys(_words(query)))
    idf = {}
    for t in terms:
        n = sum(1 for _, _, w in docs if t in w)
        idf[t] = max(math.log((n_docs - n + 0.5) / (n + 0.5)), 1e-6)
    out = []
    for path, seq, w in docs:
        s = 0.0
        for t in terms:
            f = w.count(t)
            if f:
                s += idf[t] * f * (k1 + 1) / (f + k1 * (1 - b + b * len(w) / avgdl))
        if s > 0:
            out.append((s, path, seq))
    out.sort(key=lambda x: -x[0])
    return out


def same_ranking(got, ref, k, tol, what):
    """got: [(path, chunk, score)]; ref: [(score, path, chunk)] sorted. Equal up to exact ties."""
    if not check(len(got) == min(k, len(ref)), f"{what}: {len(got)} results, expected {min(k, len(ref))}"):
        return
    for i, (path, chunk, score) in enumerate(got):
        rs = ref[i][0]
        check(abs(score - rs) <= tol * max(1, abs(rs)), f"{what}: rank {i + 1} score {score} != {rs}")
        if (path, chunk) != (ref[i][1], ref[i][2]):
            # Only a tie with the reference's entry may swap places.
            tied = {(p, c) for s, p, c in ref if abs(s - rs) <= tol * max(1, abs(rs))}
            check((path, chunk) in tied, f"{what}: rank {i + 1} is {path}#{chunk}, expected {ref[i][1]}#{ref[i][2]}")


def search_json(hearth, db, query, mode, k):
    p = run(hearth, "search", "--db", db, "--mode", mode, "-k", str(k), "--json", query)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


# ---------------------------------------------------------------- corpus

VOCAB = None


def make_vocab(rng):
    global VOCAB
    VOCAB = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8)))
             for _ in range(400)]


def sentence(rng, n):
    # Zipf-like: low indices much more frequent.
    return " ".join(VOCAB[min(int(rng.paretovariate(1.1)) - 1, len(VOCAB) - 1)] for _ in range(n)) + "."


def write_corpus(folder, rng, n_files):
    os.makedirs(folder, exist_ok=True)
    for i in range(n_files):
        paras = ["\n".join(sentence(rng, rng.randint(5, 14)) for _ in range(rng.randint(1, 4)))
                 for _ in range(rng.randint(2, 8))]
        ext = [".txt", ".md", ".html"][i % 3]
        path = os.path.join(folder, f"sub{i % 4}", f"doc{i}{ext}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            if ext == ".html":
                f.write("<html><body>\n" + "\n".join(f"<p>{p}</p>" for p in paras) + "\n</body></html>\n")
            else:
                f.write("\n\n".join(paras) + "\n")


def table_contents(db):
    """Everything an index holds, keyed by content (not by row ids)."""
    con = sqlite3.connect(db)
    docs = sorted(con.execute("SELECT path, hash, size, kind, n_chunks, note FROM documents"))
    chunks = sorted(con.execute(
        "SELECT d.path, c.seq, c.byte_start, c.byte_end, c.page, c.line, c.n_tokens, c.text, v.vector "
        "FROM chunks c JOIN documents d ON d.id=c.doc_id JOIN chunk_vectors v ON v.chunk_id=c.id"))
    con.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, chunks_fts, row)")
    vocab = sorted(con.execute("SELECT term, doc, cnt FROM temp.vocab"))
    meta = sorted(con.execute("SELECT key, value FROM meta WHERE key != 'embed_source'"))
    counts = con.execute("SELECT (SELECT count(*) FROM chunks), (SELECT count(*) FROM chunk_vectors)").fetchone()
    con.close()
    return {"documents": docs, "chunks": chunks, "fts_vocab": vocab, "meta": meta, "counts": counts}


def consistent(db, what):
    """Opens, passes SQLite's and FTS5's integrity checks, every document whole."""
    try:
        con = sqlite3.connect(db)
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        check(ok == "ok", f"{what}: integrity_check says {ok}")
        if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
            con.close()  # killed before the schema was committed: an empty database
            return
        con.execute("INSERT INTO chunks_fts(chunks_fts) VALUES('integrity-check')")
        bad = con.execute(
            "SELECT count(*) FROM documents d WHERE n_chunks != (SELECT count(*) FROM chunks WHERE doc_id=d.id)").fetchone()[0]
        check(bad == 0, f"{what}: {bad} documents with missing chunks")
        orphans = con.execute(
            "SELECT (SELECT count(*) FROM chunks WHERE id NOT IN (SELECT chunk_id FROM chunk_vectors)) + "
            "(SELECT count(*) FROM chunk_vectors WHERE chunk_id NOT IN (SELECT id FROM chunks))").fetchone()[0]
        check(orphans == 0, f"{what}: {orphans} chunks without vectors or vectors without chunks")
        con.close()
    except sqlite3.DatabaseError as e:
        check(False, f"{what}: {e}")


# ---------------------------------------------------------------- tests

def test_search(hearth, work, rng):
    corpus = os.path.join(work, "corpus")
    write_corpus(corpus, rng, 30)
    db = os.path.join(work, "search.kb")
    run(hearth, "add", "--db", db, "-m", f"hash:{DIM}", "--chunk-tokens", "48", "--overlap", "6", "-q", corpus)
    chunks = stored_chunks(db)
    check(len(chunks) > 60, f"only {len(chunks)} chunks indexed")
    worst = max(max(abs(a - b) for a, b in zip(vec, hash_embed(text))) for _, _, _, text, vec in chunks)
    check(worst < 1e-6, f"stored vectors differ from the reference hash embedding by {worst}")
    # Queries mixing a word in more than half of the passages (which hearth leaves out of the
    # FTS5 query: fts.hpp), one in 10-50% of them and a rare one, besides random ones.
    df = {}
    for _, _, _, text, _ in chunks:
        for w in set(_words(text)):
            df[w] = df.get(w, 0) + 1
    by_df = lambda lo, hi: sorted(w for w, n in df.items() if lo < n / len(chunks) <= hi)
    common, mid, rare = by_df(0.5, 1.0), by_df(0.1, 0.5), by_df(0.0, 0.1)
    check(common and mid and rare, f"corpus lacks frequency classes: {len(common)} {len(mid)} {len(rare)}")
    queries = [" ".join(rng.choice(VOCAB[:120]) for _ in range(3)) for _ in range(8)]
    queries += [f"{rng.choice(common)} {rng.choice(mid)} {rng.choice(rare)}" for _ in range(4)]
    queries += [f"{rng.choice(common)} {rng.choice(rare)}" for _ in range(2)]
    for query in queries:
        got = [(h["path"], h["chunk"], h["score"]) for h in search_json(hearth, db, query, "vector", 10)]
        same_ranking(got, brute_force(chunks, query, 10), 10, 1e-5, f"vector '{query}'")
        for k in (10, 3):  # k=3: fewer than the rare word's passages (no fallback to all words)
            got = [(h["path"], h["chunk"], h["score"]) for h in search_json(hearth, db, query, "bm25", k)]
            same_ranking(got, bm25_reference(chunks, query), k, 1e-4, f"bm25 k={k} '{query}'")
    # A keyword that only one file has is found first, in every mode that reads keywords.
    special = os.path.join(corpus, "needle.txt")
    with open(special, "w") as f:
        # 45 words: the first paragraph fills a passage, so the needle starts the next one.
        f.write(sentence(rng, 45) + "\n\nthe quixotic zeppelin lands here\n\n" + sentence(rng, 45) + "\n")
    run(hearth, "add", "--db", db, "-q", special)
    for mode in ("bm25", "hybrid"):
        hits = search_json(hearth, db, "zeppelin quixotic", mode, 3)
        check(hits and hits[0]["path"] == special and "zeppelin" in hits[0]["text"] and hits[0].get("line") == 3,
              f"{mode}: keyword document not first: {hits[:1]}")
    print(f"search: {len(chunks)} chunks, vector and bm25 rankings equal the references", flush=True)


def test_sync(hearth, work, rng):
    folder = os.path.join(work, "sync")
    write_corpus(folder, rng, 24)
    db = os.path.join(work, "sync.kb")
    run(hearth, "add", "--db", db, "-m", f"hash:{DIM}", "--chunk-tokens", "40", "-q", folder)
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs)
    with open(files[0], "a") as f:  # edited
        f.write("\n\nan appended paragraph about marmalade\n")
    os.remove(files[1])  # deleted
    os.utime(files[2], (time.time() + 5, time.time() + 5))  # touched, content unchanged
    with open(os.path.join(folder, "sub1", "new.md"), "w") as f:  # added
        f.write("# brand new\n\nfresh words for the index\n")
    p = run(hearth, "sync", "--db", db, folder)
    check("1 removed" in p.stderr and "2 indexed" in p.stderr, f"sync summary: {p.stderr.splitlines()[-1:]}")
    check(f"unchanged {files[2]}" in " ".join(p.stderr.split()), "touched file was not reported unchanged")
    fresh = os.path.join(work, "fresh.kb")
    run(hearth, "add", "--db", fresh, "-m", f"hash:{DIM}", "--chunk-tokens", "40", "-q", folder)
    a, b = table_contents(db), table_contents(fresh)
    for key in a:
        check(a[key] == b[key], f"sync: table {key} differs from a fresh build")
    hits = search_json(hearth, db, "marmalade", "bm25", 1)
    check(hits and hits[0]["path"] == files[0], "sync: edited text not searchable")
    print("sync: index after edits equals a fresh build", flush=True)


def test_crash(hearth, work, rng):
    folder = os.path.join(work, "crash")
    write_corpus(folder, rng, 1200)
    db = os.path.join(work, "crash.kb")
    args = [hearth, "kb", "add", "--db", db, "-m", f"hash:{DIM}", "--chunk-tokens", "16", "--overlap", "2", "-q", folder]
    t0 = time.monotonic()
    subprocess.run(args, capture_output=True, check=True)
    full = time.monotonic() - t0
    reference = table_contents(db)
    kills, i = 0, 0
    while kills < 20 and i < 40:
        # Start over every third run, so kills also hit creation and early files; each kill
        # comes within the first 30% of a full run, so the three of a round all land mid-way.
        if i % 3 == 0:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
        i += 1
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, full * 0.3))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        if os.path.exists(db):
            consistent(db, f"after kill {i}")
            p = subprocess.run([hearth, "kb", "search", "--db", db, "--mode", "bm25", "the"],
                               capture_output=True, text=True)
            # A kill before the model was recorded leaves a knowledge base without documents.
            check(p.returncode == 0, f"search after kill {i}: {p.stderr.strip()}")
    check(kills >= 20, f"only {kills} runs were killed mid-way (full run {full:.2f} s)")
    subprocess.run(args, capture_output=True, check=True)
    consistent(db, "after the rerun")
    got = table_contents(db)
    for key in reference:
        check(got[key] == reference[key], f"crash: table {key} after rerun differs from a clean build")
    print(f"crash: {kills} SIGKILLs (full run {full:.2f} s), always consistent, rerun complete", flush=True)


def pdf_bytes(pages):
    """A minimal PDF, one page per string (None: a page without text), Helvetica."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", None,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET" if text else ""
        objs.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objs)} 0 R >>")
        kids.append(f"{len(objs)} 0 R")
    objs[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += f"{i + 1} 0 obj\n{o}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_bad_input(hearth, work, rng):
    folder = os.path.join(work, "bad")
    os.makedirs(folder, exist_ok=True)
    files = {
        "good.txt": b"a good file about the harbour lighthouse\n",
        "binary.txt": b"\x7fELF\x00\x00\x01binary",
        "latin1.md": b"caf\xe9 cr\xe8me br\xfbl\xe9e\n",
        "empty.txt": b"",
        "scan.pdf": pdf_bytes([None]),
        "paged.pdf": pdf_bytes(["first page words", "the walrus is on page two"]),
        "broken.pdf": b"%PDF-1.4\nthis is not a pdf\n",
        "markup.html": b"<p>unclosed <b>tags and <i>ampersands & stuff</p><p>second para",
    }
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    with open(os.path.join(folder, "huge.txt"), "wb") as f:
        line = b"many words of filler text in a very large file\n"
        f.write(line * (100 * 1024 * 1024 // len(line) + 1))
    # Unreadable paths, named on the command line (a folder walk skips dangling links).
    dangling = os.path.join(folder, "dangling.txt")
    os.symlink(os.path.join(folder, "missing-target.txt"), dangling)
    unreadable = [dangling, os.path.join(folder, "no-such-file.md")]
    if os.geteuid() != 0:  # root reads mode-000 files anyway
        locked = os.path.join(folder, "locked.txt")
        with open(locked, "w") as f:
            f.write("secret")
        os.chmod(locked, 0)
        unreadable.append(locked)
    db = os.path.join(work, "bad.kb")
    p = run(hearth, "add", "--db", db, "-m", f"hash:{DIM}", folder, *unreadable, expect=1)
    err = p.stderr
    have_pdftotext = shutil.which("pdftotext") is not None
    check("binary.txt: binary content" in err, "binary file message")
    check("huge.txt: too large" in err, "100 MB file message")
    check("latin1.md: 4 invalid UTF-8" in err, "invalid UTF-8 warning")
    check("empty.txt: no text" in err, "empty file warning")
    for path in unreadable:
        check(f"{path}: cannot" in err, f"unreadable path message for {path}")
    if have_pdftotext:
        check("scan.pdf: no text (a scanned PDF" in err, "PDF without text message")
        check("broken.pdf: pdftotext could not read it" in err, "damaged PDF message")
    else:
        check("needs the pdftotext program" in err, "missing pdftotext message")
    hits = search_json(hearth, db, "harbour lighthouse", "hybrid", 1)
    check(hits and hits[0]["path"].endswith("good.txt"), "good file not indexed next to bad ones")
    hits = search_json(hearth, db, "caf", "bm25", 1)
    check(hits and hits[0]["text"] == "caf\ufffd cr\ufffdme br\ufffdl\ufffde", f"latin1 text: {hits}")
    hits = search_json(hearth, db, "ampersands", "bm25", 1)
    check(hits and "ampersands & stuff" in hits[0]["text"], f"html: {hits}")
    if have_pdftotext:
        hits = search_json(hearth, db, "walrus", "bm25", 1)
        check(hits and hits[0].get("page") == 2 and hits[0]["path"].endswith("paged.pdf"), f"pdf page: {hits}")
    # Larger limit: the 100 MB file is indexed (without a model the test embedder is quick).
    # Left out: it takes minutes of chunking; the refusal path is what users hit by default.
    # A database of a newer format is refused with a message, not misread.
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version=7")
    con.commit()
    con.close()
    p = run(hearth, "search", "--db", db, "lighthouse", expect=1)
    check("format version 7, newer than this hearth reads" in p.stderr, f"newer format: {p.stderr}")
    p = run(hearth, "search", "--db", os.path.join(folder, "good.txt"), "x", expect=1)
    check("not a SQLite database" in p.stderr or "not a hearth knowledge base" in p.stderr,
          f"text file as database: {p.stderr}")
    # Another model on an existing knowledge base.
    fresh = os.path.join(work, "model.kb")
    run(hearth, "add", "--db", fresh, "-m", "hash:32", "-q", os.path.join(folder, "good.txt"))
    p = run(hearth, "search", "--db", fresh, "-m", "hash:64", "lighthouse", expect=1)
    check("was built with embedding model 'hash:32'" in p.stderr, f"model mismatch: {p.stderr}")
    os.remove(os.path.join(folder, "huge.txt"))
    print("bad input: clear messages, good files indexed", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hearth")
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    if not os.path.exists(a.hearth):
        print("hearth binary not found:", a.hearth)
        return 1
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    rng = random.Random(1234)
    make_vocab(rng)
    tests = {"search": test_search, "sync": test_sync, "crash": test_crash, "bad": test_bad_input}
    for name, fn in tests.items():
        if not a.only or name in a.only.split(","):
            t0 = time.monotonic()
            fn(a.hearth, a.work, rng)
            print(f"  ({name}: {time.monotonic() - t0:.1f} s)", flush=True)
    if FAILURES:
        print(f"{len(FAILURES)} failures")
        return 1
    shutil.rmtree(a.work, ignore_errors=True)
    print("kb_check: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
