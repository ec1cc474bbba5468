import { MAX_ORG_MATCHES, newId, openEntry, ORG_DETECTOR_TEST_MAX_HITS, ORG_SCREEN_PROGRAM_BUDGET, orgProgramSize, type StoredFields } from "@gatehouse/core";
import { db, workPool } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

// Issue 62, points 1 and 2: one call's screen has a budget (docs/content-detectors.md, "Budgets"). An org's own
// detectors are held to it when saved and when they run; their matches and the placeholders they write are
// capped; large work runs on the work pool, never on the event loop. Before: a detector of single characters
// turned a 61 KB call into 3.7 MB sealed into the log, and a costly set screened a large call on the event loop.

let app: FastifyInstance;
let everyChar: TestOrg;
let costly: TestOrg;

/** The costliest shape: a wide counted repetition (297 RE2 instructions). */
const WIDE = (digits: number) => `(?s).{0,145}\\d{${digits}}`;

beforeAll(async () => {
  app = await startApp();
  [everyChar, costly] = await Promise.all([
    createTestOrg({ label: "budget-every-char", policies: ALLOW_ALL_PR }),
    createTestOrg({ label: "budget-costly", policies: ALLOW_ALL_PR }),
  ]);
  const add = (org: TestOrg, name: string, pattern: string) => call(app, "POST", "/v1/content/detectors", { key: org.adminKey.apiKey, body: { name, class: "secrets", pattern } });
  // Stored as it is (the API refuses `[\s\S]`, whose own entry it would redact; `x` is the same attack on any text with x's).
  await db().contentDetector.create({
    data: { id: newId("contentDetector"), orgId: everyChar.org.id, name: "every_x", class: "secrets", pattern: "x", keywords: [], checksum: null, enabled: true },
  });
  expect((await add(costly, "wide_0", WIDE(5))).statusCode).toBe(201);
});
afterAll(async () => {
  await stopApp(app);
});

const issuesOf = (answer: LightMyRequestResponse) => {
  expect(answer.statusCode, answer.body).toBe(400);
  return answer.json<{ error: { details: { issues: Array<{ path: string; message: string }> } } }>().error.details.issues;
};

async function lastEntry(org: TestOrg, type: string) {
  const entry = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type }, orderBy: { seq: "desc" } });
  return { size: entry.canonical.length, data: openEntry(entry.canonical, entry.fields as StoredFields).data as Record<string, unknown> };
}

describe("a detector that matches single characters", () => {
  const body = { actionType: "pr.open", metadata: { log: "x".repeat(61_000) } };

  it("execute is denied CONTENT_LIMIT and recorded with nothing of the content, never 3.7 MB of placeholders", async () => {
    const answer = await call(app, "POST", "/v1/actions", { key: everyChar.agent.apiKey, body });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({ status: "denied", denialReason: "CONTENT_LIMIT" });
    const entry = await lastEntry(everyChar, "action.decided");
    expect(entry.data).toMatchObject({ status: "denied", denialReason: "CONTENT_LIMIT", metadata: {} });
    expect(entry.size).toBeLessThan(4_096);
  });

  it("canI answers the same denial and records nothing", async () => {
    const before = await db().auditEntry.count({ where: { orgId: everyChar.org.id } });
    const answer = await call(app, "POST", "/v1/actions/check", { key: everyChar.agent.apiKey, body });
    expect(answer.json()).toMatchObject({ status: "denied", denialReason: "CONTENT_LIMIT", allowed: false });
    expect(await db().auditEntry.count({ where: { orgId: everyChar.org.id } })).toBe(before);
  });

  it("an outcome whose message it would rewrite past the caps is a 400 naming `message`, nothing written", async () => {
    const decided = (await call(app, "POST", "/v1/actions", { key: everyChar.agent.apiKey, body: { actionType: "pr.open" } })).json<{ auditEventId: string }>();
    const before = await db().auditEntry.count({ where: { orgId: everyChar.org.id } });
    const reported = await call(app, "POST", `/v1/actions/${decided.auditEventId}/outcome`, {
      key: everyChar.agent.apiKey,
      body: { status: "success", message: "x".repeat(5_000) },
    });
    expect(issuesOf(reported)[0]?.path).toBe("message");
    expect(await db().auditEntry.count({ where: { orgId: everyChar.org.id } })).toBe(before);
  });

  it("a standalone scan is a 400 naming `text` instead of listing every character", async () => {
    const scanned = await call(app, "POST", "/v1/scan", { key: everyChar.agent.apiKey, body: { text: "x".repeat(MAX_ORG_MATCHES + 10) } });
    expect(issuesOf(scanned)[0]?.path).toBe("text");
  });

  it("a detector's test answers at most its cap of hits", async () => {
    const tested = await call(app, "POST", "/v1/content/detectors/test", {
      key: everyChar.adminKey.apiKey,
      body: { detector: { class: "secrets", pattern: "[\\s\\S]" }, samples: ["a".repeat(4_000), "b".repeat(4_000)] },
    });
    expect(tested.statusCode, tested.body).toBe(200);
    const hits = tested.json<{ results: Array<{ hits: unknown[] }> }>().results.reduce((sum, result) => sum + result.hits.length, 0);
    expect(hits).toBe(ORG_DETECTOR_TEST_MAX_HITS);
  });
});

describe("costly detectors", () => {
  it("a set past the program budget is refused when saved, naming `pattern`, nothing written", async () => {
    const before = await db().contentDetector.count({ where: { orgId: costly.org.id } });
    const per = orgProgramSize([{ name: "x", class: "secrets", pattern: WIDE(7), keywords: [], checksum: null }]);
    let refused: LightMyRequestResponse | undefined;
    for (let i = 0; i * per <= ORG_SCREEN_PROGRAM_BUDGET + per && !refused; i += 1) {
      const added = await call(app, "POST", "/v1/content/detectors", { key: costly.adminKey.apiKey, body: { name: `more_${i}`, class: "secrets", pattern: WIDE(7 + (i % 3)) } });
      if (added.statusCode !== 201) refused = added;
    }
    expect(refused, "the budget refuses a set before the per-org count does").toBeDefined();
    expect(issuesOf(refused as LightMyRequestResponse)[0]).toMatchObject({ path: "pattern" });
    const rows = await db().contentDetector.findMany({
      where: { orgId: costly.org.id, enabled: true },
      select: { name: true, class: true, pattern: true, keywords: true, checksum: true },
    });
    expect(orgProgramSize(rows.map((row) => ({ ...row, class: "secrets" as const, checksum: null })))).toBeLessThanOrEqual(ORG_SCREEN_PROGRAM_BUDGET);
    // The refused one is not kept (the loop's earlier adds are); removing those leaves the one the suite started with.
    await db().contentDetector.deleteMany({ where: { orgId: costly.org.id, name: { startsWith: "more_" } } });
    expect(await db().contentDetector.count({ where: { orgId: costly.org.id } })).toBe(before);
  });

  it("screen a large call on the work pool, not on the event loop, and still find what they match", async () => {
    const finished = () => workPool().finished()["@gatehouse/core#screenOrgTexts"] ?? 0;
    const before = finished();
    // 32 KiB of text × 297 instructions: far past the event loop's share.
    const filler = "no digits here. ".repeat(2_000);
    const answer = await call(app, "POST", "/v1/actions", { key: costly.agent.apiKey, body: { actionType: "pr.open", metadata: { log: `${filler} order 123456` } } });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({ status: "executed", findings: [{ detector: expect.stringMatching(/^wide_/), path: "metadata.log", action: "redacted" }] });
    expect(finished()).toBe(before + 1);
  });
});
