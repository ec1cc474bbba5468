import { randomBytes } from "node:crypto";
import { approvalOptionsSchema, hasPermission, MEMBER_ROLES, type MemberRole, type Permission } from "@gatehouse/core";
import {
  applyPolicies,
  authenticateApiKey,
  closeOrg,
  connectSlack,
  createAgent,
  createContentDetector,
  createInvitation,
  createMcpGateway,
  createMcpServer,
  createWebhook,
  db,
  grantFromApproval,
  testWebhook,
  issueAdminKey,
  issueAgentKey,
  issueOwnAdminKey,
  revokeApiKey,
  setAgentStatus,
} from "@gatehouse/db";
import { addTestMember, createTestOrg, startSlackStandIn, type SlackStandIn, type TestOrg } from "@gatehouse/db/testing";
import { routes, type RouteContract } from "@gatehouse/contracts";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, peek, startApp, stopApp, writesOf } from "./helpers";

// Every route the API registers, by construction: the table below must name exactly the routes the
// server lists (app.registeredRoutes), and each protected row runs the same checks — missing or bad
// keys 401, the wrong kind of key 403, each member role without the permission 403 with nothing
// written, the roles with it pass, and another org's ids 404 (or, without an id, never its data).

// ── Who may do what ────────────────────────────────────────────────────────────────────────────────
// The core permission catalogue, for every check the services make. Two kinds of row are not
// catalogue permissions: reads open to every member role (no check names them), and votes on an
// approval, which its policy's approverRoles decide (here the defaults of a policy document).

const OPEN_READS = ["org.read", "policies.read", "settings.read", "audit.read"] as const;
type Access = Permission | (typeof OPEN_READS)[number] | "approvals.decide";
const DEFAULT_APPROVER_ROLES: readonly MemberRole[] = approvalOptionsSchema.parse({}).approverRoles;

const isOpenRead = (access: Access): access is (typeof OPEN_READS)[number] => (OPEN_READS as readonly Access[]).includes(access);

function allowed(role: MemberRole, access: Access): boolean {
  if (access === "approvals.decide") return DEFAULT_APPROVER_ROLES.includes(role);
  return isOpenRead(access) || hasPermission(role, access);
}

// ── Fixtures ───────────────────────────────────────────────────────────────────────────────────────

interface OrgFixture {
  org: TestOrg;
  /** A pending approval of the org's agent. */
  approvalId: string;
  /** The audit entry of an executed action of the org's agent. */
  executedEntryId: string;
  /** A pending invitation of the org. */
  invitationId: string;
  /** An active delegation of the org's agent. */
  delegationId: string;
  /** A run of the org's agent (its server id, run_…), holding the executed action. */
  runId: string;
  /** A webhook endpoint of the org, and one attempt in its delivery log (a test send). */
  webhookId: string;
  webhookDeliveryId: string;
  /** One of the org's own content detectors. */
  detectorId: string;
  /** A live standing grant of the org (given by its owner on an approval of its own). */
  grantId: string;
  /** An MCP server of the org (on a loopback port nobody listens on) and a gateway serving none. */
  mcpServerId: string;
  mcpGateway: { id: string; name: string };
}

interface Fixtures {
  a: OrgFixture;
  b: OrgFixture;
  /** Org A's admin keys, one member per role. */
  keys: Record<MemberRole, string>;
  /** Strings only org B's data contains (ids, slug, emails): none may appear in an answer to org A. */
  bMarkers: string[];
  badKeys: Array<{ name: string; key?: string }>;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type Caller = "agent" | MemberRole;

interface Sample {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface PublicRow {
  method: Method;
  route: string;
  access: "public";
  path: string;
  /** What a call without a key answers (200 unless said): Slack's interactions are public but signed (slack.test.ts holds the signatures' table). */
  status?: number;
}

interface ProtectedRow {
  method: Method;
  route: string;
  /** Agent keys may call it (else 403); members need the permission (null: no member may). */
  access: { agent: boolean; permission: Access | null };
  /** A valid request in org A; calls that change an object make a throwaway one here. */
  sample: (fx: Fixtures) => Sample | Promise<Sample>;
  /** The request naming org B's object (404); "scoped" for routes without an id: org B's data is never in the answer. */
  foreign: ((fx: Fixtures) => Sample) | "scoped";
  /** Bulk: answers 200 with an outcome per item, so a refusal is each item's FORBIDDEN / NOT_FOUND. */
  perItem?: true;
  /** Server-sent events: read briefly, then dropped. */
  stream?: true;
  /** What an allowed call answers when it is not a 2xx: the MCP gateway's GET, which opens no stream (405, as the transport allows). */
  okStatus?: number;
  /** For a call whose success would end org A (closing it): the members' allowed calls go to a throwaway org of their own. */
  throwaway?: () => Promise<{ key: string; sample: Sample }>;
  /**
   * A coding agent's hook: the agent runs the tool on any non-2xx answer, so every refusal is answered
   * 200 with a hook `deny`, its code in the `x-gatehouse-error` header (docs/integrations/coding-agents.md).
   */
  failsClosed?: true;
}

type Row = PublicRow | ProtectedRow;

let app: FastifyInstance;
let fx: Fixtures;

const alnum = (length: number): string => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join("");
};

const unique = (label: string) => `${label}-${alnum(8).toLowerCase()}`;

async function requestApproval(org: TestOrg, metadata: Record<string, unknown> = { pr: 1 }): Promise<string> {
  const response = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.merge", metadata } });
  const result = response.json<{ status: string; approvalId?: string }>();
  if (result.status !== "requested" || !result.approvalId) throw new Error(`expected an approval, got ${response.body}`);
  return result.approvalId;
}

/** A domain the org claims and has proved (straight in the database): verifying it again answers it without a DNS lookup. */
async function provedDomain(org: TestOrg): Promise<string> {
  const domain = `${org.org.slug}.proved.example.test`;
  await db().orgDomainClaim.upsert({
    where: { orgId_domain: { orgId: org.org.id, domain } },
    create: { orgId: org.org.id, domain, token: alnum(32), verifiedAt: new Date() },
    update: {},
  });
  return domain;
}

async function executeAction(org: TestOrg): Promise<{ auditEventId: string; runId: string }> {
  const response = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open", metadata: { pr: 2 }, runId: "security-run" } });
  const result = response.json<{ status: string; auditEventId: string; run?: { id: string } }>();
  if (result.status !== "executed" || !result.run) throw new Error(`expected an executed action in a run, got ${response.body}`);
  return { auditEventId: result.auditEventId, runId: result.run.id };
}

async function orgFixture(label: string): Promise<OrgFixture> {
  const org = await createTestOrg({ label, policies: ALLOW_ALL_PR });
  return {
    org,
    approvalId: await requestApproval(org),
    ...(await executeAction(org).then(({ auditEventId, runId }) => ({ executedEntryId: auditEventId, runId }))),
    invitationId: (await throwawayInvitation(org)).invitation.id,
    delegationId: await throwawayDelegation(org),
    detectorId: await throwawayDetector(org),
    ...(await throwawayWebhook(org).then(async (webhookId) => ({ webhookId, webhookDeliveryId: (await testWebhook({ ctx: org.ctx, input: { id: webhookId } })).id }))),
    grantId: await throwawayGrant(org),
    mcpServerId: await throwawayMcpServer(org),
    mcpGateway: await createMcpGateway({ ctx: org.ctx, input: { name: unique("gw"), servers: [] } }),
  };
}

const throwawayMcpServer = async (org: TestOrg): Promise<string> =>
  (await createMcpServer({ ctx: org.ctx, input: { name: unique("mcp"), url: `http://127.0.0.1:9/${unique("mcp")}`, credential: "Bearer security-test" } })).id;

/** A tool a gateway found changed on a fresh server of the org's (what a gateway writes when a list differs from its pins). */
async function heldMcpTool(org: TestOrg): Promise<{ serverId: string; digest: string }> {
  const serverId = await throwawayMcpServer(org);
  const digest = randomBytes(32).toString("hex");
  await db().mcpToolPin.create({
    data: {
      serverId,
      tool: "search",
      orgId: org.org.id,
      digest: "a".repeat(64),
      definition: {},
      pendingDigest: digest,
      pendingDefinition: { description: "new" },
      pendingFields: ["description"],
    },
  });
  return { serverId, digest };
}

const MCP_INITIALIZE = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "security", version: "1" } } };

