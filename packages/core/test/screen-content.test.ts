import { describe, expect, it } from "vitest";
import { contentPlaceholder, MAX_FINDINGS, screenContent, type ContentAction } from "../src";

// The content screen (docs/content.md): every string and key of a value, each class by its action;
// what is written holds a placeholder for what is redacted or refused, findings name where, never what.

const TOKEN = `ghp_${"A1b2".repeat(9)}`;
const OTHER_TOKEN = `ghp_${"Z9y8".repeat(9)}`;
const EMAIL = "jane.doe@example.com";
const tag = (value: string) => (value === TOKEN ? "t0k3n000" : value === EMAIL ? "e0000000" : "other000");
const screen = (value: unknown, secrets: ContentAction, personalData: ContentAction) => screenContent(value, ["metadata"], { actions: { secrets, personalData }, tag });

describe("what is written, by action", () => {
  const value = { note: `use ${TOKEN} and mail ${EMAIL}` };
  it.each([
    ["redact", "redact", { note: `use [secret:github_token#t0k3n000] and mail [personal:email#e0000000]` }, false],
    ["redact", "flag", { note: `use [secret:github_token#t0k3n000] and mail ${EMAIL}` }, false],
    ["flag", "flag", value, false],
    ["off", "off", value, false],
    ["deny", "flag", { note: `use [secret:github_token#t0k3n000] and mail ${EMAIL}` }, true],
    ["flag", "deny", { note: `use ${TOKEN} and mail [personal:email#e0000000]` }, true],
  ] as const)("secrets %s, personal data %s", (secrets, personalData, written, denied) => {
    const screened = screen(value, secrets, personalData);
    expect(screened.value).toEqual(written);
    expect(screened.denied).toBe(denied);
    expect(JSON.stringify(screened.findings)).not.toContain(TOKEN);
    expect(JSON.stringify(screened.findings)).not.toContain(EMAIL);
  });

  it("findings name detector, class, path and what was done; a class that is off is not looked for", () => {
    expect(screen({ note: `${TOKEN} ${EMAIL}` }, "redact", "flag").findings).toEqual([
      { detector: "github_token", class: "secrets", path: "metadata.note", action: "redacted", confidence: "high" },
      { detector: "email", class: "personalData", path: "metadata.note", action: "flagged", confidence: "high" },
    ]);
    expect(screen({ note: `${TOKEN} ${EMAIL}` }, "off", "flag").findings).toEqual([
      { detector: "email", class: "personalData", path: "metadata.note", action: "flagged", confidence: "high" },
    ]);
  });
});

describe("where it looks", () => {
  it.each([
    ["a nested value", { a: { b: [1, { c: TOKEN }] } }, "metadata.a.b[1].c", { a: { b: [1, { c: "[secret:github_token#t0k3n000]" }] } }],
    ["an array's element", ["x", TOKEN], "metadata[1]", ["x", "[secret:github_token#t0k3n000]"]],
    ["an object key", { [TOKEN]: 1 }, "metadata", { "[secret:github_token#t0k3n000]": 1 }],
    ["the value itself", TOKEN, "metadata", "[secret:github_token#t0k3n000]"],
  ])("%s", (_name, value, path, written) => {
    const screened = screen(value, "redact", "off");
    expect(screened.findings).toEqual([{ detector: "github_token", class: "secrets", path, action: "redacted", confidence: "high" }]);
    expect(screened.value).toEqual(written);
  });

  it("two keys that would become the same placeholder (tags that collide) stay two keys", () => {
    const third = `ghp_${"Q7r6".repeat(9)}`;
    const screened = screen({ [OTHER_TOKEN]: 1, [third]: 2 }, "redact", "off");
    expect(screened.value).toEqual({ "[secret:github_token#other000]": 1, "[secret:github_token#other000]~2": 2 });
  });

  it("a key kept but flagged stays as it is in the value, and no path below it repeats it", () => {
    const screened = screen({ [EMAIL]: { token: TOKEN, note: EMAIL }, [`${EMAIL} ${TOKEN}`]: { more: EMAIL } }, "redact", "flag");
    expect(Object.keys(screened.value as object)).toEqual([EMAIL, `${EMAIL} [secret:github_token#t0k3n000]`]);
    expect(screened.findings).toEqual([
      { detector: "email", class: "personalData", path: "metadata", action: "flagged", confidence: "high" },
      { detector: "github_token", class: "secrets", path: "metadata.[personal:email].token", action: "redacted", confidence: "high" },
      { detector: "email", class: "personalData", path: "metadata.[personal:email].note", action: "flagged", confidence: "high" },
      { detector: "email", class: "personalData", path: "metadata", action: "flagged", confidence: "high" },
      { detector: "github_token", class: "secrets", path: "metadata", action: "redacted", confidence: "high" },
      { detector: "email", class: "personalData", path: "metadata.[personal:email].more", action: "flagged", confidence: "high" },
    ]);
    for (const finding of screened.findings) {
      expect(finding.path).not.toContain(EMAIL);
      expect(finding.path).not.toContain(TOKEN);
    }
  });

  it("numbers, booleans and null pass as they are; nothing found: the very same value back", () => {
    const value = { n: 4111111111111111, b: true, z: null, s: "plain text" };
    expect(screen(value, "redact", "redact").value).toBe(value);
  });

  it(`at most ${MAX_FINDINGS} findings are listed; every value is still redacted`, () => {
    const value = Array.from({ length: MAX_FINDINGS + 20 }, () => TOKEN);
    const screened = screen(value, "redact", "off");
    expect(screened.findings).toHaveLength(MAX_FINDINGS);
    expect(JSON.stringify(screened.value)).not.toContain(TOKEN);
  });
});

describe("placeholders", () => {
  it("name the class and the detector, and end in the value's tag", () => {
    expect(contentPlaceholder("secrets", "github_token", "1a2b3c4d")).toBe("[secret:github_token#1a2b3c4d]");
    expect(contentPlaceholder("personalData", "email", "9f8e7d6c")).toBe("[personal:email#9f8e7d6c]");
  });

  it("equal values get equal placeholders, different values different ones (the tag is the caller's keyed hash)", () => {
    const screened = screen({ a: TOKEN, b: TOKEN, c: OTHER_TOKEN }, "redact", "off").value as Record<string, string>;
    expect(screened.a).toBe(screened.b);
    expect(screened.c).not.toBe(screened.a);
  });
});
