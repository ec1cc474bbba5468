import { randomBytes } from "node:crypto";
import { openEntry, type StoredFields } from "@gatehouse/core";
import { db } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, tablesHolding, writesOf } from "./helpers";

// Secrets and personal data are found before anything is written (docs/content.md). The acceptance:
// an agent sends a token and a card number in its metadata; with `redact`, neither value is anywhere in
// the database, the export or the logs (searched for byte by byte); with `deny`, nothing of them is
// written and the call is refused with its findings.

/** A GitHub token of the documented shape, new for this run (so a search can only find this test's). */
const token = () =>
  `ghp_${randomBytes(27)
    .toString("base64url")
    .replace(/[^A-Za-z0-9]/g, "x")
    .slice(0, 36)}`;
/** A Visa number with a valid Luhn check digit, new for this run. */
function cardNumber(): string {
  const body = `4${Array.from(randomBytes(14), (b) => String(b % 10)).join("")}`;
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) digit *= 2;
    sum += digit > 9 ? digit - 9 : digit;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}
const spaced = (card: string) => card.replace(/(\d{4})(?=\d)/g, "$1 ");

const ALLOW = [{ name: "allow-all", actions: ["*"], effect: "allow" }];

let app: FastifyInstance;
const logLines: string[] = [];

beforeAll(async () => {
  app = await startApp({ logLevel: "debug", logStream: { write: (line: string) => void logLines.push(line) } });
});
afterAll(async () => stopApp(app));

async function setContent(org: TestOrg, content: Record<string, string>) {
  const answer = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { content } });
  expect(answer.statusCode, answer.body).toBe(200);
}

async function exportOf(org: TestOrg): Promise<string> {
  const exported = await call(app, "GET", "/v1/audit/export", { key: org.adminKey.apiKey });
  expect(exported.statusCode).toBe(200);
  return exported.body;
}

describe("redact: a token and a card number are replaced before anything is written", () => {
  let org: TestOrg;
  const secret = token();
  const card = cardNumber();
  let answer: Record<string, unknown>;

  beforeAll(async () => {
    org = await createTestOrg({ label: "content-redact", policies: ALLOW });
    await setContent(org, { secrets: "redact", personalData: "redact" });
    const sent = await call(app, "POST", "/v1/actions", {
      key: org.agent.apiKey,
      body: {
        actionType: "ticket.update",
        metadata: { headers: { authorization: `token ${secret}` }, summary: `Customer paid with ${spaced(card)}, please refund`, [secret]: "as a key too" },
        dataAccessed: [{ type: `card ${card}` }],
      },
    });
    expect(sent.statusCode, sent.body).toBe(200);
    answer = JSON.parse(sent.body) as Record<string, unknown>;
    const reported = await call(app, "POST", `/v1/actions/${answer.auditEventId as string}/outcome`, {
      key: org.agent.apiKey,
      body: { status: "success", message: `refunded ${card} using ${secret}` },
    });
    expect(reported.statusCode, reported.body).toBe(200);
  });

  it("the call goes on as decided, and the answer names what was found where, never the value", () => {
    expect(answer.status).toBe("executed");
    const findings = answer.findings as Array<{ detector: string; class: string; path: string; action: string }>;
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ class: "secrets", path: "metadata.headers.authorization", action: "redacted" }),
        expect.objectContaining({ class: "personalData", path: "metadata.summary", action: "redacted" }),
        expect.objectContaining({ class: "secrets", path: "metadata", action: "redacted" }),
        expect.objectContaining({ class: "personalData", path: "dataAccessed[0].type", action: "redacted" }),
      ]),
    );
    const text = JSON.stringify(answer);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(card);
  });

  it.each([
    ["the token", () => secret],
    ["the card number", () => card],
    ["the card number as sent (in groups)", () => spaced(card)],
  ])("%s is in no table of the database", async (_name, value) => {
    expect(await tablesHolding(value())).toEqual([]);
  });

  it("the stored entry holds typed placeholders instead, and its findings", async () => {
    const entry = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "action.decided" }, orderBy: { seq: "asc" } });
    const data = openEntry(entry.canonical, entry.fields as StoredFields).data as { metadata: { headers: { authorization: string }; summary: string }; findings: unknown[] };
    expect(data.metadata.headers.authorization).toMatch(/^token \[secret:[a-z0-9_]+#[0-9a-f]{8}\]$/);
    expect(data.metadata.summary).toMatch(/^Customer paid with \[personal:[a-z0-9_]+#[0-9a-f]{8}\], please refund$/);
    expect(data.findings.length).toBeGreaterThanOrEqual(4);
  });

  it("neither value is in the export, nor in any log line", async () => {
    const exported = await exportOf(org);
    for (const value of [secret, card, spaced(card)]) {
      expect(exported).not.toContain(value);
      expect(logLines.filter((line) => line.includes(value))).toEqual([]);
    }
    expect(logLines.length).toBeGreaterThan(0);
  });

  it("the same value gets the same placeholder in another call (correlation); another value another", async () => {
    const again = await call(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body: { actionType: "ticket.update", metadata: { a: secret, b: token() } } });
    const conditions = JSON.parse(again.body) as { findings: Array<{ path: string }> };
    expect(conditions.findings.map((f) => f.path).sort()).toEqual(["metadata.a", "metadata.b"]);
    const decided = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "ticket.update", metadata: { a: secret, b: token() } } });
    expect(decided.statusCode).toBe(200);
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "action.decided" }, orderBy: { seq: "asc" } });
    const opened = (entry: (typeof entries)[number] | undefined) =>
      openEntry(entry?.canonical ?? "{}", entry?.fields as StoredFields).data as { metadata: Record<string, unknown> };
    const first = (opened(entries[0]).metadata.headers as { authorization: string }).authorization;
    const last = opened(entries.at(-1)).metadata as { a: string; b: string };
    expect(first).toBe(`token ${last.a}`);
    expect(last.b).not.toBe(last.a);
  });
});

