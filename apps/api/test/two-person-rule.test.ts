import { randomBytes } from "node:crypto";
import { newId, type MemberRole } from "@gatehouse/core";
import { applySettingsChange, db, decideApproval, decideApprovals, getMemberContext, issueAdminKey, type Ctx } from "@gatehouse/db";
import { addTestMember, createTestOrg, fakeDns, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../packages/cli/src/cli.ts";
import { GatehouseAdmin } from "../../../packages/sdk/src/index.ts";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

// Rules that need two people (the two-admin rule `policies.requireSecondApproval`, and separation of
// duties on approvals), from the attacker's side: one person, with every credential she has, tries to
// supply both halves. Every weakening setting waits for a second admin; a publish applies only through
// its own approval; `gatehouse.*` action types are Gatehouse's own; `excludeAgentOwner` follows a
// delegate's chain to its root agent's owner.

let app: FastifyInstance;
let baseUrl: string;
const dns = fakeDns();

beforeAll(async () => {
  app = await startApp({ resolveTxt: dns.resolveTxt });
  // The SDK and the CLI call it over HTTP, as a user's do.
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await stopApp(app);
});

type Method = Parameters<typeof call>[1];
const as = (key: string) => (method: Method, url: string, body?: unknown) => call(app, method, url, { key, ...(body === undefined ? {} : { body }) });

/** A member (new user) whose email is at `domain`, with an admin key of their own. */
async function addMemberAt(org: TestOrg, role: MemberRole, domain: string): Promise<TestMember> {
  const email = `${role}-${randomBytes(4).toString("hex")}@${domain}`;
  const user = await db().user.create({ data: { id: newId("user"), email, name: `${role} at ${domain}` } });
  const membership = await db().membership.create({ data: { id: newId("membership"), orgId: org.org.id, userId: user.id, role } });
  const key = await issueAdminKey({ ctx: org.ctx, input: { membershipId: membership.id } });
  return { userId: user.id, membershipId: membership.id, email, role, apiKey: key.apiKey };
}

/**
 * One person's every credential: her first admin key, a second admin key of her own, and her console
 * session (the ctx the console's routes build for a signed-in member, deciding through the same service).
 */
interface Person {
  keys: [string, string];
  console: Ctx;
  /** The key of an agent she created: an automation acting for her. */
  agentKey: string;
}

async function personOf(org: TestOrg, member: { userId: string; membershipId: string }, firstKey: string): Promise<Person> {
  const second = await issueAdminKey({ ctx: org.ctx, input: { membershipId: member.membershipId, name: "second" } });
  const agent = await as(firstKey)("POST", "/v1/admin/agents", { name: `automation-${randomBytes(3).toString("hex")}` });
  expect(agent.statusCode, agent.body).toBe(201);
  return {
    keys: [firstKey, second.apiKey],
    console: await getMemberContext({ userId: member.userId, orgSlug: org.org.slug, requestId: "console" }),
    agentKey: agent.json().apiKey as string,
  };
}

/** Every way `person` can vote `decision` on one approval: each answers the HTTP status (bulk: its item's error code). */
function credentialsOf(person: Person): Array<[string, (approvalId: string, decision?: "approve" | "deny") => Promise<number | string>]> {
  const single =
    (key: string) =>
    async (approvalId: string, decision: "approve" | "deny" = "approve") =>
      (await as(key)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision })).statusCode;
  return [
    ["her first admin key", single(person.keys[0])],
    ["an agent she created (its key on the decision route)", single(person.agentKey)],
    ["her second admin key", single(person.keys[1])],
    [
      "bulk decide with her admin key",
      async (approvalId, decision = "approve") => {
        const response = await as(person.keys[1])("POST", "/v1/admin/approvals/decision", { approvalIds: [approvalId], decision });
        const [item] = response.json().results as Array<{ status?: string; error?: { code: string } }>;
        return item?.error?.code ?? response.statusCode;
      },
    ],
    [
      "bulk decide through the SDK (approvals.decideMany) with her second key",
      async (approvalId, decision = "approve") => {
        const { results } = await new GatehouseAdmin({ apiKey: person.keys[1], baseUrl, maxRetries: 0 }).approvals.decideMany([approvalId], decision);
        const [item] = results;
        return item && "error" in item ? item.error.code : 200;
      },
    ],
    [
      "bulk decide through the CLI (approvals approve <id> <id>) with her second key",
      async (approvalId, decision = "approve") => {
        let out = "";
        const write = (text: string) => void (out += text);
        // A second id that does not exist makes it a bulk vote; its line is NOT_FOUND whatever happens.
        await main({
          argv: ["approvals", decision, approvalId, newId("approval")],
          env: { GATEHOUSE_API_KEY: person.keys[1], GATEHOUSE_BASE_URL: baseUrl },
          fetch: (input, init) => fetch(input, init),
          stdout: write,
          stderr: write,
        });
        const line = out.split("\n").find((l) => l.startsWith(`${approvalId}: `));
        return line?.match(/^\S+: refused \((\w+)\)/)?.[1] ?? (line ? 200 : out);
      },
    ],
    [
      "her console session",
      async (approvalId, decision = "approve") => {
        try {
          await decideApproval({ ctx: person.console, input: { approvalId, body: { decision } } });
          return 200;
        } catch (error) {
          return (error as { code?: string }).code ?? "error";
        }
      },
    ],
    [
      "bulk decide in her console session",
      async (approvalId, decision = "approve") => {
        const [item] = await decideApprovals({ ctx: person.console, input: { approvalIds: [approvalId], decision } });
        return item && "error" in item ? item.error.code : 200;
      },
    ],
  ];
}

