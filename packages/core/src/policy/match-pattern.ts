/**
 * Action, agent and capability patterns: literal text in which `*` matches any run of characters
 * (dots and other stars included). No other character is special.
 *
 * Matching never backtracks. A pattern is split at its stars into literal parts: the first must
 * begin the value, the last must end it, and each part in between is found, in order, at its
 * leftmost place after the one before (the leftmost place is always the best one: it leaves the most
 * room for the rest). Each part is searched with Knuth–Morris–Pratt, and every search starts where
 * the previous one ended, so matching a value of n characters against a pattern of m takes at most
 * 2n + m steps (PatternMeter), whatever the pattern's shape.
 */

/** The most `*` a pattern written in a policy or a delegation may hold (checked by the schemas). */
export const MAX_PATTERN_STARS = 8;

/** The number of `*` in a pattern. */
export function patternStars(pattern: string): number {
  let stars = 0;
  for (let i = 0; i < pattern.length; i++) if (pattern.charCodeAt(i) === STAR) stars++;
  return stars;
}

/**
 * Counts a match's steps: the pattern's first and last literal parts are charged their length (they
 * are compared in place, at most once each), and each search for a part in between counts one step
 * per character it reads and one per fall-back. A match adds at most 2n + m for a value of n
 * characters and a pattern of m.
 */
export interface PatternMeter {
  steps: number;
}

export type PatternMatcher = (value: string, meter?: PatternMeter) => boolean;

const STAR = 42;

interface Part {
  text: string;
  /** fail[j]: the length of the longest proper border of text[0..j]. */
  fail: Int32Array;
}

function partOf(text: string): Part {
  const fail = new Int32Array(text.length);
  let k = 0;
  for (let j = 1; j < text.length; j++) {
    while (k > 0 && text.charCodeAt(j) !== text.charCodeAt(k)) k = fail[k - 1] as number;
    if (text.charCodeAt(j) === text.charCodeAt(k)) k++;
    fail[j] = k;
  }
  return { text, fail };
}

/** Compiles a pattern once; the matcher then allocates nothing. */
export function compilePattern(pattern: string): PatternMatcher {
  const pieces = pattern.split("*");
  const head = pieces[0] as string;
  if (pieces.length === 1) {
    return (value, meter) => {
      if (meter) meter.steps += head.length;
      return value === head;
    };
  }
  const tail = pieces[pieces.length - 1] as string;
  const middle = pieces
    .slice(1, -1)
    .filter((piece) => piece.length > 0)
    .map(partOf);
  const fixed = head.length + tail.length;
  if (fixed === 0 && middle.length === 0) return () => true;
  return (value, meter) => {
    if (value.length < fixed) return false;
    if (meter) meter.steps += fixed;
    if (!value.startsWith(head) || !value.endsWith(tail)) return false;
    let from = head.length;
    const end = value.length - tail.length;
    for (let k = 0; k < middle.length; k++) {
      from = search(value, from, end, middle[k] as Part, meter);
      if (from < 0) return false;
    }
    return true;
  };
}

/** Where the first occurrence of `part` in value[from..end) ends, or -1. */
function search(value: string, from: number, end: number, part: Part, meter: PatternMeter | undefined): number {
  const { text, fail } = part;
  let steps = 0;
  let j = 0;
  for (let i = from; i < end; i++) {
    const c = value.charCodeAt(i);
    steps++;
    while (j > 0 && c !== text.charCodeAt(j)) {
      j = fail[j - 1] as number;
      steps++;
    }
    if (c === text.charCodeAt(j)) j++;
    if (j === text.length) {
      if (meter) meter.steps += steps;
      return i + 1;
    }
  }
  if (meter) meter.steps += steps;
  return -1;
}