describe("deny: the call is refused with its findings, and nothing of the value is written", () => {
  it("execute: denied CONTENT_DENIED; the value is in no table, the export or the logs", async () => {
    const org = await createTestOrg({ label: "content-deny", policies: ALLOW });
    await setContent(org, { secrets: "deny" });
    const secret = token();
    const sent = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "deploy.run", metadata: { env: `GITHUB_TOKEN=${secret}` } } });
    expect(sent.statusCode).toBe(200);
    const answer = JSON.parse(sent.body) as { status: string; denialReason: string; findings: Array<{ class: string; path: string; action: string }> };
    expect(answer).toMatchObject({ status: "denied", denialReason: "CONTENT_DENIED" });
    expect(answer.findings).toEqual([expect.objectContaining({ class: "secrets", path: "metadata.env", action: "denied" })]);
    expect(await tablesHolding(secret)).toEqual([]);
    expect(await exportOf(org)).not.toContain(secret);
    expect(logLines.filter((line) => line.includes(secret))).toEqual([]);
  });

  it("canI: the same refusal and findings, and nothing recorded", async () => {
    const org = await createTestOrg({ label: "content-deny-check", policies: ALLOW });
    await setContent(org, { secrets: "deny" });
    const before = await writesOf(org.org.id);
    const checked = await call(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body: { actionType: "deploy.run", metadata: { env: token() } } });
    expect(JSON.parse(checked.body)).toMatchObject({ status: "denied", denialReason: "CONTENT_DENIED", allowed: false, findings: [{ class: "secrets", action: "denied" }] });
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it("an outcome whose message holds a refused value: 400 naming `message`, nothing written", async () => {
    const org = await createTestOrg({ label: "content-deny-outcome", policies: ALLOW });
    const decided = JSON.parse((await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "deploy.run" } })).body) as { auditEventId: string };
    await setContent(org, { secrets: "deny" });
    const secret = token();
    const before = await writesOf(org.org.id);
    const reported = await call(app, "POST", `/v1/actions/${decided.auditEventId}/outcome`, { key: org.agent.apiKey, body: { status: "failure", message: `used ${secret}` } });
    expect(reported.statusCode).toBe(400);
    expect(JSON.parse(reported.body)).toMatchObject({ error: { code: "VALIDATION", details: { issues: [{ path: "message" }] } } });
    expect(reported.body).not.toContain(secret);
    expect(await writesOf(org.org.id)).toEqual(before);
    expect(await tablesHolding(secret)).toEqual([]);
  });
});