/** A session of the org's agent with its gateway (what DELETE ends). */
async function mcpSession(f: Fixtures): Promise<string> {
  const response = await call(app, "POST", `/mcp/${f.a.org.org.slug}/${f.a.mcpGateway.name}`, { key: f.a.org.agent.apiKey, body: MCP_INITIALIZE });
  const id = response.headers["mcp-session-id"];
  if (typeof id !== "string") throw new Error(`expected a session, got ${response.statusCode} ${response.body}`);
  return id;
}

/** A standing grant the org's owner gives on a fresh approval (through their admin key: a grant is a member's vote). */
async function throwawayGrant(org: TestOrg): Promise<string> {
  const ctx = { ...(await authenticateApiKey(org.adminKey.apiKey)), requestId: "security-grant" };
  // Its own arguments, matched exactly: it covers no other row's request (and repeats no call the loop rule counts).
  const only = unique("granted");
  return (await grantFromApproval({ ctx, input: { approvalId: await requestApproval(org, { pr: 1, only }), body: { durationSeconds: 600, uses: 2, match: { only } } } })).grant.id;
}

/** A webhook endpoint of the org (on a loopback port nobody listens on: its sends fail, which is all a row needs). */
const throwawayDetector = async (org: TestOrg): Promise<string> =>
  (await createContentDetector({ ctx: org.ctx, input: { name: `d_${alnum(8).toLowerCase()}`, class: "secrets", pattern: "SEC-[0-9]{6}" } })).id;

const throwawayWebhook = async (org: TestOrg): Promise<string> =>
  (await createWebhook({ ctx: org.ctx, input: { url: `http://127.0.0.1:9/${unique("hook")}`, events: ["*"] } })).webhook.id;

/** A fresh delegation of the org's agent (through the API: the agent's key is the parent). */
async function throwawayDelegation(org: TestOrg): Promise<string> {
  const response = await call(app, "POST", "/v1/delegations", { key: org.agent.apiKey, body: { name: unique("sub"), capabilities: ["pr.*"], ttlSeconds: 600 } });
  if (response.statusCode !== 201) throw new Error(`expected a delegation, got ${response.body}`);
  return response.json<{ delegation: { id: string } }>().delegation.id;
}

const throwawayInvitation = (org: TestOrg) => createInvitation({ ctx: org.ctx, input: { body: { email: `${unique("invitee")}@example.test`, role: "viewer" } } });

const throwawayAgent = async (org: TestOrg): Promise<string> => (await createAgent({ ctx: org.ctx, input: { name: unique("throwaway") } })).id;

/** Everything a request could change in an org; a refused request leaves it identical. */
/** A policy only org B has: its versions are a 404 to org A. */
const B_ONLY_POLICY = "b-only-policy";

/** The org's policy draft revision (0: none stored), for a save that is not stale. */
async function draftRevision(orgId: string): Promise<number> {
  return (await db().policyDraft.findUnique({ where: { orgId }, select: { revision: true } }))?.revision ?? 0;
}

async function stateOf(orgId: string): Promise<unknown> {
  // Activity stamps are left out: a key's last use, a member's last activity, an agent's presence (last
  // seen, moved by any call with its key, refused or not, at most every few seconds).
  const rows = (tables: string[]) =>
    tables
      .map(
        (t) =>
          `'${t}', (SELECT md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at' - 'last_active_at' - 'last_seen_at')::text, ',' ORDER BY x.id), '')) FROM ${t} x WHERE x.org_id = $1)`,
      )
      .join(", ");
  const {
    rows: [state],
  } = await db().pool.query<{ state: unknown }>(
    `SELECT json_build_object('org', (SELECT md5(to_jsonb(o)::text) FROM orgs o WHERE o.id = $1), ${rows([
      "agents",
      "api_keys",
      "memberships",
      "policies",
      "policy_versions",
      "actions",
      "approvals",
      "approval_votes",
      "delegations",
      "runs",
      "signing_keys",
      "invitations",
      "policy_publish_requests",
    ])}, 'draft', (SELECT md5(to_jsonb(d)::text) FROM policy_drafts d WHERE d.org_id = $1), 'checkpoints', (SELECT count(*) FROM checkpoints WHERE org_id = $1)) AS state`,
    [orgId],
  );
  return { ...(await writesOf(orgId)), ...(state?.state as object) };
}

// ── The table ──────────────────────────────────────────────────────────────────────────────────────

const agentOnly = { agent: true, permission: null } as const;
const anyKey = (permission: Access) => ({ agent: true, permission });
const adminKey = (permission: Access) => ({ agent: false, permission });

