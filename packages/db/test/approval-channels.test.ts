import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSmtp, type ReceivedMail } from "./fixtures/smtp";
import {
  applyPolicies,
  authenticateApiKey,
  closeSignals,
  createWebhook,
  listWebhookDeliveries,
  connectSlack,
  db,
  decideAction,
  decideApproval,
  decideByApprovalLink,
  disconnectDb,
  endHandover,
  expireDueApprovals,
  setHandover,
  getApproval,
  isDomainError,
  previewApprovalLink,
  receiveSlackEvent,
  receiveSlackInteraction,
  sendApprovalNotices,
  type Ctx,
} from "../src";
import { closeMail } from "../src/mail";
import { addTestMember, createTestOrg, startSlackStandIn, type SlackStandIn, type TestMember, type TestOrg } from "../src/testing";

// Reaching approvers where they are (docs/approvals.md, Routing), against a real SMTP server and a
// stand-in for Slack's Web API driven by the official @slack/web-api client: emailed links that no GET
// or HEAD can use, Slack clicks verified and decided like a console vote, reminders and escalation at
// their times (an injected clock), and policies that accept a signed-in person only.

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

const CHANNEL = "C0APPROVALS";

/** Connects the org's Slack app, and Slack proves it (its url_verification, signed with the app's secret): only then is it live. */
async function connectProvenSlack(org: TestOrg): Promise<void> {
  await connectSlack({ ctx: org.ctx, input: { botToken: slack.botToken, signingSecret: slack.signingSecret } });
  const proof = slack.urlVerification();
  expect((await receiveSlackEvent({ orgId: org.org.id, rawBody: proof.body, headers: proof.headers })).proved).toBe(true);
}

function policies(approval: Record<string, unknown>) {
  return [
    { name: "allow-reads", actions: ["db.read"], effect: "allow" },
    { name: "deploys-need-a-person", actions: ["deploy.prod"], effect: "require_approval", approval: { timeoutSeconds: 3600, ...approval } },
  ];
}

interface Fixture {
  org: TestOrg;
  agent: Ctx;
  approver: TestMember;
  second: TestMember;
  admin: TestMember;
  viewer: TestMember;
}

async function fixture(label: string, approval: Record<string, unknown>): Promise<Fixture> {
  const org = await createTestOrg({ label, policies: policies(approval) });
  const [approver, second, admin, viewer] = [
    await addTestMember(org, "approver", `${label}-approver`),
    await addTestMember(org, "approver", `${label}-second`),
    await addTestMember(org, "admin", `${label}-admin`),
    await addTestMember(org, "viewer", `${label}-viewer`),
  ];
  return { org, agent: { ...(await authenticateApiKey(org.agent.apiKey)), requestId: label }, approver, second, admin, viewer };
}

async function requestDeploy(f: Fixture, metadata: Record<string, unknown> = {}): Promise<string> {
  const result = await decideAction({ ctx: f.agent, input: { actionType: "deploy.prod", metadata: { service: "payments", ...metadata } } });
  if (!result.approvalId) throw new Error(`expected an approval, got ${JSON.stringify(result)}`);
  return result.approvalId;
}

const mailsTo = (email: string) => inbox.filter((m) => m.to.includes(email));
/** The link in the newest mail to `email` (quoted-printable soft breaks undone). */
function linkTokenOf(email: string): string {
  const mail = mailsTo(email).at(-1);
  const text = (mail?.raw ?? "").replace(/=\r?\n/g, "");
  const match = /\/approve\/([A-Za-z0-9_-]{43})/.exec(text);
  if (!match?.[1]) throw new Error(`no approval link in the mail to ${email}`);
  return match[1];
}

async function statusOf(f: Fixture, approvalId: string): Promise<string> {
  return (await getApproval({ ctx: f.org.ctx, input: { approvalId } })).status;
}

