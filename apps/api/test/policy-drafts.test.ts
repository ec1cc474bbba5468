import { parsePolicySource } from "@gatehouse/core";
import { applyPublishRequest, db } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, peek, startApp, stopApp } from "./helpers";

// Drafts, publishing, versions and the two-admin rule, through the API as the console and the SDK use them.

let app: FastifyInstance;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

const as = (key: string) => (method: Parameters<typeof call>[1], url: string, body?: unknown) => call(app, method, url, { key, ...(body === undefined ? {} : { body }) });

const DRAFT = "/v1/admin/policies/draft";

/** ALLOW_ALL_PR plus a deny of `repo.force_push`, with a test that holds it, as YAML. */
const WITH_FORCE_PUSH_DENY = `policies:
  - { name: allow-pr, actions: [pr.*], effect: allow }
  - name: review-merges
    actions: [pr.merge]
    effect: require_approval
    approval: { quorum: 1, timeoutSeconds: 600 }
  - { name: no-deletes, actions: ["*.delete"], effect: deny }
  - { name: no-force-push, actions: [repo.force_push], effect: deny }
tests:
  - name: force pushes are refused
    request: { actionType: repo.force_push }
    expect: { effect: deny, policy: no-force-push }
`;

async function activeNames(orgId: string): Promise<string[]> {
  const rows = await db().policy.findMany({ where: { orgId, status: "active" }, select: { name: true }, orderBy: { name: "asc" } });
  return rows.map((r) => r.name);
}

describe("drafts", () => {
  let org: TestOrg;
  let owner: ReturnType<typeof as>;
  beforeAll(async () => {
    org = await createTestOrg({ label: "drafts", policies: ALLOW_ALL_PR });
    owner = as(org.adminKey.apiKey);
  });

  it("without a draft, answers the active set as YAML at revision 0, which parses back to the same set", async () => {
    const response = await owner("GET", DRAFT);
    expect(response.statusCode).toBe(200);
    const draft = response.json();
    expect(draft).toMatchObject({ format: "yaml", revision: 0, updatedAt: null, updatedBy: null });
    const parsed = parsePolicySource(draft.source, "yaml");
    expect(parsed.ok && parsed.set.map((p) => p.name).sort()).toEqual(["allow-pr", "no-deletes", "review-merges"]);
  });

  it("saves with a revision check: a stale revision is a 409 naming revision, and nothing is overwritten", async () => {
    const first = await owner("PUT", DRAFT, { source: "policies: []\n", format: "yaml", revision: 0 });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ revision: 1, source: "policies: []\n", updatedBy: { id: org.owner.membershipId, email: org.owner.email } });

    const stale = await owner("PUT", DRAFT, { source: "policies: [oops]\n", format: "yaml", revision: 0 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.details.issues[0].path).toBe("revision");
    expect((await owner("GET", DRAFT)).json()).toMatchObject({ revision: 1, source: "policies: []\n" });

    const second = await owner("PUT", DRAFT, { source: '{"policies": []}', format: "json", revision: 1 });
    expect(second.json()).toMatchObject({ revision: 2, format: "json" });
  });

  it("refuses a source over 1 MB (400 naming source) and a bad format, writing nothing", async () => {
    const before = (await owner("GET", DRAFT)).json();
    const big = await owner("PUT", DRAFT, { source: `# ${"x".repeat(1024 * 1024)}\n`, format: "yaml", revision: before.revision });
    expect(big.statusCode).toBe(400);
    expect(big.json().error.details.issues[0].path).toBe("source");
    const format = await owner("PUT", DRAFT, { source: "policies: []", format: "toml", revision: before.revision });
    expect(format.statusCode).toBe(400);
    expect(format.json().error.details.issues[0].path).toBe("format");
    expect((await owner("GET", DRAFT)).json()).toEqual(before);
  });

  it("discards: the editor is back at the active set", async () => {
    const response = await owner("DELETE", DRAFT);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ revision: 0 });
    expect(await db().policyDraft.findUnique({ where: { orgId: org.org.id } })).toBeNull();
  });

  it("a publish with an error answers 400 with the issue's path and line, and nothing goes live", async () => {
    const source = WITH_FORCE_PUSH_DENY.replace("effect: deny }\ntests", "effect: forbid }\ntests");
    const saved = (await owner("PUT", DRAFT, { source, format: "yaml", revision: 0 })).json();
    const response = await owner("POST", `${DRAFT}/publish`, { revision: saved.revision });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues).toEqual([expect.objectContaining({ path: "policies[3].effect", line: 8 })]);
    expect(await activeNames(org.org.id)).toEqual(["allow-pr", "no-deletes", "review-merges"]);
    await owner("DELETE", DRAFT);
  });

  it("a set whose test fails cannot be published: 400 naming tests[0] at its line", async () => {
    const source = WITH_FORCE_PUSH_DENY.replace("effect: deny, policy: no-force-push", "effect: allow");
    const saved = (await owner("PUT", DRAFT, { source, format: "yaml", revision: 0 })).json();
    const response = await owner("POST", `${DRAFT}/publish`, { revision: saved.revision });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues).toEqual([expect.objectContaining({ path: "tests[0]", line: 10 })]);
    expect(await activeNames(org.org.id)).not.toContain("no-force-push");
    await owner("DELETE", DRAFT);
  });

  it("publishes: the diff, the new policy live with its audit entry, the draft gone, and a stale revision refused", async () => {
    const saved = (await owner("PUT", DRAFT, { source: WITH_FORCE_PUSH_DENY, format: "yaml", revision: 0 })).json();
    const stale = await owner("POST", `${DRAFT}/publish`, { revision: saved.revision + 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.details.issues[0].path).toBe("revision");

    const response = await owner("POST", `${DRAFT}/publish`, { revision: saved.revision });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: "published", diff: { created: [{ name: "no-force-push", version: 1 }], updated: [], archived: [] } });
    expect(await activeNames(org.org.id)).toContain("no-force-push");
    expect((await owner("GET", DRAFT)).json().revision).toBe(0);
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "policy.version_published" }, select: { canonical: true } });
    expect(entries.some((e) => e.canonical.includes('"name":"no-force-push"'))).toBe(true);

    const agent = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "repo.force_push" } });
    expect(agent.json()).toMatchObject({ status: "denied", policyName: "no-force-push" });

    // Streamed as policy.changed to the org's members (replayed from the log).
    const stream = await peek(app, "/v1/events?types=policy.changed&lastEventId=0", { key: org.adminKey.apiKey, forMs: 1000 });
    const events = [...stream.text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] as string) as Record<string, unknown>);
    expect(events).toContainEqual(expect.objectContaining({ type: "policy.changed", policyName: "no-force-push", version: 1, change: "published" }));
  });
});