describe("the rules: the org default, and policies for their actions", () => {
  it("out of the box secrets are redacted and personal data flagged (kept, and named)", async () => {
    const org = await createTestOrg({ label: "content-default", policies: ALLOW });
    const secret = token();
    const card = cardNumber();
    const sent = JSON.parse((await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "x.y", metadata: { k: secret, c: card } } })).body) as {
      findings: Array<{ class: string; action: string }>;
    };
    expect(sent.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ class: "secrets", action: "redacted" }), expect.objectContaining({ class: "personalData", action: "flagged" })]),
    );
    expect(await tablesHolding(secret)).toEqual([]);
    expect(await tablesHolding(card)).not.toEqual([]);
  });

  it("a policy's `content` holds for its actions; elsewhere the org default; the strictest of matching policies wins", async () => {
    const org = await createTestOrg({
      label: "content-policy",
      policies: [
        ...ALLOW,
        { name: "tickets-redact", actions: ["ticket.*"], effect: "allow", content: { personalData: "redact" } },
        { name: "tickets-flag", actions: ["ticket.*"], effect: "allow", content: { personalData: "flag" } },
        { name: "crm-off", actions: ["crm.*"], effect: "allow", content: { secrets: "off" } },
      ],
    });
    const act = async (actionType: string, value: string) =>
      (
        JSON.parse((await call(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body: { actionType, metadata: { v: value } } })).body) as {
          findings?: Array<{ action: string }>;
        }
      ).findings ?? [];
    expect(await act("ticket.update", cardNumber())).toEqual([expect.objectContaining({ action: "redacted" })]);
    expect(await act("mail.send", cardNumber())).toEqual([expect.objectContaining({ action: "flagged" })]);
    expect(await act("crm.lookup", token())).toEqual([]);
    expect(await act("mail.send", token())).toEqual([expect.objectContaining({ action: "redacted" })]);
  });

  it.each([
    ["secrets", "off"],
    ["secrets", "flag"],
    ["personalData", "off"],
  ])("loosening %s to %s waits for a second admin while the two-admin rule is in force", async (kind, to) => {
    const org = await createTestOrg({ label: "content-two-admin", policies: ALLOW });
    await setContent(org, { secrets: "redact", personalData: "redact" });
    expect((await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { policies: { requireSecondApproval: true } } })).statusCode).toBe(200);
    const loosened = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { content: { [kind]: to } } });
    expect(loosened.statusCode, loosened.body).toBe(202);
    expect(JSON.parse(loosened.body)).toMatchObject({ status: "pending_approval", weakened: [{ path: `content.${kind}` }] });
    const tightened = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { content: { [kind]: "deny" } } });
    expect(tightened.statusCode, tightened.body).toBe(200);
  });

  it.each([
    [{ content: { secrets: "hide" } }, "content.secrets"],
    [{ content: { personalData: 1 } }, "content.personalData"],
    [{ content: { other: "deny" } }, "content"],
  ])("a settings change %j is a 400 naming %s, and changes nothing", async (body, path) => {
    const org = await createTestOrg({ label: "content-bad-settings", policies: ALLOW });
    const refused = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body });
    expect(refused.statusCode).toBe(400);
    expect(JSON.stringify(JSON.parse(refused.body).error.details.issues)).toContain(path);
    const settings = JSON.parse((await call(app, "GET", "/v1/admin/settings", { key: org.adminKey.apiKey })).body) as { content: unknown };
    expect(settings.content).toEqual({ secrets: "redact", personalData: "flag", promptSecrets: "redact", promptPersonalData: "redact", minConfidence: "low" });
  });
});

