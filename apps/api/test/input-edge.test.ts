import { createAgent, db, verifyAuditLog } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, peek, startApp, stopApp } from "./helpers";

// Input at the edge: whatever a caller sends — NUL characters or unpaired UTF-16 surrogates in any
// string, key or id, JSON nested 10,000 deep, a query parameter given twice, an id of the wrong
// kind — every route answers 4xx naming the field, never 500, and nothing is written. Unusual but
// valid text (emoji, RTL, combining marks) is stored and hashed exactly as it was sent.

let app: FastifyInstance;
let org: TestOrg;
let approvalId = "";
let executedEntryId = "";
let otherAgentId = "";

/** A 22-character id body, so only the prefix is wrong. */
const BODY22 = "AbCdEfGhIjKlMnOpQrStUv";

/** JSON text nesting `depth` arrays: `[[[…]]]`, 2 bytes a level. */
const deepArrayJson = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

/** Everything a refused request could have changed in the org. */
async function snapshot(orgId: string): Promise<unknown> {
  const {
    rows: [row],
  } = await db().pool.query<{ state: unknown }>(
    `SELECT json_build_object(
       'auditSize', (SELECT size FROM audit_log_heads WHERE org_id = $1),
       'org', (SELECT md5(to_jsonb(o)::text) FROM orgs o WHERE o.id = $1),
       'actions', (SELECT md5(coalesce(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id), '')) FROM actions x WHERE x.org_id = $1),
       'agents', (SELECT md5(coalesce(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id), '')) FROM agents x WHERE x.org_id = $1),
       'keys', (SELECT md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, ',' ORDER BY x.id), '')) FROM api_keys x WHERE x.org_id = $1),
       'policies', (SELECT md5(coalesce(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id), '')) FROM policy_versions x WHERE x.org_id = $1),
       'approvals', (SELECT md5(coalesce(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id), '')) FROM approvals x WHERE x.org_id = $1),
       'votes', (SELECT count(*) FROM approval_votes x WHERE x.org_id = $1)
     ) AS state`,
    [orgId],
  );
  return row?.state;
}

type Key = "agent" | "admin";

interface Case {
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: () => string;
  key: Key;
  /** JSON text sent as is (so it can carry \u0000 and lone-surrogate escapes). */
  rawBody?: string;
  /** The field the 400 names: its issue path starts with this (or the message names it). */
  field: string;
  /** The status when it is not 400 (a wrong-prefix id where a slug would be looked up, …). */
  status?: number;
}

/** A body as JSON text with `\u0000` (NUL) / `\ud800` (a lone high surrogate) escapes where the placeholders are. */
const json = (value: unknown) => JSON.stringify(value).replaceAll("@NUL@", "\\u0000").replaceAll("@LONE@", "\\ud800");

const validAction = { actionType: "pr.open", metadata: { pr: 1 } };

