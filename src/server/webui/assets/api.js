// The server's HTTP API as the page uses it: GET webui/info and a streamed POST
// v1/chat/completions (Server-Sent Events). URLs are relative to the page, so a proxy may serve
// it under any path prefix.

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code || "";
  }
}

function headers(key, json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

// An error response as ApiError, with the server's own message when it sent OpenAI's envelope.
async function failure(res) {
  let message = `${res.status} ${res.statusText}`;
  let code = "";
  try {
    const body = await res.json();
    if (body && body.error) {
      message = body.error.message || message;
      code = body.error.code || "";
    }
  } catch {
    // not JSON (a proxy's error page): keep the status line
  }
  return new ApiError(res.status, message, code);
}

// {model, n_ctx, auth}; throws ApiError (401 when a key is needed or wrong, 503 while loading).
export async function getInfo(key) {
  const res = await fetch("webui/info", { headers: headers(key, false), cache: "no-store" });
  if (!res.ok) throw await failure(res);
  return res.json();
}

// Yields each parsed chunk of a streamed chat completion until "data: [DONE]". Comments
// (": ping" keep-alives) are skipped. `signal` aborts the request: the connection closes and
// the server cancels the generation. `session` (the conversation's id) goes out as
// X-Session-Id, which deploy/haproxy hashes so a conversation keeps reaching the server whose
// prefix cache holds it.
export async function* streamChat(body, { key, signal, session }) {
  const res = await fetch("v1/chat/completions", {
    method: "POST",
    headers: { ...headers(key, true), ...(session ? { "X-Session-Id": session } : {}) },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    signal,
  });
  if (!res.ok) throw await failure(res);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buf.search(/\r?\n\r?\n/)) >= 0) {
      const event = buf.slice(0, cut);
      buf = buf.slice(cut).replace(/^\r?\n\r?\n/, "");
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, ""))
        .join("\n");
      if (!data) continue;
      if (data === "[DONE]") return;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new ApiError(500, chunk.error.message || "stream error", chunk.error.code);
      yield chunk;
    }
  }
  throw new ApiError(0, "the connection closed before the reply was complete");
}
