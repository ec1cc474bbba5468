import { closeWorkPool, db } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";
import { METADATA_BOMBS, SET_BOMBS, SOURCE_BOMBS } from "./parser-bombs";

// Every parser entry point × every bomb: a 400 naming the field (413 for what cannot fit the body
// cap), answered within a small bound, nothing written. On the code before the limits, the deep
// documents crashed this very process (the YAML reader's fatal out-of-memory), the 40,000 keys took
// seconds on the event loop and the pattern bombs were accepted.

/** A coarse safety net, not a benchmark (bench/PARSERS.md has the numbers): far below the seconds a bomb cost. */
const BOUND_MS = 3_000;

let app: FastifyInstance;
let org: TestOrg;

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "bombs", policies: ALLOW_ALL_PR });
});
afterAll(async () => {
  await closeWorkPool();
  await stopApp(app);
});

/** What a refused request could have changed: the org's policy versions, its draft, its actions and its log. */
async function writes(orgId: string): Promise<unknown> {
  const {
    rows: [row],
  } = await db().pool.query<{ state: unknown }>(
    `SELECT json_build_object(
       'versions', (SELECT md5(coalesce(string_agg(id, ',' ORDER BY id), '')) FROM policy_versions WHERE org_id = $1),
       'draft', (SELECT md5(coalesce(string_agg(source || revision, ','), '')) FROM policy_drafts WHERE org_id = $1),
       'actions', (SELECT count(*) FROM actions WHERE org_id = $1),
       'audit', (SELECT size FROM audit_log_heads WHERE org_id = $1)
     ) AS state`,
    [orgId],
  );
  return row?.state;
}

async function expectRefused(send: () => Promise<{ statusCode: number; body: string }>, status: number, field: string): Promise<void> {
  const before = await writes(org.org.id);
  expect(before).toMatchObject({ audit: expect.anything() });
  const started = performance.now();
  const response = await send();
  const elapsed = performance.now() - started;
  expect(response.statusCode, response.body.slice(0, 300)).toBe(status);
  const error = (JSON.parse(response.body) as { error: { code: string; message: string; details?: { issues?: Array<{ path: string; message: string }> } } }).error;
  if (status === 400) {
    expect(error.code).toBe("VALIDATION");
    expect(error.details?.issues?.[0]?.path.startsWith(field), JSON.stringify(error.details?.issues?.[0])).toBe(true);
  } else expect(error.code).toBe("PAYLOAD_TOO_LARGE");
  expect(elapsed).toBeLessThan(BOUND_MS);
  expect(await writes(org.org.id)).toEqual(before);
}

const admin = (method: "PUT" | "POST", url: string, rawBody: string) => () => call(app, method, url, { key: org.adminKey.apiKey, rawBody });

describe("policy sources", () => {
  it.each(SOURCE_BOMBS.map((bomb) => [bomb.name, bomb] as const))("PUT /v1/admin/policies/draft refuses %s, naming source", async (_name, bomb) => {
    await expectRefused(admin("PUT", "/v1/admin/policies/draft", JSON.stringify({ source: bomb.source, format: bomb.format, revision: 0 })), 400, "source");
  });

  it.each(SOURCE_BOMBS.map((bomb) => [bomb.name, bomb] as const))("publishing a stored draft holding %s is refused, naming source", async (_name, bomb) => {
    // A draft saved before the limits existed: written directly, as it would be in the table.
    await db().pool.query(`DELETE FROM policy_drafts WHERE org_id = $1`, [org.org.id]);
    await db().pool.query(`INSERT INTO policy_drafts (org_id, source, format, revision, updated_at) VALUES ($1, $2, $3, 1, now())`, [org.org.id, bomb.source, bomb.format]);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expectRefused(admin("POST", "/v1/admin/policies/draft/publish", JSON.stringify({ revision: 1 })), 400, "source");
    }
    await db().pool.query(`DELETE FROM policy_drafts WHERE org_id = $1`, [org.org.id]);
  });
});

describe("policy sets as JSON", () => {
  const routes = [
    ["PUT", "/v1/admin/policies"],
    ["PUT", "/v1/admin/policies?dryRun=true"],
    ["POST", "/v1/admin/policies/test"],
    ["POST", "/v1/admin/policies/simulate"],
  ] as const;
  it.each(routes.flatMap(([method, url]) => SET_BOMBS.map((bomb) => [method, url, bomb.name, bomb] as const)))("%s %s refuses %s", async (method, url, _name, bomb) => {
    await expectRefused(admin(method, url, bomb.text), 400, bomb.field);
  });
});

describe("decision metadata", () => {
  const routes = ["/v1/actions", "/v1/actions/check"];
  it.each(routes.flatMap((url) => METADATA_BOMBS.map((bomb) => [url, bomb.name, bomb] as const)))("POST %s refuses %s", async (url, _name, bomb) => {
    await expectRefused(() => call(app, "POST", url, { key: org.agent.apiKey, rawBody: bomb.body("pr.open") }), bomb.status, bomb.field);
  });
});

describe("what real policies use still passes", () => {
  it("a set with patterns at the limits applies", async () => {
    const patterns = Array.from({ length: 200 }, (_, i) => ({ field: "metadata.branch", op: "matches", value: `^feat/${"[a-z]".repeat(10)}-${i}$` }));
    const policies = [
      ...ALLOW_ALL_PR,
      { name: "branches", actions: ["repo.push"], effect: "deny", when: { any: patterns.slice(0, 100) } },
      { name: "branches-2", actions: ["repo.push"], effect: "deny", when: { any: patterns.slice(100) } },
    ];
    const response = await call(app, "PUT", "/v1/admin/policies?dryRun=true", { key: org.adminKey.apiKey, body: { policies } });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
  });
});
