import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTENT_DETECTORS, findInText } from "../src/content/detectors";
import { compileOrgDetectors, orgDetectorInputSchema, orgDetectorScan, orgPatternProblem, testOrgDetector, type OrgDetectorSpec } from "../src/content/org-detectors";
import { screenContent } from "../src/content/screen-content";
import { scanContent } from "../src/scan/scan-content";

// An org's own detectors (docs/content-detectors.md, "An org's own detectors"): only linear-time (RE2)
// patterns are accepted, they run beside the built-in table with the table's overlap rule, their keywords
// gate them and their checksums filter them.

const ticket: OrgDetectorSpec = { name: "acme_ticket", class: "secrets", pattern: "ACME-[0-9]{8}", keywords: [], checksum: null };

describe("what a pattern must be", () => {
  it.each([
    ["a backreference", "(a)\\1"],
    ["a named backreference", "(?P<x>a)(?P=x)"],
    ["a lookahead", "a(?=b)"],
    ["a negative lookahead", "a(?!b)"],
    ["a lookbehind", "(?<=a)b"],
    ["a negative lookbehind", "(?<!a)b"],
    ["a possessive quantifier", "a++"],
    ["an atomic group", "(?>a+)"],
  ])("%s is refused as not linear-time", (_name, pattern) => {
    expect(orgPatternProblem(pattern)).toMatch(/^is not linear-time: RE2 refuses it/);
  });

  it.each([
    ["a counted repetition past the program cap", "[a-z]{400}", /compiles to \d+ RE2 instructions, more than 300/],
    ["the empty string", "", /must not be empty/],
    ["a pattern that matches nothing but the empty string", "x?", /matches the empty string/],
    ["a pattern of 257 characters", "a".repeat(257), /at most 256 characters/],
  ])("%s is refused", (_name, pattern, says) => {
    expect(orgPatternProblem(pattern)).toMatch(says);
  });

  it.each(["ACME-[0-9]{8}", "(?i)\\bacme_[a-z0-9]{32}\\b", "(a+)+$", "(x|xx)*y", "key=[^\\s]{8,64}"])(
    "%s is accepted (RE2 matches it in linear time, whatever it looks like)",
    (pattern) => {
      expect(orgPatternProblem(pattern)).toBeNull();
    },
  );

  it("the schema names `pattern` and `name` with the reason", () => {
    const parsed = orgDetectorInputSchema.safeParse({ name: "email", class: "secrets", pattern: "(a)\\1" });
    expect(parsed.success).toBe(false);
    const issues = parsed.error?.issues.map((issue) => [issue.path.join("."), issue.message]) ?? [];
    expect(issues).toEqual([
      ["name", expect.stringContaining("built-in detector's name")],
      ["pattern", expect.stringContaining("not linear-time")],
    ]);
  });

  it("a pattern that backtracks catastrophically in JavaScript runs in linear time here (RE2)", () => {
    const scan = compileOrgDetectors([{ ...ticket, pattern: "(a+)+b" }]);
    const text = "a".repeat(20_000);
    const started = performance.now();
    expect(scan.find(text, undefined)).toEqual([]);
    // A backtracking engine would take longer than the age of the universe; RE2 reads the text once.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("running beside the table", () => {
  const org = orgDetectorScan([ticket]);

  it("finds the org's pattern, named by the detector, with UTF-16 offsets", () => {
    const text = "é😀 see ACME-12345678 today";
    expect(findInText(text, { org })).toEqual([{ detector: "acme_ticket", class: "secrets", start: 8, end: 21 }]);
    expect(findInText(text)).toEqual([]);
  });

  it("on a tie with a built-in finding the built-in names it; an overlap keeps the earlier, then the longer", () => {
    const email = orgDetectorScan([{ name: "any_mail", class: "personalData", pattern: "[a-z.]+@example\\.com", keywords: [], checksum: null }]);
    expect(findInText("mail jane.doe@example.com", { org: email })).toEqual([{ detector: "email", class: "personalData", start: 5, end: 25 }]);
    const wider = orgDetectorScan([{ name: "mail_line", class: "personalData", pattern: "mail [a-z.]+@example\\.com", keywords: [], checksum: null }]);
    expect(findInText("mail jane.doe@example.com", { org: wider })).toEqual([{ detector: "mail_line", class: "personalData", start: 0, end: 25 }]);
  });

  it("its class is governed like the built-ins': off means not looked for", () => {
    const screened = screenContent({ note: "ACME-12345678" }, ["metadata"], {
      actions: { secrets: "redact", personalData: "flag" },
      tag: () => "00000000",
      ...(org ? { org } : {}),
    });
    expect(screened.value).toEqual({ note: "[secret:acme_ticket#00000000]" });
    expect(screened.findings).toEqual([{ detector: "acme_ticket", class: "secrets", path: "metadata.note", action: "redacted" }]);
    const off = screenContent({ note: "ACME-12345678" }, ["metadata"], { actions: { secrets: "off", personalData: "flag" }, tag: () => "x", ...(org ? { org } : {}) });
    expect(off.findings).toEqual([]);
  });

  it("keywords gate the pattern (case-insensitive); a checksum filters its matches", () => {
    const gated = compileOrgDetectors([{ ...ticket, pattern: "[0-9]{8}", keywords: ["ticket"] }]);
    expect(gated.find("TICKET 12345678", undefined)).toHaveLength(1);
    expect(gated.find("order 12345678", undefined)).toEqual([]);
    const luhn = compileOrgDetectors([{ ...ticket, pattern: "[0-9]{16}", checksum: "luhn" }]);
    expect(luhn.find("4242424242424242 4242424242424241", undefined).map((f) => f.start)).toEqual([0]);
    const iban = compileOrgDetectors([{ ...ticket, pattern: "GB[0-9]{2}[A-Z]{4}[0-9]{14}", checksum: "iban" }]);
    expect(iban.find("GB82WEST12345698765432 GB82WEST12345698765433", undefined).map((f) => f.start)).toEqual([0]);
  });

  it("the standalone scan runs them, for text and JSON alike", () => {
    expect(scanContent({ text: "x ACME-12345678", detectors: [ticket] }).findings).toEqual([{ detector: "acme_ticket", class: "secrets", path: "text", start: 2, end: 15 }]);
    expect(scanContent({ json: { a: ["ACME-12345678"] }, detectors: [ticket] }).findings).toEqual([{ detector: "acme_ticket", class: "secrets", path: "json.a[0]" }]);
    expect(scanContent({ text: "x ACME-12345678" }).findings).toEqual([]);
  });

  it("testing a candidate answers each sample's hits", () => {
    expect(testOrgDetector(ticket, ["ACME-12345678 ACME-87654321", "none"])).toEqual([
      {
        sample: 0,
        hits: [
          { start: 0, end: 13, match: "ACME-12345678" },
          { start: 14, end: 27, match: "ACME-87654321" },
        ],
      },
      { sample: 1, hits: [] },
    ]);
  });

  it("property: a value of the org's pattern placed anywhere in any text is found, whole, and no finding overlaps another", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), fc.stringMatching(/^[0-9]{8}$/), (before, after, digits) => {
        const value = `ACME-${digits}`;
        const text = `${before} ${value} ${after}`;
        const found = findInText(text, { org });
        const start = before.length + 1;
        // The value is covered by one finding (the org's, or a built-in's that starts no later and is longer).
        expect(found.some((f) => f.start <= start && f.end >= start + value.length)).toBe(true);
        for (let i = 1; i < found.length; i += 1) expect((found[i] as { start: number }).start).toBeGreaterThanOrEqual((found[i - 1] as { end: number }).end);
      }),
      { seed: 46, numRuns: 300 },
    );
  });
});

