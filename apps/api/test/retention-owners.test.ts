import { changeOrgSettings, db, getMemberContext, isDomainError, sweepRetention } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

// Retention removes evidence as an erasure does (issue 62, point 4; docs/audit.md, Retention): setting or shortening
// one is an owner's (`audit.retention`), under the two-admin rule as erasure is, and the sweep never erases what an
// approver is still to decide on. The attacker is an admin (not an owner) who wants evidence gone without an owner's
// say: every way they can change settings, every retention field, the two-admin rule off and on.

const POLICIES = [
  { name: "tickets", actions: ["ticket.*"], effect: "allow" },
  { name: "review-refunds", actions: ["refund.issue"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
];
const DAY = 86_400_000;
const KEEP = { decisions: 0, outcomes: 0, postconditions: 0, evidence: 0, personalData: 0, secrets: 0, entries: 0 };
type Retention = typeof KEEP;

let app: FastifyInstance;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

/** Fixture: the org's stored settings as a test needs them before an attempt (written as they are stored, no change recorded). */
async function settle(org: TestOrg, retention: Partial<Retention>, requireSecondApproval: boolean): Promise<void> {
  const { settings } = await db().org.findUniqueOrThrow({ where: { id: org.org.id }, select: { settings: true } });
  const stored = (settings ?? {}) as { policies?: object };
  await db().org.update({
    where: { id: org.org.id },
    data: { settings: { ...stored, retention: { ...KEEP, ...retention }, policies: { ...stored.policies, requireSecondApproval } } },
  });
}

async function storedRetention(org: TestOrg): Promise<unknown> {
  const { settings } = await db().org.findUniqueOrThrow({ where: { id: org.org.id }, select: { settings: true } });
  return (settings as { retention?: unknown }).retention;
}

/** What an attempt may have written: the log's size, the approvals and settings requests opened. */
async function writes(org: TestOrg): Promise<{ auditSize: number; approvals: number; requests: number }> {
  const head = await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } });
  return {
    auditSize: Number(head.size),
    approvals: await db().approval.count({ where: { orgId: org.org.id } }),
    requests: await db().settingsChangeRequest.count({ where: { orgId: org.org.id } }),
  };
}

const patch = (key: string, body: unknown) => call(app, "PATCH", "/v1/admin/settings", { key, body });

/** Every way a member changes settings: its status code and error code for a change. */
type Path = (member: TestMember, org: TestOrg, body: unknown) => Promise<{ status: number; code?: string }>;
const PATHS: Array<[string, Path]> = [
  [
    "PATCH /v1/admin/settings with their admin key (the SDK, the CLI and scripts call it)",
    async (member, _org, body) => {
      const answer = await patch(member.apiKey, body);
      return { status: answer.statusCode, ...(answer.statusCode >= 400 ? { code: (answer.json() as { error: { code: string } }).error.code } : {}) };
    },
  ],
  [
    "their console session (the console's settings route calls changeOrgSettings)",
    async (member, org, body) => {
      const ctx = await getMemberContext({ userId: member.userId, orgSlug: org.org.slug, requestId: "console" });
      try {
        const outcome = await changeOrgSettings({ ctx, input: body });
        return { status: outcome.status === "applied" ? 200 : 202 };
      } catch (error) {
        if (!isDomainError(error)) throw error;
        return { status: error.code === "FORBIDDEN" ? 403 : 409, code: error.code };
      }
    },
  ],
];

/** Every change that removes evidence sooner: [what, the retention before, the change]. */
const REMOVING: Array<[string, Partial<Retention>, Partial<Retention>]> = [
  ["setting decisions where values were kept", {}, { decisions: 1 }],
  ["shortening decisions", { decisions: 365 }, { decisions: 30 }],
  ["setting outcomes", {}, { outcomes: 7 }],
  ["shortening postconditions", { postconditions: 90 }, { postconditions: 89 }],
  ["setting evidence", {}, { evidence: 30 }],
  ["setting personalData", {}, { personalData: 2 }],
  ["shortening secrets", { secrets: 30 }, { secrets: 1 }],
  ["setting whole entries (months dropped)", {}, { entries: 400 }],
  ["shortening whole entries", { entries: 3650 }, { entries: 31 }],
  ["shortening one field while lengthening another", { decisions: 30, outcomes: 30 }, { decisions: 365, outcomes: 7 }],
  ["setting one beside another change", {}, { decisions: 1 }],
];

describe("an admin who is not an owner", () => {
  let org: TestOrg;
  let admin: TestMember;

  beforeAll(async () => {
    org = await createTestOrg({ label: "retention-admin", policies: POLICIES });
    admin = await addTestMember(org, "admin", "an-admin");
  });

  const cases = PATHS.flatMap(([path, attempt]) =>
    [false, true].flatMap((rule) => REMOVING.map(([what, before, change]) => [path, rule ? "on" : "off", what, attempt, rule, before, change] as const)),
  );
  it.each(cases)("%s, two-admin rule %s, %s: 403, nothing changed, nothing opened", async (_path, _rule, what, attempt, rule, before, change) => {
    await settle(org, before, rule);
    const body = what === "setting one beside another change" ? { retention: change, approvalTimeoutSeconds: 7200 } : { retention: change };
    const was = await writes(org);
    const answer = await attempt(admin, org, body);
    expect(answer).toEqual({ status: 403, code: "FORBIDDEN" });
    expect(await storedRetention(org)).toEqual({ ...KEEP, ...before });
    expect(await writes(org)).toEqual(was);
  });

  it.each(PATHS)("%s: lengthening or removing a retention still applies at once (keeping more is anyone's with settings.write)", async (_path, attempt) => {
    await settle(org, { decisions: 30, entries: 400 }, true);
    expect(await attempt(admin, org, { retention: { decisions: 365, entries: 0 } })).toEqual({ status: 200 });
    expect(await storedRetention(org)).toEqual({ ...KEEP, decisions: 365 });
  });
});

