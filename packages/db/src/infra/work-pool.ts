import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { unavailable } from "@gatehouse/core";
import { dbEnv } from "./env";

/**
 * CPU work off the event loop: a small pool of worker processes, each job under a time limit and each
 * worker under a memory limit, with a queue per key (an org) so one org's jobs wait behind each other
 * and never in front of another org's (docs/adr/0016).
 *
 * - A job runs `module[name](input)` on a worker: `module` is a package name (`@gatehouse/core`) the
 *   worker imports through tsx, as the apps run; input and output cross as structured clones (plain
 *   data, over the child's IPC channel with Node's advanced serialization).
 * - Keys take turns: when a worker frees up it takes the oldest job of the next key in turn, and a key
 *   has at most `perKey` jobs running. A key with `maxQueuedPerKey` jobs waiting is refused (WorkQueueFull).
 * - A job past `timeoutMs` (counted from when it starts on a worker) has its worker killed and
 *   replaced (WorkTimeout). A worker that runs out of its `memoryMb` heap dies alone (WorkCrashed,
 *   `outOfMemory`); the process and the other workers' jobs go on.
 * - Why processes and not threads: a worker is a process of its own at a lower CPU priority, every
 *   thread of it — its garbage collector's helpers too. Worker threads share the process's garbage
 *   collection helpers (at the event loop's priority), so a heavy job's collections competed with every
 *   org's decisions for the cores, and the main isolate's own collections queued behind them. And a
 *   fatal error in a worker (V8's out-of-memory abort) ends that process only, never the API.
 *
 * The worker is plain JavaScript in a string (`node -e`), so it starts the same under node, tsx, test
 * runners and the console's bundler; it reaches Node's modules through `process.getBuiltinModule`.
 */

export interface WorkTask<I, O> {
  readonly module: string;
  readonly name: string;
  /** Type only: what the task takes and gives. */
  readonly types?: (input: I) => O;
}

export function workTask<I, O>(module: string, name: string): WorkTask<I, O> {
  return { module, name };
}

export interface WorkPoolOptions {
  /** Worker processes. */
  size: number;
  /** A job's time limit once it runs. */
  timeoutMs: number;
  /** A worker's heap limit (old generation), in MB. */
  memoryMb: number;
  /** Jobs one key may have waiting (not yet running). */
  maxQueuedPerKey: number;
  /** Jobs one key may have running at once. */
  perKey: number;
  /** Modules each worker imports when it starts, so a job does not pay for loading them. */
  preload?: readonly string[];
  /**
   * The workers' CPU priority (a nice value, 0–19; default 10): each worker process lowers its own,
   * every thread of it on Linux, so when the cores are busy the event loop (decisions, every org's
   * requests) runs first and the pool's long work, its garbage collection included, takes what is left.
   */
  nice?: number;
}

