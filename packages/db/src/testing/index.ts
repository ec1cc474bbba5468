import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import pg from "pg";
import type {} from "vitest";
import { hashPassword, newId, type MemberRole } from "@gatehouse/core";
import { systemCtx, type Ctx } from "../actors/context";
import { createAgent } from "../agents/create-agent";
import { db } from "../infra/client";
import { databaseUrlNow } from "../infra/env";
import { issueAdminKey } from "../keys/issue-admin-key";
import { createOrg } from "../orgs/create-org";
import { applyPolicies } from "../policies/apply-policies";

declare module "vitest" {
  /** Set by packages/db/test/global-setup.ts. */
  export interface ProvidedContext {
    /** The project's migrated databases, one per Vitest worker (VITEST_POOL_ID 1 is the first). */
    databaseUrls: string[];
    /** TEST_PASSWORD's hash, made once per run: every test org's owner gets it. */
    testPasswordHash: string;
  }
}

/**
 * The database of this test worker: each Vitest worker has its own clone of the project's migrated database
 * (packages/db/test/global-setup.ts), so a database-wide job one file runs never meets another file's rows.
 * packages/db/test/setup-env.ts sets DATABASE_URL to it before any test module loads.
 */
export function testDatabaseUrl(): string {
  const url = databaseUrlNow();
  if (url === undefined) throw new Error("DATABASE_URL is not set: packages/db/test/setup-env.ts sets it for the integration projects");
  return url;
}

let ownerPasswordHash: Promise<string> | undefined;
/** The run's one hash of TEST_PASSWORD (made in global setup; packages/db/test/setup-env.ts passes it here). */
export function useTestPasswordHash(hash: string): void {
  ownerPasswordHash = Promise.resolve(hash);
}
/**
 * TEST_PASSWORD's scrypt hash at production cost: the run's one, or one per process outside Vitest. Hashing it for
 * each test org cost about 0.2 s of a core each, 700 times a run; signing in still verifies the real hash.
 */
function testOwnerPasswordHash(): Promise<string> {
  ownerPasswordHash ??= hashPassword(TEST_PASSWORD);
  return ownerPasswordHash;
}

/** Creates an empty database next to the one `baseUrl` names; returns its URL and a drop(). */
export function createTestDatabase(baseUrl: string, prefix = "gatehouse_test"): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  return createDatabaseNextTo(baseUrl, `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`);
}

/**
 * A copy of `template` (a database with no session open on it) named `name`, next to it: PostgreSQL copies the files,
 * so a migrated database is had in a fraction of a migration's time. Returns its URL and a drop().
 */
export function cloneTestDatabase(baseUrl: string, template: string, name: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  return createDatabaseNextTo(baseUrl, name, template);
}

async function createDatabaseNextTo(baseUrl: string, name: string, template?: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"${template === undefined ? "" : ` TEMPLATE "${template}"`}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => dropTestDatabase(baseUrl, name) };
}

async function dropTestDatabase(baseUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export const TEST_PASSWORD = "correct horse battery staple";

export interface TestOrg {
  ctx: Ctx;
  org: Ctx["org"];
  owner: { userId: string; membershipId: string; email: string; password: string };
  agent: { id: string; name: string; apiKey: string; keyId: string };
  adminKey: { id: string; apiKey: string };
}

/** A fresh org with an owner (password TEST_PASSWORD), one agent with a key, an admin key, and policies. */
export async function createTestOrg(options: { policies?: unknown[]; label?: string } = {}): Promise<TestOrg> {
  const suffix = randomBytes(4).toString("hex");
  const slug = `${options.label ?? "t"}-${suffix}`.toLowerCase();
  const email = `owner-${suffix}@example.test`;
  const created = await createOrg({
    input: { slug, name: `Test ${slug}`, owner: { email, name: "Test Owner", password: TEST_PASSWORD } },
    ownerPasswordHash: await testOwnerPasswordHash(),
  });
  const ctx = systemCtx(created.org, "test-factory");
  const agent = await createAgent({ ctx, input: { name: "test-agent", labels: { team: "test" } } });
  const adminKey = await issueAdminKey({ ctx, input: { membershipId: created.owner.membershipId } });
  if (options.policies) await applyPolicies({ ctx, input: { policies: options.policies } });
  return {
    ctx,
    org: created.org,
    owner: { userId: created.owner.userId, membershipId: created.owner.membershipId, email, password: TEST_PASSWORD },
    agent: { id: agent.id, name: agent.name, apiKey: agent.apiKey, keyId: agent.keyId },
    adminKey: { id: adminKey.id, apiKey: adminKey.apiKey },
  };
}

/** A port the kernel says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface TestMember {
  userId: string;
  membershipId: string;
  email: string;
  role: MemberRole;
  /** An org admin key of this member: decisions made with it are the member's. */
  apiKey: string;
}

