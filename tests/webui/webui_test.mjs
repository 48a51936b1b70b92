// hearth's chat page (src/server/webui/) in a real browser: Debian's chromium driven by
// puppeteer-core, against `hearth serve` on real models, with axe-core for accessibility.
// usage: node webui_test.mjs HEARTH TINY_MODEL SLOW_MODEL NODE_MODULES OUT_DIR PAGE_BYTES_FILE
//   TINY_MODEL: models/TinyStories-656K-Q8_0.gguf (readable replies; greedy is exact)
//   SLOW_MODEL: a shared model slow enough (~700 tokens/s here) that a reply can be watched
//               growing and stopped half-way; TinyStories writes its 512-token context in 0.1 s.
// Screenshots (light/dark, wide/narrow) and a failure screenshot go to OUT_DIR.
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { markdownChecks } from "./markdown_checks.mjs";
import { startHaproxy, startPrefixProxy, startServer } from "./server.mjs";

const [hearth, tinyModel, slowModel, modulesDir, out, pageBytesFile] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modulesDir), "x.js"));
const puppeteer = require("puppeteer-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const chromium = process.env.HEARTH_CHROMIUM || "/usr/bin/chromium";
const haproxyCfg = new URL("../../deploy/haproxy/hearth.cfg", import.meta.url).pathname;
const ci = process.env.CI === "true";
const t0 = Date.now();
fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(out)) if (f.endsWith(".png")) fs.rmSync(path.join(out, f));
const downloads = path.join(out, "downloads");
fs.rmSync(downloads, { recursive: true, force: true });

let failures = 0;
let skipped = 0;
const check = (name, cond, detail) => {
  console.log(`${cond ? "ok  " : "FAIL"} ${name}${cond ? "" : ": " + JSON.stringify(detail)}`);
  if (!cond) failures++;
};
const quiet = () => {};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const WAIT = { timeout: 30000 };

// ---- the page's responses, without a browser ----
async function checkHeaders(base) {
  const res = await fetch(`${base}/`);
  const html = await res.text();
  const csp = res.headers.get("content-security-policy") || "";
  const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/))
                                           .map(([k, ...v]) => [k, v.join(" ")]));
  check("GET / is the page", res.status === 200 && res.headers.get("content-type").startsWith("text/html") &&
        html.includes('<script type="module" src="webui/app.js">'), res.status);
  check("CSP: nothing by default, scripts and styles from self only, never framed",
        directives["default-src"] === "'none'" && directives["script-src"] === "'self'" &&
        directives["style-src"] === "'self'" && directives["connect-src"] === "'self'" &&
        directives["frame-ancestors"] === "'none'" && !/unsafe|http|\*/.test(csp), csp);
  check("nosniff", res.headers.get("x-content-type-options") === "nosniff");
  // Relative URLs only, so the page works behind a proxy under any prefix.
  const urls = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
  check("index.html: relative URLs only", urls.length >= 3 && urls.every((u) => !/^(\/|[a-z]+:)/i.test(u)), urls);
  let total = Buffer.byteLength(html);
  for (const name of ["app.js", "api.js", "store.js", "view.js", "markdown.js", "style.css", "favicon.svg"]) {
    const r = await fetch(`${base}/webui/${name}`);
    const body = await r.text();
    total += Buffer.byteLength(body);
    check(`webui/${name}: served with CSP and nosniff`, r.status === 200 &&
          r.headers.get("content-security-policy") === csp &&
          r.headers.get("x-content-type-options") === "nosniff", r.status);
    if (name.endsWith(".js"))
      check(`webui/${name}: no absolute URL in fetch or import`,
            !/(fetch\(\s*["'`](\/|https?:)|from\s+["'](\/|https?:)|import\(\s*["'](\/|https?:))/.test(body));
    if (name === "app.js") {
      const again = await fetch(`${base}/webui/${name}`, { headers: { "If-None-Match": r.headers.get("etag") } });
      check("ETag revalidation answers 304", again.status === 304, again.status);
    }
  }
  const built = Number(fs.readFileSync(pageBytesFile, "utf8").trim());
  console.log(`page weight: ${total} bytes uncompressed (build reports ${built}; budget 153600)`);
  check("page weight within 150 KB", total === built && total <= 150 * 1024, { total, built });
  const missing = await fetch(`${base}/webui/nope.js`);
  check("unknown asset is 404", missing.status === 404, missing.status);
}