export class WorkTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the job ran longer than ${timeoutMs} ms; its worker was replaced`);
    this.name = "WorkTimeout";
  }
}

export class WorkCrashed extends Error {
  constructor(
    message: string,
    readonly outOfMemory: boolean,
  ) {
    super(message);
    this.name = "WorkCrashed";
  }
}

export class WorkQueueFull extends Error {
  constructor(readonly queued: number) {
    super(`${queued} jobs are already waiting for this key`);
    this.name = "WorkQueueFull";
  }
}

/** An error the task threw, as it crossed from the worker: its name, message and own fields (`code`, `details`). */
export class WorkFailed extends Error {
  constructor(
    message: string,
    readonly errorName: string,
    readonly fields: Record<string, unknown>,
  ) {
    super(message);
    this.name = "WorkFailed";
  }
}

const WORKER_SOURCE = `
const { readdirSync } = process.getBuiltinModule("node:fs");
const { setPriority } = process.getBuiltinModule("node:os");
const { pathToFileURL } = process.getBuiltinModule("node:url");
// node -e SOURCE <nice> <preload as JSON>
const nice = Number(process.argv[1] || 0);
if (nice > 0) {
  // Every thread of this process (on Linux the nice value is per thread: the garbage collector's
  // helpers started before this line too); threads started later inherit it.
  try { setPriority(nice); } catch {}
  if (process.platform === "linux") { try { for (const tid of readdirSync("/proc/self/task")) { try { setPriority(Number(tid), nice); } catch {} } } catch {} }
}
const base = pathToFileURL(process.cwd() + "/").href;
const modules = new Map();
const api = import("tsx/esm/api");
const load = (name) => {
  let loaded = modules.get(name);
  if (!loaded) {
    loaded = api.then(({ tsImport }) => tsImport(name, base));
    modules.set(name, loaded);
  }
  return loaded;
};
// The parent going away ends the worker.
process.on("disconnect", () => process.exit(0));
const preload = JSON.parse(process.argv[2] || "[]");
Promise.all(preload.map(load)).then(
  () => process.send({ ready: true }),
  (error) => process.send({ ready: false, message: String(error && error.message) }),
);
process.on("message", async ({ id, module, name, input }) => {
  try {
    const loaded = await load(module);
    const fn = loaded[name];
    if (typeof fn !== "function") throw new Error(module + " has no function " + name);
    process.send({ id, ok: true, output: await fn(input) });
  } catch (error) {
    const fields = {};
    if (error && typeof error === "object") for (const key of Object.keys(error)) { try { fields[key] = structuredClone(error[key]); } catch {} }
    process.send({ id, ok: false, name: (error && error.name) || "Error", message: String((error && error.message) || error), fields });
  }
});
`;

interface Job {
  key: string;
  module: string;
  name: string;
  input: unknown;
  timeoutMs: number;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: ChildProcess;
  ready: Promise<void>;
  /** The end of what the worker wrote to stderr (how an out-of-memory abort is told from another exit). */
  stderr: string;
  job: (Job & { id: number; timer: NodeJS.Timeout | undefined }) | null;
}

type Reply = { id: number; ok: true; output: unknown } | { id: number; ok: false; name: string; message: string; fields: Record<string, unknown> };

export class WorkPool {
  private readonly slots: Slot[] = [];
  /** Waiting jobs per key. */
  private readonly queues = new Map<string, Job[]>();
  /** When each key last had a job started (a turn number); a key with none waiting or running is forgotten. */
  private readonly served = new Map<string, number>();
  private turn = 0;
  private readonly running = new Map<string, number>();
  private readonly finishedByTask = new Map<string, number>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkPoolOptions) {}

  /**
   * Runs `task(input)` on a worker, in `key`'s turn. `admitted`: the job belongs to work already
   * admitted and bounded elsewhere (a fair share, infra/fair-share.ts, with one job of it waiting at a
   * time), so the key's queue bound does not refuse it part-way through. `maxQueued`: this task's own
   * bound on the key's waiting jobs, in place of the pool's (a decision's screen, which many calls of an org
   * may need at once, each a bounded job).
   */
  run<I, O>(task: WorkTask<I, O>, input: I, options: { key: string; timeoutMs?: number; admitted?: boolean; maxQueued?: number }): Promise<O> {
    if (this.closed) return Promise.reject(new Error("the work pool is closed"));
    const queue = this.queues.get(options.key) ?? [];
    if (!options.admitted && queue.length >= (options.maxQueued ?? this.options.maxQueuedPerKey)) return Promise.reject(new WorkQueueFull(queue.length));
    return new Promise<O>((resolve, reject) => {
      queue.push({
        key: options.key,
        module: task.module,
        name: task.name,
        input,
        timeoutMs: options.timeoutMs ?? this.options.timeoutMs,
        resolve: resolve as (output: unknown) => void,
        reject,
      });
      this.queues.set(options.key, queue);
      this.dispatch();
    });
  }

  /** Jobs that ran to an answer, by task (`module#name`): what tests read to see work went through the pool. */
  finished(): Record<string, number> {
    return Object.fromEntries(this.finishedByTask);
  }

  /** Jobs waiting and running, per key and in all. */
  stats(): { queued: number; running: number; workers: number } {
    let queued = 0;
    for (const queue of this.queues.values()) queued += queue.length;
    let running = 0;
    for (const count of this.running.values()) running += count;
    return { queued, running, workers: this.slots.length };
  }

  /** Terminates the workers; jobs waiting or running are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) for (const job of queue) job.reject(new Error("the work pool is closed"));
    this.queues.clear();
    await Promise.all(
      this.slots.splice(0).map((slot) => {
        if (slot.job) {
          clearTimeout(slot.job.timer);
          slot.job.reject(new Error("the work pool is closed"));
        }
        return stop(slot.worker);
      }),
    );
  }

  private startWorker(): Slot {
    const { memoryMb } = this.options;
    const worker = spawn(
      process.execPath,
      [
        `--max-old-space-size=${memoryMb}`,
        `--max-semi-space-size=${Math.min(64, Math.max(1, Math.floor(memoryMb / 32)))}`,
        "--input-type=module",
        "-e",
        WORKER_SOURCE,
        String(this.options.nice ?? 10),
        JSON.stringify(this.options.preload ?? []),
      ],
      { cwd: process.cwd(), stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "advanced" },
    );
    const slot: Slot = {
      worker,
      job: null,
      stderr: "",
      ready: new Promise<void>((resolve) => {
        // A worker that cannot preload still takes jobs: each job then reports the import's failure itself.
        worker.once("message", () => resolve());
        worker.once("exit", () => resolve());
      }),
    };
    worker.stderr?.on("data", (chunk: Buffer) => {
      slot.stderr = (slot.stderr + chunk.toString()).slice(-4_096);
    });
    worker.on("message", (reply: Reply | { ready: boolean }) => {
      if (!("id" in reply)) return;
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      this.finish(slot);
      const task = `${job.module}#${job.name}`;
      this.finishedByTask.set(task, (this.finishedByTask.get(task) ?? 0) + 1);
      if (reply.ok) job.resolve(reply.output);
      else job.reject(new WorkFailed(reply.message, reply.name, reply.fields));
    });
    worker.on("error", (error: Error) => this.lose(slot, new WorkCrashed(error.message, false)));
    worker.on("exit", (code, signal) => {
      const outOfMemory = /heap out of memory|Reached heap limit/i.test(slot.stderr);
      this.lose(slot, new WorkCrashed(`the worker exited (${signal ?? code})${outOfMemory ? ": out of memory" : ""}`, outOfMemory));
    });
    // An idle worker never keeps the process alive; a busy one does (dispatch, finish).
    this.unref(slot);
    this.slots.push(slot);
    return slot;
  }

  private ref(slot: Slot): void {
    slot.worker.ref();
    (slot.worker.channel as { ref?: () => void } | undefined)?.ref?.();
    (slot.worker.stderr as { ref?: () => void } | null)?.ref?.();
  }

  private unref(slot: Slot): void {
    slot.worker.unref();
    (slot.worker.channel as { unref?: () => void } | undefined)?.unref?.();
    (slot.worker.stderr as { unref?: () => void } | null)?.unref?.();
  }

  /** A worker that died or was terminated: its job (if any) fails with `error`, and it is replaced when work waits. */
  private lose(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const job = slot.job;
    if (job) {
      clearTimeout(job.timer);
      slot.job = null;
      this.release(job.key);
      job.reject(error);
    }
    this.dispatch();
  }

  private finish(slot: Slot): void {
    const job = slot.job;
    if (!job) return;
    clearTimeout(job.timer);
    slot.job = null;
    this.unref(slot);
    this.release(job.key);
    this.dispatch();
  }

  private release(key: string): void {
    const left = (this.running.get(key) ?? 1) - 1;
    if (left > 0) this.running.set(key, left);
    else {
      this.running.delete(key);
      if (!this.queues.has(key)) this.served.delete(key);
    }
  }

  /** The oldest job of the key served longest ago (never: first) that may run another. */
  private takeNext(): Job | undefined {
    let chosen: string | undefined;
    for (const [key, queue] of this.queues) {
      if (queue.length === 0 || (this.running.get(key) ?? 0) >= this.options.perKey) continue;
      if (chosen === undefined || (this.served.get(key) ?? 0) < (this.served.get(chosen) ?? 0)) chosen = key;
    }
    if (chosen === undefined) return undefined;
    const queue = this.queues.get(chosen) as Job[];
    const job = queue.shift();
    if (queue.length === 0) this.queues.delete(chosen);
    this.served.set(chosen, ++this.turn);
    return job;
  }

  private dispatch(): void {
    if (this.closed) return;
    for (;;) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot && this.slots.length < this.options.size) slot = this.startWorker();
      if (!slot) return;
      const job = this.takeNext();
      if (!job) return;
      const id = this.nextId++;
      const running = { ...job, id, timer: undefined as NodeJS.Timeout | undefined };
      slot.job = running;
      this.ref(slot);
      this.running.set(job.key, (this.running.get(job.key) ?? 0) + 1);
      const target = slot;
      void target.ready.then(() => {
        if (target.job !== running) return;
        running.timer = setTimeout(() => {
          if (target.job !== running) return;
          this.lose(target, new WorkTimeout(running.timeoutMs));
          void stop(target.worker);
        }, running.timeoutMs);
        try {
          target.worker.send({ id, module: job.module, name: job.name, input: job.input });
        } catch (error) {
          // Input that cannot cross (not plain data) fails this job only.
          this.finish(target);
          job.reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    }
  }
}

