"""Starts `hearth serve` on a free loopback port for a test and stops it (SIGTERM) at the end."""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time


class Server:
    def __init__(self, hearth, model, *extra):
        self.proc = subprocess.Popen([hearth, "serve", "-m", model, "--port", "0", "-t", "2", *extra],
                                     stderr=subprocess.PIPE, text=True)
        self.log = []
        self.port = None
        ready = threading.Event()

        def pump():
            for line in self.proc.stderr:
                self.log.append(line)
                m = re.search(r"listening on http://[^:]+:(\d+)", line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(30) or self.port is None:
            self.stop()
            raise RuntimeError("server did not start:\n" + "".join(self.log))
        deadline = time.time() + 60
        while time.time() < deadline:
            status, _, _ = self.request("GET", "/health")
            if status == 200:
                return
            time.sleep(0.05)
        raise RuntimeError("server never became healthy:\n" + "".join(self.log))

    def request(self, method, path, body=None, headers=None, raw=None, timeout=120):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        conn.close()
        return r.status, hdrs, text

    def json(self, method, path, body=None, headers=None, **kw):
        status, hdrs, text = self.request(method, path, body, headers, **kw)
        try:
            return status, hdrs, json.loads(text)
        except ValueError:
            return status, hdrs, text

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return -9
        return self.proc.returncode


def data_model_or_skip(name):
    """A model from HEARTH_TEST_DATA; exit 77 (skip) when absent, 1 when CI=true."""
    data = os.environ.get("HEARTH_TEST_DATA", "")
    path = os.path.join(data, "models", "real", name)
    if not os.path.exists(path):
        print(f"HEARTH_SKIPPED: {path} not found (set HEARTH_TEST_DATA)")
        sys.exit(1 if os.environ.get("CI") == "true" else 77)
    return path