// ---- browser helpers ----
async function openPage(context, url, { width = 1280, height = 900 } = {}) {
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // A stopped fetch and the deliberate 401s log network errors; anything else is a problem.
    if (m.type() === "error" && !/Failed to load resource|net::ERR_ABORTED/.test(m.text()))
      page.problems.push(`console: ${m.text()}`);
  });
  await page.evaluateOnNewDocument(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.setViewport({ width, height });
  await page.goto(url, { waitUntil: "load" });
  return page;
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent).catch(() => null);
const count = (page, sel) => page.$$eval(sel, (els) => els.length);

async function waitIdle(page) {
  await page.waitForFunction(() => {
    const stop = document.getElementById("stop");
    return stop.hidden && !document.getElementById("streaming");
  }, WAIT);
}

async function sendMessage(page, message) {
  await page.focus("#input");
  await page.$eval("#input", (e) => (e.value = ""));
  await page.type("#input", message);
  await page.keyboard.press("Enter");
}

async function setSettings(page, values) {
  await page.click("#open-settings");
  await page.waitForSelector("#settings[open]");
  for (const [id, v] of Object.entries(values)) {
    await page.$eval(`#${id}`, (e) => (e.value = ""));
    if (v !== "") await page.type(`#${id}`, String(v));
  }
  await page.click("#settings-save");
  await page.waitForFunction(() => !document.getElementById("settings").open);
}

// innerText: line breaks (<br>, paragraphs) count as white space, as in the model's text.
const lastAssistant = (page) =>
  page.$$eval(".msg-assistant .msg-body", (els) => (els.length ? els[els.length - 1].innerText : null));

async function metric(base, name) {
  const body = await (await fetch(`${base}/metrics`)).text();
  const m = body.match(new RegExp(`^${name} (\\d+)`, "m"));
  return m ? Number(m[1]) : NaN;
}

async function axeCheck(page, label) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined")))
    await page.evaluate(axeSource);  // through the debugger protocol: not an inline script
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const others = result.violations.filter((v) => !bad.includes(v)).map((v) => `${v.id} (${v.impact})`);
  if (others.length) console.log(`     axe, ${label}: minor: ${others.join(", ")}`);
  check(`axe: no serious or critical violations (${label})`, bad.length === 0,
        bad.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target) })));
}

// ---- scenarios ----

