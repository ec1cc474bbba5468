/**
 * Action, agent and capability patterns: literal text in which `*` matches any run of characters
 * (dots and other stars included). No other character is special.
 *
 * Matching never backtracks. A pattern is split at its stars into literal parts: the first must
 * begin the value, the last must end it, and each part in between is found, in order, at its
 * leftmost place after the one before (the leftmost place is always the best one: it leaves the most
 * room for the rest). Each part is searched with Knuth–Morris–Pratt, and every search starts where
 * the previous one ended, so matching a value of n characters against a pattern of m takes at most
 * 2n + m character comparisons, whatever the pattern's shape.
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
 * Counts a match's steps: one per character compared against a literal part and one per fall-back
 * of a search. A match adds at most 2n + m for a value of n characters and a pattern of m.
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
      if (value.length !== head.length) return false;
      return same(value, 0, head, meter);
    };
  }
  const tail = pieces[pieces.length - 1] as string;
  const middle = pieces
    .slice(1, -1)
    .filter((piece) => piece.length > 0)
    .map(partOf);
  const fixed = head.length + tail.length;
  return (value, meter) => {
    if (value.length < fixed) return false;
    if (!same(value, 0, head, meter) || !same(value, value.length - tail.length, tail, meter)) return false;
    let from = head.length;
    const end = value.length - tail.length;
    for (const part of middle) {
      from = search(value, from, end, part, meter);
      if (from < 0) return false;
    }
    return true;
  };
}

/** Whether `text` occurs in `value` at `at`. */
function same(value: string, at: number, text: string, meter: PatternMeter | undefined): boolean {
  let i = 0;
  while (i < text.length && value.charCodeAt(at + i) === text.charCodeAt(i)) i++;
  if (meter) meter.steps += Math.min(i + 1, text.length);
  return i === text.length;
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
