import { randomBytes } from "node:crypto";
import { AUDIT_ENTRY_TYPE_NAMES, DomainError, LOG_FIELDS, type AuditEntryType, type ContentAction, type LogField } from "@gatehouse/core";
import { createOrg, db } from "@gatehouse/db";
import { createTestOrg, TEST_PASSWORD, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

// Nothing secret in any field of the log (issue 41, scope 6; docs/content.md, "Every field of the log").
// A table over every field of every audit entry type that a caller's text reaches (core's LOG_FIELDS,
// which the compiler makes every entry type declare): each field gets a secret the detectors know, through
// the real route, under each content setting. Free text is rewritten (redact) or refused with a 400
// naming it (deny); an identifier (a name, a key, an id the caller chose, configuration) is never
// rewritten and is refused with a 400 naming it under redact and deny; under flag and off the value is
// written, which proves the field does reach the log. The raw secret is then searched for in the org's
// export. A new entry type, or a new caller field, without a row here fails the coverage test.

const alnum = (n: number, alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join("");
const lower = (n: number) => alnum(n, "abcdefghijklmnopqrstuvwxyz0123456789");
const digits = (n: number) => alnum(n, "0123456789");
/** Secrets of documented formats, new for each row (so a search finds only that row's), one per format a field allows. */
const SECRETS = {
  /** Free text, keys, labels, names. */
  github: () => `ghp_${alnum(36)}`,
  /** [A-Za-z0-9._:-]: eventId, runId, agent and delegation names, Idempotency-Key. */
  aws: () => `AKIA${alnum(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`,
  /** Lower case, digits and '-': action types and patterns, policy names. */
  slack: () => `xoxb-${digits(12)}-${digits(12)}-${lower(24)}`,
  /** Lower case, digits and '_': an evidence kind, a budget's name. */
  stripe: () => `sk_live_${lower(24)}`,
  /** Lower case, digits and '-', at most 48: an org's slug, a domain's label. */
  gitlab: () => `glpat-${lower(20)}`,
};

type Answer = { statusCode: number; body: string; json: () => { error?: { code?: string; details?: { issues?: Array<{ path: string }> } }; [key: string]: unknown } };

interface Row {
  /** The entry type(s) and data field it plants into, as LOG_FIELDS names them (`run.runId`). */
  covers: Array<[AuditEntryType, string]>;
  /** How the rules hold it: `text` (redact rewrites, deny refuses 400), `identifier` (400 under redact and deny), `decision` (a call's content: deny is the call refused CONTENT_DENIED). */
  expect: "text" | "identifier" | "decision";
  /** The field the 400 names (its start), when not the planted data field. */
  path: string;
  secret: () => string;
  run: (org: Org, secret: string) => Promise<Answer>;
  /** The settings under which an identifier is refused (redact and deny unless said). */
  refusedUnder?: readonly ContentAction[];
  /** The same call to canI answers the same (a decision's input). */
  canI?: (secret: string) => Record<string, unknown>;
  /** Where else than the log the value is kept, read back for the check. */
  readBack?: (org: Org) => Promise<string>;
  /** The answer repeats the value from a row other than the log's (a known gap, named on the row). */
  echoed?: boolean;
  /** The entries that hold the value once written, when not the ones it covers. */
  writes?: AuditEntryType[];
  /** Run only with the org defaults (a value given before the org has settings). */
  defaultsOnly?: boolean;
}

interface Org extends TestOrg {
  uniq: () => string;
}

let app: FastifyInstance;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => stopApp(app));

const POLICIES = [
  { name: "allow-all", actions: ["*"], effect: "allow" },
  { name: "merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
  { name: "updates-checked", actions: ["db.update"], effect: "allow", postConditions: { field: "outcome.note", op: "eq", value: "fine" } },
];
const TOKENS_BUDGET = { name: "tokens", actions: ["llm.*"], limit: { tokens: 1_000_000_000 }, per: "org-month" };

const admin = (org: Org, method: "POST" | "PATCH" | "PUT" | "DELETE", url: string, body?: unknown, headers?: Record<string, string>) =>
  call(app, method, url, { key: org.adminKey.apiKey, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
const agentCall = (org: Org, url: string, body: unknown, key = org.agent.apiKey) => call(app, "POST", url, { key, body });
const execute = (org: Org, body: Record<string, unknown>, key?: string) => agentCall(org, "/v1/actions", { actionType: "ticket.update", ...body }, key);

/** A decision that executed, for the rows that report on one or erase one. */
async function executed(org: Org, actionType = "ticket.update"): Promise<string> {
  const answer = await execute(org, { actionType, metadata: { n: org.uniq() } });
  expect(answer.json().status, answer.body).toBe("executed");
  return answer.json().auditEventId as string;
}
/** A pending approval (pr.merge), for the rows that vote on one or grant from one. */
async function pending(org: Org, key?: string): Promise<string> {
  const answer = await execute(org, { actionType: "pr.merge", metadata: { pr: org.uniq() } }, key);
  expect(answer.json().status, answer.body).toBe("requested");
  return answer.json().approvalId as string;
}
/** An agent of its own (halting it stops no other row). */
async function newAgent(org: Org): Promise<{ id: string; apiKey: string }> {
  const created = await admin(org, "POST", "/v1/admin/agents", { name: `agent-${org.uniq()}` });
  expect(created.statusCode, created.body).toBe(201);
  return created.json() as unknown as { id: string; apiKey: string };
}
/** A service call answered as the API would: a domain error as its status and envelope. */
async function viaService(run: () => Promise<unknown>): Promise<Answer> {
  try {
    const value = await run();
    return { statusCode: 200, body: JSON.stringify(value), json: () => value as ReturnType<Answer["json"]> };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const body = { error: { code: error.code, details: error.details as { issues?: Array<{ path: string }> } } };
    return { statusCode: error.code === "VALIDATION" ? 400 : 409, body: JSON.stringify(body), json: () => body };
  }
}

const ROWS: Row[] = [
  // action.decided (execute; canI answers the same)
  {
    covers: [["action.decided", "metadata"]],
    expect: "decision",
    path: "metadata",
    secret: SECRETS.github,
    run: (org, s) => execute(org, { metadata: { note: `use ${s}` } }),
    canI: (s) => ({ actionType: "ticket.update", metadata: { note: `use ${s}` } }),
  },
  {
    // A secret as a key, with a finding below it: no finding's path repeats the key.
    covers: [["action.decided", "metadata"]],
    expect: "decision",
    path: "metadata",
    secret: SECRETS.github,
    run: (org, s) => execute(org, { metadata: { nested: { [s]: { to: "jane.doe@example.com", card: "card 4111 1111 1111 1111" } } } }),
    canI: (s) => ({ actionType: "ticket.update", metadata: { nested: { [s]: { to: "jane.doe@example.com" } } } }),
  },
  {
    covers: [["action.decided", "dataAccessed"]],
    expect: "decision",
    path: "dataAccessed",
    secret: SECRETS.github,
    run: (org, s) => execute(org, { dataAccessed: [{ type: `file ${s}` }] }),
    canI: (s) => ({ actionType: "ticket.update", dataAccessed: [{ type: `file ${s}` }] }),
  },
  {
    covers: [["action.decided", "conditionsEvaluated"]],
    expect: "decision",
    path: "metadata",
    secret: SECRETS.github,
    // The value a post-condition's policy reads is a condition's `actual` too (db.update's).
    run: (org, s) => execute(org, { actionType: "db.update", metadata: { note: s } }),
  },
  {
    covers: [["action.decided", "eventId"]],
    expect: "identifier",
    path: "eventId",
    secret: SECRETS.aws,
    run: (org, s) => execute(org, { eventId: s }),
    canI: (s) => ({ actionType: "ticket.update", eventId: s }),
  },
  {
    covers: [
      ["action.decided", "run.runId"],
      ["run.ended", "runKey"],
    ],
    expect: "identifier",
    path: "runId",
    secret: SECRETS.aws,
    run: async (org, s) => {
      const decided = await execute(org, { runId: s });
      if (decided.statusCode !== 200) return decided;
      return call(app, "POST", `/v1/runs/${s}/end`, { key: org.agent.apiKey, body: { status: "completed" } });
    },
    canI: (s) => ({ actionType: "ticket.update", runId: s }),
  },
  {
    covers: [["action.decided", "actionType"]],
    expect: "identifier",
    path: "actionType",
    secret: SECRETS.slack,
    run: (org, s) => execute(org, { actionType: s }),
    canI: (s) => ({ actionType: s }),
  },
  {
    covers: [["action.decided", "tool.name"]],
    expect: "identifier",
    path: "tool.name",
    secret: SECRETS.github,
    run: (org, s) => execute(org, { tool: { name: s, arguments: {} } }),
    canI: (s) => ({ actionType: "ticket.update", tool: { name: s, arguments: {} } }),
  },
  {
    // A model's name is refused whatever the class's action, unless it is off (budgets.test.ts).
    covers: [["action.decided", "reservation.model"]],
    expect: "identifier",
    path: "spend.model",
    refusedUnder: ["redact", "deny", "flag"],
    secret: SECRETS.github,
    run: (org, s) => execute(org, { actionType: "llm.call", spend: { model: s, inputTokens: 10, maxOutputTokens: 10 } }),
    canI: (s) => ({ actionType: "llm.call", spend: { model: s, inputTokens: 10, maxOutputTokens: 10 } }),
  },
  {
    // A run's name is kept on the run, not in the log: read back from the run.
    covers: [],
    expect: "decision",
    path: "runName",
    secret: SECRETS.github,
    run: (org, s) => execute(org, { runId: `named-${org.uniq()}`, runName: `triage ${s}` }),
    canI: (s) => ({ actionType: "ticket.update", runId: "named", runName: `triage ${s}` }),
    readBack: async (org) => (await call(app, "GET", "/v1/runs", { key: org.agent.apiKey })).body,
  },
  // action.outcome and action.postcondition_violated (report)
  {
    covers: [["action.outcome", "message"]],
    expect: "text",
    path: "message",
    secret: SECRETS.github,
    run: async (org, s) => agentCall(org, `/v1/actions/${await executed(org)}/outcome`, { status: "success", message: `done with ${s}` }),
  },
  {
    covers: [["action.outcome", "data"]],
    expect: "text",
    path: "data",
    secret: SECRETS.github,
    run: async (org, s) => agentCall(org, `/v1/actions/${await executed(org)}/outcome`, { status: "success", data: { note: s } }),
  },
  {
    covers: [["action.outcome", "usage.model"]],
    expect: "identifier",
    path: "usage.model",
    refusedUnder: ["redact", "deny", "flag"],
    secret: SECRETS.github,
    run: async (org, s) => agentCall(org, `/v1/actions/${await executed(org)}/outcome`, { status: "success", usage: { model: s, inputTokens: 1, outputTokens: 1 } }),
  },
  {
    covers: [["action.postcondition_violated", "conditionsEvaluated"]],
    expect: "text",
    path: "data",
    secret: SECRETS.github,
    run: async (org, s) => agentCall(org, `/v1/actions/${await executed(org, "db.update")}/outcome`, { status: "success", data: { note: s } }),
  },
  // approvals
  {
    covers: [
      ["approval.vote", "reason"],
      ["approval.decided", "reason"],
    ],
    expect: "text",
    path: "reason",
    secret: SECRETS.github,
    run: async (org, s) => admin(org, "POST", `/v1/admin/approvals/${await pending(org)}/decision`, { decision: "approve", reason: `checked with ${s}` }),
  },
  {
    covers: [
      ["agent.halted", "reason"],
      ["approval.cancelled", "reason"],
    ],
    expect: "text",
    path: "reason",
    secret: SECRETS.github,
    run: async (org, s) => {
      const agent = await newAgent(org);
      await pending(org, agent.apiKey);
      return admin(org, "POST", `/v1/admin/agents/${agent.id}/halt`, { reason: `leaked ${s}` });
    },
  },
  {
    covers: [["agent.resumed", "reason"]],
    expect: "text",
    path: "reason",
    secret: SECRETS.github,
    run: async (org, s) => {
      const agent = await newAgent(org);
      expect((await admin(org, "POST", `/v1/admin/agents/${agent.id}/halt`, {})).statusCode).toBe(200);
      return admin(org, "POST", `/v1/admin/agents/${agent.id}/resume`, { reason: `rotated ${s}` });
    },
  },
  {
    covers: [["grant.created", "reason"]],
    expect: "text",
    path: "reason",
    secret: SECRETS.github,
    run: async (org, s) => admin(org, "POST", `/v1/admin/approvals/${await pending(org)}/grant`, { durationSeconds: 600, match: { repo: "web" }, reason: `trusted ${s}` }),
  },
  {
    covers: [["grant.created", "match"]],
    expect: "identifier",
    path: "match",
    secret: SECRETS.github,
    run: async (org, s) => admin(org, "POST", `/v1/admin/approvals/${await pending(org)}/grant`, { durationSeconds: 600, match: { token: s } }),
  },
  // agents and keys
  {
    covers: [["agent.created", "name"]],
    expect: "identifier",
    path: "name",
    secret: SECRETS.aws,
    run: (org, s) => admin(org, "POST", "/v1/admin/agents", { name: s }),
  },
  {
    covers: [["agent.created", "labels"]],
    expect: "identifier",
    path: "labels",
    secret: SECRETS.github,
    run: (org, s) => admin(org, "POST", "/v1/admin/agents", { name: `agent-${org.uniq()}`, labels: { token: s } }),
  },
  {
    covers: [["key.issued", "name"]],
    expect: "identifier",
    path: "name",
    secret: SECRETS.github,
    run: (org, s) => admin(org, "POST", `/v1/admin/agents/${org.agent.id}/keys`, { name: s }),
  },
  {
    covers: [["key.issued", "name"]],
    expect: "identifier",
    path: "name",
    secret: SECRETS.github,
    run: (org, s) => admin(org, "POST", "/v1/admin/keys", { name: `admin ${s}` }),
  },
  // an agent's own entries
  {
    covers: [["agent.evidence", "kind"]],
    expect: "identifier",
    path: "kind",
    secret: SECRETS.stripe,
    run: (org, s) => agentCall(org, "/v1/audit/entries", { kind: s, details: {} }),
  },
  {
    covers: [["agent.evidence", "details"]],
    expect: "text",
    path: "details",
    secret: SECRETS.github,
    run: (org, s) => agentCall(org, "/v1/audit/entries", { kind: "command.ran", details: { output: s } }),
  },
  {
    covers: [["agent.evidence", "eventId"]],
    expect: "identifier",
    path: "eventId",
    secret: SECRETS.aws,
    run: (org, s) => agentCall(org, "/v1/audit/entries", { kind: "command.ran", details: {}, eventId: s }),
  },
  // delegations
  {
    covers: [["delegation.created", "name"]],
    expect: "identifier",
    path: "name",
    secret: SECRETS.aws,
    run: (org, s) => agentCall(org, "/v1/delegations", { name: s, capabilities: ["ticket.*"], ttlSeconds: 600 }),
  },
  {
    covers: [["delegation.created", "capabilities"]],
    expect: "identifier",
    path: "capabilities",
    secret: SECRETS.slack,
    run: (org, s) => agentCall(org, "/v1/delegations", { name: `d-${org.uniq()}`, capabilities: [s], ttlSeconds: 600 }),
  },
  {
    covers: [["delegation.created", "metadata"]],
    expect: "text",
    path: "metadata",
    secret: SECRETS.github,
    run: (org, s) => agentCall(org, "/v1/delegations", { name: `d-${org.uniq()}`, capabilities: ["ticket.*"], ttlSeconds: 600, metadata: { note: s } }),
  },
  // policies and settings
  {
    covers: [["policy.version_published", "document"]],
    expect: "identifier",
    path: "policies",
    secret: SECRETS.github,
    run: (org, s) =>
      admin(org, "PUT", "/v1/admin/policies", { policies: [...POLICIES, { name: `extra-${org.uniq()}`, description: `uses ${s}`, actions: ["x.y"], effect: "allow" }] }),
  },
  {
    covers: [["policy.version_published", "name"]],
    expect: "identifier",
    path: "policies",
    secret: SECRETS.slack,
    run: (org, s) => admin(org, "PUT", "/v1/admin/policies", { policies: [...POLICIES, { name: s, actions: ["x.y"], effect: "allow" }] }),
  },
  {
    covers: [["org.settings_changed", "after"]],
    expect: "identifier",
    path: "settings",
    secret: SECRETS.stripe,
    run: (org, s) => admin(org, "PATCH", "/v1/admin/settings", { budgets: [TOKENS_BUDGET, { name: s, actions: ["x.*"], limit: { tokens: 10 }, per: "org-month" }] }),
  },
  {
    // A domain enters through the settings (signIn.ssoDomains) before it can be proved: refused there.
    covers: [["org.sso_domain_verified", "domain"]],
    writes: ["org.settings_changed"],
    expect: "identifier",
    path: "settings",
    secret: SECRETS.gitlab,
    run: (org, s) => admin(org, "PATCH", "/v1/admin/settings", { signIn: { ssoDomains: [`${s}.example.test`] } }),
  },
  {
    covers: [["org.renamed", "to"]],
    expect: "identifier",
    path: "name",
    secret: SECRETS.github,
    run: (org, s) => admin(org, "PATCH", "/v1/admin/org", { name: `Acme ${s}` }),
  },
  {
    covers: [["org.slug_changed", "to"]],
    expect: "identifier",
    path: "slug",
    secret: SECRETS.gitlab,
    run: (org, s) => admin(org, "PATCH", "/v1/admin/org", { slug: s }),
  },
  {
    covers: [
      ["org.created", "name"],
      ["org.created", "slug"],
    ],
    expect: "identifier",
    path: "name",
    secret: SECRETS.github,
    defaultsOnly: true,
    run: (org, s) =>
      viaService(() => createOrg({ input: { slug: `o-${org.uniq()}`, name: `Acme ${s}`, owner: { email: `o-${org.uniq()}@example.test`, name: "O", password: TEST_PASSWORD } } })),
  },
  {
    // An invitee's address (kept as typed: the identity the entry is about) may not carry a secret.
    covers: [["member.invited", "email"]],
    expect: "identifier",
    path: "email",
    secret: () => `ghp_${lower(36)}`,
    run: (org, s) => admin(org, "POST", "/v1/admin/invitations", { email: `${s}@example.test`, role: "viewer" }),
  },
  {
    covers: [["webhook.endpoint_changed", "url"]],
    expect: "identifier",
    path: "url",
    secret: SECRETS.github,
    run: (org, s) => admin(org, "POST", "/v1/admin/webhooks", { url: `http://127.0.0.1:9/hook?token=${s}`, events: ["*"] }),
  },
  {
    covers: [["mcp.server_changed", "url"]],
    expect: "identifier",
    path: "url",
    secret: SECRETS.github,
    run: (org, s) => admin(org, "POST", "/v1/admin/mcp/servers", { name: `u-${org.uniq()}`.slice(0, 32), url: `http://127.0.0.1:9/mcp?token=${s}` }),
  },
  {
    // A server's and a gateway's name: lower case, digits and '-' (MCP_NAME_PATTERN), the namespace policies name.
    covers: [["mcp.server_changed", "name"]],
    expect: "identifier",
    path: "name",
    secret: SECRETS.gitlab,
    run: (org, s) => admin(org, "POST", "/v1/admin/mcp/servers", { name: s, url: "http://127.0.0.1:9/mcp" }),
  },
  {
    covers: [["mcp.gateway_changed", "name"]],
    expect: "identifier",
    path: "name",
    secret: SECRETS.gitlab,
    run: (org, s) => admin(org, "POST", "/v1/admin/mcp/gateways", { name: s, servers: [] }),
  },
  // An org's own detectors: the name is configuration, refused when it holds a secret (the pattern and keywords reach the log as keyed fingerprints only: apps/api/test/detector-disclosure.test.ts).
  {
    covers: [["content.detector_changed", "name"]],
    expect: "identifier",
    path: "name",
    secret: SECRETS.stripe,
    run: (org, s) => admin(org, "POST", "/v1/content/detectors", { name: s, class: "secrets", pattern: `D${org.uniq()}-[0-9]{4}` }),
  },
  // the log itself
  {
    // An org with no signing key yet gets `created` from the same call.
    covers: [
      ["audit.signing_key_rotated", "idempotencyKey"],
      ["audit.signing_key_created", "idempotencyKey"],
    ],
    writes: ["audit.signing_key_rotated"],
    expect: "identifier",
    path: "idempotency-key",
    secret: SECRETS.aws,
    run: (org, s) => admin(org, "POST", "/v1/admin/audit/keys/rotate", undefined, { "idempotency-key": s }),
  },
  {
    covers: [["audit.erased", "reason"]],
    expect: "text",
    path: "reason",
    secret: SECRETS.github,
    run: async (org, s) => admin(org, "POST", "/v1/admin/audit/erasures", { entryIds: [await executed(org)], reason: `asked by ${s}` }),
  },
];

/** Every field of `fields` a caller's text reaches (text, identifier, configuration, screened where it was taken), as paths. */
function callerFields(fields: Readonly<Record<string, LogField>>, prefix = ""): string[] {
  return Object.entries(fields).flatMap(([key, field]) => {
    if (field === "fixed") return [];
    if (typeof field === "object" && "nested" in field) return callerFields(field.nested, `${prefix}${key}.`);
    return [`${prefix}${key}`];
  });
}

describe("the table covers every field of every entry type that a caller's text reaches", () => {
  it.each(AUDIT_ENTRY_TYPE_NAMES)("%s", (type) => {
    const declared = (LOG_FIELDS as Partial<Record<string, Readonly<Record<string, LogField>>>>)[type];
    expect(declared, `${type}: no declaration in LOG_FIELDS (packages/core/src/audit/log-fields.ts)`).toBeDefined();
    const covered = new Set(ROWS.flatMap((row) => row.covers.filter(([t]) => t === type).map(([, field]) => field)));
    expect(callerFields(declared ?? {}).filter((field) => !covered.has(field))).toEqual([]);
  });
});

const MODES: readonly ContentAction[] = ["redact", "deny", "flag", "off"];

describe.each(MODES)("content secrets: %s", (mode) => {
  let org: Org;
  const results: Array<{ row: Row; secret: string; answer: Answer; index: number }> = [];

  beforeAll(async () => {
    const test = await createTestOrg({ label: `log-fields-${mode}`, policies: POLICIES });
    let n = 0;
    org = { ...test, uniq: () => `${(n += 1)}${randomBytes(3).toString("hex")}` };
    const set = await admin(org, "PATCH", "/v1/admin/settings", { content: { secrets: mode, personalData: "flag" }, loops: { enabled: false }, budgets: [TOKENS_BUDGET] });
    expect(set.statusCode, set.body).toBe(200);
    for (const [index, row] of ROWS.entries()) {
      if (row.defaultsOnly && mode !== "redact") continue;
      const secret = row.secret();
      results.push({ row, secret, answer: await row.run(org, secret), index });
    }
  }, 120_000);

  const refused = (row: Row) => (row.expect === "identifier" ? (row.refusedUnder ?? ["redact", "deny"]).includes(mode) : row.expect === "text" && mode === "deny");

  it.each(ROWS.map((row, index) => [`${index}: ${row.covers.map((c) => c.join(" ")).join(", ") || row.path}`, index] as const))("%s: answered as the rules say", (_name, index) => {
    const result = results.find((r) => r.index === index);
    if (!result) return; // a defaults-only row, run once
    const { row, answer, secret } = result;
    if ((mode === "redact" || mode === "deny") && !(row.echoed && mode === "redact")) expect(answer.body).not.toContain(secret);
    if (refused(row)) {
      expect(answer.statusCode, answer.body).toBe(400);
      const paths = (answer.json().error?.details?.issues ?? []).map((issue) => issue.path);
      expect(
        paths.some((path) => path.startsWith(row.path)),
        `${paths.join(", ")} names ${row.path}`,
      ).toBe(true);
    } else if (row.expect === "decision" && mode === "deny") {
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.json()).toMatchObject({ status: "denied", denialReason: "CONTENT_DENIED" });
    } else {
      expect(answer.statusCode, answer.body).toBeLessThan(300);
    }
  });

  it.each(ROWS.flatMap((row, index) => (row.canI ? [[`${index}: ${row.path}`, index] as const] : [])))("%s: canI answers what execute answered", async (_name, index) => {
    const row = ROWS[index] as Row;
    const secret = row.secret();
    const [asked, decided] = [await agentCall(org, "/v1/actions/check", row.canI?.(secret)), await execute(org, row.canI?.(secret) ?? {})];
    expect(asked.statusCode, asked.body).toBe(decided.statusCode);
    if (mode === "redact" || mode === "deny") expect(asked.body).not.toContain(secret);
    if (decided.statusCode === 400) expect(asked.json().error?.details?.issues).toEqual(decided.json().error?.details?.issues);
    else expect({ status: asked.json().status, denialReason: asked.json().denialReason }).toEqual({ status: decided.json().status, denialReason: decided.json().denialReason });
  });

  it(mode === "redact" || mode === "deny" ? "no secret is anywhere in the org's export" : "every secret written is in the export (each field does reach the log)", async () => {
    const exported = await call(app, "GET", "/v1/audit/export", { key: org.adminKey.apiKey });
    expect(exported.statusCode).toBe(200);
    const lines = exported.body.split("\n").filter((line) => line.includes('"canonical"'));
    const typeOf = (line: string) => (JSON.parse((JSON.parse(line) as { canonical: string }).canonical) as { type: string }).type;
    for (const { row, secret } of results) {
      const holding = [...new Set(lines.filter((line) => line.includes(secret)).map(typeOf))];
      const elsewhere = row.readBack ? (await row.readBack(org)).includes(secret) : false;
      if (mode === "redact" || mode === "deny") {
        expect([holding, elsewhere], `${row.path}: the secret was written`).toEqual([[], false]);
      } else if (!refused(row)) {
        const types = row.writes ?? row.covers.map(([type]) => type);
        if (row.readBack) expect(elsewhere, `${row.path}: read back`).toBe(true);
        else expect(holding.filter((type) => types.includes(type as AuditEntryType)).sort(), `${row.path}: in the entries it reaches`).toEqual([...new Set(types)].sort());
      }
    }
  });

  it("what was refused as an identifier was written nowhere (every table)", async () => {
    const needles = results.filter(({ row, answer }) => refused(row) && answer.statusCode === 400).map((r) => r.secret);
    const tables = await db().pool.query<{ name: string }>(
      `SELECT quote_ident(relname) AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition`,
    );
    const found: string[] = [];
    for (const { name } of tables.rows) {
      const hit = await db().pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${name} t WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) s WHERE strpos(t::text, s) > 0)`, [
        needles,
      ]);
      if (Number(hit.rows[0]?.n) > 0) found.push(name);
    }
    expect(found).toEqual([]);
  });
});
