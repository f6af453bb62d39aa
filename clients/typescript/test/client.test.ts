// The TypeScript client against a running local server (HOOKLINE_LOCAL_BIN, or the debug
// build), as a product team would call it: webhooks, pages, pings, secrets, publishing,
// history, recovery, an operator acting for a tenant, and every problem typed.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Webhook as Verifier } from "standardwebhooks";
import { createHookline, each, HooklineError, publish, unwrap, type PingFailed } from "../src/index.js";

const KEY = "ts_client_key_tenant_a";
const VIEW_KEY = "ts_client_key_tenant_a_view";
const FLOOD_KEY = "ts_client_key_tenant_flood";
const OPERATOR = "ts_client_operator_key";
const ALL = "webhooks:view,webhooks:add,webhooks:edit,webhooks:remove,events:publish";

let server: ChildProcess;
let baseUrl = "";
let receiver: Server;
let receiverBase = "";
let up = false;
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function eventually<T>(check: () => Promise<T | undefined | false>, withinMs = 15000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("not within the time");
    await sleep(100);
  }
}

function eventsOn(path: string) {
  return received.filter((r) => r.path === path && JSON.parse(r.body).type !== "webhook.ping");
}

before(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ path: request.url ?? "", headers: request.headers, body });
      response.statusCode = request.url === "/down" && !up ? 500 : 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const binary =
    process.env.HOOKLINE_LOCAL_BIN ??
    fileURLToPath(new URL("../../../../target/debug/hookline-local", import.meta.url));
  const port = await freePort();
  server = spawn(
    binary,
    [
      "--listen", `127.0.0.1:${port}`,
      "--api-key", `${KEY}=tenant-a:${ALL}`,
      "--api-key", `${VIEW_KEY}=tenant-a:webhooks:view`,
      "--api-key", `${FLOOD_KEY}=flood:${ALL}`,
      "--operator-key", OPERATOR,
      "--retry-schedule", "1s",
      "--tenant-events-per-second", "2",
      "--log-level", "warn",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  baseUrl = `http://127.0.0.1:${port}`;
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => {
          socket.end();
          resolve(true);
        });
        socket.on("error", () => resolve(false));
      }),
  );
});

after(() => {
  server.kill();
  receiver.close();
});

async function newWebhook(key: string, url: string, eventTypes: string[], verify = false) {
  const client = createHookline({ baseUrl, key });
  return unwrap(client.POST("/v1/webhooks", { body: { url, event_types: eventTypes, verify } }));
}

async function problemOf(call: () => Promise<unknown>): Promise<HooklineError> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof HooklineError, `${error}`);
    return error;
  }
  throw new Error("no problem was answered");
}

test("create, list every page, update and delete", async () => {
  const client = createHookline({ baseUrl, key: KEY });
  const tag = randomUUID().slice(0, 8);
  const made = [];
  for (let i = 0; i < 5; i++) made.push(await newWebhook(KEY, `https://hooks.example.com/${tag}/${i}`, [`pages.${tag}`]));
  const listed = [];
  for await (const webhook of each((cursor) =>
    unwrap(client.GET("/v1/webhooks", { params: { query: { limit: 2, cursor, event_type: `pages.${tag}` } } })),
  )) {
    listed.push(webhook.id);
  }
  assert.deepEqual(listed, made.map((w) => w.id));

  const id = made[0].id;
  const changed = await unwrap(
    client.PATCH("/v1/webhooks/{id}", { params: { path: { id } }, body: { description: "changed", verify: false } }),
  );
  assert.equal(changed.description, "changed");
  await unwrap(client.DELETE("/v1/webhooks/{id}", { params: { path: { id } } }));
  const gone = await problemOf(() => unwrap(client.GET("/v1/webhooks/{id}", { params: { path: { id } } })));
  assert.equal(gone.status, 404);
  assert.equal(gone.type, "webhook_not_found");
});

test("ping, rotate and read the secret", async () => {
  const client = createHookline({ baseUrl, key: KEY });
  const webhook = await newWebhook(KEY, `${receiverBase}/ping`, ["ping.test"], true);
  const path = { params: { path: { id: webhook.id } } };
  const execution = await unwrap(client.POST("/v1/webhooks/{id}/ping", path));
  assert.equal(execution.trigger, "ping");
  assert.equal(execution.response_status, 200);
  const rotated = await unwrap(
    client.POST("/v1/webhooks/{id}/secret/rotate", { ...path, body: { grace: "0s" } }),
  );
  assert.notEqual(rotated.secret, webhook.secret);
  const read = await unwrap(client.GET("/v1/webhooks/{id}/secret", path));
  assert.equal(read.secret, rotated.secret);
});

test("a publish with an idempotency key is delivered once", async () => {
  const client = createHookline({ baseUrl, key: KEY });
  const webhook = await newWebhook(KEY, `${receiverBase}/once`, ["order.paid"], true);
  const idempotencyKey = `order-${randomUUID()}`;
  const data = { order_id: 42, lines: [1, 2] };
  const first = await publish(client, "order.paid", data, { idempotencyKey });
  const again = await publish(client, "order.paid", data, { idempotencyKey });
  assert.equal(again.id, first.id);
  const [delivery] = await eventually(async () => eventsOn("/once").length > 0 && eventsOn("/once"));
  await sleep(500);
  assert.equal(eventsOn("/once").length, 1, "delivered twice");
  const headers = Object.fromEntries(Object.entries(delivery.headers).map(([k, v]) => [k, String(v)]));
  new Verifier(webhook.secret).verify(delivery.body, headers);
  const event = await unwrap(client.GET("/v1/events/{id}", { params: { path: { id: first.id } } }));
  assert.deepEqual(event.data, data);
});

