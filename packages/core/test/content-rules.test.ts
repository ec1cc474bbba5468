import { readOrgSettings } from "../src/orgs/settings/registry";
import { describe, expect, it } from "vitest";
import {
  CONTENT_ACTIONS,
  compilePolicy,
  contentActionWeakens,
  contentSettings,
  resolvePromptContentActions,
  parsePolicySet,
  PolicySet,
  resolveContentActions,
  screenContent,
  stricterContentAction,
  weakeningChanges,
  DETECTOR_CONFIDENCES,
  judgeLocalFindings,
  type ContentAction,
  type DetectorConfidence,
} from "../src";
import fc from "fast-check";

// The content rules (docs/content.md): the org default, policies' `content` for the calls they match
// (strictest wins, a class none names takes the default), and which changes weaken enforcement.

describe("contentSettings: the org default", () => {
  it.each([
    ["nothing set", {}, { secrets: "redact", personalData: "flag" }],
    ["both set", { content: { secrets: "deny", personalData: "redact" } }, { secrets: "deny", personalData: "redact" }],
    ["one set", { content: { personalData: "off" } }, { secrets: "redact", personalData: "off" }],
    ["an invalid value reads as the default (never as off)", { content: { secrets: "nope" } }, { secrets: "redact", personalData: "flag" }],
    ["not an object", { content: "off" }, { secrets: "redact", personalData: "flag" }],
  ])("%s", (_name, stored, expected) => {
    // What leaves for a model provider is redacted, both classes, unless the org changed it (docs/guardrails.md).
    expect(contentSettings(stored)).toEqual({ ...expected, promptSecrets: "redact", promptPersonalData: "redact", minConfidence: "low" });
  });

  it("the prompt rules are the org's prompt defaults under the same policies: a policy's content for llm.* decides over them", () => {
    const settings = contentSettings({ content: { promptPersonalData: "flag" } });
    expect(resolvePromptContentActions(settings, [])).toEqual({ secrets: "redact", personalData: "flag" });
    expect(resolvePromptContentActions(settings, [{ personalData: "deny" }])).toEqual({ secrets: "redact", personalData: "deny" });
    expect(resolveContentActions(settings, [])).toEqual({ secrets: "redact", personalData: "flag" });
  });
});

describe("the order of the actions: deny > redact > flag > off", () => {
  const rank = (a: ContentAction) => CONTENT_ACTIONS.length - CONTENT_ACTIONS.indexOf(a);
  it.each(CONTENT_ACTIONS.flatMap((a) => CONTENT_ACTIONS.map((b) => [a, b] as const)))("%s vs %s", (a, b) => {
    expect(stricterContentAction(a, b)).toBe(rank(a) >= rank(b) ? a : b);
    expect(contentActionWeakens(a, b)).toBe(rank(b) < rank(a));
  });
});

describe("resolveContentActions: policies for their calls, the default for the rest", () => {
  const byDefault = { secrets: "redact", personalData: "flag" } as const;
  it.each([
    ["no policy names a class", [], { secrets: "redact", personalData: "flag" }],
    ["a policy loosens one class for its calls", [{ personalData: "off" }], { secrets: "redact", personalData: "off" }],
    ["a policy tightens one class", [{ secrets: "deny" }], { secrets: "deny", personalData: "flag" }],
    ["two policies disagree: the stricter", [{ personalData: "flag" }, { personalData: "redact" }, { personalData: "off" }], { secrets: "redact", personalData: "redact" }],
    ["each class on its own", [{ secrets: "flag" }, { personalData: "deny" }], { secrets: "flag", personalData: "deny" }],
  ] as const)("%s", (_name, rules, expected) => {
    expect(resolveContentActions(byDefault, rules)).toEqual(expected);
  });
});

