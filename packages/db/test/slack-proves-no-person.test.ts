import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestSmtp, type ReceivedMail } from "./fixtures/smtp";
import {
  applyPolicies,
  authenticateApiKey,
  closeSignals,
  connectSlack,
  db,
  decideAction,
  decideApproval,
  disconnectDb,
  getApproval,
  isDomainError,
  receiveSlackEvent,
  receiveSlackInteraction,
  removeMember,
  sendApprovalNotices,
  type Ctx,
} from "../src";
import { closeMail } from "../src/mail";
import { addTestMember, createTestOrg, startSlackStandIn, type SlackStandIn, type TestMember, type TestOrg } from "../src/testing";

// The attacker holds the org's Slack signing secret (docs/approvals.md, Slack: the admin who connected
// the app, or anyone they gave it to) and signs clicks as Slack would, as any member of the workspace.
// Where an approval's rule rests on who votes — a quorum above one, named approvers, separation of
// duties — such a click decides nothing and records nothing: the clicker is told to confirm in the
// console, and the vote cast there counts. Connecting the app or changing its signing secret waits for a
// second admin under the two-admin rule, and every owner is told by mail either way. Against a real SMTP
// server and the Slack stand-in the other Slack suites use.

let smtp: Awaited<ReturnType<typeof startTestSmtp>>;
let inbox: ReceivedMail[];
let slack: SlackStandIn;

beforeAll(async () => {
  smtp = await startTestSmtp();
  inbox = smtp.inbox;
  process.env.SMTP_URL = smtp.url;
  process.env.MAIL_TRANSPORT = "smtp";
  slack = await startSlackStandIn();
  process.env.GATEHOUSE_SLACK_API_URL = slack.url;
});
afterAll(async () => {
  closeMail();
  await smtp.stop();
  await slack.close();
  await disconnectDb();
  await closeSignals();
});

const CHANNEL = "C0STRICT";
const asConsole = (org: TestOrg, m: TestMember): Ctx => ({ org: org.org, actor: { type: "user", userId: m.userId, membershipId: m.membershipId, role: m.role }, requestId: "t" });
const statusOf = async (org: TestOrg, approvalId: string) => (await getApproval({ ctx: org.ctx, input: { approvalId } })).status;

interface Strict {
  org: TestOrg;
  clicker: TestMember;
  other: TestMember;
  approvalId: string;
}

/** An org whose proven Slack app posted a request held by `approval`; `clicker` and `other` are approvers the rule admits. */
async function strictRequest(
  label: string,
  approval: (members: { clicker: TestMember; other: TestMember; requester: TestMember }) => Record<string, unknown>,
  metadata: (requester: TestMember) => Record<string, unknown>,
): Promise<Strict> {
  const org = await createTestOrg({ label });
  const [clicker, other, requester] = [
    await addTestMember(org, "approver", `${label}-clicker`),
    await addTestMember(org, "approver", `${label}-other`),
    await addTestMember(org, "approver", `${label}-requester`),
  ];
  await applyPolicies({
    ctx: org.ctx,
    input: {
      policies: [
        {
          name: "deploys",
          actions: ["deploy.prod"],
          effect: "require_approval",
          approval: { timeoutSeconds: 3600, notify: { slack: [CHANNEL] }, ...approval({ clicker, other, requester }) },
        },
      ],
    },
  });
  await connectSlack({ ctx: org.ctx, input: { botToken: slack.botToken, signingSecret: slack.signingSecret } });
  const proof = slack.urlVerification();
  expect((await receiveSlackEvent({ orgId: org.org.id, rawBody: proof.body, headers: proof.headers })).proved).toBe(true);
  const agent: Ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: label };
  const result = await decideAction({ ctx: agent, input: { actionType: "deploy.prod", metadata: { service: "payments", ...metadata(requester) } } });
  if (!result.approvalId) throw new Error(`expected an approval, got ${JSON.stringify(result)}`);
  expect((await sendApprovalNotices({ orgIds: [org.org.id] })).slackMessages).toBe(1);
  return { org, clicker, other, approvalId: result.approvalId };
}

