import { addTestMember, createTestOrg, testDatabaseUrl } from "@gatehouse/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { DeniedError, Gatehouse } from "../../../../packages/sdk/src/index.ts";
import { stopApp } from "../helpers";
import { spawnApi, type ApiProcess } from "../spawn-api";
import { sleep, stopApi } from "./services";

/**
 * Fault (d): 200 gates parked on one API process when it is killed (SIGKILL, no graceful answer to
 * the waits) and started again on the same address. Half the approvals are decided (through another
 * instance) while it is down, half after it is back; every gate ends as its approval was decided:
 * approved ones return `executed`, denied ones throw DeniedError (DENIED_BY_REVIEWER). The gates share
 * their client's long-polls (docs/adr/0018), so they re-attach within a second of the process answering
 * again: all settle well within a generous 10 s of it (before ADR 0018: p50 15 s, up to 30 s; the
 * latency itself is measured in bench/GATES.md).
 * (apps/api/test/gate-restart.test.ts covers one gate across a graceful restart.)
 */
const GATES = 200;
const processes: ApiProcess[] = [];
afterAll(async () => {
  await Promise.all(processes.map(stopApi));
  await stopApp(undefined);
});

describe("200 gates across a killed API process", () => {
  it("all resolve as decided once the approver decides, whether during the outage or after", async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
    const [first, other] = await Promise.all([spawnApi(env), spawnApi(env)]);
    processes.push(first, other);
    const port = Number(new URL(first.url).port);
    const org = await createTestOrg({ label: "gates200", policies: [{ name: "review", actions: ["deploy.*"], effect: "require_approval" }] });
    const approver = await addTestMember(org, "approver");
    const gh = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: first.url });

    const approvals: string[] = [];
    const gates = Array.from({ length: GATES }, (_, i) =>
      gh.gate("deploy.prod", { metadata: { i }, onRequested: (r) => void approvals.push(r.approvalId ?? "") }).then(
        (result) => ({ approvalId: result.approvalId, outcome: result.status, at: Date.now() }),
        (error: unknown) =>
          error instanceof DeniedError
            ? { approvalId: error.approvalId, outcome: error.reason, at: Date.now() }
            : { approvalId: undefined, outcome: `error: ${String(error)}`, at: Date.now() },
      ),
    );
    const deadline = Date.now() + 60_000;
    while (approvals.length < GATES && Date.now() < deadline) await sleep(20);
    expect(approvals).toHaveLength(GATES);
    await sleep(500); // the waits are parked on the first instance

    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    const decide = (approvalId: string, decision: "approve" | "deny") =>
      fetch(`${other.url}/v1/admin/approvals/${approvalId}/decision`, {
        method: "POST",
        headers: { authorization: `Bearer ${approver.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ decision }),
      }).then((r) => r.status);
    // Approve the even ones, deny the odd ones; the first half while the instance is down.
    const expected = new Map(approvals.map((id, i) => [id, i % 2 === 0 ? "executed" : "DENIED_BY_REVIEWER"]));
    const decideSlice = async (ids: string[]) => {
      for (let i = 0; i < ids.length; i += 10) {
        const statuses = await Promise.all(ids.slice(i, i + 10).map((id) => decide(id, expected.get(id) === "executed" ? "approve" : "deny")));
        expect(statuses.every((s) => s === 200)).toBe(true);
      }
    };
    await decideSlice(approvals.slice(0, GATES / 2));
    processes.push(await spawnApi(env, [], port)); // back on the same address, answering /healthz
    const healthyAt = Date.now();
    await decideSlice(approvals.slice(GATES / 2));

    const results: Array<{ approvalId: string | undefined; outcome: string; at: number }> = await Promise.all(gates);
    const resolvedMs = Math.max(...results.map((r) => r.at)) - healthyAt;
    const wrong = results.filter((r) => r.approvalId === undefined || expected.get(r.approvalId) !== r.outcome);
    const tally = results.reduce<Record<string, number>>((t, r) => ({ ...t, [r.outcome]: (t[r.outcome] ?? 0) + 1 }), {});
    console.log(`[faults/gates-restart] ${results.length} gates: ${JSON.stringify(tally)}; all settled ${resolvedMs} ms after the process was healthy`);
    expect(wrong).toEqual([]);
    expect(new Set(results.map((r) => r.approvalId)).size).toBe(GATES);
    expect(resolvedMs).toBeLessThan(10_000);
  }, 120_000);
});
