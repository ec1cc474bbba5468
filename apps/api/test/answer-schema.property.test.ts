import { openApiDocument } from "@gatehouse/contracts";
import { responseValidator } from "@gatehouse/contracts/testing";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

// An answer never contradicts the log (issue 62): whatever condition the policy schema accepts — every
// documented operator, with and without a value, of every value shape, in nested all/any/not, beside rate
// conditions — canI and execute answer 2xx with a body the OpenAPI document's response schema accepts,
// and execute again with the same eventId answers the same body. Before, `{ op: "exists" }` without a
// value put `expected: undefined` in conditionsEvaluated, the serializer refused it, and execute answered
// 500 after its audit entry was written (and 500 again on every retry); report did the same with a broken
// post-condition of that shape, after the outcome was written.

const check = responseValidator(openApiDocument());
let app: FastifyInstance;
let org: TestOrg;

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "answers" });
  // The generated policies deny often: the agent's circuit breaker must not open and answer CIRCUIT_OPEN before any condition is read.
  const settings = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { circuitBreaker: { failureThreshold: 10_000 } } });
  expect(settings.statusCode, settings.body).toBe(200);
});
afterAll(async () => {
  await stopApp(app);
});

/** The documented operators (docs/architecture.md §3, docs/policies.md). */
const OPERATORS = ["eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "matches", "exists"] as const;
const FIELDS = [
  "actionType",
  "metadata",
  "metadata.x",
  "metadata.y.z",
  "metadata.missing",
  "dataAccessed",
  "dataAccessed.type",
  "dataAccessed.sensitivity",
  "dataAccessed.count",
  "agent.id",
  "agent.name",
  "agent.labels.team",
  "agent.labels.none",
  "delegation.depth",
  "delegation.rootAgent",
  "delegation.chain",
] as const;

const text = fc.constantFrom("", "a", "test-agent", "prod", "x.y", "Ünïcode ✓", "report");
const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -1_000, max: 1_000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), text);
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 2 },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b", "z"), tie("value"), { maxKeys: 3 }),
  ),
})).value;
const number = fc.oneof(fc.integer({ min: -100, max: 100 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
const field = fc.constantFrom(...FIELDS);

/** The value shapes the policy schema accepts for each operator: `exists` takes none or a boolean; the others need one. */
const VALUES: Record<(typeof OPERATORS)[number], fc.Arbitrary<unknown>> = {
  exists: fc.option(fc.boolean(), { nil: undefined }),
  eq: json,
  neq: json,
  contains: json,
  lt: number,
  lte: number,
  gt: number,
  gte: number,
  in: fc.array(json, { maxLength: 4 }),
  not_in: fc.array(json, { maxLength: 4 }),
  matches: fc.constantFrom("", "^a", "prod", "(?i)TEST", "[0-9]+", "x\\.y$"),
};
const comparison = fc
  .constantFrom(...OPERATORS)
  .chain((op) => fc.record({ field, op: fc.constant(op), value: VALUES[op] }))
  .map(({ value, ...rest }) => (value === undefined ? rest : { ...rest, value }));
const rate = fc.record({ rate: fc.record({ over: fc.integer({ min: 0, max: 3 }), windowSeconds: fc.constantFrom(1, 3600), per: fc.constantFrom("agent", "org") }) });

const condition = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    comparison,
    rate,
    fc.record({ all: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie("node") }),
  ),
})).node;

const policy = fc.record({
  effect: fc.constantFrom("allow", "deny", "require_approval"),
  mode: fc.constantFrom("enforce", "monitor"),
  when: fc.option(condition, { nil: undefined }),
});

const metadata = fc.record({ x: json, y: fc.oneof(json, fc.record({ z: json })) }, { requiredKeys: [] });
const dataAccessed = fc.array(
  fc.record(
    { type: fc.constantFrom("customer", "report"), count: fc.nat(50), sensitivity: fc.constantFrom("public", "internal", "confidential", "restricted") },
    { requiredKeys: ["type"] },
  ),
  { maxLength: 2 },
);

