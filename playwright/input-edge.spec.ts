import { db, disconnectDb } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { request as apiRequest, type APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";
import { readStack, type E2EStack } from "./stack";

// Input at the edge, in the console's route handlers: NUL characters and unpaired surrogates in a
// query filter or a JSON body, JSON nested 10,000 deep, a repeated query parameter, an id of the wrong
// kind and a slug that cannot be an org's each answer 4xx (400 naming the field, or 404 for the slug),
// never 500, and nothing is written. A path segment that is not valid percent-encoded UTF-8, such
// as `%ED%A0%80` (the only way to put a lone surrogate in a URL), is refused by the proxy with a 400
// before Next.js would answer it with a 500.

const POLICIES = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
];

let stack: E2EStack;
let org: TestOrg;
let session: APIRequestContext;
let approvalId = "";
const contexts: APIRequestContext[] = [];

/** Signs in through next-auth's credentials endpoint; the context keeps the session cookie. */
async function signedIn(credentials: { email: string; password: string }): Promise<APIRequestContext> {
  // The console's own origin, as its pages send it with every write (the proxy refuses a write without it).
  const context = await apiRequest.newContext({ baseURL: stack.webUrl, extraHTTPHeaders: { origin: stack.webUrl } });
  contexts.push(context);
  const { csrfToken } = (await (await context.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await context.post("/api/auth/callback/credentials", { form: { csrfToken, email: credentials.email, password: credentials.password, callbackUrl: stack.webUrl } });
  const signed = (await (await context.get("/api/auth/session")).json()) as { user?: { email?: string } } | null;
  expect(signed?.user?.email).toBe(credentials.email);
  return context;
}

/** What a refused request could have changed: the org's audit log and its approvals and votes. */
async function writesOf(orgId: string): Promise<unknown> {
  const { rows } = await db().pool.query<{ state: unknown }>(
    `SELECT json_build_object('auditSize', (SELECT size FROM audit_log_heads WHERE org_id = $1),
       'approvals', (SELECT md5(coalesce(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id), '')) FROM approvals x WHERE x.org_id = $1),
       'votes', (SELECT count(*) FROM approval_votes WHERE org_id = $1),
       'keys', (SELECT count(*) FROM signing_keys WHERE org_id = $1)) AS state`,
    [orgId],
  );
  return rows[0]?.state;
}

const deepArrayJson = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const BODY22 = "AbCdEfGhIjKlMnOpQrStUv";

interface Case {
  name: string;
  method: "GET" | "POST";
  /** The path under /api/orgs/<slug>; `slug` replaces the org's own slug when given. */
  path: () => string;
  slug?: string;
  /** JSON text sent as is, so it can carry \u0000 and lone-surrogate escapes. */
  rawBody?: string;
  /** The field a 400 names; absent for a 404. */
  field?: string;
  status?: number;
}

const CASES: Case[] = [
  { name: "NUL in a query filter (audit type)", method: "GET", path: () => "/audit?type=action.decided%00", field: "type" },
  { name: "NUL in a query filter (approvals actionType)", method: "GET", path: () => "/approvals?actionType=pr.merge%00", field: "actionType" },
  { name: "NUL in an id filter (audit agentId)", method: "GET", path: () => "/audit?agentId=%00", field: "agentId" },
  { name: "wrong-prefix id filter (audit agentId)", method: "GET", path: () => `/audit?agentId=apr_${BODY22}`, field: "agentId" },
  { name: "NUL in the proof's entryId", method: "GET", path: () => "/audit/proof?entryId=aud_%00", field: "entryId" },
  { name: "repeated query parameter (audit limit)", method: "GET", path: () => "/audit?limit=1&limit=2", field: "limit" },
  { name: "repeated query parameter (approvals status)", method: "GET", path: () => "/approvals?status=pending&status=all", field: "status" },
  { name: "repeated query parameter (checkpoints cursor)", method: "GET", path: () => "/audit/checkpoints?cursor=1&cursor=2", field: "cursor" },
  { name: "repeated query parameter (events lastEventId)", method: "GET", path: () => "/events?lastEventId=1&lastEventId=2", field: "lastEventId" },
  { name: "export: NUL in type", method: "GET", path: () => "/audit/export?type=%00", field: "type" },
  { name: "export: a year PostgreSQL cannot hold (was a 200 cut short)", method: "GET", path: () => "/audit/export?from=0000-01-01T00:00:00Z", field: "from" },
  { name: "export: repeated format", method: "GET", path: () => "/audit/export?format=csv&format=jsonl", field: "format" },
  {
    name: "NUL in a JSON body (decision reason)",
    method: "POST",
    path: () => `/approvals/${approvalId}/decision`,
    rawBody: '{"decision":"deny","reason":"no\\u0000"}',
    field: "reason",
  },
  {
    name: "lone surrogate in a JSON body (decision reason)",
    method: "POST",
    path: () => `/approvals/${approvalId}/decision`,
    rawBody: '{"decision":"deny","reason":"\\ud800"}',
    field: "reason",
  },
  { name: "lone surrogate in a JSON body key", method: "POST", path: () => `/approvals/${approvalId}/decision`, rawBody: '{"decision":"deny","\\udc00":1}', field: "" },
  {
    name: "a JSON body nested 10,000 deep",
    method: "POST",
    path: () => `/approvals/${approvalId}/decision`,
    rawBody: `{"decision":"deny","reason":${deepArrayJson(10_000)}}`,
    field: "reason",
  },
  { name: "wrong-prefix approval id", method: "GET", path: () => `/approvals/agt_${BODY22}`, field: "approvalId" },
  { name: "NUL in the approval id", method: "POST", path: () => "/approvals/apr_%00/decision", rawBody: '{"decision":"deny"}', field: "approvalId" },
  { name: "a slug with NUL", method: "GET", path: () => "/audit", slug: "%00", status: 404 },
  { name: "a slug with upper case and punctuation", method: "GET", path: () => "/approvals", slug: "Not_A-Slug!", status: 404 },
  { name: "a slug far too long", method: "GET", path: () => "/audit/keys", slug: "a".repeat(300), status: 404 },
  { name: "a slug with NUL on a POST", method: "POST", path: () => "/audit/verify", slug: "x%00y", status: 404 },
  { name: "a slug that is not percent-encoded UTF-8", method: "GET", path: () => "/audit", slug: "%ZZ", field: "path" },
  { name: "a lone surrogate in the approval id (as UTF-8 bytes)", method: "POST", path: () => "/approvals/apr_%ED%A0%80/decision", rawBody: '{"decision":"deny"}', field: "path" },
];

test.beforeAll(async () => {
  stack = readStack();
  const api = await apiRequest.newContext({ baseURL: stack.apiUrl });
  contexts.push(api);
  org = await createTestOrg({ label: "edge-web", policies: POLICIES });
  const response = await api.post("/v1/actions", { headers: { authorization: `Bearer ${org.agent.apiKey}` }, data: { actionType: "pr.merge", metadata: { pr: 1 } } });
  approvalId = ((await response.json()) as { approvalId: string }).approvalId;
  expect(approvalId).toMatch(/^apr_/);
  session = await signedIn(org.owner);
});

test.afterAll(async () => {
  await Promise.all(contexts.map((context) => context.dispose()));
  await disconnectDb();
});

test("bad input to the console's route handlers is 4xx naming the field, never 500, and writes nothing", async () => {
  for (const c of CASES) {
    const before = await writesOf(org.org.id);
    const url = `/api/orgs/${c.slug ?? org.org.slug}${c.path()}`;
    const response = await session.fetch(url, {
      method: c.method,
      ...(c.rawBody === undefined ? {} : { data: c.rawBody, headers: { "content-type": "application/json" } }),
    });
    const text = await response.text();
    const label = `${c.name}: ${response.status()} ${text.slice(0, 300)}`;
    if (c.status !== undefined || c.field !== undefined) expect(response.status(), label).toBe(c.status ?? 400);
    else expect(response.status() >= 400 && response.status() < 500, label).toBe(true);
    if (c.field !== undefined) {
      const body = JSON.parse(text) as { error: { code: string; message: string; details?: { issues?: Array<{ path: string }> } } };
      expect(body.error.code, label).toBe("VALIDATION");
      const paths = (body.error.details?.issues ?? []).map((issue) => issue.path);
      expect(
        paths.some((path) => path === c.field || path.startsWith(`${c.field}.`) || path.startsWith(`${c.field}[`)),
        label,
      ).toBe(true);
    } else if (c.status === 404) {
      expect((JSON.parse(text) as { error: { code: string } }).error.code, label).toBe("NOT_FOUND");
    }
    expect(await writesOf(org.org.id), label).toEqual(before);
  }
});

test("the same routes still answer good input (the checks refuse only what they should)", async () => {
  const good = [
    `/api/orgs/${org.org.slug}/audit?type=action.decided&limit=5`,
    `/api/orgs/${org.org.slug}/approvals?status=all&actionType=pr.merge`,
    `/api/orgs/${org.org.slug}/approvals/${approvalId}`,
    `/api/orgs/${org.org.slug}/audit/export?format=csv&from=0001-01-01T00:00:00Z`,
  ];
  for (const url of good) {
    const response = await session.get(url);
    expect(response.status(), `${url}: ${(await response.text()).slice(0, 300)}`).toBe(200);
  }
});
