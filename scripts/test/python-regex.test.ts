// The translation of JavaScript patterns to Python `re` syntax (../lib/python-regex.ts), which the Python SDK's
// twin of the content table is generated with: what it writes for each construct, and what it refuses; the
// leading lookbehinds it moves for Python's engine (the same matches, read by JavaScript's engine over every
// case of the table), and where it reads a keyword in every match (checked against every match of the cases).
import { describe, expect, it } from "vitest";
import { CONTENT_DETECTORS } from "../../packages/core/src/content/detectors.ts";
import { KEY_HINTED_TOKEN } from "../../packages/core/src/content/secret-rules.ts";
import { CASES } from "../../packages/core/test/content-cases.ts";
import { keywordAnchor, pythonFlags, pythonPattern, Untranslatable } from "../lib/python-regex.ts";

const JS_SPACE = String.raw`\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;

describe("pythonPattern", () => {
  it.each([
    ["x(?<![\\w-])ghp_[A-Za-z0-9]{36}(?![\\w-])", "", String.raw`x(?<![\w\-])ghp_[A-Za-z0-9]{36}(?![\w\-])`],
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
    expect(pythonPattern("x(?<=mailto:|MAILTO:)a(?<![Ii][Dd])(?<=(?:ab){2}c)", "")).toBe("x(?<=mailto:|MAILTO:)a(?<![Ii][Dd])(?<=(?:ab){2}c)");
  });
});

describe("pythonPattern's leading lookbehinds", () => {
  it.each([
    // The literal that follows, which Python's engine searches for.
    [String.raw`(?<![\w-])ghp_[A-Za-z0-9]{36}(?![\w-])`, "", String.raw`ghp_(?<![\w\-][\s\S]{4})[A-Za-z0-9]{36}(?![\w\-])`],
    // Units taken off what follows, four at most: off a repetition, then the units after it.
    [String.raw`(?<!\d)\d{8,10}:AA`, "", String.raw`\d\d\d\d(?<!\d[\s\S]{4})\d{4,6}:AA`],
    [String.raw`(?<![\d-])\d{3}[ -]\d{2}`, "", String.raw`\d\d\d[ \-](?<![\d\-][\s\S]{4})\d{2}`],
    [String.raw`(?<!\d)\d{2}xy`, "", String.raw`\d\dxy(?<!\d[\s\S]{4})`],
    // Alternatives that all open with the same unit give it up, as long as they all do.
    [String.raw`(?<![\d-])(?:\d{4}-\d|\d{13,19})(?!\d)`, "", String.raw`\d\d\d\d(?<![\d\-][\s\S]{4})(?:-\d|\d{9,15})(?!\d)`],
    [String.raw`(?<!a)(?:bc|bd)`, "", String.raw`b(?<!a[\s\S])(?:c|d)`],
    // A group of lookbehinds as alternatives, and several lookbehinds, move together.
    [String.raw`(?:(?<=mailto:)|(?<![\w.]))[\w.]{1,64}@`, "", String.raw`[\w.](?:(?<=mailto:[\s\S])|(?<![\w.][\s\S]))[\w.]{0,63}@`],
    ["(?<!a)(?<=b|c)de", "", String.raw`de(?<!a[\s\S]{2})(?<=b[\s\S]{2}|c[\s\S]{2})`],
    // Each alternative of the whole pattern on its own.
    ["(?<!a)bc|(?<!d)e|f", "", String.raw`bc(?<!a[\s\S]{2})|e(?<!d[\s\S])|f`],
    // Left where they are: before a group that captures (its value would change), alternatives opening
    // differently, an optional unit; a lookbehind that does not lead; nothing after it.
    ["(?<!a)(bc)", "", "(?<!a)(bc)"],
    ["(?<!a)(?:b|c)d", "", "(?<!a)(?:b|c)d"],
    ["(?<!a)b?c", "", "(?<!a)b?c"],
    ["x(?<!a)b", "", "x(?<!a)b"],
    ["b(?<!a)", "", "b(?<!a)"],
  ])("%s (%s)", (source, flags, python) => {
    expect(pythonPattern(source, flags)).toBe(python);
  });

  /** Every match of `regex` in `text`: where, and every group. */
  const matches = (regex: RegExp, text: string) => [...text.matchAll(regex)].map((match) => [match.index, ...match]);
  const texts = [
    ...CASES.flatMap((entry) => [...entry.tp.map((sample) => sample.text), ...entry.fp.map((miss) => (typeof miss === "string" ? miss : miss.text))]),
    ...CASES.flatMap((entry) => entry.tp.map((sample) => `x${sample.value}- -${sample.value} ${sample.value}${sample.value}`)),
  ];

  it("moves them without changing a match: each of the table's patterns, read by JavaScript's engine, over every case", () => {
    let compared = 0;
    for (const { id, pattern } of [
      ...CONTENT_DETECTORS.map((detector) => ({ id: detector.id, pattern: detector.pattern })),
      { id: "KEY_HINTED_TOKEN", pattern: KEY_HINTED_TOKEN },
    ]) {
      const python = pythonPattern(pattern.source, pattern.flags);
      // What JavaScript reads alike: the table's translations hold no Python-only construct but these.
      if (/\(\?P<|\\[AZ]|\(\?s:/.test(python)) continue;
      const flags = pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`;
      const moved = new RegExp(python, flags);
      const original = new RegExp(pattern.source, flags);
      for (const text of texts) expect(matches(moved, text), `${id} on ${text}`).toEqual(matches(original, text));
      compared += 1;
    }
    expect(compared).toBe(CONTENT_DETECTORS.length + 1);
  });
});

