/** `admin.keys`: members' personal admin keys, and revoking any key of the org. */
import { request, type TransportConfig } from "../request.ts";
import type { AdminKey, IssueAdminKeyRequest, IssuedAdminKey, RequestOptions, RevokedKey } from "../types.ts";
import { onceKey } from "./once-key.ts";

/**
 * Members' personal admin keys (`keys.manage`: owners, admins). A key acts with its member's role at
 * each request: a demotion or a removal takes effect at once.
 */
export interface AdminKeys {
  /** The key's member's own admin keys and those of members whose role theirs ranks at least as high as (an owner sees everyone's), newest first. */
  list(options?: RequestOptions): Promise<AdminKey[]>;
  /**
   * Issues a personal admin key of the key's member; the answer's `apiKey` is shown once, store it
   * then. Each call sends an `Idempotency-Key`, so a retry of a call whose answer was lost gets a
   * fresh secret for the same key, never a second key.
   */
  issue(key?: IssueAdminKeyRequest, options?: RequestOptions): Promise<IssuedAdminKey>;
  /**
   * Revokes a key (`key_…`: an agent's, or a member's admin key of a role ranking at most the
   * caller's, else `PermissionDeniedError`). It stops working at its next request on every
   * instance. Revoking twice is harmless.
   */
  revoke(keyId: string, options?: RequestOptions): Promise<RevokedKey>;
}

export function createAdminKeys(config: TransportConfig): AdminKeys {
  return {
    list: async (options = {}) => (await request<{ keys: AdminKey[] }>(config, { method: "GET", path: "/v1/admin/keys", signal: options.signal })).keys,
    issue: (key = {}, options = {}) =>
      request<IssuedAdminKey>(config, {
        method: "POST",
        path: "/v1/admin/keys",
        body: { ...(key.name === undefined ? {} : { name: key.name }), ...(key.expiresInDays === undefined ? {} : { expiresInDays: key.expiresInDays }) },
        headers: onceKey(),
        signal: options.signal,
      }),
    revoke: (keyId, options = {}) => request<RevokedKey>(config, { method: "DELETE", path: `/v1/admin/keys/${encodeURIComponent(keyId)}`, signal: options.signal }),
  };
}
