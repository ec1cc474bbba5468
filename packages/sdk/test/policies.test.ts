import { describe, expect, expectTypeOf, it } from "vitest";
import type { PolicyList } from "../src/types.ts";
import { API_KEY, client, json } from "./helpers.ts";

const list = {
  scope: "org",
  policies: [
    {
      name: "allow-reads",
      version: 2,
      versionId: "pov_1",
      contentHash: "ab".repeat(32),
      document: { name: "allow-reads", actions: ["*.read"], agents: ["*"], effect: "allow", mode: "enforce" },
    },
  ],
} as const;

describe("policies()", () => {
  it("GETs /v1/policies without a scope by default, leaving the server's default (own)", async () => {
    const { gatehouse, calls } = client([json(200, { ...list, scope: "own" })]);
    await gatehouse.policies();
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual(["GET", "http://localhost:4000/v1/policies", `Bearer ${API_KEY}`]);
  });

  it.each(["own", "org"] as const)("asks for scope=%s", async (scope) => {
    const { gatehouse, calls } = client([json(200, { ...list, scope })]);
    await gatehouse.policies({ scope });
    expect(calls[0]?.url).toBe(`http://localhost:4000/v1/policies?scope=${scope}`);
  });

  it("returns the policies with their documents, typed as a PolicyList", async () => {
    const { gatehouse } = client([json(200, list)]);
    const result = await gatehouse.policies({ scope: "org" });
    expectTypeOf(result).toEqualTypeOf<PolicyList>();
    expect(result).toEqual(list);
  });
});
