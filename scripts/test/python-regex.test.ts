// The translation of JavaScript patterns to Python `re` syntax (../lib/python-regex.ts), which the Python SDK's
// twin of the content table is generated with: what it writes for each construct, and what it refuses.
import { describe, expect, it } from "vitest";
import { pythonFlags, pythonPattern, Untranslatable } from "../lib/python-regex.ts";

const JS_SPACE = String.raw`\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;

describe("pythonPattern", () => {
  it.each([
    ["(?<![\\w-])ghp_[A-Za-z0-9]{36}(?![\\w-])", "", String.raw`(?<![\w\-])ghp_[A-Za-z0-9]{36}(?![\w\-])`],
    ["(?<name>a)b+?c{2,}d{3}e{1,4}?", "", String.raw`(?P<name>a)b+?c{2,}d{3}e{1,4}?`],
    ["a\\sb[^\\s\"']", "", `a[${JS_SPACE}]b[^${JS_SPACE}\\"']`],
    ["a\\Sb", "", `a[^${JS_SPACE}]b`],
    ["^a.b$", "", String.raw`\Aa[^\n\r\u2028\u2029]b\Z`],
    ["^a.b$", "m", String.raw`(?<![^\n\r\u2028\u2029])a[^\n\r\u2028\u2029]b(?![^\n\r\u2028\u2029])`],
    ["a.b", "s", "a(?s:.)b"],
    ["[\\w.[-]x[a-c\\-e][\\d-z][&~|^]", "", String.raw`[\w.\[\-]x[a-c\-e][\d\-z][\&\~\|\^]`],
    ['\\x60\\u2028\\t\\0\\cJ\\/\\.\\$"', "", '`\\u2028\\t\\x00\\n/\\.\\$\\"'],
    ["a{,2}x{", "", String.raw`a\{,2\}x\{`],
    ["\\bword\\B", "i", String.raw`\bword\B`],
    ["[\\b]", "", String.raw`[\x08]`],
    ["é", "", String.raw`\u00e9`],
  ])("%s (%s)", (source, flags, python) => {
    expect(pythonPattern(source, flags)).toBe(python);
  });

  it.each([
    ["(a)\\1", "", "a backreference"],
    ["(?<n>a)\\k<n>", "", "a named backreference"],
    ["\\p{L}", "", "a Unicode property escape"],
    ["(?<=a+)b", "", "a variable-width lookbehind"],
    ["(?<!a|bc)d", "", "a variable-width lookbehind"],
    ["(?<=a{1,2})b", "", "a variable-width lookbehind"],
    ["(?=a)*b", "", "a quantified assertion"],
    ["a*", "", "can match the empty string"],
    ["(?:x)?|y", "", "can match the empty string"],
    ["\\a", "", "the identity escape \\a"],
    ["[^\\S]", "", "\\S inside a class"],
    ["[^]", "", "[^]"],
    ["[]a", "", "[]"],
    ["\\x4", "", "an incomplete"],
    ["(?i)a", "", "an unknown group"],
    ["a", "u", "the u flag"],
    ["a", "y", "the y flag"],
    ["(a", "", "an unclosed group"],
    ["a)", "", "an unbalanced )"],
    ["+a", "", "nothing to repeat"],
    ["[z-a]", "", "a range out of order"],
  ])("refuses %s (%s): %s", (source, flags, why) => {
    expect(() => pythonPattern(source, flags)).toThrow(Untranslatable);
    expect(() => pythonPattern(source, flags)).toThrow(why);
  });

  it("takes a fixed-width lookbehind, alternatives of one width included", () => {
    expect(pythonPattern("(?<=mailto:|MAILTO:)a(?<![Ii][Dd])(?<=(?:ab){2}c)", "")).toBe("(?<=mailto:|MAILTO:)a(?<![Ii][Dd])(?<=(?:ab){2}c)");
  });
});

describe("pythonFlags", () => {
  it("adds re.ASCII to what the JavaScript flags ask for", () => {
    expect(pythonFlags("g")).toBe("re.ASCII");
    expect(pythonFlags("gim")).toBe("re.ASCII | re.IGNORECASE | re.MULTILINE");
    expect(pythonFlags("gs")).toBe("re.ASCII | re.DOTALL");
  });
});
