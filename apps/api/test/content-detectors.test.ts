import { randomBytes } from "node:crypto";
import { MAX_ORG_DETECTORS, openEntry, type StoredFields } from "@gatehouse/core";
import { db } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp, tablesHolding } from "./helpers";

// An org's own content detectors (docs/content-detectors.md, "An org's own detectors"). The acceptance:
// a detector added through the API finds its pattern in the next call's metadata (a finding naming it,
// its class's rule applied), and a pattern that is not linear-time is refused with a 400 naming `pattern`,
// nothing written. Beside it: who may, another org's ids, the cap, the test call, the SDKs' list.

let app: FastifyInstance;
let org: TestOrg;
let other: TestOrg;

beforeAll(async () => {
  app = await startApp();
  [org, other] = await Promise.all([createTestOrg({ label: "detectors", policies: ALLOW_ALL_PR }), createTestOrg({ label: "detectors-other", policies: ALLOW_ALL_PR })]);
});
afterAll(async () => {
  await stopApp(app);
});

const admin = (target: TestOrg, method: "GET" | "POST" | "PATCH" | "DELETE", url: string, body?: unknown) =>
  call(app, method, url, { key: target.adminKey.apiKey, ...(body === undefined ? {} : { body }) });
const agent = (target: TestOrg, method: "GET" | "POST", url: string, body?: unknown) =>
  call(app, method, url, { key: target.agent.apiKey, ...(body === undefined ? {} : { body }) });

/** An internal ticket reference of this run: `ACME-` and eight digits, found by no built-in detector. */
const ticket = () => `ACME-${Array.from(randomBytes(8), (b) => String(b % 10)).join("")}`;
const uniqueName = (prefix: string) => `${prefix}_${randomBytes(3).toString("hex")}`;

function issuesOf(answer: LightMyRequestResponse): Array<{ path: string; message: string }> {
  expect(answer.statusCode, answer.body).toBe(400);
  const body = answer.json<{ error: { code: string; details: { issues: Array<{ path: string; message: string }> } } }>();
  expect(body.error.code).toBe("VALIDATION");
  return body.error.details.issues;
}

/** The org's detector rows and its detector audit entries: bad input changes neither. */
async function writesOf(target: TestOrg) {
  return {
    rows: await db().contentDetector.count({ where: { orgId: target.org.id } }),
    entries: await db().auditEntry.count({ where: { orgId: target.org.id, type: "content.detector_changed" } }),
  };
}

async function latestDecision(target: TestOrg) {
  const entry = await db().auditEntry.findFirstOrThrow({ where: { orgId: target.org.id, type: "action.decided" }, orderBy: { seq: "desc" } });
  return openEntry(entry.canonical, entry.fields as StoredFields).data as {
    metadata: Record<string, unknown>;
    findings: Array<{ detector: string; class: string; path: string; action: string }>;
  };
}

