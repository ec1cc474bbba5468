import { createTestOrg } from "@gatehouse/db/testing";
import { describe, expect, it } from "vitest";
import { Gatehouse, GatehouseAdmin } from "../../../packages/sdk/src/index.ts";
import { ALLOW_ALL_PR, listeningApp } from "./helpers";

// Runs (docs/runs.md) as users run them: the SDK's run() against a listening API, with a gate an
// admin approves while the run waits, a delegate working in the run, and the run read back.
const server = listeningApp();

describe("gatehouse.run() against the API", () => {
  it("records every call of the run, its delegate's and its approval in order, and ends it completed", async () => {
    const org = await createTestOrg({ label: "runs-sdk", policies: ALLOW_ALL_PR });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    const admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    let runId = "";
    await agent.run("triage #4512", async (run) => {
      runId = run.runId;
      await run.gate("pr.open", { metadata: { pr: 4512 } });
      await run.gate("pr.merge", { metadata: { pr: 4512 }, onRequested: (r) => void admin.approvals.approve(r.approvalId ?? "", { reason: "ship it" }) });
      await run.withDelegation("reviewer", { capabilities: ["pr.*"], ttl: 60 }, (sub) => sub.gate("pr.comment", { metadata: { pr: 4512 } }));
    });
    const detail = await agent.getRun(runId);
    expect(detail.run).toMatchObject({ name: "triage #4512", status: "completed", decisions: { total: 3, executed: 2, requested: 1, denied: 0 } });
    expect(detail.timeline.map((i) => `${i.type}:${"actionType" in i ? i.actionType : ""}:${i.status}`)).toEqual([
      "decision:pr.open:executed",
      "decision:pr.merge:requested",
      "approval:pr.merge:approved",
      "decision:pr.comment:executed",
      "ended::completed",
    ]);
    const approval = detail.timeline.find((i) => i.type === "approval");
    expect(approval?.type === "approval" && approval.votes[0]).toMatchObject({ member: { email: org.owner.email }, decision: "approve", reason: "ship it" });
    // The admin reads the same run by its id, and finds it in the org's list.
    expect((await admin.runs.get(detail.run.id)).timeline).toHaveLength(5);
    expect((await admin.runs.list({ status: "completed" })).runs.map((r) => r.id)).toContain(detail.run.id);
  });

  it("ends the run failed when the work throws", async () => {
    const org = await createTestOrg({ label: "runs-sdk-failed", policies: ALLOW_ALL_PR });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    const boom = new Error("the tool crashed");
    let runId = "";
    await expect(
      agent.run("deploy", async (run) => {
        runId = run.runId;
        await run.gate("pr.open");
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await agent.getRun(runId)).run.status).toBe("failed");
    expect((await agent.runs({ status: "failed" })).runs.map((r) => r.runId)).toEqual([runId]);
  });
});