test("executions are read and a window recovered", async () => {
  const client = createHookline({ baseUrl, key: KEY });
  const webhook = await newWebhook(KEY, `${receiverBase}/down`, ["task.done"]);
  await publish(client, "task.done", { task: 1 });
  const list = async () => {
    const all = [];
    for await (const execution of each((cursor) =>
      unwrap(client.GET("/v1/webhooks/{id}/executions", { params: { path: { id: webhook.id }, query: { cursor } } })),
    )) {
      all.push(execution);
    }
    return all;
  };
  // The first attempt and its one retry fail: the delivery ends failed.
  const failed = await eventually(async () => {
    const all = await list();
    return all.length >= 2 && all;
  });
  const one = await unwrap(
    client.GET("/v1/webhooks/{id}/executions/{execution_id}", {
      params: { path: { id: webhook.id, execution_id: failed[0].id } },
    }),
  );
  assert.equal(one.response_status, 500);
  up = true;
  const since = new Date(Date.now() - 3600_000).toISOString();
  await eventually(async () => {
    const answer = await unwrap(
      client.POST("/v1/webhooks/{id}/recover", { params: { path: { id: webhook.id } }, body: { since } }),
    );
    return answer.queued >= 1;
  });
  await eventually(async () => (await list()).some((e) => e.response_status === 200));
});

test("an operator acts for the tenant it names", async () => {
  const webhook = await newWebhook(KEY, `https://hooks.example.com/${randomUUID()}`, ["op.test"]);
  const operator = createHookline({ baseUrl, key: OPERATOR, tenant: "tenant-a" });
  const seen = await unwrap(operator.GET("/v1/webhooks/{id}", { params: { path: { id: webhook.id } } }));
  assert.equal(seen.id, webhook.id);
  const unnamed = createHookline({ baseUrl, key: OPERATOR });
  const problem = await problemOf(() => unwrap(unnamed.GET("/v1/webhooks/{id}", { params: { path: { id: webhook.id } } })));
  assert.equal(problem.type, "tenant_required");
});

test("each problem is typed", async () => {
  const client = createHookline({ baseUrl, key: KEY });
  const operator = createHookline({ baseUrl, key: OPERATOR });
  const missing = randomUUID();
  const path = (id: string) => ({ params: { path: { id } } });

  const bad = await problemOf(() => newWebhook(KEY, "not a url", ["a"]));
  assert.equal(bad.status, 400);
  assert.equal(bad.type, "validation_error");
  assert.deepEqual(bad.problem.errors?.map((e) => e.field), ["url"]);
  const stranger = createHookline({ baseUrl, key: "wrong" });
  assert.equal((await problemOf(() => unwrap(stranger.GET("/v1/webhooks/{id}", path(missing))))).type, "unauthenticated");
  assert.equal((await problemOf(() => newWebhook(VIEW_KEY, "https://hooks.example.com/v", ["a"]))).type, "forbidden");
  assert.equal((await problemOf(() => unwrap(client.GET("/v1/webhooks/{id}", path(missing))))).type, "webhook_not_found");
  assert.equal((await problemOf(() => unwrap(client.GET("/v1/events/{id}", path(missing))))).type, "event_not_found");
  const revoke = () =>
    unwrap(operator.DELETE("/v1/tenants/{tenant}/keys/{key_id}", { params: { path: { tenant: "tenant-a", key_id: missing } } }));
  assert.equal((await problemOf(revoke)).type, "key_not_found");
  const name = `typed.${randomUUID().slice(0, 8)}`;
  const getType = () => unwrap(client.GET("/v1/event-types/{name}", { params: { path: { name } } }));
  assert.equal((await problemOf(getType)).type, "event_type_not_found");
  const createType = () => unwrap(operator.POST("/v1/event-types", { body: { name, description: "typed" } }));
  await createType();
  assert.equal((await problemOf(createType)).type, "event_type_conflict");

  const url = `https://hooks.example.com/${randomUUID()}`;
  const webhook = await newWebhook(KEY, url, ["dup"]);
  assert.equal((await problemOf(() => newWebhook(KEY, url, ["dup"]))).type, "webhook_conflict");
  const getExecution = () =>
    unwrap(
      client.GET("/v1/webhooks/{id}/executions/{execution_id}", {
        params: { path: { id: webhook.id, execution_id: missing } },
      }),
    );
  assert.equal((await problemOf(getExecution)).type, "execution_not_found");

  const refused = await problemOf(() => newWebhook(KEY, "http://127.0.0.1:9/closed", ["a"], true));
  assert.equal(refused.type, "endpoint_verification_failed");
  const down = await newWebhook(KEY, `${receiverBase}/down`, ["down.ping"]);
  up = false;
  let failed: HooklineError;
  try {
    failed = await problemOf(() => unwrap(client.POST("/v1/webhooks/{id}/ping", path(down.id))));
  } finally {
    up = true;
  }
  assert.equal(failed.type, "ping_failed");
  assert.equal((failed.problem as PingFailed).execution.response_status, 500);

  const flood = createHookline({ baseUrl, key: FLOOD_KEY });
  const limited = await problemOf(async () => {
    for (let n = 0; n < 25; n++) await publish(flood, "flood.test", { n }, { attempts: 1 });
  });
  assert.equal(limited.type, "rate_limited");
  assert.ok(limited.retryAfterSeconds !== undefined);

  const tooBig = await problemOf(() => publish(client, "big.test", { blob: "x".repeat(300 * 1024) }, { attempts: 1 }));
  assert.equal(tooBig.status, 413);
  assert.equal(tooBig.type, "payload_too_large");
});
