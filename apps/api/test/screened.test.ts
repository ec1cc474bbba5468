import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, writesOf } from "./helpers";

// What a caller's own screen found in content it does not send (a model call's prompt or answer,
// docs/guardrails.md): judged by the prompt rules on a decision, recorded as flagged on an outcome; the
// same answer from canI as from execute; and what a hostile agent sends in its place refused with a 400
// naming the field, nothing written.

const EMAIL_FINDING = { detector: "email", class: "personalData", path: "prompt.messages[0].content" };
const TOKEN_FINDING = { detector: "github_token", class: "secrets", path: "prompt.messages[1].content" };

let app: FastifyInstance;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => stopApp(app));

async function org(label: string, policies: unknown[] = [{ name: "llm", actions: ["llm.*"], effect: "allow" }], content?: Record<string, string>): Promise<TestOrg> {
  const made = await createTestOrg({ label, policies });
  if (content) {
    const changed = await call(app, "PATCH", "/v1/admin/settings", { key: made.adminKey.apiKey, body: { content } });
    expect(changed.statusCode, changed.body).toBe(200);
  }
  return made;
}

const decide = (o: TestOrg, body: Record<string, unknown>, path = "/v1/actions") =>
  call(app, "POST", path, { key: o.agent.apiKey, body: { actionType: "llm.openai.gpt-4o", ...body } });

describe("screened on a decision", () => {
  it("with the defaults both classes are redacted: the answer names the findings and the rules the caller must apply", async () => {
    const o = await org("scr-defaults");
    const answer = await decide(o, { screened: [EMAIL_FINDING, TOKEN_FINDING] });
    expect(answer.statusCode, answer.body).toBe(200);
    const result = answer.json<Record<string, unknown>>();
    expect(result.status).toBe("executed");
    expect(result.content).toEqual({ secrets: "redact", personalData: "redact" });
    expect(result.findings).toEqual([
      { ...EMAIL_FINDING, action: "redacted", confidence: "high" },
      { ...TOKEN_FINDING, action: "redacted", confidence: "high" },
    ]);
  });

  it("a call that sends no screened gets no content rules in its answer (the answer's shape is as it was)", async () => {
    const o = await org("scr-none");
    const result = (await decide(o, {})).json<Record<string, unknown>>();
    expect(result).not.toHaveProperty("content");
  });

  it("a deny rule refuses the call with CONTENT_DENIED, and an instruction finding on its own never refuses", async () => {
    const o = await org("scr-deny", undefined, { promptSecrets: "deny" });
    const denied = (await decide(o, { screened: [TOKEN_FINDING] })).json<Record<string, unknown>>();
    expect(denied).toMatchObject({ status: "denied", denialReason: "CONTENT_DENIED", content: { secrets: "deny", personalData: "redact" } });
    const heuristic = (await decide(o, { screened: [{ detector: "role_override", class: "instructions", path: "prompt.messages[0].content" }] })).json<Record<string, unknown>>();
    expect(heuristic).toMatchObject({ status: "executed", findings: [{ detector: "role_override", class: "instructions", action: "flagged" }] });
  });

  it("refuses what a hostile caller sends in place of findings with a 400 naming the field, and writes nothing", async () => {
    const o = await org("scr-hostile");
    const before = await writesOf(o.org.id);
    const cases: Array<[unknown, string]> = [
      [[{ ...EMAIL_FINDING, detector: "not_a_detector" }], "screened[0].detector"],
      [[{ ...EMAIL_FINDING, class: "secrets" }], "screened[0].class"],
      [[{ ...EMAIL_FINDING, path: "prompt.jane.doe@example.com" }], "screened[0].path"],
      [[EMAIL_FINDING, { ...TOKEN_FINDING, path: "prompt.ghp_R7kq2VbX9mWc4LpZs8TnY3dHf6JgA1eQo5Ui" }], "screened[1].path"],
      [[{ ...EMAIL_FINDING, value: "jane.doe@example.com" }], "screened[0]"],
      [Array.from({ length: 101 }, () => EMAIL_FINDING), "screened"],
      ["email", "screened"],
      [[{ ...EMAIL_FINDING, path: "x".repeat(301) }], "screened[0].path"],
    ];
    for (const [screened, field] of cases) {
      for (const path of ["/v1/actions", "/v1/actions/check"]) {
        const answer = await decide(o, { screened }, path);
        expect(answer.statusCode, `${path} ${JSON.stringify(screened).slice(0, 80)}`).toBe(400);
        const error = answer.json<{ error: { code: string; details?: { issues?: Array<{ path: string }> } } }>().error;
        expect(error.details?.issues?.map((issue) => issue.path)).toContain(field);
        expect(answer.body).not.toContain("jane.doe@example.com");
        expect(answer.body).not.toContain("ghp_R7kq2");
      }
    }
    expect(await writesOf(o.org.id)).toEqual(before);
  });

  it("canI answers what execute decides, over every mix of prompt rules, a policy's content and findings (fast-check)", async () => {
    const action = fc.constantFrom("deny", "redact", "flag", "off");
    const finding = fc.constantFrom(EMAIL_FINDING, TOKEN_FINDING, { detector: "instruction_override", class: "instructions", path: "answer.content" });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({ promptSecrets: action, promptPersonalData: action }),
        fc.option(fc.record({ secrets: fc.option(action, { nil: undefined }), personalData: fc.option(action, { nil: undefined }) }), { nil: undefined }),
        fc.array(finding, { maxLength: 4 }),
        async (settings, policyContent, screened) => {
          const policy = { name: "llm", actions: ["llm.*"], effect: "allow", ...(policyContent ? { content: JSON.parse(JSON.stringify(policyContent)) as unknown } : {}) };
          // The rules as stored are what the answer must follow (a loosening change may be held for a second admin).
          const o = await createTestOrg({ label: `scr-prop-${n++}`, policies: [policy] });
          await call(app, "PATCH", "/v1/admin/settings", { key: o.adminKey.apiKey, body: { content: settings } });
          const stored = (await call(app, "GET", "/v1/admin/settings", { key: o.adminKey.apiKey })).json<{ content: Record<string, string> }>().content;
          const asked = (await decide(o, { screened }, "/v1/actions/check")).json<Record<string, unknown>>();
          const done = (await decide(o, { screened })).json<Record<string, unknown>>();
          for (const field of ["status", "denialReason", "findings", "content"]) expect(asked[field], field).toEqual(done[field]);
          // The rules answered are the stored prompt defaults under the policy's content.
          const expected = (kind: "secrets" | "personalData", fallback: string) => policyContent?.[kind] ?? fallback;
          expect(done.content).toEqual({
            secrets: expected("secrets", stored.promptSecrets ?? "redact"),
            personalData: expected("personalData", stored.promptPersonalData ?? "redact"),
          });
          const deniedClass = screened.some((f) => f.class !== "instructions" && (done.content as Record<string, string>)[f.class] === "deny");
          expect(done.status).toBe(deniedClass ? "denied" : "executed");
        },
      ),
      { seed: 4647, numRuns: 25 },
    );
  }, 120_000);
});