const ROWS: Row[] = [
  { method: "GET", route: "/healthz", access: "public", path: "/healthz" },
  // The API's own description and its rendered reference (/docs redirects to /docs/).
  { method: "GET", route: "/openapi.json", access: "public", path: "/openapi.json" },
  { method: "GET", route: "/docs", access: "public", path: "/docs/" },
  { method: "GET", route: "/docs/", access: "public", path: "/docs/" },
  { method: "GET", route: "/docs/js/scalar.js", access: "public", path: "/docs/js/scalar.js" },
  // Slack's clicks: no key, verified by the org's signing secret; an org without a Slack app answers 404 before anything is read.
  { method: "POST", route: "/v1/slack/:orgId/interactions", access: "public", path: "/v1/slack/org_0000000000000000000000/interactions", status: 404 },
  // Slack's Events API (its url_verification proves the org's app): the same, signed by the org's secret.
  { method: "POST", route: "/v1/slack/:orgId/events", access: "public", path: "/v1/slack/org_0000000000000000000000/events", status: 404 },
  // `gatehouse login --web`: no key yet (the CLI has none); without its body each call is a 400 naming the field
  // (cli-login.test.ts and packages/db/test/cli-logins.test.ts hold what they answer and to whom).
  { method: "POST", route: "/v1/cli-logins", access: "public", path: "/v1/cli-logins", status: 400 },
  { method: "POST", route: "/v1/cli-logins/token", access: "public", path: "/v1/cli-logins/token", status: 400 },

  // Agents, with their own key.
  { method: "POST", route: "/v1/actions", access: agentOnly, sample: () => ({ path: "/v1/actions", body: { actionType: "pr.open", metadata: { pr: 3 } } }), foreign: "scoped" },
  { method: "POST", route: "/v1/actions/check", access: agentOnly, sample: () => ({ path: "/v1/actions/check", body: { actionType: "pr.merge" } }), foreign: "scoped" },
  // The standalone scan: any key of the org (content.scan: every member role); it reads nothing of the org and writes nothing.
  { method: "POST", route: "/v1/scan", access: anyKey("content.scan"), sample: () => ({ path: "/v1/scan", body: { text: "mail jane.doe@example.com" } }), foreign: "scoped" },
  { method: "GET", route: "/v1/content/detectors/screen", access: agentOnly, sample: () => ({ path: "/v1/content/detectors/screen" }), foreign: "scoped" },
  { method: "GET", route: "/v1/content/detectors", access: adminKey("content.detectors"), sample: () => ({ path: "/v1/content/detectors" }), foreign: "scoped" },
  {
    method: "POST",
    route: "/v1/content/detectors",
    access: adminKey("content.detectors"),
    sample: () => ({ path: "/v1/content/detectors", body: { name: `d_${alnum(8).toLowerCase()}`, class: "secrets", pattern: "NEW-[0-9]{6}" } }),
    foreign: "scoped",
  },
  {
    method: "POST",
    route: "/v1/content/detectors/test",
    access: adminKey("content.detectors"),
    sample: () => ({ path: "/v1/content/detectors/test", body: { detector: { class: "secrets", pattern: "T-[0-9]{3}" }, samples: ["T-123"] } }),
    foreign: "scoped",
  },
  {
    method: "GET",
    route: "/v1/content/detectors/:id",
    access: adminKey("content.detectors"),
    sample: (f) => ({ path: `/v1/content/detectors/${f.a.detectorId}` }),
    foreign: (f) => ({ path: `/v1/content/detectors/${f.b.detectorId}` }),
  },
  {
    method: "PATCH",
    route: "/v1/content/detectors/:id",
    access: adminKey("content.detectors"),
    sample: (f) => ({ path: `/v1/content/detectors/${f.a.detectorId}`, body: { keywords: ["sec-"] } }),
    foreign: (f) => ({ path: `/v1/content/detectors/${f.b.detectorId}`, body: { enabled: false } }),
  },
  {
    method: "DELETE",
    route: "/v1/content/detectors/:id",
    access: adminKey("content.detectors"),
    sample: async (f) => ({ path: `/v1/content/detectors/${await throwawayDetector(f.a.org)}` }),
    foreign: (f) => ({ path: `/v1/content/detectors/${f.b.detectorId}` }),
  },
  {
    method: "POST",
    route: "/v1/actions/:auditEventId/outcome",
    access: agentOnly,
    sample: (f) => ({ path: `/v1/actions/${f.a.executedEntryId}/outcome`, body: { status: "success" } }),
    foreign: (f) => ({ path: `/v1/actions/${f.b.executedEntryId}/outcome`, body: { status: "success" } }),
  },
  {
    method: "POST",
    route: "/v1/audit/entries",
    access: agentOnly,
    sample: (f) => ({ path: "/v1/audit/entries", body: { kind: "command.ran", details: { exitCode: 0 }, auditEventId: f.a.executedEntryId } }),
    foreign: (f) => ({ path: "/v1/audit/entries", body: { kind: "command.ran", details: { exitCode: 0 }, auditEventId: f.b.executedEntryId } }),
  },
  {
    method: "POST",
    route: "/v1/hooks/:agent",
    access: agentOnly,
    sample: () => ({
      path: "/v1/hooks/claude-code?waitSeconds=0",
      body: { hook_event_name: "PreToolUse", tool_name: "Read", tool_input: { file_path: "/tmp/a" }, session_id: "s1", tool_use_id: "toolu_1" },
    }),
    foreign: "scoped",
    failsClosed: true,
  },
  { method: "GET", route: "/v1/policies", access: anyKey("policies.read"), sample: () => ({ path: "/v1/policies?scope=org" }), foreign: "scoped" },
  { method: "GET", route: "/v1/whoami", access: anyKey("org.read"), sample: () => ({ path: "/v1/whoami" }), foreign: "scoped" },
  { method: "GET", route: "/v1/posture", access: anyKey("posture.read"), sample: () => ({ path: "/v1/posture" }), foreign: "scoped" },
  { method: "GET", route: "/v1/coverage", access: adminKey("agents.read"), sample: () => ({ path: "/v1/coverage" }), foreign: "scoped" },
  {
    method: "GET",
    route: "/v1/approvals/:id",
    access: anyKey("approvals.read"),
    sample: (f) => ({ path: `/v1/approvals/${f.a.approvalId}` }),
    foreign: (f) => ({ path: `/v1/approvals/${f.b.approvalId}` }),
  },
  {
    method: "GET",
    route: "/v1/approvals/:id/wait",
    access: anyKey("approvals.read"),
    sample: (f) => ({ path: `/v1/approvals/${f.a.approvalId}/wait?timeoutMs=0` }),
    foreign: (f) => ({ path: `/v1/approvals/${f.b.approvalId}/wait?timeoutMs=0` }),
  },
  // A shared wait answers another org's ids as "not found" in its body (approvals-wait.test.ts); here, org A's own.
  {
    method: "POST",
    route: "/v1/approvals/wait",
    access: anyKey("approvals.read"),
    sample: (f) => ({ path: "/v1/approvals/wait", body: { approvalIds: [f.a.approvalId], timeoutMs: 0 } }),
    foreign: "scoped",
  },
  { method: "GET", route: "/v1/events", access: anyKey("events.read"), sample: () => ({ path: "/v1/events?lastEventId=0" }), foreign: "scoped", stream: true },

  // The audit log, for any key of the org.
  { method: "GET", route: "/v1/audit", access: anyKey("audit.read"), sample: () => ({ path: "/v1/audit?limit=100" }), foreign: "scoped" },
  { method: "GET", route: "/v1/audit/checkpoint", access: anyKey("audit.read"), sample: () => ({ path: "/v1/audit/checkpoint" }), foreign: "scoped" },
  { method: "GET", route: "/v1/audit/checkpoints", access: anyKey("audit.read"), sample: () => ({ path: "/v1/audit/checkpoints" }), foreign: "scoped" },
  { method: "GET", route: "/v1/audit/keys", access: anyKey("audit.read"), sample: () => ({ path: "/v1/audit/keys" }), foreign: "scoped" },
  {
    method: "GET",
    route: "/v1/audit/proof",
    access: anyKey("audit.read"),
    sample: (f) => ({ path: `/v1/audit/proof?entryId=${f.a.executedEntryId}` }),
    foreign: (f) => ({ path: `/v1/audit/proof?entryId=${f.b.executedEntryId}` }),
  },
  // Verifying and exporting scan the whole log: members need audit.verify / audit.export; an agent's key keeps both (its export is its own entries).
  { method: "POST", route: "/v1/audit/verify", access: anyKey("audit.verify"), sample: () => ({ path: "/v1/audit/verify" }), foreign: "scoped" },
  { method: "GET", route: "/v1/audit/export", access: anyKey("audit.export"), sample: () => ({ path: "/v1/audit/export?format=jsonl" }), foreign: "scoped" },

  { method: "POST", route: "/v1/heartbeat", access: agentOnly, sample: () => ({ path: "/v1/heartbeat", body: { intervalSeconds: 30 } }), foreign: "scoped" },
  // Runs: any key of the org reads (an agent's its own); the agent ends its own.
  { method: "GET", route: "/v1/runs", access: anyKey("agents.read"), sample: () => ({ path: "/v1/runs" }), foreign: "scoped" },
  {
    method: "GET",
    route: "/v1/runs/:id",
    access: anyKey("agents.read"),
    sample: (f) => ({ path: `/v1/runs/${f.a.runId}` }),
    foreign: (f) => ({ path: `/v1/runs/${f.b.runId}` }),
  },
  {
    method: "POST",
    route: "/v1/runs/:id/end",
    access: agentOnly,
    sample: (f) => ({ path: `/v1/runs/${f.a.runId}/end`, body: { status: "completed" } }),
    foreign: (f) => ({ path: `/v1/runs/${f.b.runId}/end`, body: { status: "cancelled" } }),
  },
  // Budgets: members with posture.read read the counts; prices are for any key of the org.
  { method: "GET", route: "/v1/budgets", access: adminKey("posture.read"), sample: () => ({ path: "/v1/budgets" }), foreign: "scoped" },
  { method: "GET", route: "/v1/prices", access: anyKey("org.read"), sample: () => ({ path: "/v1/prices" }), foreign: "scoped" },
  // Delegation: an agent's key delegates and lists its own; any ancestor agent or a member with delegations.revoke revokes.
  {
    method: "POST",
    route: "/v1/delegations",
    access: agentOnly,
    sample: () => ({ path: "/v1/delegations", body: { name: unique("sub"), capabilities: ["pr.open"], ttlSeconds: 60 } }),
    foreign: "scoped",
  },
  { method: "GET", route: "/v1/delegations", access: agentOnly, sample: () => ({ path: "/v1/delegations?role=parent" }), foreign: "scoped" },
  {
    method: "GET",
    route: "/v1/delegations/:id",
    access: agentOnly,
    sample: (f) => ({ path: `/v1/delegations/${f.a.delegationId}` }),
    foreign: (f) => ({ path: `/v1/delegations/${f.b.delegationId}` }),
  },
  {
    method: "DELETE",
    route: "/v1/delegations/:id",
    access: anyKey("delegations.revoke"),
    sample: async (f) => ({ path: `/v1/delegations/${await throwawayDelegation(f.a.org)}` }),
    foreign: (f) => ({ path: `/v1/delegations/${f.b.delegationId}` }),
  },
  {
    method: "GET",
    route: "/v1/admin/delegations",
    access: adminKey("agents.read"),
    sample: (f) => ({ path: `/v1/admin/delegations?agentId=${f.a.org.agent.id}` }),
    foreign: (f) => ({ path: `/v1/admin/delegations?agentId=${f.b.org.agent.id}` }),
  },

  // Org administration, with a member's admin key.
  { method: "GET", route: "/v1/admin/policies", access: adminKey("policies.read"), sample: () => ({ path: "/v1/admin/policies" }), foreign: "scoped" },
  { method: "GET", route: "/v1/admin/policies/monitor", access: adminKey("policies.read"), sample: () => ({ path: "/v1/admin/policies/monitor?days=7" }), foreign: "scoped" },
  { method: "GET", route: "/v1/admin/policies/library", access: adminKey("policies.read"), sample: () => ({ path: "/v1/admin/policies/library" }), foreign: "scoped" },
  {
    method: "PUT",
    route: "/v1/admin/policies",
    access: adminKey("policies.write"),
    sample: () => ({ path: "/v1/admin/policies", body: { policies: ALLOW_ALL_PR } }),
    foreign: "scoped",
  },
  {
    method: "POST",
    route: "/v1/admin/policies/test",
    access: adminKey("policies.write"),
    sample: () => ({ path: "/v1/admin/policies/test", body: { policies: ALLOW_ALL_PR, tests: [{ name: "t", request: { actionType: "pr.open" }, expect: { effect: "allow" } }] } }),
    foreign: "scoped",
  },
  {
    method: "POST",
    route: "/v1/admin/policies/simulate",
    access: adminKey("policies.write"),
    sample: () => ({ path: "/v1/admin/policies/simulate", body: { policies: ALLOW_ALL_PR, days: 1 } }),
    foreign: "scoped",
  },
  { method: "GET", route: "/v1/admin/policies/draft", access: adminKey("policies.write"), sample: () => ({ path: "/v1/admin/policies/draft" }), foreign: "scoped" },
  {
    method: "PUT",
    route: "/v1/admin/policies/draft",
    access: adminKey("policies.write"),
    sample: async (f) => ({ path: "/v1/admin/policies/draft", body: { source: "policies: []\n", format: "yaml", revision: await draftRevision(f.a.org.org.id) } }),
    foreign: "scoped",
  },
  { method: "DELETE", route: "/v1/admin/policies/draft", access: adminKey("policies.write"), sample: () => ({ path: "/v1/admin/policies/draft" }), foreign: "scoped" },
  {
    method: "POST",
    route: "/v1/admin/policies/draft/publish",
    access: adminKey("policies.write"),
    sample: async (f) => {
      // A fresh draft of the set the org has (publishing it changes no policy); samples may be made in parallel.
      const source = JSON.stringify({ policies: ALLOW_ALL_PR });
      const [draft] = await db().$queryRaw<Array<{ revision: number }>>`
        INSERT INTO policy_drafts (org_id, source, format, revision) VALUES (${f.a.org.org.id}, ${source}, 'json', 1)
        ON CONFLICT (org_id) DO UPDATE SET source = EXCLUDED.source, format = EXCLUDED.format, revision = policy_drafts.revision + 1
        RETURNING revision`;
      return { path: "/v1/admin/policies/draft/publish", body: { revision: draft?.revision ?? 0 } };
    },
    foreign: "scoped",
  },
  {
    method: "GET",
    route: "/v1/admin/policies/:name/versions",
    access: adminKey("policies.read"),
    sample: () => ({ path: "/v1/admin/policies/allow-pr/versions" }),
    foreign: () => ({ path: `/v1/admin/policies/${B_ONLY_POLICY}/versions` }),
  },
  { method: "GET", route: "/v1/admin/agents", access: adminKey("agents.read"), sample: () => ({ path: "/v1/admin/agents" }), foreign: "scoped" },
  { method: "POST", route: "/v1/admin/agents", access: adminKey("agents.manage"), sample: () => ({ path: "/v1/admin/agents", body: { name: unique("made") } }), foreign: "scoped" },
  {
    method: "POST",
    route: "/v1/admin/agents/:id/halt",
    access: adminKey("agents.manage"),
    sample: async (f) => ({ path: `/v1/admin/agents/${await throwawayAgent(f.a.org)}/halt`, body: { reason: "security test" } }),
    foreign: (f) => ({ path: `/v1/admin/agents/${f.b.org.agent.id}/halt`, body: { reason: "security test" } }),
  },
  {
    method: "POST",
    route: "/v1/admin/agents/:id/resume",
    access: adminKey("agents.manage"),
    sample: async (f) => {
      const agentId = await throwawayAgent(f.a.org);
      await setAgentStatus({ ctx: f.a.org.ctx, input: { agentId, status: "halted" } });
      return { path: `/v1/admin/agents/${agentId}/resume`, body: {} };
    },
    foreign: (f) => ({ path: `/v1/admin/agents/${f.b.org.agent.id}/resume`, body: {} }),
  },
  {
    method: "GET",
    route: "/v1/admin/agents/:id/keys",
    access: adminKey("keys.manage"),
    sample: (f) => ({ path: `/v1/admin/agents/${f.a.org.agent.id}/keys` }),
    foreign: (f) => ({ path: `/v1/admin/agents/${f.b.org.agent.id}/keys` }),
  },
  {
    method: "POST",
    route: "/v1/admin/agents/:id/keys",
    access: adminKey("keys.manage"),
    sample: async (f) => ({ path: `/v1/admin/agents/${await throwawayAgent(f.a.org)}/keys`, body: { name: "rotation" } }),
    foreign: (f) => ({ path: `/v1/admin/agents/${f.b.org.agent.id}/keys`, body: { name: "rotation" } }),
  },
  // Personal admin keys: the caller's own (an owner lists every member's); a new one is the caller's.
  { method: "GET", route: "/v1/admin/keys", access: adminKey("keys.own"), sample: () => ({ path: "/v1/admin/keys" }), foreign: "scoped" },
  {
    method: "POST",
    route: "/v1/admin/keys",
    access: adminKey("keys.own"),
    sample: () => ({ path: "/v1/admin/keys", body: { name: "security test", expiresInDays: 1 } }),
    foreign: "scoped",
  },
  {
    // A key refreshes itself only: each allowed call brings a refreshable key of its own (a CLI login's) and refreshes it.
    method: "POST",
    route: "/v1/admin/keys/:id/refresh",
    access: adminKey("keys.own"),
    sample: (f) => ({ path: `/v1/admin/keys/${f.a.org.adminKey.id}/refresh` }),
    throwaway: async () => {
      const key = await issueAdminKey({ ctx: fx.a.org.ctx, input: { membershipId: fx.a.org.owner.membershipId, name: "cli: security test", expiresInDays: 30, refreshDays: 30 } });
      return { key: key.apiKey, sample: { path: `/v1/admin/keys/${key.id}/refresh` } };
    },
    foreign: (f) => ({ path: `/v1/admin/keys/${f.b.org.adminKey.id}/refresh` }),
  },
  {
    method: "DELETE",
    route: "/v1/admin/keys/:id",
    access: adminKey("keys.manage"),
    sample: async (f) => {
      const key = await issueAgentKey({ ctx: f.a.org.ctx, input: { agentId: f.a.org.agent.id, body: { name: "throwaway" } } });
      return { path: `/v1/admin/keys/${key.id}` };
    },
    foreign: (f) => ({ path: `/v1/admin/keys/${f.b.org.agent.keyId}` }),
  },
  { method: "GET", route: "/v1/admin/settings", access: adminKey("settings.read"), sample: () => ({ path: "/v1/admin/settings" }), foreign: "scoped" },
  {
    method: "PATCH",
    route: "/v1/admin/settings",
    access: adminKey("settings.write"),
    sample: () => ({ path: "/v1/admin/settings", body: { circuitBreaker: { failureThreshold: 5 } } }),
    foreign: "scoped",
  },
  { method: "GET", route: "/v1/admin/settings/sso-domains", access: adminKey("settings.read"), sample: () => ({ path: "/v1/admin/settings/sso-domains" }), foreign: "scoped" },
  {
    method: "POST",
    route: "/v1/admin/settings/sso-domains/verify",
    access: adminKey("settings.write"),
    sample: async (f) => ({ path: "/v1/admin/settings/sso-domains/verify", body: { domain: await provedDomain(f.a.org) } }),
    // Org B's domain, named in org A's request: not among A's domains.
    foreign: (f) => ({ path: "/v1/admin/settings/sso-domains/verify", body: { domain: `${f.b.org.org.slug}.proved.example.test` } }),
  },
  { method: "GET", route: "/v1/admin/approvals", access: adminKey("approvals.read"), sample: () => ({ path: "/v1/admin/approvals?status=all&limit=200" }), foreign: "scoped" },
  {
    method: "GET",
    route: "/v1/admin/approvals/:id",
    access: adminKey("approvals.read"),
    sample: (f) => ({ path: `/v1/admin/approvals/${f.a.approvalId}` }),
    foreign: (f) => ({ path: `/v1/admin/approvals/${f.b.approvalId}` }),
  },
  {
    method: "POST",
    route: "/v1/admin/approvals/:id/decision",
    access: adminKey("approvals.decide"),
    sample: async (f) => ({ path: `/v1/admin/approvals/${await requestApproval(f.a.org)}/decision`, body: { decision: "approve" } }),
    foreign: (f) => ({ path: `/v1/admin/approvals/${f.b.approvalId}/decision`, body: { decision: "approve" } }),
  },
  {
    method: "POST",
    route: "/v1/admin/approvals/decision",
    access: adminKey("approvals.decide"),
    sample: async (f) => ({ path: "/v1/admin/approvals/decision", body: { approvalIds: [await requestApproval(f.a.org)], decision: "approve" } }),
    foreign: (f) => ({ path: "/v1/admin/approvals/decision", body: { approvalIds: [f.b.approvalId], decision: "approve" } }),
    perItem: true,
  },
  { method: "GET", route: "/v1/admin/org", access: adminKey("org.read"), sample: () => ({ path: "/v1/admin/org" }), foreign: "scoped" },
  {
    method: "PATCH",
    route: "/v1/admin/org",
    access: adminKey("org.write"),
    sample: (f) => ({ path: "/v1/admin/org", body: { name: `Sec A ${unique("n")}`, slug: f.a.org.org.slug } }),
    foreign: "scoped",
  },
  {
    method: "POST",
    route: "/v1/admin/org/close",
    access: adminKey("org.close"),
    sample: (f) => ({ path: "/v1/admin/org/close", body: { confirm: f.a.org.org.slug } }),
    foreign: "scoped",
    throwaway: async () => {
      const org = await createTestOrg({ label: "sec-close" });
      return { key: org.adminKey.apiKey, sample: { path: "/v1/admin/org/close", body: { confirm: org.org.slug } } };
    },
  },
  { method: "GET", route: "/v1/admin/members", access: adminKey("members.read"), sample: () => ({ path: "/v1/admin/members" }), foreign: "scoped" },
  {
    method: "PATCH",
    route: "/v1/admin/members/:id",
    access: adminKey("members.manage"),
    sample: async (f) => ({ path: `/v1/admin/members/${(await addTestMember(f.a.org, "viewer", "throwaway")).membershipId}`, body: { role: "auditor" } }),
    foreign: (f) => ({ path: `/v1/admin/members/${f.b.org.owner.membershipId}`, body: { role: "viewer" } }),
  },
  {
    method: "DELETE",
    route: "/v1/admin/members/:id",
    access: adminKey("members.manage"),
    sample: async (f) => ({ path: `/v1/admin/members/${(await addTestMember(f.a.org, "viewer", "throwaway")).membershipId}` }),
    foreign: (f) => ({ path: `/v1/admin/members/${f.b.org.owner.membershipId}` }),
  },
  { method: "GET", route: "/v1/admin/invitations", access: adminKey("members.read"), sample: () => ({ path: "/v1/admin/invitations" }), foreign: "scoped" },
  {
    method: "POST",
    route: "/v1/admin/invitations",
    access: adminKey("members.manage"),
    sample: () => ({ path: "/v1/admin/invitations", body: { email: `${unique("invitee")}@example.test`, role: "viewer" } }),
    foreign: "scoped",
  },
  {
    method: "DELETE",
    route: "/v1/admin/invitations/:id",
    access: adminKey("members.manage"),
    sample: async (f) => ({ path: `/v1/admin/invitations/${(await throwawayInvitation(f.a.org)).invitation.id}` }),
    foreign: (f) => ({ path: `/v1/admin/invitations/${f.b.invitationId}` }),
  },
  { method: "GET", route: "/v1/admin/mcp/servers", access: adminKey("integrations.manage"), sample: () => ({ path: "/v1/admin/mcp/servers" }), foreign: "scoped" },
  {
    method: "POST",
    route: "/v1/admin/mcp/servers",
    access: adminKey("integrations.manage"),
    sample: () => ({ path: "/v1/admin/mcp/servers", body: { name: unique("mcp"), url: "http://127.0.0.1:9/mcp" } }),
    foreign: "scoped",
  },
  {
    method: "GET",
    route: "/v1/admin/mcp/servers/:id",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/mcp/servers/${f.a.mcpServerId}` }),
    foreign: (f) => ({ path: `/v1/admin/mcp/servers/${f.b.mcpServerId}` }),
  },
  {
    method: "PATCH",
    route: "/v1/admin/mcp/servers/:id",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/mcp/servers/${f.a.mcpServerId}`, body: { description: "changed" } }),
    foreign: (f) => ({ path: `/v1/admin/mcp/servers/${f.b.mcpServerId}`, body: { url: "http://127.0.0.1:9/stolen", credential: null } }),
  },
  {
    method: "DELETE",
    route: "/v1/admin/mcp/servers/:id",
    access: adminKey("integrations.manage"),
    sample: async (f) => ({ path: `/v1/admin/mcp/servers/${await throwawayMcpServer(f.a.org)}` }),
    foreign: (f) => ({ path: `/v1/admin/mcp/servers/${f.b.mcpServerId}` }),
  },
  {
    method: "GET",
    route: "/v1/admin/mcp/servers/:id/tools",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/mcp/servers/${f.a.mcpServerId}/tools` }),
    foreign: (f) => ({ path: `/v1/admin/mcp/servers/${f.b.mcpServerId}/tools` }),
  },
  {
    method: "POST",
    route: "/v1/admin/mcp/servers/:id/tools/accept",
    access: adminKey("integrations.manage"),
    sample: async (f) => {
      const held = await heldMcpTool(f.a.org);
      return { path: `/v1/admin/mcp/servers/${held.serverId}/tools/accept`, body: { tool: "search", digest: held.digest } };
    },
    foreign: (f) => ({ path: `/v1/admin/mcp/servers/${f.b.mcpServerId}/tools/accept`, body: { tool: "search", digest: "b".repeat(64) } }),
  },
  { method: "GET", route: "/v1/admin/mcp/gateways", access: adminKey("integrations.manage"), sample: () => ({ path: "/v1/admin/mcp/gateways" }), foreign: "scoped" },
  {
    method: "POST",
    route: "/v1/admin/mcp/gateways",
    access: adminKey("integrations.manage"),
    sample: () => ({ path: "/v1/admin/mcp/gateways", body: { name: unique("gw"), servers: [] } }),
    foreign: "scoped",
  },
  {
    method: "GET",
    route: "/v1/admin/mcp/gateways/:id",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/mcp/gateways/${f.a.mcpGateway.id}` }),
    foreign: (f) => ({ path: `/v1/admin/mcp/gateways/${f.b.mcpGateway.id}` }),
  },
  {
    method: "PATCH",
    route: "/v1/admin/mcp/gateways/:id",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/mcp/gateways/${f.a.mcpGateway.id}`, body: { description: "changed" } }),
    foreign: (f) => ({ path: `/v1/admin/mcp/gateways/${f.b.mcpGateway.id}`, body: { servers: [] } }),
  },
  {
    method: "DELETE",
    route: "/v1/admin/mcp/gateways/:id",
    access: adminKey("integrations.manage"),
    sample: async (f) => ({ path: `/v1/admin/mcp/gateways/${(await createMcpGateway({ ctx: f.a.org.ctx, input: { name: unique("gw"), servers: [] } })).id}` }),
    foreign: (f) => ({ path: `/v1/admin/mcp/gateways/${f.b.mcpGateway.id}` }),
  },
  // The MCP gateway's endpoint speaks MCP: an agent's key only (a member's admin key is refused 403), another org's gateway 404.
  {
    method: "POST",
    route: "/mcp/:orgSlug/:gateway",
    access: agentOnly,
    sample: (f) => ({ path: `/mcp/${f.a.org.org.slug}/${f.a.mcpGateway.name}`, body: MCP_INITIALIZE }),
    foreign: (f) => ({ path: `/mcp/${f.b.org.org.slug}/${f.b.mcpGateway.name}`, body: MCP_INITIALIZE }),
  },
  {
    method: "GET",
    route: "/mcp/:orgSlug/:gateway",
    access: agentOnly,
    okStatus: 405,
    sample: (f) => ({ path: `/mcp/${f.a.org.org.slug}/${f.a.mcpGateway.name}` }),
    foreign: (f) => ({ path: `/mcp/${f.b.org.org.slug}/${f.b.mcpGateway.name}` }),
  },
  {
    method: "DELETE",
    route: "/mcp/:orgSlug/:gateway",
    access: agentOnly,
    sample: async (f) => ({ path: `/mcp/${f.a.org.org.slug}/${f.a.mcpGateway.name}`, headers: { "mcp-session-id": await mcpSession(f) } }),
    foreign: (f) => ({ path: `/mcp/${f.b.org.org.slug}/${f.b.mcpGateway.name}` }),
  },
  { method: "GET", route: "/.well-known/oauth-protected-resource/mcp/:orgSlug/:gateway", access: "public", path: "/.well-known/oauth-protected-resource/mcp/any-org/any-gateway" },
  { method: "GET", route: "/v1/admin/webhooks", access: adminKey("integrations.manage"), sample: () => ({ path: "/v1/admin/webhooks" }), foreign: "scoped" },
  {
    method: "POST",
    route: "/v1/admin/webhooks",
    access: adminKey("integrations.manage"),
    sample: () => ({ path: "/v1/admin/webhooks", body: { url: `http://127.0.0.1:9/${unique("hook")}`, events: ["approval.requested"] } }),
    foreign: "scoped",
  },
  {
    method: "GET",
    route: "/v1/admin/webhooks/:id",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/webhooks/${f.a.webhookId}` }),
    foreign: (f) => ({ path: `/v1/admin/webhooks/${f.b.webhookId}` }),
  },
  {
    method: "PATCH",
    route: "/v1/admin/webhooks/:id",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/webhooks/${f.a.webhookId}`, body: { description: "changed" } }),
    foreign: (f) => ({ path: `/v1/admin/webhooks/${f.b.webhookId}`, body: { url: "http://127.0.0.1:9/stolen" } }),
  },
  {
    method: "DELETE",
    route: "/v1/admin/webhooks/:id",
    access: adminKey("integrations.manage"),
    sample: async (f) => ({ path: `/v1/admin/webhooks/${await throwawayWebhook(f.a.org)}` }),
    foreign: (f) => ({ path: `/v1/admin/webhooks/${f.b.webhookId}` }),
  },
  {
    method: "POST",
    route: "/v1/admin/webhooks/:id/rotate",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/webhooks/${f.a.webhookId}/rotate` }),
    foreign: (f) => ({ path: `/v1/admin/webhooks/${f.b.webhookId}/rotate` }),
  },
  {
    method: "GET",
    route: "/v1/admin/webhooks/:id/deliveries",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/webhooks/${f.a.webhookId}/deliveries` }),
    foreign: (f) => ({ path: `/v1/admin/webhooks/${f.b.webhookId}/deliveries` }),
  },
  {
    method: "POST",
    route: "/v1/admin/webhooks/:id/deliveries/:deliveryId/redeliver",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/webhooks/${f.a.webhookId}/deliveries/${f.a.webhookDeliveryId}/redeliver` }),
    // Org B's delivery under org A's endpoint is as foreign as org B's endpoint.
    foreign: (f) => ({ path: `/v1/admin/webhooks/${f.a.webhookId}/deliveries/${f.b.webhookDeliveryId}/redeliver` }),
  },
  {
    method: "POST",
    route: "/v1/admin/webhooks/:id/test",
    access: adminKey("integrations.manage"),
    sample: (f) => ({ path: `/v1/admin/webhooks/${f.a.webhookId}/test` }),
    foreign: (f) => ({ path: `/v1/admin/webhooks/${f.b.webhookId}/test` }),
  },
  { method: "GET", route: "/v1/admin/integrations/slack", access: adminKey("integrations.manage"), sample: () => ({ path: "/v1/admin/integrations/slack" }), foreign: "scoped" },
  {
    method: "PUT",
    route: "/v1/admin/integrations/slack",
    access: adminKey("integrations.manage"),
    sample: () => ({ path: "/v1/admin/integrations/slack", body: { botToken: slack.botToken, signingSecret: slack.signingSecret } }),
    foreign: "scoped",
  },
  {
    method: "DELETE",
    route: "/v1/admin/integrations/slack",
    access: adminKey("integrations.manage"),
    sample: async (f) => {
      await connectSlack({ ctx: f.a.org.ctx, input: { botToken: slack.botToken, signingSecret: slack.signingSecret } });
      return { path: "/v1/admin/integrations/slack" };
    },
    foreign: "scoped",
  },
  {
    method: "POST",
    route: "/v1/admin/approvals/:id/grant",
    access: adminKey("approvals.decide"),
    sample: async (f) => {
      const only = unique("granted");
      return { path: `/v1/admin/approvals/${await requestApproval(f.a.org, { pr: 1, only })}/grant`, body: { durationSeconds: 600, uses: 2, match: { only } } };
    },
    foreign: (f) => ({ path: `/v1/admin/approvals/${f.b.approvalId}/grant`, body: { durationSeconds: 600 } }),
  },
  { method: "GET", route: "/v1/admin/grants", access: adminKey("approvals.read"), sample: () => ({ path: "/v1/admin/grants?status=all" }), foreign: "scoped" },
  {
    method: "DELETE",
    route: "/v1/admin/grants/:id",
    access: adminKey("settings.write"), // an owner or admin; the member who gave the grant too (approval-channels and grants tests)
    sample: async (f) => ({ path: `/v1/admin/grants/${await throwawayGrant(f.a.org)}` }),
    foreign: (f) => ({ path: `/v1/admin/grants/${f.b.grantId}` }),
  },
  // The caller's own hand-over: every role that reads approvals has one (auditors do not: no approvals.read).
  { method: "GET", route: "/v1/admin/handover", access: adminKey("approvals.read"), sample: () => ({ path: "/v1/admin/handover" }), foreign: "scoped" },
  {
    method: "PUT",
    route: "/v1/admin/handover",
    access: adminKey("approvals.read"),
    sample: async (f) => ({
      path: "/v1/admin/handover",
      body: { toMemberId: (await addTestMember(f.a.org, "owner", "stand-in")).membershipId, until: new Date(Date.now() + 3_600_000).toISOString() },
    }),
    foreign: (f) => ({ path: "/v1/admin/handover", body: { toMemberId: f.b.org.owner.membershipId, until: new Date(Date.now() + 3_600_000).toISOString() } }),
  },
  {
    method: "DELETE",
    route: "/v1/admin/handover",
    access: adminKey("approvals.read"),
    sample: () => ({ path: "/v1/admin/handover" }),
    foreign: "scoped",
  },
  // A report counts the caller's org's log only (article12-report.test.ts holds each org to its own).
  {
    method: "POST",
    route: "/v1/audit/reports/article12",
    access: adminKey("audit.export"),
    sample: () => ({ path: "/v1/audit/reports/article12", body: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() } }),
    foreign: "scoped",
  },
  { method: "POST", route: "/v1/admin/audit/keys/rotate", access: adminKey("audit.keys.rotate"), sample: () => ({ path: "/v1/admin/audit/keys/rotate" }), foreign: "scoped" },
  // The governance health: the caller's org's figures only (health-governance.test.ts holds each org to its own).
  { method: "GET", route: "/health/governance", access: adminKey("audit.verify"), sample: () => ({ path: "/health/governance" }), foreign: "scoped" },
  { method: "GET", route: "/v1/audit/witnesses", access: adminKey("audit.verify"), sample: () => ({ path: "/v1/audit/witnesses" }), foreign: "scoped" },
  {
    method: "POST",
    route: "/v1/admin/audit/erasures",
    access: adminKey("audit.erase"),
    sample: () => ({ path: "/v1/admin/audit/erasures", body: { subject: unique("nobody-holds-this"), reason: "security table" } }),
    foreign: (f) => ({ path: "/v1/admin/audit/erasures", body: { entryIds: [f.b.executedEntryId], reason: "another org's entry" } }),
  },
];

const isPublic = (row: Row): row is PublicRow => row.access === "public";
const PROTECTED = ROWS.filter((row): row is ProtectedRow => !isPublic(row));
const routeKey = (method: string, url: string) => `${method} ${url}`;

/** The routes the table accounts for: each row, and the HEAD route Fastify adds for each GET. */
function tableRoutes(): string[] {
  return ROWS.flatMap((row) => [routeKey(row.method, row.route), ...(row.method === "GET" ? [routeKey("HEAD", row.route)] : [])]).sort();
}

// ── Calls and checks ───────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  requestId: unknown;
  text: string;
  /** A hook's refusal code (`x-gatehouse-error`). */
  refused?: string;
}

async function send(row: ProtectedRow, method: Method | "HEAD", sample: Sample, key: string | undefined): Promise<Answer> {
  if (row.stream && method === "GET") {
    const response = await peek(app, sample.path, key === undefined ? {} : { key });
    return { status: response.statusCode, requestId: response.headers["x-request-id"], text: response.text };
  }
  const response = await call(app, method, sample.path, {
    ...(key === undefined ? {} : { key }),
    ...(sample.body === undefined ? {} : { body: sample.body }),
    ...(sample.headers === undefined ? {} : { headers: sample.headers }),
  });
  const refused = response.headers["x-gatehouse-error"];
  return { status: response.statusCode, requestId: response.headers["x-request-id"], text: response.body, ...(typeof refused === "string" ? { refused } : {}) };
}

const keyOf = (caller: Caller): string => (caller === "agent" ? fx.a.org.agent.apiKey : fx.keys[caller]);

const mayCall = (row: ProtectedRow, caller: Caller): boolean => (caller === "agent" ? row.access.agent : row.access.permission !== null && allowed(caller, row.access.permission));

/** The callers of org A that pass the row's checks: its agent if agents may, and the first role with the permission. */
function allowedCallers(row: ProtectedRow): Caller[] {
  const role = MEMBER_ROLES.find((r) => mayCall(row, r));
  return [...(row.access.agent ? (["agent"] as const) : []), ...(role ? [role] : [])];
}

function expectEnvelope(answer: Answer, status: number, code: string, label: string): void {
  expect(answer.status, `${label}: ${answer.text}`).toBe(status);
  expect(JSON.parse(answer.text), label).toEqual({ error: { code, message: expect.any(String), requestId: answer.requestId } });
}

/** A refusal as the row answers it: the error envelope, or for a hook (failsClosed) a 200 deny naming the code. */
function expectRefusal(row: ProtectedRow, answer: Answer, status: number, code: string, label: string): void {
  if (!row.failsClosed) return expectEnvelope(answer, status, code, label);
  expect([answer.status, answer.refused], `${label}: ${answer.text}`).toEqual([200, code]);
  expect(JSON.parse(answer.text), label).toEqual({ hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: expect.any(String) } });
}

/** Bulk outcomes: every item's error code (undefined where the item succeeded). */
function itemCodes(answer: Answer): Array<string | undefined> {
  const { results } = JSON.parse(answer.text) as { results: Array<{ error?: { code: string } }> };
  return results.map((r) => r.error?.code);
}

/**
 * Refusals: 403 (or, for a member on a bulk route, 200 with each item FORBIDDEN), and nothing written
 * in org A. The samples are made first, so their throwaway objects are not counted as writes.
 */
async function expectRefused(row: ProtectedRow, callers: readonly Caller[]): Promise<void> {
  const samples = await Promise.all(callers.map(() => row.sample(fx)));
  const before = await stateOf(fx.a.org.org.id);
  const answers = await Promise.all(callers.map((caller, i) => send(row, row.method, samples[i] as Sample, keyOf(caller))));
  answers.forEach((answer, i) => {
    const caller = callers[i] as Caller;
    const label = `${row.method} ${row.route} as ${caller}`;
    if (row.perItem && caller !== "agent") {
      expect(answer.status, `${label}: ${answer.text}`).toBe(200);
      expect(itemCodes(answer), label).toEqual(itemCodes(answer).map(() => "FORBIDDEN"));
    } else {
      expectRefusal(row, answer, 403, "FORBIDDEN", label);
    }
  });
  expect(await stateOf(fx.a.org.org.id), `${row.method} ${row.route} as ${callers.join(", ")} wrote something`).toEqual(before);
}

function expectSuccess(answer: Answer, label: string): void {
  expect(answer.status >= 200 && answer.status < 300, `${label}: ${answer.status} ${answer.text.slice(0, 300)}`).toBe(true);
}

/** A call the caller may make: in org A, or for a row with `throwaway`, as its own org's owner. */
async function allowedCall(row: ProtectedRow, caller: Caller): Promise<{ key: string; sample: Sample }> {
  if (row.throwaway && caller !== "agent") return row.throwaway();
  return { key: keyOf(caller), sample: await row.sample(fx) };
}

async function expectAllowed(row: ProtectedRow, caller: Caller): Promise<void> {
  const { key, sample } = await allowedCall(row, caller);
  const answer = await send(row, row.method, sample, key);
  const label = `${row.method} ${row.route} as ${caller}`;
  if (row.okStatus !== undefined) expect(answer.status, `${label}: ${answer.text.slice(0, 300)}`).toBe(row.okStatus);
  else expectSuccess(answer, label);
  if (row.perItem) expect(itemCodes(answer).filter(Boolean), label).toEqual([]);
  expectNoDataOfOrgB(answer, sample, label);
}

function expectNoDataOfOrgB(answer: Answer, sample: Sample, label: string): void {
  const asked = `${sample.path} ${JSON.stringify(sample.body ?? null)}`;
  const leaked = fx.bMarkers.filter((marker) => !asked.includes(marker) && answer.text.includes(marker));
  expect(leaked, `${label} answered org B's data`).toEqual([]);
}

