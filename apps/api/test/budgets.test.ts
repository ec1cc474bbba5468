import { db, releaseDueReservations } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entriesOf, entryOf, expectLedgerMatchesLog } from "./budget-ledger";
import { call, startApp, stopApp, writesOf } from "./helpers";

// Budgets (docs/budgets.md): a call declaring its spend reserves its projected cost against the
// budgets its policies state, in the decision's own transaction; its outcome settles it; a job
// releases what is never settled; every step is in the audit log. And what an attacker tries.
let app: FastifyInstance;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

const LLM = { model: "gpt-4o", inputTokens: 300, maxOutputTokens: 100 };
let counter = 0;
const execute = (org: TestOrg, body: Record<string, unknown>, key = org.agent.apiKey) =>
  call(app, "POST", "/v1/actions", { key, body: { metadata: { n: (counter += 1) }, ...body } });
const report = (org: TestOrg, auditEventId: string, body: Record<string, unknown>, key = org.agent.apiKey) =>
  call(app, "POST", `/v1/actions/${auditEventId}/outcome`, { key, body: { status: "success", ...body } });

async function orgWith(label: string, policies: unknown[]): Promise<TestOrg> {
  return createTestOrg({ label, policies: policies as never });
}

async function countersOf(orgId: string) {
  const rows = await db().pool.query<{ name: string; per: string; st: number; sm: number; rt: number; rm: number }>(
    `SELECT name, per, spent_tokens::float8 AS st, spent_micros::float8 AS sm, reserved_tokens::float8 AS rt, reserved_micros::float8 AS rm FROM budget_counters WHERE org_id = $1 ORDER BY name`,
    [orgId],
  );
  return rows.rows;
}

describe("a tokens budget per agent and day", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await orgWith("budget-day", [{ name: "daily-llm", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 1000 }, per: "agent-day", atLimit: "deny" } }]);
  });

  it("reserves each declared call, refuses the one that would go over with BUDGET_EXCEEDED and the budget's state, and settles at the reported usage", async () => {
    const first = await execute(org, { actionType: "llm.openai.gpt-4o", spend: LLM });
    expect(first.statusCode, first.body).toBe(200);
    // Under 80% of the budget with the call, the answer names no budget; from there on it warns.
    expect(first.json().status).toBe("executed");
    expect(first.json().budget).toBeUndefined();
    const second = (await execute(org, { actionType: "llm.openai.gpt-4o", spend: LLM })).json();
    expect(second).toMatchObject({
      status: "executed",
      budget: { name: "daily-llm", per: "agent-day", limit: { tokens: 1000 }, spent: { tokens: 0 }, reserved: { tokens: 400 }, exceeded: false },
    });

    const third = (await execute(org, { actionType: "llm.openai.gpt-4o", spend: LLM })).json();
    expect(third).toMatchObject({
      status: "denied",
      denialReason: "BUDGET_EXCEEDED",
      budget: { name: "daily-llm", spent: { tokens: 0 }, reserved: { tokens: 800 }, limit: { tokens: 1000 }, exceeded: true },
    });
    expect(third.message).toContain("budget");
    expect(await countersOf(org.org.id)).toMatchObject([{ name: "daily-llm", rt: 800, st: 0 }]);

    // The first call used less than it declared: its outcome settles it, and the room comes back.
    const settled = await report(org, first.json().auditEventId, { usage: { model: "gpt-4o", inputTokens: 100, outputTokens: 50 } });
    expect(settled.statusCode, settled.body).toBe(200);
    expect(settled.json().spend).toEqual({ model: "gpt-4o", tokens: 150, usd: (100 * 2.5 + 50 * 10) / 1e6 });
    expect(await countersOf(org.org.id)).toMatchObject([{ rt: 400, st: 150, sm: 750 }]);
    const again = (await execute(org, { actionType: "llm.openai.gpt-4o", spend: LLM })).json();
    expect(again).toMatchObject({ status: "executed", budget: { spent: { tokens: 150 }, reserved: { tokens: 400 }, exceeded: false } }); // 95% with the call: a warning

    // A call declaring nothing passes while the budget is not used up, and is refused once it is.
    expect((await execute(org, { actionType: "llm.tool" })).json().status).toBe("executed");
    await expectLedgerMatchesLog(org.org.id);
  });

  it("records every reservation in its decision's entry and every settlement in its outcome's", async () => {
    const decided = (await execute(org, { actionType: "llm.openai.gpt-4o", spend: { ...LLM, inputTokens: 10, maxOutputTokens: 10 } })).json();
    const entry = await entryOf(decided.auditEventId);
    expect(entry?.data.reservation).toMatchObject({
      model: "gpt-4o",
      tokens: 20,
      micros: 10 * 2.5 + 10 * 10,
      budgets: [{ key: expect.stringMatching(/^bud_/), name: "daily-llm" }],
    });
    // A built-in price is named by the model and the decision's time (the table keeps every entry); only the org's own rates are logged.
    expect(entry?.data.reservation?.price).toBeUndefined();
    await report(org, decided.auditEventId, { usage: { model: "gpt-4o-2024-11-20", inputTokens: 12, outputTokens: 3, cachedInputTokens: 10 } });
    const outcome = (await entriesOf(org.org.id)).filter((e) => e.type === "action.outcome").at(-1);
    // 2 plain input tokens at 2.5, 10 cached at 1.25, 3 output at 10, rounded up to the micro-dollar.
    expect(outcome?.data.spend).toMatchObject({ model: "gpt-4o-2024-11-20", tokens: 15, micros: Math.ceil(2 * 2.5 + 10 * 1.25 + 3 * 10), reserved: { tokens: 20, micros: 125 } });
    expect(outcome?.data.usage).toEqual({ model: "gpt-4o-2024-11-20", inputTokens: 12, outputTokens: 3, cachedInputTokens: 10 });
    await expectLedgerMatchesLog(org.org.id);
  });

  it("a retried eventId reserves once", async () => {
    const before = await countersOf(org.org.id);
    const body = { actionType: "llm.openai.gpt-4o", spend: { ...LLM, inputTokens: 1, maxOutputTokens: 1 }, eventId: "budget-retry-1", metadata: { n: 0 } };
    const [a, b] = await Promise.all([call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body }), call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body })]);
    expect(a.json().auditEventId).toBe(b.json().auditEventId);
    expect((await countersOf(org.org.id))[0]?.rt).toBe((before[0]?.rt ?? 0) + 2);
  });
});

