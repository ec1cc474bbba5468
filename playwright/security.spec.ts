import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { MEMBER_ROLES, newId, type MemberRole } from "@gatehouse/core";
import {
  authenticateApiKey,
  connectSlack,
  createAgent,
  createContentDetector,
  createDelegation,
  createMcpGateway,
  createMcpServer,
  createWebhook,
  grantFromApproval,
  db,
  disconnectDb,
  issueAgentKey,
  setAgentStatus,
  testWebhook,
} from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { request as apiRequest, type APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";
import { addMember } from "./people";
import { readStack, type E2EStack } from "./stack";

// Every org route handler of the console, by construction: the table below must name exactly the
// HTTP methods exported by apps/web/src/app/api/orgs/**/route.ts, and each row runs the same checks —
// no session 401, a member of another org 404, each role without the permission 403 with nothing
// written, the roles with it through, and another org's ids 404 (or, without an id, never its data).

const ORG_ROUTES_DIR = join(dirname(fileURLToPath(import.meta.url)), "../apps/web/src/app/api/orgs");
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** `GET /api/orgs/[orgSlug]/approvals` for each method each route.ts under ORG_ROUTES_DIR exports. */
async function exportedHandlers(): Promise<string[]> {
  const files = (await readdir(ORG_ROUTES_DIR, { recursive: true })).filter((file) => file.split(sep).at(-1) === "route.ts");
  const handlers = await Promise.all(
    files.map(async (file) => {
      const source = await readFile(join(ORG_ROUTES_DIR, file), "utf8");
      const url = `/api/orgs/${dirname(file).split(sep).join("/")}`;
      const declared = [...source.matchAll(/export\s+(?:async\s+)?(?:function\s*\*?|const|let|var)\s+([A-Z]+)\b/g)].map((m) => m[1]);
      const listed = [...source.matchAll(/export\s*\{([^}]*)\}/g)].flatMap((m) =>
        (m[1] ?? "").split(",").map((name) =>
          name
            .trim()
            .split(/\s+as\s+/)
            .at(-1),
        ),
      );
      return [...declared, ...listed].filter((name): name is (typeof HTTP_METHODS)[number] => HTTP_METHODS.some((method) => method === name)).map((method) => `${method} ${url}`);
    }),
  );
  return handlers.flat().sort();
}

// ── Who may do what ────────────────────────────────────────────────────────────────────────────────
// As the services decide it today; the one place to swap for the core permission catalogue.

const READS = ["audit.read", "events.read", "posture.read"] as const;
/** `member`: every member (leaving the org needs no permission). */
type Permission =
  | (typeof READS)[number]
  | "approvals.read"
  | "approvals.decide"
  | "audit.keys.rotate"
  | "agents.read"
  | "agents.manage"
  | "keys.manage"
  | "keys.own"
  | "delegations.revoke"
  | "policies.write"
  | "members.read"
  | "members.manage"
  | "audit.verify"
  | "audit.export"
  | "audit.erase"
  | "org.write"
  | "org.close"
  | "settings.write"
  | "integrations.manage"
  | "content.detectors"
  | "member";

const PERMISSIONS_BY_ROLE: Record<MemberRole, readonly Permission[]> = {
  owner: [
    ...READS,
    "approvals.read",
    "approvals.decide",
    "audit.keys.rotate",
    "audit.verify",
    "audit.export",
    "audit.erase",
    "agents.read",
    "agents.manage",
    "keys.manage",
    "keys.own",
    "delegations.revoke",
    "policies.write",
    "members.read",
    "members.manage",
    "org.write",
    "org.close",
    "settings.write",
    "integrations.manage",
    "content.detectors",
    "member",
  ],
  admin: [
    ...READS,
    "approvals.read",
    "approvals.decide",
    "audit.keys.rotate",
    "audit.verify",
    "audit.export",
    "agents.read",
    "agents.manage",
    "keys.manage",
    "keys.own",
    "delegations.revoke",
    "policies.write",
    "members.read",
    "members.manage",
    "settings.write",
    "integrations.manage",
    "content.detectors",
    "member",
  ],
  approver: [...READS, "approvals.read", "approvals.decide", "agents.read", "keys.own", "member"],
  auditor: [...READS, "audit.verify", "audit.export", "agents.read", "members.read", "keys.own", "member"],
  viewer: [...READS, "approvals.read", "agents.read", "member"],
};

function hasPermission(role: MemberRole, permission: Permission): boolean {
  return PERMISSIONS_BY_ROLE[role].includes(permission);
}

// ── Fixtures ───────────────────────────────────────────────────────────────────────────────────────

interface OrgFixture {
  org: TestOrg;
  slug: string;
  approvalId: string;
  executedEntryId: string;
  /** A pending invitation of the org. */
  invitationId: string;
  /** An active delegation of the org's agent. */
  delegationId: string;
  /** A run of the org's agent (run_…). */
  runId: string;
  /** A webhook endpoint of the org (on a loopback port nobody listens on) and one logged attempt of it. */
  webhookId: string;
  webhookDeliveryId: string;
  /** One of the org's own content detectors. */
  detectorId: string;
  /** An MCP server of the org (a loopback URL nobody listens on) and a gateway serving it. */
  mcpServerId: string;
  mcpGatewayId: string;
  /** A live standing grant of the org. */
  grantId: string;
}

interface Fixtures {
  stack: E2EStack;
  a: OrgFixture;
  b: OrgFixture;
  /** Signed-in sessions of org A's members, one per role. */
  sessions: Record<MemberRole, APIRequestContext>;
  /** No session, and a session cookie that is not one. */
  anonymous: Array<{ name: string; context: APIRequestContext }>;
  /** Strings only org B's data contains. */
  bMarkers: string[];
}

interface Sample {
  path: string;
  body?: unknown;
}