// ── Setup ──────────────────────────────────────────────────────────────────────────────────────────

/** A stand-in for Slack's Web API (the official client talks to it): connecting a Slack app asks it. */
let slack: SlackStandIn;

beforeAll(async () => {
  slack = await startSlackStandIn();
  process.env.GATEHOUSE_SLACK_API_URL = slack.url;
  app = await startApp();
  const [a, b] = await Promise.all([orgFixture("sec-a"), orgFixture("sec-b")]);
  await applyPolicies({ ctx: b.org.ctx, input: { policies: [...ALLOW_ALL_PR, { name: B_ONLY_POLICY, actions: ["b.only"], effect: "allow" }] } });
  await provedDomain(b.org);
  // Each member's key is one they issued themselves, as from the console's Keys page (approvers and
  // auditors hold keys.own): whatever they call with it, the table below expects their role's reach.
  const memberKey = async (role: MemberRole) => {
    const member = await addTestMember(a.org, role);
    if (!hasPermission(role, "keys.own")) return member.apiKey;
    const ctx = { org: a.org.org, actor: { type: "user" as const, userId: member.userId, membershipId: member.membershipId, role }, requestId: `own-key-${role}` };
    return (await issueOwnAdminKey({ ctx, input: { body: { name: `${role}'s own` } } })).apiKey;
  };
  const keys: Record<MemberRole, string> = {
    owner: a.org.adminKey.apiKey,
    admin: await memberKey("admin"),
    approver: await memberKey("approver"),
    auditor: await memberKey("auditor"),
    viewer: await memberKey("viewer"),
  };

  const revokedAgent = await issueAgentKey({ ctx: a.org.ctx, input: { agentId: a.org.agent.id, body: { name: "revoked" } } });
  await revokeApiKey({ ctx: a.org.ctx, input: { keyId: revokedAgent.id } });
  const revokedAdmin = await issueAdminKey({ ctx: a.org.ctx, input: { membershipId: a.org.owner.membershipId } });
  await revokeApiKey({ ctx: a.org.ctx, input: { keyId: revokedAdmin.id } });
  const expiredAgent = await issueAgentKey({ ctx: a.org.ctx, input: { agentId: a.org.agent.id, body: { name: "expired", expiresInDays: 1 } } });
  const expiredAdmin = await issueAdminKey({ ctx: a.org.ctx, input: { membershipId: a.org.owner.membershipId } });
  await db().apiKey.updateMany({ where: { id: { in: [expiredAgent.id, expiredAdmin.id] } }, data: { expiresAt: new Date(Date.now() - 60_000) } });

  // A closed org's keys (agent and admin) are refused like any key that stopped working.
  const closed = await createTestOrg({ label: "sec-closed" });
  await closeOrg({ ctx: closed.ctx, input: { confirm: closed.org.slug } });

  const bEntries = await db().auditEntry.findMany({ where: { orgId: b.org.org.id }, select: { id: true } });
  const bKeys = await db().apiKey.findMany({ where: { orgId: b.org.org.id }, select: { id: true } });
  fx = {
    a,
    b,
    keys,
    bMarkers: [
      b.org.org.id,
      b.org.org.slug,
      b.org.agent.id,
      b.org.owner.email,
      b.org.owner.membershipId,
      b.org.owner.userId,
      b.approvalId,
      b.invitationId,
      b.delegationId,
      b.webhookId,
      b.webhookDeliveryId,
      b.grantId,
      ...bEntries.map((e) => e.id),
      ...bKeys.map((k) => k.id),
    ],
    badKeys: [
      { name: "no key" },
      { name: "Bearer nope", key: "nope" },
      { name: "wrong prefix", key: `gh_user_${alnum(32)}` },
      { name: "right prefix, wrong length", key: `gh_agent_${alnum(31)}` },
      { name: "well-formed, unknown", key: `gh_admin_${alnum(32)}` },
      { name: "revoked agent key", key: revokedAgent.apiKey },
      { name: "revoked admin key", key: revokedAdmin.apiKey },
      { name: "expired agent key", key: expiredAgent.apiKey },
      { name: "expired admin key", key: expiredAdmin.apiKey },
      { name: "agent key of a closed org", key: closed.agent.apiKey },
      { name: "admin key of a closed org", key: closed.adminKey.apiKey },
    ],
  };
});

