import { afterAll, describe, expect, it } from "vitest";
import { closeSignals, disconnectDb } from "../src";
import { authenticateApiKey, evictKeyCache } from "../src/keys/authenticate-api-key";
import { createTestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

describe("authenticateApiKey", () => {
  it("requests with the same key that arrive while it is looked up share the one lookup", async () => {
    const org = await createTestOrg({ label: "keyshare" });
    evictKeyCache();
    const principals = await Promise.all(Array.from({ length: 20 }, () => authenticateApiKey(org.agent.apiKey)));
    expect(new Set(principals).size).toBe(1);
    expect(principals[0]?.actor).toMatchObject({ type: "agent", agentId: org.agent.id });
  });
});