describe("money, prices and the periods a budget counts over", () => {
  it("an org-month budget in dollars admits what fits and refuses the rest", async () => {
    const org = await orgWith("budget-usd", [{ name: "monthly", actions: ["llm.*"], effect: "allow", budget: { limit: { usd: 0.03 }, per: "org-month" } }]);
    const spend = { model: "gpt-4o", inputTokens: 1000, maxOutputTokens: 1000 }; // 0.0025 + 0.01 = $0.0125
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await execute(org, { actionType: "llm.openai.gpt-4o", spend })).json());
    expect(statuses.map((s) => s.status)).toEqual(["executed", "executed", "denied"]);
    expect(statuses[2].budget).toMatchObject({ per: "org-month", period: new Date().toISOString().slice(0, 7), limit: { usd: 0.03 }, reserved: { usd: 0.025 }, exceeded: true });
  });

  it("atLimit require_approval holds the call for a person instead of refusing it", async () => {
    const org = await orgWith("budget-approve", [
      { name: "ask-past", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 500 }, per: "agent-day", atLimit: "require_approval" } },
    ]);
    expect((await execute(org, { actionType: "llm.call", spend: LLM })).json().status).toBe("executed");
    const held = (await execute(org, { actionType: "llm.call", spend: LLM })).json();
    expect(held).toMatchObject({ status: "requested", approvalId: expect.stringMatching(/^apr_/), budget: { exceeded: true, name: "ask-past" } });
    // Held calls reserve too: what a person lets through is counted.
    expect((await countersOf(org.org.id))[0]?.rt).toBe(800);
  });

  it("a run budget counts each run apart, and calls in no run not at all", async () => {
    const org = await orgWith("budget-run", [{ name: "per-run", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 400 }, per: "run" } }]);
    expect((await execute(org, { actionType: "llm.call", spend: LLM, runId: "r1" })).json().status).toBe("executed");
    expect((await execute(org, { actionType: "llm.call", spend: LLM, runId: "r1" })).json()).toMatchObject({ status: "denied", denialReason: "BUDGET_EXCEEDED" });
    expect((await execute(org, { actionType: "llm.call", spend: LLM, runId: "r2" })).json().status).toBe("executed");
    const free = (await execute(org, { actionType: "llm.call", spend: LLM, eventId: "no-run" })).json();
    expect(free.status).toBe("executed");
    const entry = await db().auditEntry.findUniqueOrThrow({ where: { id: free.auditEventId }, select: { canonical: true } });
    expect(JSON.parse(entry.canonical).data.reservation).toBeUndefined();
  });

  it("a pot is shared by every policy and agent that draws from it; models and perModel narrow what counts", async () => {
    const org = await orgWith("budget-pot", [
      { name: "research-a", actions: ["llm.*"], agents: ["*"], effect: "allow", budget: { limit: { tokens: 1000 }, per: "pot:research" } },
      { name: "opus-only", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 450 }, per: "agent-day", models: ["claude-opus-*"], perModel: true } },
    ]);
    const created = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "pot-sibling" } });
    const sibling = created.json() as { apiKey: string };
    expect((await execute(org, { actionType: "llm.call", spend: LLM })).json().status).toBe("executed");
    expect((await execute(org, { actionType: "llm.call", spend: LLM }, sibling.apiKey)).json().status).toBe("executed");
    const third = (await execute(org, { actionType: "llm.call", spend: LLM }, sibling.apiKey)).json();
    expect(third).toMatchObject({ status: "denied", budget: { name: "research", per: "pot:research", reserved: { tokens: 800 } } });
    // opus-only counts claude-opus-* models only, one count per model.
    const pot = await orgWith("budget-models", [
      { name: "opus-only", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 450 }, per: "agent-day", models: ["claude-opus-*"], perModel: true } },
    ]);
    const opus = { model: "claude-opus-4-1", inputTokens: 300, maxOutputTokens: 100 };
    expect((await execute(pot, { actionType: "llm.call", spend: opus })).json().status).toBe("executed");
    expect((await execute(pot, { actionType: "llm.call", spend: opus })).json().status).toBe("denied");
    expect((await execute(pot, { actionType: "llm.call", spend: { ...opus, model: "claude-opus-4" } })).json().status).toBe("executed");
    expect((await execute(pot, { actionType: "llm.call", spend: LLM })).json()).toMatchObject({ status: "executed" });
  });

  it("a model nobody priced is refused by a dollars budget (400 naming spend.model, nothing written), priced by the org's '*', counted in tokens only by a tokens budget", async () => {
    const org = await orgWith("budget-unknown", [
      { name: "usd", actions: ["llm.usd"], effect: "allow", budget: { limit: { usd: 1 }, per: "org-month" } },
      { name: "tokens", actions: ["llm.tokens"], effect: "allow", budget: { limit: { tokens: 1000 }, per: "org-month" } },
    ]);
    const before = await writesOf(org.org.id);
    const refused = await execute(org, { actionType: "llm.usd", spend: { model: "acme-secret-model", inputTokens: 10, maxOutputTokens: 10 } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details.issues[0].path).toBe("spend.model");
    expect(await writesOf(org.org.id)).toEqual(before);

    const tokensOnly = (await execute(org, { actionType: "llm.tokens", spend: { model: "acme-secret-model", inputTokens: 10, maxOutputTokens: 10 } })).json();
    expect(tokensOnly.status).toBe("executed");
    const entry = (await entriesOf(org.org.id)).filter((e) => e.type === "action.decided").at(-1);
    expect(entry?.data.reservation).toMatchObject({ tokens: 20, micros: 0, unpriced: true });

    const priced = await call(app, "PATCH", "/v1/admin/settings", {
      key: org.adminKey.apiKey,
      body: {
        spend: {
          priceOverrides: [
            { model: "*", input: 100, output: 100 },
            { model: "gpt-4o", input: 1000, output: 1000 },
          ],
        },
      },
    });
    expect(priced.statusCode, priced.body).toBe(200);
    const custom = (await execute(org, { actionType: "llm.usd", spend: { model: "acme-secret-model", inputTokens: 10, maxOutputTokens: 10 } })).json();
    expect(custom.status).toBe("executed");
    const overridden = (await execute(org, { actionType: "llm.usd", spend: { model: "gpt-4o", inputTokens: 10, maxOutputTokens: 10 } })).json();
    expect(overridden.status).toBe("executed");
    const reserved = async (id: string) => JSON.parse((await db().auditEntry.findUniqueOrThrow({ where: { id }, select: { canonical: true } })).canonical).data.reservation;
    expect(await reserved(custom.auditEventId)).toMatchObject({ micros: 2000, price: { source: "org-unknown", model: "acme-secret-model", input: 100 } }); // 20 tokens at $100 per million
    const last = (await entriesOf(org.org.id)).filter((e) => e.type === "action.decided").at(-1);
    expect(last?.data.reservation?.price).toMatchObject({ source: "org", model: "gpt-4o", input: 1000 });

    // The price list says what holds.
    const prices = (await call(app, "GET", "/v1/prices", { key: org.agent.apiKey })).json();
    expect(prices.overrides).toEqual([
      { model: "*", input: 100, output: 100 },
      { model: "gpt-4o", input: 1000, output: 1000 },
    ]);
    expect(new Set(prices.models.map((m: { provider: string }) => m.provider))).toEqual(new Set(["openai", "anthropic", "google", "mistral"]));
    expect(prices.models.filter((m: { current: boolean; tier: string }) => m.current && m.tier === "standard").length).toBeGreaterThanOrEqual(25);
  });

  it("canI says what execute would do against the budgets, and reserves nothing", async () => {
    const org = await orgWith("budget-cani", [{ name: "tiny", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 500 }, per: "agent-day" } }]);
    expect((await execute(org, { actionType: "llm.call", spend: LLM })).json().status).toBe("executed");
    const before = await writesOf(org.org.id);
    const counters = await countersOf(org.org.id);
    const asked = await call(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body: { actionType: "llm.call", spend: LLM } });
    expect(asked.json()).toMatchObject({ status: "denied", denialReason: "BUDGET_EXCEEDED", allowed: false, budget: { exceeded: true } });
    expect(await writesOf(org.org.id)).toEqual(before);
    expect(await countersOf(org.org.id)).toEqual(counters);
  });

  it("a halted agent reserves nothing", async () => {
    const org = await orgWith("budget-halt", [{ name: "b", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 500 }, per: "agent-day" } }]);
    await call(app, "POST", `/v1/admin/agents/${org.agent.id}/halt`, { key: org.adminKey.apiKey, body: { reason: "test" } });
    expect((await execute(org, { actionType: "llm.call", spend: LLM })).json().denialReason).toBe("AGENT_HALTED");
    expect(await countersOf(org.org.id)).toEqual([]);
  });
});