interface Row {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  route: string;
  permission: Permission;
  /** A valid request in the org `slug` names; a vote is cast on a throwaway approval. */
  sample: (f: Fixtures, slug: string) => Sample | Promise<Sample>;
  /** The request in org A naming org B's object (404); without it, org B's data is never in the answer. */
  foreign?: (f: Fixtures) => Sample;
  /** Server-sent events: read briefly, then dropped. */
  stream?: true;
  /** After each request that went through: puts back what it took (a member who left). */
  restore?: (f: Fixtures) => Promise<void>;
  /** For a request whose success would end org A (closing it): the roles with the permission succeed in a throwaway org of their own, signed in as its owner. */
  throwaway?: (f: Fixtures) => Promise<{ context: APIRequestContext; sample: Sample }>;
}

const POLICIES = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
];

let api: APIRequestContext;
let fx: Fixtures;
const contexts: APIRequestContext[] = [];

let prs = 0;
async function decide(org: TestOrg, actionType: string): Promise<{ status: string; approvalId?: string; auditEventId: string; run: { id: string } }> {
  // Each a different PR: the same call again and again is a loop (docs/loops.md), refused after 20.
  const response = await api.post("/v1/actions", {
    headers: { authorization: `Bearer ${org.agent.apiKey}` },
    data: { actionType, metadata: { pr: (prs += 1) }, runId: "security-spec" },
  });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as { status: string; approvalId?: string; auditEventId: string; run: { id: string } };
}

async function requestApproval(org: TestOrg): Promise<string> {
  const { status, approvalId } = await decide(org, "pr.merge");
  if (status !== "requested" || !approvalId) throw new Error(`expected an approval, got ${status}`);
  return approvalId;
}

async function orgFixture(label: string): Promise<OrgFixture> {
  const org = await createTestOrg({ label, policies: POLICIES });
  const executed = await decide(org, "pr.open");
  const invitationId = await addInvitation(org);
  const agentCtx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "security-spec" };
  const { delegation } = await createDelegation({ ctx: agentCtx, input: { name: "sec", capabilities: ["pr.*"], ttlSeconds: 3600 } });
  return {
    org,
    slug: org.org.slug,
    approvalId: await requestApproval(org),
    executedEntryId: executed.auditEventId,
    invitationId,
    delegationId: delegation.id,
    runId: executed.run.id,
    detectorId: await addDetector(org),
    ...(await addWebhook(org).then(async (webhookId) => ({ webhookId, webhookDeliveryId: (await testWebhook({ ctx: org.ctx, input: { id: webhookId } })).id }))),
    grantId: await addGrant(org),
    ...(await addMcpServer(org).then(async (mcpServerId) => ({ mcpServerId, mcpGatewayId: await addMcpGateway(org) }))),
  };
}

/** A standing grant the org's owner gives (through their admin key) on a fresh approval, matching only its own arguments. */
async function addGrant(org: TestOrg): Promise<string> {
  const ctx = { ...(await authenticateApiKey(org.adminKey.apiKey)), requestId: "security-spec" };
  return (await grantFromApproval({ ctx, input: { approvalId: await requestApproval(org), body: { durationSeconds: 600, uses: 2 } } })).grant.id;
}

/** A webhook endpoint of the org: its sends fail (nobody listens on port 9), which is all a row needs. */
async function addWebhook(org: TestOrg): Promise<string> {
  return (await createWebhook({ ctx: org.ctx, input: { url: `http://127.0.0.1:9/${randomBytes(4).toString("hex")}`, events: ["*"] } })).webhook.id;
}

async function addMcpServer(org: TestOrg): Promise<string> {
  return (await createMcpServer({ ctx: org.ctx, input: { name: `s-${randomBytes(4).toString("hex")}`, url: "http://127.0.0.1:9/mcp", credential: "Bearer security-spec" } })).id;
}

async function addMcpGateway(org: TestOrg): Promise<string> {
  return (await createMcpGateway({ ctx: org.ctx, input: { name: `g-${randomBytes(4).toString("hex")}`, servers: [] } })).id;
}

async function addDetector(org: TestOrg): Promise<string> {
  return (await createContentDetector({ ctx: org.ctx, input: { name: `d_${randomBytes(4).toString("hex")}`, class: "secrets", pattern: "SEC-[0-9]{6}" } })).id;
}

async function newContext(stack: E2EStack, sessionCookie?: string): Promise<APIRequestContext> {
  const host = new URL(stack.webUrl).hostname;
  const cookies = sessionCookie
    ? [{ name: "authjs.session-token", value: sessionCookie, domain: host, path: "/", expires: -1, httpOnly: true, secure: false, sameSite: "Lax" as const }]
    : [];
  // The console's own origin, as its pages send it with every write (cross-site.spec.ts covers the others).
  const context = await apiRequest.newContext({ baseURL: stack.webUrl, extraHTTPHeaders: { origin: stack.webUrl }, storageState: { cookies, origins: [] } });
  contexts.push(context);
  return context;
}

