import { generateCosigner } from "@gatehouse/tlog";
import { describe, expect, it } from "vitest";
import { breakerSettingsSchema } from "../src/agents/circuit-breaker";
import { anomalySettingsSchema } from "../src/anomaly/detect-anomalies";
import { delegationSettingsSchema } from "../src/delegation/settings";
import { loopSettingsSchema } from "../src/limits/loops";
import { DEFAULT_SIGN_IN_SETTINGS } from "../src/orgs/sign-in-settings";
import { readOrgSettings } from "../src/orgs/settings/registry";
import { SETTING_RULES, weakeningChanges, type EnforcementSettings } from "../src/orgs/weakening-settings";
import { policySettingsSchema } from "../src/policy/policy-settings";

const WITNESS_POLICY = `witness w1 ${generateCosigner("witness.test/w1").vkey} https://w1.example\nquorum w1\n`;
const SECOND_WITNESS = generateCosigner("witness.test/w2").vkey;

// Every setting read with its default (a new setting needs no line here), then the ones these rows move from.
const DEFAULTS: EnforcementSettings = {
  ...readOrgSettings({}),
  circuitBreaker: breakerSettingsSchema.parse({}),
  approvalTimeoutSeconds: 3600,
  signIn: { ...DEFAULT_SIGN_IN_SETTINGS, ssoDomains: ["example.com"], ssoRequired: true, ssoDefaultRole: "approver" },
  delegation: delegationSettingsSchema.parse({}),
  anomaly: { ...anomalySettingsSchema.parse({}), haltAgent: true },
  loops: { ...loopSettingsSchema.parse({}), haltAgent: true },
  policies: { ...policySettingsSchema.parse({}), requireSecondApproval: true },
  content: { secrets: "redact", personalData: "redact", promptSecrets: "redact", promptPersonalData: "redact", minConfidence: "medium" },
  spend: { priceOverrides: [{ model: "my-model", input: 1, output: 2 }], reservationSeconds: 3600 },
  postConditions: { haltAgent: true },
  budgets: [{ name: "llm", actions: ["llm.*"], agents: ["*"], limit: { tokens: 1000, usd: 5 }, per: "org-month", atLimit: "deny", perModel: false }],
  grants: { enabled: false, maxDurationSeconds: 3600, maxUses: 100 },
  retention: { decisions: 90, outcomes: 90, postconditions: 90, evidence: 90, personalData: 30, secrets: 0, entries: 0 },
  witnesses: { policy: WITNESS_POLICY },
};

type Patch = { [K in keyof EnforcementSettings]?: EnforcementSettings[K] extends object ? Partial<EnforcementSettings[K]> : EnforcementSettings[K] };

function changed(patch: Patch): EnforcementSettings {
  const after = structuredClone(DEFAULTS) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    after[key] = typeof value === "object" && !Array.isArray(value) ? { ...(after[key] as object), ...value } : value;
  }
  return after as unknown as EnforcementSettings;
}

