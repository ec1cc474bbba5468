import { spawnSync } from "node:child_process";
import { getPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { WorkCrashed, WorkFailed, WorkPool, WorkQueueFull, WorkTimeout, workTask, type WorkPoolOptions } from "../src/infra/work-pool";

// The work pool: per-key turns, a time limit that replaces the worker, a memory limit that ends only
// the worker, a bounded queue per key. Real worker threads running a real module.

const TASKS = fileURLToPath(new URL("./fixtures/work-tasks.ts", import.meta.url));
const POOL = fileURLToPath(new URL("../src/infra/work-pool.ts", import.meta.url));
const spin = workTask<{ ms: number; tag: string }, { tag: string; startedAt: number; endedAt: number }>(TASKS, "spin");
const exhaustMemory = workTask<void, number>(TASKS, "exhaustMemory");
const refuse = workTask<void, never>(TASKS, "refuse");
const priority = workTask<void, number>(TASKS, "priority");
const threadPriorities = workTask<void, number[]>(TASKS, "threadPriorities");

let pool: WorkPool | undefined;
const start = (options: Partial<WorkPoolOptions> = {}) =>
  (pool = new WorkPool({ size: 1, timeoutMs: 5_000, memoryMb: 64, maxQueuedPerKey: 8, perKey: 1, preload: [TASKS], ...options }));
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe("work pool", () => {
  it("runs a task on a worker and answers its result", async () => {
    expect((await start().run(spin, { ms: 1, tag: "a" }, { key: "org_a" })).tag).toBe("a");
  });

  it.runIf(process.platform === "linux")(
    "its workers run at a lower CPU priority (nice 10 by default), every thread of them, while the event loop's process keeps its own",
    async () => {
      const own = getPriority();
      expect(await start().run(priority, undefined, { key: "org_a" })).toBe(Math.max(own, 10));
      const threads = await pool?.run(threadPriorities, undefined, { key: "org_a" });
      expect(threads?.length).toBeGreaterThan(4);
      expect(
        threads?.every((nice) => nice === Math.max(own, 10)),
        `thread priorities ${JSON.stringify(threads)}`,
      ).toBe(true);
      await pool?.close();
      expect(await start({ nice: 15 }).run(priority, undefined, { key: "org_a" })).toBe(Math.max(own, 15));
      expect(getPriority()).toBe(own);
    },
  );

  it("takes keys in turn: another key's job runs before the first key's queued ones", async () => {
    const p = start();
    const order: string[] = [];
    const run = (key: string, tag: string) => p.run(spin, { ms: 100, tag }, { key }).then((r) => order.push(r.tag));
    await Promise.all([run("org_a", "a1"), run("org_a", "a2"), run("org_a", "a3"), run("org_b", "b1")]);
    expect(order.indexOf("b1")).toBeLessThan(order.indexOf("a2"));
  });

  it("a job past its time limit fails with WorkTimeout, its worker is replaced, and the next job runs", async () => {
    const p = start({ timeoutMs: 300 });
    const started = performance.now();
    await expect(p.run(spin, { ms: 10_000, tag: "long" }, { key: "org_a" })).rejects.toBeInstanceOf(WorkTimeout);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect((await p.run(spin, { ms: 1, tag: "after" }, { key: "org_b" })).tag).toBe("after");
  });

  it("a job that exhausts its worker's memory ends that worker only: WorkCrashed (outOfMemory), the process and the pool go on", async () => {
    const p = start({ memoryMb: 32 });
    const error = await p.run(exhaustMemory, undefined, { key: "org_a" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkCrashed);
    expect((error as WorkCrashed).outOfMemory).toBe(true);
    expect((await p.run(spin, { ms: 1, tag: "after" }, { key: "org_b" })).tag).toBe("after");
  });

  it("a key with its queue full is refused at once; other keys are not", async () => {
    const p = start({ maxQueuedPerKey: 2 });
    const running = p.run(spin, { ms: 300, tag: "r" }, { key: "org_a" });
    const queued = [p.run(spin, { ms: 1, tag: "q1" }, { key: "org_a" }), p.run(spin, { ms: 1, tag: "q2" }, { key: "org_a" })];
    await expect(p.run(spin, { ms: 1, tag: "q3" }, { key: "org_a" })).rejects.toBeInstanceOf(WorkQueueFull);
    expect((await p.run(spin, { ms: 1, tag: "b" }, { key: "org_b" })).tag).toBe("b");
    await Promise.all([running, ...queued]);
  });

  it("keeps a process alive while a job runs and lets it exit once the pool is idle", () => {
    const script = `
      const { WorkPool, workTask } = await import(${JSON.stringify(POOL)});
      const pool = new WorkPool({ size: 1, timeoutMs: 5000, memoryMb: 64, maxQueuedPerKey: 1, perKey: 1 });
      const result = await pool.run(workTask(${JSON.stringify(TASKS)}, "spin"), { ms: 200, tag: "done" }, { key: "k" });
      console.log(result.tag);`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect({ status: child.status, stdout: child.stdout.trim() }, child.stderr).toEqual({ status: 0, stdout: "done" });
  });

  it("an error the task throws crosses with its fields", async () => {
    const error = await start()
      .run(refuse, undefined, { key: "org_a" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkFailed);
    expect((error as WorkFailed).fields).toMatchObject({ code: "VALIDATION", details: { issues: [{ path: "x" }] } });
  });
});
