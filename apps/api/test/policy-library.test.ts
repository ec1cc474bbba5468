import { policyLibrary, POLICY_TEMPLATES } from "@gatehouse/core";
import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, writesOf } from "./helpers";

let app: FastifyInstance;
let org: TestOrg;

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "library" });
});
afterAll(async () => {
  await stopApp(app);
});

describe("GET /v1/admin/policies/library", () => {
  it("answers every template and pack to any member, the viewer included, and writes nothing", async () => {
    const viewer = await addTestMember(org, "viewer");
    const before = await writesOf(org.org.id);
    const response = await call(app, "GET", "/v1/admin/policies/library", { key: viewer.apiKey });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual(JSON.parse(JSON.stringify(policyLibrary())));
    expect(body.templates.map((t: { id: string }) => t.id)).toEqual(POLICY_TEMPLATES.map((t) => t.id));
    expect(body.packs.map((p: { id: string }) => p.id)).toEqual(["agentic-risks", "soc2-change-management", "eu-ai-act-art14", "hipaa-phi"]);
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it("refuses an agent's key (403) and no key (401)", async () => {
    expect((await call(app, "GET", "/v1/admin/policies/library", { key: org.agent.apiKey })).statusCode).toBe(403);
    expect((await call(app, "GET", "/v1/admin/policies/library")).statusCode).toBe(401);
  });

  it("serves policies the server accepts as they are, and that decide live requests as their tests say", async () => {
    const { templates } = (await call(app, "GET", "/v1/admin/policies/library", { key: org.adminKey.apiKey })).json();
    const policies = templates.flatMap((t: { policies: unknown[] }) => t.policies);
    const applied = await call(app, "PUT", "/v1/admin/policies", { key: org.adminKey.apiKey, body: { policies } });
    expect(applied.statusCode).toBe(200);
    expect(applied.json().created).toHaveLength(policies.length);

    // The org's agent is `test-agent`: every test written for it gets the same decision from canI.
    type Test = {
      name: string;
      request: { actionType: string; agent: string; agentLabels: Record<string, string>; metadata: unknown; dataAccessed: unknown };
      expect: { effect: string; policy?: string | null };
    };
    const tests = (templates as Array<{ tests: Test[] }>)
      .flatMap((t) => t.tests)
      .filter((t) => t.request.agent === "test-agent" && Object.keys(t.request.agentLabels).length === 0);
    expect(tests.length).toBeGreaterThan(40);
    for (const test of tests) {
      const response = await call(app, "POST", "/v1/actions/check", {
        key: org.agent.apiKey,
        body: { actionType: test.request.actionType, metadata: test.request.metadata, dataAccessed: test.request.dataAccessed },
      });
      expect(response.statusCode).toBe(200);
      const result = response.json();
      const effect = result.allowed ? "allow" : result.needsApproval ? "require_approval" : "deny";
      const policy = result.policyName ?? null;
      expect({ test: test.name, effect, ...(test.expect.policy !== undefined ? { policy } : {}) }).toEqual({
        test: test.name,
        effect: test.expect.effect,
        ...(test.expect.policy !== undefined ? { policy: test.expect.policy } : {}),
      });
    }
  });
});
