// The Python SDK's RE2 matcher (packages/sdk-python/src/gatehouse/_re2.py, which runs an org's own content detectors
// in the Python screen) is held to re2js, the engine the TypeScript screen runs them with. This module gives
// ./content-python.ts two files to write (`npm run openapi`) and check (`npm run openapi:check`):
//   packages/sdk-python/src/gatehouse/_re2_tables.py   re2js's case-folding orbits (what `(?i)` matches), read from
//       re2js's own build, so Python folds exactly as re2js does;
//   packages/sdk-python/tests/fixtures/re2-vectors.json   what re2js's `matcher(text).find()` loop finds for every
//       pattern of a corpus (each construct the Python matcher parses, alone and combined) × texts (ASCII, non-ASCII,
//       astral characters, newlines, case folding): test_re2.py requires the Python matcher to find the same.
// Everything is deterministic: the same re2js writes the same files.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { runInNewContext } from "node:vm";
import { RE2JS } from "re2js";

const require = createRequire(import.meta.url);

/** re2js's case orbits (each character to the next of its orbit), from its build (it exports no table). */
function caseOrbit(): Map<number, number> {
  const source = readFileSync(require.resolve("re2js"), "utf8");
  const sandbox: Record<string, unknown> = { module: { exports: {} }, exports: {}, require };
  runInNewContext(`${source}\n;globalThis.__orbit = UnicodeTables.CASE_ORBIT;`, sandbox);
  // A Map of the sandbox's realm: copied into one of this realm's.
  const orbit = sandbox.__orbit as { entries?: () => Iterable<[number, number]> } | undefined;
  if (typeof orbit?.entries !== "function") throw new Error("re2js's build has no UnicodeTables.CASE_ORBIT this script can read");
  const copy = new Map<number, number>(orbit.entries());
  if (copy.size < 1000) throw new Error(`re2js's UnicodeTables.CASE_ORBIT has ${copy.size} entries: not the table this script reads`);
  return copy;
}

