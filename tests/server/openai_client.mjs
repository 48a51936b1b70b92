// `hearth serve` driven by the official openai npm client (pinned in package.json):
// chat (plain and streaming), completions, models, stop strings, n, logprobs, usage and the
// client's error classes for each error status.
// usage: node openai_client.mjs HEARTH MODEL NODE_MODULES_DIR WORKDIR
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { checks, loadOpenAI, startServer, stopServer } from "./server_util.mjs";

const [hearth, model, modulesDir, work] = process.argv.slice(2);
const OpenAI = await loadOpenAI(modulesDir);

fs.mkdirSync(work, { recursive: true });
const keys = path.join(work, "keys.jsonl");
fs.rmSync(keys, { force: true });
const addKey = (...a) =>
  execFileSync(hearth, ["keys", "add", "--file", keys, ...a]).toString().trim();
const userKey = addKey("--id", "u", "--role", "user");
const readerKey = addKey("--id", "r", "--role", "reader");
const limitedKey = addKey("--id", "l", "--role", "user", "--rpm", "1");

const { server, base } = await startServer(hearth, ["-m", model, "--alias", "tiny", "-t", "2",
                                                    "--keys", keys, "--max-queue", "0",
                                                    "--parallel", "1"]);
const t = checks();
const check = t.check;
const client = (key) => new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0 });
const c = client(userKey);
const msgs = [{ role: "user", content: "Once upon a time" }];

try {
  const models = await c.models.list();
  check("models.list", models.data.length === 1 && models.data[0].id === "tiny", models.data);

  const chat = await c.chat.completions.create({ model: "tiny", messages: msgs, max_tokens: 8,
                                                 temperature: 0 });
  check("chat", chat.object === "chat.completion" && typeof chat.choices[0].message.content === "string" &&
        chat.usage.completion_tokens > 0 && chat.usage.prompt_tokens_details.cached_tokens >= 0, chat);

  const again = await c.chat.completions.create({ model: "tiny", messages: msgs, max_tokens: 8,
                                                  temperature: 0 });
  check("greedy repeatable", again.choices[0].message.content === chat.choices[0].message.content,
        [again.choices[0].message.content, chat.choices[0].message.content]);

  let text = "", sawRole = false, finish = null, usage = null, chunks = 0;
  const stream = await c.chat.completions.create({ model: "tiny", messages: msgs, max_tokens: 8,
                                                   temperature: 0, stream: true,
                                                   stream_options: { include_usage: true } });
  for await (const ch of stream) {
    chunks++;
    if (ch.usage) usage = ch.usage;
    for (const choice of ch.choices) {
      if (choice.delta.role === "assistant") sawRole = true;
      text += choice.delta.content ?? "";
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  check("streaming chat text equals non-streaming", text === chat.choices[0].message.content,
        [text, chat.choices[0].message.content]);
  check("streaming role, finish_reason, usage", sawRole && finish && usage &&
        usage.completion_tokens === chat.usage.completion_tokens, { sawRole, finish, usage, chunks });

  const comp = await c.completions.create({ model: "tiny", prompt: "Once upon a time", max_tokens: 16,
                                            temperature: 0 });
  check("completions", comp.object === "text_completion" && comp.choices[0].text.length > 0 &&
        comp.choices[0].finish_reason === "length", comp);
  const full = comp.choices[0].text;
  const cut = full.trim().split(" ").slice(1, 2)[0];
  if (cut) {
    const stopped = await c.completions.create({ model: "tiny", prompt: "Once upon a time",
                                                 max_tokens: 16, temperature: 0, stop: [cut] });
    check("stop string", stopped.choices[0].finish_reason === "stop" &&
          !stopped.choices[0].text.includes(cut) && full.startsWith(stopped.choices[0].text),
          [stopped.choices[0], cut]);
  }
  const many = await c.chat.completions.create({ model: "tiny", messages: msgs, max_tokens: 6,
                                                 temperature: 1, seed: 7, n: 3 });
  check("n=3", many.choices.length === 3 && many.choices.map((x) => x.index).join() === "0,1,2",
        many.choices);
  const lp = await c.chat.completions.create({ model: "tiny", messages: msgs, max_tokens: 4,
                                               temperature: 0, logprobs: true, top_logprobs: 2 });
  const content = lp.choices[0].logprobs?.content ?? [];
  check("logprobs", content.length > 0 && content.every((e) => e.logprob <= 0 &&
        e.top_logprobs.length === 2 && e.top_logprobs[0].logprob >= e.logprob - 1e-6), content);

  const expectError = async (name, fn, cls, status, param) => {
    try {
      await fn();
      check(name, false, "no error");
    } catch (e) {
      check(name, e instanceof cls && e.status === status && (param === undefined || e.param === param),
            { name: e.constructor.name, status: e.status, param: e.param, message: e.message });
    }
  };
  await expectError("400 bad parameter", () => c.chat.completions.create({ model: "tiny",
                    messages: msgs, temperature: -1 }), OpenAI.BadRequestError, 400, "temperature");
  await expectError("401 bad key", () => client("hk-nope").models.list(),
                    OpenAI.AuthenticationError, 401);
  await expectError("403 reader generating", () => client(readerKey).chat.completions.create({
                    model: "tiny", messages: msgs }), OpenAI.PermissionDeniedError, 403);
  await expectError("404 unknown model", () => c.chat.completions.create({ model: "gpt-9",
                    messages: msgs }), OpenAI.NotFoundError, 404, "model");
  await client(limitedKey).models.list();
  await expectError("429 rate limit", () => client(limitedKey).models.list(),
                    OpenAI.RateLimitError, 429);
  // 503: --parallel 1 --max-queue 0, so a second concurrent generation is refused.
  const long = () => c.completions.create({ model: "tiny", prompt: "Once", max_tokens: 400,
                                            temperature: 0 });
  const results = await Promise.allSettled(Array.from({ length: 8 }, long));
  const refused = results.filter((r) => r.status === "rejected" && r.reason.status === 503);
  check("503 queue full", refused.length >= 1 && results.some((r) => r.status === "fulfilled"),
        results.map((r) => r.status === "fulfilled" ? "ok" : r.reason.status));
} catch (e) {
  check("unexpected exception", false, String(e && e.stack || e));
} finally {
  const code = await stopServer(server);
  check("server exits 0 on SIGTERM", code === 0, code);
}
t.exit();
