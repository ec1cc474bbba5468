import { randomUUID } from "node:crypto";
import { db } from "@gatehouse/db";
import { addTestMember, createTestOrg, fakeDns, invitationTokenFromOutbox, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../packages/cli/src/cli.ts";
import { GatehouseAdmin } from "../../../packages/sdk/src/index.ts";
import { call, peek, startApp, stopApp } from "./helpers";

// Identity over the API (ADR 0012, "Who proved it"): every way an inviter could read back an
// invitation's token, the limit on invitation mail, and SSO domain proofs through the settings routes.

const dns = fakeDns();
let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  app = await startApp({ resolveTxt: dns.resolveTxt });
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await stopApp(app);
});

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}@example.test`;

/** Runs the CLI against the real API; answers what it printed. */
async function cli(org: TestOrg, argv: string[]): Promise<string> {
  let out = "";
  const code = await main({
    argv,
    env: { GATEHOUSE_API_KEY: org.adminKey.apiKey, GATEHOUSE_BASE_URL: baseUrl },
    fetch: (input, init) => fetch(input, init),
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      out += text;
    },
  });
  expect(code, out).toBe(0);
  return out;
}

describe("no answer holds an invitation's token", () => {
  // Each row creates an invitation one way, or reads one back one way, and answers the text the inviter sees.
  const WAYS: Array<[string, (org: TestOrg, email: string) => Promise<string>]> = [
    ["API create answer", async (org, email) => (await call(app, "POST", "/v1/admin/invitations", { key: org.adminKey.apiKey, body: { email, role: "admin" } })).body],
    [
      "API create retried with its Idempotency-Key",
      async (org, email) => {
        const key = randomUUID();
        const send = () => call(app, "POST", "/v1/admin/invitations", { key: org.adminKey.apiKey, body: { email, role: "admin" }, headers: { "idempotency-key": key } });
        return (await send()).body + (await send()).body;
      },
    ],
    ["SDK create", async (org, email) => JSON.stringify(await new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl }).invitations.create({ email, role: "admin" }))],
    ["CLI create", (org, email) => cli(org, ["invitations", "create", email, "--role", "admin"])],
    ["CLI create --json", (org, email) => cli(org, ["invitations", "create", email, "--role", "admin", "--json"])],
  ];
  // Where an inviter could read it back afterwards.
  const READS: Array<[string, (org: TestOrg) => Promise<string>]> = [
    ["API listing", async (org) => (await call(app, "GET", "/v1/admin/invitations", { key: org.adminKey.apiKey })).body],
    ["SDK listing", async (org) => JSON.stringify(await new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl }).invitations.list())],
    ["CLI listing", (org) => cli(org, ["invitations", "list", "--json"])],
    ["audit entries", async (org) => (await call(app, "GET", "/v1/audit?limit=500", { key: org.adminKey.apiKey })).body],
    ["audit export", async (org) => (await call(app, "GET", "/v1/audit/export", { key: org.adminKey.apiKey })).body],
    ["event stream (replayed from the start)", async (org) => (await peek(app, "/v1/events?lastEventId=0", { key: org.adminKey.apiKey, forMs: 1_000 })).text],
  ];

  for (const [way, create] of WAYS) {
    it(`${way}, then every read-back`, async () => {
      const org = await createTestOrg({ label: "leak" });
      const email = unique("leak");
      const seen = [await create(org, email)];
      for (const [, read] of READS) seen.push(await read(org));
      const token = await invitationTokenFromOutbox(email);
      const secret = token.slice("gh_invite_".length);
      for (const [index, text] of seen.entries()) expect(text, index === 0 ? way : READS[index - 1]?.[0]).not.toContain(secret);
      expect(seen[0]).toContain(email);
    });
  }
});

describe("invitation mail is limited", () => {
  it("past the sender's limit: 429 with Retry-After and the limit named; nothing sent", async () => {
    const org = await createTestOrg({ label: "spam" });
    const admin = await addTestMember(org, "admin");
    let last = await call(app, "POST", "/v1/admin/invitations", { key: admin.apiKey, body: { email: unique("spam"), role: "viewer" } });
    let sent = 0;
    while (last.statusCode === 201) {
      sent += 1;
      last = await call(app, "POST", "/v1/admin/invitations", { key: admin.apiKey, body: { email: unique("spam"), role: "viewer" } });
    }
    expect(sent).toBe(20);
    expect(last.statusCode).toBe(429);
    expect(last.headers["retry-after"]).toBe("3600");
    expect(last.json().error).toMatchObject({ code: "RATE_LIMITED", message: expect.stringMatching(/20 per sender per 1 h/) });
    expect(await db().invitation.count({ where: { orgId: org.org.id } })).toBe(20);
    // Another sender of the org is not held by this one's limit.
    expect((await call(app, "POST", "/v1/admin/invitations", { key: org.adminKey.apiKey, body: { email: unique("other"), role: "viewer" } })).statusCode).toBe(201);
  });
});

describe("SSO domain proofs through the admin settings routes", () => {
  it("claim → pending with its TXT record; verify refused until the record is published; then routed; another org's proof is a 409; viewers and other orgs cannot verify", async () => {
    const org = await createTestOrg({ label: "proof" });
    const other = await createTestOrg({ label: "proof2" });
    const viewer = await addTestMember(org, "viewer");
    const domain = `${org.org.slug}.example.test`;
    const patched = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { signIn: { ssoDomains: [domain] } } });
    expect(patched.statusCode).toBe(200);
    const listed = (await call(app, "GET", "/v1/admin/settings/sso-domains", { key: viewer.apiKey })).json();
    expect(listed.domains).toEqual([
      {
        domain,
        status: "pending",
        record: { type: "TXT", name: `_gatehouse-challenge.${domain}`, value: expect.stringMatching(/^gatehouse-domain-verification=/) },
        verifiedAt: null,
      },
    ]);
    const verify = (key: string, body: unknown = { domain }) => call(app, "POST", "/v1/admin/settings/sso-domains/verify", { key, body });
    const missing = await verify(org.adminKey.apiKey);
    expect([missing.statusCode, missing.json().error.details.issues[0].path]).toEqual([409, "domain"]);
    expect(missing.json().error.message).toMatch(/no TXT record found/);
    dns.publish(listed.domains[0].record.name, listed.domains[0].record.value);
    expect((await verify(viewer.apiKey)).statusCode).toBe(403);
    expect((await verify(other.adminKey.apiKey)).statusCode).toBe(404);
    expect((await verify(org.adminKey.apiKey, { domain: "not a domain" })).json().error.details.issues[0].path).toBe("domain");
    const ok = await verify(org.adminKey.apiKey);
    expect(ok.json()).toMatchObject({ domain, status: "verified" });
    expect(await db().orgSsoDomain.findUnique({ where: { domain } })).toMatchObject({ orgId: org.org.id });
    const taken = await call(app, "PATCH", "/v1/admin/settings", { key: other.adminKey.apiKey, body: { signIn: { ssoDomains: [domain] } } });
    expect([taken.statusCode, taken.json().error.details.issues[0].path]).toEqual([409, "signIn.ssoDomains"]);
    const gmail = await call(app, "PATCH", "/v1/admin/settings", { key: other.adminKey.apiKey, body: { signIn: { ssoDomains: ["gmail.com"] } } });
    expect([gmail.statusCode, gmail.json().error.details.issues[0].path]).toEqual([400, "signIn.ssoDomains.0"]);
  });
});