/** re2js's version, from the package.json beside its build. */
function re2jsVersion(): string {
  const manifest = JSON.parse(readFileSync(join(dirname(require.resolve("re2js")), "..", "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

/** _re2_tables.py: CASE_ORBIT as a dict, written as runs of (key delta, value - key) pairs. */
export function re2Tables(): string {
  const entries = [...caseOrbit().entries()].sort((a, b) => a[0] - b[0]);
  const pairs: string[] = [];
  let last = 0;
  for (const [key, value] of entries) {
    pairs.push(`${(key - last).toString(36)}:${(value - key).toString(36)}`);
    last = key;
  }
  const lines: string[] = [];
  for (let i = 0; i < pairs.length; i += 16) lines.push(`    "${pairs.slice(i, i + 16).join(",")},"`);
  return `"""re2js's case-folding orbits, generated from re2js's build by scripts/re2-python.ts. Do not edit: \`npm run
openapi\` writes it, and \`npm run openapi:check\` fails when it is stale.

CASE_ORBIT maps a character to the next one of its case orbit (k -> K -> U+212A KELVIN SIGN -> k), as re2js's
Unicode.simpleFold does; _re2.py folds \`\`(?i)\`\` patterns with it.
"""

from __future__ import annotations

from typing import Final


def _decode(packed: str) -> dict[int, int]:
    table: dict[int, int] = {}
    key = 0
    for pair in packed.rstrip(",").split(","):
        delta, offset = pair.split(":")
        key += int(delta, 36)
        table[key] = key + int(offset, 36)
    return table


#: re2js ${re2jsVersion()}: ${entries.length} characters.
CASE_ORBIT: Final[dict[int, int]] = _decode(
${lines.join("\n")}
)
`;
}

// ── The corpus ─────────────────────────────────────────────────────────────────────────────────────

/** Patterns, one construct or more each (every one valid RE2: re2js compiles it). */
const BASE_PATTERNS = [
  // literals and escapes
  "abc",
  "a",
  "EMP-[0-9]{6}",
  "\\x41",
  "\\x{1F600}",
  "\\x{e9}",
  "\\101",
  "\\0",
  "\\012",
  "\\.\\*\\+\\?",
  "\\Qa.b*c\\E",
  "\\Qx\\E+",
  "a\\Q\\E",
  "\\t\\n",
  "\\-\\_",
  "é",
  "😀",
  "ß",
  // classes
  "[abc]",
  "[^abc]",
  "[a-z]+",
  "[^a-z]+",
  "[]a]",
  "[^]a]",
  "[a-]",
  "[-a]",
  "[a\\-z]",
  "[\\x{1F600}-\\x{1F64F}]",
  "[α-ω]+",
  "[\\d\\s]+",
  "[^\\n]+",
  "[\\w.-]+@[\\w-]+\\.[a-z]{2,}",
  "[[:alpha:]]+",
  "[[:^alpha:]]+",
  "[[:digit:][:punct:]]+",
  "[[:space:]]",
  "[[:word:]]+",
  "[[:xdigit:]]{2,}",
  "[[:upper:][:lower:]]+",
  "[[:alnum:]]+",
  "[[:cntrl:]]",
  "[[:print:]]+",
  "[[:graph:]]+",
  "[[:blank:]]+",
  "[[:ascii:]]+",
  // perl classes
  "\\d+",
  "\\D+",
  "\\s+",
  "\\S+",
  "\\w+",
  "\\W+",
  "[\\D]",
  "[^\\D]",
  "[\\W\\d]",
  // dot
  ".",
  ".+",
  "a.c",
  "(?s).+",
  "(?s)a.c",
  // anchors
  "^a",
  "a$",
  "^abc$",
  "(?m)^\\w+",
  "(?m)\\w+$",
  "(?m)^$",
  "\\Aab",
  "ab\\z",
  "\\bab\\b",
  "\\Bb\\B",
  "\\b",
  "^",
  "$",
  "(?m)^",
  "(?m)$",
  "\\B",
  // flags
  "(?i)abc",
  "(?i)k",
  "(?i)s",
  "(?i)[a-c]+",
  "(?i)[^a-c]+",
  "(?i)\\w+",
  "(?i)\\W+",
  "(?i)[[:upper:]]+",
  "(?i)ǅ",
  "(?i)σ",
  "(?i)é",
  "a(?i)b",
  "a(?i:b)c",
  "(?i:a)b",
  "(?i)a(?-i)b",
  "(?i)a(?-i:b)c",
  "(?U)a+",
  "(?U)a+?",
  "(?U)a{2,4}",
  "(?sm)^.+$",
  "(?i)ǰ",
  "(?i)ß",
  "(?i)ı",
  "(?i)İ",
  // groups and alternation
  "(a)(b)",
  "(?:ab)+",
  "(?P<x>a+)b",
  "(?<y>b)+",
  "a|b",
  "ab|a",
  "a|ab",
  "(a|ab)(c|bcd)",
  "|a",
  "a|",
  "(|a)+",
  "(a|)+",
  "x(a|b|)*y",
  "(?:a|b)c|d",
  // repetition
  "a*",
  "a+",
  "a?",
  "a*?",
  "a+?",
  "a??",
  "a{2}",
  "a{2,}",
  "a{2,3}",
  "a{2,3}?",
  "a{0}",
  "a{0,}",
  "a{0,1}",
  "a{1,1}",
  "a{,2}",
  "a{x}",
  "a{2",
  "(ab){2,}?",
  "(a*)*",
  "(a*)+",
  "(a?)*",
  "(a*?)*",
  "(a|b)*?c",
  "(?:a+)+b",
  "(a+)+$",
  "(a|aa)*b",
  "x*",
  "(?:)+",
  "(?:a{2}){2}",
  "a{1,3}b{0,2}c",
  // combinations an org writes
  "(?i)emp-\\d{6}",
  "\\b[A-Z]{2}\\d{2}[A-Z0-9]{11,30}\\b",
  "\\b(?:\\d[ -]?){13,16}\\b",
  "acme_[a-z0-9]{24}",
  "(?i)\\bproj(?:ect)?[ _-]?id[:=]\\s*\\d+",
  "[^@\\s]+@[^@\\s]+",
  "\\$\\d+(?:\\.\\d\\d)?",
  "(?m)^#+ .*$",
  "[😀-🙏]+",
  "\\x{10000}.",
];

/** Texts each pattern is run on. */
const TEXTS = [
  "",
  "a",
  "abc",
  "aaa",
  "aaab",
  "ab ab",
  "xabcx",
  "ABC abc AbC",
  "a.b*c aQb",
  "EMP-204817 and emp-000001 EMP-12345",
  "line one\nline two\n\nlast",
  "\n",
  "a\nb\r\nc",
  "tab\there",
  "b-a_c]z",
  "caf\u00e9 CAF\u00c9 e\u0301",
  "\u00df SS \u1e9e ss",
  "k K \u212a s S \u017f",
  "\u01c4\u01c5\u01c6 \u03c3\u03a3\u03c2",
  "\u0130 \u0131 i I",
  "\u01f0 J\u030c",
  "\u03b1\u03b2\u03b3 \u0391\u0392\u0393 \u03c9",
  "\ud83d\ude00 smile \ud83d\ude4f pray \ud83d\udc4d",
  "a\ud83d\ude00b\ud800c\udc00d",
  "\ud800\udc00.x",
  "x(a)y xy xaby xbby",
  "abcbcd abbcd",
  "GB82WEST12345698765432 DE89 3704 0044 0532 0130 00",
  "4111 1111 1111 1111 and 4111111111111111",
  "acme_abcdefghijklmnopqrstuvwx",
  "PROJECT-ID: 42 proj_id=7 projid:  9",
  "jane@example.com, x@y",
  "$12.50 $3 $4.1",
  "# Title\n## Sub\nbody",
  "0 \u0000 \u0007\u007f \u00a0 \u2028",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac",
  "\\Qx\\E xxx a{2} a{x}",
];

/** Patterns made by combining the base ones (groups, alternation, repetition, flags over them). */
function combined(): string[] {
  let seed = 46;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const atoms = ["a", "b", "[ab]", "\\w", "\\d", ".", "[^a]", "\\s", "k", "é", "😀", "(?i:k)", "\\b", "^", "$", "x", "[[:alpha:]]", "\\W", "(?:)", "ß"];
  const out: string[] = [];
  const build = (depth: number): string => {
    const choice = Math.floor(rand() * (depth > 2 ? 3 : 8));
    const atom = atoms[Math.floor(rand() * atoms.length)] as string;
    switch (choice) {
      case 0:
      case 1:
        return atom;
      case 2:
        return build(depth + 1) + build(depth + 1);
      case 3:
        return `(?:${build(depth + 1)}|${build(depth + 1)})`;
      case 4:
        return `(${build(depth + 1)})${["*", "+", "?", "*?", "+?", "??", "{1,3}", "{2}", "{0,2}?"][Math.floor(rand() * 9)] as string}`;
      case 5:
        return `(?i)${build(depth + 1)}`;
      case 6:
        return `(?m:${build(depth + 1)})`;
      default:
        return `(?s:${build(depth + 1)})${build(depth + 1)}`;
    }
  };
  while (out.length < 400) {
    const pattern = build(0);
    try {
      RE2JS.compile(pattern);
      out.push(pattern);
    } catch {
      // Only patterns RE2 accepts are vectors.
    }
  }
  return out;
}

const COMBINED_TEXTS = ["abab kK\u212a x", "a\nb\nab\n", "ba\u00e9\u00c9 \ud83d\ude00\ud83d\ude00 ss\u00df", "xx  a1b2 ", ""];

function matches(regex: RE2JS, text: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  const matcher = regex.matcher(text);
  while (matcher.find()) found.push([matcher.start(), matcher.end()]);
  return found;
}

/** re2-vectors.json: for each pattern, the texts and what re2js found in each. */
export function re2Vectors(): string {
  const cases: Array<{ pattern: string; texts: string[]; matches: Array<Array<[number, number]>> }> = [];
  for (const pattern of BASE_PATTERNS) {
    const regex = RE2JS.compile(pattern);
    cases.push({ pattern, texts: TEXTS, matches: TEXTS.map((text) => matches(regex, text)) });
  }
  for (const pattern of combined()) {
    const regex = RE2JS.compile(pattern);
    cases.push({ pattern, texts: COMBINED_TEXTS, matches: COMBINED_TEXTS.map((text) => matches(regex, text)) });
  }
  return `${JSON.stringify({ note: "Written by scripts/re2-python.ts (npm run openapi): re2js's matches, as UTF-16 offsets.", cases })}\n`;
}