/** Ends a worker process and waits for it to be gone. */
function stop(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    worker.once("exit", () => resolve());
    worker.kill("SIGKILL");
  });
}

/** Retry-After of a step of admitted work that its worker could not finish. */
const RETRY_AFTER_SECONDS = 5;

/**
 * One step of work already admitted to a fair share (a page of a verification or a replay), run on
 * `pool` in the org's turn. A step the pool could not finish fails the whole piece of work closed,
 * for that org alone: past its time limit or with its worker gone, 503 UNAVAILABLE with Retry-After
 * naming `what`; never a partial answer.
 */
export async function runAdmittedStep<I, O>(pool: WorkPool, task: WorkTask<I, O>, input: I, options: { key: string; what: string }): Promise<O> {
  try {
    return await pool.run(task, input, { key: options.key, admitted: true });
  } catch (error) {
    if (error instanceof WorkTimeout)
      throw unavailable(`the ${options.what} took longer than ${Math.round(error.timeoutMs / 1000)} s on one page and was stopped; try again later`, RETRY_AFTER_SECONDS);
    if (error instanceof WorkCrashed)
      throw unavailable(`the ${options.what} stopped: its worker ended (${error.outOfMemory ? "out of memory" : "it exited"}); try again later`, RETRY_AFTER_SECONDS);
    throw error;
  }
}

let shared: WorkPool | undefined;

/** The process's pool for CPU work (sized by WORK_POOL_SIZE, WORK_TIMEOUT_MS, WORK_MEMORY_MB, WORK_QUEUE_PER_ORG). */
export function workPool(): WorkPool {
  if (shared) return shared;
  const env = dbEnv();
  shared = new WorkPool({
    // At least two workers: an org runs one job at a time (perKey), so one org's work never holds every worker.
    size: env.WORK_POOL_SIZE ?? Math.max(2, availableParallelism() - 1),
    timeoutMs: env.WORK_TIMEOUT_MS,
    memoryMb: env.WORK_MEMORY_MB,
    maxQueuedPerKey: env.WORK_QUEUE_PER_ORG,
    perKey: 1,
    preload: ["@gatehouse/core", "@gatehouse/db/work-steps"],
  });
  return shared;
}

/** The process's pool's workers and jobs, for the metrics; null before it started (nothing is started here). */
export function workPoolStats(): { queued: number; running: number; workers: number } | null {
  return shared?.stats() ?? null;
}

/** Stops the process's pool (tests, shutdown); the next workPool() starts a new one. */
export async function closeWorkPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