/** Adds a member with `role` to the org (a new user), with an admin key of their own. */
export async function addTestMember(org: TestOrg, role: MemberRole, label: string = role): Promise<TestMember> {
  const suffix = randomBytes(4).toString("hex");
  const email = `${label.toLowerCase()}-${suffix}@example.test`;
  const user = await db().user.create({ data: { id: newId("user"), email, name: `${label} ${suffix}` } });
  const membership = await db().membership.create({ data: { id: newId("membership"), orgId: org.org.id, userId: user.id, role } });
  const key = await issueAdminKey({ ctx: org.ctx, input: { membershipId: membership.id } });
  return { userId: user.id, membershipId: membership.id, email, role, apiKey: key.apiKey };
}

/**
 * The invitation token of the newest invitation mail to `email` in the development outbox (tests run
 * without SMTP_URL): the invitee's mailbox, the only place a token goes. Throws when there is none.
 */
export async function invitationTokenFromOutbox(email: string): Promise<string> {
  const mail = await db().devOutboxMessage.findFirst({ where: { to: { equals: email, mode: "insensitive" } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  const token = mail?.text.match(/\/invite\/(gh_invite_[0-9A-Za-z]{32})/)?.[1];
  if (!token) throw new Error(`no invitation mail to ${email} in the development outbox`);
  return token;
}

/**
 * A DNS zone in memory for SSO domain proofs: `publish` a TXT record, pass `resolveTxt` where
 * verifySsoDomain (or the API's buildServer) takes one. A name without records fails as DNS does
 * (ENOTFOUND); `fail(name, code)` makes a name's lookup fail with another code (SERVFAIL, ETIMEOUT).
 */
export function fakeDns(): {
  resolveTxt: (name: string) => Promise<string[][]>;
  publish: (name: string, value: string) => void;
  fail: (name: string, code: string) => void;
  lookups: string[];
} {
  const zone = new Map<string, string[][]>();
  const failures = new Map<string, string>();
  const lookups: string[] = [];
  return {
    lookups,
    publish: (name, value) => zone.set(name.toLowerCase(), [...(zone.get(name.toLowerCase()) ?? []), [value]]),
    fail: (name, code) => failures.set(name.toLowerCase(), code),
    resolveTxt: async (name) => {
      lookups.push(name);
      const code = failures.get(name.toLowerCase()) ?? (zone.has(name.toLowerCase()) ? null : "ENOTFOUND");
      if (code) throw Object.assign(new Error(`queryTxt ${code} ${name}`), { code });
      return zone.get(name.toLowerCase()) ?? [];
    },
  };
}

export { checkStoredEntryTypes, noteEntry, type StoredEntryReport } from "./stored-entry-types";
export { startSlackStandIn, type SlackStandIn, type SlackStandInUser, type SlackRequest, type SlackCall } from "./slack-stand-in";
export { startPgBouncer, PGBOUNCER, type PgBouncer } from "./pgbouncer";
/** The org's checkpoint signer, for tests that play an operator who forks the log with its own key (apps/api/test/witnesses.test.ts). */
export { activeSigner } from "../audit/signing-keys";
export { CLI_FROM_SOURCE, initWitness, serveWitness, stopChild } from "./witness-process";
export { parsePrometheusText, sampleValue, type PromExposition, type PromSample } from "./prometheus-text";
export { armEvaluationFault } from "../decisions/evaluation-steps";
