// The chat page's controller: conversations (store.js), the server (api.js), the DOM (view.js).
// One reply streams at a time; Stop aborts its request, which closes the connection, and the
// server cancels the generation (counted in /metrics as hearth_cancelled_generations_total).

import { ApiError, getInfo, streamChat } from "./api.js";
import * as store from "./store.js";
import { conversationList, editView, messageView } from "./view.js";

const $ = (id) => document.getElementById(id);
const ui = {
  list: $("conversations"), messages: $("messages"), empty: $("empty"), input: $("input"),
  composer: $("composer"), send: $("send"), stop: $("stop"), status: $("status"),
  modelName: $("model-name"), contextUse: $("context-use"), contextMeter: $("context-meter"),
  contextText: $("context-text"), authBanner: $("auth-banner"), authMessage: $("auth-message"),
  authForm: $("auth-form"), authKey: $("auth-key"), settings: $("settings"),
  settingsForm: $("settings-form"), settingsKey: $("settings-key"), sidebar: $("sidebar"),
  toggleSidebar: $("toggle-sidebar"),
};

const state = {
  conversations: store.loadConversations(),
  currentId: store.loadCurrentId(),
  settings: store.loadSettings(),
  apiKey: store.loadApiKey(),
  info: null,          // {model, n_ctx, auth} once the server answered
  authRequired: false,
  generating: null,    // {controller, conv, msg}
  editing: false,
};

function current() {
  return state.conversations.find((c) => c.id === state.currentId);
}

function setStatus(text) {
  ui.status.textContent = text;
}

function persist() {
  try {
    store.saveConversations(state.conversations);
    store.saveCurrentId(state.currentId);
  } catch (e) {
    setStatus(`Could not save the conversations in this browser: ${e.message}`);
  }
}

// ---- rendering ----

function renderList() {
  const sorted = [...state.conversations].sort((a, b) => b.updated - a.updated);
  conversationList(ui.list, sorted, state.currentId, {
    open: (id) => {
      if (state.generating) return;
      state.currentId = id;
      state.editing = false;
      persist();
      closeSidebar();
      render();
    },
    rename: (id, title) => {
      const c = state.conversations.find((x) => x.id === id);
      if (c) c.title = title;
      persist();
      renderList();
    },
    remove: (id) => {
      if (state.generating && state.generating.conv.id === id) stop();
      state.conversations = state.conversations.filter((x) => x.id !== id);
      if (state.currentId === id) state.currentId = "";
      ensureCurrent();
      persist();
      render();
      setStatus("Conversation deleted.");
    },
    exportJson: (id) => {
      const c = state.conversations.find((x) => x.id === id);
      if (c) store.exportConversation(c);
    },
  });
}

function renderContext() {
  const conv = current();
  const last = conv && [...conv.messages].reverse().find((m) => m.usage);
  if (!state.info || !last) {
    ui.contextUse.hidden = true;
    return;
  }
  const used = last.usage.prompt_tokens + last.usage.completion_tokens;
  ui.contextUse.hidden = false;
  ui.contextMeter.max = state.info.n_ctx;
  ui.contextMeter.value = Math.min(used, state.info.n_ctx);
  ui.contextText.textContent = `${used} / ${state.info.n_ctx} tokens`;
}

function messageNode(conv, msg, i) {
  const busy = Boolean(state.generating);
  const lastUser = conv.messages.map((m) => m.role).lastIndexOf("user");
  const isLast = i === conv.messages.length - 1;
  return messageView(msg, {
    canEdit: !busy && i === lastUser,
    canRegenerate: !busy && isLast && msg.role === "assistant" && lastUser >= 0,
    onEdit: () => {
      state.editing = true;
      renderMessages();
    },
    onRegenerate: () => regenerate(),
  });
}

function renderMessages() {
  const conv = current();
  const nodes = [];
  conv.messages.forEach((msg, i) => {
    const lastUser = conv.messages.map((m) => m.role).lastIndexOf("user");
    if (state.editing && i === lastUser) {
      nodes.push(editView(msg, (text) => editAndResend(text), () => {
        state.editing = false;
        renderMessages();
      }));
    } else {
      const n = messageNode(conv, msg, i);
      if (msg === (state.generating && state.generating.msg)) n.id = "streaming";
      nodes.push(n);
    }
  });
  ui.messages.replaceChildren(...nodes);
  ui.empty.hidden = conv.messages.length > 0;
  renderContext();
}

function render() {
  renderList();
  renderMessages();
  const busy = Boolean(state.generating);
  ui.send.hidden = busy;
  ui.stop.hidden = !busy;
}

// Re-render the streaming reply at most once a frame, however fast tokens arrive.
let frame = 0;
function renderStreaming() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const g = state.generating;
    const node = $("streaming");
    if (!g || !node || g.conv.id !== state.currentId) return;
    const conv = g.conv;
    const fresh = messageNode(conv, g.msg, conv.messages.indexOf(g.msg));
    fresh.id = "streaming";
    node.replaceWith(fresh);
    followBottom();
  });
}

