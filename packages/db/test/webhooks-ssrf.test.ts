import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import {
  authenticateApiKey,
  closeSignals,
  createWebhook,
  db,
  decideAction,
  disconnectDb,
  isDomainError,
  listWebhookDeliveries,
  updateWebhook,
  WebhookDispatcher,
  type Resolve,
} from "../src";
import { createTestOrg } from "../src/testing";

// The attacker's table for webhooks' SSRF guard (docs/webhooks.md): an admin (or a stolen admin key)
// points an endpoint at the instance's own network. This file runs as a hosted instance does, without
// GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE; nothing below reads the environment before this line.
process.env.GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE = "0";

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await disconnectDb();
  await closeSignals();
});

/** A loopback server counting what reaches it: the SSRF target. */
async function target(answer: (count: number) => { status: number; location?: string } = () => ({ status: 200 })): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((request, response) => {
    hits += 1;
    const { status, location } = answer(hits);
    request.resume();
    response.writeHead(status, location ? { location } : {}).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, hits: () => hits };
}

const REFUSED_URLS: Array<[string, string]> = [
  ["IPv4 loopback", "http://127.0.0.1:8080/hook"],
  ["another loopback address", "http://127.1.2.3/hook"],
  ["loopback written as one number", "http://2130706433/hook"],
  ["loopback in hex", "http://0x7f000001/hook"],
  ["RFC 1918, 10/8", "https://10.0.0.5/hook"],
  ["RFC 1918, 172.16/12", "https://172.20.1.1/hook"],
  ["RFC 1918, 192.168/16", "https://192.168.1.10/hook"],
  ["cloud metadata (link-local)", "http://169.254.169.254/latest/meta-data"],
  ["carrier-grade NAT", "http://100.64.0.1/hook"],
  ["unspecified", "http://0.0.0.0:4000/hook"],
  ["IPv6 loopback", "http://[::1]:4000/hook"],
  ["IPv4-mapped IPv6 loopback", "http://[::ffff:127.0.0.1]/hook"],
  ["IPv6 unique local", "http://[fd00::1]/hook"],
  ["IPv6 link-local", "http://[fe80::1]/hook"],
  ["NAT64 of a private address", "http://[64:ff9b::a00:1]/hook"],
  ["a name that resolves to loopback", "http://localhost:4000/hook"],
];

