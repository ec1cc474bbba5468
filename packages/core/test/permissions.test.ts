import { describe, expect, it } from "vitest";
import { hasPermission, MEMBER_ROLES, PERMISSION_NAMES, PERMISSIONS, type MemberRole, type Permission } from "../src/permissions";

// Who may do what, written out role by role. The catalogue must say exactly this: a change here is a
// change of who can do what, and it is made on purpose, in both places.
const EXPECTED: Record<Permission, Record<MemberRole, boolean>> = {
  "agents.read": { owner: true, admin: true, approver: true, auditor: true, viewer: true },
  "agents.manage": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "keys.manage": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "policies.write": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "settings.write": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "approvals.read": { owner: true, admin: true, approver: true, auditor: false, viewer: true },
  "audit.keys.rotate": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "events.read": { owner: true, admin: true, approver: true, auditor: true, viewer: true },
};

const cases = PERMISSION_NAMES.flatMap((permission) => MEMBER_ROLES.map((role) => [role, permission, EXPECTED[permission][role]] as const));

describe("hasPermission", () => {
  it.each(cases)("%s holds %s: %s", (role, permission, expected) => {
    expect(hasPermission(role, permission)).toBe(expected);
  });

  it("the catalogue names exactly the permissions of the expected table", () => {
    expect([...PERMISSION_NAMES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it("every permission says what it allows", () => {
    for (const permission of PERMISSION_NAMES) expect(PERMISSIONS[permission].allows.length).toBeGreaterThan(0);
  });
});
