// Starts `hearth serve` on a free loopback port for the web UI test and stops it with SIGTERM;
// HAProxy with deploy/haproxy/hearth.cfg in front of it; and a minimal path-prefix proxy,
// standing in for a reverse proxy that serves hearth under /hearth/ (what relative URLs are for).
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";

export async function startServer(hearth, args, log) {
  const proc = spawn(hearth, ["serve", "--port", "0", "-t", "2", ...args],
                     { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const port = await new Promise((resolve, reject) => {
    proc.stderr.on("data", (d) => {
      stderr += d;
      log(String(d).trimEnd());
      const m = stderr.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    proc.on("exit", (code) => reject(new Error(`hearth serve exited (${code}):\n${stderr}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    const r = await fetch(`${base}/health`).catch(() => null);
    if (r && r.status === 200) break;
    if (Date.now() > deadline) throw new Error(`hearth serve never became healthy:\n${stderr}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  const exited = new Promise((resolve) => proc.on("exit", (code) => resolve(code)));
  return {
    base,
    stderr: () => stderr,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      return exited;
    },
  };
}

// Forwards http://127.0.0.1:P/hearth/X to TARGET/X, streaming both ways; anything outside
// /hearth/ is a 404, so an absolute URL in the page ("/v1/...") would break it.
// `sessions` collects the X-Session-Id of each chat request (what deploy/haproxy balances on).
export async function startPrefixProxy(target) {
  const t = new URL(target);
  const sessions = [];
  const server = http.createServer((req, res) => {
    if (req.url.endsWith("/v1/chat/completions")) sessions.push(req.headers["x-session-id"]);
    if (!req.url.startsWith("/hearth/")) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("outside the proxied prefix");
      return;
    }
    const up = http.request({
      host: t.hostname, port: t.port, method: req.method, path: req.url.slice("/hearth".length),
      headers: { ...req.headers, host: t.host },
    }, (upRes) => {
      res.writeHead(upRes.statusCode, upRes.headers);
      upRes.pipe(res);
    });
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());  // the browser went away: so does the upstream request
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${server.address().port}/hearth/`,
    sessions,
    stop: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
  };
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

// deploy/haproxy/hearth.cfg as shipped, only its addresses moved to free loopback ports, with
// both backend servers pointing at `target`. Null when haproxy is not installed.
export async function startHaproxy(cfgPath, target, work) {
  const exe = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].find((p) => fs.existsSync(p));
  if (!exe) return null;
  const front = await freePort();
  const backend = new URL(target).host;
  const cfg = fs.readFileSync(cfgPath, "utf8")
    .replace("127.0.0.1:8000", `127.0.0.1:${front}`)
    .replace("127.0.0.1:8081", backend)
    .replace("127.0.0.1:8082", backend);
  fs.mkdirSync(work, { recursive: true });
  const file = path.join(work, "haproxy.cfg");
  fs.writeFileSync(file, cfg);
  const proc = spawn(exe, ["-db", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.on("exit", (code) => resolve(code)));
  const base = `http://127.0.0.1:${front}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    const r = await fetch(`${base}/health`).catch(() => null);
    if (r && r.status === 200) break;
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill();
      throw new Error(`haproxy did not come up:\n${stderr}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    base: `${base}/`,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      return exited;
    },
  };
}
