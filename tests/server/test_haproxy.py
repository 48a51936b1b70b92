"""Two `hearth serve` instances behind HAProxy, configured by deploy/haproxy/hearth.cfg (only its
addresses rewritten to free loopback ports): requests with the same X-Session-Id land on the same
server, whose prefix cache then serves the shared conversation (cached_tokens > 0); when that
server stops, traffic moves to the other one with no failed request once the health check has
noticed. Exit 77 (skip) without haproxy; a failure when CI=true.
usage: test_haproxy.py HEARTH MODEL WORKDIR"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from server_util import Server  # noqa: E402
from script_checks import check, failures, finish  # noqa: E402

hearth, model, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
if not haproxy:
    print("HEARTH_SKIPPED: haproxy not installed (apt-get install haproxy)")
    sys.exit(1 if os.environ.get("CI") == "true" else 77)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chat_count(server):
    _, _, text = server.request("GET", "/metrics")
    m = re.search(r'hearth_http_requests_total\{endpoint="/v1/chat/completions",status="200"\} (\d+)', text)
    return int(m.group(1)) if m else 0


def settled_counts(want_total, timeout=3.0):
    """Both servers' counts once they add up to want_total (or at the timeout): a server counts a
    request in /metrics after it has written the response, so a read right after the client got
    its answer may miss the last one."""
    deadline = time.time() + timeout
    while True:
        counts = [chat_count(s) for s in servers]
        if sum(counts) >= want_total or time.time() > deadline:
            return counts
        time.sleep(0.05)


def post(port, session, turn):
    # A long shared system prompt: the conversation's prefix spans several 16-token KV blocks.
    system = "You tell short stories about a girl named Lily and her dog, in simple words. " * 4
    messages = [{"role": "system", "content": system}]
    for i in range(turn):
        messages += [{"role": "user", "content": f"Tell me part {i + 1}."},
                     {"role": "assistant", "content": "Lily went to the park with her dog."}]
    messages.append({"role": "user", "content": f"Tell me part {turn + 1}."})
    body = json.dumps({"model": "m", "messages": messages, "max_tokens": 4, "temperature": 0})
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", body.encode(),
                                 {"Content-Type": "application/json", "X-Session-Id": session})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except OSError as e:
        return -1, str(e)


servers = [Server(hearth, model, "--alias", "m", "--trusted-proxy", "127.0.0.1") for _ in range(2)]
front = free_port()
cfg = open(os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "haproxy", "hearth.cfg")).read()
cfg = cfg.replace("127.0.0.1:8000", f"127.0.0.1:{front}")
cfg = cfg.replace("127.0.0.1:8081", f"127.0.0.1:{servers[0].port}")
cfg = cfg.replace("127.0.0.1:8082", f"127.0.0.1:{servers[1].port}")
cfg_path = os.path.join(work, "haproxy.cfg")
with open(cfg_path, "w") as f:
    f.write(cfg)
proxy = subprocess.Popen([haproxy, "-db", "-f", cfg_path], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
try:
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{front}/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    time.sleep(2.5)  # both servers marked up (rise 2, inter 1s)

    # Same session -> same server, whose prefix cache is then reused.
    results = [post(front, "alice", t) for t in range(4)]
    check("session alice: all answered", all(st == 200 for st, _ in results), results)
    counts = settled_counts(4)
    check("session alice: every request on one server", sorted(counts) == [0, 4], counts)
    cached = [b["usage"]["prompt_tokens_details"]["cached_tokens"] for st, b in results if st == 200]
    check("session alice: later turns reuse the cached prefix", len(cached) == 4 and cached[0] == 0
          and all(c >= 32 for c in cached[1:]), cached)
    home = 0 if counts[0] == 4 else 1

    # Several sessions spread over both servers (consistent hashing on the header).
    for i in range(12):
        post(front, f"user-{i}", 0)
    spread = settled_counts(16)
    check("other sessions reach both servers", spread[0] > (4 if home == 0 else 0) and
          spread[1] > (4 if home == 1 else 0), spread)

    # The home server stops; after the health check notices, no request fails.
    other = 1 - home
    before = chat_count(servers[other])
    servers[home].stop()
    time.sleep(3.5)  # fall 2 x inter 1s, plus margin
    results = [post(front, "alice", t) for t in range(6)]
    check("after failover: no failed request", all(st == 200 for st, _ in results),
          [st for st, _ in results])
    deadline = time.time() + 3  # the last request is counted after its response (above)
    while chat_count(servers[other]) - before < 6 and time.time() < deadline:
        time.sleep(0.05)
    check("after failover: traffic on the other server", chat_count(servers[other]) - before == 6,
          chat_count(servers[other]) - before)
finally:
    proxy.terminate()
    try:
        proxy.wait(10)
    except subprocess.TimeoutExpired:
        proxy.kill()
    for s in servers:
        s.stop()
    if failures:  # what HAProxy saw (health-check state changes) explains most failures
        print("haproxy said:\n" + proxy.stderr.read()[-4000:])

finish()
