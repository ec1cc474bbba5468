import { describe, expect, expectTypeOf, it } from "vitest";
import { BadRequestError, ConflictError } from "../src/errors.ts";
import type { PolicyDraft, PolicyPublishOutcome, PolicyVersionList } from "../src/types.ts";
import { adminClient, apiError, json } from "./helpers.ts";

const draft: PolicyDraft = {
  source: "policies: []\n",
  format: "yaml",
  revision: 3,
  updatedAt: "2026-11-22T18:00:00.000Z",
  updatedBy: { id: "mem_1", email: "ada@example.test" },
};

describe("admin.policies.draft", () => {
  it("get, save, discard and publish call their routes with the bodies the server reads", async () => {
    const published: PolicyPublishOutcome = { status: "published", diff: { dryRun: false, created: [], updated: [], archived: [], unchanged: [] } };
    const { admin, calls } = adminClient([json(200, draft), json(200, { ...draft, revision: 4 }), json(200, { ...draft, revision: 0 }), json(200, published)]);
    await admin.policies.draft.get();
    await admin.policies.draft.save({ source: "policies: []\n", format: "yaml", revision: 3 });
    await admin.policies.draft.discard();
    const outcome = await admin.policies.draft.publish(4);
    expect(calls.map((c) => [c.init.method, c.url, c.body])).toEqual([
      ["GET", "http://localhost:4000/v1/admin/policies/draft", undefined],
      ["PUT", "http://localhost:4000/v1/admin/policies/draft", { source: "policies: []\n", format: "yaml", revision: 3 }],
      ["DELETE", "http://localhost:4000/v1/admin/policies/draft", undefined],
      ["POST", "http://localhost:4000/v1/admin/policies/draft/publish", { revision: 4 }],
    ]);
    expectTypeOf(outcome).toEqualTypeOf<PolicyPublishOutcome>();
    expect(outcome).toEqual(published);
  });

  it("answers a publish waiting for a second admin with its approval id", async () => {
    const { admin } = adminClient([json(202, { status: "pending_approval", approvalId: "apr_1" })]);
    const outcome = await admin.policies.draft.publish(1);
    expect(outcome.status === "pending_approval" && outcome.approvalId).toBe("apr_1");
  });

  it("a stale revision is a ConflictError, a draft that does not parse a BadRequestError (neither retried)", async () => {
    const { admin, calls } = adminClient([apiError(409, "CONFLICT"), apiError(400, "VALIDATION")]);
    await expect(admin.policies.draft.save({ source: "x", format: "json", revision: 1 })).rejects.toBeInstanceOf(ConflictError);
    await expect(admin.policies.draft.publish(2)).rejects.toBeInstanceOf(BadRequestError);
    expect(calls).toHaveLength(2);
  });
});

describe("admin.policies.versions()", () => {
  it("GETs the policy's versions, its name encoded in the path, typed", async () => {
    const list: PolicyVersionList = { name: "no-deletes", status: "active", versions: [] };
    const { admin, calls } = adminClient([json(200, list)]);
    const result = await admin.policies.versions("no-deletes");
    expect([calls[0]?.init.method, calls[0]?.url]).toEqual(["GET", "http://localhost:4000/v1/admin/policies/no-deletes/versions"]);
    expectTypeOf(result).toEqualTypeOf<PolicyVersionList>();
    expect(result).toEqual(list);
  });
});
