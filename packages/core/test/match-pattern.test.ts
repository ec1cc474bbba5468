import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { patternCovers } from "../src/delegation/attenuation";
import { compilePattern, MAX_PATTERN_STARS, patternStars, type PatternMeter } from "../src/policy/match-pattern";

/**
 * References. `regexMatch` is the matcher patterns had before: `*` became `.*` in a backtracking
 * regular expression, exponential in the number of stars, so it only sees small inputs here.
 * `tableCovers` is the attenuation check as it was: a wildcard-matching table, O(|parent|·|child|),
 * fast enough at every size; on a child without `*` it is plain wildcard matching.
 */
function regexMatch(pattern: string, value: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(value);
}

function tableCovers(parent: string, child: string): boolean {
  const p = parent.replace(/\*+/g, "*");
  const c = child.replace(/\*+/g, "*");
  let row: boolean[] = Array.from({ length: c.length + 1 }, (_, j) => j === 0);
  for (const symbol of p) {
    const next = new Array<boolean>(c.length + 1).fill(false);
    let reachable = false;
    for (let j = 0; j <= c.length; j++) {
      if (symbol === "*") {
        reachable = reachable || row[j] === true;
        next[j] = reachable;
      } else if (j > 0) next[j] = row[j - 1] === true && c[j - 1] === symbol;
    }
    row = next;
  }
  return row[c.length] === true;
}

function steps(pattern: string, value: string): { matched: boolean; steps: number } {
  const meter: PatternMeter = { steps: 0 };
  const matched = compilePattern(pattern)(value, meter);
  return { matched, steps: meter.steps };
}

/** The bound match-pattern.ts promises: 2n + m steps for a value of n characters and a pattern of m. */
const bound = (pattern: string, value: string) => 2 * value.length + pattern.length;

const letters = (alphabet: string, max: number) => fc.array(fc.constantFrom(...alphabet), { maxLength: max }).map((chars) => chars.join(""));
/** Patterns over a small alphabet, so parts recur and overlap: the shapes that trip matchers up. */
const patternOf = (max: number, maxStars: number) => letters("ab.**", max).filter((p) => patternStars(p) <= maxStars);
/** A value the pattern matches (each star replaced by a random run), then perhaps one character changed. */
const nearMatch = (pattern: string, fill: fc.Arbitrary<string>) =>
  fc.tuple(fc.array(fill, { minLength: patternStars(pattern), maxLength: patternStars(pattern) }), fc.nat(), fc.constantFrom("", "a", "b", ".")).map(([runs, at, swap]) => {
    let i = 0;
    const value = pattern.replace(/\*/g, () => runs[i++] ?? "");
    if (swap === "" || value.length === 0) return value;
    const k = at % value.length;
    return value.slice(0, k) + swap + value.slice(k + 1);
  });

