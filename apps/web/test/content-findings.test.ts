import { CONTENT_ACTIONS, contentFindingSchema, contentSettings, DETECTOR_CONFIDENCES, type ContentFinding } from "@gatehouse/core";
import { describe, expect, it } from "vitest";
import {
  CONFIDENCE_CHOICES,
  CONTENT_ACTION_CHOICES,
  CONTENT_CLASSES,
  CONTENT_RULE_FIELDS,
  contentActionChoice,
  contentRulesText,
  findingLine,
  findingsNote,
  findingsOf,
  MIN_CONFIDENCE_FIELD,
} from "../src/lib/content-findings";

const finding = (fields: Partial<ContentFinding> = {}): ContentFinding => ({
  detector: "github_token",
  class: "secrets",
  path: "metadata.headers.authorization",
  action: "redacted",
  ...fields,
});

describe("findingLine", () => {
  it.each([
    [finding(), "secret · github_token · metadata.headers.authorization · redacted"],
    [finding({ class: "personalData", detector: "email", path: "metadata.ticket.summary", action: "flagged" }), "personal data · email · metadata.ticket.summary · flagged"],
    [finding({ detector: "aws_access_key_id", path: "dataAccessed[0].type", action: "denied" }), "secret · aws_access_key_id · dataAccessed[0].type · denied"],
    [finding({ class: "personalData", detector: "card_number", path: "message" }), "personal data · card_number · message · redacted"],
    [
      finding({ class: "personalData", detector: "phone_number", path: "message", action: "flagged", confidence: "medium" }),
      "personal data · phone_number · message · flagged · medium confidence",
    ],
  ])("names the class, the detector as given, the path and what was done: %o", (input, line) => {
    expect(findingLine(input)).toBe(line);
  });
});

describe("findingsOf", () => {
  it("reads the findings an entry or a result carries, and nothing else of them", () => {
    expect(findingsOf([{ ...finding(), value: "ghp_secret", extra: 1 }])).toEqual([finding()]);
    expect(findingsOf([finding(), finding({ class: "personalData", detector: "email", action: "flagged" })])).toHaveLength(2);
    // A detector's confidence is kept; one this console does not know is left out.
    expect(findingsOf([finding({ confidence: "high" }), { ...finding(), confidence: "certain" }])).toEqual([finding({ confidence: "high" }), finding()]);
  });

  it.each([
    ["no findings", undefined],
    ["not a list", { detector: "email" }],
    ["a string", "email"],
  ])("gives none for %s", (_name, value) => {
    expect(findingsOf(value)).toEqual([]);
  });

  it.each([
    ["null", null],
    ["a string", "secret · email"],
    ["no detector", { class: "secrets", path: "metadata.a", action: "redacted" }],
    ["a class the screen does not have", finding({ class: "health" as ContentFinding["class"] })],
    ["an action the screen does not take", finding({ action: "encrypted" as ContentFinding["action"] })],
    ["a path that is not text", { ...finding(), path: ["metadata", "a"] }],
  ])("leaves out a finding with %s, keeping the others", (_name, odd) => {
    expect(findingsOf([odd, finding()])).toEqual([finding()]);
  });

  it("accepts every shape core's schema describes", () => {
    for (const kind of contentFindingSchema.shape.class.options) {
      for (const action of contentFindingSchema.shape.action.options) {
        const input = finding({ class: kind, action });
        expect(findingsOf([input])).toEqual([contentFindingSchema.parse(input)]);
      }
    }
  });
});

describe("findingsNote", () => {
  it("says a redacted or denied value was never stored", () => {
    const note = findingsNote([finding(), finding({ action: "denied" })]);
    expect(note).toMatch(/^Values are never stored when redacted or denied/);
    expect(note).not.toMatch(/kept as sent/);
  });

  it("says a flagged value was kept, and can be erased", () => {
    const note = findingsNote([finding({ class: "personalData", detector: "email", action: "flagged" })]);
    expect(note).toMatch(/kept as sent/);
    expect(note).toMatch(/erase/);
    expect(note).not.toMatch(/never stored/);
  });

  it("says both when a call had both", () => {
    const note = findingsNote([finding(), finding({ action: "flagged" })]);
    expect(note).toMatch(/never stored/);
    expect(note).toMatch(/kept as sent/);
  });
});

describe("the content rules in the settings", () => {
  it("offers exactly core's rules, strictest first, each with one line", () => {
    expect(CONTENT_ACTION_CHOICES.map((choice) => choice.value)).toEqual([...CONTENT_ACTIONS]);
    for (const action of CONTENT_ACTIONS) {
      const choice = contentActionChoice(action);
      expect(choice.value).toBe(action);
      expect(choice.line).not.toMatch(/\n/);
      expect(choice.line.length).toBeGreaterThan(20);
    }
  });

  it("names exactly the classes core's content rules govern (a finding's class besides: the instruction heuristic)", () => {
    expect([...CONTENT_CLASSES.map((kind) => kind.value), "instructions"]).toEqual([...contentFindingSchema.shape.class.options]);
  });

  it("offers every content setting core has, each once", () => {
    expect([...CONTENT_RULE_FIELDS.map((field) => field.key), MIN_CONFIDENCE_FIELD.key].sort()).toEqual(Object.keys(contentSettings({})).sort());
    expect(CONFIDENCE_CHOICES.map((choice) => choice.value).sort()).toEqual([...DETECTOR_CONFIDENCES].sort());
  });

  it("says the defaults as core fills them in for an org that never set them", () => {
    expect(contentRulesText(contentSettings({}))).toBe("secrets are redacted and personal data is flagged");
    expect(contentRulesText({ secrets: "deny", personalData: "off" })).toBe("secrets are denied (the call is refused) and personal data is not looked for");
  });
});