describe("a model's other names", () => {
  it("a dated snapshot or a models/ name is counted as its model: it can neither slip past a models budget nor open a perModel count of its own", async () => {
    const org = await orgWith("budget-model-names", [
      { name: "gpt4o", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 450 }, per: "agent-day", models: ["gpt-4o"], perModel: true } },
    ]);
    const call1 = (await execute(org, { actionType: "llm.call", spend: { ...LLM, model: "gpt-4o-2024-08-06" } })).json();
    expect(call1.status).toBe("executed");
    const call2 = (await execute(org, { actionType: "llm.call", spend: { ...LLM, model: "models/GPT-4o" } })).json();
    expect(call2).toMatchObject({ status: "denied", denialReason: "BUDGET_EXCEEDED", budget: { name: "gpt4o", model: "gpt-4o" } });
  });

  it("a budget on gpt-4o counts openai/gpt-4o:latest, GPT-4o with spaces and the like, and refuses them once spent", async () => {
    const org = await orgWith("budget-model-aliases", [
      { name: "gpt4o", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 450, usd: 1 }, per: "agent-day", models: ["gpt-4o"] } },
    ]);
    const first = (await execute(org, { actionType: "llm.call", spend: { ...LLM, model: " GPT-4o " } })).json();
    expect(first).toMatchObject({ status: "executed" });
    const refused = (await execute(org, { actionType: "llm.call", spend: { ...LLM, model: "openai/gpt-4o:latest" } })).json();
    expect(refused).toMatchObject({ status: "denied", denialReason: "BUDGET_EXCEEDED", budget: { name: "gpt4o", reserved: { tokens: 400 }, exceeded: true } });
    // Priced as gpt-4o (never refused as unpriced, never at another model's price), and settled at it.
    const settled = (await report(org, first.auditEventId, { usage: { model: "openai/GPT-4o:latest", inputTokens: 100, outputTokens: 50 } })).json();
    expect(settled.spend).toMatchObject({ tokens: 150, usd: (100 * 2.5 + 50 * 10) / 1e6 });
    for (const model of ["anthropic/gpt-4o", "models/gpt-4o:latest", "GPT-4O"]) {
      const again = (await execute(org, { actionType: "llm.call", spend: { ...LLM, model } })).json();
      expect(again, model).toMatchObject({ status: "denied", denialReason: "BUDGET_EXCEEDED", budget: { name: "gpt4o", spent: { tokens: 150 } } });
    }
    // Another model is not this budget's.
    expect((await execute(org, { actionType: "llm.call", spend: { ...LLM, model: "openai/gpt-4o-mini" } })).json().status).toBe("executed");
    await expectLedgerMatchesLog(org.org.id);
  });

  it("usage naming a model nobody prices is counted at the reservation's price, never at zero", async () => {
    const org = await orgWith("budget-usage-unknown", [{ name: "b", actions: ["llm.*"], effect: "allow", budget: { limit: { usd: 1 }, per: "org-month" } }]);
    const decided = (await execute(org, { actionType: "llm.call", spend: LLM })).json();
    const settled = (await report(org, decided.auditEventId, { usage: { model: "made-up-model", inputTokens: 1000, outputTokens: 1000 } })).json();
    expect(settled.spend).toMatchObject({ model: "made-up-model", tokens: 2000, usd: (1000 * 2.5 + 1000 * 10) / 1e6 });
  });
});