function followBottom() {
  const nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 120;
  if (nearBottom) window.scrollTo(0, document.body.scrollHeight);
}

// ---- conversations ----

function ensureCurrent() {
  if (!current()) {
    const sorted = [...state.conversations].sort((a, b) => b.updated - a.updated);
    if (sorted.length) {
      state.currentId = sorted[0].id;
    } else {
      const c = store.newConversation();
      state.conversations.push(c);
      state.currentId = c.id;
    }
  }
}

function newChat() {
  if (state.generating) return;
  const empty = state.conversations.find((c) => c.messages.length === 0);
  const c = empty || store.newConversation();
  if (!empty) state.conversations.push(c);
  c.updated = Date.now();
  state.currentId = c.id;
  state.editing = false;
  persist();
  closeSidebar();
  render();
  ui.input.focus();
}

// ---- generation ----

function requestMessages(conv) {
  const msgs = [];
  if (state.settings.system.trim()) msgs.push({ role: "system", content: state.settings.system });
  for (const m of conv.messages) {
    if (m.pending || m.role === "tool") continue;
    if (m.role === "assistant" && !m.content) continue;
    msgs.push({ role: m.role, content: m.content });
  }
  return msgs;
}

function mergeToolCalls(msg, deltas) {
  msg.tool_calls = msg.tool_calls || [];
  for (const d of deltas) {
    const i = d.index ?? msg.tool_calls.length;
    const t = (msg.tool_calls[i] = msg.tool_calls[i] || { id: "", type: "function", function: { name: "", arguments: "" } });
    if (d.id) t.id = d.id;
    if (d.type) t.type = d.type;
    if (d.function) {
      if (d.function.name) t.function.name += d.function.name;
      if (d.function.arguments) t.function.arguments += d.function.arguments;
    }
  }
}

// Applies one streamed chunk to the reply being built. Later server features only add fields:
// delta.tool_calls, sources (on the chunk, the choice, the delta or a final message).
function applyChunk(msg, chunk, timing) {
  if (chunk.usage) msg.usage = chunk.usage;
  if (Array.isArray(chunk.sources)) msg.sources = chunk.sources;
  const choice = (chunk.choices || [])[0];
  if (!choice) return;
  const delta = choice.delta || choice.message || {};
  if (typeof delta.content === "string" && delta.content) {
    if (timing.first === undefined) timing.first = performance.now();
    timing.last = performance.now();
    timing.pieces++;
    msg.content += delta.content;
  }
  if (Array.isArray(delta.tool_calls)) mergeToolCalls(msg, delta.tool_calls);
  for (const src of [choice.sources, delta.sources]) if (Array.isArray(src)) msg.sources = src;
  if (choice.finish_reason) msg.finish_reason = choice.finish_reason;
}

function finishStats(msg, timing) {
  const tokens = msg.usage ? msg.usage.completion_tokens : timing.pieces;
  const s = { tokens, approx: !msg.usage };
  if (timing.first !== undefined) {
    s.ttft_ms = timing.first - timing.start;
    // Over the whole request (the prompt's processing included; the first-token time shows that
    // part): tokens arrive in batches, so a fast reply has no meaningful first-to-last interval.
    const secs = (timing.last - timing.start) / 1000;
    if (tokens > 0 && secs > 0) s.tokens_per_s = tokens / secs;
  }
  msg.stats = s;
}

async function generate(conv) {
  const msg = { role: "assistant", content: "", pending: true };
  const body = {
    messages: requestMessages(conv),
    temperature: Number(state.settings.temperature),
    top_p: Number(state.settings.top_p),
    max_tokens: Number(state.settings.max_tokens),
  };
  if (state.info) body.model = state.info.model;
  conv.messages.push(msg);
  conv.updated = Date.now();
  const controller = new AbortController();
  state.generating = { controller, conv, msg };
  render();
  setStatus("Generating…");
  const timing = { start: performance.now(), first: undefined, last: undefined, pieces: 0 };
  try {
    for await (const chunk of streamChat(body, { key: state.apiKey, signal: controller.signal, session: conv.id })) {
      applyChunk(msg, chunk, timing);
      renderStreaming();
    }
    setStatus(msg.finish_reason === "content_filter" ? "Stopped by the content filter." : "Reply finished.");
  } catch (e) {
    if (controller.signal.aborted) {
      msg.finish_reason = "stopped";
      setStatus("Stopped.");
    } else {
      msg.error = describeError(e);
      setStatus(msg.error);
      if (e instanceof ApiError && e.status === 401) showAuth(e.message);
    }
  }
  finishStats(msg, timing);
  delete msg.pending;
  state.generating = null;
  conv.updated = Date.now();
  persist();
  render();
}

function describeError(e) {
  if (e instanceof ApiError) {
    if (e.status === 401) return `The server refused the API key: ${e.message}`;
    if (e.status) return `The server answered ${e.status}: ${e.message}`;
    return e.message;
  }
  return `The request failed: ${e.message}`;
}

