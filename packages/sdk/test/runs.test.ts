import { describe, expect, it } from "vitest";
import { RunClient } from "../src/client.ts";
import { apiError, client, executed, json, rejection } from "./helpers.ts";

const RUN = { id: "run_0123456789abcdefABCDEF", runId: "triage-4512" };
const inRun = { ...executed, run: RUN };
const runAnswer = { ...RUN, name: "triage #4512", status: "completed" };
const created = {
  delegation: {
    id: "dlg_0123456789abcdefABCDEF",
    childAgentId: "agt_child",
    parentAgentId: "agt_parent",
    rootAgentId: "agt_parent",
    capabilities: ["pr.*"],
    depth: 1,
    expiresAt: "2030-01-01T00:00:00Z",
    revokedAt: null,
    createdAt: "2029-12-31T00:00:00Z",
  },
  apiKey: "gh_agent_child0123456789",
};

describe("run()", () => {
  it("sends the run's id and name on every call of the run, and ends it completed when the callback resolves", async () => {
    const { gatehouse, calls } = client([json(200, inRun), json(200, { ...executed, allowed: true, needsApproval: false, dryRun: true }), json(200, inRun), json(200, runAnswer)]);
    const value = await gatehouse.run(
      "triage #4512",
      async (run) => {
        expect(run).toBeInstanceOf(RunClient);
        await run.execute("issue.label");
        await run.canI("pr.open");
        await run.gate("pr.open");
        return 42;
      },
      { runId: "triage-4512" },
    );
    expect(value).toBe(42);
    expect(calls.map((c) => [c.init.method, new URL(c.url).pathname])).toEqual([
      ["POST", "/v1/actions"],
      ["POST", "/v1/actions/check"],
      ["POST", "/v1/actions"],
      ["POST", "/v1/runs/triage-4512/end"],
    ]);
    expect(calls[0]?.body).toMatchObject({ actionType: "issue.label", runId: "triage-4512", runName: "triage #4512" });
    expect(calls[1]?.body).toMatchObject({ actionType: "pr.open", runId: "triage-4512" });
    expect(calls[2]?.body).toMatchObject({ runId: "triage-4512" });
    expect(calls[3]?.body).toEqual({ status: "completed" });
  });

  it("ends the run failed when the callback throws, and rethrows the callback's error", async () => {
    const { gatehouse, calls } = client([json(200, inRun), json(200, { ...runAnswer, status: "failed" })]);
    const boom = new Error("tool crashed");
    const thrown = await rejection(
      gatehouse.run(
        "triage",
        async (run) => {
          await run.execute("tool.run");
          throw boom;
        },
        { runId: "triage-4512" },
      ),
    );
    expect(thrown).toBe(boom);
    expect(calls[1]?.body).toEqual({ status: "failed" });
  });

  it("makes a runId from the name when none is given: its letters and digits, then a random part", async () => {
    const { gatehouse, calls } = client([json(200, inRun), json(200, runAnswer)]);
    await gatehouse.run("Triage #4512: label & route", async (run) => {
      expect(run.runId).toMatch(/^triage-4512-label-route-[0-9a-f]{12}$/);
      expect(run.name).toBe("Triage #4512: label & route");
      await run.execute("issue.label");
    });
    const runId = (calls[0]?.body as { runId: string }).runId;
    expect(runId).toMatch(/^triage-4512-label-route-[0-9a-f]{12}$/);
    expect(calls[1]?.url).toBe(`http://localhost:4000/v1/runs/${runId}/end`);
  });

  it("a run in which no call was made does not exist: the 404 of its end is no failure", async () => {
    const heard: unknown[] = [];
    const { gatehouse, calls } = client([apiError(404, "NOT_FOUND")]);
    expect(await gatehouse.run("nothing", () => "done", { onEndError: (error) => heard.push(error) })).toBe("done");
    expect(calls).toHaveLength(1);
    expect(heard).toEqual([]);
  });

  it("does not fail the work when ending the run fails; onEndError hears it", async () => {
    const heard: unknown[] = [];
    const { gatehouse } = client([json(200, inRun), apiError(403, "FORBIDDEN")]);
    const value = await gatehouse.run(
      "triage",
      async (run) => {
        await run.execute("issue.label");
        return "ok";
      },
      { runId: "triage-4512", onEndError: (error) => heard.push(error) },
    );
    expect(value).toBe("ok");
    expect(heard).toHaveLength(1);
  });

  it("a call naming another run goes to that run, with its own name", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.withRun("triage-4512", { name: "triage" }).execute("pr.open", { runId: "other", runName: "other run" });
    expect(calls[0]?.body).toMatchObject({ runId: "other", runName: "other run" });
  });

  it("a delegate made in a run works in the run", async () => {
    const { gatehouse, calls } = client([json(201, created), json(200, inRun)]);
    const run = gatehouse.withRun("triage-4512");
    const sub = await run.delegate("reader", { capabilities: ["pr.*"], ttl: 60 });
    await sub.execute("pr.read");
    expect(calls[1]?.headers.get("authorization")).toBe(`Bearer ${created.apiKey}`);
    expect(calls[1]?.body).toMatchObject({ runId: "triage-4512" });
  });

  it("a client without a run sends no runId; report sends one only when asked", async () => {
    const { gatehouse, calls } = client([
      json(200, executed),
      json(200, { auditEventId: "aud_1", status: "success", message: null, reportedAt: "2030-01-01T00:00:00Z" }),
      json(200, {}),
    ]);
    await gatehouse.execute("pr.open");
    await gatehouse.report("aud_1", { status: "success" });
    await gatehouse.report("aud_1", { status: "success", runId: "triage-4512" });
    expect(calls[0]?.body).not.toHaveProperty("runId");
    expect(calls[1]?.body).toEqual({ status: "success" });
    expect(calls[2]?.body).toEqual({ status: "success", runId: "triage-4512" });
  });
});

describe("runs(), getRun(), endRun()", () => {
  it("list with filters, read by id or runId (escaped), and end", async () => {
    const { gatehouse, calls } = client([
      json(200, { runs: [], nextCursor: null }),
      json(200, { run: runAnswer, timeline: [], truncated: false }),
      json(200, runAnswer),
      json(200, runAnswer),
    ]);
    await gatehouse.runs({ status: "waiting", limit: 10, cursor: "1.run_x" });
    await gatehouse.getRun("a:b");
    await gatehouse.endRun(RUN.id, "cancelled");
    await gatehouse.withRun("triage-4512").end();
    expect(calls.map((c) => `${c.init.method} ${c.url.replace("http://localhost:4000", "")}`)).toEqual([
      "GET /v1/runs?status=waiting&limit=10&cursor=1.run_x",
      "GET /v1/runs/a%3Ab",
      `POST /v1/runs/${RUN.id}/end`,
      "POST /v1/runs/triage-4512/end",
    ]);
    expect(calls[2]?.body).toEqual({ status: "cancelled" });
    expect(calls[3]?.body).toEqual({ status: "completed" });
  });
});
