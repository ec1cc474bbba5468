import { describe, expect, it } from "vitest";
import { effectiveLoopLimit, LOOP_DEFAULTS, loopFinding, loopReason, loopSettings, loopSettingsSchema, policyLoopSchema } from "../src/limits/loops";
import { parsePolicySet } from "../src/policy/document";
import { compilePolicy, PolicySet } from "../src/policy/evaluate";

const ORG = loopSettingsSchema.parse({});

describe("loop settings", () => {
  it("are on by default: 20 identical calls within 60 s, no halt", () => {
    expect(LOOP_DEFAULTS).toEqual({ enabled: true, maxRepeats: 20, windowSeconds: 60, haltAgent: false });
    expect(loopSettings({})).toEqual(LOOP_DEFAULTS);
    expect(loopSettings(null)).toEqual(LOOP_DEFAULTS);
  });

  it("read what is stored, and an invalid value as the defaults", () => {
    expect(loopSettings({ loops: { maxRepeats: 5, haltAgent: true } })).toEqual({ ...LOOP_DEFAULTS, maxRepeats: 5, haltAgent: true });
    expect(loopSettings({ loops: { maxRepeats: 0 } })).toEqual(LOOP_DEFAULTS);
    expect(loopSettings({ loops: { maxRepeats: 5, extra: 1 } })).toEqual(LOOP_DEFAULTS);
    expect(loopSettings({ loops: "off" })).toEqual(LOOP_DEFAULTS);
  });

  it.each([
    [{ maxRepeats: 0 }, "maxRepeats"],
    [{ maxRepeats: 100_001 }, "maxRepeats"],
    [{ maxRepeats: 2.5 }, "maxRepeats"],
    [{ windowSeconds: 0 }, "windowSeconds"],
    [{ windowSeconds: 3_601 }, "windowSeconds"],
    [{ enabled: "no" }, "enabled"],
  ])("refuse %j, naming %s", (value, field) => {
    const parsed = loopSettingsSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual([field]);
  });
});

describe("the limit a call is held to", () => {
  it("is the org's when no matching policy sets one", () => {
    expect(effectiveLoopLimit(ORG, [])).toEqual({ maxRepeats: 20, windowSeconds: 60, source: "org" });
  });

  it("is none when the org turned detection off and no policy sets one", () => {
    expect(effectiveLoopLimit({ ...ORG, enabled: false }, [])).toBeNull();
  });

  it("is the strictest policy limit: the fewest repeats per second, on a tie the fewer repeats, whatever the order", () => {
    const rules = [
      { policy: "loose", loop: { maxRepeats: 100, windowSeconds: 60 } },
      { policy: "few-but-fast", loop: { maxRepeats: 5, windowSeconds: 1 } },
      { policy: "strict-short", loop: { maxRepeats: 3, windowSeconds: 10 } },
      { policy: "strict-long", loop: { maxRepeats: 3, windowSeconds: 120 } },
      { policy: "same-rate-more", loop: { maxRepeats: 6, windowSeconds: 240 } },
      { policy: "off", loop: false as const },
    ];
    expect(effectiveLoopLimit(ORG, rules)).toEqual({ maxRepeats: 3, windowSeconds: 120, source: "strict-long" });
    expect(effectiveLoopLimit(ORG, [...rules].reverse())).toEqual({ maxRepeats: 3, windowSeconds: 120, source: "strict-long" });
  });

  it("holds a policy's limit even where the org turned detection off, and a raised one over the org's", () => {
    expect(effectiveLoopLimit({ ...ORG, enabled: false }, [{ policy: "p", loop: { maxRepeats: 500, windowSeconds: 60 } }])).toEqual({
      maxRepeats: 500,
      windowSeconds: 60,
      source: "p",
    });
  });

  it("is none when a matching policy says false and none sets a limit", () => {
    expect(effectiveLoopLimit(ORG, [{ policy: "poller", loop: false }])).toBeNull();
  });
});

describe("a call over its limit", () => {
  const limit = { maxRepeats: 3, windowSeconds: 60, source: "org" };
  it.each([
    [3, 0, null],
    [4, 0, { kind: "repeat", count: 4, first: true }],
    [5, 0, { kind: "repeat", count: 5, first: false }],
    [1, 3, null],
    [1, 4, { kind: "ping_pong", count: 4, first: true }],
    [4, 9, { kind: "repeat", count: 4, first: true }],
  ] as const)("%i repeats, %i alternations → %j", (repeats, alternations, expected) => {
    const found = loopFinding(limit, repeats, alternations);
    expect(found === null ? null : { kind: found.kind, count: found.count, first: found.first }).toEqual(expected);
  });

  it("is over when a count is missing (the counter could not count): fails closed, and is no one's first", () => {
    expect(loopFinding(limit, Number.POSITIVE_INFINITY, 0)).toMatchObject({ kind: "repeat", first: false });
  });

  it("says what it was", () => {
    expect(loopReason({ kind: "repeat", count: 21, limit: { maxRepeats: 20, windowSeconds: 60, source: "org" } }, "file.read")).toBe(
      "loop: file.read with the same arguments 21 times within 60 s (limit 20)",
    );
    expect(loopReason({ kind: "ping_pong", count: 21, limit: { maxRepeats: 20, windowSeconds: 60, source: "org" } }, "file.read")).toContain("alternating");
  });
});

describe("a policy's loop", () => {
  it("is a limit with a default window, or false", () => {
    expect(policyLoopSchema.parse({ maxRepeats: 5 })).toEqual({ maxRepeats: 5, windowSeconds: 60 });
    expect(policyLoopSchema.parse(false)).toBe(false);
    expect(policyLoopSchema.safeParse(true).success).toBe(false);
    expect(policyLoopSchema.safeParse({ maxRepeats: 5, extra: 1 }).success).toBe(false);
    expect(policyLoopSchema.safeParse({}).success).toBe(false);
  });

  it("applies to the calls the policy's patterns match, enforce mode only", () => {
    const documents = parsePolicySet({
      policies: [
        { name: "poll", actions: ["ci.status"], effect: "allow", loop: { maxRepeats: 200, windowSeconds: 60 } },
        { name: "watch", actions: ["ci.*"], effect: "allow", mode: "monitor", loop: { maxRepeats: 1 } },
        { name: "deploys", actions: ["deploy.*"], agents: ["release-bot"], effect: "allow", loop: false },
      ],
    });
    const set = new PolicySet(documents.map((d, i) => compilePolicy(d, { versionId: `pv_${i}`, version: 1 })));
    const agent = { id: "agt_1", name: "release-bot", labels: {} };
    expect(set.loopRulesFor("ci.status", agent)).toEqual([{ policy: "poll", loop: { maxRepeats: 200, windowSeconds: 60 } }]);
    expect(set.loopRulesFor("deploy.prod", agent)).toEqual([{ policy: "deploys", loop: false }]);
    expect(set.loopRulesFor("deploy.prod", { ...agent, name: "other" })).toEqual([]);
  });
});