// Greedy replies, settings, regenerate, edit, conversations, reload, export, hostile text.
async function conversationFlows(context, base, log) {
  const page = await openPage(context, `${base}/`);
  await page.waitForFunction(() => document.getElementById("model-name").textContent === "tiny", WAIT);
  check("header shows the model name", (await text(page, "#model-name")) === "tiny");

  // Shift+Enter is a new line, not a send.
  await page.focus("#input");
  await page.keyboard.type("line one");
  await page.keyboard.down("Shift");
  await page.keyboard.press("Enter");
  await page.keyboard.up("Shift");
  await page.keyboard.type("line two");
  check("Shift+Enter inserts a new line and sends nothing", (await page.$eval("#input", (e) => e.value)) ===
        "line one\nline two" && (await count(page, ".msg")) === 0);

  // A greedy reply with a system prompt, compared with the same request made directly: what the
  // page assembled from the SSE chunks must be exactly the server's non-streamed reply.
  const system = "You are a friendly storyteller.";
  await setSettings(page, { "set-system": system, "set-temperature": 0, "set-top-p": 1, "set-max-tokens": 48 });
  await sendMessage(page, "Once upon a time");
  await waitIdle(page);
  const shown = await lastAssistant(page);
  const direct = await (await fetch(`${base}/v1/chat/completions`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "system", content: system }, { role: "user", content: "Once upon a time" }],
                           temperature: 0, top_p: 1, max_tokens: 48 }),
  })).json();
  const want = direct.choices[0].message.content;
  // The page renders Markdown: compare the text with whitespace runs folded.
  const fold = (s) => s.replace(/\s+/g, " ").trim();
  check("reply equals the server's greedy reply (system prompt, temperature, max tokens sent)",
        shown !== null && fold(shown) === fold(want) && want.length > 0, { shown, want });
  check("user message shown as typed", (await text(page, ".msg-user .msg-body")) === "Once upon a time");
  const meta = await text(page, ".msg-assistant .msg-meta");
  check("reply shows time to first token and tokens/s", /first token \d+ ms/.test(meta) &&
        /[\d.]+ tokens\/s/.test(meta) && /48 tokens/.test(meta), meta);
  const ctx = await text(page, "#context-text");
  check("context use shown", ctx === `${direct.usage.total_tokens} / 512 tokens`, [ctx, direct.usage]);
  check("length stop is explained", /token limit/.test(await text(page, ".msg-assistant .notice")));

  // Regenerate replaces the last reply (same count); with temperature 0 the same text.
  await page.click('button[aria-label="Regenerate the last reply"]');
  await waitIdle(page);
  const again = await lastAssistant(page);
  check("regenerate: one reply, regenerated", (await count(page, ".msg-assistant")) === 1 &&
        fold(again) === fold(want), again);

  // Edit the last message: the edited text replaces it and a new reply follows.
  await page.click('button[aria-label="Edit your last message"]');
  await page.waitForSelector("#edit-input");
  await page.$eval("#edit-input", (e) => (e.value = ""));
  await page.type("#edit-input", "Tom had a red ball");
  await page.keyboard.press("Enter");
  await waitIdle(page);
  check("edit: message replaced, one new reply",
        (await page.$$eval(".msg-user .msg-body", (e) => e.map((x) => x.textContent))).join("|") === "Tom had a red ball" &&
        (await count(page, ".msg-assistant")) === 1 && (await lastAssistant(page)).length > 0);

  // Hostile text typed by the user is shown as text: no element, nothing runs.
  const hostile = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> **not bold**';
  await setSettings(page, { "set-max-tokens": 8 });
  await sendMessage(page, hostile);
  await waitIdle(page);
  const echoed = await page.$$eval(".msg-user .msg-body", (e) => e[e.length - 1].textContent);
  check("hostile user text echoed as text", echoed === hostile, echoed);
  check("hostile user text: no img, script or strong in the conversation",
        (await count(page, "#messages img, #messages script, .msg-user strong")) === 0 &&
        (await page.evaluate(() => window.__pwned)) === undefined);

  // Screenshots of a real conversation, then accessibility in each theme and width.
  await setSettings(page, { "set-max-tokens": 64, "set-temperature": 0.8, "set-top-p": 0.95 });
  await sendMessage(page, "Lily found a little dog in the park.");
  await waitIdle(page);
  for (const scheme of ["light", "dark"]) {
    await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
    for (const [w, h, label] of [[1280, 900, "wide"], [390, 844, "narrow"]]) {
      await page.setViewport({ width: w, height: h });
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await sleep(200);
      const file = path.join(out, `webui-${scheme}-${label}.png`);
      await page.screenshot({ path: file });
      log(`screenshot ${file}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(`no horizontal scrolling (${scheme}, ${label})`, overflow <= 0, overflow);
      await axeCheck(page, `${scheme}, ${label}`);
    }
  }
  // The narrow layout's conversation list and the settings dialog, checked open.
  await page.click("#toggle-sidebar");
  await page.waitForFunction(() => document.getElementById("sidebar").classList.contains("open"));
  await sleep(250);
  await page.screenshot({ path: path.join(out, "webui-dark-narrow-list.png") });
  await axeCheck(page, "dark, narrow, conversation list open");
  await page.keyboard.press("Escape");
  await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);
  await page.setViewport({ width: 1280, height: 900 });
  await page.click("#open-settings");
  await page.waitForSelector("#settings[open]");
  await axeCheck(page, "light, settings dialog");
  await page.click("#settings-cancel");

  // A second conversation, then switching between them.
  await page.click("#new-chat");
  await page.waitForFunction(() => document.querySelectorAll(".msg").length === 0);
  await setSettings(page, { "set-max-tokens": 16 });
  await sendMessage(page, "The sun was hot");
  await waitIdle(page);
  check("two conversations listed", (await count(page, ".conv")) === 2);
  const titles = await page.$$eval(".conv-open", (e) => e.map((x) => x.textContent));
  check("titles from the first message", titles.includes("The sun was hot") && titles.includes("Once upon a time"), titles);
  const openConv = async (title) => {
    const buttons = await page.$$(".conv-open");
    for (const b of buttons) if ((await b.evaluate((e) => e.textContent)) === title) await b.click();
    await page.waitForFunction((t) => document.querySelector(".conv.current .conv-open")?.textContent === t, {}, title);
  };
  await openConv("Once upon a time");
  check("switch: first conversation's messages back",
        (await page.$$eval(".msg-user .msg-body", (e) => e.map((x) => x.textContent)))[0] === "Tom had a red ball");
  await openConv("The sun was hot");
  check("switch: second conversation's messages back",
        (await page.$$eval(".msg-user .msg-body", (e) => e.map((x) => x.textContent))).join() === "The sun was hot");

  // Rename, then reload: both conversations and the current one are kept.
  await page.click(".conv.current button[aria-label^='Rename']");
  await page.waitForSelector(".conv-rename");
  await page.$eval(".conv-rename", (e) => (e.value = ""));
  await page.type(".conv-rename", "Sunny day");
  await page.keyboard.press("Enter");
  await page.reload({ waitUntil: "load" });
  await page.waitForFunction(() => document.getElementById("model-name").textContent === "tiny", WAIT);
  const after = await page.$$eval(".conv-open", (e) => e.map((x) => x.textContent));
  check("reload: conversations kept, renamed title kept", after.length === 2 && after.includes("Sunny day"), after);
  check("reload: current conversation shown", (await text(page, ".msg-user .msg-body")) === "The sun was hot" &&
        (await text(page, ".conv.current .conv-open")) === "Sunny day");
  check("reload: settings kept", await page.evaluate(() =>
        JSON.parse(localStorage.getItem("hearth.settings.v1")).system === "You are a friendly storyteller."));

  // Export as JSON (a download).
  await page.click(".conv.current button[aria-label^='Export']");
  let exported = null;
  for (let i = 0; i < 100 && !exported; i++) {
    const f = fs.existsSync(downloads) ? fs.readdirSync(downloads).find((n) => n.endsWith(".json")) : null;
    if (f) exported = JSON.parse(fs.readFileSync(path.join(downloads, f), "utf8"));
    else await sleep(50);
  }
  check("export: JSON with title and messages", exported && exported.title === "Sunny day" &&
        exported.messages[0].content === "The sun was hot" && exported.messages[1].role === "assistant",
        exported && { title: exported.title, n: exported.messages.length });

  // A stored reply holding hostile Markdown (as a model could write it) goes through the same
  // rendering as a streamed one.
  await page.evaluate(() => {
    const list = JSON.parse(localStorage.getItem("hearth.conversations.v1"));
    list.push({ id: "hostile", title: "Hostile reply", created: 1, updated: Date.now() + 1000, messages: [
      { role: "user", content: "show me html" },
      { role: "assistant", content: 'Sure: <script>window.__pwned=3</script> and <img src=x onerror="window.__pwned=4">\n\n' +
        "[click me](javascript:window.__pwned=5) [safe](https://example.org/)\n\n```html\n<b>code</b>\n```" },
    ] });
    localStorage.setItem("hearth.conversations.v1", JSON.stringify(list));
    localStorage.setItem("hearth.current.v1", "hostile");
  });
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector(".msg-assistant .msg-body");
  const body = await text(page, ".msg-assistant .msg-body");
  check("hostile stored reply shown as text", body.includes("<script>window.__pwned=3</script>") &&
        body.includes('<img src=x onerror="window.__pwned=4">') && body.includes("<b>code</b>"), body);
  const links = await page.$$eval(".msg-assistant a", (e) => e.map((a) => a.getAttribute("href")));
  check("hostile stored reply: only the https link is a link", links.join() === "https://example.org/", links);
  check("hostile stored reply: nothing ran, no img/script/b", (await count(page, "#messages img, #messages script, #messages b")) === 0 &&
        (await page.evaluate(() => window.__pwned)) === undefined);

  // The renderer on its own, on many hostile strings and on ordinary Markdown.
  for (const r of await page.evaluate(markdownChecks)) check(r.name, r.ok, r.detail);

  // Delete asks for a confirmation on the same button.
  await page.click(".conv.current button[aria-label^='Delete']");
  check("delete: first click only arms", (await count(page, ".conv")) === 3);
  await page.click(".conv.current button[aria-label^='Confirm deleting']");
  await page.waitForFunction(() => document.querySelectorAll(".conv").length === 2);
  check("delete: conversation removed", !(await page.$$eval(".conv-open", (e) => e.map((x) => x.textContent))).includes("Hostile reply"));

  // The CSP holds: an inline script injected into the page is refused (and reported).
  await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__pwned = 'inline'";
    document.body.append(s);
  });
  await sleep(100);
  const csp = await page.evaluate(() => window.__csp);
  check("CSP blocks an injected inline script", (await page.evaluate(() => window.__pwned)) === undefined &&
        csp.length === 1 && csp[0].startsWith("script-src"), csp);
  page.problems = page.problems.filter((p) => !/Content Security Policy/.test(p));
  check("no page errors", page.problems.length === 0, page.problems);
  await page.close();
}

// Later server features, from a synthetic response (the server cannot produce them yet): tool
// calls as collapsible steps, cited sources, a content-filter stop.
async function laterCapabilities(context, base) {
  const page = await openPage(context, `${base}/`);
  await page.waitForFunction(() => document.getElementById("model-name").textContent === "tiny", WAIT);
  const chunk = (delta, extra = {}) => `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: null, ...extra }] })}\n\n`;
  const sse = [
    chunk({ role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "search", arguments: '{"q":' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"dogs"}' } }] }),
    chunk({ content: "Dogs are **loyal**." }),
    `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "content_filter" }],
      sources: [{ title: "Dog facts", url: "https://example.org/dogs", snippet: "Dogs are loyal." }, "notes.txt"] })}\n\n`,
    "data: [DONE]\n\n",
  ].join("");
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    if (req.url().endsWith("/v1/chat/completions"))
      req.respond({ status: 200, contentType: "text/event-stream", body: sse });
    else req.continue();
  });
  await sendMessage(page, "Tell me about dogs");
  await waitIdle(page);
  check("tool call shown as a collapsible step", (await text(page, ".msg-assistant details.tool-step summary")) === "Tool call: search" &&
        (await text(page, ".msg-assistant details.tool-step code")).includes('"q": "dogs"'));
  check("sources listed", (await page.$$eval(".sources li", (e) => e.map((x) => x.textContent))).join("|") ===
        "Dog factsDogs are loyal.|notes.txt" &&
        (await page.$eval(".sources a", (a) => a.getAttribute("href"))) === "https://example.org/dogs");
  check("content-filter stop shown as such", /content filter/.test(await text(page, ".notice-content-filter")) &&
        (await text(page, "#status")) === "Stopped by the content filter.");
  await page.screenshot({ path: path.join(out, "webui-later-capabilities.png"), fullPage: true });
  await axeCheck(page, "tool step, sources, content filter");
  check("no page errors (synthetic reply)", page.problems.length === 0, page.problems);
  await page.close();
}

// A reply seen growing, then one stopped half-way: the server counts the cancellation.
async function streamingAndStop(context, base) {
  const page = await openPage(context, `${base}/`);
  await page.waitForFunction(() => !/connecting|loading/.test(document.getElementById("model-name").textContent), WAIT);
  // Every rendered length of the reply, recorded in the page as it changes.
  await page.evaluate(() => {
    window.__lengths = [];
    new MutationObserver(() => {
      const s = document.querySelector("#streaming .msg-body");
      if (s) window.__lengths.push(s.textContent.length);
    }).observe(document.getElementById("messages"), { childList: true, subtree: true, characterData: true });
  });
  await setSettings(page, { "set-temperature": 0, "set-max-tokens": 1000 });
  await sendMessage(page, "Tell me a story");
  await waitIdle(page);
  const lengths = await page.evaluate(() => window.__lengths);
  const final = (await lastAssistant(page)).length;
  const distinct = [...new Set(lengths)].filter((n) => n > 0 && n < final);
  check("reply rendered incrementally while streaming", distinct.length >= 3 &&
        distinct.every((n, i) => i === 0 || n >= distinct[i - 1]), { distinct: distinct.slice(0, 20), final });
  check("streamed reply finished", final > 0 && /1000 tokens/.test(await text(page, ".msg-assistant .msg-meta")));

  const before = await metric(base, "hearth_cancelled_generations_total");
  // Tokens the server streamed (one inter-token observation each). Not
  // hearth_generated_tokens_total: a cancelled request's usage is read before the engine has
  // finalised it, so it adds 0 there.
  const streamedBefore = await metric(base, "hearth_inter_token_seconds_count");
  await setSettings(page, { "set-max-tokens": 3500 });
  await sendMessage(page, "Tell me a very long story");
  await page.waitForFunction(() => (document.querySelector("#streaming .msg-body")?.textContent.length || 0) > 40, WAIT);
  await page.click("#stop");
  await waitIdle(page);
  const stoppedAt = (await lastAssistant(page)).length;
  check("stop: reply marked stopped", (await text(page, ".msg-assistant:last-of-type .notice")) === "Stopped." &&
        (await text(page, "#status")) === "Stopped.");
  let cancelled = NaN;
  for (let i = 0; i < 60; i++) {
    cancelled = await metric(base, "hearth_cancelled_generations_total");
    if (cancelled === before + 1) break;
    await sleep(50);
  }
  check("stop: /metrics counts the cancellation", before === 0 && cancelled === 1, { before, cancelled });
  await sleep(300);
  const streamed = (await metric(base, "hearth_inter_token_seconds_count")) - streamedBefore;
  check("stop: the server streamed far fewer than max tokens", streamed > 0 && streamed < 3000, streamed);
  check("stop: the reply stays as it was", (await lastAssistant(page)).length === stoppedAt);
  check("no page errors (streaming)", page.problems.length === 0, page.problems);
  await page.close();
}

// A server with --keys: the page asks for a key, says clearly when one is wrong, works with a
// right one, and keeps it in session storage only.
async function apiKeys(context, base, userKey) {
  const page = await openPage(context, `${base}/`);
  await page.waitForSelector("#auth-banner:not([hidden])", WAIT);
  check("key needed: banner shown", /needs an API key/.test(await text(page, "#auth-title")));
  await page.type("#auth-key", "hk-wrong-key");
  await page.click("#auth-form button[type=submit]");
  await page.waitForFunction(() => /refused/.test(document.getElementById("auth-message").textContent), WAIT);
  check("wrong key: clear message", /The server refused this key: the API key is unknown or revoked/.test(
        await text(page, "#auth-message")), await text(page, "#auth-message"));
  await page.screenshot({ path: path.join(out, "webui-wrong-key.png") });
  await axeCheck(page, "API key banner");
  await page.$eval("#auth-key", (e) => (e.value = ""));
  await page.type("#auth-key", userKey);
  await page.click("#auth-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("model-name").textContent === "tiny", WAIT);
  check("right key: banner gone", await page.$eval("#auth-banner", (e) => e.hidden));
  await setSettings(page, { "set-max-tokens": 16 });
  await sendMessage(page, "Once upon a time");
  await waitIdle(page);
  check("right key: reply streamed", (await lastAssistant(page))?.length > 0 && !(await page.$(".notice-error")));
  const stored = await page.evaluate(() => ({ session: sessionStorage.getItem("hearth.apiKey"),
    local: Object.keys(localStorage).map((k) => localStorage.getItem(k)).join("\n") }));
  check("key in session storage only", stored.session === userKey && !stored.local.includes(userKey));
  check("no page errors (keys)", page.problems.length === 0, page.problems);
  await page.close();
}

// The page and a streamed reply behind a proxy: deploy/haproxy/hearth.cfg unchanged, or a proxy
// that serves hearth under /hearth/ (relative URLs at work).
async function behindProxy(context, proxy, label) {
  try {
    const page = await openPage(context, proxy.base);
    await page.waitForFunction(() => document.getElementById("model-name").textContent === "tiny", WAIT);
    await setSettings(page, { "set-max-tokens": 16 });
    await sendMessage(page, "Once upon a time");
    await waitIdle(page);
    check(`${label}: page loads and replies`, (await lastAssistant(page))?.length > 0 &&
          !(await page.$(".notice-error")));
    if (proxy.sessions) {
      const current = await page.evaluate(() => localStorage.getItem("hearth.current.v1"));
      check("chat requests carry the conversation as X-Session-Id (HAProxy's balance key)",
            proxy.sessions.length === 1 && proxy.sessions[0] === current, [proxy.sessions, current]);
    }
    check(`no page errors (${label})`, page.problems.length === 0, page.problems);
    await page.close();
  } finally {
    await proxy.stop();
  }
}

// ---- main ----
const servers = [];
let browser = null;
try {
  const log = process.env.HEARTH_WEBUI_VERBOSE ? console.log : quiet;
  const tiny = await startServer(hearth, ["-m", tinyModel, "--alias", "tiny"], log);
  servers.push(tiny);
  await checkHeaders(tiny.base);

  const noUi = await startServer(hearth, ["-m", tinyModel, "--no-webui"], log);
  servers.push(noUi);
  const r404 = await fetch(`${noUi.base}/`);
  check("--no-webui: / is 404", r404.status === 404 && (await fetch(`${noUi.base}/webui/app.js`)).status === 404 &&
        (await fetch(`${noUi.base}/webui/info`)).status === 404 && (await fetch(`${noUi.base}/health`)).status === 200);
  await noUi.stop();

  browser = await puppeteer.launch({ executablePath: chromium, headless: true,
                                     args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
  const context = await browser.createBrowserContext({ downloadBehavior: { policy: "allow", downloadPath: downloads } });
  await conversationFlows(context, tiny.base, console.log);
  await laterCapabilities(await browser.createBrowserContext(), tiny.base);
  await behindProxy(await browser.createBrowserContext(), await startPrefixProxy(tiny.base), "under /hearth/");
  const haproxy = await startHaproxy(haproxyCfg, tiny.base, path.join(out, "haproxy"));
  if (haproxy) {
    await behindProxy(await browser.createBrowserContext(), haproxy, "behind HAProxy (deploy/haproxy/hearth.cfg)");
  } else {
    console.log("HEARTH_SKIPPED: the page behind HAProxy: haproxy not installed (apt-get install haproxy)");
    skipped++;
  }

  const keys = path.join(out, "keys.jsonl");
  fs.rmSync(keys, { force: true });
  const userKey = execFileSync(hearth, ["keys", "add", "--file", keys, "--id", "web", "--role", "user", "--rpm", "600"]).toString().trim();
  const keyed = await startServer(hearth, ["-m", tinyModel, "--alias", "tiny", "--keys", keys], log);
  servers.push(keyed);
  await apiKeys(await browser.createBrowserContext(), keyed.base, userKey);

  if (fs.existsSync(slowModel)) {
    const slow = await startServer(hearth, ["-m", slowModel, "--ctx", "4096"], log);
    servers.push(slow);
    await streamingAndStop(await browser.createBrowserContext(), slow.base);
  } else {
    console.log(`HEARTH_SKIPPED: streaming and stop checks: ${slowModel} not found (set HEARTH_TEST_DATA)`);
    skipped++;
  }
} catch (e) {
  check("unexpected exception", false, String((e && e.stack) || e));
  if (browser) {
    for (const p of await browser.pages()) {
      await p.screenshot({ path: path.join(out, `failure-${Date.now()}.png`), fullPage: true }).catch(() => {});
    }
  }
} finally {
  if (browser) await browser.close();
  for (const s of servers) {
    const code = await s.stop();
    if (code !== 0 && code !== null) check("server exits 0 on SIGTERM", false, { code, log: s.stderr().slice(-2000) });
  }
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
console.log(`${failures ? `${failures} failures` : "all passed"}${skipped ? `, ${skipped} skipped` : ""} in ${secs} s`);
process.exit(failures ? 1 : skipped ? (ci ? 1 : 77) : 0);
