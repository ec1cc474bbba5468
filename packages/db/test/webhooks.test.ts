import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  authenticateApiKey,
  closeSignals,
  createWebhook,
  db,
  decideAction,
  disconnectDb,
  listWebhookDeliveries,
  publishAfterCommit,
  redeliverWebhook,
  rotateWebhookSecret,
  testWebhook,
  updateWebhook,
  WebhookDispatcher,
  type Ctx,
  type WebhookDispatcherOptions,
} from "../src";
import { createTestOrg, type TestOrg } from "../src/testing";

// Webhook delivery against real receivers on loopback, each message verified with the
// `standardwebhooks` package exactly as a receiver would (docs/webhooks.md).

const POLICIES = [
  { name: "reads", actions: ["db.read"], effect: "allow" },
  { name: "no-deletes", actions: ["db.delete"], effect: "deny" },
];

const servers: Server[] = [];
const dispatchers: WebhookDispatcher[] = [];
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
});
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await disconnectDb();
  await closeSignals();
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on loopback; `answer` decides each request's status (a promise holds the answer back). */
async function receiver(answer: (request: Received, index: number) => number | Promise<number> = () => 204): Promise<{ url: string; received: Received[]; port: number }> {
  const received: Received[] = [];
  let index = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const message = { headers: request.headers, body: Buffer.concat(chunks).toString("utf8") };
      const status = await answer(message, index++);
      if (status >= 200 && status < 300) received.push(message);
      response.writeHead(status, status === 302 ? { location: "http://127.0.0.1:9/elsewhere" } : {}).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, received, port };
}

/** A dispatcher that delivers for this test's org only (other suites share the database), stopped after the test. */
function dispatcherFor(org: TestOrg, options: Omit<WebhookDispatcherOptions, "onlyOrgs" | "allowPrivate"> = {}): WebhookDispatcher {
  const dispatcher = new WebhookDispatcher({ ...options, allowPrivate: true, onlyOrgs: [org.org.id] });
  dispatchers.push(dispatcher);
  return dispatcher;
}

async function agentCtx(org: TestOrg): Promise<Ctx> {
  return { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "webhooks-test" };
}

/** Ticks the dispatcher until `done` holds (or fails after `ms`). */
async function deliverUntil(dispatcher: WebhookDispatcher, done: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error("deliveries did not arrive in time");
    await dispatcher.tick();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await dispatcher.idle();
}

const idsOf = (received: Received[]) => received.map((r) => r.headers["webhook-id"]);

async function deliveries(org: TestOrg, id: string) {
  return (await listWebhookDeliveries({ ctx: org.ctx, input: { id, limit: 200 } })).deliveries.reverse();
}

