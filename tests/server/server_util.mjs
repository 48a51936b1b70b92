// What the openai-client tests share: loading the pinned client from the test's node_modules,
// starting `hearth serve` on a free loopback port (the port the server prints), and counting
// checks. Each test keeps only its own requests.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

// The openai package installed under modulesDir (tests/server/package.json pins its version).
export async function loadOpenAI(modulesDir) {
  const require = createRequire(path.join(path.resolve(modulesDir), "x.js"));
  return (await import(require.resolve("openai"))).default;
}

// Starts `hearth serve --port 0 ARGS...`; resolves to {server, base} once /health answers. The
// server's stderr is echoed so a failing test shows the server's own words.
export async function startServer(hearth, args) {
  const server = spawn(hearth, ["serve", "--port", "0", ...args],
                       { stdio: ["ignore", "inherit", "pipe"] });
  const port = await new Promise((resolve, reject) => {
    let buf = "";
    server.stderr.on("data", (d) => {
      process.stderr.write(d);
      buf += d;
      const m = buf.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    server.on("exit", () => reject(new Error("server exited")));
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    const r = await fetch(`${base}/health`).catch(() => null);
    if (r && r.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { server, base };
}

// SIGTERM, then the exit code once the server has drained.
export async function stopServer(server) {
  server.kill("SIGTERM");
  return await new Promise((r) => server.on("exit", (c) => r(c)));
}

// A check counter: t.check(name, cond, detail) prints ok/FAIL; t.fail(...) counts a failure
// found outside a check; t.exit() prints the summary and exits 1 on any failure.
export function checks() {
  const t = { failures: 0 };
  t.check = (name, cond, detail) => {
    console.log(`${cond ? "ok  " : "FAIL"} ${name}${cond ? "" : ": " + JSON.stringify(detail)}`);
    if (!cond) t.failures++;
  };
  t.fail = (...what) => {
    console.log("FAIL", ...what);
    t.failures++;
  };
  t.exit = () => {
    console.log(t.failures ? `${t.failures} failure(s)` : "all passed");
    process.exit(t.failures ? 1 : 0);
  };
  return t;
}
