/** `admin.org`: the org of the key, its name and slug, and closing it. */
import { request, type TransportConfig } from "../request.ts";
import type { ClosedOrg, Org, RequestOptions, UpdateOrgRequest } from "../types.ts";

/** The org of the key: every member may read it; renaming it and changing its slug is for owners. */
export interface AdminOrg {
  /** Its id, slug, name and member count. */
  get(options?: RequestOptions): Promise<Org>;
  /** A new name, a new slug, or both. A slug another org has is a `ConflictError`; bad input a `BadRequestError` naming the field. Safe to retry. */
  update(changes: UpdateOrgRequest, options?: RequestOptions): Promise<Org>;
  /**
   * Closes the org for good (owners only): `confirm` must be its slug, typed out (else a
   * `BadRequestError` naming `confirm`). Every key of the org, this client's included, stops
   * working; pending approvals are cancelled; owners keep read-only access to the audit log in the
   * console. There is no reopening.
   */
  close(confirmation: { confirm: string }, options?: RequestOptions): Promise<ClosedOrg>;
}

export function createAdminOrg(config: TransportConfig): AdminOrg {
  return {
    get: (options = {}) => request<Org>(config, { method: "GET", path: "/v1/admin/org", signal: options.signal }),
    update: (changes, options = {}) => request<Org>(config, { method: "PATCH", path: "/v1/admin/org", body: changes, signal: options.signal }),
    close: (confirmation, options = {}) =>
      request<ClosedOrg>(config, { method: "POST", path: "/v1/admin/org/close", body: { confirm: confirmation.confirm }, signal: options.signal }),
  };
}
