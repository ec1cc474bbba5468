import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { authenticateApiKey, changeOrgSettings, closeSignals, db, decideAction, decideApproval, disconnectDb, grantFromApproval, setHandover, type Ctx } from "../src";
import { addTestMember, createTestOrg, type TestMember } from "../src/testing";

// Separation of duties as a property of whole histories (docs/approvals.md, Who may decide): generated
// orgs (members and roles), approval rules, hand-overs, standing grants and content settings, and
// generated sequences of votes through every channel (the console, an admin key, an emailed link's
// session, a verified Slack click), run against the real services and PostgreSQL. The audit log is then
// read back as an auditor would, and checked against a plain statement of the rule. (Core's
// authority.test.ts runs the same invariants over thousands of generated cases without a database.)

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const ROLES = ["owner", "admin", "approver", "auditor", "viewer"] as const;
type Role = (typeof ROLES)[number];
const CHANNELS = ["console", "api", "email", "slack"] as const;
type Channel = (typeof CHANNELS)[number];

interface Case {
  roles: Role[];
  rule: { quorum: number; approverRoles: Role[]; named: number[]; humanOnly: boolean };
  requester: number | null;
  personalData: "off" | "flag" | "redact";
  handovers: Array<[number, number]>;
  steps: Array<{ kind: "vote"; who: number; channel: Channel; decision: "approve" | "deny" } | { kind: "grant"; who: number } | { kind: "call" }>;
}

const cases: fc.Arbitrary<Case> = fc.array(fc.constantFrom(...ROLES), { minLength: 3, maxLength: 5 }).chain((roles) => {
  const who = fc.nat({ max: roles.length - 1 });
  return fc.record({
    roles: fc.constant(roles),
    rule: fc.record({
      quorum: fc.integer({ min: 1, max: 2 }),
      approverRoles: fc.subarray([...ROLES], { minLength: 1 }),
      named: fc.array(who, { maxLength: 2 }),
      humanOnly: fc.boolean(),
    }),
    requester: fc.option(who, { nil: null }),
    personalData: fc.constantFrom<"off" | "flag" | "redact">("off", "flag", "redact"),
    handovers: fc.array(fc.tuple(who, who), { maxLength: 2 }),
    steps: fc.array(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.record({
            kind: fc.constant("vote" as const),
            who,
            channel: fc.constantFrom(...CHANNELS),
            decision: fc.constantFrom<"approve" | "deny">("approve", "approve", "approve", "deny"),
          }),
        },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant("grant" as const), who }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant("call" as const) }) },
      ),
      { minLength: 2, maxLength: 8 },
    ),
  });
});

interface VoteEntry {
  approvalId: string;
  decision: "approve" | "deny";
  member: { id: string };
  via?: Channel;
  onBehalfOf?: { id: string };
}

