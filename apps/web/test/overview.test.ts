import { OVERVIEW_RANGES as CONTRACT_RANGES } from "@gatehouse/contracts";
import { describe, expect, it } from "vitest";
import { bucketLabel, findingFix, findingHref, formatSeconds, OVERVIEW_RANGES, overviewRange, SSO_UNAVAILABLE_FIX } from "../src/lib/overview";

describe("overview ranges", () => {
  it("are the contract's, in its order (the console keeps a copy out of the browser bundle)", () => {
    expect(OVERVIEW_RANGES).toEqual(CONTRACT_RANGES);
  });

  it("reads the range from the address bar, and falls back to 24 hours for anything else", () => {
    expect(overviewRange("7d")).toBe("7d");
    expect(overviewRange("30d")).toBe("30d");
    expect(overviewRange("1y")).toBe("24h");
    expect(overviewRange(["7d", "30d"])).toBe("24h");
    expect(overviewRange(undefined)).toBe("24h");
  });
});

describe("formatSeconds", () => {
  it("writes a time to decision in the largest unit under which it stays readable", () => {
    expect(formatSeconds(null)).toBe("—");
    expect(formatSeconds(42)).toBe("42 s");
    expect(formatSeconds(150)).toBe("2.5 min");
    expect(formatSeconds(2 * 3600)).toBe("2 h");
    expect(formatSeconds(36 * 3600)).toBe("1.5 d");
  });
});

describe("bucketLabel", () => {
  it("labels hourly points by hour and longer ranges by day, in UTC", () => {
    expect(bucketLabel("2026-11-22T14:00:00.000Z", "24h")).toBe("14:00");
    expect(bucketLabel("2026-11-22T06:00:00.000Z", "7d")).toBe("22 Nov 06h");
    expect(bucketLabel("2026-11-22T00:00:00.000Z", "30d")).toBe("22 Nov");
    expect(bucketLabel("not a time", "30d")).toBe("not a time");
  });
});

describe("findingHref", () => {
  it("sends policy findings to the console's policy editor, and the others where they are fixed", () => {
    expect(findingHref({ id: "coverage.uncovered_action_types", href: "/policies" })).toBe("/policies/draft");
    expect(findingHref({ id: "oversight.high_risk_single_quorum", href: "/policies" })).toBe("/policies/draft");
    expect(findingHref({ id: "audit.not_verified", href: "/audit" })).toBe("/audit?tab=verify");
    expect(findingHref({ id: "audit.old_signing_key", href: "/audit" })).toBe("/audit?tab=keys");
    expect(findingHref({ id: "identity.old_admin_keys", href: "/keys" })).toBe("/keys");
    expect(findingHref({ id: "identity.halted_agents_with_keys", href: "/agents/agent_1" })).toBe("/agents/agent_1");
  });
});

describe("findingFix", () => {
  const sso = { id: "identity.sso_not_required", href: "/settings", fix: "Set up single sign-on and turn on 'SSO required' in the org's sign-in settings." };
  it("links a finding to the place that fixes it", () => {
    expect(findingFix(sso, { ssoAvailable: true })).toEqual({ text: sso.fix, href: "/settings" });
    expect(findingFix({ id: "coverage.uncovered_action_types", href: "/policies", fix: "Write a policy." }, { ssoAvailable: false })).toEqual({
      text: "Write a policy.",
      href: "/policies/draft",
    });
  });
  it("does not send a member to a setting this console cannot turn on: requiring SSO without a provider", () => {
    expect(findingFix(sso, { ssoAvailable: false })).toEqual({ text: SSO_UNAVAILABLE_FIX, href: null });
    expect(SSO_UNAVAILABLE_FIX).toContain("AUTH_OIDC_ISSUER");
  });
});