describe("compilePattern agrees with the old regular expression (small inputs)", () => {
  it("on random values", () => {
    fc.assert(
      fc.property(patternOf(12, 5), letters("ab.", 16), (pattern, value) => {
        expect(compilePattern(pattern)(value)).toBe(regexMatch(pattern, value));
      }),
      { numRuns: 5_000 },
    );
  });

  it("on values built from the pattern, matching or one character off", () => {
    fc.assert(
      fc.property(
        patternOf(12, 5).chain((pattern) => fc.tuple(fc.constant(pattern), nearMatch(pattern, letters("ab.", 4)))),
        ([pattern, value]) => {
          expect(compilePattern(pattern)(value)).toBe(regexMatch(pattern, value));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("on the characters the regular expression would have read as syntax", () => {
    fc.assert(
      fc.property(letters("a.+?^${}()|[]\\*", 10), letters("a.+?^${}()|[]\\", 12), (pattern, value) => {
        fc.pre(patternStars(pattern) <= 5);
        expect(compilePattern(pattern)(value)).toBe(regexMatch(pattern, value));
      }),
      { numRuns: 3_000 },
    );
  });
});

describe("compilePattern agrees with wildcard matching at full size", () => {
  it("on 128-character patterns and values", () => {
    fc.assert(
      fc.property(
        letters("ab*", 128).chain((pattern) => fc.tuple(fc.constant(pattern), fc.oneof(letters("ab", 128), nearMatch(pattern, letters("ab", 16))))),
        ([pattern, value]) => {
          expect(compilePattern(pattern)(value)).toBe(tableCovers(pattern, value));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe("patternCovers agrees with the old attenuation table", () => {
  it("on random parent and child patterns", () => {
    fc.assert(
      fc.property(patternOf(20, 20), patternOf(20, 20), (parent, child) => {
        expect(patternCovers(parent, child)).toBe(tableCovers(parent, child));
      }),
      { numRuns: 5_000 },
    );
  });

  it("on children built from the parent (narrower, or one character off)", () => {
    fc.assert(
      fc.property(
        patternOf(40, 8).chain((parent) => fc.tuple(fc.constant(parent), nearMatch(parent, letters("ab.*", 4)))),
        ([parent, child]) => {
          expect(patternCovers(parent, child)).toBe(tableCovers(parent, child));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("is sound: a covered child's every expansion is matched by the parent", () => {
    fc.assert(
      fc.property(
        patternOf(16, 6).chain((child) => fc.tuple(patternOf(16, 6), fc.constant(child), nearMatch(child, letters("ab.", 5)))),
        ([parent, child, expansion]) => {
          fc.pre(patternCovers(parent, child) && compilePattern(child)(expansion));
          expect(compilePattern(parent)(expansion)).toBe(true);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

/** Worst cases for the old matcher (and for naive searches), at the size caps: 128-character values. */
const A128 = "a".repeat(128);
const HOSTILE: Array<[string, string, string]> = [
  ["the reported bomb", "*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(40)],
  ["the reported bomb at 128 characters", "*a*a*a*a*a*a*a*a*a*a*b", A128],
  ["eight stars, one letter apart", "*a*a*a*a*a*a*a*b", A128],
  ["eight stars, long parts", `*${"a".repeat(15)}*${"a".repeat(15)}*${"a".repeat(15)}*${"a".repeat(15)}*${"a".repeat(15)}*${"a".repeat(15)}*${"a".repeat(15)}*b`, A128],
  ["parts that nearly match everywhere", "*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab*", A128],
  ["a part that matches at every place", "a*a*a*a*a*a*a*a*a", A128],
  ["periodic parts", "*abab*abab*abab*ababb*", "ab".repeat(64)],
  ["a 128-character literal one letter off", `${"a".repeat(127)}b`, A128],
  ["stars only", "********", A128],
  ["as many stars as the syntax allows (a pattern stored before the limit)", "*".repeat(128), A128],
  ["64 stars between letters (a pattern stored before the limit)", "*a".repeat(64), A128],
  ["64 stars, no match (a pattern stored before the limit)", `${"*a".repeat(63)}*b`, A128],
];

describe("compilePattern takes at most 2n + m steps", () => {
  it.each(HOSTILE)("%s", (_name, pattern, value) => {
    const run = steps(pattern, value);
    expect(run.matched).toBe(tableCovers(pattern, value));
    expect(run.steps).toBeLessThanOrEqual(bound(pattern, value));
  });

  it("on random patterns at the caps (128 characters, up to the star limit and beyond)", () => {
    fc.assert(
      fc.property(
        fc
          .oneof(patternOf(128, MAX_PATTERN_STARS), letters("a*", 128), letters("ab*", 128))
          .chain((pattern) => fc.tuple(fc.constant(pattern), fc.oneof(letters("a", 128), letters("ab", 128), nearMatch(pattern, letters("a", 16))))),
        ([pattern, value]) => {
          expect(steps(pattern, value).steps).toBeLessThanOrEqual(bound(pattern, value));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("patternCovers too, on hostile children", () => {
    for (const [, pattern] of HOSTILE) {
      const meter: PatternMeter = { steps: 0 };
      patternCovers(pattern, A128.slice(0, 120) + "*b", meter);
      patternCovers("*", pattern, meter);
      expect(meter.steps).toBeLessThanOrEqual(bound(pattern, `${A128}*b`) + bound("*", pattern));
    }
  });
});