describe("PolicySet.contentFor: the enforce-mode policies whose patterns match", () => {
  const set = new PolicySet(
    parsePolicySet({
      policies: [
        { name: "tickets", actions: ["ticket.*"], effect: "allow", content: { personalData: "redact" } },
        { name: "tickets-bot", actions: ["ticket.*"], agents: ["bot-*"], effect: "allow", content: { personalData: "deny" } },
        { name: "monitored", actions: ["ticket.*"], effect: "allow", mode: "monitor", content: { secrets: "off" } },
        { name: "conditional", actions: ["ticket.close"], effect: "deny", when: { field: "metadata.x", op: "eq", value: 1 }, content: { secrets: "deny" } },
        { name: "plain", actions: ["*"], effect: "allow" },
      ],
    }).map((document, i) => compilePolicy(document, { versionId: `pv_${i}`, version: 1 })),
  );
  const agent = (name: string) => ({ id: `agt_${name}`, name, labels: {} });

  it.each([
    ["a matching policy's rule", "ticket.open", "support", [{ personalData: "redact" }]],
    ["an agent pattern narrows it", "ticket.open", "bot-1", [{ personalData: "redact" }, { personalData: "deny" }]],
    ["`when` is not consulted", "ticket.close", "support", [{ secrets: "deny" }, { personalData: "redact" }]],
    ["nothing matches", "mail.send", "support", []],
  ])("%s", (_name, actionType, name, expected) => {
    expect(set.contentFor(actionType, agent(name))).toEqual(expect.arrayContaining(expected));
    expect(set.contentFor(actionType, agent(name))).toHaveLength(expected.length);
  });

  it("a policy's `content` must name known actions: a 400 naming the field", () => {
    expect(() => parsePolicySet({ policies: [{ name: "p", actions: ["a.b"], effect: "allow", content: { secrets: "hide" } }] })).toThrow(/content\.secrets/);
    expect(() => parsePolicySet({ policies: [{ name: "p", actions: ["a.b"], effect: "allow", content: { tokens: "deny" } }] })).toThrow(/content/);
  });
});

describe("the two-admin rule: loosening a class weakens enforcement", () => {
  // Every other setting at its default, the two-admin rule on.
  const settings = (content: { secrets: ContentAction; personalData: ContentAction; minConfidence?: DetectorConfidence }) => ({
    ...readOrgSettings({}),
    policies: { reportOnly: false, requireSecondApproval: true, failurePolicy: "deny" as const },
    content: { promptSecrets: "redact" as const, promptPersonalData: "redact" as const, minConfidence: "low" as const, ...content },
  });
  it.each([
    [{ secrets: "redact", personalData: "flag" }, { secrets: "flag", personalData: "flag" }, ["content.secrets"]],
    [{ secrets: "redact", personalData: "flag" }, { secrets: "redact", personalData: "off" }, ["content.personalData"]],
    [{ secrets: "deny", personalData: "deny" }, { secrets: "off", personalData: "redact" }, ["content.secrets", "content.personalData"]],
    [{ secrets: "redact", personalData: "flag" }, { secrets: "deny", personalData: "redact" }, []],
    // Raising the minimum confidence keeps (flags) what was redacted: a weakening; lowering it is not.
    [{ secrets: "redact", personalData: "flag" }, { secrets: "redact", personalData: "flag", minConfidence: "medium" }, ["content.minConfidence"]],
    [{ secrets: "redact", personalData: "flag", minConfidence: "medium" }, { secrets: "redact", personalData: "flag", minConfidence: "high" }, ["content.minConfidence"]],
    [{ secrets: "redact", personalData: "flag", minConfidence: "high" }, { secrets: "redact", personalData: "flag", minConfidence: "low" }, []],
  ] as const)("%j → %j weakens %j", (before, after, paths) => {
    expect(weakeningChanges(settings(before), settings(after)).map((w) => w.path)).toEqual(paths);
  });
});