describe("acceptance: a detector added through the API finds its pattern in the next call's metadata", () => {
  it("redacts it (secrets' default), names it in the answer and the entry, and the value is in no table", async () => {
    const name = uniqueName("acme_ticket");
    const created = await admin(org, "POST", "/v1/content/detectors", { name, class: "secrets", pattern: "ACME-[0-9]{8}", keywords: ["ACME-"] });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ name, class: "secrets", pattern: "ACME-[0-9]{8}", keywords: ["acme-"], checksum: null, enabled: true });

    const value = ticket();
    const sent = await agent(org, "POST", "/v1/actions", { actionType: "pr.open", metadata: { summary: `escalate ${value} now` } });
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json()).toMatchObject({ status: "executed", findings: [{ detector: name, class: "secrets", path: "metadata.summary", action: "redacted" }] });
    const data = await latestDecision(org);
    expect(data.metadata.summary).toMatch(new RegExp(`^escalate \\[secret:${name}#[0-9a-f]{8}\\] now$`));
    expect(data.findings).toEqual([{ detector: name, class: "secrets", path: "metadata.summary", action: "redacted" }]);
    expect(await tablesHolding(value)).toEqual([]);

    // The standalone scan finds it too.
    const scanned = await agent(org, "POST", "/v1/scan", { text: `ref ${ticket()}` });
    expect(scanned.json()).toEqual({ findings: [{ detector: name, class: "secrets", path: "text", start: 4, end: 17 }], truncated: false });
    // Another org's calls do not run it.
    const elsewhere = await agent(other, "POST", "/v1/scan", { text: `ref ${ticket()}` });
    expect(elsewhere.json()).toEqual({ findings: [], truncated: false });

    // Deleted: the next call no longer finds it.
    expect((await admin(org, "DELETE", `/v1/content/detectors/${created.json().id}`)).statusCode).toBe(200);
    const after = await agent(org, "POST", "/v1/scan", { text: `ref ${ticket()}` });
    expect(after.json()).toEqual({ findings: [], truncated: false });
  });

  it("a personal-data detector follows that class's rule: `deny` refuses the call (CONTENT_DENIED), and a disabled one finds nothing", async () => {
    const target = await createTestOrg({ label: "detectors-deny", policies: ALLOW_ALL_PR });
    expect((await admin(target, "PATCH", "/v1/admin/settings", { content: { personalData: "deny" } })).statusCode).toBe(200);
    const name = uniqueName("member_no");
    const created = await admin(target, "POST", "/v1/content/detectors", { name, class: "personalData", pattern: "MBR[0-9]{12}", checksum: "luhn" });
    expect(created.statusCode, created.body).toBe(201);
    // 4242424242424242 passes Luhn; …4241 does not.
    const denied = await agent(target, "POST", "/v1/actions", { actionType: "pr.open", metadata: { member: "MBR424242424242 paid" } });
    expect(denied.json()).toMatchObject({ status: "denied", denialReason: "CONTENT_DENIED", findings: [{ detector: name, class: "personalData", action: "denied" }] });
    const failsChecksum = await agent(target, "POST", "/v1/actions", { actionType: "pr.open", metadata: { member: "MBR424242424241 paid" } });
    expect(failsChecksum.json()).toMatchObject({ status: "executed" });

    expect((await admin(target, "PATCH", `/v1/content/detectors/${created.json().id}`, { enabled: false })).statusCode).toBe(200);
    const disabled = await agent(target, "POST", "/v1/actions", { actionType: "pr.open", metadata: { member: "MBR424242424242 paid" } });
    expect(disabled.json()).toMatchObject({ status: "executed" });
  });

  it("a caller's own screen may name the org's enabled detector in `screened`; an unknown name or a wrong class is a 400 and nothing is written", async () => {
    const name = uniqueName("local_ref");
    expect((await admin(org, "POST", "/v1/content/detectors", { name, class: "secrets", pattern: "LREF[0-9]{6}" })).statusCode).toBe(201);
    const listed = await agent(org, "GET", "/v1/content/detectors/screen");
    expect(listed.statusCode).toBe(200);
    expect(listed.json().detectors).toContainEqual({ name, class: "secrets" });

    const spend = { model: "gpt-4o-mini", inputTokens: 10, maxOutputTokens: 10 };
    const ok = await agent(org, "POST", "/v1/actions", { actionType: "pr.open", spend, screened: [{ detector: name, class: "secrets", path: "prompt.messages[0].content" }] });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().findings).toEqual([{ detector: name, class: "secrets", path: "prompt.messages[0].content", action: "redacted" }]);

    const before = await db().auditEntry.count({ where: { orgId: org.org.id } });
    expect(issuesOf(await agent(org, "POST", "/v1/actions", { actionType: "pr.open", screened: [{ detector: "no_such_one", class: "secrets", path: "prompt" }] }))[0]?.path).toBe(
      "screened[0].detector",
    );
    expect(issuesOf(await agent(org, "POST", "/v1/actions", { actionType: "pr.open", screened: [{ detector: name, class: "personalData", path: "prompt" }] }))[0]?.path).toBe(
      "screened[0].class",
    );
    // Another org's detector is unknown here.
    expect(issuesOf(await agent(other, "POST", "/v1/actions", { actionType: "pr.open", screened: [{ detector: name, class: "secrets", path: "prompt" }] }))[0]?.path).toBe(
      "screened[0].detector",
    );
    expect(await db().auditEntry.count({ where: { orgId: org.org.id } })).toBe(before);
  });
});