describe("keywordAnchor", () => {
  it.each([
    [String.raw`(?<![\w-])ghp_[A-Za-z0-9]{36}`, "", ["ghp_"], [0, 0]],
    [String.raw`\bsv=\d{4}`, "", ["sv="], [0, 0]],
    // Under the i flag, and through an optional unit and alternatives.
    [String.raw`(?:aws|secret_?access)[\w.-]{0,32}=`, "i", ["aws", "secret_access", "secretaccess"], [0, 0]],
    [String.raw`(?:key|passw(?:or)?d|auth(?!or))=`, "i", ["key", "passw", "auth"], [0, 0]],
    // A class of a few listed units, a capital matched by its lowered keyword.
    [String.raw`(?<![\w-])[ps]at\.[\w-]{22}`, "", ["pat.", "sat."], [0, 0]],
    [String.raw`EZ[AT]K[A-Za-z0-9]{54}`, "", ["ezak", "eztk"], [0, 0]],
    // Further in: a fixed width before it, a bounded one, one in each alternative of a group.
    [String.raw`(?<![\w~.-])[\w~.]{3}\dQ~[\w~.-]{31,34}`, "", ["q~"], [4, 4]],
    [String.raw`(?<!\d)\d{8,10}:AA[\w-]{33}`, "", [":aa"], [8, 10]],
    [String.raw`(?:alibaba|access_?key_?secret)=`, "i", ["alibaba", "keysecret", "key_secret"], [0, 7]],
    [String.raw`https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com`, "", ["discord"], [8, 15]],
    // Alternatives of the whole pattern: the widest bounds.
    ["-----BEGIN[ A-Z]{0,40}PRIVATE KEY-----|-----BEGIN PRIVATE KEY", "", ["private key"], [10, 50]],
  ])("%s (%s) %j", (source, flags, keywords, anchor) => {
    expect(keywordAnchor(source, flags, keywords)).toEqual(anchor);
  });

  it.each([
    // No bound on how far in; a keyword missing from one alternative or from the pattern; no keywords.
    [String.raw`[\w.]+@x`, "", ["@"]],
    ["ghp_x|gho_x", "", ["ghp_"]],
    ["abc", "", ["x"]],
    ["abc", "", []],
    // A class of many units, or a unit outside ASCII (under i it may match another case of itself).
    ["[a-z]bc", "", ["abc"]],
    ["\u00e9x", "i", ["\u00e9x"]],
    // A keyword only after an optional part cannot be read at a single place: still bounded.
    ["(?:ab)?key", "", ["key"]],
  ])("%s (%s) %j: none, or a bounded one", (source, flags, keywords) => {
    const anchor = keywordAnchor(source, flags, keywords);
    if (source === "(?:ab)?key") expect(anchor).toEqual([0, 2]);
    else expect(anchor).toBeNull();
  });

  it("holds for every match of the table's patterns in every case: a keyword of the detector stands where it says", () => {
    const texts = CASES.flatMap((entry) => [...entry.tp.map((sample) => sample.text), ...entry.fp.map((miss) => (typeof miss === "string" ? miss : miss.text))]);
    let checked = 0;
    for (const detector of CONTENT_DETECTORS) {
      const anchor = keywordAnchor(detector.pattern.source, detector.pattern.flags, detector.keywords);
      if (anchor === null) continue;
      const [least, most] = anchor;
      const regex = new RegExp(detector.pattern.source, detector.pattern.flags.includes("g") ? detector.pattern.flags : `${detector.pattern.flags}g`);
      for (const text of texts) {
        const lowered = text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
        for (const match of text.matchAll(regex)) {
          const standing = Array.from({ length: most - least + 1 }, (_, i) => match.index + least + i).some((at) =>
            detector.keywords.some((keyword) => lowered.startsWith(keyword, at)),
          );
          expect(standing, `${detector.id}: ${match[0]}`).toBe(true);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(CASES.length);
  });
});

describe("pythonFlags", () => {
  it("adds re.ASCII to what the JavaScript flags ask for", () => {
    expect(pythonFlags("g")).toBe("re.ASCII");
    expect(pythonFlags("gim")).toBe("re.ASCII | re.IGNORECASE | re.MULTILINE");
    expect(pythonFlags("gs")).toBe("re.ASCII | re.DOTALL");
  });
});