describe("minConfidence: a finding below it is kept and flagged, with its detector's confidence", () => {
  /** A phone number: `medium` confidence (no check digit confirms it). */
  const PHONE = "+1 415 555 0132";
  type Finding = { detector: string; class: string; action: string; confidence?: string };

  it("org `high`: a phone number (medium) flagged and kept, a token (high) redacted; canI answers the same", async () => {
    const org = await createTestOrg({ label: "content-min-confidence", policies: ALLOW });
    await setContent(org, { secrets: "redact", personalData: "redact", minConfidence: "high" });
    const secret = token();
    const body = { actionType: "ticket.update", metadata: { phone: `call ${PHONE}`, auth: `token ${secret}` } };
    const checked = JSON.parse((await call(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body })).body) as { findings: Finding[] };
    const sent = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body });
    expect(sent.statusCode, sent.body).toBe(200);
    const answer = JSON.parse(sent.body) as { status: string; findings: Finding[] };
    expect(answer.status).toBe("executed");
    const expected = [
      expect.objectContaining({ detector: "phone_number", class: "personalData", action: "flagged", confidence: "medium" }),
      expect.objectContaining({ detector: "github_token", class: "secrets", action: "redacted", confidence: "high" }),
    ];
    expect(answer.findings).toEqual(expect.arrayContaining(expected));
    expect(answer.findings).toHaveLength(2);
    expect(checked.findings).toEqual(expect.arrayContaining(expected));
    expect(await tablesHolding(secret)).toEqual([]);
    expect(await tablesHolding(PHONE)).not.toEqual([]);
    const entry = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "action.decided" }, orderBy: { seq: "desc" } });
    const data = openEntry(entry.canonical, entry.fields as StoredFields).data as { metadata: { phone: string }; findings: Finding[] };
    expect(data.metadata.phone).toBe(`call ${PHONE}`);
    expect(data.findings).toEqual(expect.arrayContaining(expected));
  });

  it("a matching policy's lower `minConfidence` wins for its actions; elsewhere the org's", async () => {
    const org = await createTestOrg({
      label: "content-min-confidence-policy",
      policies: [...ALLOW, { name: "tickets-all", actions: ["ticket.*"], effect: "allow", content: { minConfidence: "low" } }],
    });
    await setContent(org, { personalData: "redact", minConfidence: "high" });
    const act = async (actionType: string) =>
      (JSON.parse((await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType, metadata: { v: `call ${PHONE}` } } })).body) as { findings: Finding[] })
        .findings;
    expect(await act("ticket.update")).toEqual([expect.objectContaining({ detector: "phone_number", action: "redacted", confidence: "medium" })]);
    expect(await act("mail.send")).toEqual([expect.objectContaining({ detector: "phone_number", action: "flagged", confidence: "medium" })]);
  });

  it("raising it waits for a second admin while the two-admin rule is in force; lowering it does not", async () => {
    const org = await createTestOrg({ label: "content-min-confidence-two-admin", policies: ALLOW });
    expect((await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { policies: { requireSecondApproval: true } } })).statusCode).toBe(200);
    const raised = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { content: { minConfidence: "medium" } } });
    expect(raised.statusCode, raised.body).toBe(202);
    expect(JSON.parse(raised.body)).toMatchObject({ status: "pending_approval", weakened: [{ path: "content.minConfidence" }] });
    const lowered = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { content: { minConfidence: "low" } } });
    expect(lowered.statusCode, lowered.body).toBe(200);
  });

  it("a bad value in the org's settings or a policy's `content` is a 400 naming the field, and changes nothing", async () => {
    const org = await createTestOrg({ label: "content-min-confidence-bad", policies: ALLOW });
    const refused = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { content: { minConfidence: "certain" } } });
    expect(refused.statusCode).toBe(400);
    expect(JSON.stringify(JSON.parse(refused.body).error.details.issues)).toContain("content.minConfidence");
    const settings = JSON.parse((await call(app, "GET", "/v1/admin/settings", { key: org.adminKey.apiKey })).body) as { content: { minConfidence: string } };
    expect(settings.content.minConfidence).toBe("low");
    const before = (await call(app, "GET", "/v1/admin/policies", { key: org.adminKey.apiKey })).body;
    const policy = { name: "p", actions: ["a.*"], effect: "allow", content: { minConfidence: 2 } };
    const put = await call(app, "PUT", "/v1/admin/policies", { key: org.adminKey.apiKey, body: { policies: [...ALLOW, policy] } });
    expect(put.statusCode, put.body).toBe(400);
    expect(put.json().error.details.issues.map((i: { path: string }) => i.path)).toContain("policies[1].content.minConfidence");
    expect((await call(app, "GET", "/v1/admin/policies", { key: org.adminKey.apiKey })).body).toBe(before);
  });
});