describe("a pattern that is not linear-time, and other bad input: a 400 naming the field, nothing written", () => {
  it.each([
    ["a backreference", "(a)\\1", "not linear-time"],
    ["a lookahead", "secret(?=[0-9])", "not linear-time"],
    ["a negative lookahead", "key(?!x)[a-z]+", "not linear-time"],
    ["a lookbehind", "(?<=key=)[a-z]+", "not linear-time"],
    ["a huge counted repetition", "[a-z]{1000}", "instructions"],
    ["one that matches the empty string", "x*", "empty string"],
    ["one too long", "a".repeat(257), "at most 256"],
    ["one that does not parse", "([a-z]", "not linear-time"],
  ])("%s → 400 naming `pattern`", async (_name, pattern, says) => {
    const before = await writesOf(org);
    const issues = issuesOf(await admin(org, "POST", "/v1/content/detectors", { name: uniqueName("bad"), class: "secrets", pattern }));
    expect(issues).toEqual([{ path: "pattern", message: expect.stringContaining(says) }]);
    // The same for a test run and for a change.
    expect(issuesOf(await admin(org, "POST", "/v1/content/detectors/test", { detector: { class: "secrets", pattern }, samples: ["x"] }))[0]?.path).toBe("detector.pattern");
    expect(await writesOf(org)).toEqual(before);
  });

  it("a change to a non-linear pattern is refused, and the detector is as it was", async () => {
    const created = await admin(org, "POST", "/v1/content/detectors", { name: uniqueName("keep"), class: "secrets", pattern: "KEEP[0-9]{4}" });
    const before = await writesOf(org);
    expect(issuesOf(await admin(org, "PATCH", `/v1/content/detectors/${created.json().id}`, { pattern: "(x)\\1" }))[0]?.path).toBe("pattern");
    expect((await admin(org, "GET", `/v1/content/detectors/${created.json().id}`)).json().pattern).toBe("KEEP[0-9]{4}");
    expect(await writesOf(org)).toEqual(before);
  });

  it.each([
    ["a built-in detector's name", { name: "github_token", class: "secrets", pattern: "x[0-9]" }, "name"],
    ["a name with capitals", { name: "AcmeKey", class: "secrets", pattern: "x[0-9]" }, "name"],
    ["an unknown class", { name: "ok_name", class: "passwords", pattern: "x[0-9]" }, "class"],
    ["an unknown checksum", { name: "ok_name", class: "secrets", pattern: "x[0-9]", checksum: "crc32" }, "checksum"],
    ["too many keywords", { name: "ok_name", class: "secrets", pattern: "x[0-9]", keywords: Array.from({ length: 21 }, (_, i) => `kw${i}`) }, "keywords"],
    ["an unknown field", { name: "ok_name", class: "secrets", pattern: "x[0-9]", flags: "g" }, ""],
  ])("%s → 400 naming `%s`", async (_name, body, field) => {
    const before = await writesOf(org);
    const issues = issuesOf(await admin(org, "POST", "/v1/content/detectors", body));
    expect(issues.map((issue) => issue.path)).toContain(field === "" ? issues[0]?.path : field);
    expect(await writesOf(org)).toEqual(before);
  });

  it("a name already taken in the org → 400 naming `name`; the same name in another org is fine", async () => {
    const name = uniqueName("twice");
    expect((await admin(org, "POST", "/v1/content/detectors", { name, class: "secrets", pattern: "TW[0-9]{4}" })).statusCode).toBe(201);
    const before = await writesOf(org);
    expect(issuesOf(await admin(org, "POST", "/v1/content/detectors", { name, class: "secrets", pattern: "TW[0-9]{5}" }))[0]?.path).toBe("name");
    expect(await writesOf(org)).toEqual(before);
    expect((await admin(other, "POST", "/v1/content/detectors", { name, class: "secrets", pattern: "TW[0-9]{4}" })).statusCode).toBe(201);
  });
});

