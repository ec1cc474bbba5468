import type { Probe } from "@gatehouse/db/metrics";
import type { Election } from "@gatehouse/db/jobs";

/**
 * How long since the runner last finished an election before the worker counts as stuck. An election
 * against a database that does not answer ends within the connect timeout (5 s) or the query timeout (20 s)
 * by default; one that has not ended well after both never will.
 */
export const STALE_AFTER_MS = 60_000;

export interface WorkerProbeSources {
  /** The runner's last finished election (JobRunner.lastElection). */
  lastElection: () => Election | null;
  /** Whether this worker leads (runs the jobs) now. */
  leading: () => boolean;
  /** Whether PostgreSQL answers a ping now (bounded). */
  pingDatabase: () => Promise<boolean>;
  now?: () => number;
}

/**
 * The worker's health paths, served on its one port beside /metrics (WORKER_HEALTH_PORT; apps/worker/src/main.ts), as
 * plain JSON, never behind METRICS_TOKEN:
 * - /livez: 200 while elections keep finishing (its event loop and its leadership loop turn, reachable database or
 *   not), else 503: a restart would mend it.
 * - /readyz: 200 when, besides, the last election reached the database; else 503: a new worker of a rollout that
 *   cannot reach the database does not replace one that can.
 * - /healthz: 200 while PostgreSQL answers a ping now (a standby is as healthy as the leader), else 503 (docker
 *   compose's health check).
 * They say nothing about the jobs' data and take no input but the path.
 */
export function workerProbes({ lastElection, leading, pingDatabase, now = Date.now }: WorkerProbeSources): Record<"/livez" | "/readyz" | "/healthz", Probe> {
  const elections = (ready: boolean): Probe => {
    return async () => {
      const election = lastElection();
      const turning = election !== null && now() - election.at <= STALE_AFTER_MS;
      const ok = ready ? turning && election.reachedDatabase : turning;
      return { ok, lastElectionAt: election ? new Date(election.at).toISOString() : null, database: election?.reachedDatabase ? "up" : "down" };
    };
  };
  return {
    "/livez": elections(false),
    "/readyz": elections(true),
    "/healthz": async () => {
      const database = await pingDatabase();
      return { ok: database, database: database ? "up" : "down", leading: leading() };
    },
  };
}