afterAll(async () => {
  await stopApp(app);
  await slack.close();
});

// ── The suite ──────────────────────────────────────────────────────────────────────────────────────

it("the table names every route the API registers, and no route it does not", () => {
  const registered = app.registeredRoutes.map((r) => routeKey(r.method, r.url)).sort();
  const table = tableRoutes();
  expect({ missingFromTable: registered.filter((r) => !table.includes(r)), notRegistered: table.filter((r) => !registered.includes(r)) }).toEqual({
    missingFromTable: [],
    notRegistered: [],
  });
});

for (const row of ROWS.filter(isPublic)) {
  it(`${row.method} ${row.route} is public: it answers without a key`, async () => {
    for (const method of [row.method, ...(row.method === "GET" ? (["HEAD"] as const) : [])]) {
      expect((await call(app, method, row.path)).statusCode, method).toBe(row.status ?? 200);
    }
  });
}

for (const row of PROTECTED) {
  describe(`${row.method} ${row.route}`, () => {
    it("missing, malformed, unknown, revoked or expired keys: 401 with the error envelope", async () => {
      const sample = await row.sample(fx);
      await Promise.all(
        fx.badKeys.map(async (bad) => {
          expectRefusal(row, await send(row, row.method, sample, bad.key), 401, "UNAUTHENTICATED", `${row.method} ${row.route} with ${bad.name}`);
          // Fastify answers HEAD for every GET; it has no body, so only its status is checked.
          if (row.method === "GET") expect((await send(row, "HEAD", sample, bad.key)).status, `HEAD ${row.route} with ${bad.name}`).toBe(401);
        }),
      );
    });

    it(row.access.agent ? "an agent key passes" : "an agent key: 403, nothing written", async () => {
      if (row.access.agent) await expectAllowed(row, "agent");
      else await expectRefused(row, ["agent"]);
    });

    it("each member role: 403 with nothing written without the permission, through with it", async () => {
      const refused = MEMBER_ROLES.filter((role) => !mayCall(row, role));
      if (refused.length > 0) await expectRefused(row, refused);
      for (const role of MEMBER_ROLES.filter((r) => mayCall(row, r))) await expectAllowed(row, role);
    });

    const foreign = row.foreign;
    if (foreign === "scoped") {
      it("never answers another org's data, nor changes it", async () => {
        const before = await stateOf(fx.b.org.org.id);
        for (const caller of allowedCallers(row)) {
          const { key, sample } = await allowedCall(row, caller);
          const answer = await send(row, row.method, sample, key);
          const label = `${row.method} ${row.route} as ${caller}`;
          expectSuccess(answer, label);
          expectNoDataOfOrgB(answer, sample, label);
        }
        expect(await stateOf(fx.b.org.org.id)).toEqual(before);
      });
    } else {
      it("another org's id: 404 (never 403 or its data), nothing changed there", async () => {
        const before = await stateOf(fx.b.org.org.id);
        for (const caller of allowedCallers(row)) {
          const sample = foreign(fx);
          const answer = await send(row, row.method, sample, keyOf(caller));
          const label = `${row.method} ${row.route} with org B's id as ${caller}`;
          if (row.perItem) {
            expect(answer.status, `${label}: ${answer.text}`).toBe(200);
            expect(itemCodes(answer), label).toEqual(itemCodes(answer).map(() => "NOT_FOUND"));
          } else {
            expectEnvelope(answer, 404, "NOT_FOUND", label);
          }
          expectNoDataOfOrgB(answer, sample, label);
        }
        expect(await stateOf(fx.b.org.org.id)).toEqual(before);
      });
    }
  });
}

