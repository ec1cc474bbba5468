import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Election } from "@gatehouse/db/jobs";

/**
 * How long since the runner last finished an election before the worker counts as stuck. An election
 * against a database that does not answer ends within the connect timeout (5 s) or the query timeout (20 s)
 * by default; one that has not ended well after both never will.
 */
export const STALE_AFTER_MS = 60_000;

export interface WorkerHealthOptions {
  port: number;
  host: string;
  /** The runner's last finished election (JobRunner.lastElection). */
  lastElection: () => Election | null;
  now?: () => number;
}

export interface WorkerHealth {
  port: number;
  close(): Promise<void>;
}

/**
 * The worker's health, for a platform's probes (WORKER_HEALTH_PORT; docs/kubernetes.md), as plain JSON:
 * - GET /livez: 200 while elections keep finishing (its event loop and its leadership loop turn, reachable
 *   database or not), else 503: a restart would mend it.
 * - GET /readyz: 200 when, besides, the last election reached the database; else 503: a new worker of a
 *   rollout that cannot reach the database does not replace one that can.
 * It says nothing about the jobs' data and takes no input but the path.
 */
export async function startWorkerHealth({ port, host, lastElection, now = Date.now }: WorkerHealthOptions): Promise<WorkerHealth> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (request.method !== "GET" || (path !== "/livez" && path !== "/readyz")) {
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ ok: false }));
      return;
    }
    const election = lastElection();
    const turning = election !== null && now() - election.at <= STALE_AFTER_MS;
    const ok = path === "/livez" ? turning : turning && election.reachedDatabase;
    const body = { ok, lastElectionAt: election ? new Date(election.at).toISOString() : null, database: election?.reachedDatabase ? "up" : "down" };
    response.writeHead(ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
