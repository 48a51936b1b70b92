// /v1/embeddings through the official openai npm client (pinned in package.json) and /v1/rerank
// over raw HTTP, on synthetic BERT models (`hearth synth --preset tiny-bert[-reranker]`); every
// value is compared with the `hearth embed` / `hearth rerank` CLI for the same texts (the CLI is
// checked against llama.cpp by tests/peer/embed_check.py) and token counts with `hearth tokenize`.
// Two servers: a chat model with --embed-model, and a reranker alone with --reranking.
// usage: node openai_embed.mjs HEARTH CHAT_MODEL BERT_VOCAB NODE_MODULES_DIR WORKDIR
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { checks, loadOpenAI, startServer as serve, stopServer as stop } from "./server_util.mjs";

const [hearth, chatModel, vocab, modulesDir, work] = process.argv.slice(2);
const OpenAI = await loadOpenAI(modulesDir);
fs.mkdirSync(work, { recursive: true });
const cli = (...a) => execFileSync(hearth, a, { maxBuffer: 1 << 26 }).toString();

const embedder = path.join(work, "tiny-bert.gguf");
const reranker = path.join(work, "tiny-bert-reranker.gguf");
cli("synth", "--preset", "tiny-bert", "--vocab", vocab, "--type", "f32", "-o", embedder);
cli("synth", "--preset", "tiny-bert-reranker", "--vocab", vocab, "--type", "f32", "-o", reranker);

const TEXTS = ["The quick brown fox jumps over the lazy dog.", "hearth runs models on CPUs",
               "Ünïcödé, 한국어 and 中文 too"];
const QUERY = "what is a panda?";
const DOCS = ["hi", "The giant panda is a bear species endemic to China.",
              "pandas are black and white", "Paris is the capital of France."];
// References from the CLI (L2-normalised, as the server's /v1/embeddings).
const refRows = cli("embed", "-m", embedder, "-t", "1", ...TEXTS).trim().split("\n").map(JSON.parse);
const refScores = cli("rerank", "-m", reranker, "-t", "1", "--query", QUERY, ...DOCS)
  .trim().split("\n").map(JSON.parse).map((r) => r.score);
const refIds = TEXTS.map((t) => cli("tokenize", "-m", embedder, t).trim().split(" ").map(Number));

const t = checks();
const check = t.check;
const maxDiff = (a, b) => a.length !== b.length ? Infinity
  : Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));
const fromBase64 = (s) => {
  const buf = Buffer.from(s, "base64");
  return Array.from({ length: buf.length / 4 }, (_, i) => buf.readFloatLE(i * 4));
};

const startServer = (args) => serve(hearth, ["-t", "2", ...args]);
async function stopServer(name, server) {
  const code = await stop(server);
  check(`${name} exits 0 on SIGTERM`, code === 0, code);
}
const post = async (base, route, body) => {
  const r = await fetch(`${base}${route}`, { method: "POST", body: JSON.stringify(body),
                                             headers: { "Content-Type": "application/json" } });
  return { status: r.status, json: await r.json() };
};
const expectError = async (name, fn, cls, status, param) => {
  try {
    await fn();
    check(name, false, "no error");
  } catch (e) {
    check(name, e instanceof cls && e.status === status && (param === undefined || e.param === param),
          { name: e.constructor.name, status: e.status, param: e.param, message: e.message });
  }
};

