import { createAgent, db, systemCtx, verifyAuditLog } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

// No input one caller sends may fail another caller's request: while agent A sends a flood of valid
// decisions (they share group commits), agent B of the same org sends, at the same time, the worst
// inputs it can through every part of the request. Every one of A's calls gets its decision; every
// one of B's gets a 4xx; the log holds exactly A's decisions and verifies.

let app: FastifyInstance;
let org: TestOrg;
let hostileKey = "";

const NUL = "\\u0000";
const LONE = "\\ud800";
const deep = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

/** B's requests: raw JSON bodies, URLs and headers that have each made a server answer 500 somewhere. */
const HOSTILE: Array<{ name: string; method: "POST" | "GET"; url: string; rawBody?: string; headers?: Record<string, string> }> = [
  { name: "NUL in a metadata value", method: "POST", url: "/v1/actions", rawBody: `{"actionType":"pr.open","metadata":{"title":"a${NUL}b"}}` },
  { name: "NUL in a metadata key", method: "POST", url: "/v1/actions", rawBody: `{"actionType":"pr.open","metadata":{"a${NUL}":1}}` },
  { name: "lone surrogate in a nested value", method: "POST", url: "/v1/actions", rawBody: `{"actionType":"pr.open","metadata":{"a":{"b":["${LONE}"]}}}` },
  { name: "lone surrogate in a key", method: "POST", url: "/v1/actions", rawBody: `{"actionType":"pr.open","metadata":{"${LONE}":true}}` },
  { name: "NUL in dataAccessed", method: "POST", url: "/v1/actions", rawBody: `{"actionType":"pr.open","dataAccessed":[{"type":"pii${NUL}"}]}` },
  { name: "NUL in the eventId", method: "POST", url: "/v1/actions", rawBody: `{"actionType":"pr.open","eventId":"e${NUL}"}` },
  { name: "lone surrogate in the action type", method: "POST", url: "/v1/actions", rawBody: `{"actionType":"pr.${LONE}"}` },
  { name: "metadata nested 10,000 deep", method: "POST", url: "/v1/actions", rawBody: `{"actionType":"pr.open","metadata":{"x":${deep(10_000)}}}` },
  { name: "a body nested 20,000 deep", method: "POST", url: "/v1/actions", rawBody: deep(20_000) },
  { name: "metadata with 20,000 values", method: "POST", url: "/v1/actions", rawBody: `{"actionType":"pr.open","metadata":{"x":[${Array(20_000).fill("1").join(",")}]}}` },
  { name: "a body over 64 KB", method: "POST", url: "/v1/actions", rawBody: `{"actionType":"pr.open","metadata":{"x":"${"y".repeat(70_000)}"}}` },
  { name: "not JSON", method: "POST", url: "/v1/actions", rawBody: `{"actionType":` },
  { name: "a number PostgreSQL's jsonb would round", method: "POST", url: "/v1/actions/check", rawBody: `{"actionType":"pr.open","metadata":{"n":1e400}}` },
  { name: "NUL in an outcome message", method: "POST", url: "/v1/actions/aud_AbCdEfGhIjKlMnOpQrStUv/outcome", rawBody: `{"status":"success","message":"x${NUL}"}` },
  { name: "a repeated query parameter", method: "GET", url: "/v1/audit?limit=1&limit=2" },
  { name: "NUL in a query filter", method: "GET", url: "/v1/audit?type=a%00b" },
  { name: "NUL in a path id", method: "GET", url: "/v1/approvals/apr_%00" },
  { name: "a wrong-kind path id", method: "GET", url: "/v1/approvals/agt_AbCdEfGhIjKlMnOpQrStUv" },
];

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "abuse-isolation", policies: ALLOW_ALL_PR });
  hostileKey = (await createAgent({ ctx: systemCtx(org.org, "test"), input: { name: "hostile" } })).apiKey;
}, 60_000);

afterAll(async () => stopApp(app));

describe("one agent's bad input never fails another agent's decision", () => {
  it("300 valid decisions from A all succeed while B sends every hostile input, concurrently, three times over", async () => {
    const sizeBefore = Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);
    const valid = Array.from({ length: 300 }, (_, i) =>
      call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open", metadata: { i, title: `PR ${i} ✓ مرحبا` } } }),
    );
    const hostile = [0, 1, 2].flatMap(() =>
      HOSTILE.map((h) =>
        call(app, h.method, h.url, { key: hostileKey, ...(h.rawBody === undefined ? {} : { rawBody: h.rawBody }), ...(h.headers ? { headers: h.headers } : {}) }).then((r) => ({
          ...h,
          r,
        })),
      ),
    );
    const [goods, bads] = await Promise.all([Promise.all(valid), Promise.all(hostile)]);

    for (const [i, r] of goods.entries()) {
      expect(r.statusCode, `valid call ${i}: ${r.body.slice(0, 200)}`).toBe(200);
      expect(r.json<{ status: string }>().status).toBe("executed");
    }
    for (const { name, r } of bads) {
      expect(r.statusCode >= 400 && r.statusCode < 500, `${name}: ${r.statusCode} ${r.body.slice(0, 200)}`).toBe(true);
      expect(r.json<{ error: { code: string } }>().error.code, name).not.toBe("INTERNAL");
    }

    const sizeAfter = Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);
    expect(sizeAfter - sizeBefore).toBe(300);
    const hostileActions = await db().action.count({ where: { orgId: org.org.id, agent: { name: "hostile" } } });
    expect(hostileActions).toBe(0);
    const verification = await verifyAuditLog({ ctx: systemCtx(org.org, "test") });
    expect(verification.valid).toBe(true);
  }, 60_000);
});
