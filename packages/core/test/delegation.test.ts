import { describe, expect, it } from "vitest";
import { checkChain, covers, patternCovers, uncoveredCapability, type ChainLink } from "../src/delegation/attenuation";
import { delegationSettings } from "../src/delegation/settings";
import { compilePattern } from "../src/policy/match-pattern";

describe("patternCovers (attenuation)", () => {
  it.each([
    // [parent, child, covered]
    ["*", "pr.open", true],
    ["*", "*", true],
    ["*", "pr.*", true],
    ["**", "pr.*", true],
    ["pr.*", "pr.open", true],
    ["pr.*", "pr.*", true],
    ["pr.*", "pr.**", true],
    ["pr.*", "pr.*.x", true],
    ["pr.*", "pr.a*", true],
    ["pr.*", "pr.*x", true],
    ["pr.*", "pr.", true],
    ["pr.open", "pr.open", true],
    ["pr.open", "pr.*", false],
    ["pr.open", "pr.ope*", false],
    ["pr.open", "*", false],
    ["pr.*", "*", false],
    ["pr.*", "pr*", false],
    ["pr.*", "p*", false],
    ["pr.*", "*.open", false],
    ["pr.*", "prx.open", false],
    ["pr.*", "pr", false],
    ["pr.*.x", "pr.*", false],
    ["pr.*.x", "pr.a.x", true],
    ["pr.*.x", "pr.a.b.x", true],
    ["pr.*.x", "pr.*.x", true],
    ["pr.*.x", "pr.a*.x", true],
    ["pr.*.x", "pr.*.y", false],
    ["pr.*.x", "pr.*.*", false],
    ["pr.*.x", "pr.*x", false],
    ["*.read", "db.read", true],
    ["*.read", "*.read", true],
    ["*.read", "db.*", false],
    ["*.read", "*", false],
    ["*.read", "*read", false],
    ["*.*", "a.b", true],
    ["*.*", "*.b", true],
    ["*.*", "*", false],
    ["a*b", "a*b", true],
    ["a*b", "ab", true],
    ["a*b", "a*", false],
    ["a*b", "*b", false],
    ["a*b*c", "a*b*c", true],
    ["a*b*c", "ab*bc", true],
    ["a*b*c", "a*c", false],
    ["a*c", "a*b*c", true],
    ["deploy.prod", "deploy.prod*", false],
    ["deploy.prod", "deploy.pro", false],
    ["", "", true],
    ["", "*", false],
  ])("%s covers %s: %s", (parent, child, expected) => {
    expect(patternCovers(parent, child)).toBe(expected);
  });

  // Soundness, checked against the matcher itself: whenever a parent is said to cover a child, every
  // expansion of the child (each `*` replaced by a sample of strings) is matched by the parent.
  const samples = ["", "a", "x", ".", "a.b", "open", "*"];
  const pairs = ["*", "pr.*", "pr.open", "pr.*.x", "*.read", "a*b", "a*b*c", "pr.*x", "*.*", "a*c", "p*", "pr*"];
  it.each(pairs.flatMap((p) => pairs.map((c) => [p, c] as const)))("%s over %s is sound", (parent, child) => {
    if (!patternCovers(parent, child)) return;
    const match = compilePattern(parent);
    const expand = (pattern: string): string[] => {
      const at = pattern.indexOf("*");
      if (at < 0) return [pattern];
      return samples.filter((s) => s !== "*").flatMap((s) => expand(pattern.slice(0, at) + s + pattern.slice(at + 1)));
    };
    for (const word of expand(child)) expect(match(word), `${parent} should match ${word}`).toBe(true);
  });
});

describe("covers and uncoveredCapability", () => {
  it("any one parent pattern covering the child suffices", () => {
    expect(covers(["db.read", "pr.*"], "pr.open")).toBe(true);
    expect(covers(["db.read", "pr.open"], "pr.*")).toBe(false);
    expect(covers([], "pr.open")).toBe(false);
  });
  it("names the first capability not covered", () => {
    expect(uncoveredCapability(["pr.*"], ["pr.open", "pr.merge"])).toBeNull();
    expect(uncoveredCapability(["pr.*"], ["pr.open", "deploy.prod", "db.*"])).toBe("deploy.prod");
    expect(uncoveredCapability(["*"], ["*"])).toBeNull();
  });
  it("nested narrowing: each level covered by the one above", () => {
    const root = ["*"];
    const child = ["pr.*", "db.read"];
    const grandchild = ["pr.open"];
    expect(uncoveredCapability(root, child)).toBeNull();
    expect(uncoveredCapability(child, grandchild)).toBeNull();
    expect(uncoveredCapability(grandchild, ["pr.*"])).toBe("pr.*");
  });
});

describe("checkChain", () => {
  const now = new Date("2026-11-22T12:00:00Z");
  const link = (over: Partial<ChainLink> = {}): ChainLink => ({
    delegationId: "dlg_1",
    agentId: "agt_1",
    agentName: "a",
    parentAgentId: "agt_0",
    capabilities: ["pr.*"],
    expiresAt: new Date(now.getTime() + 60_000),
    revokedAt: null,
    ...over,
  });
  it.each<[string, ChainLink[], string, ReturnType<typeof checkChain>]>([
    ["root agent (no chain)", [], "anything", null],
    ["covered by one link", [link()], "pr.open", null],
    ["outside the scope", [link()], "deploy.prod", "DELEGATION_SCOPE"],
    ["covered by the child but not its parent link", [link({ capabilities: ["pr.open"] }), link({ capabilities: ["pr.*"] })], "pr.merge", "DELEGATION_SCOPE"],
    ["covered by every link", [link({ capabilities: ["*"] }), link({ capabilities: ["pr.*"] }), link({ capabilities: ["pr.open"] })], "pr.open", null],
    ["expired at exactly now", [link({ expiresAt: now })], "pr.open", "DELEGATION_EXPIRED"],
    ["expired one second ago", [link({ expiresAt: new Date(now.getTime() - 1000) })], "pr.open", "DELEGATION_EXPIRED"],
    ["an ancestor link expired", [link({ expiresAt: new Date(now.getTime() - 1) }), link()], "pr.open", "DELEGATION_EXPIRED"],
    ["revoked", [link({ revokedAt: now })], "pr.open", "DELEGATION_REVOKED"],
    ["an ancestor revoked", [link({ revokedAt: now }), link()], "pr.open", "DELEGATION_REVOKED"],
    ["revoked wins over expired and scope", [link({ revokedAt: now, expiresAt: now })], "deploy", "DELEGATION_REVOKED"],
    ["expired wins over scope", [link({ expiresAt: now })], "deploy", "DELEGATION_EXPIRED"],
  ])("%s", (_name, chain, actionType, expected) => {
    expect(checkChain(chain, actionType, now)).toBe(expected);
    expect(checkChain(chain, actionType, now.getTime())).toBe(expected);
  });
});

describe("delegationSettings", () => {
  it.each([
    [undefined, { maxDepth: 5, maxActiveChildren: 100 }],
    [{ delegation: { maxDepth: 2 } }, { maxDepth: 2, maxActiveChildren: 100 }],
    [{ delegation: { maxDepth: 99 } }, { maxDepth: 5, maxActiveChildren: 100 }],
  ])("%j", (stored, expected) => {
    expect(delegationSettings(stored)).toEqual(expected);
  });
});