/** Signs in through next-auth's credentials endpoint; the context keeps the session cookie. */
async function signedIn(stack: E2EStack, credentials: { email: string; password: string }): Promise<APIRequestContext> {
  const context = await newContext(stack);
  const { csrfToken } = (await (await context.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await context.post("/api/auth/callback/credentials", { form: { csrfToken, email: credentials.email, password: credentials.password, callbackUrl: stack.webUrl } });
  const session = (await (await context.get("/api/auth/session")).json()) as { user?: { email?: string } } | null;
  expect(session?.user?.email, `signed in as ${credentials.email}`).toBe(credentials.email);
  return context;
}

/** A pending invitation in the org, written directly (its token is never needed). */
async function addInvitation(org: TestOrg, role: MemberRole = "viewer"): Promise<string> {
  const id = newId("invitation");
  const email = `invited-${randomBytes(4).toString("hex")}@example.test`;
  await db().invitation.create({ data: { id, orgId: org.org.id, email, role, tokenHash: randomBytes(32).toString("hex"), expiresAt: new Date(Date.now() + 86_400_000) } });
  return id;
}

/**
 * A domain the org claims and has proved (in the database: the console looks TXT records up in the real
 * DNS, which a test cannot write). Verifying a proved domain answers it without a lookup.
 */
async function provedDomain(f: Fixtures, slug: string): Promise<string> {
  const org = slug === f.b.slug ? f.b.org : f.a.org;
  const domain = `${slug}.proved.example.test`;
  await db().orgDomainClaim.upsert({
    where: { orgId_domain: { orgId: org.org.id, domain } },
    create: { orgId: org.org.id, domain, token: randomBytes(16).toString("hex"), verifiedAt: new Date() },
    update: {},
  });
  return domain;
}

/** A throwaway member of the org (to change the role of, or remove). */
async function addThrowawayMember(org: TestOrg, role: MemberRole): Promise<string> {
  const suffix = randomBytes(4).toString("hex");
  const user = await db().user.create({ data: { id: newId("user"), email: `throwaway-${suffix}@example.test`, name: `throwaway ${suffix}`, passwordHash: null } });
  const membership = await db().membership.create({ data: { id: newId("membership"), orgId: org.org.id, userId: user.id, role } });
  return membership.id;
}

/** Org A's members who left through a row come back (each role's session must keep working). */
async function restoreMemberships(f: Fixtures): Promise<void> {
  await db().membership.updateMany({
    where: { orgId: f.a.org.org.id, removedAt: { not: null }, user: { email: { not: { startsWith: "throwaway-" } } } },
    data: { removedAt: null },
  });
}

/**
 * Everything a request could change in an org; a refused request leaves it identical. Checkpoints
 * are left out: the stack's API signs one within a second of the log growing, whoever grew it; so
 * are the activity stamps (a key's last use, a member's last activity), which any signed-in request moves.
 */
async function stateOf(orgId: string): Promise<unknown> {
  const tables = [
    "agents",
    "api_keys",
    "memberships",
    "policies",
    "policy_versions",
    "actions",
    "approvals",
    "approval_votes",
    "delegations",
    "signing_keys",
    "invitations",
    "webhook_endpoints",
    "standing_grants",
    "approval_handovers",
  ];
  const digests = tables.map(
    // A webhook endpoint's place in the log and its retry state are the worker's to move (delivery goes on meanwhile).
    (t) =>
      `'${t}', (SELECT md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at' - 'last_active_at' - 'next_seq' - 'failed_attempts' - 'next_attempt_at' - 'lease_until')::text, ',' ORDER BY x.id), '')) FROM ${t} x WHERE x.org_id = $1)`,
  );
  const { rows } = await db().pool.query<{ state: unknown }>(
    `SELECT json_build_object('org', (SELECT md5(to_jsonb(o)::text) FROM orgs o WHERE o.id = $1),
       'auditSize', (SELECT size FROM audit_log_heads WHERE org_id = $1),
       ${digests.join(", ")}) AS state`,
    [orgId],
  );
  return rows[0]?.state;
}

// ── The table ──────────────────────────────────────────────────────────────────────────────────────

const orgPath = (slug: string, rest: string) => `/api/orgs/${slug}${rest}`;

/** A throwaway agent of org A (halting it leaves the agent other rows decide with alone). */
async function throwawayAgent(f: Fixtures, status: "active" | "halted" = "active"): Promise<string> {
  const agent = await createAgent({ ctx: f.a.org.ctx, input: { name: `sec-${randomBytes(6).toString("hex")}` } });
  if (status === "halted") await setAgentStatus({ ctx: f.a.org.ctx, input: { agentId: agent.id, status, body: { reason: "security spec" } } });
  return agent.id;
}

/** A delegation of a throwaway agent of org A (its own, so no row meets the active-children cap). */
async function throwawayDelegation(f: Fixtures): Promise<string> {
  const agentId = await throwawayAgent(f);
  const key = await issueAgentKey({ ctx: f.a.org.ctx, input: { agentId } });
  const ctx = { ...(await authenticateApiKey(key.apiKey)), requestId: "security-spec" };
  return (await createDelegation({ ctx, input: { name: "sec", capabilities: ["pr.*"], ttlSeconds: 600 } })).delegation.id;
}

/** The org's policy set as a draft source: the same policies as it has, so publishing it changes nothing other rows rely on. */
const DRAFT_SOURCE = `policies:\n${POLICIES.map((p) => `  - ${JSON.stringify(p)}`).join("\n")}\ntests:\n  - { name: "merges wait", request: { actionType: "pr.merge" }, expect: { effect: "require_approval", policy: "review-merges" } }\n`;

/** The current revision of org A's draft (a save or a publish names it; a stale one is a 409). */
async function draftRevision(f: Fixtures, slug: string): Promise<number> {
  if (slug !== f.a.slug) return 0;
  const response = await f.sessions.owner.get(orgPath(slug, "/policies/draft"));
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as { revision: number }).revision;
}

/** A stored draft of org A (its active set saved as the draft) to publish: its revision. */
async function storedDraftRevision(f: Fixtures, slug: string): Promise<number> {
  if (slug !== f.a.slug) return 1;
  // Samples are made in parallel: a save that lost the race to another (409) reads the draft again.
  for (let attempt = 0; ; attempt += 1) {
    const current = await f.sessions.owner.get(orgPath(slug, "/policies/draft"));
    expect(current.status(), await current.text()).toBe(200);
    const draft = (await current.json()) as { source: string; format: string; revision: number };
    const saved = await f.sessions.owner.put(orgPath(slug, "/policies/draft"), { data: { source: draft.source, format: draft.format, revision: draft.revision } });
    if (saved.status() === 409 && attempt < 5) continue;
    expect(saved.status(), await saved.text()).toBe(200);
    return ((await saved.json()) as { revision: number }).revision;
  }
}

const ROWS: Row[] = [
  { method: "GET", route: "/api/orgs/[orgSlug]/approvals", permission: "approvals.read", sample: (_f, slug) => ({ path: orgPath(slug, "/approvals?status=all&limit=200") }) },
  {
    method: "GET",
    route: "/api/orgs/[orgSlug]/approvals/[approvalId]",
    permission: "approvals.read",
    sample: (f, slug) => ({ path: orgPath(slug, `/approvals/${f.a.approvalId}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/approvals/${f.b.approvalId}`) }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/approvals/[approvalId]/decision",
    permission: "approvals.decide",
    sample: async (f, slug) => ({ path: orgPath(slug, `/approvals/${await requestApproval(f.a.org)}/decision`), body: { decision: "approve" } }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/approvals/${f.b.approvalId}/decision`), body: { decision: "approve" } }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/approvals/decision",
    permission: "approvals.decide",
    sample: async (f, slug) => ({
      path: orgPath(slug, "/approvals/decision"),
      body: { decision: "approve", approvalIds: [await requestApproval(f.a.org), await requestApproval(f.a.org)] },
    }),
    foreign: (f) => ({ path: orgPath(f.a.slug, "/approvals/decision"), body: { decision: "approve", approvalIds: [f.b.approvalId] } }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/approvals/[approvalId]/grant",
    permission: "approvals.decide",
    // Each approval's own metadata (a PR number no other call has) is the grant's match: it covers no other row's call.
    sample: async (f, slug) => ({ path: orgPath(slug, `/approvals/${await requestApproval(f.a.org)}/grant`), body: { durationSeconds: 600, uses: 2 } }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/approvals/${f.b.approvalId}/grant`), body: { durationSeconds: 600 } }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/grants", permission: "approvals.read", sample: (_f, slug) => ({ path: orgPath(slug, "/grants?status=all") }) },
  {
    method: "DELETE",
    route: "/api/orgs/[orgSlug]/grants/[grantId]",
    // An owner or admin (and the member who gave it, which no row here is).
    permission: "settings.write",
    sample: async (f, slug) => ({ path: orgPath(slug, `/grants/${await addGrant(f.a.org)}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/grants/${f.b.grantId}`) }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/handover", permission: "approvals.read", sample: (_f, slug) => ({ path: orgPath(slug, "/handover") }) },
  {
    method: "PUT",
    route: "/api/orgs/[orgSlug]/handover",
    permission: "approvals.read",
    sample: async (f, slug) => ({
      path: orgPath(slug, "/handover"),
      body: { toMemberId: await addThrowawayMember(f.a.org, "owner"), until: new Date(Date.now() + 3_600_000).toISOString() },
    }),
  },
  { method: "DELETE", route: "/api/orgs/[orgSlug]/handover", permission: "approvals.read", sample: (_f, slug) => ({ path: orgPath(slug, "/handover") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/members", permission: "members.read", sample: (_f, slug) => ({ path: orgPath(slug, "/members") }) },
  {
    method: "PATCH",
    route: "/api/orgs/[orgSlug]/members/[membershipId]",
    permission: "members.manage",
    sample: async (f, slug) => ({ path: orgPath(slug, `/members/${await addThrowawayMember(f.a.org, "approver")}`), body: { role: "viewer" } }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/members/${f.b.org.owner.membershipId}`), body: { role: "viewer" } }),
  },
  {
    method: "DELETE",
    route: "/api/orgs/[orgSlug]/members/[membershipId]",
    permission: "members.manage",
    sample: async (f, slug) => ({ path: orgPath(slug, `/members/${await addThrowawayMember(f.a.org, "viewer")}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/members/${f.b.org.owner.membershipId}`) }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/members/leave",
    permission: "member",
    // Org A keeps a second owner, so its owner may leave too; every member who left comes back after.
    sample: async (f, slug) => {
      if (!(await db().membership.findFirst({ where: { orgId: f.a.org.org.id, role: "owner", removedAt: null, userId: { not: f.a.org.owner.userId } } }))) {
        await addThrowawayMember(f.a.org, "owner");
      }
      return { path: orgPath(slug, "/members/leave") };
    },
    restore: restoreMemberships,
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/invitations", permission: "members.read", sample: (_f, slug) => ({ path: orgPath(slug, "/invitations") }) },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/invitations",
    permission: "members.manage",
    sample: (_f, slug) => ({ path: orgPath(slug, "/invitations"), body: { email: `invitee-${randomBytes(4).toString("hex")}@example.test`, role: "viewer" } }),
  },
  {
    method: "DELETE",
    route: "/api/orgs/[orgSlug]/invitations/[invitationId]",
    permission: "members.manage",
    sample: async (f, slug) => ({ path: orgPath(slug, `/invitations/${await addInvitation(f.a.org)}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/invitations/${f.b.invitationId}`) }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/integrations/slack", permission: "integrations.manage", sample: (_f, slug) => ({ path: orgPath(slug, "/integrations/slack") }) },
  {
    method: "PUT",
    route: "/api/orgs/[orgSlug]/integrations/slack",
    permission: "integrations.manage",
    sample: (f, slug) => ({ path: orgPath(slug, "/integrations/slack"), body: { botToken: f.stack.slack.botToken, signingSecret: f.stack.slack.signingSecret } }),
  },
  {
    method: "DELETE",
    route: "/api/orgs/[orgSlug]/integrations/slack",
    permission: "integrations.manage",
    sample: async (f, slug) => {
      await connectSlack({ ctx: f.a.org.ctx, input: { botToken: f.stack.slack.botToken, signingSecret: f.stack.slack.signingSecret } });
      return { path: orgPath(slug, "/integrations/slack") };
    },
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/content-detectors", permission: "content.detectors", sample: (_f, slug) => ({ path: orgPath(slug, "/content-detectors") }) },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/content-detectors",
    permission: "content.detectors",
    sample: (_f, slug) => ({ path: orgPath(slug, "/content-detectors"), body: { name: `d_${randomBytes(4).toString("hex")}`, class: "secrets", pattern: "NEW-[0-9]{6}" } }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/content-detectors/test",
    permission: "content.detectors",
    sample: (_f, slug) => ({ path: orgPath(slug, "/content-detectors/test"), body: { detector: { class: "secrets", pattern: "T-[0-9]{3}" }, samples: ["T-123"] } }),
  },
  {
    method: "PATCH",
    route: "/api/orgs/[orgSlug]/content-detectors/[detectorId]",
    permission: "content.detectors",
    sample: (f, slug) => ({ path: orgPath(slug, `/content-detectors/${f.a.detectorId}`), body: { keywords: ["sec-"] } }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/content-detectors/${f.b.detectorId}`), body: { enabled: false } }),
  },
  {
    method: "DELETE",
    route: "/api/orgs/[orgSlug]/content-detectors/[detectorId]",
    permission: "content.detectors",
    sample: async (f, slug) => ({ path: orgPath(slug, `/content-detectors/${await addDetector(f.a.org)}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/content-detectors/${f.b.detectorId}`) }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/mcp/servers", permission: "integrations.manage", sample: (_f, slug) => ({ path: orgPath(slug, "/mcp/servers") }) },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/mcp/servers",
    permission: "integrations.manage",
    sample: (_f, slug) => ({ path: orgPath(slug, "/mcp/servers"), body: { name: `s-${randomBytes(4).toString("hex")}`, url: "http://127.0.0.1:9/mcp" } }),
  },
  {
    method: "PATCH",
    route: "/api/orgs/[orgSlug]/mcp/servers/[serverId]",
    permission: "integrations.manage",
    sample: (f, slug) => ({ path: orgPath(slug, `/mcp/servers/${f.a.mcpServerId}`), body: { description: "changed" } }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/mcp/servers/${f.b.mcpServerId}`), body: { url: "http://127.0.0.1:9/stolen" } }),
  },
  {
    method: "DELETE",
    route: "/api/orgs/[orgSlug]/mcp/servers/[serverId]",
    permission: "integrations.manage",
    sample: async (f, slug) => ({ path: orgPath(slug, `/mcp/servers/${await addMcpServer(f.a.org)}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/mcp/servers/${f.b.mcpServerId}`) }),
  },
  {
    method: "GET",
    route: "/api/orgs/[orgSlug]/mcp/servers/[serverId]/tools",
    permission: "integrations.manage",
    sample: (f, slug) => ({ path: orgPath(slug, `/mcp/servers/${f.a.mcpServerId}/tools`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/mcp/servers/${f.b.mcpServerId}/tools`) }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/mcp/servers/[serverId]/tools/accept",
    permission: "integrations.manage",
    // A tool a gateway found changed on a fresh server of org A's (what a gateway writes when a list differs from its pins).
    sample: async (f, slug) => {
      const serverId = await addMcpServer(f.a.org);
      const digest = randomBytes(32).toString("hex");
      await db().mcpToolPin.create({
        data: {
          serverId,
          tool: "search",
          orgId: f.a.org.org.id,
          digest: "a".repeat(64),
          definition: {},
          pendingDigest: digest,
          pendingDefinition: { description: "new" },
          pendingFields: ["description"],
        },
      });
      return { path: orgPath(slug, `/mcp/servers/${serverId}/tools/accept`), body: { tool: "search", digest } };
    },
    foreign: (f) => ({ path: orgPath(f.a.slug, `/mcp/servers/${f.b.mcpServerId}/tools/accept`), body: { tool: "search", digest: "b".repeat(64) } }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/mcp/gateways", permission: "integrations.manage", sample: (_f, slug) => ({ path: orgPath(slug, "/mcp/gateways") }) },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/mcp/gateways",
    permission: "integrations.manage",
    sample: (_f, slug) => ({ path: orgPath(slug, "/mcp/gateways"), body: { name: `g-${randomBytes(4).toString("hex")}`, servers: [] } }),
  },
  {
    method: "PATCH",
    route: "/api/orgs/[orgSlug]/mcp/gateways/[gatewayId]",
    permission: "integrations.manage",
    sample: (f, slug) => ({ path: orgPath(slug, `/mcp/gateways/${f.a.mcpGatewayId}`), body: { description: "changed" } }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/mcp/gateways/${f.b.mcpGatewayId}`), body: { servers: [] } }),
  },
  {
    method: "DELETE",
    route: "/api/orgs/[orgSlug]/mcp/gateways/[gatewayId]",
    permission: "integrations.manage",
    sample: async (f, slug) => ({ path: orgPath(slug, `/mcp/gateways/${await addMcpGateway(f.a.org)}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/mcp/gateways/${f.b.mcpGatewayId}`) }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/webhooks", permission: "integrations.manage", sample: (_f, slug) => ({ path: orgPath(slug, "/webhooks") }) },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/webhooks",
    permission: "integrations.manage",
    sample: (_f, slug) => ({ path: orgPath(slug, "/webhooks"), body: { url: `http://127.0.0.1:9/${randomBytes(4).toString("hex")}`, events: ["*"] } }),
  },
  {
    method: "PATCH",
    route: "/api/orgs/[orgSlug]/webhooks/[webhookId]",
    permission: "integrations.manage",
    sample: (f, slug) => ({ path: orgPath(slug, `/webhooks/${f.a.webhookId}`), body: { description: "changed" } }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/webhooks/${f.b.webhookId}`), body: { url: "http://127.0.0.1:9/stolen" } }),
  },
  {
    method: "DELETE",
    route: "/api/orgs/[orgSlug]/webhooks/[webhookId]",
    permission: "integrations.manage",
    sample: async (f, slug) => ({ path: orgPath(slug, `/webhooks/${await addWebhook(f.a.org)}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/webhooks/${f.b.webhookId}`) }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/webhooks/[webhookId]/rotate",
    permission: "integrations.manage",
    sample: (f, slug) => ({ path: orgPath(slug, `/webhooks/${f.a.webhookId}/rotate`), body: {} }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/webhooks/${f.b.webhookId}/rotate`), body: {} }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/webhooks/[webhookId]/test",
    permission: "integrations.manage",
    sample: (f, slug) => ({ path: orgPath(slug, `/webhooks/${f.a.webhookId}/test`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/webhooks/${f.b.webhookId}/test`) }),
  },
  {
    method: "GET",
    route: "/api/orgs/[orgSlug]/webhooks/[webhookId]/deliveries",
    permission: "integrations.manage",
    sample: (f, slug) => ({ path: orgPath(slug, `/webhooks/${f.a.webhookId}/deliveries`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/webhooks/${f.b.webhookId}/deliveries`) }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/webhooks/[webhookId]/deliveries/[deliveryId]/redeliver",
    permission: "integrations.manage",
    sample: (f, slug) => ({ path: orgPath(slug, `/webhooks/${f.a.webhookId}/deliveries/${f.a.webhookDeliveryId}/redeliver`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/webhooks/${f.a.webhookId}/deliveries/${f.b.webhookDeliveryId}/redeliver`) }),
  },
  {
    method: "PATCH",
    route: "/api/orgs/[orgSlug]/org",
    permission: "org.write",
    sample: (_f, slug) => ({ path: orgPath(slug, "/org"), body: { name: `Org ${randomBytes(3).toString("hex")}` } }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/org/close",
    permission: "org.close",
    sample: (_f, slug) => ({ path: orgPath(slug, "/org/close"), body: { confirm: slug } }),
    throwaway: async (f) => {
      const org = await createTestOrg({ label: "sec-close" });
      return { context: await signedIn(f.stack, org.owner), sample: { path: orgPath(org.org.slug, "/org/close"), body: { confirm: org.org.slug } } };
    },
  },
  {
    method: "PATCH",
    route: "/api/orgs/[orgSlug]/settings",
    permission: "settings.write",
    sample: (_f, slug) => ({ path: orgPath(slug, "/settings"), body: { circuitBreaker: { failureThreshold: 10 + (Date.now() % 50) } } }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/settings/sso-domains/verify",
    permission: "settings.write",
    sample: async (f, slug) => ({ path: orgPath(slug, "/settings/sso-domains/verify"), body: { domain: await provedDomain(f, slug) } }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/audit", permission: "audit.read", sample: (_f, slug) => ({ path: orgPath(slug, "/audit?limit=100") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/audit/checkpoints", permission: "audit.read", sample: (_f, slug) => ({ path: orgPath(slug, "/audit/checkpoints") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/audit/export", permission: "audit.export", sample: (_f, slug) => ({ path: orgPath(slug, "/audit/export?format=jsonl") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/audit/keys", permission: "audit.read", sample: (_f, slug) => ({ path: orgPath(slug, "/audit/keys") }) },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/audit/keys/rotate",
    permission: "audit.keys.rotate",
    sample: (_f, slug) => ({ path: orgPath(slug, "/audit/keys/rotate") }),
  },
  {
    method: "GET",
    route: "/api/orgs/[orgSlug]/audit/proof",
    permission: "audit.read",
    sample: (f, slug) => ({ path: orgPath(slug, `/audit/proof?entryId=${f.a.executedEntryId}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/audit/proof?entryId=${f.b.executedEntryId}`) }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/audit/reports/article12",
    permission: "audit.export",
    sample: (_f, slug) => ({ path: orgPath(slug, "/audit/reports/article12"), body: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() } }),
  },
  { method: "POST", route: "/api/orgs/[orgSlug]/audit/verify", permission: "audit.verify", sample: (_f, slug) => ({ path: orgPath(slug, "/audit/verify") }) },
  // Owners only. Each request names a fresh decision of org A (an erased entry has nothing left to erase).
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/audit/erasures",
    permission: "audit.erase",
    sample: async (f, slug) => ({
      path: orgPath(slug, "/audit/erasures"),
      body: { entryIds: [slug === f.a.slug ? (await decide(f.a.org, "pr.open")).auditEventId : f.b.executedEntryId], reason: "security spec" },
    }),
    foreign: (f) => ({ path: orgPath(f.a.slug, "/audit/erasures"), body: { entryIds: [f.b.executedEntryId], reason: "security spec" } }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/agents", permission: "agents.read", sample: (_f, slug) => ({ path: orgPath(slug, "/agents") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/runs", permission: "agents.read", sample: (_f, slug) => ({ path: orgPath(slug, "/runs") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/budgets", permission: "posture.read", sample: (_f, slug) => ({ path: orgPath(slug, "/budgets") }) },
  {
    method: "GET",
    route: "/api/orgs/[orgSlug]/runs/[runId]",
    permission: "agents.read",
    sample: (f, slug) => ({ path: orgPath(slug, `/runs/${f.a.runId}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/runs/${f.b.runId}`) }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/agents",
    permission: "agents.manage",
    sample: (_f, slug) => ({ path: orgPath(slug, "/agents"), body: { name: `sec-${randomBytes(6).toString("hex")}`, labels: { team: "sec" } } }),
  },
  {
    method: "GET",
    route: "/api/orgs/[orgSlug]/agents/[agentId]",
    permission: "agents.read",
    sample: (f, slug) => ({ path: orgPath(slug, `/agents/${f.a.org.agent.id}`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/agents/${f.b.org.agent.id}`) }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/agents/[agentId]/halt",
    permission: "agents.manage",
    sample: async (f, slug) => ({ path: orgPath(slug, `/agents/${await throwawayAgent(f)}/halt`), body: { reason: "security spec" } }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/agents/${f.b.org.agent.id}/halt`), body: { reason: "security spec" } }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/agents/[agentId]/resume",
    permission: "agents.manage",
    sample: async (f, slug) => ({ path: orgPath(slug, `/agents/${await throwawayAgent(f, "halted")}/resume`), body: { reason: "security spec" } }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/agents/${f.b.org.agent.id}/resume`), body: {} }),
  },
  {
    method: "GET",
    route: "/api/orgs/[orgSlug]/agents/[agentId]/keys",
    permission: "keys.manage",
    sample: (f, slug) => ({ path: orgPath(slug, `/agents/${f.a.org.agent.id}/keys`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/agents/${f.b.org.agent.id}/keys`) }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/agents/[agentId]/keys",
    permission: "keys.manage",
    sample: (f, slug) => ({ path: orgPath(slug, `/agents/${f.a.org.agent.id}/keys`), body: { name: "sec", expiresInDays: 1 } }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/agents/${f.b.org.agent.id}/keys`), body: { name: "sec" } }),
  },
  {
    method: "GET",
    route: "/api/orgs/[orgSlug]/agents/[agentId]/delegations",
    permission: "agents.read",
    sample: (f, slug) => ({ path: orgPath(slug, `/agents/${f.a.org.agent.id}/delegations`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/agents/${f.b.org.agent.id}/delegations`) }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/delegations/[delegationId]/revoke",
    permission: "delegations.revoke",
    sample: async (f, slug) => ({ path: orgPath(slug, `/delegations/${await throwawayDelegation(f)}/revoke`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/delegations/${f.b.delegationId}/revoke`) }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/keys", permission: "keys.own", sample: (_f, slug) => ({ path: orgPath(slug, "/keys") }) },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/keys",
    permission: "keys.own",
    sample: (_f, slug) => ({ path: orgPath(slug, "/keys"), body: { name: "sec", expiresInDays: 1 } }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/keys/[keyId]/revoke",
    permission: "keys.manage",
    sample: async (f, slug) => ({ path: orgPath(slug, `/keys/${(await issueAgentKey({ ctx: f.a.org.ctx, input: { agentId: f.a.org.agent.id } })).id}/revoke`) }),
    foreign: (f) => ({ path: orgPath(f.a.slug, `/keys/${f.b.org.adminKey.id}/revoke`) }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/onboarding", permission: "agents.read", sample: (_f, slug) => ({ path: orgPath(slug, "/onboarding") }) },
  // Adds the starter policies beside the org's own (a second apply changes nothing).
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/onboarding/starter-policy",
    permission: "policies.write",
    sample: (_f, slug) => ({ path: orgPath(slug, "/onboarding/starter-policy") }),
  },
  { method: "GET", route: "/api/orgs/[orgSlug]/overview", permission: "posture.read", sample: (_f, slug) => ({ path: orgPath(slug, "/overview?range=7d") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/posture", permission: "posture.read", sample: (_f, slug) => ({ path: orgPath(slug, "/posture") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/health/governance", permission: "audit.verify", sample: (_f, slug) => ({ path: orgPath(slug, "/health/governance") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/events", permission: "events.read", sample: (_f, slug) => ({ path: orgPath(slug, "/events?lastEventId=0") }), stream: true },
  // Policies: every member reads them (as GET /v1/admin/policies: any member's key); drafts, tests and
  // replays are policies.write. Names are per org: org B's policy of the same name is never answered.
  { method: "GET", route: "/api/orgs/[orgSlug]/policies", permission: "member", sample: (_f, slug) => ({ path: orgPath(slug, "/policies") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/policies/monitor", permission: "member", sample: (_f, slug) => ({ path: orgPath(slug, "/policies/monitor?days=7") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/policies/library", permission: "member", sample: (_f, slug) => ({ path: orgPath(slug, "/policies/library") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/policies/schema", permission: "member", sample: (_f, slug) => ({ path: orgPath(slug, "/policies/schema") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/policies/[name]/versions", permission: "member", sample: (_f, slug) => ({ path: orgPath(slug, "/policies/allow-pr/versions") }) },
  { method: "GET", route: "/api/orgs/[orgSlug]/policies/draft", permission: "policies.write", sample: (_f, slug) => ({ path: orgPath(slug, "/policies/draft") }) },
  {
    method: "PUT",
    route: "/api/orgs/[orgSlug]/policies/draft",
    permission: "policies.write",
    sample: async (f, slug) => ({ path: orgPath(slug, "/policies/draft"), body: { source: DRAFT_SOURCE, format: "yaml", revision: await draftRevision(f, slug) } }),
  },
  { method: "DELETE", route: "/api/orgs/[orgSlug]/policies/draft", permission: "policies.write", sample: (_f, slug) => ({ path: orgPath(slug, "/policies/draft") }) },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/policies/draft/publish",
    permission: "policies.write",
    sample: async (f, slug) => ({ path: orgPath(slug, "/policies/draft/publish"), body: { revision: await storedDraftRevision(f, slug) } }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/policies/test",
    permission: "policies.write",
    sample: (_f, slug) => ({ path: orgPath(slug, "/policies/test"), body: { source: DRAFT_SOURCE, format: "yaml" } }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/policies/draft/preview",
    permission: "policies.write",
    sample: (_f, slug) => ({ path: orgPath(slug, "/policies/draft/preview"), body: { source: DRAFT_SOURCE, format: "yaml" } }),
  },
  {
    method: "POST",
    route: "/api/orgs/[orgSlug]/policies/simulate",
    permission: "policies.write",
    sample: (_f, slug) => ({ path: orgPath(slug, "/policies/simulate"), body: { source: DRAFT_SOURCE, format: "yaml", days: 1 } }),
  },
];

// ── Calls and checks ───────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  requestId: string | undefined;
  text: string;
}

/** An answer that may never end (server-sent events): its status and what arrived within `forMs`. */
async function peek(context: APIRequestContext, url: string, forMs = 300): Promise<Answer> {
  const { cookies } = await context.storageState();
  const controller = new AbortController();
  const response = await fetch(new URL(url, fx.stack.webUrl), { headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") }, signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + forMs;
  try {
    for (;;) {
      const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())));
      const chunk = await Promise.race([reader.read(), timeout]);
      if (!chunk || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    controller.abort();
  }
  return { status: response.status, requestId: response.headers.get("x-request-id") ?? undefined, text };
}

async function send(context: APIRequestContext, row: Row, sample: Sample): Promise<Answer> {
  if (row.stream) return peek(context, sample.path);
  const response = await context.fetch(sample.path, { method: row.method, ...(sample.body === undefined ? {} : { data: sample.body }) });
  return { status: response.status(), requestId: response.headers()["x-request-id"], text: await response.text() };
}

function expectEnvelope(answer: Answer, status: number, code: string, label: string): void {
  expect(answer.status, `${label}: ${answer.text.slice(0, 300)}`).toBe(status);
  expect(JSON.parse(answer.text), label).toEqual({ error: { code, message: expect.any(String), requestId: answer.requestId } });
}

function expectSuccess(answer: Answer, label: string): void {
  expect(answer.status >= 200 && answer.status < 300, `${label}: ${answer.status} ${answer.text.slice(0, 300)}`).toBe(true);
}

function expectNoDataOfOrgB(answer: Answer, sample: Sample, label: string): void {
  const asked = `${sample.path} ${JSON.stringify(sample.body ?? null)}`;
  const leaked = fx.bMarkers.filter((marker) => !asked.includes(marker) && answer.text.includes(marker));
  expect(leaked, `${label} answered org B's data`).toEqual([]);
}

// ── Setup ──────────────────────────────────────────────────────────────────────────────────────────

test.beforeAll(async () => {
  const stack = readStack();
  api = await apiRequest.newContext({ baseURL: stack.apiUrl });
  const [a, b] = [await orgFixture("sec-a"), await orgFixture("sec-b")];
  const sessionOf = async (role: MemberRole) => signedIn(stack, role === "owner" ? a.org.owner : await addMember(a.org, role));
  const sessions: Record<MemberRole, APIRequestContext> = {
    owner: await sessionOf("owner"),
    admin: await sessionOf("admin"),
    approver: await sessionOf("approver"),
    auditor: await sessionOf("auditor"),
    viewer: await sessionOf("viewer"),
  };
  const bEntries = await db().auditEntry.findMany({ where: { orgId: b.org.org.id }, select: { id: true } });
  fx = {
    stack,
    a,
    b,
    sessions,
    anonymous: [
      { name: "no session", context: await newContext(stack) },
      { name: "a session cookie that is not one", context: await newContext(stack, "not-a-session") },
    ],
    bMarkers: [
      b.org.org.id,
      b.slug,
      b.org.agent.id,
      b.org.agent.keyId,
      b.org.adminKey.id,
      b.org.owner.email,
      b.org.owner.membershipId,
      b.org.owner.userId,
      b.approvalId,
      ...bEntries.map((e) => e.id),
    ],
  };
});

test.afterAll(async () => {
  await Promise.all(contexts.map((context) => context.dispose()));
  await api?.dispose();
  await disconnectDb();
});

// ── The suite ──────────────────────────────────────────────────────────────────────────────────────

test("the table names every exported handler of apps/web/src/app/api/orgs/**/route.ts, and no other", async () => {
  const exported = await exportedHandlers();
  const table = ROWS.map((row) => `${row.method} ${row.route}`).sort();
  expect(exported.length).toBeGreaterThan(0);
  expect({ missingFromTable: exported.filter((h) => !table.includes(h)), notExported: table.filter((h) => !exported.includes(h)) }).toEqual({
    missingFromTable: [],
    notExported: [],
  });
});

for (const row of ROWS) {
  test.describe(`${row.method} ${row.route}`, () => {
    test("without a session: 401 with the error envelope", async () => {
      const sample = await row.sample(fx, fx.a.slug);
      for (const { name, context } of fx.anonymous) expectEnvelope(await send(context, row, sample), 401, "UNAUTHENTICATED", `${row.method} ${row.route} with ${name}`);
    });

    test("a signed-in member of another org: 404, nothing changed there", async () => {
      const before = await stateOf(fx.b.org.org.id);
      for (const role of ["owner", "viewer"] as const) {
        const sample = await row.sample(fx, fx.b.slug);
        const answer = await send(fx.sessions[role], row, sample);
        expectEnvelope(answer, 404, "NOT_FOUND", `${row.method} ${row.route} in org B as org A's ${role}`);
        expectNoDataOfOrgB(answer, sample, `${row.method} ${row.route} in org B as org A's ${role}`);
      }
      expect(await stateOf(fx.b.org.org.id)).toEqual(before);
    });

    test("each member role: 403 with nothing written without the permission, through with it", async () => {
      const refused = MEMBER_ROLES.filter((role) => !hasPermission(role, row.permission));
      const samples = await Promise.all(refused.map(() => row.sample(fx, fx.a.slug)));
      const before = await stateOf(fx.a.org.org.id);
      for (const [i, role] of refused.entries()) {
        expectEnvelope(await send(fx.sessions[role], row, samples[i] as Sample), 403, "FORBIDDEN", `${row.method} ${row.route} as ${role}`);
      }
      expect(await stateOf(fx.a.org.org.id), `${row.method} ${row.route} as ${refused.join(", ")} wrote something`).toEqual(before);
      for (const role of MEMBER_ROLES.filter((r) => hasPermission(r, row.permission))) {
        const { context, sample } = row.throwaway ? await row.throwaway(fx) : { context: fx.sessions[role], sample: await row.sample(fx, fx.a.slug) };
        const answer = await send(context, row, sample);
        expectSuccess(answer, `${row.method} ${row.route} as ${role}`);
        expectNoDataOfOrgB(answer, sample, `${row.method} ${row.route} as ${role}`);
        await row.restore?.(fx);
      }
    });

    if (row.method !== "GET") {
      test("a body on a route that declares none: 400 naming `body`, nothing written", async () => {
        const role = MEMBER_ROLES.find((r) => hasPermission(r, row.permission)) ?? "owner";
        const sample = await row.sample(fx, fx.a.slug);
        test.skip(sample.body !== undefined, "the route declares a body (its fields are the contract's, strictly)");
        const before = await stateOf(fx.a.org.org.id);
        const answer = await send(fx.sessions[role], row, { ...sample, body: { unexpected: "a field no route defines" } });
        const label = `${row.method} ${row.route} with a body as ${role}`;
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
      });
    }

    const foreign = row.foreign;
    if (foreign) {
      test("another org's id: 404 (never 403 or its data), nothing changed there", async () => {
        const before = await stateOf(fx.b.org.org.id);
        const role = MEMBER_ROLES.find((r) => hasPermission(r, row.permission)) ?? "owner";
        const sample = foreign(fx);
        const answer = await send(fx.sessions[role], row, sample);
        expectEnvelope(answer, 404, "NOT_FOUND", `${row.method} ${row.route} with org B's id as ${role}`);
        expectNoDataOfOrgB(answer, sample, `${row.method} ${row.route} with org B's id`);
        expect(await stateOf(fx.b.org.org.id)).toEqual(before);
      });
    }
  });
}