describe("screened on an outcome", () => {
  it("records what the answer held as flagged findings, with a guardrail.triggered event; a hostile path is a 400", async () => {
    const o = await org("scr-outcome");
    const decided = (await decide(o, {})).json<{ auditEventId: string }>();
    const hostile = await call(app, "POST", `/v1/actions/${decided.auditEventId}/outcome`, {
      key: o.agent.apiKey,
      body: { status: "success", screened: [{ detector: "email", class: "personalData", path: "answer.jane@example.com" }] },
    });
    expect(hostile.statusCode).toBe(400);
    const reported = await call(app, "POST", `/v1/actions/${decided.auditEventId}/outcome`, {
      key: o.agent.apiKey,
      body: {
        status: "success",
        screened: [
          { detector: "github_token", class: "secrets", path: "answer.choices[0].message.content" },
          { detector: "prompt_exfiltration", class: "instructions", path: "answer.choices[0].message.content" },
        ],
      },
    });
    expect(reported.statusCode, reported.body).toBe(200);
    expect(reported.json<{ findings: unknown[] }>().findings).toEqual([
      { detector: "github_token", class: "secrets", path: "answer.choices[0].message.content", action: "flagged", confidence: "high" },
      { detector: "prompt_exfiltration", class: "instructions", path: "answer.choices[0].message.content", action: "flagged" },
    ]);
    const events = (await call(app, "GET", "/v1/audit?limit=5", { key: o.adminKey.apiKey })).json<{ events: Array<{ type: string; data: { source?: string } }> }>().events;
    expect(events.find((entry) => entry.type === "guardrail.triggered")?.data.source).toBe("outcome");
  });
});