function send(text) {
  if (state.generating || !text.trim()) return;
  const conv = current();
  conv.messages.push({ role: "user", content: text });
  if (conv.title === store.DEFAULT_TITLE) {
    const line = text.trim().split("\n")[0];
    conv.title = line.length > 40 ? `${line.slice(0, 40)}…` : line;
  }
  ui.input.value = "";
  generate(conv);
}

function regenerate() {
  const conv = current();
  if (state.generating || conv.messages[conv.messages.length - 1]?.role !== "assistant") return;
  conv.messages.pop();
  generate(conv);
}

function editAndResend(text) {
  const conv = current();
  const i = conv.messages.map((m) => m.role).lastIndexOf("user");
  if (state.generating || i < 0) return;
  conv.messages.splice(i);  // the edited message and the replies after it
  state.editing = false;
  send(text);
}

function stop() {
  if (state.generating) state.generating.controller.abort();
}

// ---- server info and API key ----

function showAuth(message) {
  state.authRequired = true;
  ui.authBanner.hidden = false;
  ui.settingsKey.hidden = false;
  ui.authMessage.textContent = message;
  ui.modelName.textContent = "API key needed";
}

async function connect() {
  try {
    state.info = await getInfo(state.apiKey);
    state.authRequired = state.info.auth;
    ui.settingsKey.hidden = !state.info.auth;
    ui.authBanner.hidden = true;
    ui.modelName.textContent = state.info.model;
    ui.modelName.title = `context ${state.info.n_ctx} tokens per conversation`;
    renderContext();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      showAuth(state.apiKey ? `The server refused this key: ${e.message}.`
                            : "Enter an API key to use this server.");
      if (state.apiKey) ui.authKey.value = "";
    } else if (e instanceof ApiError && e.status === 503) {
      ui.modelName.textContent = "model loading…";
      setTimeout(connect, 1000);
    } else {
      ui.modelName.textContent = "server unreachable";
      setStatus(describeError(e));
      setTimeout(connect, 3000);
    }
  }
}

function useKey(key) {
  state.apiKey = key.trim();
  store.saveApiKey(state.apiKey);
  connect();
}

// ---- settings ----

function openSettings() {
  const s = state.settings;
  $("set-system").value = s.system;
  $("set-temperature").value = s.temperature;
  $("set-top-p").value = s.top_p;
  $("set-max-tokens").value = s.max_tokens;
  $("set-api-key").value = state.apiKey;
  ui.settings.showModal();
}

function saveSettingsForm() {
  const num = (id, fallback) => {
    const v = Number($(id).value);
    return $(id).value !== "" && Number.isFinite(v) ? v : fallback;
  };
  const d = store.DEFAULT_SETTINGS;
  state.settings = {
    system: $("set-system").value,
    temperature: num("set-temperature", d.temperature),
    top_p: num("set-top-p", d.top_p),
    max_tokens: Math.max(1, Math.round(num("set-max-tokens", d.max_tokens))),
  };
  store.saveSettings(state.settings);
  const key = $("set-api-key").value.trim();
  if (key !== state.apiKey) useKey(key);
  ui.settings.close();
  setStatus("Settings saved.");
}

// ---- narrow screens: the conversation list slides over the chat ----

function closeSidebar() {
  if (!ui.sidebar.classList.contains("open")) return;
  if (ui.sidebar.contains(document.activeElement)) ui.toggleSidebar.focus();
  ui.sidebar.classList.remove("open");
  ui.toggleSidebar.setAttribute("aria-expanded", "false");
}

// ---- wiring ----

ui.composer.addEventListener("submit", (e) => {
  e.preventDefault();
  send(ui.input.value);
});
ui.input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send(ui.input.value);
  } else if (e.key === "Escape") {
    stop();
  }
});
ui.stop.addEventListener("click", stop);
$("new-chat").addEventListener("click", newChat);
$("open-settings").addEventListener("click", openSettings);
$("settings-cancel").addEventListener("click", () => ui.settings.close());
ui.settingsForm.addEventListener("submit", (e) => {
  e.preventDefault();
  saveSettingsForm();
});
ui.authForm.addEventListener("submit", (e) => {
  e.preventDefault();
  useKey(ui.authKey.value);
});
ui.toggleSidebar.addEventListener("click", () => {
  const open = ui.sidebar.classList.toggle("open");
  ui.toggleSidebar.setAttribute("aria-expanded", String(open));
  if (open) $("new-chat").focus();
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && ui.sidebar.classList.contains("open")) closeSidebar();
});
// Another tab changed the conversations: show its version unless this tab is generating.
window.addEventListener("storage", (e) => {
  if (e.key !== store.CONVERSATIONS || state.generating) return;
  state.conversations = store.loadConversations();
  ensureCurrent();
  render();
});

ensureCurrent();
persist();
render();
connect();
ui.input.focus();
