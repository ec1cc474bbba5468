import { db, disconnectDb } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { SOURCE_BOMBS } from "../apps/api/test/parser-bombs";
import { expect, openSignedIn, test } from "./fixtures";

// The console's policy routes (draft save, test, replay) × every source bomb, and request bodies
// nested past the limit: a 400 naming the field, answered within a small bound, nothing written. The
// source is counted before any reader sees it and parsed on the work pool, never on the console's
// event loop (apps/api/test/parser-bombs.test.ts has the API's table; bench/PARSERS.md the numbers).

/** A coarse safety net, not a benchmark. */
const BOUND_MS = 3_000;

let org: TestOrg;

test.beforeAll(async () => {
  org = await createTestOrg({ label: "console-bombs", policies: [{ name: "allow-pr", actions: ["pr.*"], effect: "allow" }] });
});

test.afterAll(async () => {
  await disconnectDb();
});

const draftRows = async () => (await db().pool.query(`SELECT count(*)::int AS n FROM policy_drafts WHERE org_id = $1`, [org.org.id])).rows[0] as { n: number };

test("the console's draft, test and replay routes refuse every bomb, naming the field", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await openSignedIn(page, `/o/${org.org.slug}/policies`, org.owner);
  await expect(page).toHaveURL(`/o/${org.org.slug}/policies`);
  const base = `/api/orgs/${org.org.slug}/policies`;
  const send = async (method: "PUT" | "POST", path: string, data: string) => {
    const started = Date.now();
    const response = await page.request.fetch(`${base}${path}`, { method, data, headers: { "content-type": "application/json", origin: baseURL ?? "" } });
    const elapsed = Date.now() - started;
    const body = (await response.json()) as { error?: { code: string; details?: { issues?: Array<{ path: string }> } } };
    return { status: response.status(), code: body.error?.code, path: body.error?.details?.issues?.[0]?.path, elapsed };
  };
  for (const bomb of SOURCE_BOMBS) {
    for (const [method, path, extra] of [
      ["PUT", "/draft", { revision: 0 }],
      ["POST", "/test", {}],
      ["POST", "/simulate", { days: 7 }],
    ] as const) {
      const answer = await send(method, path, JSON.stringify({ source: bomb.source, format: bomb.format, ...extra }));
      const { status, code, path: field, elapsed } = answer;
      expect({ bomb: bomb.name, route: path, status, code, field, quick: elapsed < BOUND_MS }).toEqual({
        bomb: bomb.name,
        route: path,
        status: 400,
        code: "VALIDATION",
        field: "source",
        quick: true,
      });
    }
  }
  // A body nested past the request limit is refused before JSON.parse, naming where.
  const deep = await send("POST", "/test", `{"source": ${"[".repeat(100_000)}${"]".repeat(100_000)}, "format": "yaml"}`);
  expect({ status: deep.status, at: deep.path?.startsWith("source") }).toEqual({ status: 400, at: true });
  expect(await draftRows()).toEqual({ n: 0 });
});