describe("org-wide budgets in the org's settings", () => {
  const ORG_BUDGET = { name: "org-llm", actions: ["llm.*"], limit: { tokens: 500 }, per: "org-month" };

  it("hold beside the policies' budgets whatever policy decides, named in the answer and the list", async () => {
    const org = await orgWith("budget-org-settings", [{ name: "llm", actions: ["llm.*"], effect: "allow" }]);
    const set = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { budgets: [ORG_BUDGET] } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().budgets).toEqual([{ ...ORG_BUDGET, agents: ["*"], atLimit: "deny", perModel: false }]);
    expect((await execute(org, { actionType: "llm.call", spend: LLM })).json().status).toBe("executed");
    const refused = (await execute(org, { actionType: "llm.call", spend: LLM })).json();
    expect(refused).toMatchObject({ status: "denied", denialReason: "BUDGET_EXCEEDED", budget: { name: "org-llm", policy: "settings:org-llm", per: "org-month", exceeded: true } });
    expect((await execute(org, { actionType: "pr.open" })).json().budget).toBeUndefined();
    const listed = (await call(app, "GET", "/v1/budgets", { key: org.adminKey.apiKey })).json();
    expect(listed.budgets).toEqual([expect.objectContaining({ name: "org-llm", policy: "settings:org-llm", limit: { tokens: 500 }, reserved: { tokens: 400, usd: 0.00175 } })]);
    await expectLedgerMatchesLog(org.org.id);
  });

  it("loosening them waits for a second admin under the two-admin rule; tightening applies at once", async () => {
    const org = await orgWith("budget-org-two-admin", [{ name: "llm", actions: ["llm.*"], effect: "allow" }]);
    const patch = (body: unknown) => call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body });
    expect((await patch({ budgets: [ORG_BUDGET] })).statusCode).toBe(200);
    expect((await patch({ policies: { requireSecondApproval: true } })).statusCode).toBe(200);
    expect((await patch({ budgets: [{ ...ORG_BUDGET, limit: { tokens: 100 } }] })).statusCode).toBe(200);
    for (const loosened of [[], [{ ...ORG_BUDGET, limit: { tokens: 1000 } }], [{ ...ORG_BUDGET, limit: { tokens: 100 }, atLimit: "require_approval" }]]) {
      const held = await patch({ budgets: loosened });
      expect(held.statusCode, held.body).toBe(202);
      expect(held.json().weakened.map((w: { path: string }) => w.path)).toEqual(["budgets"]);
    }
  });

  it.each([
    ["an empty limit", [{ name: "x", actions: ["llm.*"], per: "org-month", limit: {} }], "budgets[0].limit"],
    ["a name with spaces", [{ name: "Bad Name", actions: ["llm.*"], limit: { tokens: 1 }, per: "org-month" }], "budgets[0].name"],
    ["no actions", [{ name: "x", actions: [], limit: { tokens: 1 }, per: "org-month" }], "budgets[0].actions"],
    ["an action pattern with a space", [{ name: "x", actions: ["gatehouse policies"], limit: { tokens: 1 }, per: "org-month" }], "budgets[0].actions[0]"],
    [
      "a name twice",
      [
        { name: "x", actions: ["llm.*"], limit: { tokens: 1 }, per: "org-month" },
        { name: "x", actions: ["llm.*"], limit: { tokens: 2 }, per: "run" },
      ],
      "budgets[1].name",
    ],
    ["51 budgets", Array.from({ length: 51 }, (_, i) => ({ name: `b${i}`, actions: ["llm.*"], limit: { tokens: 1 }, per: "run" })), "budgets"],
  ])("settings budgets with %s are refused naming %s, and nothing changes", async (_case, budgets, path) => {
    const org = await orgWith("budget-org-hostile", []);
    const answer = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { budgets } });
    expect(answer.statusCode, answer.body).toBe(400);
    expect(answer.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect((await call(app, "GET", "/v1/admin/settings", { key: org.adminKey.apiKey })).json().budgets).toEqual([]);
  });
});