describe("webhook endpoints the SSRF guard refuses", () => {
  it.each(REFUSED_URLS)("%s: 400 naming url, saying only that it is refused (no address, no kind of address), nothing written", async (_name, url) => {
    const org = await createTestOrg({ label: "ssrf" });
    const error = await createWebhook({ ctx: org.ctx, input: { url, events: ["*"] } }).catch((e: unknown) => e);
    expect(isDomainError(error) && error.code).toBe("VALIDATION");
    expect((error as { details: unknown }).details).toEqual({ issues: [{ path: "url", message: "refused: private or reserved address" }] });
    expect(await db().webhookEndpoint.count({ where: { orgId: org.org.id } })).toBe(0);
    expect(await db().auditEntry.count({ where: { orgId: org.org.id, type: "webhook.endpoint_changed" } })).toBe(0);
  });

  it("refuses the same when an existing endpoint is changed to point inside", async () => {
    const org = await createTestOrg({ label: "ssrf-update" });
    const { webhook } = await createWebhook({ ctx: org.ctx, input: { url: "https://93.184.215.14/hook", events: ["*"] } });
    const error = await updateWebhook({ ctx: org.ctx, input: { id: webhook.id, body: { url: "http://[::1]/" } } }).catch((e: unknown) => e);
    expect(isDomainError(error) && error.code).toBe("VALIDATION");
    expect((await db().webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } })).url).toBe("https://93.184.215.14/hook");
  });

  it("refuses at delivery a name that resolved publicly when it was saved and resolves to loopback now (DNS rebinding): nothing reaches the target", async () => {
    const org = await createTestOrg({ label: "ssrf-rebind", policies: [{ name: "all", actions: ["*"], effect: "allow" }] });
    const inside = await target();
    let answer = "93.184.215.14";
    const resolve: Resolve = async () => [{ address: answer, family: 4 }];
    // Saved while the name answered a public address (the guard at save time is the same code, given the same resolver).
    const { webhook } = await createWebhook({ ctx: org.ctx, input: { url: `http://rebind.example.test:${inside.port}/hook`, events: ["*"] } }).catch(async () => {
      // The real resolver cannot resolve the test's name: store it as an admin would have when it resolved.
      const row = await createWebhook({ ctx: org.ctx, input: { url: `https://93.184.215.14/hook`, events: ["*"] } });
      await db().webhookEndpoint.update({ where: { id: row.webhook.id }, data: { url: `http://rebind.example.test:${inside.port}/hook` } });
      return row;
    });
    answer = "127.0.0.1";
    const ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "ssrf" };
    await decideAction({ ctx, input: { actionType: "db.read" } });
    const dispatcher = new WebhookDispatcher({ resolve, onlyOrgs: [org.org.id] });
    await dispatcher.tick();
    await dispatcher.idle();
    await dispatcher.stop();
    expect(inside.hits()).toBe(0);
    const [attempt] = (await listWebhookDeliveries({ ctx: org.ctx, input: { id: webhook.id } })).deliveries;
    expect(attempt).toMatchObject({ status: "failed", responseStatus: null });
    expect(attempt?.error).toBe("refused: private or reserved address");
  });

  it("never follows a redirect, so a receiver cannot bounce a delivery to an inside address", async () => {
    const org = await createTestOrg({ label: "ssrf-redirect", policies: [{ name: "all", actions: ["*"], effect: "allow" }] });
    const inside = await target();
    // The receiver itself is allowed here (this dispatcher may reach loopback): only its redirect is under test.
    const bouncer = await target(() => ({ status: 307, location: `http://127.0.0.1:${inside.port}/internal` }));
    process.env.GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE = "0";
    const row = await createWebhook({ ctx: org.ctx, input: { url: "https://93.184.215.14/hook", events: ["*"] } });
    await db().webhookEndpoint.update({ where: { id: row.webhook.id }, data: { url: `http://127.0.0.1:${bouncer.port}/hook` } });
    const ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "ssrf" };
    await decideAction({ ctx, input: { actionType: "db.read" } });
    const dispatcher = new WebhookDispatcher({ allowPrivate: true, onlyOrgs: [org.org.id] });
    await dispatcher.tick();
    await dispatcher.idle();
    await dispatcher.stop();
    expect(bouncer.hits()).toBe(1);
    expect(inside.hits()).toBe(0);
    const [attempt] = (await listWebhookDeliveries({ ctx: org.ctx, input: { id: row.webhook.id } })).deliveries;
    expect(attempt).toMatchObject({ status: "failed", responseStatus: 307, error: "answered 307: redirects are not followed" });
  });

  it("refuses at delivery an endpoint stored with a loopback literal (a row saved before the guard): nothing reaches it", async () => {
    const org = await createTestOrg({ label: "ssrf-literal", policies: [{ name: "all", actions: ["*"], effect: "allow" }] });
    const inside = await target();
    const row = await createWebhook({ ctx: org.ctx, input: { url: "https://93.184.215.14/hook", events: ["*"] } });
    await db().webhookEndpoint.update({ where: { id: row.webhook.id }, data: { url: `http://127.0.0.1:${inside.port}/hook` } });
    const ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "ssrf" };
    await decideAction({ ctx, input: { actionType: "db.read" } });
    const dispatcher = new WebhookDispatcher({ onlyOrgs: [org.org.id] });
    await dispatcher.tick();
    await dispatcher.idle();
    await dispatcher.stop();
    expect(inside.hits()).toBe(0);
    const [attempt] = (await listWebhookDeliveries({ ctx: org.ctx, input: { id: row.webhook.id } })).deliveries;
    expect(attempt?.error).toBe("refused: private or reserved address");
  });
});
