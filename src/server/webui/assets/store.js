// What the page keeps in the browser: conversations and settings in local storage (they survive
// a reload and a restart, on this browser only), the API key in session storage (this tab only,
// gone when it closes; never written to local storage).

export const CONVERSATIONS = "hearth.conversations.v1";
const CURRENT = "hearth.current.v1";
const SETTINGS = "hearth.settings.v1";
const API_KEY = "hearth.apiKey";

export const DEFAULT_TITLE = "New chat";
export const DEFAULT_SETTINGS = { system: "", temperature: 0.8, top_p: 0.95, max_tokens: 512 };

function read(storage, name, fallback) {
  try {
    const v = JSON.parse(storage.getItem(name));
    return v === null ? fallback : v;
  } catch {
    return fallback;  // unreadable (hand-edited, another version): start over
  }
}

export function loadConversations() {
  const list = read(localStorage, CONVERSATIONS, []);
  return Array.isArray(list) ? list.filter((c) => c && c.id && Array.isArray(c.messages)) : [];
}

// Throws when the browser's quota is used up; the caller says so.
export function saveConversations(list) {
  localStorage.setItem(CONVERSATIONS, JSON.stringify(list));
}

export function loadCurrentId() {
  return localStorage.getItem(CURRENT) || "";
}

export function saveCurrentId(id) {
  localStorage.setItem(CURRENT, id);
}

export function newConversation() {
  const now = Date.now();
  const id = crypto.randomUUID ? crypto.randomUUID() : `${now}-${Math.random().toString(36).slice(2)}`;
  return { id, title: DEFAULT_TITLE, created: now, updated: now, messages: [] };
}

export function loadSettings() {
  const s = read(localStorage, SETTINGS, {});
  return { ...DEFAULT_SETTINGS, ...(s && typeof s === "object" ? s : {}) };
}

export function saveSettings(s) {
  localStorage.setItem(SETTINGS, JSON.stringify(s));
}

export function loadApiKey() {
  return sessionStorage.getItem(API_KEY) || "";
}

export function saveApiKey(key) {
  if (key) sessionStorage.setItem(API_KEY, key);
  else sessionStorage.removeItem(API_KEY);
}

// A conversation as a JSON file the user downloads (no server involved).
export function exportConversation(conv) {
  const data = JSON.stringify({ format: "hearth-chat-v1", ...conv }, null, 2);
  const url = URL.createObjectURL(new Blob([data], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  const slug = conv.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  a.download = `hearth-chat-${slug || "conversation"}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