describe("emailed approval links", () => {
  it("go to each eligible member the policy names, and the GET a scanner makes (every link, GET and HEAD) never decides", async () => {
    const f = await fixture("mail", { notify: { roles: ["approver"], emails: [] } });
    const approvalId = await requestDeploy(f);
    const sent = await sendApprovalNotices({ orgIds: [f.org.org.id] });
    expect(sent.emails).toBe(2);
    expect(mailsTo(f.approver.email)).toHaveLength(1);
    expect(mailsTo(f.second.email)).toHaveLength(1);
    expect(mailsTo(f.viewer.email)).toHaveLength(0);
    expect(mailsTo(f.admin.email)).toHaveLength(0); // eligible, but the notify block names approvers only
    const raw = mailsTo(f.approver.email)[0]?.raw ?? "";
    expect(raw).toContain("Subject: An agent is waiting for your approval");
    expect(raw).toContain('"deploy.prod"');

    // A scanner opens every link with GET and HEAD, signed out and as someone else: nothing changes.
    for (const email of [f.approver.email, f.second.email]) {
      const token = linkTokenOf(email);
      for (const userId of [null, f.viewer.userId, f.approver.userId, f.second.userId]) {
        const preview = await previewApprovalLink({ input: { token, userId } });
        expect(preview.status).toBe("pending");
      }
    }
    expect(await statusOf(f, approvalId)).toBe("pending");
    expect(await db().approvalVote.count({ where: { approvalId } })).toBe(0);
    expect(await db().approvalLink.count({ where: { approvalId, usedAt: { not: null } } })).toBe(0);
    // Nothing is sent twice however often the job runs.
    await sendApprovalNotices({ orgIds: [f.org.org.id] });
    expect(mailsTo(f.approver.email)).toHaveLength(1);
  });

  it("decides only on the POST of the signed-in member it was sent to, once; used, foreign and dead links are refused", async () => {
    const f = await fixture("mail-post", { notify: { roles: ["approver"] } });
    const approvalId = await requestDeploy(f);
    await sendApprovalNotices({ orgIds: [f.org.org.id] });
    const mine = linkTokenOf(f.approver.email);
    const theirs = linkTokenOf(f.second.email);

    // Someone else's session with my link: 403, nothing recorded, the link still works for me.
    const foreign = await decideByApprovalLink({ input: { token: mine, userId: f.second.userId, decision: "approve" } }).catch((e: unknown) => e);
    expect(isDomainError(foreign) && foreign.code).toBe("FORBIDDEN");
    expect((await previewApprovalLink({ input: { token: mine, userId: f.approver.userId } })).closed).toBeNull();
    // A token that is not one: 404.
    const unknown = await decideByApprovalLink({ input: { token: "A".repeat(43), userId: f.approver.userId, decision: "approve" } }).catch((e: unknown) => e);
    expect(isDomainError(unknown) && unknown.code).toBe("NOT_FOUND");

    const decided = await decideByApprovalLink({ input: { token: mine, userId: f.approver.userId, decision: "approve", reason: "checked the diff" } });
    expect(decided).toMatchObject({ status: "approved", closed: "decided", decidedBy: f.approver.email });
    const vote = await db().auditEntry.findFirst({ where: { orgId: f.org.org.id, type: "approval.vote" }, orderBy: { seq: "desc" } });
    expect(vote?.canonical).toContain('"via":"email"');
    // Used: 409; the other approver's link died with the approval: 409, and its page says who decided.
    const again = await decideByApprovalLink({ input: { token: mine, userId: f.approver.userId, decision: "deny" } }).catch((e: unknown) => e);
    expect(isDomainError(again) && again.code).toBe("CONFLICT");
    const late = await decideByApprovalLink({ input: { token: theirs, userId: f.second.userId, decision: "deny" } }).catch((e: unknown) => e);
    expect(isDomainError(late) && late.code).toBe("CONFLICT");
    expect((late as Error).message).toContain(f.approver.email);
    expect(await statusOf(f, approvalId)).toBe("approved");
  });

  it("stores only hashes, and a removed member's link is dead", async () => {
    const f = await fixture("mail-hash", { notify: { roles: ["approver"] } });
    await requestDeploy(f);
    await sendApprovalNotices({ orgIds: [f.org.org.id] });
    const token = linkTokenOf(f.approver.email);
    const rows = await db().approvalLink.findMany({ where: { orgId: f.org.org.id } });
    expect(JSON.stringify(rows)).not.toContain(token);
    await db().membership.update({ where: { id: f.approver.membershipId }, data: { removedAt: new Date() } });
    const gone = await previewApprovalLink({ input: { token, userId: f.approver.userId } }).catch((e: unknown) => e);
    expect(isDomainError(gone) && gone.code).toBe("NOT_FOUND");
  });

  it("never goes to the requester (separation of duties), even when the policy names them", async () => {
    const f = await fixture("mail-sod", { notify: { emails: [] as string[], roles: ["approver"] } });
    await requestDeploy(f, { requestedBy: f.approver.email });
    await sendApprovalNotices({ orgIds: [f.org.org.id] });
    expect(mailsTo(f.approver.email)).toHaveLength(0);
    expect(mailsTo(f.second.email)).toHaveLength(1);
  });
});

