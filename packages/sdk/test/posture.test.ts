import { describe, expect, expectTypeOf, it } from "vitest";
import { GatehouseError } from "../src/errors.ts";
import type { Coverage, Posture, PostureFinding } from "../src/types.ts";
import { ADMIN_KEY, API_KEY, adminClient, apiError, client, json } from "./helpers.ts";

const empty = { score: 25, max: 25, findings: [] };
const finding: PostureFinding = {
  id: "identity.sso_not_required",
  severity: "low",
  points: 1,
  message: "Members may sign in to the console without single sign-on.",
  fix: "Set up single sign-on and turn on 'SSO required' in the org's sign-in settings.",
  href: "/settings",
};
const posture: Posture = {
  score: 99,
  components: { policyCoverage: empty, humanOversight: empty, identityAccess: { score: 24, max: 25, findings: [finding] }, auditIntegrity: empty },
  windowDays: 30,
  computedAt: "2026-11-22T18:00:00.000Z",
  retention: {
    rule: "Values are kept for the life of the organization; only an owner's erasure removes them.",
    settings: { decisions: 0, outcomes: 0, postconditions: 0, evidence: 0, personalData: 0, secrets: 0, entries: 0 },
    lastSweepAt: null,
    sweeps: 0,
    entriesSwept: 0,
  },
};

describe("posture()", () => {
  it("an agent's client GETs /v1/posture with its key and returns the score, typed", async () => {
    const { gatehouse, calls } = client([json(200, posture)]);
    const answer = await gatehouse.posture();
    expectTypeOf(answer).toEqualTypeOf<Posture>();
    expect(answer).toEqual(posture);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual(["GET", "http://localhost:4000/v1/posture", `Bearer ${API_KEY}`]);
  });

  it("an admin client GETs /v1/posture with the admin key", async () => {
    const { admin, calls } = adminClient([json(200, posture)]);
    await expect(admin.posture()).resolves.toEqual(posture);
    expect([calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual(["http://localhost:4000/v1/posture", `Bearer ${ADMIN_KEY}`]);
  });

  it("rejects with the API's error", async () => {
    const { gatehouse } = client([apiError(403, "FORBIDDEN")]);
    await expect(gatehouse.posture()).rejects.toBeInstanceOf(GatehouseError);
  });
});

const coverage: Coverage = {
  windowDays: 30,
  since: "2026-10-29T00:00:00.000Z",
  agents: [
    {
      agentId: "agt_1",
      agentName: "py-bot",
      integrations: [{ name: "python", label: "Python SDK", role: "client", version: "0.1.0", lastSeenAt: "2026-11-27T03:00:00.000Z" }],
      modelCalls: { wrapped: { count: 0, lastSeenAt: null }, declared: { count: 4, lastSeenAt: "2026-11-27T03:00:00.000Z" } },
      toolCalls: { adapter: { count: 0, lastSeenAt: null }, direct: { count: 1, lastSeenAt: "2026-11-27T02:00:00.000Z" } },
      bypassesWrappers: true,
    },
  ],
};

describe("admin.coverage()", () => {
  it("GETs /v1/coverage with the admin key and returns each agent's coverage, typed", async () => {
    const { admin, calls } = adminClient([json(200, coverage)]);
    const answer = await admin.coverage();
    expectTypeOf(answer).toEqualTypeOf<Coverage>();
    expect(answer).toEqual(coverage);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual(["GET", "http://localhost:4000/v1/coverage", `Bearer ${ADMIN_KEY}`]);
  });

  it("rejects with the API's error", async () => {
    const { admin } = adminClient([apiError(403, "FORBIDDEN")]);
    await expect(admin.coverage()).rejects.toBeInstanceOf(GatehouseError);
  });
});
