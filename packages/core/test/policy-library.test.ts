import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  compilePolicy,
  packTemplates,
  parsePolicySet,
  parsePolicyTests,
  POLICY_PACK_IDS,
  POLICY_PACKS,
  POLICY_TEMPLATES,
  PolicySet,
  policyLibrary,
  policyTemplate,
  runPolicyTests,
  type PolicyTemplate,
} from "../src";

// The library is data an admin copies into a live policy set, so every template must parse, its
// tests must pass, and templates must combine (a pack added whole) without changing one another's
// decisions.

const failures = (templates: readonly PolicyTemplate[]) => {
  const documents = parsePolicySet({ policies: templates.flatMap((t) => t.policies) });
  const tests = parsePolicyTests({ tests: templates.flatMap((t) => t.tests) });
  const run = runPolicyTests(documents, tests);
  return { run, failed: run.results.filter((r) => !r.passed) };
};

describe("policy template library", () => {
  it("has at least 15 templates with unique ids, a rationale of 2-4 sentences and at least 3 tests each", () => {
    expect(POLICY_TEMPLATES.length).toBeGreaterThanOrEqual(15);
    const ids = POLICY_TEMPLATES.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const template of POLICY_TEMPLATES) {
      const sentences = template.rationale.split(/(?<=[.!?])\s+(?=[A-Z`])/).length;
      expect({ id: template.id, sentences: sentences >= 2 && sentences <= 4 }).toEqual({ id: template.id, sentences: true });
      expect({ id: template.id, tests: template.tests.length >= 3 }).toEqual({ id: template.id, tests: true });
      expect(template.title.length).toBeGreaterThan(0);
      expect(template.summary.length).toBeGreaterThan(0);
    }
  });

  it("names every policy after its template, so templates combine without clashes", () => {
    for (const template of POLICY_TEMPLATES) {
      for (const policy of template.policies) expect(policy.name.startsWith(`${template.id}.`)).toBe(true);
    }
  });

  for (const template of POLICY_TEMPLATES) {
    it(`template ${template.id}: its policies parse and its tests pass`, () => {
      const { run, failed } = failures([template]);
      expect(failed).toEqual([]);
      expect(run.passed).toBe(template.tests.length);
      // Each template shows the three kinds of outcome an admin checks: something allowed, something refused or held.
      const effects = new Set(template.tests.map((t) => t.expect.effect));
      expect(effects.has("allow")).toBe(true);
      expect(effects.has("deny") || effects.has("require_approval")).toBe(true);
    });
  }

  for (const pack of POLICY_PACKS) {
    it(`pack ${pack.id}: its templates combined parse and every test still passes`, () => {
      const templates = packTemplates(pack.id);
      expect(templates.length).toBeGreaterThan(0);
      const { run, failed } = failures(templates);
      expect(failed).toEqual([]);
      expect(run.passed).toBe(templates.reduce((sum, t) => sum + t.tests.length, 0));
    });
  }

  it("the whole library combined still passes every test", () => {
    const { failed } = failures(POLICY_TEMPLATES);
    expect(failed).toEqual([]);
  });

  it("puts every template in at least one pack, and every pack control names existing templates", () => {
    const ids = new Set(POLICY_TEMPLATES.map((t) => t.id));
    expect(new Set(POLICY_PACKS.map((p) => p.id))).toEqual(new Set(POLICY_PACK_IDS));
    for (const pack of POLICY_PACKS) {
      const controlIds = pack.controls.map((c) => c.id);
      expect(new Set(controlIds).size).toBe(controlIds.length);
      for (const control of pack.controls) {
        expect(control.templates.length).toBeGreaterThan(0);
        for (const id of control.templates) expect({ control: control.id, template: id, exists: ids.has(id) }).toEqual({ control: control.id, template: id, exists: true });
      }
    }
    for (const template of POLICY_TEMPLATES) {
      expect({ id: template.id, packs: template.packs.length > 0 }).toEqual({ id: template.id, packs: true });
      for (const packId of template.packs) expect(packTemplates(packId).map((t) => t.id)).toContain(template.id);
    }
  });

  it("serves each template's policies and tests with their defaults filled in, as the API answers them", () => {
    const { templates, packs } = policyLibrary();
    expect(templates.map((t) => t.id)).toEqual(POLICY_TEMPLATES.map((t) => t.id));
    expect(packs).toEqual(POLICY_PACKS);
    const payments = templates.find((t) => t.id === "payments");
    expect(payments?.policies[0]).toMatchObject({ name: "payments.allow-small", agents: ["*"], mode: "enforce" });
    expect(payments?.tests[0]?.request).toEqual({ actionType: "payment.send", agent: "test-agent", agentLabels: {}, metadata: { amount: 40, currency: "EUR" }, dataAccessed: [] });
    // Parsing again changes nothing: what is served can be applied as it is.
    for (const template of templates) expect(parsePolicySet({ policies: template.policies })).toEqual(template.policies);
  });

  it("is documented: docs/policies.md lists every template and pack control", () => {
    const doc = readFileSync(new URL("../../../docs/policies.md", import.meta.url), "utf8");
    for (const template of POLICY_TEMPLATES) expect(doc).toContain(`| \`${template.id}\` | ${template.title} |`);
    for (const pack of POLICY_PACKS) for (const control of pack.controls) expect(doc).toContain(`| \`${control.id}\` |`);
  });

  it("finds a template by id, and nothing for an unknown one", () => {
    expect(policyTemplate("payments")?.title).toBe("Payments with two approvers");
    expect(policyTemplate("nope")).toBeUndefined();
  });

  // What the template tests cannot show (runPolicyTests has no approval settings, monitor records or counts).

  const setOf = (id: string) => {
    const template = policyTemplate(id);
    if (!template) throw new Error(`no template ${id}`);
    return new PolicySet(parsePolicySet({ policies: template.policies }).map((document, i) => compilePolicy(document, { versionId: `v${i}`, version: 1 })));
  };
  const agent = (name = "test-agent", labels: Record<string, string> = {}) => ({ id: name, name, labels });

  it("payments over 100 need two approvers, neither the agent's owner", () => {
    const decision = setOf("payments").evaluate({ actionType: "payment.send", agent: agent(), metadata: { amount: 5000 }, dataAccessed: [] });
    expect(decision.effect).toBe("require_approval");
    expect(decision.approval).toMatchObject({ quorum: 2, excludeAgentOwner: true });
  });

  it("probation records a confidential read as would-be held, without holding it", () => {
    const decision = setOf("agent-probation").evaluate({
      actionType: "report.read",
      agent: agent("new-bot", { stage: "probation" }),
      metadata: {},
      dataAccessed: [{ type: "salaries", sensitivity: "confidential" }],
    });
    expect(decision.effect).toBe("allow");
    expect(decision.monitored.map((m) => [m.name, m.effect])).toEqual([["agent-probation.watch-sensitive-reads", "require_approval"]]);
  });

  it("outbound messaging: the 21st external message in an hour is refused, internal ones are never counted", () => {
    const set = setOf("outbound-messaging");
    const request = (audience: string) => ({ actionType: "email.send", agent: agent(), metadata: { audience, recipientCount: 1 }, dataAccessed: [] });
    const counts = (agentCount: number, orgCount: number) => {
      const refs = set.ratesFor("email.send", agent());
      return new Map(refs.map((ref) => [ref.key, ref.spec.per === "agent" ? agentCount : orgCount]));
    };
    expect(set.evaluate(request("external"), counts(20, 20)).effect).toBe("allow");
    expect(set.evaluate(request("external"), counts(21, 21))).toMatchObject({ effect: "deny", reason: "RATE_LIMITED", policy: { name: "outbound-messaging.external-rate-limit" } });
    expect(set.evaluate(request("external"), counts(1, 201))).toMatchObject({ effect: "deny", reason: "RATE_LIMITED" });
    expect(set.evaluate(request("internal"), counts(500, 5000)).effect).toBe("allow");
  });
});
