/** `admin.health`: the org's governance health, what an on-call person checks first (docs/audit.md, Governance health). */
import { request, type TransportConfig } from "../request.ts";
import type { GovernanceHealth, RequestOptions } from "../types.ts";

/** The governance health; for members with `audit.verify` (owners, admins, auditors). */
export interface AdminHealth {
  /**
   * `GET /health/governance`: the log's integrity as last checked, the signing key, the checkpoint's
   * age, decision latency, the worker's jobs and the webhook backlog, each `ok`, `warn` or `fail` with a reason,
   * and `status`, the worst of them.
   */
  governance(options?: RequestOptions): Promise<GovernanceHealth>;
}

export function createAdminHealth(config: TransportConfig): AdminHealth {
  return {
    governance: (options = {}) => request<GovernanceHealth>(config, { method: "GET", path: "/health/governance", signal: options.signal }),
  };
}
