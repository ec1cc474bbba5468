/** `admin.grants`: standing grants (docs/approvals.md), made with `admin.approvals.grant`. */
import { query, request, type TransportConfig } from "../request.ts";
import type { RequestOptions, StandingGrant } from "../types.ts";

/** Standing grants: the live ones (or all), and revoking one (the granter, or an owner or admin). */
export interface AdminGrants {
  list(options?: RequestOptions & { status?: "active" | "all" }): Promise<StandingGrant[]>;
  /** At once: the next call it would have covered waits for a person again, on every API process. */
  revoke(grantId: string, options?: RequestOptions): Promise<StandingGrant>;
}

export function createAdminGrants(config: TransportConfig): AdminGrants {
  return {
    list: async (options = {}) =>
      (await request<{ grants: StandingGrant[] }>(config, { method: "GET", path: `/v1/admin/grants${query({ status: options.status })}`, signal: options.signal })).grants,
    revoke: (grantId, options = {}) => request<StandingGrant>(config, { method: "DELETE", path: `/v1/admin/grants/${encodeURIComponent(grantId)}`, signal: options.signal }),
  };
}
