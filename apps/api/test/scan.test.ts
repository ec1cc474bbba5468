import { randomBytes } from "node:crypto";
import { MAX_FINDINGS, SCAN_LIMITS } from "@gatehouse/core";
import { closeWorkPool, db, INLINE_SCAN_MAX, orgTurns, workPool } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, tablesHolding, writesOf } from "./helpers";

// The standalone scan (`POST /v1/scan`, docs/content.md, "Standalone scan"): the content screen's
// detectors over a text or a JSON value, answering detector, class and path and never the value, with
// nothing stored — no audit entry, no decision, the value in no table. Any key of the org; input capped
// before anything runs (400 naming the field); an org's scans take its turn, large ones run on the work pool.

/** A GitHub token of the documented shape, new for this run (so a search can only find this test's). */
const token = () =>
  `ghp_${randomBytes(27)
    .toString("base64url")
    .replace(/[^A-Za-z0-9]/g, "x")
    .slice(0, 36)}`;
const email = () => `jane.${randomBytes(4).toString("hex")}@example.com`;

const TURN = "content scan";
const SCAN_TASK = "@gatehouse/core#scanContent";

let app: FastifyInstance;
let org: TestOrg;
let other: TestOrg;

beforeAll(async () => {
  app = await startApp();
  [org, other] = await Promise.all([createTestOrg({ label: "scan" }), createTestOrg({ label: "scan-other" })]);
});
afterAll(async () => {
  await stopApp(app);
  await closeWorkPool();
});

const scan = (body: unknown, key: string = org.agent.apiKey) => call(app, "POST", "/v1/scan", { key, body });

/** How many audit entries the org has (the log's size) and its action rows: a scan changes neither. */
async function auditOf(target: TestOrg) {
  return { ...(await writesOf(target.org.id)), entries: await db().auditEntry.count({ where: { orgId: target.org.id } }) };
}

function issuesOf(answer: LightMyRequestResponse): Array<{ path: string; message: string }> {
  expect(answer.statusCode, answer.body).toBe(400);
  const body = answer.json<{ error: { code: string; details: { issues: Array<{ path: string; message: string }> } } }>();
  expect(body.error.code).toBe("VALIDATION");
  return body.error.details.issues;
}

describe("what a scan finds, and that nothing is stored", () => {
  it("a text: a GitHub token and an email, by detector, class and `text`, with their offsets; never the values; nothing written", async () => {
    const secret = token();
    const address = email();
    const text = `Deploy with ${secret} and tell ${address} when done.`;
    const before = await auditOf(org);
    const answer = await scan({ text });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toEqual({
      findings: [
        { detector: "github_token", class: "secrets", path: "text", start: text.indexOf(secret), end: text.indexOf(secret) + secret.length, confidence: "high" },
        { detector: "email", class: "personalData", path: "text", start: text.indexOf(address), end: text.indexOf(address) + address.length, confidence: "high" },
      ],
      truncated: false,
    });
    expect(answer.body).not.toContain(secret);
    expect(answer.body).not.toContain(address);
    expect(await auditOf(org)).toEqual(before);
    expect(await tablesHolding(secret)).toEqual([]);
    expect(await tablesHolding(address)).toEqual([]);
  });

  it("JSON: every string and key, at paths like json.ticket.summary and json.items[0]; never the values; nothing written", async () => {
    const secret = token();
    const address = email();
    const json = { ticket: { summary: `customer ${address} wrote in`, id: 4512 }, items: [`use ${secret}`, "nothing here"], [address]: { note: "ok" } };
    const before = await auditOf(org);
    const answer = await scan({ json });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toEqual({
      findings: [
        { detector: "email", class: "personalData", path: "json.ticket.summary", confidence: "high" },
        { detector: "github_token", class: "secrets", path: "json.items[0]", confidence: "high" },
        { detector: "email", class: "personalData", path: "json", confidence: "high" },
      ],
      truncated: false,
    });
    expect(answer.body).not.toContain(secret);
    expect(answer.body).not.toContain(address);
    expect(await auditOf(org)).toEqual(before);
    expect(await tablesHolding(secret)).toEqual([]);
    expect(await tablesHolding(address)).toEqual([]);
  });

  it("any JSON value: a string, an array, null", async () => {
    const secret = token();
    expect((await scan({ json: secret })).json()).toEqual({ findings: [{ detector: "github_token", class: "secrets", path: "json", confidence: "high" }], truncated: false });
    expect((await scan({ json: [1, { deep: [secret] }] })).json()).toEqual({
      findings: [{ detector: "github_token", class: "secrets", path: "json[1].deep[0]", confidence: "high" }],
      truncated: false,
    });
    expect((await scan({ json: null })).json()).toEqual({ findings: [], truncated: false });
  });

  it("both classes are looked for whatever the org's content settings say", async () => {
    const quiet = await createTestOrg({ label: "scan-off" });
    const patched = await call(app, "PATCH", "/v1/admin/settings", { key: quiet.adminKey.apiKey, body: { content: { secrets: "off", personalData: "off" } } });
    expect(patched.statusCode, patched.body).toBe(200);
    const answer = await scan({ text: `${token()} ${email()}` }, quiet.agent.apiKey);
    expect(answer.json<{ findings: Array<{ class: string }> }>().findings.map((f) => f.class)).toEqual(["secrets", "personalData"]);
  });

  it(`lists at most ${MAX_FINDINGS} findings and says truncated when there were more`, async () => {
    const addresses = Array.from({ length: MAX_FINDINGS + 5 }, (_, i) => `user${i}@example.com`);
    const answer = await scan({ text: addresses.join(" ") });
    const body = answer.json<{ findings: unknown[]; truncated: boolean }>();
    expect([body.findings.length, body.truncated]).toEqual([MAX_FINDINGS, true]);
    const exact = (await scan({ json: addresses.slice(0, MAX_FINDINGS) })).json<{ findings: unknown[]; truncated: boolean }>();
    expect([exact.findings.length, exact.truncated]).toEqual([MAX_FINDINGS, false]);
  });
});