describe("confidence", () => {
  it("each built-in detector has one: high for self-identifying or checked formats, medium for a keyword's context or an unchecked number, low for the generic rule", () => {
    const of = (id: string) => CONTENT_DETECTORS.find((detector) => detector.id === id)?.confidence;
    expect(CONTENT_DETECTORS.every((detector) => ["high", "medium", "low"].includes(detector.confidence))).toBe(true);
    expect([of("github_token"), of("private_key"), of("email"), of("card_number"), of("iban")]).toEqual(["high", "high", "high", "high", "high"]);
    expect([of("phone_number"), of("us_ssn"), of("uk_nino"), of("in_pan")]).toEqual(["medium", "medium", "medium", "medium"]);
    expect(of("high_entropy_secret")).toBe("low");
    // A secret whose value is a group after a keyword is found by its context, not by itself.
    for (const detector of CONTENT_DETECTORS.filter((d) => d.class === "secrets" && d.id !== "high_entropy_secret")) {
      expect(detector.confidence, detector.id).toBe((detector.group ?? 0) > 0 ? "medium" : "high");
    }
  });

  it("a scan's findings carry the built-in detector's confidence, and none for the org's own", () => {
    const found = scanContent({ text: `mail jane@example.com and ACME-12345678`, detectors: [ticket] }).findings;
    expect(found.map((f) => [f.detector, f.confidence])).toEqual([
      ["email", "high"],
      ["acme_ticket", undefined],
    ]);
  });
});