describe("versions", () => {
  it("lists a policy's versions newest first with who published each; an unknown or another org's name is a 404", async () => {
    const org = await createTestOrg({ label: "versions", policies: ALLOW_ALL_PR });
    const other = await createTestOrg({ label: "versions-other", policies: [{ name: "theirs-only", actions: ["x.y"], effect: "allow" }] });
    const owner = as(org.adminKey.apiKey);
    const changed = ALLOW_ALL_PR.map((p) => (p.name === "allow-pr" ? { ...p, description: "pull requests" } : p));
    expect((await owner("PUT", "/v1/admin/policies", { policies: changed })).statusCode).toBe(200);

    const response = await owner("GET", "/v1/admin/policies/allow-pr/versions");
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ name: "allow-pr", status: "active" });
    expect(body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(body.versions[0].document).toMatchObject({ description: "pull requests" });
    expect(body.versions[0].createdBy).toEqual({ type: "adminKey", id: org.adminKey.id, label: org.owner.email });
    expect(body.versions[1].createdBy).toMatchObject({ type: "system" });

    expect((await owner("GET", "/v1/admin/policies/theirs-only/versions")).statusCode).toBe(404);
    expect((await owner("GET", "/v1/admin/policies/never-was/versions")).statusCode).toBe(404);
    expect((await as(other.adminKey.apiKey)("GET", "/v1/admin/policies/theirs-only/versions")).statusCode).toBe(200);
  });
});