const REFUSED = [403, "FORBIDDEN"];

async function approvalStatus(approvalId: string): Promise<string> {
  return (await db().approval.findUniqueOrThrow({ where: { id: approvalId }, select: { status: true } })).status;
}

async function storedSettings(orgId: string): Promise<Record<string, Record<string, unknown>>> {
  const org = await db().org.findUniqueOrThrow({ where: { id: orgId }, select: { settings: true } });
  return org.settings as Record<string, Record<string, unknown>>;
}

describe("every setting that weakens enforcement, while the two-admin rule is in force", () => {
  let org: TestOrg;
  let owner: Person;
  let second: TestMember;
  const domain = `two-${randomBytes(4).toString("hex")}.test`;

  beforeAll(async () => {
    org = await createTestOrg({ label: "weakening", policies: ALLOW_ALL_PR });
    owner = await personOf(org, org.owner, org.adminKey.apiKey);
    second = await addMemberAt(org, "admin", domain);
    // The strict side of every setting, and the rule on: each applies at once (none weakens).
    const strict = await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", {
      policies: { requireSecondApproval: true },
      anomaly: { haltAgent: true },
      signIn: { ssoDefaultRole: "viewer" },
    });
    expect(strict.statusCode, strict.body).toBe(200);
    expect(strict.json()).toMatchObject({ policies: { requireSecondApproval: true }, anomaly: { haltAgent: true } });
    // SSO required (set in place: no test org owns an email domain it could route).
    const settings = await storedSettings(org.org.id);
    await db().org.update({ where: { id: org.org.id }, data: { settings: { ...settings, signIn: { ssoDomains: [], ssoDefaultRole: "viewer", ssoRequired: true } } } });
  });

  // [the setting, a change that weakens it, the change back (strengthening; null: put back in place, as set up)].
  const WEAKENING: Array<[string, Record<string, Record<string, unknown>>, Record<string, Record<string, unknown>> | null]> = [
    ["policies.reportOnly", { policies: { reportOnly: true } }, { policies: { reportOnly: false } }],
    ["circuitBreaker.failureThreshold", { circuitBreaker: { failureThreshold: 10_000 } }, { circuitBreaker: { failureThreshold: 10 } }],
    ["circuitBreaker.windowSeconds", { circuitBreaker: { windowSeconds: 1 } }, { circuitBreaker: { windowSeconds: 60 } }],
    ["circuitBreaker.cooldownSeconds", { circuitBreaker: { cooldownSeconds: 1 } }, { circuitBreaker: { cooldownSeconds: 30 } }],
    ["anomaly.haltAgent", { anomaly: { haltAgent: false } }, { anomaly: { haltAgent: true } }],
    ["delegation.maxDepth", { delegation: { maxDepth: 10 } }, { delegation: { maxDepth: 5 } }],
    ["delegation.maxActiveChildren", { delegation: { maxActiveChildren: 1000 } }, { delegation: { maxActiveChildren: 100 } }],
    ["signIn.ssoRequired", { signIn: { ssoRequired: false } }, null],
    ["signIn.ssoDefaultRole", { signIn: { ssoDefaultRole: "admin" } }, { signIn: { ssoDefaultRole: "viewer" } }],
    // Last: once approved, the rule is off.
    ["policies.requireSecondApproval", { policies: { requireSecondApproval: false } }, { policies: { requireSecondApproval: true } }],
  ];

  const readBack = (settings: Record<string, Record<string, unknown>>, change: Record<string, Record<string, unknown>>) =>
    Object.fromEntries(Object.entries(change).map(([group, values]) => [group, Object.fromEntries(Object.keys(values).map((k) => [k, settings[group]?.[k]]))]));

  it.each(WEAKENING)("%s: waits for approval, is not applied by any credential of the requester, and is applied by a second admin", async (path, change, back) => {
    const before = await storedSettings(org.org.id);
    const asked = await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", change);
    expect(asked.statusCode, asked.body).toBe(202);
    const pending = asked.json() as { status: string; approvalId: string; weakened: Array<{ path: string }> };
    expect(pending.status).toBe("pending_approval");
    expect(pending.weakened.map((w) => w.path)).toEqual([path]);
    expect(await storedSettings(org.org.id)).toEqual(before);
    // A retry answers the same approval.
    expect((await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", change)).json().approvalId).toBe(pending.approvalId);

    const approval = (await as(second.apiKey)("GET", `/v1/admin/approvals/${pending.approvalId}`)).json();
    expect(approval).toMatchObject({ status: "pending", actionType: "gatehouse.settings.change", agentName: "gatehouse-policies", requestedBy: org.owner.membershipId });

    for (const [credential, vote] of credentialsOf(owner)) {
      expect([credential, REFUSED.includes(await vote(pending.approvalId))]).toEqual([credential, true]);
    }
    expect(await approvalStatus(pending.approvalId)).toBe("pending");
    expect(await storedSettings(org.org.id)).toEqual(before);

    const approved = await as(second.apiKey)("POST", `/v1/admin/approvals/${pending.approvalId}/decision`, { decision: "approve" });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().status).toBe("approved");
    const after = await storedSettings(org.org.id);
    expect(readBack(after, change)).toEqual(change);
    const request = await db().settingsChangeRequest.findUniqueOrThrow({ where: { approvalId: pending.approvalId }, select: { appliedAt: true } });
    expect(request.appliedAt).toBeInstanceOf(Date);

    if (!back) {
      await db().$executeRaw`UPDATE orgs SET settings = ${JSON.stringify(before)}::jsonb WHERE id = ${org.org.id}`;
      return;
    }
    // The way back strengthens: it applies at once, by the requester alone.
    const restored = await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", back);
    expect(restored.statusCode, restored.body).toBe(200);
    expect(readBack(await storedSettings(org.org.id), back)).toEqual(back);
  });

  it("signIn.ssoDomains: a domain added waits for a second admin, and routes people once approved and proved by DNS", async () => {
    // SSO not required here: while it is, domains change only for a member whose own domain is proved.
    const settings = await storedSettings(org.org.id);
    await db().org.update({ where: { id: org.org.id }, data: { settings: { ...settings, signIn: { ...settings.signIn, ssoRequired: false } } } });
    const change = { signIn: { ssoDomains: [domain] } };
    const asked = await as(second.apiKey)("PATCH", "/v1/admin/settings", change);
    expect(asked.statusCode, asked.body).toBe(202);
    const { approvalId, weakened } = asked.json() as { approvalId: string; weakened: Array<{ path: string }> };
    expect(weakened.map((w) => w.path)).toEqual(["signIn.ssoDomains"]);
    expect(await db().orgSsoDomain.count({ where: { domain } })).toBe(0);
    expect((await as(second.apiKey)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "approve" })).statusCode).toBe(403);
    // The owner approves: the domain is the requester's own, so it may be routed.
    const approved = await as(org.adminKey.apiKey)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "approve" });
    expect(approved.statusCode, approved.body).toBe(200);
    // Approved is claimed, not routed: the domain routes people once its DNS TXT record proves it.
    expect(await db().orgSsoDomain.count({ where: { domain } })).toBe(0);
    const listed = (await as(second.apiKey)("GET", "/v1/admin/settings/sso-domains")).json() as { domains: Array<{ record: { name: string; value: string } }> };
    const record = listed.domains[0]!.record;
    dns.publish(record.name, record.value);
    const proved = await as(second.apiKey)("POST", "/v1/admin/settings/sso-domains/verify", { domain });
    expect(proved.statusCode, proved.body).toBe(200);
    expect(await db().orgSsoDomain.findMany({ where: { domain }, select: { orgId: true } })).toEqual([{ orgId: org.org.id }]);
  });

  it("a change mixing a weakening and a strengthening setting waits whole; a neutral or strengthening one applies at once", async () => {
    const mixed = await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", { policies: { reportOnly: true }, circuitBreaker: { failureThreshold: 3 } });
    expect(mixed.statusCode).toBe(202);
    expect((await storedSettings(org.org.id)).circuitBreaker).toMatchObject({ failureThreshold: 10 });
    for (const change of [
      { approvalTimeoutSeconds: 600 },
      { circuitBreaker: { failureThreshold: 3, windowSeconds: 600, cooldownSeconds: 600 } },
      { delegation: { maxDepth: 2 } },
    ]) {
      const response = await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", change);
      expect(response.statusCode, response.body).toBe(200);
    }
  });

  it("an approved change is applied once: running its approval's hook again writes nothing", async () => {
    const asked = (await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", { anomaly: { haltAgent: false } })).json();
    expect((await as(second.apiKey)("POST", `/v1/admin/approvals/${asked.approvalId}/decision`, { decision: "approve" })).json().status).toBe("approved");
    const entries = await db().auditEntry.count({ where: { orgId: org.org.id } });
    const { actionId } = await db().approval.findUniqueOrThrow({ where: { id: asked.approvalId }, select: { actionId: true } });
    const secondCtx = await getMemberContext({ userId: second.userId, orgSlug: org.org.slug, requestId: "again" });
    await applySettingsChange(secondCtx, { approvalId: asked.approvalId, actionId, actionType: "gatehouse.settings.change" });
    expect(await db().auditEntry.count({ where: { orgId: org.org.id } })).toBe(entries);
    expect((await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", { anomaly: { haltAgent: true } })).statusCode).toBe(200);
  });

  it("a change of one setting leaves the others of its group as they are (none is reset to its default)", async () => {
    const before = await storedSettings(org.org.id);
    expect(before.policies).toMatchObject({ requireSecondApproval: true });
    for (const change of [{ policies: { reportOnly: false } }, { circuitBreaker: { failureThreshold: 2 } }, { delegation: { maxActiveChildren: 50 } }]) {
      expect((await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", change)).statusCode).toBe(200);
    }
    const after = await storedSettings(org.org.id);
    expect(after.policies).toMatchObject({ requireSecondApproval: true, reportOnly: false });
    expect(after.circuitBreaker).toMatchObject({ failureThreshold: 2, windowSeconds: 600, cooldownSeconds: 600 });
    expect(after.delegation).toMatchObject({ maxDepth: 2, maxActiveChildren: 50 });
  });
});

/** A deny-everything-risky set: deletes are denied, payments wait for an approver who is not the agent's owner. */
const GUARDED = [
  ...ALLOW_ALL_PR,
  {
    name: "payments-need-another",
    actions: ["payment.*"],
    effect: "require_approval",
    approval: { quorum: 1, approverRoles: ["owner", "admin"], excludeAgentOwner: true, timeoutSeconds: 600 },
  },
];

describe("every path by which one person could supply both halves", () => {
  let org: TestOrg;
  let owner: Person;
  let second: TestMember;
  const DRAFT = "/v1/admin/policies/draft";
  const WITH_REVIEW = `policies:
  - { name: allow-pr, actions: [pr.*], effect: allow }
  - name: review-merges
    actions: [pr.merge]
    effect: require_approval
    approval: { quorum: 1, timeoutSeconds: 600 }
  - { name: no-deletes, actions: ["*.delete"], effect: deny }
  - name: payments-need-another
    actions: [payment.*]
    effect: require_approval
    approval: { quorum: 1, approverRoles: [owner, admin], excludeAgentOwner: true, timeoutSeconds: 600 }
  - { name: no-force-push, actions: [repo.force_push], effect: deny }
`;

  beforeAll(async () => {
    org = await createTestOrg({ label: "both-halves", policies: GUARDED });
    owner = await personOf(org, org.owner, org.adminKey.apiKey);
    second = await addTestMember(org, "admin");
    expect((await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", { policies: { requireSecondApproval: true } })).statusCode).toBe(200);
  });

  const activeNames = async () =>
    (await db().policy.findMany({ where: { orgId: org.org.id, status: "active" }, select: { name: true }, orderBy: { name: "asc" } })).map((p) => p.name);

  async function publish(source: string): Promise<{ approvalId: string; requestId: string }> {
    const owned = as(org.adminKey.apiKey);
    const current = (await owned("GET", DRAFT)).json();
    const saved = (await owned("PUT", DRAFT, { source, format: "yaml", revision: current.revision })).json();
    const response = await owned("POST", `${DRAFT}/publish`, { revision: saved.revision });
    expect(response.statusCode, response.body).toBe(202);
    const approvalId = response.json().approvalId as string;
    const request = await db().policyPublishRequest.findUniqueOrThrow({ where: { approvalId }, select: { id: true } });
    return { approvalId, requestId: request.id };
  }

  /**
   * An ordinary agent's action waiting for approval, carrying `metadata`, recorded as `actionType` (for a
   * gatehouse.* type: rewritten in place, as an action recorded before those types were reserved, or by
   * any path around the reservation, would be); the owner approves it (she did not ask for it, so she may).
   */
  async function agentApprovalCarrying(metadata: Record<string, unknown>, actionType: string): Promise<string> {
    const held = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.merge", metadata } });
    expect(held.json().status, held.body).toBe("requested");
    const approvalId = held.json().approvalId as string;
    const { actionId } = await db().approval.findUniqueOrThrow({ where: { id: approvalId }, select: { actionId: true } });
    await db().action.update({ where: { id: actionId }, data: { actionType } });
    const approved = await as(org.adminKey.apiKey)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "approve" });
    expect(approved.json().status, approved.body).toBe("approved");
    return approvalId;
  }

  it("a publish: no credential of the publisher approves it (console, admin key, her second key, bulk decide); a second admin does", async () => {
    const { approvalId } = await publish(WITH_REVIEW);
    for (const [credential, vote] of credentialsOf(owner)) {
      expect([credential, REFUSED.includes(await vote(approvalId))]).toEqual([credential, true]);
    }
    expect(await activeNames()).not.toContain("no-force-push");
    const approved = await as(second.apiKey)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "approve" });
    expect(approved.json().status, approved.body).toBe("approved");
    expect(await activeNames()).toContain("no-force-push");
    // Back to the guarded set, through the rule again (the second admin publishes, the owner approves).
    const back = as(second.apiKey);
    const current = (await back("GET", DRAFT)).json();
    const saved = (
      await back("PUT", DRAFT, {
        source: WITH_REVIEW.replace("  - { name: no-force-push, actions: [repo.force_push], effect: deny }\n", ""),
        format: "yaml",
        revision: current.revision,
      })
    ).json();
    const reverted = (await back("POST", `${DRAFT}/publish`, { revision: saved.revision })).json();
    expect((await as(org.adminKey.apiKey)("POST", `/v1/admin/approvals/${reverted.approvalId}/decision`, { decision: "approve" })).json().status).toBe("approved");
    expect(await activeNames()).not.toContain("no-force-push");
  });

  // What the owner's request waits in × how the agent's action is recorded: approving the agent's action applies nothing.
  const CARRIERS = ["gatehouse.policies.publish", "gatehouse.settings.change", "pr.merge"];
  it.each(CARRIERS)("an agent's approved action (%s) carrying her pending publish's request id applies nothing", async (actionType) => {
    const { approvalId, requestId } = await publish(WITH_REVIEW);
    await agentApprovalCarrying({ publishRequestId: requestId, draftRevision: 1 }, actionType);
    expect(await activeNames()).not.toContain("no-force-push");
    expect(await approvalStatus(approvalId)).toBe("pending");
    const request = await db().policyPublishRequest.findUniqueOrThrow({ where: { id: requestId }, select: { appliedAt: true } });
    expect(request.appliedAt).toBeNull();
    // Cleared for the next case: the second admin denies it.
    expect((await as(second.apiKey)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "deny" })).json().status).toBe("denied");
  });

  it.each(CARRIERS)("an agent's approved action (%s) carrying a denied publish's request id does not revive it", async (actionType) => {
    const { approvalId, requestId } = await publish(WITH_REVIEW);
    expect((await as(second.apiKey)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "deny" })).json().status).toBe("denied");
    await agentApprovalCarrying({ publishRequestId: requestId }, actionType);
    expect(await activeNames()).not.toContain("no-force-push");
  });

  it.each(CARRIERS)("an agent's approved action (%s) carrying a pending settings change's request id applies nothing", async (actionType) => {
    const asked = (await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", { policies: { reportOnly: true } })).json();
    const request = await db().settingsChangeRequest.findUniqueOrThrow({ where: { approvalId: asked.approvalId }, select: { id: true } });
    await agentApprovalCarrying({ settingsChangeRequestId: request.id }, actionType);
    expect((await storedSettings(org.org.id)).policies).toMatchObject({ reportOnly: false });
    expect((await as(second.apiKey)("POST", `/v1/admin/approvals/${asked.approvalId}/decision`, { decision: "deny" })).json().status).toBe("denied");
  });

  // Every agent verb × every reserved action type: a 400 naming actionType, nothing recorded.
  const RESERVED = ["gatehouse.policies.publish", "gatehouse.settings.change", "gatehouse.anything"];
  const VERBS: Array<[string, string]> = [
    ["execute (and gate)", "/v1/actions"],
    ["canI", "/v1/actions/check"],
  ];
  it.each(VERBS.flatMap(([verb, path]) => RESERVED.map((actionType) => [verb, path, actionType] as const)))(
    "an agent's %s with %s is refused (400 naming actionType)",
    async (_verb, path, actionType) => {
      const actionsBefore = await db().action.count({ where: { orgId: org.org.id } });
      const response = await call(app, "POST", path, { key: org.agent.apiKey, body: { actionType, metadata: { publishRequestId: "ppr_x" } } });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: "VALIDATION", details: { issues: [{ path: "actionType", message: expect.stringContaining("reserved") }] } } });
      expect(await db().action.count({ where: { orgId: org.org.id } })).toBe(actionsBefore);
    },
  );

  it.each(["gatehouse.policies.publish", "gatehouse.*"])("a policy cannot name %s (400 naming the field), in a set or a draft's publish", async (pattern) => {
    const grant = { name: "grant-system", actions: [pattern], effect: "allow" };
    const tested = await as(second.apiKey)("POST", "/v1/admin/policies/test", { policies: [...GUARDED, grant], tests: [] });
    expect(tested.statusCode).toBe(400);
    expect(tested.json().error.details.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: "policies[4].actions[0]" })]));
    const put = await as(second.apiKey)("PUT", "/v1/admin/policies?dryRun=true", { policies: [...GUARDED, grant] });
    expect(put.statusCode).toBe(400);
  });

  it("the settings switch: turning the rule off, or report-only on, is not applied by one person; a denied delete stays denied", async () => {
    for (const change of [{ policies: { requireSecondApproval: false } }, { policies: { reportOnly: true } }]) {
      const asked = await as(org.adminKey.apiKey)("PATCH", "/v1/admin/settings", change);
      expect(asked.statusCode).toBe(202);
      for (const [credential, vote] of credentialsOf(owner)) {
        expect([credential, REFUSED.includes(await vote(asked.json().approvalId))]).toEqual([credential, true]);
      }
    }
    expect((await storedSettings(org.org.id)).policies).toMatchObject({ requireSecondApproval: true, reportOnly: false });
    const deleted = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "repo.delete" } });
    expect(deleted.json()).toMatchObject({ status: "denied", denialReason: "CONDITIONS_DENIED" });
    // And the rule still holds for policies: a member's own apply is refused.
    const put = await as(org.adminKey.apiKey)("PUT", "/v1/admin/policies", { policies: ALLOW_ALL_PR });
    expect(put.json().error.details.reason).toBe("SECOND_APPROVAL_REQUIRED");
  });
});

