// Tool calls and structured output through `hearth serve`, read by the official openai npm
// client (pinned in package.json): a forced call (tool_choice "required", non-streamed) and a
// named call (streamed, assembled from tool_calls deltas) must arrive as tool_calls with
// finish_reason "tool_calls", and their arguments, like a response_format json_schema reply,
// must validate against the schema with an independent validator (python3-jsonschema, through
// tests/grammar_validate.py). Streamed calls (OpenAI's chunk shapes, accumulated by the client's
// stream helper) must equal the non-streamed reply's, also with Llama 3.1's and Mistral Nemo's
// templates on copies of the model. The model is the synthetic Qwen2 file (random weights, a real
// 151k-token vocabulary): it never chooses a tool itself, so calls are forced.
// usage: node openai_tools.mjs HEARTH NODE_MODULES_DIR WORKDIR   (HEARTH_TEST_DATA in the env)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checks, loadOpenAI, startServer as serve } from "./server_util.mjs";

const [hearth, modulesDir, work] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const model = path.join(process.env.HEARTH_TEST_DATA || path.join(here, "../../../shared"),
                        "models/synth/qwen2-d128-q8_0.gguf");
if (!fs.existsSync(model)) {
  console.log(`HEARTH_SKIPPED: ${model} not found`);
  process.exit(process.env.CI === "true" ? 1 : 77);
}
const OpenAI = await loadOpenAI(modulesDir);
fs.mkdirSync(work, { recursive: true });

// `hearth serve` on a model under the alias "m" with a 2,048-token context.
const startServer = (modelPath) =>
  serve(hearth, ["-m", modelPath, "--alias", "m", "-t", "2", "-c", "2048"]);
const { server, base } = await startServer(model);

const t = checks();
const check = t.check;
const weatherParams = {
  type: "object",
  properties: { city: { type: "string", enum: ["Oslo", "Paris", "Lima"] },
                days: { type: "integer", minimum: 1, maximum: 7 } },
  required: ["city", "days"], additionalProperties: false,
};
const addParams = {
  type: "object", properties: { a: { type: "integer", minimum: -99, maximum: 99 },
                                b: { type: "integer", minimum: -99, maximum: 99 } },
  required: ["a", "b"], additionalProperties: false,
};
const tools = [
  { type: "function", function: { name: "get_weather", description: "Forecast", parameters: weatherParams } },
  { type: "function", function: { name: "add", description: "a + b", parameters: addParams } },
];
const schemaOf = { get_weather: weatherParams, add: addParams };
const toValidate = [];  // {schema, output, what} lines for grammar_validate.py
const validateLater = (schema, output, what) => {
  const file = path.join(work, `${what}.schema.json`);
  fs.writeFileSync(file, JSON.stringify(schema));
  toValidate.push({ schema: file, output, what });
};
const c = new OpenAI({ apiKey: "none", baseURL: `${base}/v1`, maxRetries: 0 });
const messages = [{ role: "user", content: "What is the weather in Oslo?" }];