const RULES: Array<[string, Parameters<typeof strictRequest>[1], Parameters<typeof strictRequest>[2], number]> = [
  ["a quorum of 2", () => ({ quorum: 2 }), () => ({}), 2],
  ["named approvers", ({ clicker, other }) => ({ approvers: [clicker.email, other.email], approverRoles: ["owner"] }), () => ({}), 1],
  ["a requester who may not approve it (metadata.requestedBy)", () => ({}), (requester) => ({ requestedBy: requester.email }), 1],
  ["the agent's owner excluded (excludeAgentOwner)", () => ({ excludeAgentOwner: true }), () => ({}), 1],
];

const SIGNATURES: Array<[string, string | undefined, 200 | 401]> = [
  ["signed with the app's own secret (whoever holds it)", undefined, 200],
  ["signed with another secret", "0".repeat(32), 401],
];

describe("a Slack click on an approval whose rule rests on who votes", () => {
  const cases = RULES.flatMap(([rule, approval, metadata, quorum]) =>
    SIGNATURES.map(([signed, secret, status]) => [rule, signed, approval, metadata, quorum, secret, status] as const),
  );

  it.each(cases)(
    "%s, a click %s: decides nothing, records nothing; the console confirmation then counts",
    async (rule, _signed, approval, metadata, quorum, secret, status) => {
      const s = await strictRequest(`strict-${Math.random().toString(36).slice(2, 8)}`, approval, metadata);
      const user = `U0${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
      slack.users.set(user, { email: s.clicker.email });
      const request = slack.click({ approvalId: s.approvalId, action: "approve", user, channel: CHANNEL, ...(secret ? { secret } : {}) });
      const received = await receiveSlackInteraction({ orgId: s.org.org.id, rawBody: request.body, headers: request.headers });
      expect(received.status).toBe(status);
      const outcome = await received.done;
      expect(outcome.kind, `${rule}: ${JSON.stringify(outcome)}`).not.toBe("decided");
      expect(await statusOf(s.org, s.approvalId)).toBe("pending");
      expect(await db().approvalVote.count({ where: { approvalId: s.approvalId } })).toBe(0);
      expect(await db().auditEntry.count({ where: { orgId: s.org.org.id, type: "approval.vote" } })).toBe(0);
      if (status === 200) {
        // Told privately to confirm in the console, with the request's own console link.
        const told = slack.calls.filter((c) => c.method === "chat.postEphemeral" && c.args.user === user).map((c) => String(c.args.text));
        expect(told.at(-1)).toContain("confirm your vote in the console");
        expect(told.at(-1)).toContain(`https://console.gatehouse.test/o/${s.org.org.slug}/approvals?approval=${s.approvalId}`);
      }
      // The confirmation: the clicker's vote in the console (a signed-in session) counts; a quorum of 2 still needs another person.
      expect((await decideApproval({ ctx: asConsole(s.org, s.clicker), input: { approvalId: s.approvalId, body: { decision: "approve" } } })).status).toBe(
        quorum === 1 ? "approved" : "pending",
      );
      if (quorum === 2)
        expect((await decideApproval({ ctx: asConsole(s.org, s.other), input: { approvalId: s.approvalId, body: { decision: "approve" } } })).status).toBe("approved");
      // The first case also starts the policy engine's work pool: slow on a busy machine.
    },
    120_000,
  );

  it("a deny click is no veto there either", async () => {
    const s = await strictRequest(
      "strict-deny",
      () => ({ quorum: 2 }),
      () => ({}),
    );
    slack.users.set("U0DENIER", { email: s.other.email });
    const request = slack.click({ approvalId: s.approvalId, action: "deny", user: "U0DENIER", channel: CHANNEL });
    const received = await receiveSlackInteraction({ orgId: s.org.org.id, rawBody: request.body, headers: request.headers });
    expect(await received.done).toMatchObject({ kind: "refused" });
    expect(await statusOf(s.org, s.approvalId)).toBe("pending");
  });

  it("an approval any one eligible member may decide alone still takes a click (the threat docs/approvals.md states)", async () => {
    const s = await strictRequest(
      "strict-plain",
      () => ({}),
      () => ({}),
    );
    slack.users.set("U0PLAIN", { email: s.clicker.email });
    const request = slack.click({ approvalId: s.approvalId, action: "approve", user: "U0PLAIN", channel: CHANNEL });
    const received = await receiveSlackInteraction({ orgId: s.org.org.id, rawBody: request.body, headers: request.headers });
    expect(await received.done).toMatchObject({ kind: "decided" });
    expect(await statusOf(s.org, s.approvalId)).toBe("approved");
  });
});

