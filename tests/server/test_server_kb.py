"""`hearth serve --kb KB --embed-model E` (docs/server.md): every chat turn is grounded in the
knowledge base and the response carries the cited sources.

References, none of them the server's own output:
- the files themselves: every source names a file of the folder and a line where its passage
  starts in that file (the passage text is found there), and the keyword-only document (a word
  no other file has) is among them;
- `hearth kb search --json` on the same question: the same passages, order and scores;
- the audit log (--audit-content): the message the model saw holds the question and the
  passages' text; prompt_tokens exceeds the same request's on a server without --kb;
- /v1/models lists the embedding model under the file name it was started with.
usage: test_server_kb.py HEARTH CHAT_MODEL VOCAB_DIR WORKDIR"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from server_util import Server  # noqa: E402
from script_checks import check, cli_runner, finish, require_file  # noqa: E402

hearth, chat_model, vocab_dir, work = sys.argv[1:5]
vocab = os.path.join(vocab_dir, "ggml-vocab-bert-bge.gguf")
require_file(vocab)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
cli = cli_runner(hearth)

embedder = os.path.join(work, "embed.gguf")
cli("synth", "--preset", "tiny-bert", "--vocab", vocab, "--type", "f32", "-o", embedder)

docs = os.path.join(work, "docs")
os.makedirs(docs)
files = {
    "garden.md": "# Garden\n\nTomatoes need sun and water every morning.\n\n"
                 "Basil grows well next to tomatoes in the summer.\n",
    "keys.md": "# Keys\n\nRotate the API keys every ninety days.\n\n"
               "The zorblax vault holds the old keys behind the third door.\n",
    "boats.txt": "Sailing boats lean in strong wind.\n\nA keel keeps the boat upright.\n",
    "bread.md": "Bread dough rises in a warm kitchen.\n\nBake it until the crust is brown.\n",
}
for name, text in files.items():
    with open(os.path.join(docs, name), "w") as f:
        f.write(text)
kb = os.path.join(work, "notes.kb")
cli("kb", "add", "--db", kb, "-m", embedder, docs)

QUESTION = "Where does the zorblax vault keep the keys?"
CHAT = {"model": "m", "messages": [{"role": "system", "content": "Be brief."},
                                   {"role": "user", "content": QUESTION}],
        "max_tokens": 8, "temperature": 0}
reference = [json.loads(line) for line in
             cli("kb", "search", "--db", kb, "-m", embedder, "-k", "3", "--json",
                 QUESTION).splitlines()]

# The same request without --kb: the prompt the model sees is shorter.
s = Server(hearth, chat_model, "--alias", "m")
try:
    st, _, plain = s.json("POST", "/v1/chat/completions", CHAT)
    check("plain: 200", st == 200, plain)
    check("plain: no sources field", "sources" not in plain, plain)
finally:
    s.stop()

audit = os.path.join(work, "audit.jsonl")
s = Server(hearth, chat_model, "--alias", "m", "--embed-model", embedder, "--kb", kb,
           "--kb-k", "3", "--audit-log", audit, "--audit-content")
try:
    st, _, models = s.json("GET", "/v1/models")
    ids = [m["id"] for m in models.get("data", [])]
    check("/v1/models lists the chat and the embedding model", ids == ["m", "embed.gguf"], models)
    check("/v1/models marks the embedding model",
          len(models["data"]) == 2 and models["data"][1].get("type") == "embedding", models)

    st, _, body = s.json("POST", "/v1/chat/completions", CHAT)
    check("kb: 200", st == 200, body)
    sources = body.get("sources")
    check("kb: sources present", isinstance(sources, list) and len(sources) == 3, body)
    sources = sources or []
    check("kb: still an OpenAI chat.completion",
          body.get("object") == "chat.completion" and "content" in body["choices"][0]["message"])
    for src in sources:
        path = src.get("path", "")
        ok = os.path.dirname(path) == os.path.realpath(docs) and os.path.basename(path) in files
        check(f"source {src.get('index')}: a file of the folder", ok, src)
        if ok:
            with open(path) as f:
                lines = f.read().split("\n")
            line = src.get("line")
            check(f"source {src.get('index')}: its line is in the file",
                  isinstance(line, int) and 1 <= line <= len(lines), src)
            check(f"source {src.get('index')}: no page for a text file", src.get("page") is None, src)
    check("kb: the keyword document is cited",
          any(src.get("path", "").endswith("/keys.md") for src in sources), sources)
    for src, ref in zip(sources, reference):
        # The passage (as `hearth kb search` prints it) starts at the cited line of the file.
        if os.path.exists(src.get("path", "")) and isinstance(src.get("line"), int):
            with open(src["path"]) as f:
                rest = "\n".join(f.read().split("\n")[src["line"] - 1:])
            check(f"source {src['index']}: its passage starts at its line",
                  rest.startswith(ref["text"].split("\n")[0]), f"{src} / {ref['text'][:60]!r}")
    check("kb: sources equal `hearth kb search` (paths, lines, order)",
          [(x["path"], x["line"]) for x in sources] == [(r["path"], r["line"]) for r in reference],
          f"{sources} vs {reference}")
    check("kb: scores equal `hearth kb search`",
          all(abs(x["score"] - r["score"]) < 1e-9 for x, r in zip(sources, reference)))
    check("kb: the grounded prompt is longer",
          body["usage"]["prompt_tokens"] > plain["usage"]["prompt_tokens"] + 20,
          f'{body["usage"]} vs {plain["usage"]}')

    # Streaming: the final chunk (the one with finish_reason) carries the same sources.
    st, _, text = s.request("POST", "/v1/chat/completions", dict(CHAT, stream=True))
    events = [json.loads(line[6:]) for line in text.splitlines()
              if line.startswith("data: ") and line != "data: [DONE]"]
    finals = [e for e in events if e["choices"] and e["choices"][0].get("finish_reason")]
    check("stream: one final chunk with the sources",
          len(finals) == 1 and finals[0].get("sources") == sources, text[-600:])
    check("stream: other chunks have none",
          all("sources" not in e for e in events if e not in finals))

    # A message longer than the embedding model's context: keyword search only, still answered.
    long_q = "zorblax " + " ".join(["the"] * 140)  # > 128 tokens (tiny-bert), < 512 (the chat model)
    st, _, body2 = s.json("POST", "/v1/chat/completions",
                          dict(CHAT, max_tokens=2,
                               messages=[{"role": "user", "content": long_q}]))
    check("long message: 200 with the keyword document first",
          st == 200 and body2.get("sources") and body2["sources"][0]["path"].endswith("/keys.md"),
          str(body2)[:400])

    # /v1/completions is not a chat turn: nothing retrieved.
    st, _, comp = s.json("POST", "/v1/completions", {"model": "m", "prompt": QUESTION,
                                                     "max_tokens": 4})
    check("completions: no sources", st == 200 and "sources" not in comp, comp)
finally:
    s.stop()

# The CLI equivalent, `hearth chat --kb`, cites the same passages after its answer.
r = subprocess.run([hearth, "chat", "-m", chat_model, "--kb", kb, "--kb-k", "3", "-n", "4"],
                   input=QUESTION + "\n", capture_output=True, text=True, timeout=120)
cited = [line.split(" ", 1)[1] for line in r.stdout.splitlines() if line.startswith("[")]
check("hearth chat --kb: the same sources as the server",
      r.returncode == 0 and cited == [f'{x["path"]}:{x["line"]}' for x in sources],
      f"{r.stdout[-400:]} {r.stderr[-300:]}")

with open(audit) as f:
    entries = [json.loads(line) for line in f]
grounded = [e for e in entries if e.get("path") == "/v1/chat/completions"]
content = grounded[0].get("prompt", "") if grounded else ""
check("audit: the model saw the question", "Question: " + QUESTION in content, content[:400])
check("audit: the model saw the keyword passage's text",
      "The zorblax vault holds the old keys behind the third door." in content, content[:800])
check("audit: the model saw numbered sources", "[1] " in content and "[3] " in content)

# A reranker beside the chat model is listed as one.
reranker = os.path.join(work, "rerank.gguf")
cli("synth", "--preset", "tiny-bert-reranker", "--vocab", vocab, "--type", "f32", "-o", reranker)
s = Server(hearth, chat_model, "--alias", "m", "--embed-model", reranker)
try:
    st, _, models = s.json("GET", "/v1/models")
    check("/v1/models lists the reranker",
          [(m["id"], m.get("type")) for m in models.get("data", [])] ==
          [("m", None), ("rerank.gguf", "reranking")], models)
finally:
    s.stop()

# Bad start: a missing knowledge base stops the server with a message naming it.
missing = os.path.join(work, "missing.kb")
r = subprocess.run([hearth, "serve", "-m", chat_model, "--port", "0", "--embed-model", embedder,
                    "--kb", missing], capture_output=True, text=True, timeout=120)
check("missing --kb: the server exits with an error naming it",
      r.returncode != 0 and missing in r.stderr, r.stderr[-400:])
r = subprocess.run([hearth, "serve", "-m", chat_model, "--kb-k", "0", "--kb", kb],
                   capture_output=True, text=True, timeout=60)
check("--kb-k 0 refused", r.returncode != 0 and "kb_k" in r.stderr, r.stderr[-300:])

finish()
