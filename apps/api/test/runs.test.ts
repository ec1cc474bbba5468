import { db, listRuns } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { RUN_IDLE_SECONDS } from "@gatehouse/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp, writesOf } from "./helpers";

// Runs (docs/runs.md): an agent's calls grouped by the runId it chose, created by the first call that
// names it, read by the org's members and by the agent, ended by the agent; and what an attacker tries.
let app: FastifyInstance;
let org: TestOrg;
let other: TestOrg;
/** A second agent of the same org, with its own key. */
let sibling: { id: string; apiKey: string };

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "runs", policies: ALLOW_ALL_PR });
  other = await createTestOrg({ label: "runs-other", policies: ALLOW_ALL_PR });
  const created = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "runs-sibling" } });
  expect(created.statusCode, created.body).toBe(201);
  sibling = created.json();
});
afterAll(async () => {
  await stopApp(app);
});

const execute = (body: Record<string, unknown>, key = org.agent.apiKey) => call(app, "POST", "/v1/actions", { key, body });
const get = (path: string, key = org.adminKey.apiKey) => call(app, "GET", path, { key });
const end = (id: string, body: unknown, key = org.agent.apiKey) => call(app, "POST", `/v1/runs/${id}/end`, { key, body });

interface RunAnswer {
  id: string;
  runId: string;
  name: string | null;
  status: string;
  agentId: string;
  decisions: { total: number; executed: number; denied: number; requested: number };
  pendingApprovals: number;
  endedAt: string | null;
}
interface Detail {
  run: RunAnswer;
  timeline: Array<{ type: string; actionType?: string; status: string; agentId?: string; votes?: Array<{ member: { email: string }; decision: string; reason: string | null }> }>;
  truncated: boolean;
}

