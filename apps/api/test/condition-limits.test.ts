import { db } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

// A `matches` condition past the decision's match budget (docs/policies.md, Limits) fails closed on
// both decision routes: whatever the guard's effect, a value too long to match is denied with
// CONDITION_LIMIT by the guard, and execute's audit entry says so. Before the budget, each of these
// matched the whole 60,000 characters (the guard's pattern at 293 instructions: most of a second).

let app: FastifyInstance;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

const PATTERN = "(?i)[a-z0-9]{200}[a-z]{90}";
const LONG = "a".repeat(60_000);
const matches = { field: "metadata.command", op: "matches", value: PATTERN };

/** [name, policies, the decision on a short value that does not match] */
const GUARDS: Array<[string, Array<Record<string, unknown>>, { status: string; denialReason?: string }]> = [
  [
    "deny when it matches, beside an allow-all",
    [
      { name: "all", actions: ["*"], effect: "allow" },
      { name: "guard", actions: ["*"], effect: "deny", when: matches },
    ],
    { status: "executed" },
  ],
  [
    "require_approval when it matches, beside an allow-all",
    [
      { name: "all", actions: ["*"], effect: "allow" },
      { name: "guard", actions: ["*"], effect: "require_approval", when: matches },
    ],
    { status: "executed" },
  ],
  ["allow only when it does not match", [{ name: "guard", actions: ["*"], effect: "allow", when: { not: matches } }], { status: "executed" }],
  ["allow only when it matches", [{ name: "guard", actions: ["*"], effect: "allow", when: matches }], { status: "denied", denialReason: "NO_POLICY" }],
];

describe.each(GUARDS)("%s", (_name, policies, short) => {
  it("execute and canI: a 60,000-character value is denied CONDITION_LIMIT by the guard, recorded in the audit entry; a short one decides as written", async () => {
    const org = await createTestOrg({ label: "cond-limit", policies });
    const key = org.agent.apiKey;
    const body = { actionType: "shell.run", metadata: { command: LONG } };

    const checked = (await call(app, "POST", "/v1/actions/check", { key, body })).json();
    expect(checked).toMatchObject({ status: "denied", allowed: false, denialReason: "CONDITION_LIMIT", policyName: "guard" });

    const executed = await call(app, "POST", "/v1/actions", { key, body });
    expect(executed.statusCode, executed.body).toBe(200);
    const result = executed.json();
    expect(result).toMatchObject({ status: "denied", denialReason: "CONDITION_LIMIT", policyName: "guard" });
    expect(result.message).toMatch(/match budget/);
    expect(result.conditionsEvaluated.at(-1)).toEqual({ field: "metadata.command", operator: "matches", expected: PATTERN, result: false, policy: "guard" });
    const entry = await db().auditEntry.findUniqueOrThrow({ where: { id: result.auditEventId } });
    expect(JSON.parse(entry.canonical).data).toMatchObject({ status: "denied", denialReason: "CONDITION_LIMIT", policy: { name: "guard" } });

    const fine = (await call(app, "POST", "/v1/actions", { key, body: { actionType: "shell.run", metadata: { command: "ls" } } })).json();
    expect(fine).toMatchObject(short);
  });
});