/** A first case that evaluates every operator, `exists` without a value and a rate: one policy each, so none is cut short. */
const EVERY_OPERATOR: [Array<{ effect: string; mode: string; when?: unknown }>, Array<{ metadata: Record<string, unknown>; dataAccessed: Array<{ type: string }> }>] = [
  [
    ...OPERATORS.map((op) => ({
      effect: "allow",
      mode: "enforce",
      when: { field: "metadata.x", op, value: op === "exists" ? true : op === "matches" ? "^a" : op === "in" || op === "not_in" ? [1] : 1 },
    })),
    { effect: "deny", mode: "monitor", when: { field: "metadata.missing", op: "exists" } },
    { effect: "require_approval", mode: "enforce", when: { rate: { over: 5, windowSeconds: 60, per: "agent" } } },
  ],
  [{ metadata: { x: 1 }, dataAccessed: [{ type: "report" }] }],
];

describe("every answer the engine can produce is an answer the contract serializes", () => {
  it("canI and execute answer 2xx with a schema-valid body for every accepted condition; a retried eventId answers the same body", async () => {
    let run = 0;
    /** The operators the answers show evaluated, and whether one showed a condition without `expected`. */
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(policy, { minLength: 1, maxLength: 3 }),
        fc.array(fc.record({ metadata, dataAccessed }), { minLength: 1, maxLength: 2 }),
        async (policies, calls) => {
          run += 1;
          const applied = await call(app, "PUT", "/v1/admin/policies", {
            key: org.adminKey.apiKey,
            body: { policies: policies.map((p, i) => ({ name: `p${i}`, actions: ["answer.*"], effect: p.effect, mode: p.mode, ...(p.when ? { when: p.when } : {}) })) },
          });
          expect(applied.statusCode, applied.body).toBe(200);
          for (const [i, facts] of calls.entries()) {
            const body = { actionType: "answer.check", ...facts };
            const asked = await call(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body });
            expect(asked.statusCode, asked.body).toBe(200);
            expect(check({ method: "POST", path: "/v1/actions/check", status: 200, body: asked.json() }), asked.body).toEqual([]);

            const sent = { ...body, eventId: `answer-${run}-${i}` };
            const executed = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: sent });
            expect(executed.statusCode, executed.body).toBe(200);
            expect(check({ method: "POST", path: "/v1/actions", status: 200, body: executed.json() }), executed.body).toEqual([]);
            const retried = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: sent });
            expect(retried.statusCode, retried.body).toBe(200);
            expect(retried.json()).toEqual(executed.json());
            for (const evaluated of executed.json().conditionsEvaluated as Array<{ operator: string; expected?: unknown }>)
              seen.add(evaluated.expected === undefined ? `${evaluated.operator} without a value` : evaluated.operator);
          }
        },
      ),
      { seed: 6203, numRuns: 20, endOnFailure: true, examples: [EVERY_OPERATOR] },
    );
    // Every operator was evaluated on some call (none was cut short before its conditions), `exists` also without a value.
    expect([...seen].sort()).toEqual([...OPERATORS, "exists without a value", "over"].sort());
  }, 120_000);
});

/**
 * [post-condition, the outcome's data]: each breaks, so the answer names the violation with its conditions as
 * evaluated, one of them an `exists` without a value. Before, report answered 500 after the outcome and the
 * violation were recorded.
 */
const BROKEN_AFTER: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
  ["exists without a value, the field absent", { field: "outcome.rows", op: "exists" }, {}],
  ["not exists without a value, the field present", { not: { field: "outcome.rows", op: "exists" } }, { rows: 3 }],
];

describe("the outcome's answer, whose violations carry conditions too", () => {
  it.each(BROKEN_AFTER)("%s: report answers 2xx with a schema-valid body naming the violation", async (_name, postConditions, data) => {
    const applied = await call(app, "PUT", "/v1/admin/policies", {
      key: org.adminKey.apiKey,
      body: { policies: [{ name: "after", actions: ["answer.*"], effect: "allow", postConditions }] },
    });
    expect(applied.statusCode, applied.body).toBe(200);
    const executed = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "answer.report" } });
    expect(executed.json()).toMatchObject({ status: "executed" });
    const path = "/v1/actions/{auditEventId}/outcome";
    const reported = await call(app, "POST", `/v1/actions/${executed.json().auditEventId}/outcome`, { key: org.agent.apiKey, body: { status: "success", data } });
    expect(reported.statusCode, reported.body).toBe(200);
    expect(check({ method: "POST", path, status: 200, body: reported.json() }), reported.body).toEqual([]);
    expect(reported.json().violations).toMatchObject([{ policy: "after" }]);
  });
});
