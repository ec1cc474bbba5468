import { randomBytes } from "node:crypto";
import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

// An org's own detector may be a literal: the pattern then spells the very value it guards (an internal
// project name, a customer's account number). Its definition is an admin's to read (`content.detectors`);
// an agent's key, a delegate's, and a member below admin read no pattern text from any route that returns
// detectors (ADR 0038, amended: the SDKs send the texts they screen to POST /v1/scan instead). The log,
// which every role reads, records each change with the pattern and keywords as keyed fingerprints only.

let app: FastifyInstance;
let org: TestOrg;
/** The literal the org's detector guards: what no answer to a non-admin may hold. */
const SECRET = `ZEUS${randomBytes(6).toString("hex").toUpperCase()}`;
const PATTERN = `${SECRET}-[0-9]{2}`;
const KEYWORD = `kw${randomBytes(3).toString("hex")}`;
let detectorId: string;
let delegateKey: string;
const memberKeys: Record<"approver" | "auditor" | "viewer", string> = { approver: "", auditor: "", viewer: "" };

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "detector-disclosure", policies: ALLOW_ALL_PR });
  const created = await call(app, "POST", "/v1/content/detectors", {
    key: org.adminKey.apiKey,
    body: { name: `guard_${randomBytes(3).toString("hex")}`, class: "secrets", pattern: PATTERN, keywords: [KEYWORD] },
  });
  expect(created.statusCode, created.body).toBe(201);
  detectorId = created.json<{ id: string }>().id;
  const delegated = await call(app, "POST", "/v1/delegations", { key: org.agent.apiKey, body: { name: "sub-agent", capabilities: ["pr.*"], ttlSeconds: 3600 } });
  expect(delegated.statusCode, delegated.body).toBe(201);
  delegateKey = delegated.json<{ apiKey: string }>().apiKey;
  for (const role of ["approver", "auditor", "viewer"] as const) memberKeys[role] = (await addTestMember(org, role)).apiKey;
});
afterAll(async () => {
  await stopApp(app);
});

type Method = "GET" | "POST" | "PATCH" | "DELETE";
/** A route (`:id`: the org's detector) and a body that would have it answer a detector. */
type Route = [Method, string, unknown?];
/** Every route that answers detectors' definitions, with a request that would return one. */
const DETECTOR_ROUTES: Route[] = [
  ["GET", "/v1/content/detectors/screen"],
  ["GET", "/v1/content/detectors"],
  ["GET", "/v1/content/detectors/:id"],
  ["PATCH", "/v1/content/detectors/:id", { enabled: true }],
  ["POST", "/v1/content/detectors/test", { detector: { class: "secrets", pattern: PATTERN }, samples: ["nothing here"] }],
];
/** The log records each change of a detector; an agent's key reads its own agent's entries only. */
const LOG_ROUTES: Route[] = [
  ["GET", "/v1/audit?limit=100"],
  ["GET", "/v1/audit/export"],
  ["GET", "/v1/audit/export?format=csv"],
];

const callers: Array<[string, () => string, Route[]]> = [
  ["an agent's key", () => org.agent.apiKey, [...DETECTOR_ROUTES, ...LOG_ROUTES]],
  ["a delegate's key", () => delegateKey, [...DETECTOR_ROUTES, ...LOG_ROUTES]],
  ["an approver's key", () => memberKeys.approver, [...DETECTOR_ROUTES, ...LOG_ROUTES]],
  ["an auditor's key", () => memberKeys.auditor, [...DETECTOR_ROUTES, ...LOG_ROUTES]],
  ["a viewer's key", () => memberKeys.viewer, [...DETECTOR_ROUTES, ...LOG_ROUTES]],
];

describe("an org's detector definitions are an admin's to read", () => {
  const table = callers.flatMap(([who, key, routes]) => routes.map(([method, route, body]) => ({ who, key, method, route, body })));

  it.each(table)("$who, $route: no pattern or keyword text in the answer", async ({ key, method, route, body }) => {
    const answer = await call(app, method, route.replace(":id", detectorId), { key: key(), ...(body === undefined ? {} : { body }) });
    expect(answer.statusCode, answer.body).toBeLessThan(500);
    expect(answer.body).not.toContain(SECRET);
    expect(answer.body).not.toContain(KEYWORD);
  });

  it("an agent's key and a delegate's learn the enabled detectors' names and classes, nothing else", async () => {
    for (const key of [org.agent.apiKey, delegateKey]) {
      const listed = await call(app, "GET", "/v1/content/detectors/screen", { key });
      expect(listed.statusCode, listed.body).toBe(200);
      const detectors = listed.json<{ detectors: Array<Record<string, unknown>> }>().detectors;
      expect(detectors.map((detector) => Object.keys(detector).sort())).toEqual([["class", "name"]]);
    }
  });

  it("an admin still reads the pattern and the keywords", async () => {
    const one = await call(app, "GET", `/v1/content/detectors/${detectorId}`, { key: org.adminKey.apiKey });
    expect(one.json()).toMatchObject({ pattern: PATTERN, keywords: [KEYWORD.toLowerCase()] });
    const listed = await call(app, "GET", "/v1/content/detectors", { key: org.adminKey.apiKey });
    expect(listed.body).toContain(SECRET);
  });

  it("what the org's detector guards is still found server-side for an agent: POST /v1/scan names it, offsets and all, never the value", async () => {
    const text = `ticket ${KEYWORD} ${SECRET}-42 closed`;
    const answer = await call(app, "POST", "/v1/scan", { key: delegateKey, body: { text } });
    expect(answer.statusCode, answer.body).toBe(200);
    const findings = answer.json<{ findings: Array<{ detector: string; start: number; end: number }> }>().findings;
    const own = findings.find((finding) => finding.detector.startsWith("guard_"));
    expect(own && text.slice(own.start, own.end)).toBe(`${SECRET}-42`);
    expect(answer.body).not.toContain(SECRET);
  });
});