describe("testing a candidate before saving it", () => {
  it("answers each sample's hits, keywords and checksum applied, and saves nothing", async () => {
    const before = await writesOf(org);
    const answer = await admin(org, "POST", "/v1/content/detectors/test", {
      detector: { class: "personalData", pattern: "[0-9]{16}", keywords: ["card"], checksum: "luhn" },
      samples: ["card 4242424242424242 and 4242424242424241", "no keyword 4242424242424242", "CARD:4000056655665556"],
    });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toEqual({
      results: [
        { sample: 0, hits: [{ start: 5, end: 21, match: "4242424242424242" }] },
        { sample: 1, hits: [] },
        { sample: 2, hits: [{ start: 5, end: 21, match: "4000056655665556" }] },
      ],
    });
    expect(await writesOf(org)).toEqual(before);
  });

  it("an IBAN checksum keeps valid IBANs only", async () => {
    const answer = await admin(org, "POST", "/v1/content/detectors/test", {
      detector: { class: "personalData", pattern: "(?i)\\bDE[0-9]{20}\\b", checksum: "iban" },
      samples: ["DE89370400440532013000 DE89370400440532013001"],
    });
    expect(answer.json().results[0].hits.map((hit: { match: string }) => hit.match)).toEqual(["DE89370400440532013000"]);
  });

  it("samples are capped before they run (400 naming the field)", async () => {
    expect(issuesOf(await admin(org, "POST", "/v1/content/detectors/test", { detector: { class: "secrets", pattern: "a[0-9]" }, samples: [] }))[0]?.path).toBe("samples");
    expect(issuesOf(await admin(org, "POST", "/v1/content/detectors/test", { detector: { class: "secrets", pattern: "a[0-9]" }, samples: ["x".repeat(4097)] }))[0]?.path).toBe(
      "samples[0]",
    );
  });
});

describe("who may, and another org's ids", () => {
  it("every route: another org's detector id → 404 and nothing changes", async () => {
    const created = await admin(other, "POST", "/v1/content/detectors", { name: uniqueName("theirs"), class: "secrets", pattern: "THEIRS[0-9]{3}" });
    const id = created.json().id as string;
    expect((await admin(org, "GET", `/v1/content/detectors/${id}`)).statusCode).toBe(404);
    expect((await admin(org, "PATCH", `/v1/content/detectors/${id}`, { enabled: false })).statusCode).toBe(404);
    expect((await admin(org, "DELETE", `/v1/content/detectors/${id}`)).statusCode).toBe(404);
    expect((await admin(org, "GET", "/v1/content/detectors")).json().detectors.map((d: { id: string }) => d.id)).not.toContain(id);
    expect((await admin(other, "GET", `/v1/content/detectors/${id}`)).json()).toMatchObject({ id, enabled: true });
  });

  it("a malformed id is a 400 naming `id`; an unknown one a 404", async () => {
    expect(issuesOf(await admin(org, "GET", "/v1/content/detectors/whe_nope"))[0]?.path).toBe("id");
    expect((await admin(org, "GET", `/v1/content/detectors/cdt_${"a".repeat(22)}`)).statusCode).toBe(404);
  });

  it.each(["approver", "auditor", "viewer"] as const)("a %s's key → 403 on every change and on the list", async (role) => {
    const member = await addTestMember(org, role);
    const before = await writesOf(org);
    const as = (method: "GET" | "POST", url: string, body?: unknown) => call(app, method, url, { key: member.apiKey, ...(body === undefined ? {} : { body }) });
    expect((await as("POST", "/v1/content/detectors", { name: uniqueName("nope"), class: "secrets", pattern: "N[0-9]{3}" })).statusCode).toBe(403);
    expect((await as("GET", "/v1/content/detectors")).statusCode).toBe(403);
    expect((await as("POST", "/v1/content/detectors/test", { detector: { class: "secrets", pattern: "N[0-9]" }, samples: ["N1"] })).statusCode).toBe(403);
    expect(await writesOf(org)).toEqual(before);
  });

  it("an admin-role member may; an agent key may not change detectors, a member's key may not read the SDKs' list", async () => {
    const adminMember = await addTestMember(org, "admin");
    const created = await call(app, "POST", "/v1/content/detectors", { key: adminMember.apiKey, body: { name: uniqueName("by_admin"), class: "secrets", pattern: "BA[0-9]{4}" } });
    expect(created.statusCode, created.body).toBe(201);
    expect([401, 403]).toContain((await agent(org, "POST", "/v1/content/detectors", { name: uniqueName("agent"), class: "secrets", pattern: "AG[0-9]{4}" })).statusCode);
    expect([401, 403]).toContain((await admin(org, "GET", "/v1/content/detectors/screen")).statusCode);
    expect((await call(app, "GET", "/v1/content/detectors")).statusCode).toBe(401);
  });

  it("each change is an audit entry naming the detector and what changed, its pattern and keywords as fingerprints only", async () => {
    const name = uniqueName("logged");
    const created = await admin(org, "POST", "/v1/content/detectors", { name, class: "secrets", pattern: "LG[0-9]{4}" });
    await admin(org, "PATCH", `/v1/content/detectors/${created.json().id}`, { keywords: ["lg"] });
    await admin(org, "DELETE", `/v1/content/detectors/${created.json().id}`);
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "content.detector_changed", subjectId: created.json().id }, orderBy: { seq: "asc" } });
    expect(entries.map((entry) => entry.canonical).join("\n")).not.toContain("LG[0-9]{4}");
    const data = entries.map(
      (entry) =>
        openEntry(entry.canonical, entry.fields as StoredFields).data as {
          change: string;
          name: string;
          patternFingerprint: string;
          keywordFingerprints: string[];
          pattern?: string;
        },
    );
    const pattern = data[0]?.patternFingerprint;
    expect(pattern).toMatch(/^[0-9a-f]{16}$/);
    expect(data.map((d) => [d.change, d.name, d.patternFingerprint, d.keywordFingerprints.length, d.pattern])).toEqual([
      ["created", name, pattern, 0, undefined],
      ["updated", name, pattern, 1, undefined],
      ["deleted", name, pattern, 1, undefined],
    ]);
  });
});