describe("excludeAgentOwner follows a delegate's chain to its root agent's owner", () => {
  let org: TestOrg;
  let owner: Person;
  let second: TestMember;
  let root: { id: string; apiKey: string };
  const delegates: Array<{ depth: number; apiKey: string }> = [];

  beforeAll(async () => {
    org = await createTestOrg({ label: "chain-owner", policies: GUARDED });
    owner = await personOf(org, org.owner, org.adminKey.apiKey);
    second = await addTestMember(org, "admin");
    // The owner creates the root agent: she is its owner.
    const created = await as(org.adminKey.apiKey)("POST", "/v1/admin/agents", { name: "payer" });
    expect(created.statusCode, created.body).toBe(201);
    root = created.json();
    let parentKey = root.apiKey;
    for (const depth of [1, 2, 3]) {
      const delegated = await call(app, "POST", "/v1/delegations", {
        key: parentKey,
        body: { name: `payer-d${depth}`, capabilities: ["payment.*"], ttlSeconds: 3600 - depth * 60 },
      });
      expect(delegated.statusCode, delegated.body).toBe(201);
      parentKey = delegated.json().apiKey;
      delegates.push({ depth, apiKey: parentKey });
    }
  });

  async function held(apiKey: string): Promise<string> {
    const response = await call(app, "POST", "/v1/actions", { key: apiKey, body: { actionType: "payment.send", metadata: { amount: 5 } } });
    expect(response.json().status, response.body).toBe("requested");
    return response.json().approvalId as string;
  }

  it("the root agent's own request: its owner is refused by every credential", async () => {
    const approvalId = await held(root.apiKey);
    for (const [credential, vote] of credentialsOf(owner)) {
      expect([credential, REFUSED.includes(await vote(approvalId))]).toEqual([credential, true]);
    }
  });

  it.each([1, 2, 3])("a delegate at depth %i: the root's owner is refused by every credential, and sees why; another admin decides", async (depth) => {
    const delegate = delegates.find((d) => d.depth === depth);
    const approvalId = await held(delegate?.apiKey ?? "");
    for (const [credential, vote] of credentialsOf(owner)) {
      expect([credential, REFUSED.includes(await vote(approvalId))]).toEqual([credential, true]);
    }
    const seen = (await as(org.adminKey.apiKey)("GET", `/v1/admin/approvals/${approvalId}`)).json();
    expect(seen.viewer).toEqual({ canDecide: false, reason: expect.stringContaining("created this agent") });
    const refusals = await db().auditEntry.count({ where: { orgId: org.org.id, type: "approval.vote_refused", subjectId: approvalId } });
    expect(refusals).toBeGreaterThan(0);
    const approved = await as(second.apiKey)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "approve" });
    expect(approved.json().status, approved.body).toBe("approved");
  });
});

