/** `admin.runs`: the org's runs (docs/runs.md), every agent's. Ending a run is its agent's: `Gatehouse.endRun`. */
import { query, request, type TransportConfig } from "../request.ts";
import type { ListRunsOptions, Run, RunDetail, RequestOptions } from "../types.ts";

/** The org's runs (docs/runs.md): every member may read them. */
export interface AdminRuns {
  /** The org's runs, the most recently active first, one page at a time; `agentId` narrows them to one agent's. */
  list(options?: ListRunsOptions & { agentId?: string }): Promise<{ runs: Run[]; nextCursor: string | null }>;
  /** One run by its id (`run_…`) with its timeline: decisions, approvals with who voted, outcomes, its end. */
  get(runId: string, options?: RequestOptions): Promise<RunDetail>;
}

export function createAdminRuns(config: TransportConfig): AdminRuns {
  return {
    list: (options = {}) =>
      request(config, {
        method: "GET",
        path: `/v1/runs${query({ status: options.status, agentId: options.agentId, limit: options.limit === undefined ? undefined : String(options.limit), cursor: options.cursor })}`,
        signal: options.signal,
      }),
    get: (runId, options = {}) => request<RunDetail>(config, { method: "GET", path: `/v1/runs/${encodeURIComponent(runId)}`, signal: options.signal }),
  };
}