describe("an owner while the two-admin rule is in force", () => {
  let org: TestOrg;
  let admin: TestMember;

  beforeAll(async () => {
    org = await createTestOrg({ label: "retention-owner", policies: POLICIES });
    admin = await addTestMember(org, "admin", "an-admin");
    await settle(org, {}, true);
  });

  it("setting a retention waits for another owner or admin, whom none of the owner's credentials can stand in for; approved, it applies", async () => {
    const asked = await patch(org.adminKey.apiKey, { retention: { decisions: 30 } });
    expect(asked.statusCode, asked.body).toBe(202);
    const { approvalId } = asked.json() as { approvalId: string };
    expect(await storedRetention(org)).toEqual(KEEP);
    const self = await call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key: org.adminKey.apiKey, body: { decision: "approve" } });
    expect(self.statusCode).toBe(403);
    expect(await storedRetention(org)).toEqual(KEEP);
    const voted = await call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key: admin.apiKey, body: { decision: "approve" } });
    expect(voted.statusCode, voted.body).toBe(200);
    expect(await storedRetention(org)).toEqual({ ...KEEP, decisions: 30 });
  });

  it("an owner who asked and is no longer one when it is approved: the change is not applied", async () => {
    const asker = await addTestMember(org, "owner", "asker");
    const asked = await patch(asker.apiKey, { retention: { decisions: 7 } });
    expect(asked.statusCode, asked.body).toBe(202);
    const { approvalId } = asked.json() as { approvalId: string };
    await db().membership.update({ where: { id: asker.membershipId }, data: { role: "admin" } });
    const voted = await call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key: admin.apiKey, body: { decision: "approve" } });
    expect(voted.statusCode).toBe(409);
    expect(voted.body).toContain("no longer holds the permission audit.retention");
    expect(await storedRetention(org)).toEqual({ ...KEEP, decisions: 30 });
  });
});

// [the rule, the retention, the metadata it reaches, how the approval ends]
const PENDING: Array<[string, Partial<Retention>, Record<string, unknown>, "approve" | "deny"]> = [
  ["decisions 1 day, denied", { decisions: 1 }, { order: "A-1", amount: 4200 }, "deny"],
  ["decisions 1 day, approved", { decisions: 1 }, { order: "A-2", amount: 1200 }, "approve"],
  ["anything with personal data 1 day, approved", { personalData: 1 }, { order: "A-3", customer: "grace.hopper@example.com" }, "approve"],
];

describe("the sweep and an action waiting for approval", () => {
  let org: TestOrg;

  beforeAll(async () => {
    org = await createTestOrg({ label: "retention-pending", policies: POLICIES });
  });

  it.each(PENDING)(
    "%s: a pending action keeps its values whatever its age; once decided, they go when the retention has passed since the decision",
    async (_rule, retention, metadata, decision) => {
      await settle(org, retention, false);
      const asked = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "refund.issue", metadata } });
      expect(asked.statusCode, asked.body).toBe(200);
      const { approvalId, auditEventId } = asked.json() as { approvalId: string; auditEventId: string };
      const held = async () => {
        const entry = await db().auditEntry.findUniqueOrThrow({ where: { id: auditEventId }, select: { fields: true } });
        const action = await db().action.findUniqueOrThrow({ where: { auditEntryId: auditEventId }, select: { metadata: true } });
        return { entry: "canonical" in ((entry.fields as Record<string, object>).metadata ?? {}), action: action.metadata };
      };
      const kept = { entry: true, action: metadata };
      // Two days on, the approval still undecided: the approver still sees what they decide on.
      await sweepRetention({ now: new Date(Date.now() + 2 * DAY), onlyOrgs: [org.org.id] });
      expect(await held()).toEqual(kept);
      const voted = await call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key: org.adminKey.apiKey, body: { decision } });
      expect(voted.statusCode, voted.body).toBe(200);
      const { decidedAt } = await db().approval.findUniqueOrThrow({ where: { id: approvalId }, select: { decidedAt: true } });
      // Decided just now: its day runs from the decision, not from when the agent asked.
      await sweepRetention({ now: new Date(decidedAt!.getTime() + DAY / 2), onlyOrgs: [org.org.id] });
      expect(await held()).toEqual(kept);
      await sweepRetention({ now: new Date(decidedAt!.getTime() + DAY + 60_000), onlyOrgs: [org.org.id] });
      expect(await held()).toEqual({ entry: false, action: {} });
    },
  );
});