// ── Bodies: a route takes the body its contract declares, and nothing else ───────────────────────
// Every route of the contract: one that declares no body refuses any (400 naming `body`, before it is
// read: nothing written, a key rotation does not rotate); one that declares a body refuses a field
// its schema does not name (strict schemas; the coding-agent hook alone drops the agents' own extras).

/** The request a row's caller may make, with `body` instead of its own; streams are read briefly, then dropped. */
async function sendWithBody(method: Method, path: string, key: string | undefined, body: unknown): Promise<Answer> {
  const controller = new AbortController();
  const headers: Record<string, string> = { "content-type": "application/json", ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) };
  const response = await app.inject({ method, url: path, headers, payload: JSON.stringify(body), payloadAsStream: true, signal: controller.signal });
  const stream = response.stream();
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.on("error", () => {});
  const ended = new Promise<void>((resolve) => stream.once("end", () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)))]);
  clearTimeout(timer);
  controller.abort();
  return { status: response.statusCode, requestId: response.headers["x-request-id"], text: Buffer.concat(chunks).toString("utf8") };
}

const contractOf = (method: string, path: string): RouteContract | undefined => (routes as readonly RouteContract[]).find((r) => r.method === method && r.path === path);
const rowOf = (route: RouteContract): Row | undefined => ROWS.find((row) => row.method === route.method && row.route === route.path);
const UNEXPECTED = { unexpected: "a field no route defines", rotate: true };