const CASES: Case[] = [
  // ── Decisions: execute and canI ────────────────────────────────────────────────────────────────────
  { name: "execute: NUL in actionType", method: "POST", url: () => "/v1/actions", key: "agent", rawBody: json({ actionType: "pr.@NUL@open" }), field: "actionType" },
  {
    name: "execute: NUL in a metadata value",
    method: "POST",
    url: () => "/v1/actions",
    key: "agent",
    rawBody: json({ ...validAction, metadata: { note: "a@NUL@b" } }),
    field: "metadata.note",
  },
  {
    name: "execute: lone surrogate in a metadata value",
    method: "POST",
    url: () => "/v1/actions",
    key: "agent",
    rawBody: json({ ...validAction, metadata: { note: "x@LONE@" } }),
    field: "metadata.note",
  },
  {
    name: "execute: NUL in a metadata key",
    method: "POST",
    url: () => "/v1/actions",
    key: "agent",
    rawBody: json({ ...validAction, metadata: { "k@NUL@": 1 } }),
    field: "metadata",
  },
  {
    name: "execute: lone surrogate in a metadata key",
    method: "POST",
    url: () => "/v1/actions",
    key: "agent",
    rawBody: json({ ...validAction, metadata: { "@LONE@k": 1 } }),
    field: "metadata",
  },
  {
    name: "execute: NUL in a nested metadata value",
    method: "POST",
    url: () => "/v1/actions",
    key: "agent",
    rawBody: json({ ...validAction, metadata: { a: { b: [1, { c: "@NUL@" }] } } }),
    field: "metadata.a.b[1].c",
  },
  {
    name: "execute: lone surrogate in a nested metadata key",
    method: "POST",
    url: () => "/v1/actions",
    key: "agent",
    rawBody: json({ ...validAction, metadata: { a: { "b@LONE@": true } } }),
    field: "metadata.a",
  },
  {
    name: "execute: metadata nested 10,000 deep",
    method: "POST",
    url: () => "/v1/actions",
    key: "agent",
    rawBody: `{"actionType":"pr.open","metadata":{"x":${deepArrayJson(10_000)}}}`,
    field: "metadata.x",
  },
  {
    name: "execute: metadata nested 40 deep (over the 32 a free value may nest)",
    method: "POST",
    url: () => "/v1/actions",
    key: "agent",
    rawBody: `{"actionType":"pr.open","metadata":{"x":${deepArrayJson(40)}}}`,
    field: "metadata.x",
  },
  {
    name: "execute: lone surrogate in dataAccessed type",
    method: "POST",
    url: () => "/v1/actions",
    key: "agent",
    rawBody: json({ ...validAction, dataAccessed: [{ type: "pii@LONE@" }] }),
    field: "dataAccessed[0].type",
  },
  {
    name: "canI: NUL in a metadata value",
    method: "POST",
    url: () => "/v1/actions/check",
    key: "agent",
    rawBody: json({ ...validAction, metadata: { q: "@NUL@" } }),
    field: "metadata.q",
  },
  {
    name: "canI: metadata nested 10,000 deep",
    method: "POST",
    url: () => "/v1/actions/check",
    key: "agent",
    rawBody: `{"actionType":"pr.open","metadata":{"x":${deepArrayJson(10_000)}}}`,
    field: "metadata.x",
  },

  // ── Outcomes ───────────────────────────────────────────────────────────────────────────────────────
  {
    name: "outcome: NUL in the message",
    method: "POST",
    url: () => `/v1/actions/${executedEntryId}/outcome`,
    key: "agent",
    rawBody: json({ status: "success", message: "ok@NUL@" }),
    field: "message",
  },
  {
    name: "outcome: lone surrogate in the message",
    method: "POST",
    url: () => `/v1/actions/${executedEntryId}/outcome`,
    key: "agent",
    rawBody: json({ status: "success", message: "@LONE@" }),
    field: "message",
  },
  {
    name: "outcome: NUL in the path id",
    method: "POST",
    url: () => `/v1/actions/aud_${BODY22.slice(1)}%00/outcome`,
    key: "agent",
    rawBody: json({ status: "success" }),
    field: "auditEventId",
  },
  { name: "outcome: wrong-prefix id", method: "POST", url: () => `/v1/actions/apr_${BODY22}/outcome`, key: "agent", rawBody: json({ status: "success" }), field: "auditEventId" },

  // ── Approvals: get, wait, list, decide ─────────────────────────────────────────────────────────────
  { name: "getApproval: NUL in the path id", method: "GET", url: () => `/v1/approvals/apr_${BODY22.slice(1)}%00`, key: "agent", field: "id" },
  { name: "getApproval: wrong-prefix id", method: "GET", url: () => `/v1/approvals/agt_${BODY22}`, key: "agent", field: "id" },
  { name: "wait: wrong-prefix id", method: "GET", url: () => `/v1/approvals/act_${BODY22}/wait?timeoutMs=0`, key: "agent", field: "id" },
  { name: "wait: repeated timeoutMs", method: "GET", url: () => `/v1/approvals/${approvalId}/wait?timeoutMs=0&timeoutMs=1`, key: "agent", field: "timeoutMs" },
  { name: "wait: NUL in timeoutMs", method: "GET", url: () => `/v1/approvals/${approvalId}/wait?timeoutMs=0%00`, key: "agent", field: "timeoutMs" },
  { name: "getApprovalAsMember: NUL in the path id", method: "GET", url: () => `/v1/admin/approvals/%00`, key: "admin", field: "id" },
  { name: "getApprovalAsMember: wrong-prefix id", method: "GET", url: () => `/v1/admin/approvals/key_${BODY22}`, key: "admin", field: "id" },
  { name: "listApprovals: repeated status", method: "GET", url: () => "/v1/admin/approvals?status=pending&status=approved", key: "admin", field: "status" },
  { name: "listApprovals: NUL in actionType", method: "GET", url: () => "/v1/admin/approvals?actionType=pr.merge%00", key: "admin", field: "actionType" },
  { name: "listApprovals: NUL in agentId", method: "GET", url: () => "/v1/admin/approvals?agentId=%00", key: "admin", field: "agentId" },
  { name: "listApprovals: wrong-prefix agentId", method: "GET", url: () => `/v1/admin/approvals?agentId=apr_${BODY22}`, key: "admin", field: "agentId" },
  { name: "listApprovals: NUL in the cursor", method: "GET", url: () => "/v1/admin/approvals?cursor=1%00", key: "admin", field: "cursor" },
  {
    name: "decide: NUL in the reason",
    method: "POST",
    url: () => `/v1/admin/approvals/${approvalId}/decision`,
    key: "admin",
    rawBody: json({ decision: "deny", reason: "no@NUL@" }),
    field: "reason",
  },
  {
    name: "decide: lone surrogate in the reason",
    method: "POST",
    url: () => `/v1/admin/approvals/${approvalId}/decision`,
    key: "admin",
    rawBody: json({ decision: "deny", reason: "@LONE@" }),
    field: "reason",
  },
  {
    name: "decide: reason nested 10,000 deep",
    method: "POST",
    url: () => `/v1/admin/approvals/${approvalId}/decision`,
    key: "admin",
    rawBody: `{"decision":"deny","reason":${deepArrayJson(10_000)}}`,
    field: "reason",
  },
  { name: "decide: wrong-prefix id", method: "POST", url: () => `/v1/admin/approvals/agt_${BODY22}/decision`, key: "admin", rawBody: json({ decision: "deny" }), field: "id" },
  {
    name: "decide many: NUL in an approval id",
    method: "POST",
    url: () => "/v1/admin/approvals/decision",
    key: "admin",
    rawBody: json({ decision: "deny", approvalIds: [approvalId, "apr_@NUL@"] }),
    field: "approvalIds[1]",
  },
  {
    name: "decide many: wrong-prefix approval id",
    method: "POST",
    url: () => "/v1/admin/approvals/decision",
    key: "admin",
    rawBody: json({ decision: "deny", approvalIds: [`agt_${BODY22}`] }),
    field: "approvalIds[0]",
  },

  // ── Admin: agents, keys, policies, settings ────────────────────────────────────────────────────────
  {
    name: "createAgent: NUL in the description",
    method: "POST",
    url: () => "/v1/admin/agents",
    key: "admin",
    rawBody: json({ name: "edge-agent", description: "@NUL@" }),
    field: "description",
  },
  {
    name: "createAgent: lone surrogate in a label key",
    method: "POST",
    url: () => "/v1/admin/agents",
    key: "admin",
    rawBody: json({ name: "edge-agent", labels: { "team@LONE@": "x" } }),
    field: "labels",
  },
  {
    name: "createAgent: NUL in a label value",
    method: "POST",
    url: () => "/v1/admin/agents",
    key: "admin",
    rawBody: json({ name: "edge-agent", labels: { team: "x@NUL@" } }),
    field: "labels.team",
  },
  {
    name: "createAgent: labels nested 10,000 deep",
    method: "POST",
    url: () => "/v1/admin/agents",
    key: "admin",
    rawBody: `{"name":"edge-agent","labels":{"team":${deepArrayJson(10_000)}}}`,
    field: "labels.team",
  },
  { name: "haltAgent: NUL in the reason", method: "POST", url: () => `/v1/admin/agents/${otherAgentId}/halt`, key: "admin", rawBody: json({ reason: "@NUL@" }), field: "reason" },
  { name: "haltAgent: wrong-prefix id", method: "POST", url: () => `/v1/admin/agents/apr_${BODY22}/halt`, key: "admin", rawBody: json({}), field: "id" },
  { name: "resumeAgent: NUL in the path id", method: "POST", url: () => `/v1/admin/agents/agt_%00/resume`, key: "admin", rawBody: json({}), field: "id" },
  { name: "listAgentKeys: wrong-prefix id", method: "GET", url: () => `/v1/admin/agents/key_${BODY22}/keys`, key: "admin", field: "id" },
  { name: "issueAgentKey: NUL in the name", method: "POST", url: () => `/v1/admin/agents/${otherAgentId}/keys`, key: "admin", rawBody: json({ name: "k@NUL@" }), field: "name" },
  { name: "issueAgentKey: wrong-prefix id", method: "POST", url: () => `/v1/admin/agents/apr_${BODY22}/keys`, key: "admin", rawBody: json({}), field: "id" },
  { name: "revokeKey: wrong-prefix id", method: "DELETE", url: () => `/v1/admin/keys/agt_${BODY22}`, key: "admin", field: "id" },
  { name: "revokeKey: NUL in the path id", method: "DELETE", url: () => `/v1/admin/keys/key_%00`, key: "admin", field: "id" },
  {
    name: "applyPolicySet: NUL in a description",
    method: "PUT",
    url: () => "/v1/admin/policies",
    key: "admin",
    rawBody: json({ policies: [{ ...ALLOW_ALL_PR[0], description: "@NUL@" }] }),
    field: "policies[0].description",
  },
  {
    name: "applyPolicySet: lone surrogate in a condition value",
    method: "PUT",
    url: () => "/v1/admin/policies",
    key: "admin",
    rawBody: json({ policies: [{ ...ALLOW_ALL_PR[0], when: { field: "metadata.repo", op: "eq", value: "@LONE@" } }] }),
    field: "policies[0].when.value",
  },
  {
    name: "applyPolicySet: NUL in a nested condition value's key",
    method: "PUT",
    url: () => "/v1/admin/policies",
    key: "admin",
    rawBody: json({ policies: [{ ...ALLOW_ALL_PR[0], when: { all: [{ field: "metadata", op: "eq", value: { a: { "@NUL@": 1 } } }] } }] }),
    field: "policies[0].when.all[0].value.a",
  },
  {
    name: "applyPolicySet: a condition value nested 10,000 deep",
    method: "PUT",
    url: () => "/v1/admin/policies",
    key: "admin",
    rawBody: `{"policies":[{"name":"deep","actions":["pr.*"],"effect":"allow","when":{"field":"metadata.x","op":"eq","value":${deepArrayJson(10_000)}}}]}`,
    field: "policies[0].when.value",
  },
  {
    name: "applyPolicySet: conditions nested 5,000 deep",
    method: "PUT",
    url: () => "/v1/admin/policies",
    key: "admin",
    rawBody: `{"policies":[{"name":"deep","actions":["pr.*"],"effect":"allow","when":${'{"not":'.repeat(5_000)}{"field":"actionType","op":"exists"}${"}".repeat(5_000)}}]}`,
    field: "policies[0].when",
  },
  {
    name: "applyPolicySet: repeated dryRun",
    method: "PUT",
    url: () => "/v1/admin/policies?dryRun=true&dryRun=false",
    key: "admin",
    rawBody: json({ policies: ALLOW_ALL_PR }),
    field: "dryRun",
  },
  {
    name: "updateSettings: a setting nested 10,000 deep",
    method: "PATCH",
    url: () => "/v1/admin/settings",
    key: "admin",
    rawBody: `{"circuitBreaker":{"failureThreshold":${deepArrayJson(10_000)}}}`,
    field: "circuitBreaker.failureThreshold",
  },
  { name: "updateSettings: a NUL key", method: "PATCH", url: () => "/v1/admin/settings", key: "admin", rawBody: json({ circuitBreaker: { "@NUL@": 3 } }), field: "circuitBreaker" },
  { name: "listPolicies: repeated scope", method: "GET", url: () => "/v1/policies?scope=own&scope=org", key: "agent", field: "scope" },

  // ── Audit: list, proof, checkpoints, keys, export ──────────────────────────────────────────────────
  { name: "audit list: NUL in type", method: "GET", url: () => "/v1/audit?type=action.decided%00", key: "admin", field: "type" },
  { name: "audit list: NUL in actionType", method: "GET", url: () => "/v1/audit?actionType=%00", key: "admin", field: "actionType" },
  { name: "audit list: wrong-prefix agentId", method: "GET", url: () => `/v1/audit?agentId=usr_${BODY22}`, key: "admin", field: "agentId" },
  { name: "audit list: NUL in agentId", method: "GET", url: () => `/v1/audit?agentId=agt_${BODY22.slice(1)}%00`, key: "admin", field: "agentId" },
  { name: "audit list: repeated limit", method: "GET", url: () => "/v1/audit?limit=1&limit=2", key: "admin", field: "limit" },
  { name: "audit list: repeated type", method: "GET", url: () => "/v1/audit?type=a&type=b", key: "admin", field: "type" },
  { name: "audit list: a time PostgreSQL cannot hold", method: "GET", url: () => "/v1/audit?from=0000-01-01T00:00:00Z", key: "admin", field: "from" },
  { name: "audit list: an offset PostgreSQL refuses", method: "GET", url: () => "/v1/audit?to=2026-01-01T00:00:00%2B23:59", key: "admin", field: "to" },
  { name: "audit entry proof: wrong-prefix entryId", method: "GET", url: () => `/v1/audit/proof?entryId=apr_${BODY22}`, key: "admin", field: "entryId" },
  { name: "audit entry proof: NUL in entryId", method: "GET", url: () => `/v1/audit/proof?entryId=%00`, key: "admin", field: "entryId" },
  { name: "audit proof: repeated seq", method: "GET", url: () => "/v1/audit/proof?seq=0&seq=1", key: "admin", field: "seq" },
  { name: "checkpoints: repeated cursor", method: "GET", url: () => "/v1/audit/checkpoints?cursor=1&cursor=2", key: "admin", field: "cursor" },
  { name: "checkpoints: NUL in limit", method: "GET", url: () => "/v1/audit/checkpoints?limit=1%00", key: "admin", field: "limit" },
  { name: "checkpoint: repeated format", method: "GET", url: () => "/v1/audit/checkpoint?format=json&format=text", key: "admin", field: "format" },
  { name: "keys: NUL in format", method: "GET", url: () => "/v1/audit/keys?format=text%00", key: "admin", field: "format" },
  { name: "keys: repeated format", method: "GET", url: () => "/v1/audit/keys?format=text&format=json", key: "admin", field: "format" },
  { name: "export: NUL in type", method: "GET", url: () => "/v1/audit/export?type=%00", key: "admin", field: "type" },
  { name: "export: NUL in agentId", method: "GET", url: () => "/v1/audit/export?agentId=%00&format=csv", key: "admin", field: "agentId" },
  { name: "export: wrong-prefix agentId", method: "GET", url: () => `/v1/audit/export?agentId=aud_${BODY22}`, key: "admin", field: "agentId" },
  { name: "export: repeated format", method: "GET", url: () => "/v1/audit/export?format=csv&format=jsonl", key: "admin", field: "format" },
  { name: "export: a year PostgreSQL cannot hold", method: "GET", url: () => "/v1/audit/export?from=0000-01-01T00:00:00Z", key: "admin", field: "from" },
  { name: "export: an offset PostgreSQL refuses", method: "GET", url: () => "/v1/audit/export?to=2026-01-01T00:00:00%2B23:59&format=csv", key: "admin", field: "to" },

  // ── Events ─────────────────────────────────────────────────────────────────────────────────────────
  { name: "events: NUL in types", method: "GET", url: () => "/v1/events?types=action.denied%00", key: "admin", field: "types" },
  { name: "events: wrong-prefix agentId", method: "GET", url: () => `/v1/events?agentId=apr_${BODY22}`, key: "admin", field: "agentId" },
  { name: "events: repeated lastEventId", method: "GET", url: () => "/v1/events?lastEventId=1&lastEventId=2", key: "admin", field: "lastEventId" },
  { name: "events: NUL in lastEventId", method: "GET", url: () => "/v1/events?lastEventId=1%00", key: "admin", field: "lastEventId" },
];

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "edge", policies: ALLOW_ALL_PR });
  const requested = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.merge", metadata: { pr: 1 } } });
  approvalId = requested.json<{ approvalId: string }>().approvalId;
  const executed = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open", metadata: { pr: 2 } } });
  executedEntryId = executed.json<{ auditEventId: string }>().auditEventId;
  otherAgentId = (await createAgent({ ctx: org.ctx, input: { name: "edge-other" } })).id;
  expect([requested.statusCode, executed.statusCode, approvalId, executedEntryId]).toEqual([200, 200, expect.stringMatching(/^apr_/), expect.stringMatching(/^aud_/)]);
});