// Every setting of the schema, each way it can move: [path, change, weakens?].
const TABLE: Array<[string, Patch, boolean]> = [
  ["circuitBreaker.failureThreshold", { circuitBreaker: { failureThreshold: 10_000 } }, true],
  ["circuitBreaker.failureThreshold", { circuitBreaker: { failureThreshold: 2 } }, false],
  ["circuitBreaker.windowSeconds", { circuitBreaker: { windowSeconds: 1 } }, true],
  ["circuitBreaker.windowSeconds", { circuitBreaker: { windowSeconds: 3600 } }, false],
  ["circuitBreaker.cooldownSeconds", { circuitBreaker: { cooldownSeconds: 1 } }, true],
  ["circuitBreaker.cooldownSeconds", { circuitBreaker: { cooldownSeconds: 3600 } }, false],
  ["approvalTimeoutSeconds", { approvalTimeoutSeconds: 604_800 }, false],
  ["approvalTimeoutSeconds", { approvalTimeoutSeconds: 60 }, false],
  ["signIn.ssoDomains", { signIn: { ssoDomains: ["example.com", "other.example"] } }, true],
  ["signIn.ssoDomains", { signIn: { ssoDomains: ["other.example"] } }, true],
  ["signIn.ssoDomains", { signIn: { ssoDomains: [] } }, false],
  ["signIn.ssoDefaultRole", { signIn: { ssoDefaultRole: "admin" } }, true],
  ["signIn.ssoDefaultRole", { signIn: { ssoDefaultRole: "viewer" } }, false],
  ["signIn.ssoRequired", { signIn: { ssoRequired: false } }, true],
  ["delegation.maxDepth", { delegation: { maxDepth: 10 } }, true],
  ["delegation.maxDepth", { delegation: { maxDepth: 1 } }, false],
  ["delegation.maxActiveChildren", { delegation: { maxActiveChildren: 1000 } }, true],
  ["delegation.maxActiveChildren", { delegation: { maxActiveChildren: 1 } }, false],
  ["anomaly.haltAgent", { anomaly: { haltAgent: false } }, true],
  ["loops.enabled", { loops: { enabled: false } }, true],
  ["loops.maxRepeats", { loops: { maxRepeats: 21 } }, true],
  ["loops.maxRepeats", { loops: { maxRepeats: 5 } }, false],
  ["loops.windowSeconds", { loops: { windowSeconds: 59 } }, true],
  ["loops.windowSeconds", { loops: { windowSeconds: 600 } }, false],
  ["loops.haltAgent", { loops: { haltAgent: false } }, true],
  ["grants.enabled", { grants: { enabled: true } }, true],
  ["grants.maxDurationSeconds", { grants: { maxDurationSeconds: 7200 } }, true],
  ["grants.maxDurationSeconds", { grants: { maxDurationSeconds: 600 } }, false],
  ["grants.maxUses", { grants: { maxUses: 1000 } }, true],
  ["grants.maxUses", { grants: { maxUses: 5 } }, false],
  ["policies.reportOnly", { policies: { reportOnly: true } }, true],
  ["policies.requireSecondApproval", { policies: { requireSecondApproval: false } }, true],
  ["policies.failurePolicy", { policies: { failurePolicy: "require_approval" } }, true],
  ["content.secrets", { content: { secrets: "flag" } }, true],
  ["content.secrets", { content: { secrets: "off" } }, true],
  ["content.secrets", { content: { secrets: "deny" } }, false],
  ["content.minConfidence", { content: { minConfidence: "high" } }, true],
  ["content.minConfidence", { content: { minConfidence: "low" } }, false],
  ["content.personalData", { content: { personalData: "flag" } }, true],
  ["content.personalData", { content: { personalData: "deny" } }, false],
  ["content.promptSecrets", { content: { promptSecrets: "flag" } }, true],
  ["content.promptSecrets", { content: { promptSecrets: "deny" } }, false],
  ["content.promptPersonalData", { content: { promptPersonalData: "off" } }, true],
  ["content.promptPersonalData", { content: { promptPersonalData: "deny" } }, false],
  ["spend.priceOverrides", { spend: { priceOverrides: [{ model: "my-model", input: 0.5, output: 2 }] } }, true],
  ["spend.priceOverrides", { spend: { priceOverrides: [] } }, true],
  [
    "spend.priceOverrides",
    {
      spend: {
        priceOverrides: [
          { model: "my-model", input: 1, output: 2 },
          { model: "*", input: 10, output: 10 },
        ],
      },
    },
    true,
  ],
  ["spend.priceOverrides", { spend: { priceOverrides: [{ model: "my-model", input: 2, output: 3, cacheRead: 1 }] } }, false],
  ["spend.reservationSeconds", { spend: { reservationSeconds: 60 } }, true],
  ["postConditions.haltAgent", { postConditions: { haltAgent: false } }, true],
  // Retention: set where values were kept, or shortened, weakens (less evidence kept); lengthened or turned off to keep does not.
  ["retention.decisions", { retention: { decisions: 30 } }, true],
  ["retention.decisions", { retention: { decisions: 365 } }, false],
  ["retention.decisions", { retention: { decisions: 0 } }, false],
  ["retention.outcomes", { retention: { outcomes: 1 } }, true],
  ["retention.postconditions", { retention: { postconditions: 89 } }, true],
  ["retention.evidence", { retention: { evidence: 91 } }, false],
  ["retention.personalData", { retention: { personalData: 7 } }, true],
  ["retention.secrets", { retention: { secrets: 1 } }, true],
  ["retention.secrets", { retention: { secrets: 0 } }, false],
  ["retention.entries", { retention: { entries: 400 } }, true],
  ["retention.entries", { retention: { entries: 0 } }, false],
  ["witnesses.policy", { witnesses: { policy: "" } }, true],
  ["witnesses.policy", { witnesses: { policy: WITNESS_POLICY.replace("quorum w1", "witness w2 " + SECOND_WITNESS + " https://w2.example\nquorum w2") } }, true],
  ["budgets", { budgets: [] }, true],
  ["budgets", { budgets: [{ name: "llm", actions: ["llm.*"], agents: ["*"], limit: { tokens: 2000, usd: 5 }, per: "org-month", atLimit: "deny", perModel: false }] }, true],
  [
    "budgets",
    { budgets: [{ name: "llm", actions: ["llm.*"], agents: ["*"], limit: { tokens: 1000, usd: 5 }, per: "org-month", atLimit: "require_approval", perModel: false }] },
    true,
  ],
  ["budgets", { budgets: [{ name: "llm", actions: ["llm.openai.*"], agents: ["*"], limit: { tokens: 1000, usd: 5 }, per: "org-month", atLimit: "deny", perModel: false }] }, true],
  ["budgets", { budgets: [{ name: "llm", actions: ["llm.*"], agents: ["*"], limit: { tokens: 500, usd: 1 }, per: "org-month", atLimit: "deny", perModel: false }] }, false],
  [
    "budgets",
    {
      budgets: [
        { name: "llm", actions: ["llm.*"], agents: ["*"], limit: { tokens: 1000, usd: 5 }, per: "org-month", atLimit: "deny", perModel: false },
        { name: "more", actions: ["*"], agents: ["*"], limit: { usd: 50 }, per: "agent-day", atLimit: "deny", perModel: false },
      ],
    },
    false,
  ],
  ["spend.reservationSeconds", { spend: { reservationSeconds: 86_400 } }, false],
];