describe("webhook endpoints a policy routes approvals to", () => {
  it("get a signed approval.notice for the request (and its reminder), whatever events they subscribe to", async () => {
    const received: Array<{ headers: Record<string, string>; body: string }> = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const org = await createTestOrg({ label: "notice-hook" });
      const { webhook, secret } = await createWebhook({
        ctx: org.ctx,
        input: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`, events: ["agent.unresponsive"] },
      });
      await applyPolicies({ ctx: org.ctx, input: { policies: policies({ notify: { webhooks: [webhook.id] }, remind: { beforeSeconds: 600 } }) } });
      const agent = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "notice" };
      const requested = await decideAction({ ctx: agent, input: { actionType: "deploy.prod", metadata: { service: "payments" } } });
      expect((await sendApprovalNotices({ orgIds: [org.org.id] })).webhooks).toBe(1);
      expect((await sendApprovalNotices({ now: new Date(Date.now() + 3_000_000), orgIds: [org.org.id] })).webhooks).toBe(1);
      const verifier = new Webhook(secret);
      const messages = received.map((r) => verifier.verify(r.body, r.headers) as { type: string; data: { approvalId: string; kind: string } });
      expect(messages.map((m) => [m.type, m.data.approvalId, m.data.kind])).toEqual([
        ["approval.notice", requested.approvalId, "requested"],
        ["approval.notice", requested.approvalId, "reminder"],
      ]);
      expect(received.map((r) => r.headers["webhook-id"])).toEqual([`${requested.approvalId}.requested`, `${requested.approvalId}.reminder`]);
      const log = await listWebhookDeliveries({ ctx: org.ctx, input: { id: webhook.id } });
      expect(log.deliveries.map((d) => [d.kind, d.status])).toEqual([
        ["notice", "delivered"],
        ["notice", "delivered"],
      ]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("reminders and escalation", () => {
  it("fire at their times on an injected clock; a timeout is APPROVAL_EXPIRED, never a denial", async () => {
    const f = await fixture("escalate", { notify: { roles: ["approver"] }, remind: { beforeSeconds: 600 }, escalate: { afterSeconds: 900, notify: { roles: ["admin"] } } });
    const approvalId = await requestDeploy(f);
    const created = (await db().approval.findUniqueOrThrow({ where: { id: approvalId } })).createdAt.getTime();
    const at = (seconds: number) => new Date(created + seconds * 1_000);

    expect((await sendApprovalNotices({ now: at(1), orgIds: [f.org.org.id] })).emails).toBe(2);
    // Before the escalation: nothing more.
    expect((await sendApprovalNotices({ now: at(899), orgIds: [f.org.org.id] })).emails).toBe(0);
    expect(mailsTo(f.admin.email)).toHaveLength(0);
    // At 900 s: the admins hear of it.
    expect((await sendApprovalNotices({ now: at(900), orgIds: [f.org.org.id] })).emails).toBe(1);
    expect(mailsTo(f.admin.email)[0]?.raw).toContain("Subject: Escalated: an agent is waiting for an approval");
    // Before the reminder (600 s before the 3600 s deadline): nothing.
    expect((await sendApprovalNotices({ now: at(2_999), orgIds: [f.org.org.id] })).emails).toBe(0);
    // At 3000 s: everyone notified so far is reminded, once.
    expect((await sendApprovalNotices({ now: at(3_000), orgIds: [f.org.org.id] })).emails).toBe(3);
    expect(mailsTo(f.approver.email).at(-1)?.raw).toContain("Subject: Reminder: an agent is waiting for your approval");
    expect((await sendApprovalNotices({ now: at(3_100), orgIds: [f.org.org.id] })).emails).toBe(0);

    // Nobody decides: the deadline passes and the approval expires, as APPROVAL_EXPIRED.
    await db().approval.update({ where: { id: approvalId }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    await expireDueApprovals();
    const approval = await getApproval({ ctx: f.org.ctx, input: { approvalId } });
    expect(approval.status).toBe("expired");
    const action = await db().action.findFirstOrThrow({ where: { approval: { id: approvalId } } });
    expect((action.result as { denialReason?: string }).denialReason).toBe("APPROVAL_EXPIRED");
    expect((await sendApprovalNotices({ now: at(3_500), orgIds: [f.org.org.id] })).emails).toBe(0);
  });

  it("sends nothing more once someone decided", async () => {
    const f = await fixture("escalate-decided", { notify: { roles: ["approver"] }, escalate: { afterSeconds: 60, notify: { roles: ["admin"] } } });
    const approvalId = await requestDeploy(f);
    await sendApprovalNotices({ orgIds: [f.org.org.id] });
    const adminCtx = { ...(await authenticateApiKey(f.second.apiKey)), requestId: "t" };
    await decideApproval({ ctx: adminCtx, input: { approvalId, body: { decision: "deny" } } });
    expect((await sendApprovalNotices({ now: new Date(Date.now() + 3_600_000), orgIds: [f.org.org.id] })).emails).toBe(0);
    expect(mailsTo(f.admin.email)).toHaveLength(0);
  });
});

describe("out of office: a hand-over", () => {
  it("sends the absent approver's notices to the colleague, who may decide in their place, recorded on their behalf; ended, it gives nothing", async () => {
    const f = await fixture("handover", { notify: { roles: ["approver"] } });
    const asMember = (m: TestMember): Ctx => ({ org: f.org.org, actor: { type: "user", userId: m.userId, membershipId: m.membershipId, role: m.role }, requestId: "t" });
    // Only the named approver decides (the roles alone admit owners only): the second approver may not on their own …
    await applyPolicies({ ctx: f.org.ctx, input: { policies: policies({ notify: { roles: ["approver"] }, approverRoles: ["owner"], approvers: [f.approver.email] }) } });
    const first = await requestDeploy(f);
    const refused = await decideApproval({ ctx: asMember(f.second), input: { approvalId: first, body: { decision: "approve" } } }).catch((e: unknown) => e);
    expect(isDomainError(refused) && refused.code).toBe("FORBIDDEN");
    // … but holds the named approver's queue while they are away (a colleague of the same rank; a viewer is refused).
    const toViewer = await setHandover({ ctx: asMember(f.approver), input: { toMemberId: f.viewer.membershipId, until: new Date(Date.now() + 3_600_000).toISOString() } }).catch(
      (e: unknown) => e,
    );
    expect(isDomainError(toViewer) && toViewer.code).toBe("VALIDATION");
    const set = await setHandover({ ctx: asMember(f.approver), input: { toMemberId: f.second.membershipId, until: new Date(Date.now() + 3_600_000).toISOString() } });
    expect(set.handover?.to.email).toBe(f.second.email);
    const second = await requestDeploy(f);
    await sendApprovalNotices({ orgIds: [f.org.org.id] });
    expect(mailsTo(f.approver.email)).toHaveLength(0);
    expect(mailsTo(f.second.email).length).toBeGreaterThan(0);
    expect((await decideApproval({ ctx: asMember(f.second), input: { approvalId: second, body: { decision: "approve" } } })).status).toBe("approved");
    const vote = await db().auditEntry.findFirst({ where: { orgId: f.org.org.id, type: "approval.vote" }, orderBy: { seq: "desc" } });
    expect(vote?.canonical).toContain(`"onBehalfOf":{"email":"${f.approver.email}"`);

    // The stand-in's own separation of duties holds: their own request is not theirs to approve.
    const own = await requestDeploy(f, { requestedBy: f.second.email });
    const self = await decideApproval({ ctx: asMember(f.second), input: { approvalId: own, body: { decision: "approve" } } }).catch((e: unknown) => e);
    expect(isDomainError(self) && self.code).toBe("FORBIDDEN");
    // A chain back is refused; ended, the hand-over gives nothing.
    const back = await setHandover({ ctx: asMember(f.second), input: { toMemberId: f.approver.membershipId, until: new Date(Date.now() + 3_600_000).toISOString() } }).catch(
      (e: unknown) => e,
    );
    expect(isDomainError(back) && back.code).toBe("CONFLICT");
    expect((await endHandover({ ctx: asMember(f.approver) })).handover).toBeNull();
    const after = await decideApproval({ ctx: asMember(f.second), input: { approvalId: first, body: { decision: "approve" } } }).catch((e: unknown) => e);
    expect(isDomainError(after) && after.code).toBe("FORBIDDEN");
    // Bounds: the past, more than 30 days, oneself, another org's member.
    const bad = [
      { toMemberId: f.second.membershipId, until: new Date(Date.now() - 1_000).toISOString() },
      { toMemberId: f.second.membershipId, until: new Date(Date.now() + 31 * 86_400_000).toISOString() },
      { toMemberId: f.approver.membershipId, until: new Date(Date.now() + 3_600_000).toISOString() },
    ];
    for (const input of bad) expect(((await setHandover({ ctx: asMember(f.approver), input }).catch((e: unknown) => e)) as { code?: string }).code).toBe("VALIDATION");
    const other = await createTestOrg({ label: "handover-other" });
    const foreign = await setHandover({ ctx: asMember(f.approver), input: { toMemberId: other.owner.membershipId, until: new Date(Date.now() + 3_600_000).toISOString() } }).catch(
      (e: unknown) => e,
    );
    expect(isDomainError(foreign) && foreign.code).toBe("NOT_FOUND");
  });
});

describe("human-only approvals", () => {
  it("refuse an admin key's vote and a Slack click, and take the console's and an emailed link's", async () => {
    const f = await fixture("human", { humanOnly: true, notify: { roles: ["approver"], slack: [CHANNEL] } });
    await connectProvenSlack(f.org);
    slack.users.set("U0SECOND", { email: f.second.email });
    const viaKey = await requestDeploy(f);
    const keyCtx = { ...(await authenticateApiKey(f.approver.apiKey)), requestId: "t" };
    const refused = await decideApproval({ ctx: keyCtx, input: { approvalId: viaKey, body: { decision: "approve" } } }).catch((e: unknown) => e);
    expect(isDomainError(refused) && refused.code).toBe("FORBIDDEN");
    expect((refused as Error).message).toContain("signed-in person");

    await sendApprovalNotices({ orgIds: [f.org.org.id] });
    const click = slack.click({ approvalId: viaKey, action: "approve", user: "U0SECOND" });
    const received = await receiveSlackInteraction({ orgId: f.org.org.id, rawBody: click.body, headers: click.headers });
    expect(received.status).toBe(200);
    expect(await received.done).toMatchObject({ kind: "refused" });
    expect(await statusOf(f, viaKey)).toBe("pending");

    // The console (a signed-in session) and the emailed link are a person's.
    const consoleCtx: Ctx = { org: f.org.org, actor: { type: "user", userId: f.approver.userId, membershipId: f.approver.membershipId, role: "approver" }, requestId: "t" };
    expect((await decideApproval({ ctx: consoleCtx, input: { approvalId: viaKey, body: { decision: "approve" } } })).status).toBe("approved");
    const second = await requestDeploy(f);
    await sendApprovalNotices({ orgIds: [f.org.org.id] });
    const token = linkTokenOf(f.second.email);
    expect((await decideByApprovalLink({ input: { token, userId: f.second.userId, decision: "approve" } })).status).toBe("approved");
    expect(await statusOf(f, second)).toBe("approved");
  });
});

describe("Slack approvals", () => {
  /** A request any one eligible member may decide alone (a Slack click counts on no other: slack-proves-no-person.test.ts); `requester` names who asked. */
  async function slackFixture(label: string, requester = false): Promise<Fixture & { approvalId: string }> {
    const f = await fixture(label, { notify: { slack: [CHANNEL] } });
    await connectProvenSlack(f.org);
    const approvalId = await requestDeploy(f, requester ? { requestedBy: f.approver.email } : {});
    expect((await sendApprovalNotices({ orgIds: [f.org.org.id] })).slackMessages).toBe(1);
    return { ...f, approvalId };
  }
  const posted = (approvalId: string) => slack.calls.filter((c) => c.method === "chat.postMessage" && JSON.stringify(c.args.blocks ?? []).includes(approvalId));
  const click = async (f: Fixture, approvalId: string, user: string, action: "approve" | "deny", options: { secret?: string; timestamp?: number } = {}) => {
    const request = slack.click({ approvalId, action, user, channel: CHANNEL, ...options });
    const received = await receiveSlackInteraction({ orgId: f.org.org.id, rawBody: request.body, headers: request.headers });
    return { status: received.status, outcome: await received.done };
  };
  const ephemeralsTo = (user: string) => slack.calls.filter((c) => c.method === "chat.postEphemeral" && c.args.user === user).map((c) => String(c.args.text));

  it("posts the request as Block Kit with the action, agent, requester, metadata, policy, deadline and the two buttons", async () => {
    const f = await slackFixture("slack-post", true);
    const [message] = posted(f.approvalId);
    expect(message?.token).toBe(slack.botToken);
    expect(message?.args.channel).toBe(CHANNEL);
    const text = JSON.stringify(message?.args.blocks);
    for (const expected of ["deploy.prod", "Agent: test-agent", `Requested by: ${f.approver.email}`, "Policy: deploys-need-a-person", "Decide by:", "service: payments"])
      expect(text).toContain(expected);
    expect(text).toContain('"action_id":"approve"');
    expect(text).toContain('"action_id":"deny"');
    // The agent's words are plain text: no mrkdwn, so no @channel and no link can be made of them.
    expect(text).not.toContain('"type":"mrkdwn"');
  });

  it("approve: the member with the clicker's Slack email decides, recorded via slack; the message is updated with the outcome", async () => {
    const f = await slackFixture("slack-approve");
    slack.users.set("U0SECOND", { email: f.second.email });
    expect(await click(f, f.approvalId, "U0SECOND", "approve")).toEqual({
      status: 200,
      outcome: { kind: "decided", approvalId: f.approvalId, decision: "approve", memberEmail: f.second.email },
    });
    expect(await statusOf(f, f.approvalId)).toBe("approved");
    const vote = await db().auditEntry.findFirst({ where: { orgId: f.org.org.id, type: "approval.vote" }, orderBy: { seq: "desc" } });
    expect(vote?.canonical).toContain('"via":"slack"');
    const update = slack.calls.find((c) => c.method === "chat.update" && String(c.args.text).includes(`approved by ${f.second.email}`));
    expect(update?.args.channel).toBe(CHANNEL);
    expect(JSON.stringify(update?.args.blocks)).not.toContain('"action_id"');
  });

  it("deny: a veto, and the message says so", async () => {
    const f = await slackFixture("slack-deny");
    slack.users.set("U0ADMIN", { email: f.admin.email });
    expect((await click(f, f.approvalId, "U0ADMIN", "deny")).outcome).toMatchObject({ kind: "decided", decision: "deny" });
    expect(await statusOf(f, f.approvalId)).toBe("denied");
    expect(slack.calls.some((c) => c.method === "chat.update" && String(c.args.text).includes(`denied by ${f.admin.email}`))).toBe(true);
  });

  it.each([
    ["an ineligible member (a viewer)", "viewer", "Your vote was not counted"],
    ["the requester clicking their own request", "approver", "Your vote was not counted"],
    ["a Slack user who is no member", "stranger", "No member of this Gatehouse organization"],
    ["a bot", "bot", "bots and apps do not decide"],
  ] as const)("%s: refused, told privately, nothing recorded", async (_name, who, told) => {
    const f = await slackFixture(`slack-no-${who}`, who === "approver");
    const user = `U0${who.toUpperCase()}`;
    const email = who === "viewer" ? f.viewer.email : who === "approver" ? f.approver.email : who === "stranger" ? "stranger@elsewhere.test" : "robot@example.test";
    slack.users.set(user, { email, isBot: who === "bot" });
    const { status, outcome } = await click(f, f.approvalId, user, "approve");
    expect(status).toBe(200);
    expect(outcome).toMatchObject({ kind: "refused" });
    expect(ephemeralsTo(user).at(-1)).toContain(told);
    expect(await statusOf(f, f.approvalId)).toBe("pending");
    expect(await db().approvalVote.count({ where: { approvalId: f.approvalId } })).toBe(0);
  });

  it.each([
    ["signed with another secret", { secret: "0".repeat(32) }],
    ["older than 5 minutes", { timestamp: Math.floor(Date.now() / 1000) - 400 }],
    ["from the future by more than 5 minutes", { timestamp: Math.floor(Date.now() / 1000) + 400 }],
  ])("a click %s: 401, nothing read, nothing recorded", async (_name, options) => {
    const f = await slackFixture(`slack-stale-${Math.random().toString(36).slice(2, 6)}`);
    slack.users.set("U0SECOND", { email: f.second.email });
    const before = slack.calls.length;
    const { status } = await click(f, f.approvalId, "U0SECOND", "approve", options);
    expect(status).toBe(401);
    expect(slack.calls.length).toBe(before); // not even users.info
    expect(await statusOf(f, f.approvalId)).toBe("pending");
  });

  it("a tampered body under a good signature's headers: 401", async () => {
    const f = await slackFixture("slack-tamper");
    const request = slack.click({ approvalId: f.approvalId, action: "deny", user: "U0SECOND" });
    const tampered = request.body.replace("deny", "approve");
    const received = await receiveSlackInteraction({ orgId: f.org.org.id, rawBody: tampered, headers: request.headers });
    expect(received.status).toBe(401);
  });

  it("a click after someone decided in the console shows 'already decided by …', and the message shows the outcome", async () => {
    const f = await slackFixture("slack-late");
    const consoleCtx: Ctx = { org: f.org.org, actor: { type: "user", userId: f.admin.userId, membershipId: f.admin.membershipId, role: "admin" }, requestId: "t" };
    await decideApproval({ ctx: consoleCtx, input: { approvalId: f.approvalId, body: { decision: "approve" } } });
    // The worker's sweep updates the message of an approval decided elsewhere.
    expect((await sendApprovalNotices({ orgIds: [f.org.org.id] })).slackUpdates).toBe(1);
    expect(slack.calls.some((c) => c.method === "chat.update" && String(c.args.text).includes(`approved by ${f.admin.email}`))).toBe(true);
    slack.users.set("U0SECOND", { email: f.second.email });
    const { outcome } = await click(f, f.approvalId, "U0SECOND", "deny");
    expect(outcome).toMatchObject({ kind: "refused" });
    expect(ephemeralsTo("U0SECOND").at(-1)).toBe(`This request was already decided by ${f.admin.email}.`);
    expect(await statusOf(f, f.approvalId)).toBe("approved");
  });

  it("a click for another org's approval decides nothing there", async () => {
    const f = await slackFixture("slack-cross-a");
    const other = await slackFixture("slack-cross-b");
    slack.users.set("U0SECOND", { email: f.second.email });
    const { outcome } = await click(f, other.approvalId, "U0SECOND", "approve");
    expect(outcome).toMatchObject({ kind: "refused" });
    expect(await statusOf(other, other.approvalId)).toBe("pending");
  });
});
