import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTENT_DETECTORS, jsonTextBytes, MAX_FINDINGS, scanContent, scanWeight, screenContent, utf8Length } from "../src";

// The standalone scan (docs/content.md, "Standalone scan"): the content screen's detectors over a text or
// a JSON value, both classes, answering detector, class and path (a text's findings with their offsets),
// never the value; at most MAX_FINDINGS, with `truncated` when there were more. Its JSON walk is the
// screen's own: a property holds it to screenContent's findings with both classes flagged.

const TOKEN = `ghp_${"A1b2".repeat(9)}`;
const EMAIL = "jane.doe@example.com";

describe("a text", () => {
  it("names each finding's detector and class at `text`, with the value's UTF-16 offsets, never the value", () => {
    const text = `deploy with ${TOKEN}, then mail ${EMAIL}.`;
    const result = scanContent({ text });
    expect(result).toEqual({
      findings: [
        { detector: "github_token", class: "secrets", path: "text", start: 12, end: 12 + TOKEN.length, confidence: "high" },
        { detector: "email", class: "personalData", path: "text", start: text.indexOf(EMAIL), end: text.indexOf(EMAIL) + EMAIL.length, confidence: "high" },
      ],
      truncated: false,
    });
    const [token, email] = result.findings;
    expect(text.slice(token?.start, token?.end)).toBe(TOKEN);
    expect(text.slice(email?.start, email?.end)).toBe(EMAIL);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(JSON.stringify(result)).not.toContain(EMAIL);
  });

  it("offsets count UTF-16 code units (an emoji before the value is two)", () => {
    const text = `😀 ${EMAIL}`;
    expect(scanContent({ text }).findings).toEqual([{ detector: "email", class: "personalData", path: "text", start: 3, end: 3 + EMAIL.length, confidence: "high" }]);
  });

  it("nothing in it: no findings", () => {
    expect(scanContent({ text: "merge pull request 4512 into main" })).toEqual({ findings: [], truncated: false });
    expect(scanContent({ text: "" })).toEqual({ findings: [], truncated: false });
  });

  it(`lists at most ${MAX_FINDINGS} findings, and says when there were more`, () => {
    const emails = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@example.com`).join(" ");
    expect(scanContent({ text: emails(MAX_FINDINGS) })).toMatchObject({ truncated: false });
    expect(scanContent({ text: emails(MAX_FINDINGS) }).findings).toHaveLength(MAX_FINDINGS);
    const over = scanContent({ text: emails(MAX_FINDINGS + 1) });
    expect(over.findings).toHaveLength(MAX_FINDINGS);
    expect(over.truncated).toBe(true);
  });
});

describe("a JSON value", () => {
  it.each([
    ["a nested value", { ticket: { summary: `mail ${EMAIL}` } }, ["json.ticket.summary"]],
    ["an array's element", { items: ["x", TOKEN] }, ["json.items[1]"]],
    ["the value itself", TOKEN, ["json"]],
    ["an element of a top-level array", [1, { note: TOKEN }], ["json[1].note"]],
    ["an object key (at its object)", { outer: { [TOKEN]: 1 } }, ["json.outer"]],
  ])("%s", (_name, json, paths) => {
    const result = scanContent({ json });
    expect(result.findings.map((f) => f.path)).toEqual(paths);
    expect(result.truncated).toBe(false);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(JSON.stringify(result)).not.toContain(EMAIL);
  });

  it("a key with a finding is named by what was found in it in every path below it, never by itself", () => {
    const result = scanContent({ json: { [EMAIL]: { note: TOKEN } } });
    expect(result.findings).toEqual([
      { detector: "email", class: "personalData", path: "json", confidence: "high" },
      { detector: "github_token", class: "secrets", path: "json.[personal:email].note", confidence: "high" },
    ]);
  });

  it("has no offsets (a path names a string or a key; the offsets would not say which)", () => {
    for (const finding of scanContent({ json: { note: `${EMAIL} ${TOKEN}` } }).findings) expect(Object.keys(finding).sort()).toEqual(["class", "confidence", "detector", "path"]);
  });

  it("a key that names a secret makes the generic rule look at every token of its value, as the screen does", () => {
    const random = "Qm9vX2Zhcl9iYXo4MTIzNDU2Nzg5MHJhbmRvbQ7x";
    expect(scanContent({ json: { note: random } }).findings).toEqual([]);
    expect(scanContent({ json: { apiKey: random } }).findings).toEqual([{ detector: "high_entropy_secret", class: "secrets", path: "json.apiKey", confidence: "low" }]);
    expect(scanContent({ json: { apiKey: [random] } }).findings).toEqual([{ detector: "high_entropy_secret", class: "secrets", path: "json.apiKey[0]", confidence: "low" }]);
  });

  it("scalars and null hold nothing", () => {
    for (const json of [null, 42, true, [], {}]) expect(scanContent({ json })).toEqual({ findings: [], truncated: false });
  });

  it(`stops at ${MAX_FINDINGS} findings and says there were more`, () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@example.com`);
    expect(scanContent({ json: list(MAX_FINDINGS) })).toMatchObject({ truncated: false });
    const over = scanContent({ json: { a: list(MAX_FINDINGS), b: { c: TOKEN } } });
    expect(over.findings).toHaveLength(MAX_FINDINGS);
    expect(over.findings.at(-1)?.path).toBe(`json.a[${MAX_FINDINGS - 1}]`);
    expect(over.truncated).toBe(true);
  });

  // What screenContent finds with both classes flagged is what a scan finds (less the action), in the same order.
  const sensitive = fc.constantFrom(
    TOKEN,
    EMAIL,
    `ghp_${"Z9y8".repeat(9)}`,
    "4111 1111 1111 1111",
    "+1 (415) 555-2671",
    "AKIAIOSFODNN7REALKEY",
    "api_key=Zx81Kq0pLm3nVb7cXr5tYw2u",
  );
  const text = fc.oneof(
    fc.string({ maxLength: 12 }),
    sensitive,
    fc.tuple(fc.string({ maxLength: 8 }), sensitive, fc.string({ maxLength: 8 })).map((parts) => parts.join(" ")),
  );
  const key = fc.oneof(fc.constantFrom("note", "apiKey", "password", "summary", "customerEmail"), text);
  const json = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      text,
      fc.integer(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    ),
  })).value;

  it("finds what the content screen finds, where it finds it, in its order (property)", () => {
    fc.assert(
      fc.property(json, (value) => {
        const screened = screenContent(value, ["json"], { actions: { secrets: "flag", personalData: "flag" }, tag: () => "" });
        const scanned = scanContent({ json: value });
        expect(scanned.findings).toEqual(
          screened.findings.map(({ detector, class: kind, path }) => ({ detector, class: kind, path, confidence: CONTENT_DETECTORS.find((d) => d.id === detector)?.confidence })),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe("sizes", () => {
  it("utf8Length counts UTF-8 bytes: ASCII 1, é 2, € 3, an emoji (a surrogate pair) 4, an unpaired surrogate 3", () => {
    expect([utf8Length("abc"), utf8Length("é"), utf8Length("€"), utf8Length("😀"), utf8Length("\ud800")]).toEqual([3, 2, 3, 4, 3]);
    for (const text of ["plain", "naïve café €5 😀 — ok", "\ud800x\udc00", "😀😀"]) expect(utf8Length(text)).toBe(Buffer.byteLength(text, "utf8"));
  });

  it("utf8Length stops counting past stopAbove", () => {
    // Longer in code units than the bound: over it, uncounted. Within it in units but not in bytes: counted up to just past it.
    expect(utf8Length("€".repeat(1_000), 10)).toBeGreaterThan(10);
    expect(utf8Length("€".repeat(5), 10)).toBe(12);
    expect(utf8Length("€".repeat(3), 10)).toBe(9);
  });

  it("jsonTextBytes counts the strings and the keys, nothing else", () => {
    expect(jsonTextBytes({ ab: ["cd", 12345, null, true, { é: "€" }] })).toBe(2 + 2 + 2 + 3);
    expect(jsonTextBytes("x".repeat(100), 10)).toBeGreaterThan(10);
  });

  it("scanWeight is what the detectors read: a text's length, or a JSON value's strings and keys long enough to be looked at", () => {
    expect(scanWeight({ text: "x".repeat(5_000) })).toBe(5_000);
    expect(scanWeight({ json: { short: "tiny", longEnough: "twelve chars", n: 1 } })).toBe("longEnough".length + "twelve chars".length);
  });
});