describe("a run", () => {
  it("starts with the first call naming its runId, gathers the later ones, and reads as a timeline in order", async () => {
    const first = await execute({ actionType: "pr.open", metadata: { pr: 1 }, runId: "triage-4512", runName: "triage #4512" });
    expect(first.statusCode, first.body).toBe(200);
    const run = first.json().run as { id: string; runId: string };
    expect(run).toEqual({ id: expect.stringMatching(/^run_[0-9a-zA-Z]{22}$/), runId: "triage-4512" });
    const second = (await execute({ actionType: "pr.comment", runId: "triage-4512", runName: "a later name" })).json();
    expect(second.run).toEqual(run);
    const denied = (await execute({ actionType: "repo.delete", runId: "triage-4512" })).json();
    expect(denied.status).toBe("denied");
    const outcome = await call(app, "POST", `/v1/actions/${first.json().auditEventId}/outcome`, { key: org.agent.apiKey, body: { status: "success", runId: "triage-4512" } });
    expect(outcome.statusCode, outcome.body).toBe(200);

    const detail = (await get(`/v1/runs/${run.id}`)).json() as Detail;
    expect(detail.run).toMatchObject({ id: run.id, runId: "triage-4512", name: "triage #4512", status: "running", agentId: org.agent.id, endedAt: null });
    expect(detail.run.decisions).toEqual({ total: 3, executed: 2, denied: 1, requested: 0 });
    expect(detail.timeline.map((i) => `${i.type}:${i.actionType ?? ""}:${i.status}`)).toEqual([
      "decision:pr.open:executed",
      "decision:pr.comment:executed",
      "decision:repo.delete:denied",
      "outcome:pr.open:success",
    ]);
    expect(detail.truncated).toBe(false);
    // The agent names it by its own runId; the decision's audit entry names the run.
    expect((await get("/v1/runs/triage-4512", org.agent.apiKey)).json().run.id).toBe(run.id);
    const entry = await db().auditEntry.findUniqueOrThrow({ where: { id: first.json().auditEventId }, select: { canonical: true } });
    expect(JSON.parse(entry.canonical).data.run).toEqual(run);
  });

  it("shows an approval with who decided it and why, and reads as waiting while it is pending", async () => {
    const asked = (await execute({ actionType: "pr.merge", metadata: { pr: 7 }, runId: "merge-7" })).json();
    expect(asked.status).toBe("requested");
    const waiting = (await get(`/v1/runs/${asked.run.id}`)).json() as Detail;
    expect(waiting.run.status).toBe("waiting");
    expect(waiting.run.pendingApprovals).toBe(1);
    expect((await get("/v1/runs?status=waiting")).json().runs.map((r: RunAnswer) => r.id)).toContain(asked.run.id);
    const decided = await call(app, "POST", `/v1/admin/approvals/${asked.approvalId}/decision`, { key: org.adminKey.apiKey, body: { decision: "approve", reason: "looks right" } });
    expect(decided.statusCode, decided.body).toBe(200);
    const detail = (await get(`/v1/runs/${asked.run.id}`)).json() as Detail;
    expect(detail.run.status).toBe("running");
    const approval = detail.timeline.find((i) => i.type === "approval");
    expect(approval).toMatchObject({ status: "approved", votes: [{ member: { email: org.owner.email }, decision: "approve", reason: "looks right" }] });
    expect(detail.timeline.map((i) => i.type)).toEqual(["decision", "approval"]);
  });

  it("is ended by its agent (recorded in the log), and picked up again by a later call", async () => {
    const { run } = (await execute({ actionType: "pr.open", runId: "ending" })).json();
    const ended = await end("ending", { status: "failed" });
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json()).toMatchObject({ id: run.id, status: "failed", endedAt: expect.any(String) });
    expect((await end(run.id, { status: "failed" })).json().status).toBe("failed");
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "run.ended", subjectId: run.id } });
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]?.canonical ?? "{}").data).toEqual({ runId: run.id, runKey: "ending", agentName: "test-agent", status: "failed" });
    const detail = (await get(`/v1/runs/${run.id}`)).json() as Detail;
    expect(detail.timeline.at(-1)).toMatchObject({ type: "ended", status: "failed" });
    await execute({ actionType: "pr.open", runId: "ending" });
    expect((await get(`/v1/runs/${run.id}`)).json().run).toMatchObject({ status: "running", endedAt: null });
    // An empty body ends it as completed.
    expect((await call(app, "POST", `/v1/runs/${run.id}/end`, { key: org.agent.apiKey })).json().status).toBe("completed");
  });

  it("reads as idle after the idle timeout with nothing pending (an injected clock)", async () => {
    const { run } = (await execute({ actionType: "pr.open", runId: "idling" })).json();
    const later = Date.now() + RUN_IDLE_SECONDS * 1000 + 1_000;
    const listed = await listRuns({ ctx: org.ctx, input: { status: "idle" }, now: later });
    expect(listed.runs.find((r) => r.id === run.id)?.status).toBe("idle");
    const now = await listRuns({ ctx: org.ctx, input: { status: "idle" } });
    expect(now.runs.map((r) => r.id)).not.toContain(run.id);
  });

  it("gathers a delegate's calls naming its root's runId: the root reads them all, the delegate its own", async () => {
    const root = (await execute({ actionType: "pr.open", runId: "with-sub" })).json();
    const delegated = await call(app, "POST", "/v1/delegations", { key: org.agent.apiKey, body: { name: "runs-sub", capabilities: ["pr.*"], ttlSeconds: 600 } });
    const sub = delegated.json() as { apiKey: string; delegation: { childAgentId: string } };
    const child = (await execute({ actionType: "pr.comment", runId: "with-sub" }, sub.apiKey)).json();
    expect(child.run).toEqual(root.run);
    const asRoot = (await get("/v1/runs/with-sub", org.agent.apiKey)).json() as Detail;
    expect(asRoot.timeline.map((i) => i.agentId)).toEqual([org.agent.id, sub.delegation.childAgentId]);
    const asSub = (await get("/v1/runs/with-sub", sub.apiKey)).json() as Detail;
    expect(asSub.timeline.map((i) => i.agentId)).toEqual([sub.delegation.childAgentId]);
    // The delegate did not start it and is not its root: it may not end it.
    expect((await end(root.run.id, { status: "cancelled" }, sub.apiKey)).statusCode).toBe(404);
  });

  it("is created once by concurrent first calls, with every decision counted", async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => execute({ actionType: "pr.comment", metadata: { i }, runId: "burst" })));
    const ids = new Set(answers.map((a) => a.json().run.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect((await get(`/v1/runs/${id}`)).json().run.decisions.total).toBe(20);
    expect(await db().run.count({ where: { orgId: org.org.id, key: "burst" } })).toBe(1);
  });

  it("is not created by canI, which records nothing", async () => {
    const before = await writesOf(org.org.id);
    const checked = await call(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body: { actionType: "pr.open", runId: "only-asked" } });
    expect(checked.statusCode, checked.body).toBe(200);
    expect(await writesOf(org.org.id)).toEqual(before);
    expect(await db().run.count({ where: { orgId: org.org.id, key: "only-asked" } })).toBe(0);
  });

  it("keeps a secret out of its name (the org's content rules redact it)", async () => {
    const token = `ghp_${"a1B2c3D4e5".repeat(3)}abcdef`;
    const answer = (await execute({ actionType: "pr.open", runId: "named-secret", runName: `deploy with ${token}` })).json();
    expect(answer.findings?.map((f: { path: string }) => f.path)).toContain("runName");
    const stored = await db().run.findUniqueOrThrow({ where: { id: answer.run.id } });
    expect(stored.name).not.toContain(token);
  });
});