async function run(c: Case): Promise<void> {
  const approval = { quorum: c.rule.quorum, approverRoles: c.rule.approverRoles, timeoutSeconds: 3600, humanOnly: c.rule.humanOnly };
  const org = await createTestOrg({ label: "sod-prop" });
  const members: TestMember[] = [];
  for (const [i, role] of c.roles.entries()) members.push(await addTestMember(org, role, `p${i}-${role}`));
  const { applyPolicies } = await import("../src");
  await applyPolicies({
    ctx: org.ctx,
    input: {
      policies: [
        {
          name: "ops-need-a-person",
          actions: ["op.run"],
          effect: "require_approval",
          approval: { ...approval, approvers: c.rule.named.map((i) => (members[i] as TestMember).email) },
        },
      ],
    },
  });
  await changeOrgSettings({ ctx: org.ctx, input: { content: { personalData: c.personalData } } });
  const asUser = (m: TestMember, channel?: "email" | "slack"): Ctx => ({
    org: org.org,
    actor: { type: "user", userId: m.userId, membershipId: m.membershipId, role: m.role },
    requestId: "prop",
    ...(channel ? { channel } : {}),
  });
  for (const [from, to] of c.handovers) {
    if (from === to) continue;
    await setHandover({
      ctx: asUser(members[from] as TestMember),
      input: { toMemberId: (members[to] as TestMember).membershipId, until: new Date(Date.now() + 3_600_000).toISOString() },
    }).catch(() => undefined);
  }
  const agent: Ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "prop" };
  const requesterEmail = c.requester === null ? null : (members[c.requester] as TestMember).email;
  const metadata = { item: "x", ...(requesterEmail ? { requestedBy: requesterEmail } : {}) };
  const covered: string[] = [];
  let current = (await decideAction({ ctx: agent, input: { actionType: "op.run", metadata } })).approvalId;
  for (const step of c.steps) {
    if (step.kind === "call") {
      const result = await decideAction({ ctx: agent, input: { actionType: "op.run", metadata } });
      if (result.grant) covered.push(result.grant.id);
      if (result.approvalId) current = result.approvalId;
      continue;
    }
    if (!current) continue;
    const m = members[step.who] as TestMember;
    if (step.kind === "grant") {
      await grantFromApproval({ ctx: asUser(m), input: { approvalId: current, body: { durationSeconds: 3600, uses: 5, match: { item: "x" } } } }).catch(() => undefined);
      continue;
    }
    const ctx = step.channel === "api" ? { ...(await authenticateApiKey(m.apiKey)), requestId: "prop" } : asUser(m, step.channel === "console" ? undefined : step.channel);
    await decideApproval({ ctx, input: { approvalId: current, body: { decision: step.decision } } }).catch(() => undefined);
  }

  // ── The history, as an auditor reads it from the log ──
  const byId = new Map(members.map((m) => [m.membershipId, m]));
  const authorised = (m: TestMember) => c.rule.approverRoles.includes(m.role as Role) || c.rule.named.some((i) => members[i]?.membershipId === m.membershipId);
  const isRequester = (m: TestMember) => requesterEmail !== null && m.email === requesterEmail;
  const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "approval.vote" }, orderBy: { seq: "asc" } });
  const votes = entries.map((e) => (JSON.parse(e.canonical) as { data: VoteEntry }).data);
  const approvals = await db().approval.findMany({ where: { orgId: org.org.id } });
  for (const a of approvals) {
    const mine = votes.filter((v) => v.approvalId === a.id);
    const people = mine.flatMap((v) => [...new Set([v.member.id, v.onBehalfOf?.id ?? v.member.id])]);
    expect(new Set(people).size, `a person counted twice on ${a.id}: ${JSON.stringify(mine)}`).toBe(people.length);
    for (const v of mine) {
      const voter = byId.get(v.member.id) as TestMember;
      const principal = byId.get(v.onBehalfOf?.id ?? v.member.id) as TestMember;
      expect(isRequester(voter) || isRequester(principal), `the requester voted: ${JSON.stringify(v)}`).toBe(false);
      if (c.rule.humanOnly) expect(["console", "email"]).toContain(v.via);
      expect(authorised(principal), `counted for someone the rule does not admit: ${JSON.stringify(v)}`).toBe(true);
    }
    if (a.status === "approved") {
      const principals = new Set(mine.filter((v) => v.decision === "approve").map((v) => v.onBehalfOf?.id ?? v.member.id));
      expect(principals.size, `approved with ${principals.size} of ${a.quorum}`).toBeGreaterThanOrEqual(a.quorum);
    }
  }
  // Every call a grant let through is one its giver alone could have approved.
  for (const grantId of covered) {
    const grant = await db().standingGrant.findUniqueOrThrow({ where: { id: grantId } });
    const giver = byId.get(grant.createdBy) as TestMember;
    expect(c.rule.quorum, "a grant stood in for a quorum").toBe(1);
    expect(authorised(giver) && !isRequester(giver), "a grant by someone who could not approve alone").toBe(true);
  }
}

describe("separation of duties over generated histories (every channel, hand-overs, grants, content settings)", () => {
  it("no approval counts fewer distinct eligible people than its quorum, the requester never counts, a human-only rule takes only people, a grant covers only what its giver could approve", async () => {
    await fc.assert(
      fc.asyncProperty(cases, (c) => run(c)),
      { numRuns: 60, seed: 4141, endOnFailure: true },
    );
  }, 600_000);
});