interface DetectorEntryData {
  change: string;
  patternFingerprint?: string;
  keywordFingerprints?: string[];
}

/** The `content.detector_changed` entries of one detector, oldest first, as an auditor reads them. */
async function detectorEntries(target: TestOrg, id: string, key: string): Promise<DetectorEntryData[]> {
  const page = await call(app, "GET", "/v1/audit?limit=100", { key });
  expect(page.statusCode, page.body).toBe(200);
  return page
    .json<{ events: Array<{ type: string; subjectId: string | null; seq: number; data: DetectorEntryData }> }>()
    .events.filter((event) => event.type === "content.detector_changed" && event.subjectId === id)
    .sort((a, b) => a.seq - b.seq)
    .map((event) => event.data);
}

const addDetector = async (target: TestOrg, pattern: string, keywords: string[]) => {
  const created = await call(app, "POST", "/v1/content/detectors", {
    key: target.adminKey.apiKey,
    body: { name: `guard_${randomBytes(3).toString("hex")}`, class: "secrets", pattern, keywords },
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json<{ id: string }>().id;
};

describe("the log records a detector's pattern and keywords as keyed fingerprints", () => {
  it("an entry holds a 16-hex fingerprint of the pattern and one per keyword, in place of the texts", async () => {
    const [created] = await detectorEntries(org, detectorId, memberKeys.auditor);
    expect(created).toMatchObject({ change: "created", patternFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(created?.keywordFingerprints).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/)]);
    expect(created).not.toHaveProperty("pattern");
    expect(created).not.toHaveProperty("keywords");
  });

  it("the same pattern and keyword give the same fingerprints in one org, other ones in another org", async () => {
    const [first] = await detectorEntries(org, detectorId, memberKeys.auditor);
    const again = await addDetector(org, PATTERN, [KEYWORD]);
    const [same] = await detectorEntries(org, again, memberKeys.auditor);
    expect([same?.patternFingerprint, same?.keywordFingerprints]).toEqual([first?.patternFingerprint, first?.keywordFingerprints]);
    const other = await createTestOrg({ label: "detector-disclosure-other" });
    const auditor = (await addTestMember(other, "auditor")).apiKey;
    const [elsewhere] = await detectorEntries(other, await addDetector(other, PATTERN, [KEYWORD]), auditor);
    expect(elsewhere?.patternFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(elsewhere?.patternFingerprint).not.toBe(first?.patternFingerprint);
    expect(elsewhere?.keywordFingerprints?.[0]).not.toBe(first?.keywordFingerprints?.[0]);
  });

  it("a change of the pattern changes its fingerprint; changing it back gives the first again", async () => {
    const id = await addDetector(org, `${SECRET}-[a-z]{2}`, []);
    for (const pattern of [`${SECRET}-[a-z]{3}`, `${SECRET}-[a-z]{2}`]) {
      const changed = await call(app, "PATCH", `/v1/content/detectors/${id}`, { key: org.adminKey.apiKey, body: { pattern } });
      expect(changed.statusCode, changed.body).toBe(200);
    }
    const prints = (await detectorEntries(org, id, memberKeys.auditor)).map((entry) => entry.patternFingerprint);
    expect(prints).toHaveLength(3);
    expect(prints[1]).not.toBe(prints[0]);
    expect(prints[2]).toBe(prints[0]);
  });

  /** What each role may read of the log (an approver and a viewer have no `audit.export`; an agent's key reads its own agent's entries). */
  const READERS: Array<[string, () => string, string[]]> = [
    ["an approver's key", () => memberKeys.approver, ["/v1/audit?limit=100"]],
    ["an auditor's key", () => memberKeys.auditor, ["/v1/audit?limit=100", "/v1/audit/export", "/v1/audit/export?format=csv"]],
    ["a viewer's key", () => memberKeys.viewer, ["/v1/audit?limit=100"]],
  ];
  it.each(READERS)("%s: after the changes, the log it reads holds no pattern or keyword text", async (_who, key, routes) => {
    for (const route of routes) {
      const answer = await call(app, "GET", route, { key: key() });
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.body).toContain("content.detector_changed");
      expect(answer.body).not.toContain(SECRET);
      expect(answer.body).not.toContain(KEYWORD);
    }
  });
});
