import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  answeredOrgScan,
  ContentLimitError,
  MAX_REDACTIONS,
  MAX_SCREEN_GROWTH,
  ORG_SCREEN_PROGRAM_BUDGET,
  ORG_SCREEN_WORK_MAX,
  orgDetectorScan,
  orgProgramSize,
  orgScreenWork,
  scanContent,
  screenContent,
  screenedTexts,
  ScreenLimitReached,
  screenOrgTexts,
  SCREENED_CALL_MAX_CHARS,
  type OrgDetectorSpec,
} from "../src";

// The budget of one screen of an org's content (docs/content-detectors.md, "Budgets"): the work of the org's own
// detectors counted before any matching, their matches, and what the placeholders write.

const spec = (name: string, pattern: string, keywords: string[] = []): OrgDetectorSpec => ({ name, class: "personalData", pattern, keywords, checksum: null });
/** The costliest shape: a wide counted repetition keeps ~150 RE2 threads alive at every character. */
const costly = (i: number) => spec(`wide_${i}`, `(?s).{0,145}\\d{${5 + (i % 3)}}`);
const everyCharacter = spec("every_char", "[\\s\\S]");
const ACTIONS = { actions: { secrets: "redact", personalData: "redact", minConfidence: "low" }, tag: () => "00000000" } as const;

describe("the work of an org's detectors is counted before any matching", () => {
  it("refuses the issue's 25 wide detectors over 60 KiB without running one (it took 11 s of CPU before)", () => {
    const specs = Array.from({ length: 25 }, (_, i) => costly(i % 3));
    const text = "1".repeat(60 * 1024);
    const work = orgScreenWork({ specs, texts: [text] });
    expect(work).toBeGreaterThan(ORG_SCREEN_WORK_MAX);
    expect(screenOrgTexts({ specs, texts: [text] })).toEqual({ limit: "work", work });
  });

  it("counts a detector only on texts that hold one of its keywords", () => {
    const gated = spec("gated", "[0-9]{8}", ["ticket"]);
    const size = orgProgramSize([gated]);
    expect(orgScreenWork({ specs: [gated], texts: ["nothing to see here", "ticket 12345678"] })).toBe("ticket 12345678".length * size);
  });

  it("a set within the saving budget screens the largest call within the call's budget", () => {
    const specs: OrgDetectorSpec[] = [];
    for (let i = 0; orgProgramSize([...specs, costly(i)]) <= ORG_SCREEN_PROGRAM_BUDGET; i += 1) specs.push(costly(i));
    expect(specs.length).toBeGreaterThan(0);
    expect(orgScreenWork({ specs, texts: ["7".repeat(SCREENED_CALL_MAX_CHARS)] })).toBeLessThanOrEqual(ORG_SCREEN_WORK_MAX);
  });
});

describe("matches and placeholders are capped", () => {
  it("a detector of single characters over 61 KB stops at the match cap instead of writing 3.7 MB", () => {
    const text = "x".repeat(61_000);
    expect(screenOrgTexts({ specs: [everyCharacter], texts: [text] })).toMatchObject({ limit: "matches" });
    // Through the screen as the server runs it, on a text just past the placeholders' cap: a limit, never a redacted copy.
    const org = orgDetectorScan([everyCharacter]);
    const past = "x".repeat(MAX_REDACTIONS + 1);
    expect(() => screenContent({ log: past }, ["metadata"], { ...ACTIONS, org, limits: { redactions: MAX_REDACTIONS, growth: MAX_SCREEN_GROWTH } })).toThrow(ScreenLimitReached);
  });

  it.each([
    ["redactions", { redactions: 3, growth: 1_000_000 }, "a@b.co c@d.co e@f.co g@h.co"],
    ["growth", { redactions: 1_000, growth: 40 }, "a@b.co c@d.co e@f.co g@h.co"],
  ] as const)("stops at the %s limit", (limit, limits, text) => {
    let reached: unknown;
    try {
      screenContent({ text }, ["metadata"], { ...ACTIONS, limits });
    } catch (error) {
      reached = error;
    }
    expect(reached).toBeInstanceOf(ScreenLimitReached);
    expect((reached as ScreenLimitReached).limit).toBe(limit);
  });

  it("a screen within its limits writes what it wrote before", () => {
    const value = { text: "mail a@b.co and c@d.co" };
    const bounded = screenContent(value, ["metadata"], { ...ACTIONS, limits: { redactions: MAX_REDACTIONS, growth: MAX_SCREEN_GROWTH } });
    expect(bounded).toEqual(screenContent(value, ["metadata"], ACTIONS));
  });

  it("a standalone scan past the budget is a 400 naming its field, before the walk", () => {
    let refused: unknown;
    try {
      scanContent({ text: "x".repeat(61_000), detectors: [everyCharacter] });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ContentLimitError);
    expect((refused as ContentLimitError).details).toMatchObject({ issues: [{ path: "text" }], limit: "matches" });
  });
});

describe("a screen answered from the job's findings", () => {
  const specs = [spec("ticket", "T-[0-9]{4}"), spec("word", "(?i)secret[a-z]{2,6}", ["secret"])];
  const word = fc.stringMatching(/^(T-[0-9]{2,5}|secret[a-z]{0,7}|SECRETive|[a-z ]{1,12})$/);
  const texts = fc.array(
    fc.array(word, { minLength: 1, maxLength: 6 }).map((words) => words.join(" ")),
    { minLength: 1, maxLength: 8 },
  );

  it("finds what the org's detectors find run in place, for every text and class", () => {
    fc.assert(
      fc.property(texts, (sample) => {
        const result = screenOrgTexts({ specs, texts: sample });
        if ("limit" in result) throw new Error("within budget");
        const answered = answeredOrgScan(specs, sample, result.findings);
        const direct = orgDetectorScan(specs);
        for (const text of sample) {
          for (const classes of [undefined, new Set(["personalData"] as const), new Set(["secrets"] as const)]) {
            expect(answered.find(text, classes)).toEqual(direct?.find(text, classes));
          }
        }
      }),
      { seed: 62, numRuns: 60 },
    );
  });

  it("matches a text the job did not carry only within the event loop's share", () => {
    const answered = answeredOrgScan([costly(0)], [], []);
    expect(answered.find("short 12345 text", undefined)).toHaveLength(1);
    expect(() => answered.find("9".repeat(10_000), undefined)).toThrow(ScreenLimitReached);
  });

  it("collects every text a screen reads: strings of 6 characters or more and keys of 8 or more", () => {
    expect([...screenedTexts({ short: "abc", longer: "abcdef", keyIsLongEnough: [1, "x", { nested: "123456" }] })].sort()).toEqual(["abcdef", "keyIsLongEnough", "123456"].sort());
  });
});
