import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { newId } from "@gatehouse/core";
import {
  authenticateApiKey,
  createAgent,
  createContentDetector,
  createDelegation,
  createMcpGateway,
  createMcpServer,
  createWebhook,
  db,
  disconnectDb,
  grantFromApproval,
  issueAgentKey,
  testWebhook,
} from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { request as apiRequest, type APIRequestContext, type APIResponse } from "@playwright/test";
import { expect, test } from "./fixtures";
import { addMember } from "./people";
import { readStack, type E2EStack } from "./stack";

// A web page on another site, visited by a signed-in member, sends writes to the console with the
// member's cookie: every exported state-changing route handler (found on disk, so a new one is in the
// table the day it is added), next-auth's own POST endpoints and every server action (from the
// build's manifest) × every cross-site body kind and header. Each is refused (403) and nothing is
// written, and the member is still signed in; the console's own JSON requests still go through.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const APP_DIR = join(ROOT, "apps/web/src/app");
const SRC_DIR = join(ROOT, "apps/web/src");
const WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;
type WriteMethod = (typeof WRITE_METHODS)[number];

interface Handler {
  method: WriteMethod;
  /** The route as on disk: `/api/orgs/[orgSlug]/members/leave`. */
  route: string;
}

/** The HTTP methods a route.ts exports: `export async function POST`, `export const POST`, `export const { GET, POST } = …`, `export { POST }`. */
function exportedMethods(source: string): string[] {
  const declared = [...source.matchAll(/export\s+(?:async\s+)?(?:function\s*\*?|const|let|var)\s+([A-Z]+)\b/g)].map((m) => m[1] ?? "");
  const listed = [...source.matchAll(/export\s+(?:const|let|var)?\s*\{([^}]*)\}/g)].flatMap((m) =>
    (m[1] ?? "").split(",").map(
      (name) =>
        name
          .trim()
          .split(/\s+as\s+|\s*:\s*/)
          .at(-1) ?? "",
    ),
  );
  return [...declared, ...listed];
}

/** Every state-changing handler of every route.ts under apps/web/src/app. */
async function writeHandlers(): Promise<Handler[]> {
  const files = (await readdir(APP_DIR, { recursive: true })).filter((file) => file.split(sep).at(-1) === "route.ts");
  const handlers = await Promise.all(
    files.map(async (file) => {
      const route = `/${dirname(file).split(sep).join("/")}`.replace(/\/\([^)]+\)/g, "");
      const methods = exportedMethods(await readFile(join(APP_DIR, file), "utf8"));
      return WRITE_METHODS.filter((method) => methods.includes(method)).map((method) => ({ method, route }));
    }),
  );
  return handlers.flat().sort((x, y) => `${x.route} ${x.method}`.localeCompare(`${y.route} ${y.method}`));
}