describe("webhook delivery", () => {
  it("sends each event once, in log order, signed per Standard Webhooks (verified by the standardwebhooks package)", async () => {
    const org = await createTestOrg({ label: "wh-basic", policies: POLICIES });
    const hook = await receiver();
    const { webhook, secret } = await createWebhook({ ctx: org.ctx, input: { url: hook.url, events: ["*"] } });
    expect(secret).toMatch(/^whsec_/);
    const ctx = await agentCtx(org);
    const decided = [];
    for (const actionType of ["db.read", "db.delete", "db.read"]) decided.push(await decideAction({ ctx, input: { actionType, metadata: { n: decided.length } } }));
    const dispatcher = dispatcherFor(org);
    await deliverUntil(dispatcher, () => hook.received.length >= 3);

    const verifier = new Webhook(secret);
    const payloads = hook.received.map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, unknown> });
    expect(idsOf(hook.received)).toEqual(decided.map((d) => d.auditEventId));
    expect(payloads.map((p) => p.type)).toEqual(["action.executed", "action.denied", "action.executed"]);
    expect(payloads[1]?.data).toMatchObject({ actionType: "db.delete", agentId: org.agent.id, type: "action.denied" });
    // A tampered body or an old timestamp does not verify.
    const first = hook.received[0] as Received;
    expect(() => verifier.verify(first.body.replace("db.read", "db.drop"), first.headers as Record<string, string>)).toThrow();
    expect(() => verifier.verify(first.body, { ...(first.headers as Record<string, string>), "webhook-timestamp": String(Math.floor(Date.now() / 1000) - 3600) })).toThrow();

    const log = await deliveries(org, webhook.id);
    expect(log.map((d) => [d.messageId, d.status, d.responseStatus, d.attempt])).toEqual(decided.map((d) => [d.auditEventId, "delivered", 204, 1]));
    // Nothing is sent twice: a second pass finds nothing due.
    await dispatcher.tick();
    await dispatcher.idle();
    expect(hook.received).toHaveLength(3);
  });

  it("sends only the event types an endpoint subscribed to, and moves past the rest", async () => {
    const org = await createTestOrg({ label: "wh-filter", policies: POLICIES });
    const hook = await receiver();
    const { webhook } = await createWebhook({ ctx: org.ctx, input: { url: hook.url, events: ["action.denied"] } });
    const ctx = await agentCtx(org);
    await decideAction({ ctx, input: { actionType: "db.read" } });
    const denied = await decideAction({ ctx, input: { actionType: "db.delete" } });
    await decideAction({ ctx, input: { actionType: "db.read" } });
    const dispatcher = dispatcherFor(org);
    await deliverUntil(dispatcher, () => hook.received.length >= 1);
    expect(idsOf(hook.received)).toEqual([denied.auditEventId]);
    const row = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    const head = await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } });
    expect(row.nextSeq).toBe(head.size);
  });

  it("signs with both secrets during a rotation's overlap, and with the new one alone after it", async () => {
    const org = await createTestOrg({ label: "wh-rotate", policies: POLICIES });
    const hook = await receiver();
    const { webhook, secret: oldSecret } = await createWebhook({ ctx: org.ctx, input: { url: hook.url, events: ["*"] } });
    const { secret: newSecret, webhook: rotated } = await rotateWebhookSecret({ ctx: org.ctx, input: { id: webhook.id, body: { overlapSeconds: 3600 } } });
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.previousSecretUntil).not.toBeNull();
    const ctx = await agentCtx(org);
    await decideAction({ ctx, input: { actionType: "db.read" } });
    const dispatcher = dispatcherFor(org);
    await deliverUntil(dispatcher, () => hook.received.length >= 1);
    const during = hook.received[0] as Received;
    expect(String(during.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(during.body, during.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(during.body, during.headers as Record<string, string>)).not.toThrow();

    const { secret: third } = await rotateWebhookSecret({ ctx: org.ctx, input: { id: webhook.id, body: { overlapSeconds: 0 } } });
    await decideAction({ ctx, input: { actionType: "db.read" } });
    await deliverUntil(dispatcher, () => hook.received.length >= 2);
    const after = hook.received[1] as Received;
    expect(String(after.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(() => new Webhook(third).verify(after.body, after.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(after.body, after.headers as Record<string, string>)).toThrow();
    // The secrets are stored encrypted: neither appears in the row.
    const row = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(third.slice(6));
  });

  it("retries a failing message on the schedule, holding the later ones back, so the receiver gets them in order and each is delivered once", async () => {
    const org = await createTestOrg({ label: "wh-retry", policies: POLICIES });
    const hook = await receiver((_request, index) => (index < 2 ? 503 : 200));
    const { webhook } = await createWebhook({ ctx: org.ctx, input: { url: hook.url, events: ["*"] } });
    const ctx = await agentCtx(org);
    const decided = [];
    for (let i = 0; i < 4; i += 1) decided.push(await decideAction({ ctx, input: { actionType: "db.read", metadata: { i } } }));
    const dispatcher = dispatcherFor(org, { retryScheduleSeconds: [0.2, 0.3, 0.4] });
    await dispatcher.tick();
    await dispatcher.idle();
    const waiting = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(waiting.failedAttempts).toBe(1);
    const wait = (waiting.nextAttemptAt?.getTime() ?? 0) - Date.now();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(240);
    await deliverUntil(dispatcher, () => hook.received.length >= 4);
    expect(idsOf(hook.received)).toEqual(decided.map((d) => d.auditEventId));
    const log = await deliveries(org, webhook.id);
    expect(log.map((d) => [d.messageId, d.status, d.attempt])).toEqual([
      [decided[0]?.auditEventId, "failed", 1],
      [decided[0]?.auditEventId, "failed", 2],
      ...decided.map((d, i) => [d.auditEventId, "delivered", i === 0 ? 3 : 1]),
    ]);
    expect(log.filter((d) => d.status === "delivered").map((d) => d.messageId)).toEqual([...new Set(decided.map((d) => d.auditEventId))]);
  });

  it("pauses an endpoint that answers 410, records why, and a resume delivers what it missed from there", async () => {
    const org = await createTestOrg({ label: "wh-gone", policies: POLICIES });
    let gone = true;
    const hook = await receiver(() => (gone ? 410 : 200));
    const { webhook } = await createWebhook({ ctx: org.ctx, input: { url: hook.url, events: ["*"] } });
    const ctx = await agentCtx(org);
    const first = await decideAction({ ctx, input: { actionType: "db.read" } });
    const dispatcher = dispatcherFor(org);
    await dispatcher.tick();
    await dispatcher.idle();
    const paused = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(paused.enabled).toBe(false);
    expect(paused.disabledReason).toContain("410");
    const entry = await db().auditEntry.findFirst({ where: { orgId: org.org.id, type: "webhook.endpoint_changed" }, orderBy: { seq: "desc" } });
    expect(entry?.canonical).toContain('"change":"disabled"');
    const second = await decideAction({ ctx, input: { actionType: "db.read" } });
    await dispatcher.tick();
    await dispatcher.idle();
    expect(hook.received).toHaveLength(0);

    gone = false;
    await updateWebhook({ ctx: org.ctx, input: { id: webhook.id, body: { enabled: true } } });
    await deliverUntil(dispatcher, () => hook.received.length >= 2);
    expect(idsOf(hook.received)).toEqual([first.auditEventId, second.auditEventId]);
  });

  it("pauses an endpoint whose retries are used up, keeping its place; resuming delivers everything it missed, in order", async () => {
    const org = await createTestOrg({ label: "wh-exhaust", policies: POLICIES });
    let down = true;
    const hook = await receiver(() => (down ? 500 : 200));
    const { webhook } = await createWebhook({ ctx: org.ctx, input: { url: hook.url, events: ["*"] } });
    const ctx = await agentCtx(org);
    const decided = [await decideAction({ ctx, input: { actionType: "db.read" } }), await decideAction({ ctx, input: { actionType: "db.delete" } })];
    const dispatcher = dispatcherFor(org, { retryScheduleSeconds: [0.05] });
    await deliverUntil(dispatcher, () => false, 600).catch(() => {});
    await dispatcher.idle();
    const paused = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(paused.enabled).toBe(false);
    expect(paused.disabledReason).toMatch(/retries used up/);
    down = false;
    await updateWebhook({ ctx: org.ctx, input: { id: webhook.id, body: { enabled: true } } });
    await deliverUntil(dispatcher, () => hook.received.length >= 2);
    expect(idsOf(hook.received)).toEqual(decided.map((d) => d.auditEventId));
  });

  it("never lets a slow endpoint delay another", async () => {
    const org = await createTestOrg({ label: "wh-slow", policies: POLICIES });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = await receiver(async () => {
      await held;
      return 200;
    });
    const fast = await receiver();
    await createWebhook({ ctx: org.ctx, input: { url: slow.url, events: ["*"] } });
    await createWebhook({ ctx: org.ctx, input: { url: fast.url, events: ["*"] } });
    const ctx = await agentCtx(org);
    for (let i = 0; i < 5; i += 1) await decideAction({ ctx, input: { actionType: "db.read", metadata: { i } } });
    const dispatcher = dispatcherFor(org);
    const until = Date.now() + 5_000;
    while (fast.received.length < 5 && Date.now() < until) {
      await dispatcher.tick();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(fast.received).toHaveLength(5);
    expect(slow.received).toHaveLength(0);
    release();
    await deliverUntil(dispatcher, () => slow.received.length >= 5);
  });

  it("loses nothing when the deliverer stops mid-backlog and another takes over: every event arrives, in order, once in the delivery log", async () => {
    const org = await createTestOrg({ label: "wh-restart", policies: POLICIES });
    const hook = await receiver(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 200;
    });
    const { webhook } = await createWebhook({ ctx: org.ctx, input: { url: hook.url, events: ["*"] } });
    const ctx = await agentCtx(org);
    const decided = [];
    for (let i = 0; i < 60; i += 1) decided.push(await decideAction({ ctx, input: { actionType: "db.read", metadata: { i } } }));
    const first = dispatcherFor(org, { flushMs: 20 });
    await first.tick();
    while (hook.received.length < 10) await new Promise((resolve) => setTimeout(resolve, 5));
    await first.stop();
    const partial = hook.received.length;
    expect(partial).toBeLessThan(60);
    const second = dispatcherFor(org);
    await deliverUntil(second, () => hook.received.length >= 60);
    expect(idsOf(hook.received)).toEqual(decided.map((d) => d.auditEventId));
    const log = await deliveries(org, webhook.id);
    expect(log.map((d) => d.messageId)).toEqual(decided.map((d) => d.auditEventId));
  });

  it("answers a test send and a redelivery with the attempt, same webhook-id on the redelivery, without moving the endpoint's place", async () => {
    const org = await createTestOrg({ label: "wh-test", policies: POLICIES });
    const hook = await receiver();
    const { webhook, secret } = await createWebhook({ ctx: org.ctx, input: { url: hook.url, events: ["*"] } });
    const test = await testWebhook({ ctx: org.ctx, input: { id: webhook.id } });
    expect(test).toMatchObject({ kind: "test", status: "delivered", responseStatus: 204, eventType: "webhook.test" });
    expect(new Webhook(secret).verify(hook.received[0]?.body ?? "", hook.received[0]?.headers as Record<string, string>)).toMatchObject({ type: "webhook.test" });
    const ctx = await agentCtx(org);
    const decided = await decideAction({ ctx, input: { actionType: "db.read" } });
    const dispatcher = dispatcherFor(org);
    await deliverUntil(dispatcher, () => hook.received.length >= 2);
    const before = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    const delivered = (await deliveries(org, webhook.id)).find((d) => d.kind === "event");
    const again = await redeliverWebhook({ ctx: org.ctx, input: { id: webhook.id, deliveryId: delivered?.id ?? "" } });
    expect(again).toMatchObject({ kind: "redelivery", status: "delivered", messageId: decided.auditEventId, attempt: 2 });
    expect(hook.received[2]?.headers["webhook-id"]).toBe(decided.auditEventId);
    expect(hook.received[2]?.body).toBe(hook.received[1]?.body);
    const after = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(after.nextSeq).toBe(before.nextSeq);
  });
});

describe("a dispatcher whose database fails", () => {
  it("a tick a commit's signal starts fails without ending the process (no unhandled rejection); the timer's tick sees the error", async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      // An org filter PostgreSQL refuses (a NUL in text): every claim of this dispatcher fails in the database,
      // as one cut by a failover does.
      const dispatcher = new WebhookDispatcher({ onlyOrgs: ["org_\u0000"] });
      dispatchers.push(dispatcher);
      await expect(dispatcher.tick()).rejects.toThrow();
      await publishAfterCommit({ type: "audit.appended", orgId: "org_00000000000000000000000" });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await dispatcher.idle();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", listener);
    }
  });

  it("a task the database cuts off mid-delivery (a failover's 57P01) keeps other workers off its lease, and its own dispatcher takes the endpoint back at once", async () => {
    const org = await createTestOrg({ label: "wh-cut", policies: POLICIES });
    const hook = await receiver();
    const { webhook } = await createWebhook({ ctx: org.ctx, input: { url: hook.url, events: ["*"] } });
    const ctx = await agentCtx(org);
    const decided = [];
    for (let i = 0; i < 3; i += 1) decided.push(await decideAction({ ctx, input: { actionType: "db.read", metadata: { i } } }));
    // The first write that moves this endpoint's cursor fails as a statement on a connection a failover cuts does.
    const cut = `wh_cut_${org.org.id.slice(-12).toLowerCase()}`;
    await db().$executeRawUnsafe(`CREATE SEQUENCE ${cut}`);
    await db().$executeRawUnsafe(
      `CREATE FUNCTION ${cut}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
         IF nextval('${cut}') = 1 THEN RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01'; END IF;
         RETURN NEW; END $$`,
    );
    await db().$executeRawUnsafe(
      `CREATE TRIGGER ${cut} BEFORE UPDATE ON webhook_endpoints FOR EACH ROW WHEN (OLD.id = '${webhook.id}' AND NEW.next_seq > OLD.next_seq) EXECUTE FUNCTION ${cut}()`,
    );
    try {
      // Leases that would outlast the test: only a take-back can deliver again within it.
      const own = dispatcherFor(org, { leaseMs: 600_000 });
      await own.tick();
      await own.idle();
      expect(idsOf(hook.received)).toEqual(decided.map((d) => d.auditEventId));
      const held = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
      expect(held.leaseUntil?.getTime()).toBeGreaterThan(Date.now() + 60_000);
      // Another worker keeps off while the lease lasts: it cannot know the task is dead.
      const other = dispatcherFor(org, { leaseMs: 600_000 });
      await other.tick();
      await other.idle();
      expect(hook.received).toHaveLength(3);
      // The dispatcher whose task died takes it back at its next tick and delivers on (at least once: the cursor had not moved).
      await deliverUntil(own, () => hook.received.length >= 6);
      expect(idsOf(hook.received.slice(3))).toEqual(decided.map((d) => d.auditEventId));
      const after = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
      expect(after.leaseUntil).toBeNull();
      expect((await deliveries(org, webhook.id)).map((d) => d.messageId)).toEqual(decided.map((d) => d.auditEventId));
    } finally {
      await db().$executeRawUnsafe(`DROP TRIGGER IF EXISTS ${cut} ON webhook_endpoints`);
      await db().$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${cut}()`);
      await db().$executeRawUnsafe(`DROP SEQUENCE IF EXISTS ${cut}`);
    }
  });
});