describe("limits and the two-admin rule", () => {
  it(`at most ${MAX_ORG_DETECTORS} per org: the next is a 409 and nothing is written`, async () => {
    const target = await createTestOrg({ label: "detectors-cap" });
    for (let i = 0; i < MAX_ORG_DETECTORS; i += 1) {
      const made = await admin(target, "POST", "/v1/content/detectors", { name: `cap_${i}`, class: "secrets", pattern: `CAP${i}-[0-9]{4}` });
      expect(made.statusCode, made.body).toBe(201);
    }
    const before = await writesOf(target);
    const refused = await admin(target, "POST", "/v1/content/detectors", { name: "cap_more", class: "secrets", pattern: "MORE[0-9]{4}" });
    expect(refused.statusCode).toBe(409);
    expect(await writesOf(target)).toEqual(before);
  });

  it("while the two-admin rule is in force, deleting, disabling or changing what a detector finds is a 409; adding and renaming are not", async () => {
    const target = await createTestOrg({ label: "detectors-2p" });
    const created = await admin(target, "POST", "/v1/content/detectors", { name: "guarded", class: "secrets", pattern: "GD[0-9]{4}" });
    expect((await admin(target, "PATCH", "/v1/admin/settings", { policies: { requireSecondApproval: true } })).statusCode).toBe(200);
    const id = created.json().id as string;
    const before = await writesOf(target);
    for (const [method, body] of [
      ["DELETE", undefined],
      ["PATCH", { enabled: false }],
      ["PATCH", { pattern: "GD[0-9]{5}" }],
      ["PATCH", { keywords: ["gd"] }],
      ["PATCH", { class: "personalData" }],
    ] as const) {
      const answer = await admin(target, method, `/v1/content/detectors/${id}`, body);
      expect(answer.statusCode, `${method} ${JSON.stringify(body)}`).toBe(409);
      expect(answer.json().error.details.reason).toBe("SECOND_APPROVAL_REQUIRED");
    }
    expect(await writesOf(target)).toEqual(before);
    expect((await admin(target, "PATCH", `/v1/content/detectors/${id}`, { name: "guarded_renamed" })).statusCode).toBe(200);
    expect((await admin(target, "POST", "/v1/content/detectors", { name: "another", class: "secrets", pattern: "AN[0-9]{4}" })).statusCode).toBe(201);
  });
});
