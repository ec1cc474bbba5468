import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { canActOnRole, hasPermission, isTopRole, MEMBER_ROLES, TOP_ROLE, PERMISSION_NAMES, PERMISSIONS, ROLE_RANKING, type MemberRole, type Permission } from "../src/permissions";

// Who may do what, written out role by role. The catalogue must say exactly this: a change here is a
// change of who can do what, and it is made on purpose, in both places.
const EXPECTED: Record<Permission, Record<MemberRole, boolean>> = {
  "agents.read": { owner: true, admin: true, approver: true, auditor: true, viewer: true },
  "agents.manage": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "keys.manage": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "keys.own": { owner: true, admin: true, approver: true, auditor: true, viewer: false },
  "policies.write": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "settings.write": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "approvals.read": { owner: true, admin: true, approver: true, auditor: false, viewer: true },
  "audit.verify": { owner: true, admin: true, approver: false, auditor: true, viewer: false },
  "audit.export": { owner: true, admin: true, approver: false, auditor: true, viewer: false },
  "audit.keys.rotate": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "audit.erase": { owner: true, admin: false, approver: false, auditor: false, viewer: false },
  "audit.retention": { owner: true, admin: false, approver: false, auditor: false, viewer: false },
  "posture.read": { owner: true, admin: true, approver: true, auditor: true, viewer: true },
  "events.read": { owner: true, admin: true, approver: true, auditor: true, viewer: true },
  "content.scan": { owner: true, admin: true, approver: true, auditor: true, viewer: true },
  "content.detectors": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "members.read": { owner: true, admin: true, approver: false, auditor: true, viewer: false },
  "members.manage": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "delegations.revoke": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "integrations.manage": { owner: true, admin: true, approver: false, auditor: false, viewer: false },
  "org.write": { owner: true, admin: false, approver: false, auditor: false, viewer: false },
  "org.close": { owner: true, admin: false, approver: false, auditor: false, viewer: false },
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

// Whose credentials (admin keys) a member may act on, written out pair by pair: at least the target's rank.
const ACTS_ON: Record<MemberRole, Record<MemberRole, boolean>> = {
  owner: { owner: true, admin: true, approver: true, auditor: true, viewer: true },
  admin: { owner: false, admin: true, approver: true, auditor: true, viewer: true },
  approver: { owner: false, admin: false, approver: true, auditor: true, viewer: true },
  auditor: { owner: false, admin: false, approver: false, auditor: true, viewer: true },
  viewer: { owner: false, admin: false, approver: false, auditor: false, viewer: true },
};

describe("canActOnRole", () => {
  it.each(MEMBER_ROLES.flatMap((actor) => MEMBER_ROLES.map((target) => [actor, target, ACTS_ON[actor][target]] as const)))(
    "%s may act on the credentials of %s: %s",
    (actor, target, expected) => {
      expect(canActOnRole(actor, target)).toBe(expected);
    },
  );

  it("ranks every member role exactly once", () => {
    expect([...ROLE_RANKING].sort()).toEqual([...MEMBER_ROLES].sort());
  });
});

// Role checks live in the catalogue alone. Outside it, a list of role names in source code (or a
// comparison of a role with a role name) is a check that bypasses the catalogue. Policy documents'
// `approverRoles` are data (who may vote on an approval), not checks, and stay allowed.
const REPO = resolve(import.meta.dirname, "../../..");
const CATALOGUE = "packages/core/src/permissions.ts";
const ROLE = `["'](?:${MEMBER_ROLES.join("|")})["']`;
const ROLE_LIST = new RegExp(`\\[\\s*${ROLE}(?:\\s*,\\s*${ROLE})*\\s*,?\\s*\\]`, "g");
const ROLE_COMPARISON = new RegExp(`\\brole\\s*[!=]==?\\s*${ROLE}|${ROLE}\\s*[!=]==?\\s*[\\w.]*\\brole\\b`, "gi");
const SKIPPED_DIRS = new Set(["node_modules", "generated", "dist", ".next", "test", "tests", "test-results", "report"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) || entry.name.startsWith(".") ? [] : sourceFiles(path);
    return /\.(ts|tsx|mts|cts|js|mjs)$/.test(entry.name) && !/\.(test|spec)\.[a-z]+$/.test(entry.name) ? [path] : [];
  });
}

/** Role lists and role comparisons in `text`, as `line: match`; lists given as `approverRoles` data are left out. */
function roleChecks(text: string): string[] {
  return text.split("\n").flatMap((line, i) => {
    const lists = [...line.matchAll(ROLE_LIST)].filter((m) => !/approverRoles\b/.test(line.slice(0, m.index)));
    return [...lists, ...line.matchAll(ROLE_COMPARISON)].map((m) => `${i + 1}: ${m[0]}`);
  });
}

const roots = ["apps", "packages", "scripts", "bench"].map((dir) => join(REPO, dir));
const files = roots.flatMap(sourceFiles).map((path) => ({ path: relative(REPO, path), text: readFileSync(path, "utf8") }));

describe("the permission catalogue is the only place that lists roles", () => {
  it.each([
    ['requireRole(ctx, ["owner", "admin"], "x")', true],
    ["const READERS = ['owner', 'viewer'];", true],
    ['if (actor.role === "owner") return;', true],
    ['approval: { quorum: 1, approverRoles: ["approver", "admin", "owner"] }', false],
    ['const kinds = ["agent", "admin"];', false],
  ])("the scan of %s finds a role check: %s", (line, found) => {
    expect(roleChecks(line).length > 0).toBe(found);
  });

  it("reads the repository's sources, the catalogue among them", () => {
    expect(files.map((f) => f.path)).toContain(CATALOGUE);
    expect(files.length).toBeGreaterThan(100);
  });

  it("finds no role list or role comparison outside the catalogue", () => {
    const found = files.filter((f) => f.path !== CATALOGUE).flatMap((f) => roleChecks(f.text).map((hit) => `${f.path}:${hit}`));
    expect(found).toEqual([]);
  });

  it("every permission of the catalogue is checked somewhere", () => {
    const unchecked = PERMISSION_NAMES.filter((permission) => !files.some((f) => f.path !== CATALOGUE && f.text.includes(`"${permission}"`)));
    expect(unchecked).toEqual([]);
  });
});

describe("isTopRole", () => {
  it("only the owner is the top role (the one an org never runs out of)", () => {
    expect(MEMBER_ROLES.filter(isTopRole)).toEqual(["owner"]);
    expect(TOP_ROLE).toBe("owner");
  });
});