describe("the two-admin rule", () => {
  let org: TestOrg;
  let owner: ReturnType<typeof as>;
  let admin: TestMember;
  beforeAll(async () => {
    org = await createTestOrg({ label: "two-admins", policies: ALLOW_ALL_PR });
    owner = as(org.adminKey.apiKey);
    admin = await addTestMember(org, "admin");
    const settings = await owner("PATCH", "/v1/admin/settings", { policies: { requireSecondApproval: true } });
    expect(settings.statusCode, settings.body).toBe(200);
  });

  async function publishDraft(source = WITH_FORCE_PUSH_DENY): Promise<string> {
    const current = (await owner("GET", DRAFT)).json();
    const saved = (await owner("PUT", DRAFT, { source, format: "yaml", revision: current.revision })).json();
    const response = await owner("POST", `${DRAFT}/publish`, { revision: saved.revision });
    expect(response.statusCode, response.body).toBe(202);
    const body = response.json();
    expect(body).toEqual({ status: "pending_approval", approvalId: expect.stringMatching(/^apr_/) });
    return body.approvalId;
  }

  it("blocks a single admin: the set is not live and their own approval is refused; a second admin's approval makes it live", async () => {
    const approvalId = await publishDraft();
    expect(await activeNames(org.org.id)).not.toContain("no-force-push");
    // A retried publish of the same set answers the same approval.
    expect((await owner("POST", `${DRAFT}/publish`, { revision: (await owner("GET", DRAFT)).json().revision })).json()).toEqual({ status: "pending_approval", approvalId });

    // Nor can the set go live alone around the draft.
    const put = await owner("PUT", "/v1/admin/policies", { policies: [...ALLOW_ALL_PR, { name: "no-force-push", actions: ["repo.force_push"], effect: "deny" }] });
    expect(put.statusCode).toBe(409);
    expect(put.json().error.details.reason).toBe("SECOND_APPROVAL_REQUIRED");
    expect(await activeNames(org.org.id)).not.toContain("no-force-push");

    // The approval belongs to the org's gatehouse-policies agent, its action summarising the change.
    const approval = (await owner("GET", `/v1/admin/approvals/${approvalId}`)).json();
    expect(approval).toMatchObject({ status: "pending", actionType: "gatehouse.policies.publish", agentName: "gatehouse-policies" });

    const own = await owner("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "approve" });
    expect(own.statusCode).toBe(403);
    expect(await activeNames(org.org.id)).not.toContain("no-force-push");

    const second = await as(admin.apiKey)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "approve" });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().status).toBe("approved");
    expect(await activeNames(org.org.id)).toContain("no-force-push");
    expect((await owner("GET", DRAFT)).json().revision).toBe(0);

    // Published by the approving admin, and recorded as applied once.
    const versions = (await owner("GET", "/v1/admin/policies/no-force-push/versions")).json();
    expect(versions.versions[0].createdBy).toMatchObject({ type: "adminKey", label: admin.email });
    const requests = await db().policyPublishRequest.findMany({ where: { orgId: org.org.id }, select: { approvalId: true, appliedAt: true } });
    expect(requests).toEqual([{ approvalId, appliedAt: expect.any(Date) }]);
    // Running the approval's hook again applies nothing twice.
    const actionId = (await db().approval.findUniqueOrThrow({ where: { id: approvalId } })).actionId;
    const entriesBefore = await db().auditEntry.count({ where: { orgId: org.org.id } });
    await applyPublishRequest(org.ctx, { approvalId, actionId, actionType: "gatehouse.policies.publish" });
    expect(await db().auditEntry.count({ where: { orgId: org.org.id } })).toBe(entriesBefore);
  });

  it("a denied publish is never applied", async () => {
    // A set that would archive no-deletes.
    const approvalId = await publishDraft(WITH_FORCE_PUSH_DENY.replace('  - { name: no-deletes, actions: ["*.delete"], effect: deny }\n', ""));
    const denied = await as(admin.apiKey)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "deny" });
    expect(denied.json().status).toBe("denied");
    expect(await activeNames(org.org.id)).toContain("no-deletes");
    const request = await db().policyPublishRequest.findUnique({ where: { approvalId }, select: { appliedAt: true } });
    expect(request?.appliedAt).toBeNull();
  });
});
