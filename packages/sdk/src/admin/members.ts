/** `admin.members`: the org's members, their roles, and removing them. */
import { request, type TransportConfig } from "../request.ts";
import type { Member, MemberRole, RemovedMember, RequestOptions } from "../types.ts";

/**
 * The org's members. Changing a role or removing a member needs a role ranking at least as high as
 * theirs (and as the new role): otherwise `PermissionDeniedError`. The last owner can neither be
 * demoted nor removed (`ConflictError`).
 */
export interface AdminMembers {
  /** The current members, owners first. */
  list(options?: RequestOptions): Promise<Member[]>;
  /** Gives a member (by membership id, `mem_…`) a new role; their admin keys act with it from their next request. Safe to retry. */
  update(membershipId: string, changes: { role: MemberRole }, options?: RequestOptions): Promise<Member>;
  /** Removes a member and revokes their admin keys. A retry after a success answers `NotFoundError` (they are gone). */
  remove(membershipId: string, options?: RequestOptions): Promise<RemovedMember>;
}

export function createAdminMembers(config: TransportConfig): AdminMembers {
  const memberPath = (membershipId: string) => `/v1/admin/members/${encodeURIComponent(membershipId)}`;
  return {
    list: async (options = {}) => (await request<{ members: Member[] }>(config, { method: "GET", path: "/v1/admin/members", signal: options.signal })).members,
    update: (membershipId, changes, options = {}) =>
      request<Member>(config, { method: "PATCH", path: memberPath(membershipId), body: { role: changes.role }, signal: options.signal }),
    remove: (membershipId, options = {}) => request<RemovedMember>(config, { method: "DELETE", path: memberPath(membershipId), signal: options.signal }),
  };
}