describe("weakeningChanges", () => {
  it.each(TABLE)("%s: %j weakens enforcement: %s", (path, patch, weakens) => {
    const changes = weakeningChanges(DEFAULTS, changed(patch));
    expect(changes.map((c) => c.path)).toEqual(weakens ? [path] : []);
    if (weakens) expect(changes[0]?.weakening).toEqual(expect.any(String));
  });

  it("the table covers every setting, and the test table moves every setting", () => {
    const paths: string[] = [];
    const visit = (rules: object, prefix: string): void => {
      for (const [key, rule] of Object.entries(rules)) {
        if (typeof (rule as { weakens?: unknown }).weakens === "function") paths.push(`${prefix}${key}`);
        else visit(rule as object, `${prefix}${key}.`);
      }
    };
    visit(SETTING_RULES, "");
    const settings = Object.entries(DEFAULTS).flatMap(([key, value]) =>
      typeof value === "object" && !Array.isArray(value) ? Object.keys(value).map((leaf) => `${key}.${leaf}`) : [key],
    );
    expect(paths.sort()).toEqual(settings.sort());
    expect([...new Set(TABLE.map(([path]) => path))].sort()).toEqual(paths);
  });

  it("turning the strengthening way applies no weakening: the rule on, report-only off, the breaker tighter, all at once", () => {
    const before = changed({ policies: { requireSecondApproval: false, reportOnly: true }, anomaly: { haltAgent: false } });
    expect(weakeningChanges(before, DEFAULTS)).toEqual([]);
  });

  it("names every weakened setting of one change, with its values", () => {
    const changes = weakeningChanges(DEFAULTS, changed({ policies: { reportOnly: true, requireSecondApproval: false }, circuitBreaker: { failureThreshold: 50 } }));
    expect(changes.map(({ path, before, after }) => ({ path, before, after }))).toEqual([
      { path: "circuitBreaker.failureThreshold", before: 10, after: 50 },
      { path: "policies.reportOnly", before: false, after: true },
      { path: "policies.requireSecondApproval", before: true, after: false },
    ]);
  });

  it("no change weakens nothing", () => {
    expect(weakeningChanges(DEFAULTS, structuredClone(DEFAULTS))).toEqual([]);
  });
});