/** `filename#export` of every async function exported by a "use server" file under apps/web/src. */
async function serverActionsOnDisk(): Promise<string[]> {
  const files = (await readdir(SRC_DIR, { recursive: true })).filter((file) => /\.tsx?$/.test(file));
  const found = await Promise.all(
    files.map(async (file) => {
      const source = await readFile(join(SRC_DIR, file), "utf8");
      if (!/^\s*["']use server["'];?/.test(source)) return [];
      const name = relative(ROOT, join(SRC_DIR, file)).split(sep).join("/");
      return [...source.matchAll(/export\s+async\s+function\s+(\w+)/g)].map((m) => `${name}#${m[1] ?? ""}`);
    }),
  );
  return found.flat().sort();
}

interface ServerAction {
  id: string;
  filename: string;
  exportedName: string;
  /** The pages that post it (`app/signin/page`). */
  workers: string[];
}

/** The server actions of the build the stack runs (.next/server/server-reference-manifest.json). */
async function builtServerActions(): Promise<ServerAction[]> {
  const manifest = JSON.parse(await readFile(join(ROOT, "apps/web/.next/server/server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { workers: Record<string, unknown>; filename: string; exportedName: string }>;
  };
  return Object.entries(manifest.node).map(([id, entry]) => ({ id, filename: entry.filename, exportedName: entry.exportedName, workers: Object.keys(entry.workers) }));
}

// ── Fixtures ───────────────────────────────────────────────────────────────────────────────────────

interface Fixture {
  stack: E2EStack;
  org: TestOrg;
  /** The owner of `org`, signed in: the victim whose cookie every cross-site request carries. */
  victim: APIRequestContext;
  /** A path parameter's value in `org`, by its name on disk. */
  params: Record<string, string>;
}

let fx: Fixture;
const contexts: APIRequestContext[] = [];

const POLICIES = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 3600 } },
];

async function newContext(stack: E2EStack): Promise<APIRequestContext> {
  const context = await apiRequest.newContext({ baseURL: stack.webUrl });
  contexts.push(context);
  return context;
}

/** Signs in through next-auth's credentials endpoint, from the console's own origin; the context keeps the session cookie. */
async function signedIn(stack: E2EStack, credentials: { email: string; password: string }): Promise<APIRequestContext> {
  const context = await newContext(stack);
  const { csrfToken } = (await (await context.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await context.post("/api/auth/callback/credentials", {
    headers: { origin: stack.webUrl },
    form: { csrfToken, email: credentials.email, password: credentials.password, callbackUrl: stack.webUrl },
  });
  expect(await sessionEmail(context), `signed in as ${credentials.email}`).toBe(credentials.email);
  return context;
}

async function sessionEmail(context: APIRequestContext): Promise<string | undefined> {
  const session = (await (await context.get("/api/auth/session")).json()) as { user?: { email?: string } } | null;
  return session?.user?.email;
}

/** A decision held for approval: its approval, and its audit entry (whose committed fields an erasure would take). */
async function pendingApproval(stack: E2EStack, org: TestOrg): Promise<{ approvalId: string; auditEventId: string; runId: string }> {
  const api = await apiRequest.newContext({ baseURL: stack.apiUrl });
  try {
    const response = await api.post("/v1/actions", {
      headers: { authorization: `Bearer ${org.agent.apiKey}` },
      data: { actionType: "pr.merge", metadata: { pr: 1 }, runId: "cross-site" },
    });
    expect(response.status(), await response.text()).toBe(200);
    const body = (await response.json()) as { status: string; approvalId?: string; auditEventId: string; run: { id: string } };
    if (body.status !== "requested" || !body.approvalId) throw new Error(`expected an approval, got ${body.status}`);
    return { approvalId: body.approvalId, auditEventId: body.auditEventId, runId: body.run.id };
  } finally {
    await api.dispose();
  }
}

/** Real objects of the org for every path parameter, so a write that got through would change something. */
async function paramsOf(stack: E2EStack, org: TestOrg): Promise<Record<string, string>> {
  const agent = await createAgent({ ctx: org.ctx, input: { name: `xs-${randomBytes(4).toString("hex")}` } });
  const key = await issueAgentKey({ ctx: org.ctx, input: { agentId: agent.id } });
  const agentCtx = { ...(await authenticateApiKey(key.apiKey)), requestId: "cross-site-spec" };
  const { delegation } = await createDelegation({ ctx: agentCtx, input: { name: "xs", capabilities: ["pr.*"], ttlSeconds: 3600 } });
  const invitationId = newId("invitation");
  await db().invitation.create({
    data: {
      id: invitationId,
      orgId: org.org.id,
      email: `xs-${randomBytes(4).toString("hex")}@example.test`,
      role: "viewer",
      tokenHash: randomBytes(32).toString("hex"),
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  const member = await addMember(org, "admin");
  const membership = await db().membership.findFirstOrThrow({ where: { orgId: org.org.id, user: { email: member.email } } });
  const pending = await pendingApproval(stack, org);
  const { webhook } = await createWebhook({ ctx: org.ctx, input: { url: `http://127.0.0.1:9/xs-${randomBytes(4).toString("hex")}`, events: ["*"] } });
  const delivery = await testWebhook({ ctx: org.ctx, input: { id: webhook.id } });
  const ownerKeyCtx = { ...(await authenticateApiKey(org.adminKey.apiKey)), requestId: "cross-site-spec" };
  const granted = await grantFromApproval({
    ctx: ownerKeyCtx,
    input: { approvalId: (await pendingApproval(stack, org)).approvalId, body: { durationSeconds: 600, uses: 1, match: { onlyThis: randomBytes(4).toString("hex") } } },
  });
  const detector = await createContentDetector({ ctx: org.ctx, input: { name: `xs_${randomBytes(4).toString("hex")}`, class: "secrets", pattern: "XS-[0-9]{6}" } });
  const mcpServer = await createMcpServer({ ctx: org.ctx, input: { name: `xs-${randomBytes(4).toString("hex")}`, url: "http://127.0.0.1:9/xs-mcp" } });
  const mcpGateway = await createMcpGateway({ ctx: org.ctx, input: { name: `xs-${randomBytes(4).toString("hex")}`, servers: [mcpServer.name] } });
  return {
    serverId: mcpServer.id,
    gatewayId: mcpGateway.id,
    detectorId: detector.id,
    webhookId: webhook.id,
    deliveryId: delivery.id,
    grantId: granted.grant.id,
    orgSlug: org.org.slug,
    agentId: agent.id,
    approvalId: pending.approvalId,
    // Not a path parameter: the entry an erasure names (its body), a second-format decision with fields to erase.
    auditEntryId: pending.auditEventId,
    delegationId: delegation.id,
    invitationId,
    runId: pending.runId,
    keyId: key.id,
    membershipId: membership.id,
    name: "allow-pr",
    token: randomBytes(24).toString("base64url"),
  };
}

/** next-auth's POST endpoints under /api/auth/[...nextauth]. */
const NEXT_AUTH_POSTS = ["signout", "callback/credentials", "signin/oidc", "session"];

/** The concrete URLs of a route on disk; an unknown parameter fails the test (give it a value in paramsOf). */
function urlsOf(route: string, params: Record<string, string>): string[] {
  if (route.includes("[...nextauth]")) return NEXT_AUTH_POSTS.map((rest) => route.replace("[...nextauth]", rest));
  return [
    route.replace(/\[(\w+)\]/g, (_m, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`no sample value for the path parameter [${name}] of ${route}: add one to paramsOf`);
      return encodeURIComponent(value);
    }),
  ];
}

/** What each write would send from the console's own page; a request that got through with it would act. */
function bodyOf(handler: Handler, url: string, f: Fixture): Record<string, unknown> {
  const route = handler.route.replace("/api/orgs/[orgSlug]", "");
  const source = `policies:\n${POLICIES.map((p) => `  - ${JSON.stringify(p)}`).join("\n")}\n`;
  const bodies: Record<string, Record<string, unknown>> = {
    "/approvals/[approvalId]/decision": { decision: "approve", comment: "cross-site" },
    "/approvals/decision": { decision: "approve", approvalIds: [f.params.approvalId], reason: "cross-site" },
    "/members/[membershipId]": { role: "viewer" },
    "/invitations": { email: `xs-${randomBytes(4).toString("hex")}@example.test`, role: "admin" },
    "/org": { name: "Taken over" },
    "/org/close": { confirm: f.org.org.slug },
    "/settings": { circuitBreaker: { failureThreshold: 99 } },
    "/audit/erasures": { entryIds: [f.params.auditEntryId], reason: "cross-site" },
    "/audit/reports/article12": { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() },
    "/agents": { name: `xs-${randomBytes(4).toString("hex")}` },
    "/agents/[agentId]/halt": { reason: "cross-site" },
    "/agents/[agentId]/resume": { reason: "cross-site" },
    "/agents/[agentId]/keys": { name: "xs" },
    "/keys": { name: "xs" },
    "/policies/draft": { source, format: "yaml", revision: 0 },
    "/policies/draft/publish": { revision: 1 },
    "/policies/draft/preview": { source, format: "yaml" },
    "/policies/test": { source, format: "yaml" },
    "/policies/simulate": { source, format: "yaml", days: 1 },
    "/content-detectors": { name: `xs_${randomBytes(4).toString("hex")}`, class: "secrets", pattern: "EVIL-[0-9]{4}" },
    "/content-detectors/[detectorId]": { enabled: false },
    "/content-detectors/test": { detector: { class: "secrets", pattern: "EVIL-[0-9]{4}" }, samples: ["EVIL-1234"] },
    "/webhooks": { url: "https://evil.example/collect", events: ["*"] },
    "/webhooks/[webhookId]": { url: "https://evil.example/collect" },
    "/webhooks/[webhookId]/rotate": { overlapSeconds: 0 },
    "/integrations/slack": { botToken: f.stack.slack.botToken, signingSecret: f.stack.slack.signingSecret },
    "/approvals/[approvalId]/grant": { durationSeconds: 600 },
    "/handover": { toMemberId: f.params.membershipId, until: new Date(Date.now() + 86_400_000).toISOString() },
  };
  if (url.endsWith("/callback/credentials")) return { email: f.org.owner.email, password: f.org.owner.password, callbackUrl: f.stack.webUrl };
  return bodies[route] ?? {};
}

// ── The hostile requests ───────────────────────────────────────────────────────────────────────────

const EVIL = "https://evil.example";

interface Variant {
  name: string;
  /** The request's options from its intended body (the csrf token next-auth would want is added: the victim's own). */
  options: (body: Record<string, unknown>, f: Fixture) => Parameters<APIRequestContext["fetch"]>[1];
}

/** Form fields: strings as they are, anything else as JSON. */
const fields = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));

const VARIANTS: Variant[] = [
  { name: "text/plain from another site", options: (b) => ({ headers: { origin: EVIL, "sec-fetch-site": "cross-site", "content-type": "text/plain" }, data: JSON.stringify(b) }) },
  { name: "a form from another site", options: (b) => ({ headers: { origin: EVIL, "sec-fetch-site": "cross-site" }, form: fields(b) }) },
  { name: "a multipart form from another site", options: (b) => ({ headers: { origin: EVIL, "sec-fetch-site": "cross-site" }, multipart: fields(b) }) },
  { name: "JSON with a foreign Origin", options: (b) => ({ headers: { origin: EVIL, "content-type": "application/json" }, data: JSON.stringify(b) }) },
  {
    name: "JSON with Sec-Fetch-Site: cross-site",
    options: (b, f) => ({ headers: { origin: f.stack.webUrl, "sec-fetch-site": "cross-site", "content-type": "application/json" }, data: JSON.stringify(b) }),
  },
  {
    name: "JSON from another port of the same host (Sec-Fetch-Site: same-site)",
    options: (b, f) => ({
      headers: { origin: `${new URL(f.stack.webUrl).protocol}//${new URL(f.stack.webUrl).hostname}:1`, "sec-fetch-site": "same-site", "content-type": "application/json" },
      data: JSON.stringify(b),
    }),
  },
  {
    name: "Origin: null (a sandboxed frame)",
    options: (b) => ({ headers: { origin: "null", "sec-fetch-site": "cross-site", "content-type": "text/plain" }, data: JSON.stringify(b) }),
  },
  { name: "no Origin, cross-site fetch metadata", options: (b) => ({ headers: { "sec-fetch-site": "cross-site" }, form: fields(b) }) },
  { name: "no Origin and no fetch metadata", options: (b) => ({ headers: { "content-type": "application/json" }, data: JSON.stringify(b) }) },
];

/**
 * Everything a write could change: the org's objects, and anywhere the accounts, orgs, memberships,
 * invitations, account tokens and the outbox. Checkpoints and rollups are left out (the stack's API and
 * worker write them on their own), as are the activity stamps any request moves; other orgs' approvals
 * are too (the worker expires them when their time is up).
 */
async function stateOf(orgId: string): Promise<unknown> {
  const everywhere = ["orgs", "users", "memberships", "invitations", "account_tokens", "dev_outbox", "org_sso_domains"];
  const inOrg = [
    "agents",
    "api_keys",
    "policies",
    "policy_versions",
    "policy_drafts",
    "policy_publish_requests",
    "actions",
    "approvals",
    "approval_votes",
    "delegations",
    "audit_entries",
    "signing_keys",
    "rate_events",
  ];
  const digest = (table: string, where: string) =>
    `'${table}', (SELECT md5(coalesce(string_agg(r.j, ',' ORDER BY r.j), '')) FROM (SELECT (to_jsonb(x) - 'last_used_at' - 'last_active_at')::text AS j FROM ${table} x ${where}) r)`;
  const parts = [...everywhere.map((t) => digest(t, "")), ...inOrg.map((t) => digest(t, "WHERE x.org_id = $1"))];
  const { rows } = await db().pool.query<{ state: unknown }>(`SELECT json_build_object(${parts.join(", ")}) AS state`, [orgId]);
  return rows[0]?.state;
}

/** The proxy's refusal: the error envelope for a route handler, plain text for a page's server action. */
async function expectRefused(response: APIResponse, label: string): Promise<void> {
  const text = await response.text();
  expect(response.status(), `${label}: ${text.slice(0, 300)}`).toBe(403);
  if (new URL(response.url()).pathname.startsWith("/api/")) {
    expect(JSON.parse(text), label).toEqual({ error: { code: "FORBIDDEN", message: expect.stringMatching(/^cross-site request refused/), requestId: expect.any(String) } });
  } else {
    expect(text, label).toMatch(/^Forbidden: cross-site request refused/);
  }
}

// ── Setup ──────────────────────────────────────────────────────────────────────────────────────────

test.beforeAll(async () => {
  const stack = readStack();
  const org = await createTestOrg({ label: "xs", policies: POLICIES });
  fx = { stack, org, victim: await signedIn(stack, org.owner), params: await paramsOf(stack, org) };
});

test.afterAll(async () => {
  await Promise.all(contexts.map((context) => context.dispose()));
  await disconnectDb();
});

// ── The suite ──────────────────────────────────────────────────────────────────────────────────────

test("the table finds the console's writes on disk: the org routes, next-auth's, and every server action in the build", async () => {
  const handlers = (await writeHandlers()).map((h) => `${h.method} ${h.route}`);
  // The findings of the outside test are among them; a route.ts moved or renamed keeps them in.
  expect(handlers).toEqual(
    expect.arrayContaining([
      "POST /api/orgs/[orgSlug]/members/leave",
      "POST /api/orgs/[orgSlug]/onboarding/starter-policy",
      "POST /api/orgs/[orgSlug]/audit/erasures",
      "POST /api/auth/[...nextauth]",
    ]),
  );
  const built = (await builtServerActions()).map((a) => `${a.filename}#${a.exportedName}`).sort();
  expect(built, "the build is older than the source: build the console again").toEqual(await serverActionsOnDisk());
});

test("every state-changing route handler × every cross-site request kind, with the victim's cookie: 403, nothing written, still signed in", async () => {
  test.setTimeout(180_000);
  const handlers = await writeHandlers();
  for (const handler of handlers) {
    for (const url of urlsOf(handler.route, fx.params)) {
      const before = await stateOf(fx.org.org.id);
      for (const variant of VARIANTS) {
        const label = `${handler.method} ${url} (${variant.name})`;
        const body = bodyOf(handler, url, fx);
        const withCsrf = url.startsWith("/api/auth/") ? { ...body, csrfToken: await csrfTokenOf(fx.victim) } : body;
        await expectRefused(await fx.victim.fetch(url, { method: handler.method, ...variant.options(withCsrf, fx) }), label);
      }
      expect(await stateOf(fx.org.org.id), `${handler.method} ${url}: a refused request wrote something`).toEqual(before);
      expect(await sessionEmail(fx.victim), `${handler.method} ${url} signed the victim out`).toBe(fx.org.owner.email);
    }
  }
});

async function csrfTokenOf(context: APIRequestContext): Promise<string> {
  return ((await (await context.get("/api/auth/csrf")).json()) as { csrfToken: string }).csrfToken;
}

/** A page that posts the action (`app/invite/[token]/page` → `/invite/<token>`). */
function pageOf(worker: string, params: Record<string, string>): string {
  const path = worker.replace(/^app/, "").replace(/\/page$/, "") || "/";
  return urlsOf(path, params)[0] ?? path;
}

test("every server action × every cross-site request kind, with the victim's cookie: 403, nothing written, still signed in", async () => {
  test.setTimeout(120_000);
  const actions = await builtServerActions();
  expect(actions.length).toBeGreaterThan(0);
  for (const action of actions) {
    for (const worker of action.workers) {
      const page = pageOf(worker, fx.params);
      const before = await stateOf(fx.org.org.id);
      for (const variant of VARIANTS) {
        // What the action would take from its form: an attacker fills in the victim's new password, an email, a token.
        const body = {
          email: fx.org.owner.email,
          password: "taken-over-password-1",
          newPassword: "taken-over-password-1",
          currentPassword: fx.org.owner.password,
          token: fx.params.token ?? "",
        };
        const options = variant.options(body, fx);
        const response = await fx.victim.fetch(page, { ...options, method: "POST", headers: { ...options?.headers, "next-action": action.id } });
        await expectRefused(response, `${action.filename}#${action.exportedName} on ${page} (${variant.name})`);
      }
      expect(await stateOf(fx.org.org.id), `${action.exportedName} on ${page}: a refused request wrote something`).toEqual(before);
      expect(await sessionEmail(fx.victim), `${action.exportedName} on ${page} signed the victim out`).toBe(fx.org.owner.email);
    }
  }
});

test("the console's own JSON requests still go through: applying the starter policies and leaving an org work from its origin", async () => {
  const org = await createTestOrg({ label: "xs-own" });
  const second = await addMember(org, "owner");
  const [owner, leaver] = [await signedIn(fx.stack, org.owner), await signedIn(fx.stack, second)];
  const own = { origin: fx.stack.webUrl, "sec-fetch-site": "same-origin" };

  const before = await db().policy.count({ where: { orgId: org.org.id } });
  const applied = await owner.post(`/api/orgs/${org.org.slug}/onboarding/starter-policy`, { headers: own });
  expect(applied.status(), await applied.text()).toBe(200);
  expect(await db().policy.count({ where: { orgId: org.org.id } })).toBeGreaterThan(before);

  const left = await leaver.post(`/api/orgs/${org.org.slug}/members/leave`, { headers: own });
  expect(left.status(), await left.text()).toBe(200);
  const membership = await db().membership.findFirstOrThrow({ where: { orgId: org.org.id, user: { email: second.email } } });
  expect(membership.removedAt).not.toBeNull();
});

test("every state-changing route handler answers the console's own JSON request itself (never the edge's refusal)", async () => {
  test.setTimeout(120_000);
  // A throwaway org of its own: these requests act (a member leaves, the org closes).
  const org = await createTestOrg({ label: "xs-pass", policies: POLICIES });
  const context = await signedIn(fx.stack, org.owner);
  const params = await paramsOf(fx.stack, org);
  const f: Fixture = { ...fx, org, victim: context, params };
  for (const handler of await writeHandlers()) {
    for (const url of urlsOf(handler.route, params)) {
      const body = bodyOf(handler, url, f);
      const response = await context.fetch(url, {
        method: handler.method,
        headers: { origin: fx.stack.webUrl, "sec-fetch-site": "same-origin", "content-type": "application/json" },
        data: JSON.stringify(body),
        maxRedirects: 0,
      });
      const text = await response.text();
      const label = `${handler.method} ${url}: ${response.status()} ${text.slice(0, 200)}`;
      expect(response.status(), label).not.toBe(421);
      expect(text, label).not.toMatch(/cross-site request refused|send the request as application\/json/);
    }
  }
});