describe("minConfidence: a finding of a less sure detector is flagged, never redacted or refused", () => {
  const TOKEN = `ghp_${"A1b2".repeat(9)}`; // github_token: high
  const PHONE = "+1 415 555 0132"; // phone_number: medium (no check digit)
  const byDefault = { secrets: "redact", personalData: "redact" } as const;
  const rank = (c: DetectorConfidence) => DETECTOR_CONFIDENCES.length - 1 - DETECTOR_CONFIDENCES.indexOf(c);

  it("the org's setting, unless set, is `low`: every finding counts, as before", () => {
    expect(contentSettings({}).minConfidence).toBe("low");
    expect(resolveContentActions(byDefault, [])).toEqual(byDefault);
    expect(() => parsePolicySet({ policies: [{ name: "p", actions: ["a.b"], effect: "allow", content: { minConfidence: "certain" } }] })).toThrow(/content\.minConfidence/);
  });

  it("the strictest wins: the lowest of the org's and every matching policy's", () => {
    fc.assert(
      fc.property(fc.constantFrom(...DETECTOR_CONFIDENCES), fc.array(fc.option(fc.constantFrom(...DETECTOR_CONFIDENCES), { nil: undefined }), { maxLength: 4 }), (org, rules) => {
        const least = [org, ...rules.filter((r) => r !== undefined)].reduce((a, b) => (rank(a) <= rank(b) ? a : b));
        const resolved = resolveContentActions(
          { ...byDefault, minConfidence: org },
          rules.map((r) => (r === undefined ? {} : { minConfidence: r })),
        );
        expect(resolved.minConfidence ?? "low").toBe(least);
      }),
    );
  });

  it("below the minimum: kept and flagged, with its confidence; at or above it: as the rules say", () => {
    const value = { note: `call ${PHONE} with ${TOKEN}` };
    const tag = () => "00000000";
    const high = screenContent(value, ["metadata"], { actions: { ...byDefault, minConfidence: "high" }, tag });
    expect(high.value.note).toBe(`call ${PHONE} with [secret:github_token#00000000]`);
    expect(high.findings).toEqual([
      { detector: "phone_number", class: "personalData", path: "metadata.note", action: "flagged", confidence: "medium" },
      { detector: "github_token", class: "secrets", path: "metadata.note", action: "redacted", confidence: "high" },
    ]);
    const medium = screenContent(value, ["metadata"], { actions: { ...byDefault, minConfidence: "medium" }, tag });
    expect(medium.value.note).toBe("call [personal:phone_number#00000000] with [secret:github_token#00000000]");
    // A class set to `deny` refuses nothing below the minimum.
    const deny = screenContent({ note: PHONE }, ["metadata"], { actions: { secrets: "deny", personalData: "deny", minConfidence: "high" }, tag });
    expect(deny.denied).toBe(false);
    expect(deny.findings.map((f) => f.action)).toEqual(["flagged"]);
    // `off` stays off whatever the minimum.
    expect(screenContent({ note: PHONE }, ["metadata"], { actions: { secrets: "off", personalData: "off", minConfidence: "high" }, tag }).findings).toEqual([]);
  });

  it("what a caller's own screen found (a prompt's `screened`) is judged the same: below the minimum, flagged and refusing nothing", () => {
    const found = [
      { detector: "phone_number", class: "personalData" as const, path: "prompt.messages[0].content" },
      { detector: "github_token", class: "secrets" as const, path: "prompt.messages[0].content" },
      { detector: "acme_ticket", class: "secrets" as const, path: "prompt.messages[1].content" },
    ];
    const judged = judgeLocalFindings(found, { secrets: "deny", personalData: "deny", minConfidence: "high" }, "prompt");
    expect(judged.findings).toEqual([
      { ...found[0], action: "flagged", confidence: "medium" },
      { ...found[1], action: "denied", confidence: "high" },
      // An org's own detector counts as high, and carries no confidence.
      { ...found[2], action: "denied" },
    ]);
    expect(judged.denied).toBe(true);
    expect(judgeLocalFindings(found.slice(0, 1), { secrets: "deny", personalData: "deny", minConfidence: "high" }, "prompt").denied).toBe(false);
  });
});
