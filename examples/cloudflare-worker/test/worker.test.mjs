// The Worker of guides/cloudflare-workers.md, run from its wasm module: in Node (the same
// `handle` the Worker exports, given a Request and an env object) and in workerd (the
// Worker as deployed: worker.mjs, the wasm module and bindings), against stripe-mock.
//
// `cargo xtask test` sets WORKER_PKG (wasm-bindgen's output, `--target web`) and
// STRIPE_MOCK_URL, and installs workerd (this folder's package.json). A missing one fails.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through \`cargo xtask test\`)`);
  return value;
}

const pkg = required("WORKER_PKG");
const mock = required("STRIPE_MOCK_URL").replace(/\/$/, "");
const here = dirname(fileURLToPath(import.meta.url));

const { initSync, handle } = await import(join(pkg, "cloudflare_worker.js"));
initSync({ module: readFileSync(join(pkg, "cloudflare_worker_bg.wasm")) });

const WEBHOOK_SECRET = "whsec_test_secret";
const env = (apiBase) => ({
  STRIPE_SECRET_KEY: "sk_test_123",
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_PRICE: "price_1",
  STRIPE_API_BASE: apiBase,
});

// A Checkout Session as stripe-mock serves it.
async function mockSession() {
  const res = await fetch(`${mock}/v1/checkout/sessions/cs_test_1`, {
    headers: { authorization: "Bearer sk_test_123" },
  });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

// A `checkout.session.completed` delivery, signed as Stripe signs it.
async function signedDelivery(secret = WEBHOOK_SECRET) {
  const session = await mockSession();
  const payload = JSON.stringify({
    id: "evt_test_1",
    object: "event",
    api_version: "2025-01-01",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "checkout.session.completed",
    data: { object: session },
  });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", secret).update(`${t}.${payload}`).digest("hex");
  return { session, payload, signature: `t=${t},v1=${v1}` };
}

const post = (url, init = {}) => new Request(url, { method: "POST", ...init });

test("webhook: a signed delivery is verified and read as a typed Checkout Session", async () => {
  const { session, payload, signature } = await signedDelivery();
  const res = await handle(
    post("https://worker.test/webhook", { body: payload, headers: { "stripe-signature": signature } }),
    env(mock),
  );
  assert.equal(await res.text(), `fulfilled ${session.id}`);
  assert.equal(res.status, 200);
});

test("webhook: a wrong signature is refused with 400", async () => {
  const { payload, signature } = await signedDelivery("whsec_someone_else");
  const res = await handle(
    post("https://worker.test/webhook", { body: payload, headers: { "stripe-signature": signature } }),
    env(mock),
  );
  assert.equal(res.status, 400);
  assert.match(await res.text(), /signature/);
});

test("checkout: creates a Checkout Session on stripe-mock and redirects to it", async () => {
  const res = await handle(post("https://worker.test/checkout"), env(mock));
  assert.equal(res.status, 303, await res.clone().text());
  assert.match(res.headers.get("location"), /^https:\/\//);
});

test("checkout: a 500 is retried after a backoff on the host's timer, with one idempotency key", async () => {
  const session = await mockSession();
  session.url = "https://checkout.stripe.com/c/pay/cs_retried";
  const seen = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ path: req.url, key: req.headers["idempotency-key"], at: Date.now() });
      res.setHeader("content-type", "application/json");
      res.setHeader("request-id", `req_${seen.length}`);
      if (seen.length === 1) {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: { type: "api_error", message: "try again" } }));
      } else {
        res.end(JSON.stringify(session));
      }
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  try {
    const base = `http://127.0.0.1:${server.address().port}`;
    const res = await handle(post("https://worker.test/checkout"), env(base));
    assert.equal(res.status, 303, await res.clone().text());
    assert.equal(res.headers.get("location"), session.url);
    assert.equal(seen.length, 2);
    assert.ok(seen.every((s) => s.path === "/v1/checkout/sessions"));
    assert.ok(seen[0].key, "the first attempt carries an idempotency key");
    assert.equal(seen[1].key, seen[0].key);
    // The backoff (at least 0.5 s) ran on setTimeout.
    assert.ok(seen[1].at - seen[0].at >= 450, `backoff ${seen[1].at - seen[0].at} ms`);
  } finally {
    server.close();
  }
});

test("a finished request leaves no timer behind (its 80 s attempt timeout is cleared)", async () => {
  const res = await handle(post("https://worker.test/checkout"), env(mock));
  assert.equal(res.status, 303);
  // Let the cancelled timer task run (it wakes on a microtask).
  await new Promise((ok) => setImmediate(ok));
  assert.deepEqual(process.getActiveResourcesInfo().filter((r) => r === "Timeout"), []);
});

test("workerd: the deployed Worker verifies a webhook and creates a Checkout Session", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "stripe-worker-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "pkg"));
  copyFileSync(join(here, "..", "worker.mjs"), join(dir, "worker.mjs"));
  for (const f of ["cloudflare_worker.js", "cloudflare_worker_bg.wasm"]) {
    copyFileSync(join(pkg, f), join(dir, "pkg", f));
  }
  const port = await freePort();
  const text = (name, value) => `(name = "${name}", text = ${JSON.stringify(value)})`;
  const bindings = Object.entries(env(mock)).map(([k, v]) => text(k, v)).join(",\n      ");
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # stripe-mock listens on loopback: let the Worker's fetch reach it.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "pkg/cloudflare_worker.js", esModule = embed "pkg/cloudflare_worker.js"),
    (name = "pkg/cloudflare_worker_bg.wasm", wasm = embed "pkg/cloudflare_worker_bg.wasm"),
  ],
  compatibilityDate = "2025-01-01",
  bindings = [
      ${bindings}
  ],
);
`,
  );
  // The workerd package exports the path of its binary.
  const workerd = createRequire(import.meta.url)("workerd").default;
  const child = spawn(workerd, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "inherit", "inherit"] });
  const exited = new Promise((ok) => child.on("exit", (code) => ok(code)));
  t.after(() => child.kill());
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, exited);

  const { session, payload, signature } = await signedDelivery();
  const hook = await fetch(`${url}/webhook`, { method: "POST", body: payload, headers: { "stripe-signature": signature } });
  assert.equal(await hook.text(), `fulfilled ${session.id}`);
  assert.equal(hook.status, 200);

  const checkout = await fetch(`${url}/checkout`, { method: "POST", redirect: "manual" });
  assert.equal(checkout.status, 303, await checkout.clone().text());
  assert.match(checkout.headers.get("location"), /^https:\/\//);
});

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// Poll until workerd answers (at most 30 s), failing at once if it exits.
async function waitFor(url, exited) {
  let code;
  exited.then((c) => (code = c));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (code !== undefined) throw new Error(`workerd exited with ${code}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
  throw new Error(`workerd did not answer at ${url} within 30 s`);
}