describe("who may scan", () => {
  it("no key, or a wrong key: 401, and nothing runs", async () => {
    const body = { text: `mail ${email()}` };
    const before = orgTurns(TURN).stats(org.org.id).peakRunning;
    const none = await call(app, "POST", "/v1/scan", { body });
    expect([none.statusCode, none.json().error.code]).toEqual([401, "UNAUTHENTICATED"]);
    for (const key of ["nope", `gh_agent_${"x".repeat(32)}`, `gh_admin_${"y".repeat(32)}`]) {
      const wrong = await scan(body, key);
      expect([wrong.statusCode, wrong.json().error.code], key).toEqual([401, "UNAUTHENTICATED"]);
    }
    expect(orgTurns(TURN).stats(org.org.id).peakRunning).toBe(before);
  });

  it("a member's admin key, of any role (content.scan), scans as an agent's does", async () => {
    const viewer = await addTestMember(org, "viewer");
    const text = `mail ${email()}`;
    for (const key of [org.adminKey.apiKey, viewer.apiKey]) {
      const answer = await scan({ text }, key);
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.json<{ findings: Array<{ detector: string }> }>().findings.map((f) => f.detector)).toEqual(["email"]);
    }
  });
});

describe("input is capped before anything runs: 400 naming the field, nothing written", () => {
  /** `levels` objects, each inside the one before (the outermost is level 1). */
  const deep = (levels: number): unknown => {
    let value: unknown = "leaf value";
    for (let i = 0; i < levels; i += 1) value = { a: value };
    return value;
  };

  it.each([
    ["neither text nor json", {}, "body", /exactly one/],
    ["both text and json", { text: "a", json: "b" }, "body", /both/],
    ["text over 256 KiB", { text: "x".repeat(SCAN_LIMITS.maxBytes + 1) }, "text", /256 KiB/],
    // 87,382 characters, each 3 bytes of UTF-8: within 256 Ki characters, over 256 KiB.
    ["text over 256 KiB in UTF-8 though not in characters", { text: "€".repeat(Math.floor(SCAN_LIMITS.maxBytes / 3) + 1) }, "text", /256 KiB/],
    ["text that is not a string", { text: 42 }, "text", /string/],
    ["json nested deeper than 32 levels", { json: deep(33) }, /^json(\.a)+$/, /deeper than 32/],
    ["json with more than 10,000 values", { json: Array.from({ length: 10_001 }, (_, i) => i) }, "json", /10000 values/],
    ["json whose strings hold more than 256 KiB", { json: ["y".repeat(200_000), "z".repeat(70_000)] }, "json", /256 KiB/],
    ["a field a scan does not take", { text: "a", metadata: {} }, "", /metadata/],
  ])("%s", async (_name, body, path, message) => {
    const before = await auditOf(org);
    const issues = issuesOf(await scan(body));
    expect(issues.length).toBeGreaterThan(0);
    const issue = issues[0] as { path: string; message: string };
    if (typeof path === "string") expect(issue.path).toBe(path);
    else expect(issue.path).toMatch(path);
    expect(`${issue.path} ${issue.message}`).toMatch(message);
    expect(await auditOf(org)).toEqual(before);
  });

  it("JSON nested past what any request may nest is refused by the body's count, naming where under json", async () => {
    const issue = issuesOf(await scan({ json: deep(80) }))[0];
    expect(issue?.path).toMatch(/^json(\.a)+$/);
  });

  it("a text at the cap is scanned; a body over 1 MiB is refused before it is read (413)", async () => {
    const atCap = await scan({ text: `${"x ".repeat(SCAN_LIMITS.maxBytes / 2 - 20)}${email()}` });
    expect(atCap.statusCode, atCap.body.slice(0, 300)).toBe(200);
    expect(atCap.json<{ findings: unknown[] }>().findings).toHaveLength(1);
    const over = await call(app, "POST", "/v1/scan", { key: org.agent.apiKey, rawBody: JSON.stringify({ text: "\u0001".repeat(SCAN_LIMITS.bodyBytes / 6 + 10) }) });
    expect(over.statusCode).toBe(413);
  });
});

