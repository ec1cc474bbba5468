/**
 * The permission catalogue: every permission a check asks for, and the member roles that hold it.
 * Services (`requirePermission` in packages/db), API routes and console pages and navigation all ask
 * this table; no other code lists roles. (Which roles may vote on one approval is data of that
 * approval — its policy's `approverRoles` — not a permission.)
 */
export const MEMBER_ROLES = ["owner", "admin", "approver", "auditor", "viewer"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** Each permission: what it allows, and the roles that hold it. */
export const PERMISSIONS = {
  "agents.read": { allows: "listing the org's agents", roles: ["owner", "admin", "approver", "auditor", "viewer"] },
  "agents.manage": { allows: "creating, halting and resuming agents", roles: ["owner", "admin"] },
  "keys.manage": { allows: "issuing, listing and revoking API keys", roles: ["owner", "admin"] },
  "keys.own": {
    allows: "issuing, listing and revoking one's own admin keys, which act with one's role at each call and never more (a role change or a removal revokes them)",
    roles: ["owner", "admin", "approver", "auditor"],
  },
  "policies.write": { allows: "changing the org's policies", roles: ["owner", "admin"] },
  "settings.write": { allows: "changing the org's settings", roles: ["owner", "admin"] },
  "approvals.read": { allows: "reading the approval queue (auditors read the audit log only)", roles: ["owner", "admin", "approver", "viewer"] },
  "audit.verify": { allows: "asking the server to recompute and verify the whole audit log (agents' keys may too)", roles: ["owner", "admin", "auditor"] },
  "audit.export": { allows: "exporting the audit log (agents' keys export their own agent's entries only)", roles: ["owner", "admin", "auditor"] },
  "audit.keys.rotate": { allows: "rotating the audit log's signing key", roles: ["owner", "admin"] },
  "audit.erase": {
    allows: "erasing the values of audit entries' committed fields (personal or secret data), for entries or a subject, with a reason; the log stays verifiable",
    roles: ["owner"],
  },
  "audit.retention": {
    allows:
      "setting or shortening a retention (settings.retention): the worker then erases the values of the log's erasable fields, or drops whole old months, as an erasure does; lengthening or removing one needs settings.write alone",
    roles: ["owner"],
  },
  "posture.read": { allows: "reading the org's posture score, its findings and the overview's figures", roles: ["owner", "admin", "approver", "auditor", "viewer"] },
  "events.read": { allows: "following the org's live events", roles: ["owner", "admin", "approver", "auditor", "viewer"] },
  "content.scan": {
    allows: "scanning a text or a JSON value for secrets and personal data (POST /v1/scan: the built-in detectors and the org's own; nothing is stored; agents' keys may too)",
    roles: ["owner", "admin", "approver", "auditor", "viewer"],
  },
  "members.read": { allows: "listing the org's members (emails, roles, last activity) and pending invitations", roles: ["owner", "admin", "auditor"] },
  "members.manage": { allows: "inviting members, changing their roles and removing them (never above one's own rank)", roles: ["owner", "admin"] },
  "delegations.revoke": { allows: "revoking any agent's delegations (and with each, its whole subtree)", roles: ["owner", "admin"] },
  "content.detectors": {
    allows: "adding, changing, testing and deleting the org's own content detectors (patterns the screen looks for beside the built-in ones)",
    roles: ["owner", "admin"],
  },
  "integrations.manage": {
    allows: "managing the org's webhook endpoints (their secrets, delivery logs, redeliveries and test sends)",
    roles: ["owner", "admin"],
  },
  "org.write": { allows: "renaming the org and changing its slug", roles: ["owner"] },
  "org.close": { allows: "closing the org (its keys stop, only owners keep read-only access to its audit log)", roles: ["owner"] },
} as const satisfies Record<string, { allows: string; roles: readonly MemberRole[] }>;

export type Permission = keyof typeof PERMISSIONS;

export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

/** Whether a member with `role` holds `permission`. */
export function hasPermission(role: MemberRole, permission: Permission): boolean {
  const roles: readonly MemberRole[] = PERMISSIONS[permission].roles;
  return roles.includes(role);
}

/**
 * Member roles by rank, highest first. A member may act on another member's credentials (their admin
 * keys) only if their role ranks at least as high as the other's: an owner on anyone's, an admin on
 * an admin's but not an owner's. (Below admin no role holds `keys.manage`; their order only completes
 * the ranking.)
 */
export const ROLE_RANKING: readonly MemberRole[] = ["owner", "admin", "approver", "auditor", "viewer"];

/** Whether a member with role `actor` may act on the credentials of a member with role `target`. */
export function canActOnRole(actor: MemberRole, target: MemberRole): boolean {
  return ROLE_RANKING.indexOf(actor) <= ROLE_RANKING.indexOf(target);
}

/** The roles that hold `permission`, in catalogue order (for messages). */
export function rolesWith(permission: Permission): readonly MemberRole[] {
  return PERMISSIONS[permission].roles;
}

/** Whether `role` is the org's highest (an org always keeps at least one member with it). */
export function isTopRole(role: MemberRole): boolean {
  return ROLE_RANKING[0] === role;
}

/** The org's highest role, for queries that count its holders. */
export const TOP_ROLE: MemberRole = ROLE_RANKING[0] ?? "owner";

/** Who may vote on an approval when its policy names no `approverRoles`: the policy schema's default. */
export const DEFAULT_APPROVER_ROLES: readonly MemberRole[] = ["approver", "admin", "owner"];
