import { describe, expect, expectTypeOf, it } from "vitest";
import { PermissionDeniedError } from "../src/errors.ts";
import type { PolicyLibrary } from "../src/types.ts";
import { ADMIN_KEY, adminClient, apiError, json } from "./helpers.ts";

const library: PolicyLibrary = {
  templates: [
    {
      id: "payments",
      title: "Payments with two approvers",
      summary: "Payments over 100 need two approvers.",
      rationale: "Money moves once. Two people check it.",
      packs: ["agentic-risks"],
      policies: [
        {
          name: "payments.two-approvers",
          actions: ["payment.send"],
          agents: ["*"],
          effect: "require_approval",
          approval: { quorum: 2, approverRoles: ["approver"], approvers: [], excludeAgentOwner: true },
          mode: "enforce",
        },
      ],
      tests: [
        {
          name: "held",
          request: { actionType: "payment.send", agent: "test-agent", agentLabels: {}, metadata: { amount: 500 }, dataAccessed: [] },
          expect: { effect: "require_approval", policy: "payments.two-approvers" },
        },
      ],
    },
  ],
  packs: [
    {
      id: "agentic-risks",
      title: "Agentic application risks (OWASP-style)",
      framework: "OWASP-style",
      description: "Risks of agents.",
      controls: [{ id: "runaway-behaviour", title: "Runaway loops", templates: ["payments"] }],
    },
  ],
};

describe("admin.policies.library()", () => {
  it("GETs /v1/admin/policies/library with the admin key and returns the library, typed", async () => {
    const { admin, calls } = adminClient([json(200, library)], { baseUrl: "https://gh.example.com/" });
    const result = await admin.policies.library();
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual([
      "GET",
      "https://gh.example.com/v1/admin/policies/library",
      `Bearer ${ADMIN_KEY}`,
    ]);
    expectTypeOf(result).toEqualTypeOf<PolicyLibrary>();
    expect(result).toEqual(library);
  });

  it("throws the server's refusal as a typed error", async () => {
    const { admin } = adminClient([apiError(403, "FORBIDDEN")]);
    await expect(admin.policies.library()).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});
