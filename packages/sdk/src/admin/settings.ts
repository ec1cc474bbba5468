/** `admin.settings`: the org's settings, every section of them (breaker, timeouts, loops, content rules, budgets, grants, spend, …). */
import { request, type TransportConfig } from "../request.ts";
import type { OrgSettings, RequestOptions, SettingsChangePending, UpdateSettingsRequest } from "../types.ts";

/** The org's settings: every member may read them; changing them needs `settings.write` (owners, admins). */
export interface AdminSettings {
  /** The circuit-breaker thresholds and the default approval timeout. */
  get(options?: RequestOptions): Promise<OrgSettings>;
  /**
   * Changes some settings (merged onto the current ones) and answers them; bad values are a
   * `BadRequestError` naming the field. Safe to retry. While the two-admin rule is on, a change that
   * weakens enforcement answers `{ status: "pending_approval", approvalId, weakened }` instead and is
   * applied when another owner or admin approves it (a retry answers the same approval).
   */
  update(changes: UpdateSettingsRequest, options?: RequestOptions): Promise<OrgSettings | SettingsChangePending>;
}

export function createAdminSettings(config: TransportConfig): AdminSettings {
  return {
    get: (options = {}) => request<OrgSettings>(config, { method: "GET", path: "/v1/admin/settings", signal: options.signal }),
    update: (changes, options = {}) => request<OrgSettings | SettingsChangePending>(config, { method: "PATCH", path: "/v1/admin/settings", body: changes, signal: options.signal }),
  };
}
