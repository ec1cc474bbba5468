import { authenticateApiKey, closeSignals, db, decideAction, disconnectDb } from "@gatehouse/db";
import { createTestOrg, testDatabaseUrl } from "@gatehouse/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { printed, spawnWorker as spawnOne, type WorkerProcess } from "./spawn-worker";

const running = new Set<WorkerProcess>();

function spawnWorker(env: Record<string, string | undefined>): WorkerProcess {
  const worker = spawnOne(env);
  running.add(worker);
  void worker.exited.then(() => running.delete(worker));
  return worker;
}

afterAll(async () => {
  for (const worker of running) worker.child.kill("SIGKILL");
  await disconnectDb();
  await closeSignals();
});

describe("npm run worker", () => {
  it("a standby takes over within seconds when the leader stops, and when the leader is killed", async () => {
    const env = { DATABASE_URL: testDatabaseUrl() };
    const workers = [spawnWorker(env), spawnWorker(env), spawnWorker(env)];
    const LEADING = "leading: running the jobs";
    const leaders = async (): Promise<WorkerProcess[]> => {
      const deadline = Date.now() + 20_000;
      while (!workers.every((w) => w.output().includes(LEADING) || w.output().includes("standing by: another worker leads"))) {
        if (Date.now() > deadline) throw new Error(`workers did not start:\n${workers.map((w) => w.output()).join("\n")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return workers.filter((w) => w.output().includes(LEADING));
    };
    const [first, ...others] = await leaders();
    expect(others).toEqual([]);
    if (!first) throw new Error("no worker leads");

    first.child.kill("SIGTERM"); // stops cleanly: gives the lease back
    expect(await first.exited).toBe(0);
    const stoppedAt = Date.now();
    const standbys = workers.filter((w) => w !== first);
    await Promise.any(standbys.map((w) => printed(w, LEADING, 3_000)));
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
    const second = standbys.find((w) => w.output().includes(LEADING));
    const third = standbys.find((w) => w !== second);
    if (!second || !third) throw new Error("expected one new leader and one standby");

    second.child.kill("SIGKILL"); // dies: its lease lapses 1.5 s after its last renewal
    const killedAt = Date.now();
    await printed(third, LEADING, 3_000);
    expect(Date.now() - killedAt).toBeLessThan(3_000);

    // The new leader does the work: an approval past its deadline is recorded as expired.
    const org = await createTestOrg({ label: "takeover", policies: [{ name: "review", actions: ["pr.merge"], effect: "require_approval" }] });
    const ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "takeover" };
    const { approvalId } = await decideAction({ ctx, input: { actionType: "pr.merge" } });
    await db().approval.update({ where: { id: approvalId }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    await expect.poll(async () => (await db().approval.findUniqueOrThrow({ where: { id: approvalId } })).status, { timeout: 3_000 }).toBe("expired");

    third.child.kill("SIGTERM");
    expect(await third.exited).toBe(0);
  }, 60_000);

  it("refuses to start without DATABASE_URL, saying so", async () => {
    const worker = spawnWorker({ DATABASE_URL: undefined });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain("DATABASE_URL: is not set");
  });

  it("refuses to start when WORKER_JOBS_EXCLUDE names no job, naming the jobs", async () => {
    const worker = spawnWorker({ DATABASE_URL: testDatabaseUrl(), WORKER_JOBS_EXCLUDE: "webhook-delivery,no-such-job" });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain("WORKER_JOBS_EXCLUDE names no job: no-such-job");
  });

  it("refuses to start in production without GATEHOUSE_MASTER_KEY, saying so", async () => {
    const worker = spawnWorker({ DATABASE_URL: testDatabaseUrl(), NODE_ENV: "production", GATEHOUSE_MASTER_KEY: undefined });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain("GATEHOUSE_MASTER_KEY is not set, and NODE_ENV is production");
  });
});