describe("a member's reason and a replay", () => {
  it("an approval's reason holding a token: the vote is recorded with its placeholder; with secrets denied, a 400 naming `reason`", async () => {
    const org = await createTestOrg({ label: "content-reason", policies: [{ name: "hold", actions: ["*"], effect: "require_approval" }] });
    const { addTestMember } = await import("@gatehouse/db/testing");
    const { issueAdminKey } = await import("@gatehouse/db");
    const approver = await addTestMember(org, "approver");
    const approverKey = (await issueAdminKey({ ctx: org.ctx, input: { membershipId: approver.membershipId } })).apiKey;
    const request = async () =>
      (JSON.parse((await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "deploy.run" } })).body) as { approvalId: string }).approvalId;
    const secret = token();
    const approved = await call(app, "POST", `/v1/admin/approvals/${await request()}/decision`, { key: approverKey, body: { decision: "approve", reason: `rotated ${secret}` } });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(await tablesHolding(secret)).toEqual([]);
    await setContent(org, { secrets: "deny" });
    const refused = await call(app, "POST", `/v1/admin/approvals/${await request()}/decision`, { key: approverKey, body: { decision: "approve", reason: `rotated ${secret}` } });
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { details: { issues: [{ path: "reason" }] } } });
    expect(await tablesHolding(secret)).toEqual([]);
  });

  it("a replay of a draft that denies personal data shows the calls that kept it as allow → deny", async () => {
    const org = await createTestOrg({ label: "content-replay", policies: ALLOW });
    await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "ticket.reply", metadata: { to: "jane.doe@example.com" } } });
    await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "ticket.reply", metadata: { to: "the team" } } });
    const replay = await call(app, "POST", "/v1/admin/policies/simulate", {
      key: org.adminKey.apiKey,
      body: { policies: [{ name: "allow-all", actions: ["*"], effect: "allow", content: { personalData: "deny" } }], days: 1 },
    });
    expect(replay.statusCode, replay.body).toBe(200);
    expect(JSON.parse(replay.body)).toMatchObject({ evaluated: 2, changed: 1, transitions: [{ from: "allow", to: "deny", count: 1 }] });
  });
});

describe("a delegation's metadata", () => {
  it("is screened by the org's content settings: a token redacted, or refused with a 400 naming `metadata`", async () => {
    const org = await createTestOrg({ label: "content-delegation", policies: ALLOW });
    const secret = token();
    const created = await call(app, "POST", "/v1/delegations", {
      key: org.agent.apiKey,
      body: { name: "helper", capabilities: ["pr.open"], ttlSeconds: 600, metadata: { note: `uses ${secret}` } },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(await tablesHolding(secret)).toEqual([]);
    await setContent(org, { secrets: "deny" });
    const refused = await call(app, "POST", "/v1/delegations", {
      key: org.agent.apiKey,
      body: { name: "helper-2", capabilities: ["pr.open"], ttlSeconds: 600, metadata: { note: `uses ${secret}` } },
    });
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { details: { issues: [{ path: "metadata" }] } } });
  });
});
