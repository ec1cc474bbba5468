import { db } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, writesOf } from "./helpers";

// The org's default approval timeout (settings.approvalTimeoutSeconds): it applies when the policy
// sets no timeoutSeconds; a policy's own value wins.

const POLICIES = [
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1 } },
  { name: "review-deploys", actions: ["deploy.prod"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
];

let app: FastifyInstance;
let org: TestOrg;

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "timeout", policies: POLICIES });
});
afterAll(async () => {
  await stopApp(app);
});

/** Requests approval for `actionType`; answers how long the approval has to live, in seconds (as stored). */
async function approvalLifetime(actionType: string): Promise<number> {
  const response = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType } });
  const result = response.json<{ status: string; approvalId: string; timeoutAt: string }>();
  expect(result.status, response.body).toBe("requested");
  const approval = await db().approval.findUniqueOrThrow({ where: { id: result.approvalId } });
  expect(approval.expiresAt.toISOString()).toBe(result.timeoutAt);
  return (approval.expiresAt.getTime() - approval.createdAt.getTime()) / 1000;
}

describe("the default approval timeout", () => {
  it("is 3600 s until changed; a policy without timeoutSeconds then follows the org's setting, one with it keeps its own", async () => {
    expect((await call(app, "GET", "/v1/admin/settings", { key: org.adminKey.apiKey })).json()).toMatchObject({ approvalTimeoutSeconds: 3600 });
    expect(await approvalLifetime("pr.merge")).toBeCloseTo(3600, -1);

    const changed = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { approvalTimeoutSeconds: 120 } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ approvalTimeoutSeconds: 120, circuitBreaker: { failureThreshold: 10 } });
    expect(await approvalLifetime("pr.merge")).toBeCloseTo(120, -1);
    expect(await approvalLifetime("deploy.prod")).toBeCloseTo(600, -1);

    const entry = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "org.settings_changed" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(entry.canonical)).toMatchObject({
      actor: { type: "adminKey", id: org.adminKey.id, memberId: org.owner.membershipId },
      data: { before: { approvalTimeoutSeconds: 3600 }, after: { approvalTimeoutSeconds: 120 } },
    });
  });

  it("out of bounds (60 s to 7 days) or not a whole number: 400 naming the field, nothing written", async () => {
    const before = await writesOf(org.org.id);
    for (const value of [59, 604_801, 90.5, "3600", null]) {
      const response = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { approvalTimeoutSeconds: value } });
      expect(response.statusCode, `${String(value)}: ${response.body}`).toBe(400);
      expect(response.json<{ error: { message: string } }>().error.message).toContain("approvalTimeoutSeconds");
    }
    expect(await writesOf(org.org.id)).toEqual(before);
    expect((await call(app, "GET", "/v1/admin/settings", { key: org.adminKey.apiKey })).json()).toMatchObject({ approvalTimeoutSeconds: 120 });
  });
});