describe("settlement and release", () => {
  it("a call that ran and never reported is charged at what it reserved by the deadline, once, and recorded; a late outcome's usage replaces the charge", async () => {
    const org = await orgWith("budget-release", [{ name: "b", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 1000 }, per: "agent-day" } }]);
    const decided = (await execute(org, { actionType: "llm.call", spend: LLM })).json();
    expect((await countersOf(org.org.id))[0]?.rt).toBe(400);
    // Before its deadline nothing moves.
    expect(await releaseDueReservations({ orgId: org.org.id })).toBe(0);
    const later = Date.now() + 2 * 3600_000;
    const [first, second] = await Promise.all([releaseDueReservations({ now: later, orgId: org.org.id }), releaseDueReservations({ now: later, orgId: org.org.id })]);
    expect(first + second).toBe(1);
    // An agent that never reports does not get its budget back: the call is counted as spent.
    expect((await countersOf(org.org.id))[0]).toMatchObject({ rt: 0, st: 400 });
    const ended = (await entriesOf(org.org.id)).filter((e) => e.type === "budget.released");
    expect(ended).toHaveLength(1);
    expect(ended[0]?.data).toMatchObject({ actionType: "llm.call", tokens: 400, charged: true, budgets: [{ name: "b" }] });

    const late = await report(org, decided.auditEventId, { usage: { inputTokens: 200, outputTokens: 20 } });
    expect(late.json().spend).toMatchObject({ model: "gpt-4o", tokens: 220 });
    expect((await countersOf(org.org.id))[0]).toMatchObject({ rt: 0, st: 220 });
    await expectLedgerMatchesLog(org.org.id);
  });

  it("a held call whose approval is denied gives its reservation back at the next sweep, not after its deadline", async () => {
    const org = await orgWith("budget-denied-hold", [
      { name: "ask", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 500 }, per: "agent-day", atLimit: "require_approval" } },
    ]);
    expect((await execute(org, { actionType: "llm.call", spend: LLM })).json().status).toBe("executed");
    const held = (await execute(org, { actionType: "llm.call", spend: LLM })).json();
    expect(held.status).toBe("requested");
    expect((await countersOf(org.org.id))[0]?.rt).toBe(800);
    const denied = await call(app, "POST", `/v1/admin/approvals/${held.approvalId}/decision`, { key: org.adminKey.apiKey, body: { decision: "deny", reason: "over budget" } });
    expect(denied.statusCode, denied.body).toBe(200);
    expect(await releaseDueReservations({ orgId: org.org.id })).toBe(1);
    expect((await countersOf(org.org.id))[0]).toMatchObject({ rt: 400, st: 0 });
    expect((await entriesOf(org.org.id)).filter((e) => e.type === "budget.released").map((e) => e.data.charged)).toEqual([false]);
    await expectLedgerMatchesLog(org.org.id);
  });

  it("an outcome without usage settles the reservation at what it projected, flagged as estimated", async () => {
    const org = await orgWith("budget-estimate", [{ name: "b", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 1000 }, per: "agent-day" } }]);
    const decided = (await execute(org, { actionType: "llm.call", spend: LLM, runId: "est" })).json();
    const settled = (await report(org, decided.auditEventId, {})).json();
    expect(settled.spend).toEqual({ model: "gpt-4o", tokens: 400, usd: (300 * 2.5 + 100 * 10) / 1e6, estimated: true });
    expect((await countersOf(org.org.id))[0]).toMatchObject({ rt: 0, st: 400 });
    // The run's spend and its timeline's model call.
    const run = (await call(app, "GET", `/v1/runs/${decided.run.id}`, { key: org.adminKey.apiKey })).json();
    expect(run.run.spend).toEqual({ tokens: 400, usd: 0.00175 });
    expect(run.timeline.find((i: { type: string }) => i.type === "outcome").spend).toEqual({ model: "gpt-4o", tokens: 400, usd: 0.00175, estimated: true });
    await expectLedgerMatchesLog(org.org.id);
  });

  it("usage on a call no budget holds is priced and counted toward its run", async () => {
    const org = await orgWith("budget-none", [{ name: "llm", actions: ["llm.*"], effect: "allow" }]);
    const decided = (await execute(org, { actionType: "llm.call", runId: "plain" })).json();
    const settled = (await report(org, decided.auditEventId, { usage: { model: "claude-sonnet-4-5-20250929", inputTokens: 1000, outputTokens: 100 } })).json();
    expect(settled.spend).toEqual({ model: "claude-sonnet-4-5-20250929", tokens: 1100, usd: (1000 * 3 + 100 * 15) / 1e6 });
    const budgets = (await call(app, "GET", "/v1/budgets", { key: org.adminKey.apiKey })).json();
    expect(budgets.budgets).toEqual([]);
  });

  it("GET /v1/budgets lists each budget's count with the limit its policy states", async () => {
    const org = await orgWith("budget-list", [{ name: "daily", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 1000, usd: 2 }, per: "agent-day" } }]);
    await execute(org, { actionType: "llm.call", spend: LLM });
    const list = await call(app, "GET", "/v1/budgets", { key: org.adminKey.apiKey });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().budgets).toEqual([
      expect.objectContaining({
        name: "daily",
        per: "agent-day",
        agentId: org.agent.id,
        agentName: expect.any(String),
        runId: null,
        limit: { tokens: 1000, usd: 2 },
        reserved: { tokens: 400, usd: 0.00175 },
        spent: { tokens: 0, usd: 0 },
        model: null,
      }),
    ]);
    const other = await orgWith("budget-list-other", []);
    expect((await call(app, "GET", "/v1/budgets", { key: other.adminKey.apiKey })).json().budgets).toEqual([]);
    expect((await call(app, "GET", "/v1/budgets", { key: org.agent.apiKey })).statusCode).toBe(403);
  });
});

