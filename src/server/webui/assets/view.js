// DOM for messages and the conversation list. Message text goes in as text (user messages) or
// through markdown.js (replies), never as HTML. Fields that later server features add are shown
// when a message has them: `sources` (knowledge-base citations), `tool_calls` (collapsible
// steps), role "tool" results, and finish_reason "content_filter".

import { renderMarkdown, safeUrl } from "./markdown.js";

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(label, cls, onClick, ariaLabel) {
  const b = el("button", `button ${cls}`, label);
  b.type = "button";
  if (ariaLabel) b.setAttribute("aria-label", ariaLabel);
  b.addEventListener("click", onClick);
  return b;
}

const NOTICES = {
  length: "The reply reached the token limit (max tokens or the context size).",
  content_filter: "The reply was stopped by the server's content filter.",
  stopped: "Stopped.",
};

// One source entry: a string, or an object with some of title/name, url, snippet/text, page.
function sourceItem(s) {
  const li = el("li", "source");
  if (typeof s !== "object" || s === null) {
    li.textContent = String(s);
    return li;
  }
  const title = s.title || s.name || s.document || s.source || s.id || s.url || "source";
  const url = typeof s.url === "string" ? safeUrl(s.url) : null;
  if (url) {
    const a = el("a", "source-title", String(title));
    a.href = url;
    a.rel = "noopener noreferrer nofollow";
    a.target = "_blank";
    li.append(a);
  } else {
    li.append(el("span", "source-title", String(title)));
  }
  if (s.page !== undefined) li.append(el("span", "source-page", ` (page ${s.page})`));
  const snippet = s.snippet || s.text || s.content;
  if (typeof snippet === "string" && snippet) li.append(el("blockquote", "source-snippet", snippet));
  return li;
}

function sources(list) {
  const sec = el("section", "sources");
  const h = el("h3", "sources-title", "Sources");
  const ol = el("ol");
  list.forEach((s) => ol.append(sourceItem(s)));
  sec.append(h, ol);
  return sec;
}

function toolStep(call) {
  const d = el("details", "tool-step");
  const fn = call.function || {};
  d.append(el("summary", "", `Tool call: ${fn.name || call.type || "tool"}`));
  let args = fn.arguments || "";
  try {
    args = JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    // partial or not JSON: shown as sent
  }
  const pre = el("pre", "code-block");
  pre.append(el("code", "", args));
  d.append(pre);
  return d;
}

function stats(msg) {
  const s = msg.stats;
  if (!s) return null;
  const parts = [];
  if (s.ttft_ms !== undefined) parts.push(`first token ${Math.round(s.ttft_ms)} ms`);
  if (s.tokens_per_s) parts.push(`${s.tokens_per_s.toFixed(1)} tokens/s`);
  if (s.tokens) parts.push(`${s.approx ? "≈" : ""}${s.tokens} tokens`);
  return parts.length ? el("p", "msg-meta", parts.join(" · ")) : null;
}

function copyButton(msg) {
  if (!navigator.clipboard) return null;  // only in secure contexts (https, localhost)
  return button("Copy", "small ghost", (e) => {
    navigator.clipboard.writeText(msg.content).then(() => {
      e.target.textContent = "Copied";
      setTimeout(() => (e.target.textContent = "Copy"), 1500);
    });
  }, "Copy this reply");
}

