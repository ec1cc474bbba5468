import { MODEL_PRICES } from "@gatehouse/core";
import { metricsRegistry, updateOrgSettings } from "@gatehouse/db";
import { createTestOrg, parsePrometheusText, type PromExposition, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

// Labels from a closed set (issue 62, point 8; docs/metrics.md). An agent names models itself — `spend.model` on
// execute, `usage.model` on its outcome, the model of a wrapped client's call (action `llm.<provider>.<model>`) — and
// every name it invents must not become a series of the API's /metrics: the registry would grow without bound in
// every API process. The attacker's agent sends N made-up names, twice over: in an org that prices every model (an
// override for `*`, so each name is "priced"), and as spellings of a model the built-in table prices (`x7/gpt-4o`).
// /metrics then holds the table's models and `other`, whatever N is, and none of the names.

const N = 40;
/** The closed set: the built-in price table's models, and `other`. */
const CLOSED_SET = new Set([...MODEL_PRICES.map((p) => p.model), "other"]);
const RUN = Math.random().toString(36).slice(2, 8);

let app: FastifyInstance;
let pricedEverything: TestOrg;
let tableOnly: TestOrg;

beforeAll(async () => {
  app = await startApp();
  const policies = [{ name: "all", actions: ["*"], effect: "allow" }];
  [pricedEverything, tableOnly] = await Promise.all([createTestOrg({ label: "labels-star", policies }), createTestOrg({ label: "labels-table", policies })]);
  await updateOrgSettings({
    ctx: pricedEverything.ctx,
    input: { spend: { priceOverrides: [{ model: "*", input: 1, output: 2 }] }, loops: { enabled: false } },
  });
  await updateOrgSettings({ ctx: tableOnly.ctx, input: { loops: { enabled: false } } });
}, 60_000);

afterAll(async () => {
  await stopApp(app);
});

/** What the API process serves at /metrics now. */
async function scrape(): Promise<{ text: string; exposition: PromExposition }> {
  const text = await metricsRegistry("api").metrics();
  return { text, exposition: parsePrometheusText(text) };
}

const modelLabels = (exposition: PromExposition, metric: string) => new Set(exposition.samples.filter((s) => s.name === metric).map((s) => s.labels.model as string));

/** A model call as a wrapped client reports it: decided with its declared spend, then its usage as the outcome. */
async function modelCall(org: TestOrg, model: string, usageModel: string): Promise<void> {
  const decided = await call(app, "POST", "/v1/actions", {
    key: org.agent.apiKey,
    body: { actionType: `llm.openai.${model.toLowerCase().replace(/[^a-z0-9._:-]/g, "-")}`, spend: { model, inputTokens: 10, maxOutputTokens: 10 } },
  });
  expect(decided.statusCode, decided.body).toBe(200);
  const { status, auditEventId } = decided.json() as { status: string; auditEventId: string };
  expect(status).toBe("executed");
  const reported = await call(app, "POST", `/v1/actions/${auditEventId}/outcome`, {
    key: org.agent.apiKey,
    body: { status: "success", usage: { model: usageModel, inputTokens: 10, outputTokens: 5 } },
  });
  expect(reported.statusCode, reported.body).toBe(200);
}

describe("model names an agent invents", () => {
  it.each([
    ["made-up names in an org that prices every model", () => pricedEverything, (i: number) => `made-up-${RUN}-${i}`, "other"],
    ["spellings of a model the table prices", () => tableOnly, (i: number) => `x${RUN}${i}/GPT-4o`, "gpt-4o"],
  ])(
    "%s: /metrics keeps a closed set of model labels, and none of the names",
    async (_what, org, name, label) => {
      const names = Array.from({ length: N }, (_, i) => name(i));
      const before = await scrape();
      const tokensBefore = modelLabels(before.exposition, "gatehouse_spend_tokens_total");
      // Each name declared on execute, and another reported as the outcome's usage.
      for (const [i, model] of names.entries()) await modelCall(org(), model, i % 2 === 0 ? model : `${model}-usage`);
      const { text, exposition } = await scrape();
      for (const metric of ["gatehouse_spend_tokens_total", "gatehouse_spend_usd_total"]) {
        const labels = modelLabels(exposition, metric);
        expect(
          [...labels].filter((l) => !CLOSED_SET.has(l)),
          metric,
        ).toEqual([]);
      }
      const grown = [...modelLabels(exposition, "gatehouse_spend_tokens_total")].filter((l) => !tokensBefore.has(l));
      expect(grown.length).toBeLessThanOrEqual(1);
      expect(modelLabels(exposition, "gatehouse_spend_tokens_total").has(label)).toBe(true);
      expect(names.filter((n) => text.includes(n.slice(0, 12)))).toEqual([]);
      expect(text.includes(RUN)).toBe(false);
    },
    120_000,
  );
});
