import { addTestMember, createTestOrg, startSlackStandIn, type SlackStandIn, type SlackStandInUser, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import { connectSlack, db, sendApprovalNotices } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatehouseAdmin } from "../../../packages/sdk/src/index.ts";
import { call, startApp, stopApp } from "./helpers";

// Slack's clicks through the real HTTP route (docs/approvals.md, Slack): the form body read as the exact
// bytes Slack signed, answered at once, and a gate() waiting on the approval woken by the click as it is by
// a console vote. The hostile table: forged, stale, wrong media type, oversized, unknown org.

let app: FastifyInstance;
let baseUrl: string;
let slack: SlackStandIn;
let org: TestOrg;

beforeAll(async () => {
  slack = await startSlackStandIn();
  process.env.GATEHOUSE_SLACK_API_URL = slack.url;
  app = await startApp();
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  org = await createTestOrg({
    label: "slack-route",
    policies: [{ name: "deploys", actions: ["deploy.prod"], effect: "require_approval", approval: { notify: { slack: ["C0DEPLOYS"] } } }],
  });
  await connectSlack({ ctx: org.ctx, input: { botToken: slack.botToken, signingSecret: slack.signingSecret } });
  // Slack proves the signing secret is its own (the Events API's url_verification) before a click counts.
  const proof = slack.urlVerification();
  await fetch(`${baseUrl}/v1/slack/${org.org.id}/events`, { method: "POST", headers: proof.headers, body: proof.body });
});
afterAll(async () => {
  await stopApp(app);
  await slack.close();
});

async function requestDeploy(): Promise<string> {
  const answer = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "deploy.prod", metadata: { service: "api" } } });
  return answer.json<{ approvalId: string }>().approvalId;
}

const post = (body: string, headers: Record<string, string>, orgId = org.org.id) => fetch(`${baseUrl}/v1/slack/${orgId}/interactions`, { method: "POST", headers, body });