try {
  // Forced: any of the tools, not streamed.
  const r = await c.chat.completions.create({ model: "m", messages, tools, tool_choice: "required",
                                             parallel_tool_calls: false, max_tokens: 200, temperature: 0 });
  const ch = r.choices[0];
  const calls = ch.message.tool_calls || [];
  check("required: finish_reason tool_calls", ch.finish_reason === "tool_calls", ch);
  check("required: one function call", calls.length === 1 && calls[0].type === "function" &&
        typeof calls[0].id === "string" && calls[0].id.length > 0 && calls[0].function.name in schemaOf, calls);
  check("required: content null", ch.message.content === null, ch.message);
  for (const call of calls)
    validateLater(schemaOf[call.function.name] || {}, call.function.arguments, `required-${call.function.name}`);

  // Named, streamed: the client's chunks carry tool_calls deltas.
  const stream = await c.chat.completions.create({
    model: "m", messages, tools, tool_choice: { type: "function", function: { name: "add" } },
    parallel_tool_calls: false, max_tokens: 300, temperature: 0.7, seed: 11, stream: true });
  const assembled = {};
  let finish = null, contentText = "";
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.delta.content) contentText += choice.delta.content;
    for (const d of choice.delta.tool_calls || []) {
      const a = (assembled[d.index] ??= { id: "", name: "", arguments: "" });
      if (d.id) a.id = d.id;
      if (d.function?.name) a.name += d.function.name;
      if (d.function?.arguments) a.arguments += d.function.arguments;
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  const streamed = Object.values(assembled);
  check("named stream: finish_reason tool_calls", finish === "tool_calls", finish);
  check("named stream: calls add only", streamed.length >= 1 && streamed.every((x) => x.name === "add" && x.id), streamed);
  check("named stream: no content", contentText === "", contentText);
  streamed.forEach((x, i) => validateLater(addParams, x.arguments, `named-stream-${i}`));

  // Streamed as OpenAI streams calls, accumulated by the client's own stream helper
  // (ChatCompletionStream.finalChatCompletion): the same calls as the non-streamed reply to the
  // same greedy request. Several prompts, so that some reply holds more than one call.
  let sawParallel = false;
  const prompts = ["What is the weather in Oslo?", "Add 2 and 3, then the weather in Lima."];
  for (const [pi, prompt] of prompts.entries()) {
    const req = { model: "m", messages: [{ role: "user", content: prompt }], tools,
                  tool_choice: "required", max_tokens: 400, temperature: 0 };
    const whole = await c.chat.completions.create(req);
    const want = whole.choices[0].message.tool_calls || [];
    const raw = [];
    const st = c.chat.completions.stream({ ...req, stream: true });
    st.on("chunk", (ch) => raw.push(ch));
    const fin = await st.finalChatCompletion();
    const got = fin.choices[0].message.tool_calls || [];
    const tag = `stream ${pi}`;
    check(`${tag}: finish_reason tool_calls`, fin.choices[0].finish_reason === "tool_calls" &&
          whole.choices[0].finish_reason === "tool_calls", [fin.choices[0].finish_reason, whole.choices[0].finish_reason]);
    check(`${tag}: accumulated calls equal the non-streamed ones`, got.length === want.length && want.length >= 1 &&
          got.every((g, k) => g.type === "function" && g.function.name === want[k].function.name &&
                              g.function.arguments === want[k].function.arguments && /^call_[A-Za-z0-9]{9}$/.test(g.id)),
          { got, want });
    check(`${tag}: no content`, !fin.choices[0].message.content, fin.choices[0].message.content);
    // OpenAI's chunk shapes: per call, a first delta with index, id, type, name and arguments "",
    // then deltas with argument pieces only; indexes in order; the name before the arguments end.
    const deltas = raw.flatMap((ch) => (ch.choices[0]?.delta?.tool_calls || []));
    const firsts = deltas.filter((d) => d.id);
    const shapeOk = firsts.length === want.length &&
      firsts.every((d, k) => d.index === k && d.type === "function" && d.function.name === want[k].function.name &&
                             d.function.arguments === "") &&
      deltas.filter((d) => !d.id).every((d) => d.function && d.function.name === undefined &&
                                               typeof d.function.arguments === "string" && d.type === undefined);
    check(`${tag}: OpenAI's delta shapes`, shapeOk, deltas.slice(0, 6));
    const argPieces = deltas.filter((d) => !d.id && d.index === 0).length;
    check(`${tag}: arguments arrive in pieces`, argPieces >= 3, argPieces);
    if (want.length >= 2) {
      sawParallel = true;
      const firstOf1 = deltas.findIndex((d) => d.id && d.index === 1);
      const lastOf0 = deltas.map((d) => d.index).lastIndexOf(0);
      check(`${tag}: calls stream one after another`, firstOf1 > lastOf0, deltas.map((d) => d.index));
    }
    got.forEach((g, k) => validateLater(schemaOf[g.function.name] || {}, g.function.arguments, `stream-${pi}-${k}`));
  }
  check("stream: some reply held several calls", sawParallel, prompts);

  // A tool message in the next turn is accepted and rendered (the reply itself is free text).
  const next = await c.chat.completions.create({ model: "m", tools, max_tokens: 4, temperature: 0,
    messages: [...messages, { role: "assistant", content: null, tool_calls: calls },
               { role: "tool", tool_call_id: calls[0]?.id ?? "x", content: "{\"temp\": 3}" }] });
  check("tool result turn", typeof next.choices[0].message.content === "string", next.choices[0]);

  // response_format json_schema with strict.
  const person = { type: "object", properties: { name: { type: "string", maxLength: 12 },
                   age: { type: "integer", minimum: 0, maximum: 120 } },
                   required: ["name", "age"], additionalProperties: false };
  const j = await c.chat.completions.create({ model: "m", messages, max_tokens: 200, temperature: 0,
    response_format: { type: "json_schema", json_schema: { name: "person", strict: true, schema: person } } });
  check("json_schema: stop", j.choices[0].finish_reason === "stop", j.choices[0]);
  validateLater(person, j.choices[0].message.content, "response-format");

  // A schema the converter cannot enforce with strict: a 400 the client raises.
  const bad = await c.chat.completions.create({ model: "m", messages, max_tokens: 4,
    response_format: { type: "json_schema", json_schema: { name: "x", strict: true, schema: { not: {} } } } })
    .then(() => null, (e) => e);
  check("json_schema strict unsupported: 400", bad instanceof OpenAI.BadRequestError, String(bad));
  const badChoice = await c.chat.completions.create({ model: "m", messages, tools, max_tokens: 4,
    tool_choice: { type: "function", function: { name: "nope" } } }).then(() => null, (e) => e);
  check("unknown named tool: 400", badChoice instanceof OpenAI.BadRequestError, String(badChoice));
} catch (e) {
  t.fail("exception", e);
} finally {
  server.kill("SIGTERM");
}