afterAll(async () => {
  await stopApp(app);
});

describe("input at the edge: every route refuses what PostgreSQL or the audit log cannot carry, naming the field", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const before = await snapshot(org.org.id);
    const key = c.key === "agent" ? org.agent.apiKey : org.adminKey.apiKey;
    const response = c.url().startsWith("/v1/events")
      ? await peek(app, c.url(), { key })
      : await call(app, c.method, c.url(), { key, ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : {}) });
    const text = "text" in response ? response.text : response.body;
    expect({ status: response.statusCode, text: text.slice(0, 300) }).toMatchObject({ status: c.status ?? 400 });
    const body = JSON.parse(text) as { error: { code: string; message: string; details?: { issues?: Array<{ path: string; message: string }> } } };
    expect(body.error.code).toBe("VALIDATION");
    const paths = (body.error.details?.issues ?? []).map((issue) => issue.path);
    expect(paths.some((path) => path === c.field || path.startsWith(`${c.field}.`) || path.startsWith(`${c.field}[`)) || body.error.message.includes(c.field)).toBe(true);
    expect(await snapshot(org.org.id)).toEqual(before);
  });

  it("verify takes no input: junk in its query is not read, and the log checks out", async () => {
    const response = await call(app, "POST", "/v1/audit/verify?x=%00&x=1", { key: org.adminKey.apiKey });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ valid: true });
  });

  it("an export with a filter PostgreSQL would refuse answers 400 JSON, never a 200 cut short", async () => {
    // Before: `from=0000-01-01T00:00:00Z` passed the contract (a well-formed ISO time), the 200 and
    // the bundle's first line were sent, then the database refused the year and the stream was cut.
    for (const url of ["/v1/audit/export?from=0000-01-01T00:00:00Z", "/v1/audit/export?format=csv&from=2026-01-01T00:00:00%2B23:59"]) {
      const response = await call(app, "GET", url, { key: org.adminKey.apiKey });
      expect({ status: response.statusCode, type: response.headers["content-type"] }).toEqual({ status: 400, type: expect.stringMatching(/^application\/json/) });
      expect(response.json().error.details.issues[0].path).toBe("from");
    }
    // The same filters at the edges PostgreSQL accepts export in full.
    const ok = await call(app, "GET", "/v1/audit/export?from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00%2B15:00", { key: org.adminKey.apiKey });
    expect(ok.statusCode).toBe(200);
    const lines = ok.body.trimEnd().split("\n");
    expect(JSON.parse(lines[0] as string)).toMatchObject({ type: "bundle" });
    expect(lines.filter((line) => (JSON.parse(line) as { type: string }).type === "entry").length).toBeGreaterThan(0);
  });
});

