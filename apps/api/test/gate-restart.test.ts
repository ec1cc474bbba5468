import { addTestMember, createTestOrg, testDatabaseUrl } from "@gatehouse/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { Gatehouse } from "../../../packages/sdk/src/index.ts";
import { stopApp } from "./helpers";
import { spawnApi, type ApiProcess } from "./spawn-api";

/** The SDK's gate() keeps waiting across an API restart, and returns when the decision is made. */
const processes: ApiProcess[] = [];
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await stopApp(undefined);
});

describe("gate() across an API restart", () => {
  it("a gate waiting on an instance that restarts re-attaches and resolves with the decision made meanwhile", async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
    const first = await spawnApi(env);
    processes.push(first);
    const port = Number(new URL(first.url).port);
    const org = await createTestOrg({ label: "restart", policies: [{ name: "review", actions: ["deploy.*"], effect: "require_approval" }] });
    const approver = await addTestMember(org, "approver");
    const gh = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: first.url });

    let approvalId = "";
    const gate = gh.gate("deploy.prod", { onRequested: (r) => void (approvalId = r.approvalId ?? "") });
    while (!approvalId) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200)); // the wait is parked on the first instance

    await first.stop(); // the instance goes away mid-wait
    const other = await spawnApi(env);
    processes.push(other);
    const decided = await fetch(`${other.url}/v1/admin/approvals/${approvalId}/decision`, {
      method: "POST",
      headers: { authorization: `Bearer ${approver.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve" }),
    }).then((r) => r.status);
    expect(decided).toBe(200);
    processes.push(await spawnApi(env, [], port)); // and comes back on the same address

    const result = await gate;
    expect(result).toMatchObject({ status: "executed", approvalId });
  }, 60_000);
});
