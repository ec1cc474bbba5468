import { request as httpRequest } from "node:http";
import { routes } from "@gatehouse/contracts";
import { orgTurns } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

// The policy editor's routes take the org's turn (a contract's `orgTurn`, docs/adr/0015): one call of
// an org at a time in the process, from before its body is read to its answer, so one org's heavy
// edits (bodies and answers up to a megabyte, sets of hundreds of policies) never crowd the event loop
// every org's decisions share. Another org never waits for them; a caller that goes away gives its
// turn back, also while it waits.

const TURN = "policy editing";
const PARALLEL = 8;

let app: FastifyInstance;
let heavy: TestOrg;
let other: TestOrg;

type Send = (org: TestOrg, i: number) => Promise<LightMyRequestResponse>;
const SOURCE = "policies:\n  - name: allow-pr\n    actions: [pr.*]\n    effect: allow\n";

/** Every route that names the turn, with a call of it and the answers it may give (concurrent edits may conflict: 409). */
const ROWS: Array<{ operationId: string; send: Send; ok: number[] }> = [
  { operationId: "getPolicyDraft", send: (org) => call(app, "GET", "/v1/admin/policies/draft", { key: org.adminKey.apiKey }), ok: [200] },
  {
    operationId: "savePolicyDraft",
    send: (org) => call(app, "PUT", "/v1/admin/policies/draft", { key: org.adminKey.apiKey, body: { source: SOURCE, format: "yaml", revision: 0 } }),
    ok: [200, 409],
  },
  { operationId: "discardPolicyDraft", send: (org) => call(app, "DELETE", "/v1/admin/policies/draft", { key: org.adminKey.apiKey }), ok: [200] },
  { operationId: "publishPolicyDraft", send: (org) => call(app, "POST", "/v1/admin/policies/draft/publish", { key: org.adminKey.apiKey, body: { revision: 1 } }), ok: [200, 409] },
  { operationId: "testPolicies", send: (org) => call(app, "POST", "/v1/admin/policies/test", { key: org.adminKey.apiKey, body: { policies: ALLOW_ALL_PR } }), ok: [200] },
  { operationId: "applyPolicySet", send: (org) => call(app, "PUT", "/v1/admin/policies?dryRun=true", { key: org.adminKey.apiKey, body: { policies: ALLOW_ALL_PR } }), ok: [200] },
];

beforeAll(async () => {
  app = await startApp();
  heavy = await createTestOrg({ label: "turns-heavy", policies: ALLOW_ALL_PR });
  other = await createTestOrg({ label: "turns-other", policies: ALLOW_ALL_PR });
});

afterAll(async () => stopApp(app));

describe("routes that take the org's turn", () => {
  it("the table covers every route whose contract names the turn", () => {
    const named = routes.filter((route) => "orgTurn" in route && route.orgTurn === TURN).map((route) => route.operationId);
    expect(named.sort()).toEqual(ROWS.map((row) => row.operationId).sort());
  });

  it.each(ROWS)("$operationId: one org's parallel calls run one at a time, each answered; no 503", async (row) => {
    const share = orgTurns(TURN);
    let waited = 0;
    const sampler = setInterval(() => (waited = Math.max(waited, share.stats(heavy.org.id).waiting)), 0);
    const answers = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => row.send(heavy, i)));
    clearInterval(sampler);
    for (const [i, answer] of answers.entries()) expect(row.ok, `#${i}: ${answer.statusCode} ${answer.body.slice(0, 200)}`).toContain(answer.statusCode);
    expect(share.stats(heavy.org.id).peakRunning).toBe(1);
    expect(waited, "the org's further calls waited for its turn").toBeGreaterThan(0);
    expect(share.stats(heavy.org.id)).toMatchObject({ running: 0, waiting: 0 });
  });

  it.each(ROWS)("$operationId: another org's call does not wait while one org holds its turn", async (row) => {
    const held = await orgTurns(TURN).acquire(heavy.org.id, TURN);
    try {
      const waiting = row.send(heavy, 0);
      // The heavy org's call is queued behind its held turn before the other org's is sent (under load it may take a while to get there).
      await expect.poll(() => orgTurns(TURN).stats(heavy.org.id).waiting).toBe(1);
      const answer = await Promise.race([row.send(other, 0), new Promise<null>((resolve) => setTimeout(resolve, 5_000, null))]);
      expect(answer, "the other org's call answered while the heavy org's turn was held").not.toBeNull();
      expect(row.ok).toContain(answer?.statusCode);
      expect(orgTurns(TURN).stats(heavy.org.id).waiting).toBe(1);
      held();
      expect(row.ok).toContain((await waiting).statusCode);
    } finally {
      held();
    }
  });

  it("a caller that goes away while it waits gives its turn back; the org's next call runs", async () => {
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    const held = await orgTurns(TURN).acquire(heavy.org.id, TURN);
    const { port } = new URL(address);
    const gone = httpRequest({ host: "127.0.0.1", port, path: "/v1/admin/policies/draft", method: "GET", headers: { authorization: `Bearer ${heavy.adminKey.apiKey}` } });
    gone.on("error", () => {});
    gone.end();
    await expect.poll(() => orgTurns(TURN).stats(heavy.org.id).waiting).toBe(1);
    gone.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    held();
    await expect.poll(() => orgTurns(TURN).stats(heavy.org.id)).toMatchObject({ running: 0, waiting: 0 });
    expect((await call(app, "GET", "/v1/admin/policies/draft", { key: heavy.adminKey.apiKey })).statusCode).toBe(200);
  });

  it("a call refused before its turn (no key, a role without policies.write) never takes one", async () => {
    const viewer = await createTestOrg({ label: "turns-viewer", policies: ALLOW_ALL_PR });
    const noKey = await call(app, "GET", "/v1/admin/policies/draft");
    const agentKey = await call(app, "GET", "/v1/admin/policies/draft", { key: viewer.agent.apiKey });
    expect(noKey.statusCode).toBe(401);
    expect(agentKey.statusCode).toBe(403);
    expect(orgTurns(TURN).stats(viewer.org.id).peakRunning).toBe(0);
  });
});
