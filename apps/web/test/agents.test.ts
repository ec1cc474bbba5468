import { describe, expect, it } from "vitest";
import { agentSnippets, callCoverage, keyState, labelText, parseExpiryDays, parseLabels } from "../src/lib/agents";

describe("parseLabels", () => {
  it("reads key=value pairs separated by commas or lines, trimmed; pairs without a key are skipped", () => {
    expect(parseLabels(" team = payments, env=prod\nowner=a=b ,=x, junk ")).toEqual({ team: "payments", env: "prod", owner: "a=b" });
    expect(parseLabels("")).toEqual({});
  });
});

describe("parseExpiryDays", () => {
  it("is a whole positive number of days or none", () => {
    expect(parseExpiryDays("30")).toBe(30);
    expect(parseExpiryDays("")).toBeUndefined();
    expect(parseExpiryDays("0")).toBeUndefined();
  });
});

describe("agentSnippets", () => {
  it("fills the SDK, curl and CLI snippets with the key and the API URL", () => {
    const { sdk, curl, cli } = agentSnippets("https://gatehouse.example", "gh_agent_abc");
    expect(sdk).toContain('await gatehouse.gate("deploy.staging"');
    expect(cli).toContain("GATEHOUSE_API_KEY=gh_agent_abc npm run gatehouse -- tail --base-url https://gatehouse.example");
    expect(cli).not.toMatch(/npx (@gatehouse\/cli|gatehouse)\b/);
    expect(sdk).toContain('new Gatehouse({ apiKey: "gh_agent_abc", baseUrl: "https://gatehouse.example" })');
    expect(curl).toContain("curl -sS -X POST https://gatehouse.example/v1/actions");
    expect(curl).toContain('-H "authorization: Bearer gh_agent_abc"');
  });
});

describe("agentSnippets without the key at hand (the demo checklist showed YOUR_AGENT_KEY)", () => {
  it("reads the key from GATEHOUSE_API_KEY, and never writes a placeholder", () => {
    const { sdk, curl, cli } = agentSnippets("http://localhost:4000", null);
    expect(sdk).toContain('new Gatehouse({ apiKey: process.env.GATEHOUSE_API_KEY ?? "", baseUrl: "http://localhost:4000" })');
    expect(sdk).toContain("GATEHOUSE_API_KEY");
    expect(curl).toContain('-H "authorization: Bearer $GATEHOUSE_API_KEY"');
    expect(cli).toContain("\nnpm run gatehouse -- tail --base-url http://localhost:4000");
    expect(`${sdk}${curl}${cli}`).not.toMatch(/YOUR_|null|undefined/);
  });
});

describe("keyState", () => {
  const now = Date.parse("2026-11-22T12:00:00Z");
  it("says revoked, expired or active with its expiry", () => {
    expect(keyState({ revokedAt: "2026-11-21T00:00:00Z", expiresAt: null }, now)).toBe("revoked 21 Nov 2026, 00:00:00 UTC");
    expect(keyState({ revokedAt: null, expiresAt: "2026-11-22T11:00:00Z" }, now)).toBe("expired 22 Nov 2026, 11:00:00 UTC");
    expect(keyState({ revokedAt: null, expiresAt: "2026-11-29T12:00:00Z" }, now)).toBe("active, expires 29 Nov 2026, 12:00:00 UTC");
    expect(keyState({ revokedAt: null, expiresAt: null }, now)).toBe("active");
  });
});

describe("labelText", () => {
  it("lists labels by key", () => {
    expect(labelText({ team: "e2e", env: "test" })).toBe("env=test, team=e2e");
    expect(labelText({})).toBe("");
  });
});

describe("callCoverage (the agents page's Calls column, GET /v1/coverage's counts)", () => {
  const none = { count: 0, lastSeenAt: null };
  const some = (count: number) => ({ count, lastSeenAt: "2026-11-27T03:00:00.000Z" });
  const calls = (wrapped: number, declared: number, adapter: number, direct: number) => ({
    since: "2026-10-29T00:00:00.000Z",
    modelCalls: { wrapped: wrapped ? some(wrapped) : none, declared: declared ? some(declared) : none },
    toolCalls: { adapter: adapter ? some(adapter) : none, direct: direct ? some(direct) : none },
  });

  it("says none for an agent with no model or tool call", () => {
    expect(callCoverage(calls(0, 0, 0, 0))).toEqual({ model: "none", tool: "none", bypassesWrappers: false });
  });

  it("counts wrapped against unwrapped model calls, and adapter against hand-sent tool calls", () => {
    expect(callCoverage(calls(3, 2, 4, 1))).toEqual({ model: "3 wrapped, 2 unwrapped", tool: "4 via adapter, 1 by hand", bypassesWrappers: true });
  });

  it("warns only when a model call's spend was declared by hand (a Python agent with wrap_openai does not bypass)", () => {
    expect(callCoverage(calls(5, 0, 0, 2)).bypassesWrappers).toBe(false);
    expect(callCoverage(calls(0, 1, 0, 0))).toMatchObject({ model: "0 wrapped, 1 unwrapped", bypassesWrappers: true });
  });
});