describe("what an attacker tries", () => {
  it("another org's run is a 404 to read and to end, and the same runId there is another run", async () => {
    const mine = (await execute({ actionType: "pr.open", runId: "shared-name" })).json();
    const theirs = (await execute({ actionType: "pr.open", runId: "shared-name" }, other.agent.apiKey)).json();
    expect(theirs.run.id).not.toBe(mine.run.id);
    expect((await get(`/v1/runs/${mine.run.id}`, other.adminKey.apiKey)).statusCode).toBe(404);
    expect((await get(`/v1/runs/${mine.run.id}`, other.agent.apiKey)).statusCode).toBe(404);
    expect((await end(mine.run.id, { status: "cancelled" }, other.agent.apiKey)).statusCode).toBe(404);
    expect((await get("/v1/runs?limit=100", other.adminKey.apiKey)).json().runs.map((r: RunAnswer) => r.id)).not.toContain(mine.run.id);
    expect((await get("/v1/runs/shared-name", other.agent.apiKey)).json().run.id).toBe(theirs.run.id);
  });

  it("another agent of the org neither reads, lists nor ends the run, nor joins it by naming its runId", async () => {
    const mine = (await execute({ actionType: "pr.open", runId: "private-run" })).json();
    expect((await get(`/v1/runs/${mine.run.id}`, sibling.apiKey)).statusCode).toBe(404);
    expect((await end(mine.run.id, { status: "cancelled" }, sibling.apiKey)).statusCode).toBe(404);
    expect((await get("/v1/runs", sibling.apiKey)).json().runs.map((r: RunAnswer) => r.id)).not.toContain(mine.run.id);
    const theirs = (await execute({ actionType: "pr.open", runId: "private-run" }, sibling.apiKey)).json();
    expect(theirs.run.id).not.toBe(mine.run.id);
    expect((await get(`/v1/runs/${mine.run.id}`)).json().run.decisions.total).toBe(1);
  });

  it("an admin key cannot end a run, and must name a run by its id", async () => {
    const mine = (await execute({ actionType: "pr.open", runId: "admin-probe" })).json();
    expect((await end(mine.run.id, { status: "cancelled" }, org.adminKey.apiKey)).statusCode).toBe(403);
    const byKey = await get("/v1/runs/admin-probe");
    expect(byKey.statusCode).toBe(400);
    expect(byKey.json().error.details.issues[0].path).toBe("id");
  });

  const hostileRuns: Array<[string, Record<string, unknown>, string]> = [
    ["the server's id prefix", { runId: "run_abcdefghijklmnopqrstuv" }, "runId"],
    ["too long", { runId: "r".repeat(201) }, "runId"],
    ["empty", { runId: "" }, "runId"],
    ["a space", { runId: "a b" }, "runId"],
    ["a NUL", { runId: "a\u0000b" }, "runId"],
    ["a slash (a path)", { runId: "../admin" }, "runId"],
    ["a number", { runId: 42 }, "runId"],
    ["an object", { runId: { $gt: "" } }, "runId"],
    ["an array", { runId: ["a", "b"] }, "runId"],
    ["a name too long", { runId: "ok", runName: "n".repeat(201) }, "runName"],
    ["an empty name", { runId: "ok", runName: "  " }, "runName"],
    ["a name with a NUL", { runId: "ok", runName: "a\u0000b" }, "runName"],
    ["an unpaired surrogate in the name", { runId: "ok", runName: "a\ud800b" }, "runName"],
    ["a name that is an object", { runId: "ok", runName: { toString: "x" } }, "runName"],
  ];
  it.each(hostileRuns)("a runId or runName that is %s is a 400 naming the field, and nothing is written", async (_label, fields, field) => {
    const before = await writesOf(org.org.id);
    const runs = await db().run.count({ where: { orgId: org.org.id } });
    for (const path of ["/v1/actions", "/v1/actions/check"]) {
      const answer = await call(app, "POST", path, { key: org.agent.apiKey, body: { actionType: "pr.open", ...fields } });
      expect(answer.statusCode, answer.body).toBe(400);
      expect(answer.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    expect(await writesOf(org.org.id)).toEqual(before);
    expect(await db().run.count({ where: { orgId: org.org.id } })).toBe(runs);
  });

  const hostilePaths = ["%00", "a%20b", "run_short", "r".repeat(201), "run_abcdefghijklmnopqrstuv%00"];
  it.each(hostilePaths)("a run path of %j is a 400 naming the id", async (id) => {
    for (const answer of [await get(`/v1/runs/${id}`, org.agent.apiKey), await end(id, { status: "completed" })]) {
      expect(answer.statusCode, answer.body).toBe(400);
      expect(answer.json().error.details.issues[0].path).toBe("id");
    }
  });

  it("a well-formed run id that names nothing is a 404, as is a runId never used", async () => {
    expect((await get("/v1/runs/run_abcdefghijklmnopqrstuv")).statusCode).toBe(404);
    expect((await get("/v1/runs/never-used", org.agent.apiKey)).statusCode).toBe(404);
    expect((await end("never-used", {})).statusCode).toBe(404);
  });

  const hostileEnds: Array<[string, unknown]> = [
    ["an unknown status", { status: "succeeded" }],
    ["a running status", { status: "running" }],
    ["an extra field", { status: "completed", endedAt: "2020-01-01T00:00:00Z" }],
    ["a status that is a number", { status: 1 }],
  ];
  it.each(hostileEnds)("ending with %s is a 400 and changes nothing", async (_label, body) => {
    const { run } = (await execute({ actionType: "pr.open", runId: "end-probe" })).json();
    const before = await writesOf(org.org.id);
    const answer = await end(run.id, body);
    expect(answer.statusCode, answer.body).toBe(400);
    expect(await writesOf(org.org.id)).toEqual(before);
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).status).toBe("running");
  });

  it("a report naming another run is a 400 naming runId, and records no outcome", async () => {
    const done = (await execute({ actionType: "pr.open", runId: "report-a" })).json();
    await execute({ actionType: "pr.open", runId: "report-b" });
    const wrong = await call(app, "POST", `/v1/actions/${done.auditEventId}/outcome`, { key: org.agent.apiKey, body: { status: "success", runId: "report-b" } });
    expect(wrong.statusCode, wrong.body).toBe(400);
    expect(wrong.json().error.details.issues[0].path).toBe("runId");
    const noRun = (await execute({ actionType: "pr.open" })).json();
    const named = await call(app, "POST", `/v1/actions/${noRun.auditEventId}/outcome`, { key: org.agent.apiKey, body: { status: "success", runId: "report-a" } });
    expect(named.statusCode).toBe(400);
    expect((await db().action.findFirstOrThrow({ where: { auditEntryId: done.auditEventId } })).outcomeStatus).toBeNull();
  });

  it("a page cursor that is not one is a 400 naming it", async () => {
    for (const cursor of ["abc", "1.run_x", `${"9".repeat(16)}.run_abcdefghijklmnopqrstuv`, "1.run_abcdefghijklmnopqrstuv'--"]) {
      const answer = await get(`/v1/runs?cursor=${encodeURIComponent(cursor)}`);
      expect(answer.statusCode, answer.body).toBe(400);
      expect(answer.json().error.details.issues[0].path).toBe("cursor");
    }
  });

  it("pages through runs without repeating or losing one", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await get(`/v1/runs?limit=3${cursor ? `&cursor=${cursor}` : ""}`)).json() as { runs: RunAnswer[]; nextCursor: string | null };
      seen.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(await db().run.count({ where: { orgId: org.org.id } }));
  });
});