describe("POST /v1/slack/:orgId/interactions", () => {
  it("a verified click is answered 200 at once, and a gate() waiting on the approval wakes with the decision", async () => {
    const approver = await addTestMember(org, "approver", "slack-clicker");
    slack.users.set("U0CLICKER", { email: approver.email });
    const approvalId = await requestDeploy();
    await sendApprovalNotices({ orgIds: [org.org.id] });
    const waiting = fetch(`${baseUrl}/v1/approvals/${approvalId}/wait?timeoutMs=15000`, { headers: { authorization: `Bearer ${org.agent.apiKey}` } }).then(async (r) => ({
      body: (await r.json()) as { status: string },
      at: performance.now(),
    }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const click = slack.click({ approvalId, action: "approve", user: "U0CLICKER", channel: "C0DEPLOYS" });
    const clicked = performance.now();
    const answer = await post(click.body, click.headers);
    expect([answer.status, await answer.text()]).toEqual([200, ""]);
    const woke = await waiting;
    expect(woke.body.status).toBe("approved");
    // How long the wake took is the benchmark's to judge (bench/GATES.md); here it must be the click that woke it, well inside the wait.
    expect(woke.at - clicked).toBeLessThan(10_000);
  });

  it.each([
    ["a forged signature", (c: { body: string; headers: Record<string, string> }) => ({ ...c, headers: { ...c.headers, "x-slack-signature": `v0=${"0".repeat(64)}` } }), 401],
    ["no signature", (c: { body: string; headers: Record<string, string> }) => ({ ...c, headers: { "content-type": c.headers["content-type"] as string } }), 401],
    ["a stale timestamp", (c: { body: string; headers: Record<string, string> }) => ({ ...c, headers: { ...c.headers, "x-slack-request-timestamp": "1000000000" } }), 401],
    [
      "JSON instead of a form",
      (c: { body: string; headers: Record<string, string> }) => ({ ...c, headers: { ...c.headers, "content-type": "application/json" }, body: "{}" }),
      401,
    ],
    ["text/plain", (c: { body: string; headers: Record<string, string> }) => ({ ...c, headers: { ...c.headers, "content-type": "text/plain" } }), 415],
    ["a body over 64 KiB", (c: { body: string; headers: Record<string, string> }) => ({ ...c, body: `${c.body}&pad=${"x".repeat(70_000)}` }), 413],
  ])("%s: refused, nothing decided", async (_name, spoil, status) => {
    const approvalId = await requestDeploy();
    const spoiled = spoil(slack.click({ approvalId, action: "approve", user: "U0CLICKER" }));
    expect((await post(spoiled.body, spoiled.headers)).status).toBe(status);
    const approval = await call(app, "GET", `/v1/approvals/${approvalId}`, { key: org.agent.apiKey });
    expect(approval.json<{ status: string }>().status).toBe("pending");
  });

  it("an org without a Slack app: 404; a malformed org id: 400 naming it", async () => {
    const other = await createTestOrg({ label: "slack-none" });
    const click = slack.click({ approvalId: "apr_0000000000000000000000", action: "approve", user: "U0CLICKER" });
    expect((await post(click.body, click.headers, other.org.id)).status).toBe(404);
    expect((await post(click.body, click.headers, "org_doesnotexist00000000000")).status).toBe(400);
  });
});

// ── Slack earns its trust (docs/approvals.md, Slack) ─────────────────────────────────────────────────
// The attacker: an admin who set the Slack app's signing secret, and so can sign any request as Slack
// would, tries to record a vote as another member. A connection is live only once Slack itself sent a
// request signed with its secret; connecting waits for a second admin under the two-admin rule; a click
// counts only from the connected workspace, from a full member, on the message Gatehouse posted for it.

interface Connection {
  connected: boolean;
  state: string;
  teamId: string | null;
  eventsPath: string;
  verifiedAt: string | null;
  pendingApprovalId: string | null;
}

const events = (request: { body: string; headers: Record<string, string> }, orgId: string) =>
  fetch(`${baseUrl}/v1/slack/${orgId}/events`, { method: "POST", headers: request.headers, body: request.body });
const connectionOf = async (key: string): Promise<Connection> => (await call(app, "GET", "/v1/admin/integrations/slack", { key })).json<Connection>();
const SLACK_APP = () => ({ botToken: slack.botToken, signingSecret: slack.signingSecret });

async function trustOrg(label: string): Promise<TestOrg> {
  return createTestOrg({
    label,
    policies: [{ name: "deploys", actions: ["deploy.prod"], effect: "require_approval", approval: { notify: { slack: ["C0DEPLOYS"] } } }],
  });
}
async function deployOf(of: TestOrg): Promise<string> {
  const answer = await call(app, "POST", "/v1/actions", { key: of.agent.apiKey, body: { actionType: "deploy.prod", metadata: { service: "api" } } });
  return answer.json<{ approvalId: string }>().approvalId;
}
const statusIn = async (of: TestOrg, approvalId: string) => (await call(app, "GET", `/v1/approvals/${approvalId}`, { key: of.agent.apiKey })).json<{ status: string }>().status;
const votesOn = (approvalId: string) => db().approvalVote.count({ where: { approvalId } });
const clickIn = (of: TestOrg, request: { body: string; headers: Record<string, string> }) => post(request.body, request.headers, of.org.id);
/** Waits for the effect of a click answered before it was handled (the route answers Slack at once). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

describe("a Slack app is live only once Slack proves its signing secret", () => {
  it("a new connection is pending: the answer says so and what to set; nothing is posted to Slack", async () => {
    const pending = await trustOrg("slack-pending");
    const answer = await call(app, "PUT", "/v1/admin/integrations/slack", { key: pending.adminKey.apiKey, body: SLACK_APP() });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({ connected: true, state: "pending", teamId: slack.teamId, eventsPath: `/v1/slack/${pending.org.id}/events`, verifiedAt: null });
    const approvalId = await deployOf(pending);
    expect((await sendApprovalNotices({ orgIds: [pending.org.id] })).slackMessages).toBe(0);
    expect(slack.posted.filter((m) => m.approvalId === approvalId)).toEqual([]);
  });

  it("an admin who knows the secret signs a click as another member on an unproven connection: refused, nothing recorded", async () => {
    const pending = await trustOrg("slack-forge");
    const victim = await addTestMember(pending, "admin", "slack-victim");
    slack.users.set("U0VICTIM", { email: victim.email });
    await call(app, "PUT", "/v1/admin/integrations/slack", { key: pending.adminKey.apiKey, body: SLACK_APP() });
    const approvalId = await deployOf(pending);
    await sendApprovalNotices({ orgIds: [pending.org.id] });
    const before = slack.calls.length;
    const forged = slack.click({ approvalId, action: "approve", user: "U0VICTIM", channel: "C0DEPLOYS", ts: "1700000000.000001" });
    expect((await clickIn(pending, forged)).status).toBe(200);
    await settle();
    expect(await statusIn(pending, approvalId)).toBe("pending");
    expect(await votesOn(approvalId)).toBe(0);
    // Nothing is said in Slack for an app Slack has not proven: not even users.info.
    expect(slack.calls.slice(before)).toEqual([]);
  });

  const spoilers: Array<[string, (r: { body: string; headers: Record<string, string> }) => { body: string; headers: Record<string, string> }, number]> = [
    [
      "signed with another secret",
      (r) => ({ ...r, headers: { ...r.headers, "x-slack-signature": slack.urlVerification({ secret: "0".repeat(32) }).headers["x-slack-signature"] as string } }),
      401,
    ],
    ["with no signature", (r) => ({ ...r, headers: { "content-type": "application/json" } }), 401],
    ["older than 5 minutes", () => slack.urlVerification({ timestamp: Math.floor(Date.now() / 1000) - 400 }), 401],
    ["a tampered body under good headers", (r) => ({ ...r, body: r.body.replace("url_verification", "url_verification ") }), 401],
    ["a form instead of JSON", (r) => ({ ...r, headers: { ...r.headers, "content-type": "application/x-www-form-urlencoded" } }), 415],
    ["a body over 64 KiB", (r) => ({ ...r, body: `${r.body.slice(0, -1)},"pad":"${"x".repeat(70_000)}"}` }), 413],
  ];
  it.each(spoilers)("a url_verification %s does not prove the connection", async (_name, spoil, status) => {
    const pending = await trustOrg("slack-badproof");
    await call(app, "PUT", "/v1/admin/integrations/slack", { key: pending.adminKey.apiKey, body: SLACK_APP() });
    const request = slack.urlVerification();
    const answer = await events(spoil(request), pending.org.id);
    expect(answer.status).toBe(status);
    expect(await answer.text()).not.toContain(request.challenge);
    expect(await connectionOf(pending.adminKey.apiKey)).toMatchObject({ state: "pending", verifiedAt: null });
  });

  it("Slack's url_verification signed with the app's secret answers the challenge and makes the connection verified (an audit entry); then requests are posted", async () => {
    const proven = await trustOrg("slack-proof");
    await call(app, "PUT", "/v1/admin/integrations/slack", { key: proven.adminKey.apiKey, body: SLACK_APP() });
    const request = slack.urlVerification();
    const answer = await events(request, proven.org.id);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ challenge: request.challenge });
    const connection = await connectionOf(proven.adminKey.apiKey);
    expect(connection).toMatchObject({ connected: true, state: "verified" });
    expect(connection.verifiedAt).not.toBeNull();
    const entries = await db().auditEntry.findMany({ where: { orgId: proven.org.id, type: "integration.changed" }, orderBy: { seq: "asc" } });
    expect(entries.map((e) => (JSON.parse(e.canonical) as { data: { change: string } }).data.change)).toEqual(["connected", "verified"]);
    const approvalId = await deployOf(proven);
    expect((await sendApprovalNotices({ orgIds: [proven.org.id] })).slackMessages).toBe(1);
    expect(slack.posted.some((m) => m.approvalId === approvalId && m.channel === "C0DEPLOYS")).toBe(true);
  });

  it("events for an org without a Slack app: 404", async () => {
    const none = await createTestOrg({ label: "slack-noevents" });
    expect((await events(slack.urlVerification(), none.org.id)).status).toBe(404);
  });
});

describe("a click counts only from the connected workspace, from a full member, on the message Gatehouse posted for that approval", () => {
  let trusted: TestOrg;
  beforeAll(async () => {
    trusted = await trustOrg("slack-trusted");
    await call(app, "PUT", "/v1/admin/integrations/slack", { key: trusted.adminKey.apiKey, body: SLACK_APP() });
    await events(slack.urlVerification(), trusted.org.id);
  });

  /** An approval with its message posted, and an eligible approver whose Slack account is `user`, described by `profile`. */
  async function posted(user: string, profile: Omit<SlackStandInUser, "email"> = {}): Promise<string> {
    const member = await addTestMember(trusted, "approver", `slack-${user.toLowerCase()}`);
    slack.users.set(user, { email: member.email, ...profile });
    const approvalId = await deployOf(trusted);
    await sendApprovalNotices({ orgIds: [trusted.org.id] });
    return approvalId;
  }

  /** The refusal told to the clicker alone (null: a request from another workspace is not answered in this one). */
  type Case = [string, Omit<SlackStandInUser, "email">, (approvalId: string) => Promise<Partial<Parameters<SlackStandIn["click"]>[0]>>, string | null];
  const same = async () => ({});
  const NOT_POSTED = "not on a message Gatehouse posted for this request";
  const CASES: Case[] = [
    ["the payload's team.id is another workspace", {}, async () => ({ team: "T0ELSEWHERE" }), null],
    ["the payload has no team.id", {}, async () => ({ team: null }), null],
    ["the clicker's user.team_id is another workspace", {}, async () => ({ userTeam: "T0ELSEWHERE" }), null],
    ["a guest (is_restricted)", { restricted: true }, same, "guests of the workspace do not decide"],
    ["a single-channel guest (is_ultra_restricted)", { ultraRestricted: true }, same, "guests of the workspace do not decide"],
    ["a Slack Connect external person (is_stranger)", { stranger: true }, same, "people from outside the workspace (Slack Connect) do not decide"],
    ["a person of another workspace in a shared channel (users.info team_id)", { team: "T0ELSEWHERE" }, same, "people from outside the workspace (Slack Connect) do not decide"],
    ["a bot", { isBot: true }, same, "bots and apps do not decide"],
    ["a deactivated account (deleted)", { deleted: true }, same, "your Slack account is deactivated"],
    ["an app user (is_app_user)", { appUser: true }, same, "bots and apps do not decide"],
    ["a message Gatehouse never posted", {}, async () => ({ ts: "1700000000.424242" }), NOT_POSTED],
    [
      "the message Gatehouse posted for another approval",
      {},
      async () => {
        const other = await deployOf(trusted);
        await sendApprovalNotices({ orgIds: [trusted.org.id] });
        return { ts: slack.posted.findLast((m) => m.approvalId === other)?.ts as string };
      },
      NOT_POSTED,
    ],
    [
      "the right message's ts in another channel",
      {},
      async (approvalId) => ({ channel: "C0ELSEWHERE", ts: slack.posted.findLast((m) => m.approvalId === approvalId)?.ts as string }),
      NOT_POSTED,
    ],
  ];
  /** The ephemeral messages told to `user`, once one came (within 5 s), or none after 400 ms. */
  async function toldTo(user: string, expectOne: boolean): Promise<string[]> {
    const told = () => slack.calls.filter((c) => c.method === "chat.postEphemeral" && c.args.user === user).map((c) => String(c.args.text));
    for (let waited = 0; expectOne ? told().length === 0 && waited < 5_000 : waited < 400; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    return told();
  }

  it.each(CASES)("%s: refused, nothing recorded", async (_name, profile, spoil, refusal) => {
    const user = `U0${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
    const approvalId = await posted(user, profile);
    const click = slack.click({ approvalId, action: "approve", user, channel: "C0DEPLOYS", ...(await spoil(approvalId)) });
    expect((await clickIn(trusted, click)).status).toBe(200);
    const told = await toldTo(user, refusal !== null);
    if (refusal === null) expect(told).toEqual([]);
    else expect(told.join("\n")).toContain(refusal);
    expect(await statusIn(trusted, approvalId)).toBe("pending");
    expect(await votesOn(approvalId)).toBe(0);
  });

  it("a full member of the workspace clicking the message posted for that approval decides it", async () => {
    const approvalId = await posted("U0FULLMEMBER");
    await clickIn(trusted, slack.click({ approvalId, action: "approve", user: "U0FULLMEMBER", channel: "C0DEPLOYS" }));
    for (let waited = 0; (await statusIn(trusted, approvalId)) === "pending" && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await statusIn(trusted, approvalId)).toBe("approved");
  });
});

describe("connecting or changing the Slack app under the two-admin rule", () => {
  let ruled: TestOrg;
  let second: TestMember;
  beforeAll(async () => {
    ruled = await trustOrg("slack-ruled");
    second = await addTestMember(ruled, "admin", "slack-second");
    await db().org.update({ where: { id: ruled.org.id }, data: { settings: { policies: { requireSecondApproval: true } } } });
  });
  const decide = (key: string, approvalId: string, decision: "approve" | "deny") => call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key, body: { decision } });

  it("waits for another admin (202 pending_approval, nothing connected), the requester's own vote is refused, and another admin's approval applies it, still to be proven", async () => {
    const admin = new GatehouseAdmin({ apiKey: ruled.adminKey.apiKey, baseUrl });
    const asked = await admin.slack.connect(SLACK_APP());
    if (!("approvalId" in asked)) throw new Error(`expected the connection to wait for a second admin, got ${JSON.stringify(asked)}`);
    expect(asked).toMatchObject({ status: "pending_approval", approvalId: expect.stringMatching(/^apr_/) });
    const { approvalId } = asked;
    expect(await connectionOf(ruled.adminKey.apiKey)).toMatchObject({ connected: false, state: "none", pendingApprovalId: approvalId });
    expect(await db().orgSlackConnection.count({ where: { orgId: ruled.org.id } })).toBe(0);
    // No secret in the approval an approver reads.
    const shown = await call(app, "GET", `/v1/admin/approvals/${approvalId}`, { key: second.apiKey });
    expect(shown.json()).toMatchObject({ status: "pending", actionType: "gatehouse.integrations.slack" });
    expect(shown.body).not.toContain(slack.signingSecret);
    expect(shown.body).not.toContain(slack.botToken);

    expect((await decide(ruled.adminKey.apiKey, approvalId, "approve")).statusCode).toBe(403);
    expect(await db().orgSlackConnection.count({ where: { orgId: ruled.org.id } })).toBe(0);

    expect((await decide(second.apiKey, approvalId, "approve")).json()).toMatchObject({ status: "approved" });
    expect(await connectionOf(ruled.adminKey.apiKey)).toMatchObject({ connected: true, state: "pending", pendingApprovalId: null, teamId: slack.teamId });
    expect((await events(slack.urlVerification(), ruled.org.id)).status).toBe(200);
    expect(await connectionOf(ruled.adminKey.apiKey)).toMatchObject({ state: "verified" });
  });

  it("a change waits too, the proven app stays live meanwhile, and a denied change applies nothing", async () => {
    const before = await connectionOf(ruled.adminKey.apiKey);
    expect(before.state).toBe("verified");
    const changed = await call(app, "PUT", "/v1/admin/integrations/slack", { key: ruled.adminKey.apiKey, body: { botToken: slack.botToken, signingSecret: "ab".repeat(16) } });
    expect(changed.statusCode, changed.body).toBe(202);
    const { approvalId } = changed.json<{ approvalId: string }>();
    expect(await connectionOf(ruled.adminKey.apiKey)).toMatchObject({ state: "verified", verifiedAt: before.verifiedAt, pendingApprovalId: approvalId });
    expect((await decide(second.apiKey, approvalId, "deny")).json()).toMatchObject({ status: "denied" });
    expect(await connectionOf(ruled.adminKey.apiKey)).toMatchObject({ state: "verified", verifiedAt: before.verifiedAt, pendingApprovalId: null });
    // The app's own secret still verifies Slack's requests: the denied one was never stored.
    expect((await events(slack.urlVerification(), ruled.org.id)).status).toBe(200);
  });

  it("disconnecting weakens nothing: applied at once", async () => {
    const answer = await call(app, "DELETE", "/v1/admin/integrations/slack", { key: ruled.adminKey.apiKey });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ connected: false, state: "none" });
  });
});