// Other families: the same synthetic model with Llama 3.1's and Mistral Nemo's templates
// (tests/server/gguf_with_template.py). The forced calls are written in the family's format;
// streamed and accumulated by the client they equal the non-streamed reply; the next turn with
// the call and its result renders through the template (Mistral's refuses ids that are not 9
// letters and digits).
const families = [
  { template: "meta-llama-Llama-3.1-8B-Instruct.jinja", id: /^call_[A-Za-z0-9]{9}$/, parallel: false },
  { template: "mistralai-Mistral-Nemo-Instruct-2407.jinja", id: /^[A-Za-z0-9]{9}$/, parallel: true },
];
for (const fam of families) {
  const tmpl = path.join(path.dirname(model), "../../testdata/templates", fam.template);
  const copy = path.join(work, fam.template.replace(".jinja", ".gguf"));
  execFileSync("python3", [path.join(here, "gguf_with_template.py"), model, tmpl, copy]);
  const srv = await startServer(copy);
  const fc = new OpenAI({ apiKey: "none", baseURL: `${srv.base}/v1`, maxRetries: 0 });
  const tag = fam.template.split("-")[0] + "/" + fam.template.split("-")[1];
  try {
    const req = { model: "m", messages: [{ role: "user", content: "What is the weather in Oslo?" }], tools,
                  tool_choice: "required", parallel_tool_calls: fam.parallel, max_tokens: 300, temperature: 0 };
    const whole = await fc.chat.completions.create(req);
    const want = whole.choices[0].message.tool_calls || [];
    const raw = [];
    const st = fc.chat.completions.stream({ ...req, stream: true });
    st.on("chunk", (ch) => raw.push(ch));
    const fin = await st.finalChatCompletion();
    const got = fin.choices[0].message.tool_calls || [];
    check(`${tag}: calls with ids of the family's shape`, want.length >= 1 && want.every((w) => fam.id.test(w.id)), want);
    check(`${tag}: streamed calls equal the non-streamed ones`, got.length === want.length &&
          got.every((g, k) => g.function.name === want[k].function.name && g.function.arguments === want[k].function.arguments &&
                              fam.id.test(g.id)) && fin.choices[0].finish_reason === "tool_calls", { got, want });
    const deltas = raw.flatMap((ch) => (ch.choices[0]?.delta?.tool_calls || []));
    check(`${tag}: no call text as content`, !fin.choices[0].message.content, fin.choices[0].message.content);
    check(`${tag}: one opening delta per call`, deltas.filter((d) => d.id).length === want.length, deltas.slice(0, 4));
    got.forEach((g, k) => validateLater(schemaOf[g.function.name] || {}, g.function.arguments, `${tag.replace("/", "-")}-${k}`));
    const next = await fc.chat.completions.create({ model: "m", tools, max_tokens: 4, temperature: 0,
      messages: [...req.messages, { role: "assistant", content: null, tool_calls: want },
                 ...want.map((w) => ({ role: "tool", tool_call_id: w.id, content: "{\"temp\": 3}" }))] });
    check(`${tag}: the next turn renders`, typeof next.choices[0].message.content === "string", next.choices[0]);
  } catch (e) {
    t.fail(`${tag} exception`, e);
  } finally {
    srv.server.kill("SIGTERM");
  }
}

const lines = path.join(work, "outputs.jsonl");
fs.writeFileSync(lines, toValidate.map((x) => JSON.stringify(x) + "\n").join(""));
try {
  console.log(execFileSync("python3", [path.join(here, "../grammar_validate.py"), lines]).toString().trim());
} catch (e) {
  const out = (e.stdout || "").toString();
  console.log(out);
  if (e.status === 77) {
    console.log("HEARTH_SKIPPED: python3-jsonschema missing");
    process.exit(process.env.CI === "true" ? 1 : 77);
  }
  t.failures++;
}
t.exit();
