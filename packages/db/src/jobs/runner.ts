import { recordJobRun } from "../infra/metrics";
import type { LeaderLock } from "./leader-lock";

/** A periodic job: `run` is called every `everyMs` (start to start), never overlapping itself. */
export interface Job {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

/** Where the runner reports (pino's signature, so a pino logger fits as it is). */
export interface JobLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface JobRunnerOptions {
  jobs: readonly Job[];
  lock: LeaderLock;
  log: JobLog;
  /** How often a standby tries to take leadership, and the leader confirms it still holds it (1 s). */
  electionMs?: number;
  /** The longest wait before retrying a job that keeps failing (30 s); the first retry waits `everyMs`. */
  maxBackoffMs?: number;
}

/** The last election a runner finished: when, and whether it reached the database (whatever it decided). */
export interface Election {
  at: number;
  reachedDatabase: boolean;
}

export interface JobRunner {
  /** Whether this runner holds leadership (and so runs the jobs) now. */
  readonly leading: boolean;
  /** The last election it finished, or null before the first: a health check's view of its loop (apps/worker/src/health.ts). */
  readonly lastElection: Election | null;
  /** Stops scheduling, waits for running jobs to finish, then gives leadership up. */
  stop(): Promise<void>;
}

/**
 * Runs `jobs` while this process leads: of all runners over one database, only the holder of the
 * lock runs them; the others try to take it every `electionMs`. A job that throws is logged and
 * retried after `everyMs`, then twice as long each time up to `maxBackoffMs`; it never stops the
 * runner or the other jobs.
 */
export function startJobRunner(options: JobRunnerOptions): JobRunner {
  return new Runner(options);
}

class Runner implements JobRunner {
  readonly #jobs: readonly Job[];
  readonly #lock: LeaderLock;
  readonly #log: JobLog;
  readonly #electionMs: number;
  readonly #maxBackoffMs: number;
  #leading = false;
  #stopped = false;
  #unreachable = false;
  #announcedStandby = false;
  #lastElection: Election | null = null;
  #electionTimer: NodeJS.Timeout | undefined;
  #election: Promise<void> = Promise.resolve();
  readonly #timers = new Map<Job, NodeJS.Timeout>();
  readonly #running = new Map<Job, Promise<void>>();
  readonly #failures = new Map<Job, number>();

  constructor(options: JobRunnerOptions) {
    this.#jobs = options.jobs;
    this.#lock = options.lock;
    this.#log = options.log;
    this.#electionMs = options.electionMs ?? 1_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.#election = this.#elect();
  }

  get leading(): boolean {
    return this.#leading;
  }

  get lastElection(): Election | null {
    return this.#lastElection;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#electionTimer);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#election;
    await Promise.all(this.#running.values());
    this.#leading = false;
    await this.#lock.release();
  }

  async #elect(): Promise<void> {
    let holds = false;
    try {
      holds = await this.#lock.hold();
      if (this.#unreachable) this.#log.info({}, "database reachable again");
      this.#unreachable = false;
    } catch (error) {
      if (!this.#unreachable) this.#log.error({ err: error }, "cannot reach the database to hold the jobs lock; retrying");
      this.#unreachable = true;
    }
    this.#lastElection = { at: Date.now(), reachedDatabase: !this.#unreachable };
    if (this.#stopped) return;
    if (holds && !this.#leading) {
      this.#leading = true;
      this.#log.info({ jobs: this.#jobs.map((job) => job.name) }, "leading: running the jobs");
      for (const job of this.#jobs) if (!this.#running.has(job)) this.#schedule(job, 0);
    } else if (!holds && this.#leading) {
      this.#leading = false;
      for (const timer of this.#timers.values()) clearTimeout(timer);
      this.#timers.clear();
      this.#log.warn({}, "lost the jobs lock; standing by");
    } else if (!holds && !this.#announcedStandby) {
      this.#log.info({}, "standing by: another worker leads");
    }
    this.#announcedStandby ||= !holds;
    this.#electionTimer = setTimeout(() => {
      this.#election = this.#elect();
    }, this.#electionMs);
  }

  #schedule(job: Job, delayMs: number): void {
    this.#timers.set(
      job,
      setTimeout(() => this.#run(job), delayMs),
    );
  }

  #run(job: Job): void {
    this.#timers.delete(job);
    if (!this.#leading || this.#stopped) return;
    // Registered before the job starts, so stop() and a regained leadership always see it running.
    const run = Promise.resolve()
      .then(() => this.#attempt(job))
      .then((delayMs) => {
        this.#running.delete(job);
        if (this.#leading && !this.#stopped) this.#schedule(job, delayMs);
      });
    this.#running.set(job, run);
  }

  /** Runs the job once; resolves (never rejects) with the wait before its next run. */
  async #attempt(job: Job): Promise<number> {
    const started = Date.now();
    try {
      await job.run();
    } catch (error) {
      recordJobRun(job.name, false, (Date.now() - started) / 1000, Date.now());
      const failures = (this.#failures.get(job) ?? 0) + 1;
      this.#failures.set(job, failures);
      const retryInMs = Math.min(job.everyMs * 2 ** (failures - 1), this.#maxBackoffMs);
      this.#log.error({ err: error, job: job.name, failures, retryInMs }, `job ${job.name} failed; retrying`);
      return retryInMs;
    }
    recordJobRun(job.name, true, (Date.now() - started) / 1000, Date.now());
    const failures = this.#failures.get(job);
    if (failures) this.#log.info({ job: job.name, failures }, `job ${job.name} recovered`);
    this.#failures.delete(job);
    return Math.max(0, job.everyMs - (Date.now() - started));
  }
}