describe("unusual but valid text is stored and hashed exactly as it was sent", () => {
  it("emoji, paired surrogates, RTL and combining marks: the action row, the audit entry and the verified log agree", async () => {
    const metadata = {
      "emoji 😀": "👩🏽‍💻 deploys 🚀",
      paired: "\ud83d\ude00\ud834\udd1e",
      שלום: "مرحبا بالعالم \u200f(RTL)\u200e",
      combining: "e\u0301 a\u0308 Z\u0351\u0327",
      nested: { ñ: ["\u{1F600}", { ﬁ: "\u00e9 vs e\u0301" }], bidi: "\u202eevil\u202c" },
      control: "tab\tnewline\n\u0001\u001f",
      empty: "",
    };
    const before = await snapshot(org.org.id);
    const response = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open", metadata } });
    expect(response.statusCode).toBe(200);
    const { auditEventId } = response.json<{ auditEventId: string }>();
    expect(await snapshot(org.org.id)).not.toEqual(before);

    const action = await db().action.findUniqueOrThrow({ where: { auditEntryId: auditEventId } });
    expect(action.metadata).toEqual(metadata);
    const entries = (await call(app, "GET", "/v1/audit?limit=5", { key: org.adminKey.apiKey })).json<{ events: Array<{ id: string; data: { metadata?: unknown } }> }>();
    const entry = entries.events.find((e) => e.id === auditEventId);
    expect(entry?.data.metadata).toEqual(metadata);
    expect(entry?.data.metadata).toEqual(action.metadata);
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, firstBrokenSeq: null });
  });
});
