import { describe, expect, it } from "vitest";
import { API_KEY, client, json } from "./helpers.ts";

const me = {
  org: { id: "org_1", slug: "acme", name: "Acme" },
  agent: { id: "agt_1", name: "release-bot", status: "active", labels: { team: "infra" } },
  key: { id: "key_1", prefix: "gh_agent_ab12", lastFour: "9f3c" },
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

  it("returns the identity, including fields the SDK does not know yet", async () => {
    const answer = { ...me, org: { ...me.org, plan: "team" } };
    const { gatehouse } = client([json(200, answer)]);
    await expect(gatehouse.whoami()).resolves.toEqual(answer);
  });
});