describe("a route that declares no body refuses one: 400 naming `body`, nothing written", () => {
  const bodyless = (routes as readonly RouteContract[]).filter((route) => !route.body && !route.rawBody);

  it("the table has a row for every route of the contract", () => {
    expect((routes as readonly RouteContract[]).filter((route) => !rowOf(route)).map((route) => `${route.method} ${route.path}`)).toEqual([]);
  });

  for (const route of bodyless) {
    it(`${route.method} ${route.path}`, async () => {
      const row = rowOf(route) as Row;
      const caller = isPublic(row) ? undefined : allowedCallers(row)[0];
      const { key, sample } = isPublic(row) ? { key: undefined, sample: { path: row.path } } : await allowedCall(row, caller as Caller);
      const before = await stateOf(fx.a.org.org.id);
      const keysBefore = await db().signingKey.count({ where: { orgId: fx.a.org.org.id } });
      const answer = await sendWithBody(route.method, sample.path, key, UNEXPECTED);
      const label = `${route.method} ${route.path} with a body${caller ? ` as ${caller}` : ""}`;
      expect(answer.status, `${label}: ${answer.text.slice(0, 300)}`).toBe(400);
      expect(JSON.parse(answer.text), label).toEqual({
        error: {
          code: "VALIDATION",
          message: expect.any(String),
          details: { issues: [{ path: "body", message: expect.stringMatching(/takes no body/) }] },
          requestId: answer.requestId,
        },
      });
      expect(await stateOf(fx.a.org.org.id), `${label} wrote something`).toEqual(before);
      expect(await db().signingKey.count({ where: { orgId: fx.a.org.org.id } }), `${label}: the key was rotated`).toBe(keysBefore);
    });
  }

  it("the same call without a body still goes through (the key rotation rotates)", async () => {
    const keysBefore = await db().signingKey.count({ where: { orgId: fx.a.org.org.id } });
    const rotated = await call(app, "POST", "/v1/admin/audit/keys/rotate", { key: fx.keys.owner });
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(await db().signingKey.count({ where: { orgId: fx.a.org.org.id } })).toBe(keysBefore + 1);
  });

  it("an empty body (Content-Length: 0) is no body", async () => {
    const answer = await app.inject({ method: "POST", url: "/v1/audit/verify", headers: { authorization: `Bearer ${fx.keys.owner}`, "content-length": "0" } });
    expect(answer.statusCode, answer.body).toBe(200);
  });
});

