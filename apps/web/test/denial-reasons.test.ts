import { DENIAL_REASON_CODES, DENIAL_REASONS, describeResult } from "@gatehouse/core";
import { describe, expect, it } from "vitest";
import { denialLine, denialText, denialTextsFrom } from "../src/lib/denial-reasons";

// The console's texts are core's table, handed over by the org layout: every reason, CONTENT_DENIED included.
const texts = denialTextsFrom(DENIAL_REASONS);

describe("denial reasons in the console", () => {
  it("has a text for every reason of core's table, and no other", () => {
    expect(Object.keys(texts).sort()).toEqual([...DENIAL_REASON_CODES].sort());
    for (const code of DENIAL_REASON_CODES) expect(denialText(code, texts)).toBe(DENIAL_REASONS[code].text);
  });

  it("reads CONTENT_DENIED as the agent reads it in its result", () => {
    const line = denialLine("CONTENT_DENIED", texts);
    expect(line).toMatch(/^CONTENT_DENIED: it carries a secret or personal data that the org's content rules refuse/);
    expect(describeResult({ status: "denied", denialReason: "CONTENT_DENIED" })).toContain(line.slice("CONTENT_DENIED: ".length));
  });

  it.each(["SOMETHING_NEWER", "constructor", "__proto__", "toString", ""])("reads a code it was not handed (%j) as itself", (code) => {
    expect(denialText(code, texts)).toBeNull();
    expect(denialLine(code, texts)).toBe(code);
  });

  it("reads every code as itself before the layout handed any text over", () => {
    expect(denialLine("NO_POLICY", {})).toBe("NO_POLICY");
  });
});
