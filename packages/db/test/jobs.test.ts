import { afterAll, describe, expect, it } from "vitest";
import { authenticateApiKey, closeSignals, db, decideAction, disconnectDb } from "../src/index";
import { randomBytes } from "node:crypto";
import { backgroundJobs, leaseLeaderLock, startJobRunner, type Job, type JobLog, type JobRunner, type LeaderLock } from "../src/jobs";
import { createTestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

interface Logged {
  level: "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string;
}

function recorder(): JobLog & { lines: Logged[] } {
  const lines: Logged[] = [];
  const at = (level: Logged["level"]) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

const until = async (holds: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/**
 * Jobs that reach outside the database (webhook receivers, Slack, mail) would act on other suites' orgs
 * sharing it (their receivers, their stand-ins): their own suites run them scoped to their orgs
 * (webhooks.test.ts, approval-channels.test.ts). The leadership tested here is the same for every job.
 */
const REACHES_OUT = new Set(["webhook-delivery", "approval-notices"]);

/** The worker's jobs, every 50 ms, counting what each runner did. */
function countedJobs(counts: Map<string, number>): Job[] {
  return backgroundJobs()
    .filter((job) => !REACHES_OUT.has(job.name))
    .map((job) => ({
      ...job,
      everyMs: 50,
      run: async () => {
        const done = Number(await job.run());
        counts.set(job.name, (counts.get(job.name) ?? 0) + done);
      },
    }));
}

describe("two runners over one database", () => {
  const runners: JobRunner[] = [];
  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
  });

  it("one leads: each due approval is expired once (one audit entry) and each grown log checkpointed once; the other takes over when it stops", async () => {
    const org = await createTestOrg({ label: "jobs", policies: [{ name: "review", actions: ["pr.merge"], effect: "require_approval" }] });
    const principal = await authenticateApiKey(org.agent.apiKey);
    const ctx = { ...principal, requestId: "jobs-test" };
    const approvalIds: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const result = await decideAction({ ctx, input: { actionType: "pr.merge", metadata: { i } } });
      approvalIds.push(result.approvalId ?? "");
    }
    await db().approval.updateMany({ where: { id: { in: approvalIds } }, data: { expiresAt: new Date(Date.now() - 1_000) } });

    // A lease of this test's own: other suites share the database.
    const lease = `jobs-test-${randomBytes(4).toString("hex")}`;
    const sides = [0, 1].map(() => {
      const counts = new Map<string, number>();
      const log = recorder();
      const runner = startJobRunner({ jobs: countedJobs(counts), lock: leaseLeaderLock({ name: lease }), log, electionMs: 100 });
      runners.push(runner);
      return { counts, log, runner };
    });
    await until(() => sides.some((side) => side.runner.leading), 3_000);
    const leader = sides.find((side) => side.runner.leading);
    const standby = sides.find((side) => !side.runner.leading);
    if (!leader || !standby) throw new Error("expected one leader and one standby");

    const head = async () => Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);
    const latestCheckpoint = async () => Number((await db().checkpoint.findFirst({ where: { orgId: org.org.id }, orderBy: { treeSize: "desc" } }))?.treeSize ?? -1);
    await until(async () => (await db().approval.count({ where: { id: { in: approvalIds }, status: "expired" } })) === 5, 5_000);
    await until(async () => (await latestCheckpoint()) === (await head()), 5_000);
    await new Promise((r) => setTimeout(r, 300)); // a few more rounds in which nothing may happen twice

    const expiries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "approval.expired" } });
    expect(expiries.map((entry) => entry.subjectId).sort()).toEqual([...approvalIds].sort());
    expect(standby.runner.leading).toBe(false);
    expect(standby.counts.size).toBe(0); // the standby ran no job at all
    expect(leader.counts.get("approval-expiry")).toBeGreaterThanOrEqual(5);
    expect(standby.log.lines.map((line) => line.message)).toEqual(["standing by: another worker leads"]);

    // Stopping the leader hands over: the standby leads within an election or two, and does the work.
    await leader.runner.stop();
    await until(() => standby.runner.leading, 3_000);
    const before = await head();
    await decideAction({ ctx, input: { actionType: "pr.merge", metadata: { after: true } } });
    await until(async () => (await latestCheckpoint()) > before, 3_000);
    await until(() => (standby.counts.get("audit-checkpoints") ?? 0) >= 1, 1_000); // its count follows the row
  });
});