// 1. A chat model with an embedding model beside it.
{
  const { server, base } = await startServer(["-m", chatModel, "--embed-model", embedder]);
  const c = new OpenAI({ apiKey: "none", baseURL: `${base}/v1`, maxRetries: 0 });
  const model = "tiny-bert.gguf";
  try {
    // No encoding_format: the client asks for base64 and decodes it itself.
    const one = await c.embeddings.create({ model, input: TEXTS[0] });
    check("embeddings.create (client's base64)", one.object === "list" && one.data.length === 1 &&
          one.model === model && maxDiff(one.data[0].embedding, refRows[0]) < 1e-6,
          { diff: maxDiff(one.data[0].embedding, refRows[0]) });
    check("usage.prompt_tokens of one text", one.usage.prompt_tokens === refIds[0].length &&
          one.usage.total_tokens === refIds[0].length, [one.usage, refIds[0].length]);

    const floats = await c.embeddings.create({ model, input: TEXTS, encoding_format: "float" });
    const diffs = floats.data.map((d, i) => maxDiff(d.embedding, refRows[i]));
    check("float batch equals hearth embed", floats.data.length === TEXTS.length &&
          floats.data.every((d, i) => d.index === i && d.object === "embedding") &&
          diffs.every((d) => d < 1e-6), diffs);
    const total = refIds.reduce((s, ids) => s + ids.length, 0);
    check("usage.prompt_tokens of a batch", floats.usage.prompt_tokens === total,
          [floats.usage, total]);

    const b64 = await c.embeddings.create({ model, input: TEXTS, encoding_format: "base64" });
    const bdiffs = b64.data.map((d, i) => typeof d.embedding === "string" ?
                                maxDiff(fromBase64(d.embedding), refRows[i]) : Infinity);
    check("base64 (little-endian float32) equals hearth embed", bdiffs.every((d) => d === 0 ||
          d < 1e-6), bdiffs);
    // Exactly the same float32 values as the float encoding.
    check("base64 bit-equal to float", b64.data.every((d, i) =>
          maxDiff(fromBase64(d.embedding), Array.from(new Float32Array(floats.data[i].embedding))) === 0),
          "differs");

    const byIds = await c.embeddings.create({ model, input: refIds, encoding_format: "float" });
    const idiffs = byIds.data.map((d, i) => maxDiff(d.embedding, refRows[i]));
    check("token arrays embed like their texts", idiffs.every((d) => d < 1e-6) &&
          byIds.usage.prompt_tokens === total, idiffs);
    const single = await c.embeddings.create({ model, input: refIds[1], encoding_format: "float" });
    check("one token array", single.data.length === 1 &&
          maxDiff(single.data[0].embedding, refRows[1]) < 1e-6, single.data.length);

    await expectError("404 unknown model", () => c.embeddings.create({ model: "nope", input: "x" }),
                      OpenAI.NotFoundError, 404, "model");
    await expectError("400 empty input", () => c.embeddings.create({ model, input: "" }),
                      OpenAI.BadRequestError, 400, "input");
    await expectError("400 encoding_format", () => c.embeddings.create({ model, input: "x",
                      encoding_format: "hex" }), OpenAI.BadRequestError, 400, "encoding_format");
    await expectError("400 token out of range", () => c.embeddings.create({ model,
                      input: [[101, 99999999, 102]] }), OpenAI.BadRequestError, 400);
    await expectError("400 longer than the context", () => c.embeddings.create({ model,
                      input: "word ".repeat(1000) }), OpenAI.BadRequestError, 400);
    const notReranker = await post(base, "/v1/rerank", { query: "q", documents: ["a"] });
    check("/v1/rerank on an embedding model is a 400", notReranker.status === 400 &&
          notReranker.json.error?.type === "invalid_request_error", notReranker);
    const chat = await c.chat.completions.create({ model: "TinyStories-656K-Q8_0.gguf",
      messages: [{ role: "user", content: "Once" }], max_tokens: 2, temperature: 0 });
    check("chat still served beside it", chat.choices[0].message.content !== undefined, chat);
  } catch (e) {
    check("unexpected exception", false, String(e && e.stack || e));
  } finally {
    await stopServer("embed-model server", server);
  }
}

// 2. A reranker alone (llama-server's -m M --reranking); raw HTTP.
{
  const { server, base } = await startServer(["-m", reranker, "--reranking", "--alias", "rr"]);
  try {
    const r = await post(base, "/v1/rerank", { model: "rr", query: QUERY, documents: DOCS });
    const res = r.json.results ?? [];
    const sorted = res.every((x, i) => i === 0 || res[i - 1].relevance_score >= x.relevance_score);
    const diffs = res.map((x) => Math.abs(x.relevance_score - refScores[x.index]));
    check("rerank scores equal hearth rerank", r.status === 200 && res.length === DOCS.length &&
          new Set(res.map((x) => x.index)).size === DOCS.length && diffs.every((d) => d < 1e-5),
          { status: r.status, diffs, body: r.json });
    check("rerank results sorted by score", sorted, res);
    check("rerank model and usage", r.json.model === "rr" && r.json.usage?.prompt_tokens > 0, r.json);
    const top = await post(base, "/rerank", { query: QUERY, top_n: 2, return_documents: true,
                                              documents: DOCS.map((text) => ({ text })) });
    const t = top.json.results ?? [];
    check("top_n, return_documents, object documents, /rerank", top.status === 200 &&
          t.length === 2 && t[0].index === res[0].index && t[1].index === res[1].index &&
          t.every((x) => x.document?.text === DOCS[x.index]), top.json);
    const bad = await post(base, "/v1/rerank", { documents: DOCS });
    check("400 without query, OpenAI envelope", bad.status === 400 &&
          bad.json.error?.param === "query" && typeof bad.json.error?.message === "string", bad);
    const empty = await post(base, "/v1/rerank", { query: QUERY, documents: [] });
    check("400 without documents", empty.status === 400 && empty.json.error?.param === "documents",
          empty);
    const topBad = await post(base, "/v1/rerank", { query: QUERY, documents: DOCS, top_n: 0 });
    check("400 top_n 0", topBad.status === 400 && topBad.json.error?.param === "top_n", topBad);
    const emb = await post(base, "/v1/embeddings", { input: "x" });
    check("/v1/embeddings on a reranker is a 400", emb.status === 400, emb);
    const chat = await post(base, "/v1/chat/completions", { messages: [{ role: "user", content: "x" }] });
    check("generation refused with 501", chat.status === 501 && chat.json.error?.message, chat);
    const models = await (await fetch(`${base}/v1/models`)).json();
    check("/v1/models names the reranker", models.data?.[0]?.id === "rr", models);
  } catch (e) {
    check("unexpected exception", false, String(e && e.stack || e));
  } finally {
    await stopServer("reranking server", server);
  }
}
t.exit();
