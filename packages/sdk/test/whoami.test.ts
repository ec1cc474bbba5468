import { describe, expect, expectTypeOf, it } from "vitest";
import type { CircuitState, PolicyRef, WhoAmI } from "../src/types.ts";
import { API_KEY, client, json } from "./helpers.ts";

const me = {
  org: { id: "org_1", slug: "acme", name: "Acme" },
  agent: { id: "agt_1", name: "release-bot", status: "active", labels: { team: "infra" }, cbState: "closed" },
  key: { id: "key_1", prefix: "gh_agent_ab12", lastFour: "9f3c", kind: "agent" },
  policies: [{ name: "allow-reads", version: 2 }],
};

describe("whoami()", () => {
  it("GETs /v1/whoami with the bearer token and no body", async () => {
    const { gatehouse, calls } = client([json(200, me)]);
    await gatehouse.whoami();
    expect({
      method: calls[0]?.init.method,
      url: calls[0]?.url,
      authorization: calls[0]?.headers.get("authorization"),
      body: calls[0]?.init.body,
    }).toEqual({
      method: "GET",
      url: "http://localhost:4000/v1/whoami",
      authorization: `Bearer ${API_KEY}`,
      body: undefined,
    });
  });

  it("returns the agent's breaker state and policies, typed", async () => {
    const { gatehouse } = client([json(200, me)]);
    const identity = await gatehouse.whoami();
    expectTypeOf(identity).toEqualTypeOf<WhoAmI>();
    expectTypeOf(identity.agent?.cbState).toEqualTypeOf<CircuitState | undefined>();
    expectTypeOf(identity.policies).toEqualTypeOf<PolicyRef[] | undefined>();
    expect([identity.agent?.cbState, identity.policies]).toEqual(["closed", [{ name: "allow-reads", version: 2 }]]);
  });

  it("returns the identity, including fields the SDK does not know yet", async () => {
    const answer = { ...me, org: { ...me.org, plan: "team" } };
    const { gatehouse } = client([json(200, answer)]);
    await expect(gatehouse.whoami()).resolves.toEqual(answer);
  });
});