describe("leadership as a lease", () => {
  const leaseName = () => `lease-test-${randomBytes(4).toString("hex")}`;

  it("one holder at a time; a holder that stops renewing (a killed worker) lapses after its time, and the next takes it with a new term", async () => {
    const name = leaseName();
    const a = leaseLeaderLock({ name, ttlMs: 600 });
    const b = leaseLeaderLock({ name, ttlMs: 600 });
    expect(await a.hold()).toBe(true);
    expect(await b.hold()).toBe(false);
    expect(await a.hold()).toBe(true); // renewed
    const lastRenewal = Date.now();
    // a stops renewing, as a killed worker does: b takes over once the lease has run out, not before.
    await until(() => b.hold(), 3_000);
    expect(Date.now() - lastRenewal).toBeGreaterThanOrEqual(500);
    expect(await a.hold()).toBe(false);
    const row = await db().jobLease.findUniqueOrThrow({ where: { name } });
    expect([row.holder, row.term]).toEqual([b.holder, 2n]);
    await b.release();
    expect(await db().jobLease.count({ where: { name } })).toBe(0);
    expect(await a.hold()).toBe(true); // given back: taken at once
    await a.release();
  });

  it("a renewal answered after the claim it renews would have run out (a paused process) does not count as leading", async () => {
    const name = leaseName();
    let clock = 0;
    const slow = leaseLeaderLock({
      name,
      ttlMs: 1_000,
      now: () => clock,
      query: async <R>(text: string, values: unknown[]) => {
        const rows = (await db().pool.query(text, values)).rows as R[];
        clock += 900; // the answer arrives 900 ms after it was asked: past ttl − margin
        return rows;
      },
    });
    expect(await slow.hold()).toBe(false);
    await slow.release();
  });

  it("over generated schedules of renewals, pauses and releases by three holders, no two ever count themselves leading at once", async () => {
    const name = leaseName();
    const locks = [0, 1, 2].map(() => leaseLeaderLock({ name, ttlMs: 300, marginMs: 60 }));
    const leadingUntil = new Map<number, number>();
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 60; step += 1) {
      const i = Math.floor(random() * 3);
      const lock = locks[i] as (typeof locks)[number];
      const roll = random();
      if (roll < 0.1) {
        await lock.release();
        leadingUntil.delete(i);
      } else if (roll < 0.2) {
        await new Promise((r) => setTimeout(r, 120)); // a pause: everyone's claims age
      } else {
        const sentAt = performance.now();
        if (await lock.hold()) leadingUntil.set(i, sentAt + 300 - 60);
        else leadingUntil.delete(i);
      }
      const now = performance.now();
      const leading = [...leadingUntil].filter(([, until]) => until > now).map(([holder]) => holder);
      expect(leading.length, `step ${step}: holders ${leading.join(", ")}`).toBeLessThanOrEqual(1);
    }
    await Promise.all(locks.map((lock) => lock.release()));
  });
});

describe("a job that throws", () => {
  it("is logged and retried with backoff, while the runner keeps leading and runs the other jobs", async () => {
    const lock: LeaderLock = { hold: async () => true, release: async () => {} };
    const log = recorder();
    let flakyCalls = 0;
    let steadyCalls = 0;
    const jobs: Job[] = [
      {
        name: "flaky",
        everyMs: 20,
        run: async () => {
          flakyCalls += 1;
          if (flakyCalls <= 2) throw new Error(`boom ${flakyCalls}`);
        },
      },
      { name: "steady", everyMs: 10, run: async () => void (steadyCalls += 1) },
    ];
    const runner = startJobRunner({ jobs, lock, log });
    try {
      await until(() => flakyCalls >= 4, 2_000);
      expect(runner.leading).toBe(true);
      const failures = log.lines.filter((line) => line.level === "error");
      expect(failures.map((line) => [line.fields.job, line.fields.failures, line.fields.retryInMs, (line.fields.err as Error).message])).toEqual([
        ["flaky", 1, 20, "boom 1"],
        ["flaky", 2, 40, "boom 2"],
      ]);
      expect(log.lines.some((line) => line.message === "job flaky recovered")).toBe(true);
      expect(steadyCalls).toBeGreaterThan(flakyCalls);
    } finally {
      await runner.stop();
    }
  });

  it("stop() waits for a running job, then releases leadership", async () => {
    const events: string[] = [];
    const lock: LeaderLock = { hold: async () => true, release: async () => void events.push("released") };
    let release: () => void = () => {};
    const job: Job = {
      name: "slow",
      everyMs: 1_000,
      run: () =>
        new Promise<void>((resolve) => {
          events.push("started");
          release = () => {
            events.push("finished");
            resolve();
          };
        }),
    };
    const runner = startJobRunner({ jobs: [job], lock, log: recorder() });
    await until(() => events.includes("started"), 1_000);
    const stopped = runner.stop();
    setTimeout(() => release(), 50);
    await stopped;
    expect(events).toEqual(["started", "finished", "released"]);
  });
});