describe("settlements racing decisions", () => {
  it("outcomes settling and decisions reserving against one budget at once never deadlock (one lock order: the log head first)", async () => {
    const org = await orgWith("budget-race-settle", [{ name: "b", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 10_000_000 }, per: "agent-day" } }]);
    const first = await Promise.all(Array.from({ length: 40 }, () => execute(org, { actionType: "llm.call", spend: LLM })));
    const ids = first.map((r) => r.json().auditEventId as string);
    const answers = await Promise.all([
      ...ids.map((id) => report(org, id, { usage: { inputTokens: 10, outputTokens: 10 } })),
      ...Array.from({ length: 40 }, () => execute(org, { actionType: "llm.call", spend: LLM })),
    ]);
    expect(answers.map((a) => a.statusCode).filter((s) => s !== 200)).toEqual([]);
    await expectLedgerMatchesLog(org.org.id);
  });
});

describe("what an attacker sends", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await orgWith("budget-hostile", [{ name: "b", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 1000 }, per: "agent-day" } }]);
  });

  it.each([
    ["spend", "gpt-4o", "spend"],
    ["spend", { model: "gpt-4o", inputTokens: -1, maxOutputTokens: 1 }, "spend.inputTokens"],
    ["spend", { model: "gpt-4o", inputTokens: 1.5, maxOutputTokens: 1 }, "spend.inputTokens"],
    ["spend", { model: "gpt-4o", inputTokens: 1, maxOutputTokens: 10_000_001 }, "spend.maxOutputTokens"],
    ["spend", { model: "gpt-4o", inputTokens: 1 }, "spend.maxOutputTokens"],
    ["spend", { model: "gpt 4o; DROP TABLE", inputTokens: 1, maxOutputTokens: 1 }, "spend.model"],
    ["spend", { model: "x".repeat(201), inputTokens: 1, maxOutputTokens: 1 }, "spend.model"],
    ["spend", { model: "gpt-4o", inputTokens: 1, maxOutputTokens: 1, price: 0 }, "spend"],
    ["spend", { model: "gpt-4o", inputTokens: 1, maxOutputTokens: 1, tier: "free" }, "spend.tier"],
    ["spend", { model: "gpt-4o", inputTokens: "1e9", maxOutputTokens: 1 }, "spend.inputTokens"],
    ["spend", { model: "alice@example.com", inputTokens: 1, maxOutputTokens: 1 }, "spend.model"],
    ["spend", { model: `ghp_${"a1B2".repeat(9)}`, inputTokens: 1, maxOutputTokens: 1 }, "spend.model"],
  ])("execute with %s = %j: 400 naming %s, nothing written", async (field, value, path) => {
    const before = await writesOf(org.org.id);
    const answer = await execute(org, { actionType: "llm.call", [field]: value });
    expect(answer.statusCode, answer.body).toBe(400);
    expect(answer.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it.each([
    [{ inputTokens: 10 }, "usage.outputTokens"],
    [{ inputTokens: 10, outputTokens: -5 }, "usage.outputTokens"],
    [{ inputTokens: 10, outputTokens: 5, cachedInputTokens: 11 }, "usage.cachedInputTokens"],
    [{ inputTokens: 10, outputTokens: 5, cost: 0 }, "usage"],
    [{ inputTokens: Number.MAX_SAFE_INTEGER, outputTokens: 5 }, "usage.inputTokens"],
    ["lots", "usage"],
    [{ model: "bob@example.com", inputTokens: 1, outputTokens: 1 }, "usage.model"],
  ])("an outcome with usage %j: 400 naming %s, nothing settled", async (usage, path) => {
    const decided = (await execute(org, { actionType: "llm.call", spend: { ...LLM, inputTokens: 1, maxOutputTokens: 1 } })).json();
    const counters = await countersOf(org.org.id);
    const answer = await report(org, decided.auditEventId, { usage });
    expect(answer.statusCode, answer.body).toBe(400);
    expect(answer.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await countersOf(org.org.id)).toEqual(counters);
  });

  it("another org's agent cannot settle, nor see, this org's reservation", async () => {
    const other = await orgWith("budget-hostile-b", [{ name: "b", actions: ["llm.*"], effect: "allow" }]);
    const decided = (await execute(org, { actionType: "llm.call", spend: LLM })).json();
    const counters = await countersOf(org.org.id);
    const foreign = await report(other, decided.auditEventId, { usage: { inputTokens: 0, outputTokens: 0 } });
    expect(foreign.statusCode).toBe(404);
    expect(await countersOf(org.org.id)).toEqual(counters);
  });

  it.each([
    [{ limit: {}, per: "agent-day" }, "policies[0].budget.limit"],
    [{ limit: { tokens: 0 }, per: "agent-day" }, "policies[0].budget.limit.tokens"],
    [{ limit: { usd: -1 }, per: "agent-day" }, "policies[0].budget.limit.usd"],
    [{ limit: { tokens: 10 }, per: "weekly" }, "policies[0].budget.per"],
    [{ limit: { tokens: 10 }, per: "pot:Bad Name" }, "policies[0].budget.per"],
    [{ limit: { tokens: 10 }, per: "run", atLimit: "allow" }, "policies[0].budget.atLimit"],
    [{ limit: { tokens: 10 }, per: "run", models: [] }, "policies[0].budget.models"],
    [{ limit: { tokens: 10 }, per: "run", extra: 1 }, "policies[0].budget"],
  ])("a policy budget %j is refused naming %s", async (budget, path) => {
    const answer = await call(app, "PUT", "/v1/admin/policies", { key: org.adminKey.apiKey, body: { policies: [{ name: "x", actions: ["llm.*"], effect: "allow", budget }] } });
    expect(answer.statusCode, answer.body).toBe(400);
    expect(answer.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it.each([
    [{ priceOverrides: [{ model: "gpt-4o", input: -1, output: 1 }] }, "spend.priceOverrides[0].input"],
    [
      {
        priceOverrides: [
          { model: "gpt-4o", input: 1, output: 1 },
          { model: "GPT-4o", input: 2, output: 2 },
        ],
      },
      "spend.priceOverrides[1].model",
    ],
    [{ priceOverrides: [{ model: "bad model", input: 1, output: 1 }] }, "spend.priceOverrides[0].model"],
    [{ priceOverrides: Array.from({ length: 201 }, (_, i) => ({ model: `m${i}`, input: 1, output: 1 })) }, "spend.priceOverrides"],
    [{ reservationSeconds: 5 }, "spend.reservationSeconds"],
  ])("settings spend %# is refused naming %s", async (spend, path) => {
    const answer = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { spend } });
    expect(answer.statusCode, answer.body).toBe(400);
    expect(answer.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
  });
});

describe("decisions and outcomes in one batch (issue 64)", () => {
  it("reserve and settle on the same counters and run in the batch's one statement, and the counters equal the log", async () => {
    const org = await orgWith("budget-mixed", [{ name: "daily", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 10_000_000 }, per: "agent-day" } }]);
    const usage = { model: "gpt-4o", inputTokens: 120, outputTokens: 30 };
    const first = await Promise.all(Array.from({ length: 8 }, () => execute(org, { actionType: "llm.call", spend: LLM, runId: "mixed" })));
    let pending = first.map((r) => r.json().auditEventId as string);
    // Every statement sent while decisions reserve and outcomes settle concurrently, over rounds until a batch held both.
    const pgClient = (await import("pg")).default.Client.prototype;
    const original = pgClient.query;
    const statements: string[] = [];
    pgClient.query = function (this: unknown, ...args: unknown[]) {
      const config = args[0] as string | { text?: string } | undefined;
      statements.push(typeof config === "string" ? config : (config?.text ?? ""));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    const mixed = () => statements.filter((t) => t.startsWith("WITH entries AS") && t.includes("actions AS (") && t.includes("outcomes AS ("));
    try {
      for (let round = 0; round < 20 && mixed().length === 0; round += 1) {
        const [decided, reported] = await Promise.all([
          Promise.all(Array.from({ length: 8 }, () => execute(org, { actionType: "llm.call", spend: LLM, runId: "mixed" }))),
          Promise.all(pending.map((id) => report(org, id, { usage }))),
        ]);
        expect(reported.map((r) => r.statusCode)).toEqual(pending.map(() => 200));
        pending = decided.map((r) => r.json().auditEventId as string);
      }
    } finally {
      pgClient.query = original;
    }
    expect(mixed().length).toBeGreaterThan(0);
    // No batch sends its outcomes a statement of their own.
    expect(statements.filter((t) => /^WITH outcomes AS/.test(t))).toEqual([]);
    await expectLedgerMatchesLog(org.org.id);
    // The run's spend is the sum of its settled outcomes' spend.
    const entries = await entriesOf(org.org.id);
    const spent = entries.filter((e) => e.type === "action.outcome").reduce((sum, e) => sum + (e.data.spend?.tokens ?? 0), 0);
    const run = await db().pool.query<{ t: number }>(`SELECT spent_tokens::float8 AS t FROM runs WHERE org_id = $1`, [org.org.id]);
    expect(run.rows).toEqual([{ t: spent }]);
  });
});