// ── Connecting the app, changing its secret ─────────────────────────────────────────────────────────

/** The mails the SMTP server received for `to` with the Slack notice's subject, unfolded and with quoted-printable soft breaks undone. */
function slackNoticesTo(to: string): string[] {
  return inbox
    .filter((m) => m.to.includes(to))
    .map((m) =>
      m.raw
        .replace(/=\r?\n/g, "")
        .replace(/\r?\n(?=[ \t])/g, "")
        .replace(/=3D/g, "="),
    )
    .filter((raw) => raw.includes("The Slack app of your organization on Gatehouse was connected or changed"));
}

interface Owners {
  org: TestOrg;
  secondOwner: TestMember;
  admin: TestMember;
  secondAdmin: TestMember;
  adminCtx: Ctx;
}

async function ownedOrg(label: string, twoAdminRule: boolean): Promise<Owners> {
  const org = await createTestOrg({ label });
  const [secondOwner, admin, secondAdmin] = [
    await addTestMember(org, "owner", `${label}-owner2`),
    await addTestMember(org, "admin", `${label}-admin`),
    await addTestMember(org, "admin", `${label}-admin2`),
  ];
  if (twoAdminRule) await db().org.update({ where: { id: org.org.id }, data: { settings: { policies: { requireSecondApproval: true } } } });
  return { org, secondOwner, admin, secondAdmin, adminCtx: { ...(await authenticateApiKey(admin.apiKey)), requestId: label } };
}

const NEW_SECRET = "ab".repeat(16);

