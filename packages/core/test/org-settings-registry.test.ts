import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ORG_SETTING_KEYS, mergeOrgSettings, orgSetting, readOrgSettings, type SettingsPatch } from "../src/orgs/settings/registry";
import { SETTING_RULES, weakeningChanges } from "../src/orgs/weakening-settings";

// The registry is the one list of org settings: the settings read, a change's merge, the API's schemas and the
// two-admin rule's table all walk it. What each of them relies on holds for every setting in it.
describe("the org settings registry", () => {
  const defaults = readOrgSettings({});

  it("reads nothing stored as every setting's default, a value its own schema accepts", () => {
    for (const key of ORG_SETTING_KEYS) {
      expect(orgSetting(key).value.safeParse(defaults[key]).success, key).toBe(true);
    }
  });

  it("reads a stored value of the wrong shape as the default, setting by setting", () => {
    const garbage = Object.fromEntries(ORG_SETTING_KEYS.map((key) => [key, "not a setting"]));
    expect(readOrgSettings(garbage)).toEqual(defaults);
    expect(readOrgSettings(null)).toEqual(defaults);
  });

  it("has a weakening rule for every setting, and the defaults compared with themselves weaken nothing", () => {
    expect(Object.keys(SETTING_RULES)).toEqual(ORG_SETTING_KEYS);
    expect(weakeningChanges(defaults, defaults)).toEqual([]);
  });

  it("an empty change changes nothing; a change of one setting leaves every other as it was", () => {
    expect(mergeOrgSettings(defaults, {})).toEqual(defaults);
    const after = mergeOrgSettings(defaults, { loops: { maxRepeats: 5 } });
    expect(after.loops).toEqual({ ...defaults.loops, maxRepeats: 5 });
    for (const key of ORG_SETTING_KEYS.filter((k) => k !== "loops")) expect(after[key], key).toEqual(defaults[key]);
  });

  it("a field left out of a group's change keeps its value, never its default", () => {
    const before = mergeOrgSettings(defaults, { policies: { requireSecondApproval: true } });
    expect(mergeOrgSettings(before, { policies: { reportOnly: true } }).policies).toEqual({ reportOnly: true, requireSecondApproval: true, failurePolicy: "deny" });
  });

  it("any change its patch schema accepts merges into a value the setting's schema accepts (generated changes)", () => {
    // Generated changes of the numeric and boolean groups, inside and outside their bounds: what the patch refuses never
    // reaches merge; what it accepts always leaves a valid value.
    const changes = fc.record(
      {
        circuitBreaker: fc.record({ failureThreshold: fc.integer({ min: -5, max: 20_000 }), windowSeconds: fc.integer({ min: -5, max: 100_000 }) }, { requiredKeys: [] }),
        delegation: fc.record({ maxDepth: fc.integer({ min: 0, max: 12 }), maxActiveChildren: fc.integer({ min: 0, max: 1200 }) }, { requiredKeys: [] }),
        loops: fc.record({ enabled: fc.boolean(), maxRepeats: fc.integer({ min: 0, max: 200_000 }), haltAgent: fc.boolean() }, { requiredKeys: [] }),
        grants: fc.record({ enabled: fc.boolean(), maxUses: fc.integer({ min: 0, max: 20_000 }) }, { requiredKeys: [] }),
        approvalTimeoutSeconds: fc.integer({ min: 0, max: 700_000 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(changes, (change) => {
        const accepted: Record<string, unknown> = {};
        for (const [key, patch] of Object.entries(change)) {
          const parsed = orgSetting(key as (typeof ORG_SETTING_KEYS)[number]).patch.safeParse(patch);
          if (parsed.success) accepted[key] = parsed.data;
        }
        const after = mergeOrgSettings(defaults, accepted as SettingsPatch);
        for (const key of ORG_SETTING_KEYS) expect(orgSetting(key).value.safeParse(after[key]).success, key).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
