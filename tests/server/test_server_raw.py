"""Raw HTTP tests of `hearth serve`: malformed requests, every error status, keys, roles, rate
limits, revocation (SIGHUP), metrics, tokenize, the audit log and `hearth audit verify`.
usage: test_server_raw.py HEARTH MODEL WORKDIR"""
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from server_util import Server  # noqa: E402
from script_checks import check, finish  # noqa: E402

hearth, model, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)


def err(body):
    return body.get("error", {}) if isinstance(body, dict) else {}


CHAT = {"model": "m", "messages": [{"role": "user", "content": "Once"}], "max_tokens": 4,
        "temperature": 0}

# --- no keys: loopback, everything open ------------------------------------------------------
s = Server(hearth, model, "--alias", "m", "--max-body-bytes", "1000000")
try:
    st, _, b = s.json("GET", "/health")
    check("health ok", st == 200 and b == {"status": "ok"}, b)
    st, _, b = s.json("GET", "/v1/models")
    check("models", st == 200 and b["data"][0]["id"] == "m", b)
    st, _, b = s.json("POST", "/v1/chat/completions", CHAT)
    check("chat", st == 200 and b["object"] == "chat.completion" and
          b["choices"][0]["finish_reason"] in ("stop", "length") and
          "cached_tokens" in b["usage"]["prompt_tokens_details"], b)
    st, _, b = s.json("POST", "/v1/chat/completions",
                      dict(CHAT, messages=[{"role": "user", "content": [{"type": "text", "text": "Once"}]}]))
    check("chat with content parts", st == 200, b)
    cases = [
        ("truncated JSON", '{"model": "m", "messages": [', 400, None),
        ("not an object", '[1,2]', 400, None),
        ("deep nesting", "[" * 100000 + "]" * 100000, 400, None),
        ("invalid UTF-8", b'{"model":"m","messages":[{"role":"user","content":"\xff\xfe"}]}', 400, None),
        ("wrong type messages", json.dumps(dict(CHAT, messages="hi")), 400, "messages"),
        ("wrong type temperature", json.dumps(dict(CHAT, temperature="hot")), 400, "temperature"),
        ("temperature range", json.dumps(dict(CHAT, temperature=9)), 400, "temperature"),
        ("n range", json.dumps(dict(CHAT, n=1000)), 400, "n"),
        ("stop type", json.dumps(dict(CHAT, stop=[1])), 400, "stop"),
        ("max_tokens type", json.dumps(dict(CHAT, max_tokens=1.5)), 400, "max_tokens"),
        ("bad role", json.dumps(dict(CHAT, messages=[{"role": "x", "content": "a"}])), 400, "messages[0].role"),
        ("logit_bias key", json.dumps(dict(CHAT, logit_bias={"abc": 1})), 400, "logit_bias"),
        ("logit_bias vocab", json.dumps(dict(CHAT, logit_bias={"99999999": 1})), 400, "logit_bias"),
        ("unknown model", json.dumps(dict(CHAT, model="nope")), 404, "model"),
        ("completion token out of vocab", json.dumps({"prompt": [99999999], "max_tokens": 2}), 400, "prompt"),
        ("huge body", "x" * 2_000_000, 413, None),
    ]
    for name, raw, want, param in cases:
        path = "/v1/completions" if "completion token" in name else "/v1/chat/completions"
        st, _, b = s.json("POST", path, raw=raw)
        ok = st == want and "message" in err(b) and "type" in err(b)
        if param:
            ok = ok and err(b).get("param") == param
        check(f"{name} -> {want}", ok, (st, b))
    st, _, b = s.json("GET", "/nope")
    check("unknown path 404 envelope", st == 404 and "message" in err(b), (st, b))
    # 100 MB body: refused (413) without the server reading it all into a parse
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000000\r\n\r\n{")
    sock.settimeout(10)
    resp = sock.recv(4096).decode("latin1")
    sock.close()
    check("100 MB body -> 413", " 413 " in resp.split("\r\n")[0], resp[:100])
    # huge header
    st, _, _ = s.request("GET", "/health", headers={"X-Big": "a" * 100000})
    check("huge header refused", st in (400, 413, 431), st)
    # slow sender: a partial request, then silence; the server must still answer others
    slow = socket.create_connection(("127.0.0.1", s.port))
    slow.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    st, _, _ = s.request("GET", "/health")
    check("health while a slow sender waits", st == 200, st)
    slow.close()
    st, _, b = s.json("POST", "/tokenize", {"content": "Once upon a time"})
    ids = b.get("tokens", []) if isinstance(b, dict) else []
    check("tokenize", st == 200 and len(ids) > 2, b)
    st, _, b = s.json("POST", "/detokenize", {"tokens": ids})
    check("detokenize", st == 200 and "Once upon a time" in b.get("content", ""), b)
    st, _, b = s.json("POST", "/v1/completions",
                      {"prompt": "Once upon a time", "max_tokens": 3, "temperature": 0, "logprobs": 2})
    lp = b["choices"][0]["logprobs"] if st == 200 else None
    check("completion logprobs", st == 200 and lp and len(lp["token_logprobs"]) >= 1 and
          all(v <= 0 for v in lp["token_logprobs"]), b)
    st, _, text = s.request("POST", "/v1/chat/completions",
                            body=dict(CHAT, stream=True, stream_options={"include_usage": True}))
    events = [l[6:] for l in text.split("\n") if l.startswith("data: ")]
    check("SSE ends with [DONE]", st == 200 and events and events[-1] == "[DONE]", text[-200:])
    last = json.loads(events[-2]) if len(events) > 1 else {}
    check("SSE usage chunk", last.get("choices") == [] and last.get("usage", {}).get("prompt_tokens", 0) > 0, last)
    # disconnect during a long generation: the engine request is cancelled
    sock = socket.create_connection(("127.0.0.1", s.port))
    body = json.dumps({"prompt": "Once", "max_tokens": 100000, "temperature": 0, "stream": True})
    sock.sendall(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n{body}").encode())
    sock.recv(100)
    sock.close()
    time.sleep(1.0)
    st, _, m = s.request("GET", "/metrics")
    running = [l for l in m.split("\n") if l.startswith("hearth_running_sequences ")]
    check("disconnected stream cancelled", running and running[0].endswith(" 0"), running)
    check("metrics text", st == 200 and "hearth_http_requests_total" in m and
          "hearth_time_to_first_token_seconds_bucket" in m, m[:200])
finally:
    check("SIGTERM exits 0", s.stop() == 0)

# --- binding beyond loopback without keys is refused ----------------------------------------
r = subprocess.run([hearth, "serve", "-m", model, "--host", "0.0.0.0", "--port", "0"],
                   capture_output=True, text=True, timeout=30)
check("0.0.0.0 without keys refused", r.returncode != 0 and "--keys" in r.stderr, r.stderr)

# --- keys, roles, rate limits, revocation, audit -------------------------------------------
keys = os.path.join(work, "keys.jsonl")
audit = os.path.join(work, "audit.jsonl")
for f in (keys, audit):
    if os.path.exists(f):
        os.remove(f)


def add_key(*a):
    r = subprocess.run([hearth, "keys", "add", "--file", keys, *a], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


admin = add_key("--id", "admin", "--role", "admin")
user = add_key("--id", "user", "--role", "user")
reader = add_key("--id", "reader", "--role", "reader")
limited = add_key("--id", "limited", "--role", "user", "--rpm", "2")
check("key file holds no key", all(k not in open(keys).read() for k in (admin, user, reader)))
listing = subprocess.run([hearth, "keys", "list", "--file", keys], capture_output=True, text=True).stdout
check("keys list", "admin\tadmin" in listing and user not in listing, listing)

s = Server(hearth, model, "--alias", "m", "--keys", keys, "--audit-log", audit)
try:
    H = lambda k: {"Authorization": "Bearer " + k}  # noqa: E731
    st, _, _ = s.json("GET", "/health")
    check("health needs no key", st == 200)
    st, _, b = s.json("GET", "/v1/models")
    check("no key -> 401", st == 401 and err(b).get("type") == "authentication_error", b)
    st, _, b = s.json("GET", "/v1/models", headers=H("hk-wrong"))
    check("unknown key -> 401", st == 401, b)
    st, _, b = s.json("GET", "/v1/models", headers=H(reader))
    check("reader lists models", st == 200, b)
    st, _, b = s.json("POST", "/v1/chat/completions", CHAT, headers=H(reader))
    check("reader may not generate -> 403", st == 403, b)
    st, _, b = s.json("POST", "/v1/chat/completions", CHAT, headers=H(user))
    check("user generates", st == 200, b)
    st, _, _ = s.request("GET", "/metrics", headers=H(user))
    check("user may not read metrics -> 403", st == 403)
    st, _, _ = s.request("GET", "/metrics", headers=H(admin))
    check("admin reads metrics", st == 200)
    codes = [s.json("GET", "/v1/models", headers=H(limited)) for _ in range(3)]
    st, hd, b = codes[-1]
    check("rpm limit -> 429", [c[0] for c in codes] == [200, 200, 429], [c[0] for c in codes])
    check("429 headers", "retry-after" in hd and "x-ratelimit-limit-requests" in hd, hd)
    subprocess.run([hearth, "keys", "revoke", "--file", keys, "--id", "user"], check=True,
                   capture_output=True)
    s.signal(signal.SIGHUP)
    time.sleep(0.5)
    st, _, b = s.json("GET", "/v1/models", headers=H(user))
    check("revoked key -> 401 after SIGHUP", st == 401, b)
finally:
    check("SIGTERM exits 0 (keys)", s.stop() == 0)

# A burst of simultaneous connections: each is answered (200, or an explicit 503 when the queue
# is full), none refused or reset by a full listen backlog (Debian's httplib listens with 5).
s = Server(hearth, model, "--alias", "m", "--max-queue", "16")
try:
    import threading
    burst = [None] * 150

    def one(i):
        try:
            st, _, _ = s.request("POST", "/v1/chat/completions", dict(CHAT, max_tokens=2), timeout=120)
            burst[i] = st
        except OSError as e:
            burst[i] = repr(e)
    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(burst))]
    t0 = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    outcomes = {str(b): burst.count(b) for b in set(burst)}
    check("burst of 150 connects: every one answered 200 or 503", set(burst) <= {200, 503} and
          200 in burst, outcomes)
    check("burst answered without SYN-retry delays", time.time() - t0 < 20, time.time() - t0)
finally:
    s.stop()

# --config F.json names the same settings as the flags; an unknown key is refused.
cfg = os.path.join(work, "serve.json")
with open(cfg, "w") as f:
    json.dump({"alias": "from-config", "max-body-bytes": 2000}, f)
s = Server(hearth, model, "--config", cfg)
try:
    st, _, b = s.json("GET", "/v1/models")
    check("--config: alias applied", st == 200 and b["data"][0]["id"] == "from-config", b)
    st, _, b = s.json("POST", "/v1/completions", raw=json.dumps(
        {"model": "from-config", "prompt": "x" * 5000, "max_tokens": 1}))
    check("--config: max_body_bytes applied -> 413", st == 413, (st, b))
finally:
    s.stop()
with open(cfg, "w") as f:
    json.dump({"no_such_setting": 1}, f)
r = subprocess.run([hearth, "serve", "-m", model, "--config", cfg], capture_output=True, text=True,
                   timeout=60)
check("--config: unknown key -> exit 2 naming it", r.returncode == 2 and "no_such_setting" in r.stderr,
      r.stderr)

# X-Forwarded-For is believed only from --trusted-proxy addresses (the audit's client field).
for trusted in (True, False):
    log_path = os.path.join(work, f"audit-xff-{trusted}.jsonl")
    if os.path.exists(log_path):
        os.remove(log_path)
    extra = ["--trusted-proxy", "127.0.0.1"] if trusted else []
    s = Server(hearth, model, "--alias", "m", "--audit-log", log_path, *extra)
    try:
        s.json("GET", "/v1/models", headers={"X-Forwarded-For": "203.0.113.7"})
    finally:
        s.stop()
    # (the readiness polls of /health carry no header: only the /v1/models call counts)
    clients = [json.loads(l)["client"] for l in open(log_path) if json.loads(l)["path"] == "/v1/models"]
    want = "203.0.113.7" if trusted else "127.0.0.1"
    check(f"audit client with{'' if trusted else 'out'} --trusted-proxy is {want}",
          clients and all(c == want for c in clients), clients)

# --default-rpm applies to keys added without --rpm (and not to keys with their own).
check("keys list shows the default rpm", "reader\treader\trpm=default" in listing and
      "limited\tuser\trpm=2" in listing, listing)
s = Server(hearth, model, "--alias", "m", "--keys", keys, "--default-rpm", "3")
try:
    H = lambda k: {"Authorization": "Bearer " + k}  # noqa: E731
    codes = [s.json("GET", "/v1/models", headers=H(reader))[0] for _ in range(4)]
    check("--default-rpm 3 -> fourth request 429", codes == [200, 200, 200, 429], codes)
    codes = [s.json("GET", "/v1/models", headers=H(limited))[0] for _ in range(3)]
    check("a key's own rpm wins over --default-rpm", codes == [200, 200, 429], codes)
finally:
    s.stop()

log = open(audit).read()
check("audit log has no keys", all(k not in log for k in (admin, user, reader, limited)))
check("audit log lines", log.count("\n") >= 8, log.count("\n"))
r = subprocess.run([hearth, "audit", "verify", audit], capture_output=True, text=True)
check("audit verify intact -> 0", r.returncode == 0, r.stdout + r.stderr)
lines = log.splitlines()
edited = os.path.join(work, "audit-edited.jsonl")
lines[2] = lines[2].replace('"status":200', '"status":201').replace('"status":401', '"status":200')
open(edited, "w").write("\n".join(lines) + "\n")
r = subprocess.run([hearth, "audit", "verify", edited], capture_output=True, text=True)
check("audit verify edited -> 1 naming line 3", r.returncode == 1 and "line 3" in r.stdout, r.stdout)
deleted = os.path.join(work, "audit-deleted.jsonl")
open(deleted, "w").write("\n".join(log.splitlines()[:2] + log.splitlines()[3:]) + "\n")
r = subprocess.run([hearth, "audit", "verify", deleted], capture_output=True, text=True)
check("audit verify deleted line -> 1", r.returncode == 1 and "line 3" in r.stdout, r.stdout)

finish()