describe("bounded: large scans on the work pool, an org's scans in its turn", () => {
  it(`a scan of at most ${INLINE_SCAN_MAX} characters runs at once; a larger one is a job of the work pool`, async () => {
    const finished = () => workPool().finished()[SCAN_TASK] ?? 0;
    const before = finished();
    const small = await scan({ text: `${"a".repeat(INLINE_SCAN_MAX - 40)} ${email()}` });
    expect(small.json<{ findings: unknown[] }>().findings).toHaveLength(1);
    expect(finished()).toBe(before);
    const secret = token();
    const large = await scan({ json: { log: `${"b ".repeat(INLINE_SCAN_MAX)} ${secret}` } });
    expect(large.json()).toEqual({ findings: [{ detector: "github_token", class: "secrets", path: "json.log", confidence: "high" }], truncated: false });
    expect(finished()).toBe(before + 1);
  });

  it("one org's parallel scans of 256 KiB run one at a time, each answered; another org's scan answers meanwhile", async () => {
    const big = { text: `${"word ".repeat(SCAN_LIMITS.maxBytes / 5 - 10)}${email()}` };
    const share = orgTurns(TURN);
    let waited = 0;
    const sampler = setInterval(() => (waited = Math.max(waited, share.stats(org.org.id).waiting)), 0);
    const heavy = Array.from({ length: 6 }, () => scan(big));
    const started = performance.now();
    const light = await scan({ text: `mail ${email()}` }, other.agent.apiKey);
    const lightMs = performance.now() - started;
    const answers = await Promise.all(heavy);
    clearInterval(sampler);
    expect(light.statusCode).toBe(200);
    for (const answer of answers) expect(answer.json<{ findings: unknown[] }>().findings).toHaveLength(1);
    expect(share.stats(org.org.id).peakRunning).toBe(1);
    expect(waited, "the org's further scans waited for its turn").toBeGreaterThan(0);
    expect(share.stats(org.org.id)).toMatchObject({ running: 0, waiting: 0 });
    expect(share.stats(other.org.id).peakRunning).toBe(1);
    // A safety net only: the other org never waits for the heavy org's queue (it took < 1 s on a shared 2-core host).
    expect(lightMs).toBeLessThan(5_000);
  });

  it("while one org holds its turn, another org's scan does not wait; the first org's next scan does", async () => {
    const held = await orgTurns(TURN).acquire(org.org.id, TURN);
    try {
      const waiting = scan({ text: `mail ${email()}` });
      const answer = await Promise.race([scan({ text: `mail ${email()}` }, other.agent.apiKey), new Promise<null>((resolve) => setTimeout(resolve, 5_000, null))]);
      expect(answer?.statusCode, "the other org's scan answered while the turn was held").toBe(200);
      await expect.poll(() => orgTurns(TURN).stats(org.org.id).waiting).toBe(1);
      held();
      expect((await waiting).statusCode).toBe(200);
    } finally {
      held();
    }
  });
});
