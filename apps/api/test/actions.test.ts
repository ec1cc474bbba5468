import { chainHash, GENESIS_CHAIN_HASH, leafHash, openEntry, type StoredFields } from "@gatehouse/core";
import { db, revokeApiKey } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp, writesOf } from "./helpers";

let app: FastifyInstance;
let org: TestOrg;

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "actions", policies: ALLOW_ALL_PR });
});
afterAll(async () => {
  await stopApp(app);
});

describe("POST /v1/actions decides by policy", () => {
  it.each([
    { actionType: "pr.open", status: "executed", policyName: "allow-pr" },
    { actionType: "pr.merge", status: "requested", policyName: "review-merges" },
    { actionType: "repo.delete", status: "denied", policyName: "no-deletes", denialReason: "CONDITIONS_DENIED" },
    { actionType: "email.send", status: "denied", denialReason: "NO_POLICY" },
  ])("$actionType → $status", async ({ actionType, status, policyName, denialReason }) => {
    const response = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType } });
    expect(response.statusCode).toBe(200);
    const result = response.json();
    expect(result.status).toBe(status);
    expect(result.auditEventId).toMatch(/^aud_/);
    expect(result.policyName).toBe(policyName);
    expect(result.denialReason).toBe(denialReason);
    expect(result.conditionsEvaluated).toEqual([]);
  });

  it("opens a pending approval with its timeout for require_approval", async () => {
    const result = (await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.merge" } })).json();
    expect(result.approvalId).toMatch(/^apr_/);
    const approval = await db().approval.findUniqueOrThrow({ where: { id: result.approvalId } });
    expect(approval.status).toBe("pending");
    expect(approval.expiresAt.toISOString()).toBe(result.timeoutAt);
  });

  it("writes the action and its audit entry, and the entry names the decision", async () => {
    const result = (await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open", metadata: { repo: "web" } } })).json();
    const entry = await db().auditEntry.findUniqueOrThrow({ where: { id: result.auditEventId } });
    expect(entry.type).toBe("action.decided");
    expect(entry.agentId).toBe(org.agent.id);
    // The second format: the metadata is committed to in the hashed text, and kept beside it (docs/adr/0023-erasure.md).
    expect(JSON.parse(entry.canonical)).toMatchObject({ v: 2, sealed: { metadata: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const data = openEntry(entry.canonical, entry.fields as StoredFields).data;
    expect(data).toMatchObject({ actionType: "pr.open", status: "executed", metadata: { repo: "web" }, agentName: org.agent.name });
    const action = await db().action.findUniqueOrThrow({ where: { auditEntryId: entry.id } });
    expect(action.result).toEqual(result);
  });

  it("answers a repeated eventId with the original result and no new entry", async () => {
    const body = { actionType: "pr.open", eventId: "evt-repeat-1" };
    const first = (await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body })).json();
    const before = await writesOf(org.org.id);
    const second = (await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body })).json();
    expect(second).toEqual(first);
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it("refuses the same eventId with a different request (409)", async () => {
    await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open", eventId: "evt-conflict" } });
    const response = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.comment", eventId: "evt-conflict" } });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe("CONFLICT");
  });

  it("records 200 concurrent decisions as 200 consecutive, chained entries", async () => {
    const own = await createTestOrg({ label: "burst", policies: ALLOW_ALL_PR });
    const start = await writesOf(own.org.id);
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => call(app, "POST", "/v1/actions", { key: own.agent.apiKey, body: { actionType: "pr.open", metadata: { i } } })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(200).fill(200));
    const entries = await db().auditEntry.findMany({ where: { orgId: own.org.id }, orderBy: { seq: "asc" } });
    expect(entries).toHaveLength(start.auditSize + 200);
    let previous = GENESIS_CHAIN_HASH;
    entries.forEach((entry, index) => {
      expect(Number(entry.seq)).toBe(index);
      expect(entry.leafHash).toBe(leafHash(entry.canonical));
      expect(entry.chainHash).toBe(chainHash(previous, entry.leafHash));
      previous = entry.chainHash;
    });
    const ids = new Set(responses.map((r) => r.json().auditEventId));
    expect(ids.size).toBe(200);
    const head = await db().auditLogHead.findUniqueOrThrow({ where: { orgId: own.org.id } });
    expect(head.chainHash).toBe(previous);
  });
});

