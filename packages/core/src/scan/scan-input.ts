import { MAX_JSON_DEPTH, MAX_JSON_NODES } from "../input";

/**
 * What a standalone scan (`POST /v1/scan`, docs/content.md, "Standalone scan") reads at most: a text of
 * 256 KiB (UTF-8), or a JSON value nested and sized as action metadata may be (32 levels, 10,000 values)
 * whose strings and keys hold at most 256 KiB in all. The request body around either is at most 1 MiB
 * (room for JSON's escapes); anything larger is refused before it is parsed.
 */
export const SCAN_LIMITS = {
  /** UTF-8 bytes of `text`, and of the strings and keys of `json` in all. */
  maxBytes: 256 * 1024,
  maxJsonDepth: MAX_JSON_DEPTH,
  maxJsonValues: MAX_JSON_NODES,
  /** The request body, counted before it is parsed. */
  bodyBytes: 1024 * 1024,
} as const;

const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * The UTF-8 length of `text` (an unpaired surrogate counts as the 3 bytes of its replacement), counted
 * only as far as `stopAbove` (the answer is then some number above it). UTF-8 never takes fewer bytes
 * than UTF-16 takes code units, nor more than three per unit, so most texts are answered by their length.
 */
export function utf8Length(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  if (text.length > stopAbove) return text.length;
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
    if (bytes > stopAbove) return bytes;
  }
  return bytes;
}

/**
 * The UTF-8 bytes of a JSON value's strings and keys together (what a scan reads), counted only as far
 * as `stopAbove`. Walks without recursion; numbers, booleans and null count nothing.
 */
export function jsonTextBytes(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === "string") bytes += utf8Length(item, stopAbove - bytes);
    else if (Array.isArray(item)) for (let i = item.length - 1; i >= 0; i -= 1) stack.push(item[i]);
    else if (item !== null && typeof item === "object") {
      for (const [key, child] of Object.entries(item)) {
        bytes += utf8Length(key, stopAbove - bytes);
        stack.push(child);
      }
    }
    if (bytes > stopAbove) return bytes;
  }
  return bytes;
}