describe("a route that declares a body refuses a field it does not define: 400, nothing written", () => {
  /** Bodies that keep what they do not know: the coding agents send fields of their own (transcript_path, permission_mode, …) and add more in new versions. */
  const TOLERANT = new Set(["POST /v1/hooks/:agent"]);

  for (const row of PROTECTED) {
    const route = contractOf(row.method, row.route);
    if (!route?.body || TOLERANT.has(`${row.method} ${row.route}`)) continue;
    it(`${row.method} ${row.route}`, async () => {
      const caller = allowedCallers(row)[0] as Caller;
      const { key, sample } = await allowedCall(row, caller);
      // A body the route may be called without (bodyOptional) is an empty object to add the field to.
      const body = sample.body ?? {};
      if (body === null || typeof body !== "object" || Array.isArray(body)) throw new Error(`${row.route}: its sample body is not an object`);
      const before = await stateOf(fx.a.org.org.id);
      const answer = await send(row, row.method, { ...sample, body: { ...body, unexpectedField: true } }, key);
      const label = `${row.method} ${row.route} with an unknown field as ${caller}`;
      expect(answer.status, `${label}: ${answer.text.slice(0, 300)}`).toBe(400);
      expect(answer.text, label).toContain("unexpectedField");
      expect(await stateOf(fx.a.org.org.id), `${label} wrote something`).toEqual(before);
    });
  }
});
