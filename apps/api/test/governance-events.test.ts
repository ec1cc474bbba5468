import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createWebhook, db, WebhookDispatcher } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, it } from "vitest";
import { Gatehouse, type GatehouseEvent } from "../../../packages/sdk/src/index.ts";
import { listeningApp } from "./helpers";

// Typed governance events (docs/events.md, Event types), run as users run them: a scripted agent on the SDK against a
// listening API; the events read back from the agent's stream and from a webhook receiver on loopback, each message
// verified with the `standardwebhooks` package as a receiver would. Each fact arrives once, and never a value.
const server = listeningApp();

const GOVERNANCE = ["budget.threshold", "budget.exceeded", "guardrail.triggered", "loop.detected", "postcondition.violated"] as const;
const LIMIT = 1_000;
const POLICIES = [
  { name: "models", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: LIMIT }, per: "agent-day", atLimit: "deny", alertAt: [0.5, 0.8] } },
  { name: "mail", actions: ["mail.*"], effect: "allow" },
];
const EMAIL = "alice.liddell@example.com";
const TOKEN = `ghp_${"A1b2C3d4E5f6G7h8I9j0".repeat(2).slice(0, 36)}`;

const servers: Server[] = [];
const dispatchers: WebhookDispatcher[] = [];
afterAll(async () => {
  await Promise.all(dispatchers.map((d) => d.stop()));
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

async function receiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const s = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(204).end();
    });
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/hooks`, received };
}

/** Ticks a dispatcher for the org until `done` holds. */
async function deliverUntil(org: TestOrg, done: () => boolean): Promise<void> {
  const dispatcher = new WebhookDispatcher({ allowPrivate: true, onlyOrgs: [org.org.id] });
  dispatchers.push(dispatcher);
  const until = Date.now() + 15_000;
  while (!done()) {
    if (Date.now() > until) throw new Error("deliveries did not arrive in time");
    await dispatcher.tick();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await dispatcher.idle();
}

/** The agent's stream from the start, read until `until` holds for what it read. */
async function streamUntil(agent: Gatehouse, until: (events: GatehouseEvent[]) => boolean): Promise<GatehouseEvent[]> {
  const seen: GatehouseEvent[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    for await (const event of agent.subscribe({ lastEventId: "0", signal: controller.signal })) {
      seen.push(event);
      if (until(seen)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  return seen;
}

const spend = (inputTokens: number) => ({ spend: { model: "gpt-4o-mini", inputTokens, maxOutputTokens: 0 } });
const governance = (events: GatehouseEvent[]) => events.filter((e) => (GOVERNANCE as readonly string[]).includes(e.type));

describe("a budget crossing its alert ratios, then exceeded, and a content finding", () => {
  it("each arrives once, typed, on the agent's stream and at a webhook receiver, and no value found travels", async () => {
    const org = await createTestOrg({ label: "gov-events", policies: POLICIES as never });
    const hook = await receiver();
    const { secret } = await createWebhook({ ctx: org.ctx, input: { url: hook.url, events: [...GOVERNANCE] } });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });

    // canI sees what execute would do and sends nothing.
    expect((await agent.canI("llm.openai.gpt-4o-mini", spend(900))).allowed).toBe(true);
    const answers = [];
    for (const tokens of [300, 300, 250, 50, 200, 200]) answers.push(await agent.execute("llm.openai.gpt-4o-mini", spend(tokens)));
    expect(answers.map((a) => a.denialReason ?? a.status)).toEqual(["executed", "executed", "executed", "executed", "BUDGET_EXCEEDED", "BUDGET_EXCEEDED"]);
    // A flagged address as a key, with a secret under it: no path names the address either.
    const mail = await agent.execute("mail.send", { metadata: { to: EMAIL, body: `use ${TOKEN} for the repo`, cc: { [EMAIL]: TOKEN } } });
    expect(mail.status).toBe("executed");

    const streamed = governance(await streamUntil(agent, (events) => events.some((e) => e.type === "guardrail.triggered")));
    expect(streamed.map((e) => [e.type, e.data.threshold ?? e.data.status ?? e.data.source])).toEqual([
      ["budget.threshold", 0.5],
      ["budget.threshold", 0.8],
      ["budget.exceeded", "denied"],
      ["guardrail.triggered", "decision"],
    ]);
    const [half, eighty, exceeded, found] = streamed;
    expect(half?.data).toMatchObject({ auditEventId: answers[1]?.auditEventId, actionType: "llm.openai.gpt-4o-mini", agentId: org.agent.id, used: 0.6 });
    expect(half?.data.budget).toMatchObject({ name: "models", policy: "models", per: "agent-day", limit: { tokens: LIMIT }, spent: { tokens: 0 }, reserved: { tokens: 300 } });
    expect(eighty?.data).toMatchObject({ auditEventId: answers[2]?.auditEventId, used: 0.85 });
    expect(exceeded?.data).toMatchObject({ auditEventId: answers[4]?.auditEventId, budget: { name: "models", exceeded: true, reserved: { tokens: 900 } } });
    expect(found?.data).toMatchObject({ auditEventId: mail.auditEventId, actionType: "mail.send" });
    expect(found?.data.findings).toEqual(
      expect.arrayContaining([
        { detector: "email", class: "personalData", path: "metadata.to", action: "flagged", confidence: "high" },
        expect.objectContaining({ class: "secrets", path: "metadata.body", action: "redacted" }),
        { detector: "email", class: "personalData", path: "metadata.cc", action: "flagged", confidence: "high" },
        expect.objectContaining({ class: "secrets", path: "metadata.cc.[personal:email]", action: "redacted" }),
      ]),
    );

    await deliverUntil(org, () => hook.received.length >= 4);
    const verifier = new Webhook(secret);
    const delivered = hook.received.map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; data: Record<string, unknown> });
    expect(delivered.map((m) => m.type)).toEqual(["budget.threshold", "budget.threshold", "budget.exceeded", "guardrail.triggered"]);
    expect(delivered.map((m) => m.data)).toEqual(streamed.map((e) => e.data));
    // One message per event: the webhook's id is the event's entry, and nothing more came.
    expect(new Set(hook.received.map((r) => r.headers["webhook-id"])).size).toBe(4);

    // No value the screen found is in an event, a webhook body or the entries that carry them.
    const entries = await db().auditEntry.findMany({
      where: { orgId: org.org.id, type: { in: ["guardrail.triggered", "budget.threshold", "budget.exceeded"] } },
      select: { canonical: true },
    });
    expect(entries).toHaveLength(4);
    for (const text of [JSON.stringify(streamed), ...hook.received.map((r) => r.body), ...entries.map((e) => e.canonical)]) {
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain(TOKEN);
    }
  });

  it("many calls crossing one ratio at once send it once", async () => {
    const org = await createTestOrg({ label: "gov-events-burst", policies: POLICIES as never });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    const answers = await Promise.all(Array.from({ length: 12 }, () => agent.execute("llm.openai.gpt-4o-mini", spend(100))));
    expect(answers.filter((a) => a.status === "executed")).toHaveLength(10);
    const rows = await db().auditEntry.findMany({
      where: { orgId: org.org.id, type: { in: ["budget.threshold", "budget.exceeded"] } },
      orderBy: { seq: "asc" },
      select: { type: true, canonical: true },
    });
    const sent = rows.map((r) => [r.type, (JSON.parse(r.canonical) as { data: { threshold?: number } }).data.threshold ?? null]);
    expect(sent).toEqual([
      ["budget.threshold", 0.5],
      ["budget.threshold", 0.8],
      ["budget.exceeded", null],
    ]);
  });

  it("an outcome whose message holds personal data sends its own guardrail event, naming the decision", async () => {
    const org = await createTestOrg({ label: "gov-events-outcome", policies: POLICIES as never });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    const sent = await agent.execute("mail.send", { metadata: { subject: "status" } });
    await agent.report(sent.auditEventId, { status: "success", message: `delivered to ${EMAIL}` });
    const events = governance(await streamUntil(agent, (seen) => seen.some((e) => e.type === "guardrail.triggered")));
    expect(events.map((e) => [e.type, e.data.source, e.data.auditEventId])).toEqual([["guardrail.triggered", "outcome", sent.auditEventId]]);
    expect(events[0]?.data.findings).toEqual([{ detector: "email", class: "personalData", path: "message", action: "flagged", confidence: "high" }]);
    expect(JSON.stringify(events)).not.toContain(EMAIL);
  });
});