describe("a quorum counts distinct people, not credentials", () => {
  let org: TestOrg;
  let owner: Person;
  let second: TestMember;

  beforeAll(async () => {
    org = await createTestOrg({
      label: "quorum-people",
      policies: [{ name: "two-approvers", actions: ["payment.*"], effect: "require_approval", approval: { quorum: 2, approverRoles: ["owner", "admin"], timeoutSeconds: 600 } }],
    });
    owner = await personOf(org, org.owner, org.adminKey.apiKey);
    second = await addTestMember(org, "admin");
  });

  it("after her first approval, none of her other credentials adds a second one; another member's vote completes the quorum", async () => {
    const held = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "payment.send" } });
    const approvalId = held.json().approvalId as string;
    const first = await as(owner.keys[0])("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "approve" });
    expect(first.json()).toMatchObject({ status: "pending", approvals: 1 });
    for (const [credential, vote] of credentialsOf(owner)) {
      const answer = await vote(approvalId);
      // Her first key repeating her vote answers the approval as it is (a retry); every other credential is refused.
      const counted = (await as(second.apiKey)("GET", `/v1/admin/approvals/${approvalId}`)).json();
      expect([credential, counted.status, counted.approvals]).toEqual([credential, "pending", 1]);
      expect([credential, [200, 403, 409, "CONFLICT", "FORBIDDEN"].includes(answer)]).toEqual([credential, true]);
    }
    const completed = await as(second.apiKey)("POST", `/v1/admin/approvals/${approvalId}/decision`, { decision: "approve" });
    expect(completed.json()).toMatchObject({ status: "approved", approvals: 2 });
  });
});
