import { describe, expect, it } from "vitest";
import { hasPermission, MEMBER_ROLES } from "../src/permissions";
import { readOrgSettings, type EnforcementSettings } from "../src/orgs/settings/registry";
import { guardedChanges, SETTING_RULES } from "../src/orgs/weakening-settings";

// Retention removes evidence as an erasure does (issue 62, point 4): which settings changes need a permission beside
// settings.write, and which one. Setting or shortening any retention needs audit.retention (owners only); keeping more
// (lengthening, removing) needs nothing more, and no other setting names a permission.

const KEPT = readOrgSettings({});
const withRetention = (retention: Partial<EnforcementSettings["retention"]>): EnforcementSettings => ({ ...KEPT, retention: { ...KEPT.retention, ...retention } });

// [what, before, after, the fields that need audit.retention]
const TABLE: Array<[string, Partial<EnforcementSettings["retention"]>, Partial<EnforcementSettings["retention"]>, string[]]> = [
  ["setting decisions", {}, { decisions: 30 }, ["retention.decisions"]],
  ["setting outcomes", {}, { outcomes: 1 }, ["retention.outcomes"]],
  ["setting postconditions", {}, { postconditions: 1 }, ["retention.postconditions"]],
  ["setting evidence", {}, { evidence: 36_500 }, ["retention.evidence"]],
  ["setting personalData", {}, { personalData: 2 }, ["retention.personalData"]],
  ["setting secrets", {}, { secrets: 2 }, ["retention.secrets"]],
  ["setting whole entries", {}, { entries: 400 }, ["retention.entries"]],
  ["shortening decisions by a day", { decisions: 90 }, { decisions: 89 }, ["retention.decisions"]],
  ["shortening whole entries", { entries: 3650 }, { entries: 31 }, ["retention.entries"]],
  ["shortening two at once", { decisions: 90, secrets: 90 }, { decisions: 1, secrets: 1 }, ["retention.decisions", "retention.secrets"]],
  ["shortening one, lengthening another", { decisions: 90, outcomes: 90 }, { decisions: 365, outcomes: 7 }, ["retention.outcomes"]],
  ["lengthening", { decisions: 30, entries: 400 }, { decisions: 365, entries: 401 }, []],
  ["removing (0 keeps the values)", { decisions: 30, personalData: 2, entries: 400 }, { decisions: 0, personalData: 0, entries: 0 }, []],
  ["unchanged", { decisions: 30 }, { decisions: 30 }, []],
];

describe("guardedChanges: retention", () => {
  it.each(TABLE)("%s", (_what, before, after, paths) => {
    const guarded = guardedChanges(withRetention(before), withRetention(after));
    expect(guarded.map((change) => change.path)).toEqual(paths);
    for (const change of guarded) expect(change.requires).toBe("audit.retention");
  });

  it("only owners hold audit.retention, as only owners hold audit.erase", () => {
    expect(MEMBER_ROLES.filter((role) => hasPermission(role, "audit.retention"))).toEqual(MEMBER_ROLES.filter((role) => hasPermission(role, "audit.erase")));
    expect(hasPermission("admin", "audit.retention")).toBe(false);
  });

  it("no setting but retention names a permission of its own", () => {
    const named = Object.entries(SETTING_RULES).filter(([, rules]) => hasRequires(rules));
    expect(named.map(([key]) => key)).toEqual(["retention"]);
  });
});

/** Whether a rule, or any rule in a group of them, names a permission (`requires`). */
function hasRequires(rules: object): boolean {
  if ("weakens" in rules) return "requires" in rules;
  return Object.values(rules).some((rule) => typeof rule === "object" && rule !== null && hasRequires(rule as object));
}