// An <article> for one message. opts: {canEdit, canRegenerate, onEdit, onRegenerate}.
export function messageView(msg, opts = {}) {
  const a = el("article", `msg msg-${msg.role}`);
  const role = msg.role === "user" ? "You" : msg.role === "tool" ? "Tool result" : "Assistant";
  a.append(el("h3", "msg-role", role));
  if (msg.role === "tool") {
    const d = el("details", "tool-step");
    d.append(el("summary", "", `Result${msg.name ? ` of ${msg.name}` : ""}`));
    d.append(el("pre", "code-block", String(msg.content || "")));
    a.append(d);
    return a;
  }
  if (Array.isArray(msg.tool_calls)) msg.tool_calls.forEach((c) => a.append(toolStep(c || {})));
  const body = el("div", "msg-body");
  if (msg.role === "user") {
    body.classList.add("plain");
    body.textContent = msg.content;  // as typed: never Markdown, never HTML
  } else {
    body.append(renderMarkdown(msg.content || ""));
  }
  if (msg.content || msg.role === "user") a.append(body);
  if (msg.pending) {
    a.setAttribute("aria-busy", "true");
    if (!msg.content) a.append(el("p", "typing", "…"));
  }
  if (Array.isArray(msg.sources) && msg.sources.length) a.append(sources(msg.sources));
  const notice = NOTICES[msg.finish_reason];
  if (notice) {
    a.append(el("p", `notice notice-${msg.finish_reason.replace(/_/g, "-")}`, notice));
  }
  if (msg.error) {
    const p = el("p", "notice notice-error", msg.error);
    p.setAttribute("role", "alert");
    a.append(p);
  }
  const meta = stats(msg);
  if (meta) a.append(meta);
  const actions = el("div", "msg-actions");
  if (msg.role === "assistant" && msg.content && !msg.pending) {
    const c = copyButton(msg);
    if (c) actions.append(c);
  }
  if (opts.canEdit) actions.append(button("Edit", "small ghost", opts.onEdit, "Edit your last message"));
  if (opts.canRegenerate)
    actions.append(button("Regenerate", "small ghost", opts.onRegenerate, "Regenerate the last reply"));
  if (actions.childNodes.length) a.append(actions);
  return a;
}

// The last user message being edited in place: Save & send, or Cancel.
export function editView(msg, onSave, onCancel) {
  const a = el("article", "msg msg-user editing");
  a.append(el("h3", "msg-role", "You (editing)"));
  const form = el("form", "edit-form");
  const label = el("label", "visually-hidden", "Edit your message");
  const ta = el("textarea", "edit-input");
  ta.id = "edit-input";
  label.htmlFor = ta.id;
  ta.value = msg.content;
  ta.rows = Math.min(10, Math.max(2, msg.content.split("\n").length));
  const row = el("div", "msg-actions");
  const save = el("button", "button small primary", "Save & send");
  save.type = "submit";
  row.append(save, button("Cancel", "small ghost", onCancel));
  form.append(label, ta, row);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (ta.value.trim()) onSave(ta.value);
  });
  ta.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    } else if (e.key === "Escape") {
      onCancel();
    }
  });
  a.append(form);
  setTimeout(() => ta.focus(), 0);
  return a;
}

// The sidebar's list. handlers: {open(id), rename(id, title), remove(id), exportJson(id)}.
export function conversationList(ul, list, currentId, handlers) {
  ul.replaceChildren();
  for (const c of list) {
    const li = el("li", "conv");
    if (c.id === currentId) li.classList.add("current");
    const open = button(c.title, "conv-open", () => handlers.open(c.id));
    if (c.id === currentId) open.setAttribute("aria-current", "true");
    const rename = button("Rename", "small ghost", () => {
      const input = el("input", "conv-rename");
      input.value = c.title;
      input.setAttribute("aria-label", "New title");
      let done = false;
      const finish = (save) => {
        if (done) return;
        done = true;
        if (save && input.value.trim()) handlers.rename(c.id, input.value.trim());
        else handlers.rename(c.id, c.title);
      };
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") finish(true);
        if (e.key === "Escape") finish(false);
      });
      input.addEventListener("blur", () => finish(true));
      open.replaceWith(input);
      input.focus();
      input.select();
    }, `Rename ${c.title}`);
    const exp = button("Export", "small ghost", () => handlers.exportJson(c.id),
                       `Export ${c.title} as JSON`);
    // Delete asks once more on the same button: no modal dialog, no accidental loss.
    const del = button("Delete", "small ghost danger-text", () => {
      if (del.dataset.armed) {
        handlers.remove(c.id);
        return;
      }
      del.dataset.armed = "1";
      del.textContent = "Confirm";
      del.setAttribute("aria-label", `Confirm deleting ${c.title}`);
      setTimeout(() => {
        if (!del.isConnected) return;
        delete del.dataset.armed;
        del.textContent = "Delete";
        del.setAttribute("aria-label", `Delete ${c.title}`);
      }, 4000);
    }, `Delete ${c.title}`);
    const tools = el("div", "conv-tools");
    tools.append(rename, exp, del);
    li.append(open, tools);
    ul.append(li);
  }
}