describe("bad input answers 4xx with the error envelope and writes nothing", () => {
  const big = JSON.stringify({ actionType: "pr.open", metadata: { blob: "x".repeat(70 * 1024) } });
  it.each([
    { name: "malformed JSON", rawBody: '{"actionType":', status: 400, code: "VALIDATION" },
    { name: "a JSON array body", rawBody: "[]", status: 400, code: "VALIDATION" },
    { name: "missing actionType", body: { metadata: {} }, status: 400, code: "VALIDATION", path: "actionType" },
    { name: "malformed actionType", body: { actionType: "Pr Open" }, status: 400, code: "VALIDATION", path: "actionType" },
    { name: "too long actionType", body: { actionType: `a${"b".repeat(128)}` }, status: 400, code: "VALIDATION", path: "actionType" },
    { name: "unknown field", body: { actionType: "pr.open", acton: 1 }, status: 400, code: "VALIDATION" },
    { name: "bad dataAccessed", body: { actionType: "pr.open", dataAccessed: [{ count: 1 }] }, status: 400, code: "VALIDATION", path: "dataAccessed[0].type" },
    { name: "a body over 64 KB", rawBody: big, status: 413, code: "PAYLOAD_TOO_LARGE" },
    { name: "a non-JSON content type", rawBody: "actionType=pr.open", headers: { "content-type": "text/plain" }, status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  ])("$name → $status", async ({ body, rawBody, headers, status, code, path }) => {
    const before = await writesOf(org.org.id);
    const response = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body, rawBody, headers });
    expect(response.statusCode).toBe(status);
    const envelope = response.json();
    expect(envelope.error.code).toBe(code);
    expect(envelope.error.requestId).toBe(response.headers["x-request-id"]);
    if (path) expect(envelope.error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await writesOf(org.org.id)).toEqual(before);
  });
});

describe("agent keys", () => {
  it.each([
    { name: "no key", headers: {} as Record<string, string> },
    { name: "a malformed key", headers: { authorization: "Bearer not-a-key" } },
    { name: "an unknown key", headers: { authorization: `Bearer gh_agent_${"A".repeat(32)}` } },
    { name: "a non-Bearer scheme", headers: { authorization: "Basic Zm9vOmJhcg==" } },
  ])("$name → 401 and nothing written", async ({ headers }) => {
    const before = await writesOf(org.org.id);
    const response = await call(app, "POST", "/v1/actions", { body: { actionType: "pr.open" }, headers });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe("UNAUTHENTICATED");
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it("a revoked key is refused at once by the process that revoked it", async () => {
    const own = await createTestOrg({ label: "revoke", policies: ALLOW_ALL_PR });
    expect((await call(app, "POST", "/v1/actions", { key: own.agent.apiKey, body: { actionType: "pr.open" } })).statusCode).toBe(200);
    await revokeApiKey({ ctx: own.ctx, input: { keyId: own.agent.keyId } });
    const before = await writesOf(own.org.id);
    const response = await call(app, "POST", "/v1/actions", { key: own.agent.apiKey, body: { actionType: "pr.open" } });
    expect(response.statusCode).toBe(401);
    expect(await writesOf(own.org.id)).toEqual(before);
  });

  it("an admin key cannot act as an agent (403)", async () => {
    const response = await call(app, "POST", "/v1/actions", { key: org.adminKey.apiKey, body: { actionType: "pr.open" } });
    expect(response.statusCode).toBe(403);
  });

  it("GET /v1/whoami names the org, agent and key without the secret", async () => {
    const response = await call(app, "GET", "/v1/whoami", { key: org.agent.apiKey });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.org).toEqual(org.org);
    expect(body.agent).toMatchObject({ id: org.agent.id, name: org.agent.name, status: "active", labels: { team: "test" } });
    expect(body.key.id).toBe(org.agent.keyId);
    expect(JSON.stringify(body)).not.toContain(org.agent.apiKey);
  });
});