describe("connecting the Slack app or changing its signing secret", () => {
  it.each([
    ["connecting", false],
    ["changing the signing secret of the proven app", true],
  ])("%s with the two-admin rule off: applied, and every owner is told by mail who did it alone", async (_name, rotate) => {
    const o = await ownedOrg(`slack-alone-${rotate ? "rotate" : "connect"}`, false);
    if (rotate) {
      await connectSlack({ ctx: o.org.ctx, input: { botToken: slack.botToken, signingSecret: slack.signingSecret } });
      const proof = slack.urlVerification();
      await receiveSlackEvent({ orgId: o.org.org.id, rawBody: proof.body, headers: proof.headers });
      await vi.waitFor(() => expect(slackNoticesTo(o.secondOwner.email)).toHaveLength(1), { timeout: 10_000 });
    }
    const before = { first: slackNoticesTo(o.org.owner.email).length, second: slackNoticesTo(o.secondOwner.email).length };
    const outcome = await connectSlack({ ctx: o.adminCtx, input: { botToken: slack.botToken, signingSecret: rotate ? NEW_SECRET : slack.signingSecret } });
    expect(outcome).toMatchObject({ status: "applied", connection: { state: "pending" } });
    await vi.waitFor(
      () => {
        expect(slackNoticesTo(o.org.owner.email)).toHaveLength(before.first + 1);
        expect(slackNoticesTo(o.secondOwner.email)).toHaveLength(before.second + 1);
      },
      { timeout: 10_000 },
    );
    const notice = slackNoticesTo(o.secondOwner.email).at(-1) ?? "";
    expect(notice).toContain(o.admin.email);
    expect(notice).toContain(rotate ? "replaced the Slack app" : "connected a Slack app");
    expect(notice).toContain("did it alone");
    expect(notice).toContain(`https://console.gatehouse.test/o/${o.org.org.slug}/audit?type=integration.changed`);
    expect(notice).not.toContain(NEW_SECRET);
    expect(notice).not.toContain(slack.signingSecret);
    expect(notice).not.toContain(slack.botToken);
    // Admins who are not owners are not told.
    expect(slackNoticesTo(o.secondAdmin.email)).toEqual([]);
  });

  it.each([
    ["connecting", false],
    ["changing the signing secret of the proven app", true],
  ])("%s with the two-admin rule on: waits for a second admin (the asking one cannot approve it), then every owner is told who asked and who approved", async (_name, rotate) => {
    const o = await ownedOrg(`slack-ruled-${rotate ? "rotate" : "connect"}`, true);
    if (rotate) {
      await connectSlack({ ctx: o.org.ctx, input: { botToken: slack.botToken, signingSecret: slack.signingSecret } });
      const proof = slack.urlVerification();
      await receiveSlackEvent({ orgId: o.org.org.id, rawBody: proof.body, headers: proof.headers });
      await vi.waitFor(() => expect(slackNoticesTo(o.secondOwner.email)).toHaveLength(1), { timeout: 10_000 });
    }
    const stored = () => db().orgSlackConnection.findUnique({ where: { orgId: o.org.org.id }, select: { signingSecretEnc: true, verifiedAt: true } });
    const was = await stored();
    const before = slackNoticesTo(o.secondOwner.email).length;
    const outcome = await connectSlack({ ctx: o.adminCtx, input: { botToken: slack.botToken, signingSecret: rotate ? NEW_SECRET : slack.signingSecret } });
    if (outcome.status !== "pending_approval") throw new Error(`expected the change to wait for a second admin, got ${outcome.status}`);
    expect(await stored()).toEqual(was);
    // The asking admin, with any of their credentials, cannot be the second person.
    const own = await decideApproval({ ctx: asConsole(o.org, o.admin), input: { approvalId: outcome.approvalId, body: { decision: "approve" } } }).catch((e: unknown) => e);
    expect(isDomainError(own) && own.code).toBe("FORBIDDEN");
    expect(await stored()).toEqual(was);
    expect(slackNoticesTo(o.secondOwner.email)).toHaveLength(before);

    expect((await decideApproval({ ctx: asConsole(o.org, o.secondAdmin), input: { approvalId: outcome.approvalId, body: { decision: "approve" } } })).status).toBe("approved");
    expect(await stored()).not.toEqual(was);
    await vi.waitFor(
      () => {
        expect(slackNoticesTo(o.org.owner.email).length).toBeGreaterThan(rotate ? 1 : 0);
        expect(slackNoticesTo(o.secondOwner.email)).toHaveLength(before + 1);
      },
      { timeout: 10_000 },
    );
    const notice = slackNoticesTo(o.secondOwner.email).at(-1) ?? "";
    expect(notice).toContain(o.admin.email);
    expect(notice).toContain(o.secondAdmin.email);
    expect(notice).toContain(outcome.approvalId);
    expect(notice).not.toContain("did it alone");
  });

  it("a change asked for by an admin removed before it is approved connects nothing", async () => {
    const o = await ownedOrg("slack-ruled-gone", true);
    const outcome = await connectSlack({ ctx: o.adminCtx, input: { botToken: slack.botToken, signingSecret: NEW_SECRET } });
    if (outcome.status !== "pending_approval") throw new Error(`expected the change to wait for a second admin, got ${outcome.status}`);
    await removeMember({ ctx: o.org.ctx, input: { membershipId: o.admin.membershipId } });
    expect((await decideApproval({ ctx: asConsole(o.org, o.secondAdmin), input: { approvalId: outcome.approvalId, body: { decision: "approve" } } })).status).toBe("approved");
    expect(await db().orgSlackConnection.count({ where: { orgId: o.org.org.id } })).toBe(0);
  });
});
