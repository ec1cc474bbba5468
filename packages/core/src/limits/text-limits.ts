/**
 * Limits checked on raw JSON or YAML text before any parser, schema or compiler sees it: one linear
 * pass that only counts (bracket and indentation depth, values, keys per object, string length,
 * YAML anchors and aliases). It does not check syntax (the parser does that, once the text is known
 * to be small enough for it): a half-typed draft scans like any other text. A parser never meets
 * text nested deep enough to exhaust its stack, an object with enough keys to make a duplicate-key
 * check quadratic, or a string larger than anything the schemas accept.
 */

export interface TextLimits {
  /** Levels of objects and arrays (YAML: block indentation and flow collections) allowed. */
  maxDepth: number;
  /** Values allowed in all, keys included (objects, arrays, keys, strings, numbers, …). */
  maxValues: number;
  /** Keys one object (mapping) may hold. */
  maxKeys: number;
  /** Characters one string (a key or a value; a YAML block scalar: all its lines) may hold. */
  maxStringChars: number;
  /** YAML anchors (`&name`) and aliases (`*name`) allowed, each. */
  maxAnchors: number;
}

/** What the scan refused: a message, where (an offset into the text) and, for JSON, the path of the container. */
export interface TextIssue {
  message: string;
  offset: number;
  path: Array<string | number>;
}

/**
 * A policy source (YAML or JSON text of `{ policies, tests }`): far above what real sets need (a set
 * of 1,000 policies with their tests holds some 60,000 values and keys, nests about 45 deep at the
 * schemas' limits), far below what makes the parsers slow or unsafe.
 */
export const POLICY_SOURCE_LIMITS: TextLimits = { maxDepth: 64, maxValues: 200_000, maxKeys: 1_000, maxStringChars: 65_536, maxAnchors: 100 };

/**
 * An API request body (JSON): as deep as the edge allows a request part (64), values and keys enough
 * for the largest metadata (10,000 values, as many keys) with room for the rest; strings are bounded
 * by the route's body size.
 */
export const REQUEST_BODY_LIMITS: TextLimits = { maxDepth: 64, maxValues: 40_000, maxKeys: 10_000, maxStringChars: Number.POSITIVE_INFINITY, maxAnchors: 0 };

const depthMessage = (limits: TextLimits) => `nests deeper than ${limits.maxDepth} levels`;
const valuesMessage = (limits: TextLimits) => `holds more than ${limits.maxValues} values and keys`;
const keysMessage = (limits: TextLimits) => `has an object with more than ${limits.maxKeys} keys`;
const stringMessage = (limits: TextLimits) => `has a string longer than ${limits.maxStringChars} characters`;

interface JsonFrame {
  array: boolean;
  keys: number;
  index: number;
  /** The current key's text (with its quotes) as offsets into the source. */
  keyStart: number;
  keyEnd: number;
}

function jsonPath(text: string, frames: readonly JsonFrame[]): Array<string | number> {
  return frames.flatMap((frame): Array<string | number> => {
    if (frame.array) return [frame.index];
    if (frame.keyEnd <= frame.keyStart) return [];
    try {
      return [JSON.parse(text.slice(frame.keyStart, frame.keyEnd)) as string];
    } catch {
      return [text.slice(frame.keyStart + 1, frame.keyEnd - 1)];
    }
  });
}

/** The offset just past the JSON string that opens at `start` (its closing quote), or the text's end when it never closes. */
export function jsonStringEnd(text: string, start: number): number {
  // indexOf finds each quote at memchr speed (a 1 MB string is one call, not a million steps); a quote
  // after an odd run of backslashes is escaped (escapes pair up from the left of the run).
  for (let at = start + 1; ;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (quote - backslashes - 1 > start && text.charCodeAt(quote - backslashes - 1) === 92) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** The first limit JSON text breaks (null when it keeps to all of them), without parsing it. */
export function scanJsonText(text: string, limits: TextLimits): TextIssue | null {
  const frames: JsonFrame[] = [];
  let values = 0;
  let i = 0;
  const issue = (message: string, offset: number): TextIssue => ({ message, offset, path: jsonPath(text, frames) });
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const top = frames[frames.length - 1];
    if (c === 34) {
      const end = jsonStringEnd(text, i);
      if (end - i - 2 > limits.maxStringChars) return issue(stringMessage(limits), i);
      let next = end;
      while (next < text.length && (text[next] === " " || text[next] === "\n" || text[next] === "\r" || text[next] === "\t")) next += 1;
      if (top && !top.array && text[next] === ":") {
        top.keys += 1;
        top.keyStart = i;
        top.keyEnd = end;
        if (top.keys > limits.maxKeys) return issue(keysMessage(limits), i);
      }
      if (++values > limits.maxValues) return issue(valuesMessage(limits), i);
      i = end;
      continue;
    }
    if (c === 123 || c === 91) {
      if (++values > limits.maxValues) return issue(valuesMessage(limits), i);
      if (frames.length + 1 > limits.maxDepth) return issue(depthMessage(limits), i);
      frames.push({ array: c === 91, keys: 0, index: 0, keyStart: 0, keyEnd: 0 });
      i += 1;
      continue;
    }
    if (c === 125 || c === 93) frames.pop();
    else if (c === 44 && top?.array) top.index += 1;
    else if (c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110) {
      // A number or literal: one value, up to the next delimiter.
      if (++values > limits.maxValues) return issue(valuesMessage(limits), i);
      while (i + 1 < text.length && !',]}: \n\r\t"'.includes(text[i + 1] as string)) i += 1;
    }
    i += 1;
  }
  return null;
}

const isBreak = (c: string | undefined) => c === undefined || c === " " || c === "\n" || c === "\r" || c === "\t";

/**
 * The first limit YAML text breaks (null when it keeps to all of them), without parsing it. Depth is
 * block indentation levels (a `- ` entry starts one) plus open flow collections; keys are `:`
 * indicators per mapping; values are keys, entries and scalars. It errs on the side of counting
 * more, never fewer: a plain scalar with `[` in it is text, a `[` where a value starts is a collection.
 */
export function scanYamlText(text: string, limits: TextLimits): TextIssue | null {
  const block: Array<{ col: number; keys: number }> = [];
  const flow: Array<{ keys: number }> = [];
  let values = 0;
  let anchors = 0;
  let aliases = 0;
  /** Inside a block scalar: lines indented more than this are its text. */
  let scalarParent = -1;
  let scalarChars = 0;
  let i = 0;
  const n = text.length;
  const issue = (message: string, offset: number): TextIssue => ({ message, offset, path: [] });
  const depth = () => block.length + flow.length;
  const count = (at: number): TextIssue | null => (++values > limits.maxValues ? issue(valuesMessage(limits), at) : null);
  const endOfLine = (from: number) => {
    const nl = text.indexOf("\n", from);
    return nl < 0 ? n : nl;
  };
  while (i < n) {
    const lineStart = i;
    let col = 0;
    while (text[i] === " ") {
      i += 1;
      col += 1;
    }
    const first = text[i];
    if (i >= n) break;
    if (first === "\n" || first === "\r" || first === "#") {
      i = endOfLine(i) + 1;
      continue;
    }
    if (scalarParent >= 0) {
      if (col > scalarParent) {
        const end = endOfLine(i);
        scalarChars += end - lineStart + 1;
        if (scalarChars > limits.maxStringChars) return issue(stringMessage(limits), lineStart);
        i = end + 1;
        continue;
      }
      scalarParent = -1;
    }
    if (flow.length === 0) {
      while (block.length > 0 && (block[block.length - 1] as { col: number }).col > col) block.pop();
      if (block.length === 0 || (block[block.length - 1] as { col: number }).col < col) {
        block.push({ col, keys: 0 });
        if (depth() > limits.maxDepth) return issue(depthMessage(limits), i);
      }
    }
    let valueStart = true;
    while (i < n && text[i] !== "\n") {
      const ch = text[i] as string;
      if (ch === " " || ch === "\t" || ch === "\r") {
        i += 1;
        continue;
      }
      if (ch === "#" && (i === lineStart || isBreak(text[i - 1]))) {
        i = endOfLine(i);
        break;
      }
      if (ch === '"' || ch === "'") {
        let end = i + 1;
        while (end < n) {
          if (ch === '"' && text[end] === "\\") end += 2;
          else if (text[end] === ch) {
            if (ch === "'" && text[end + 1] === "'") end += 2;
            else break;
          } else end += 1;
        }
        if (end - i - 1 > limits.maxStringChars) return issue(stringMessage(limits), i);
        const refused = count(i);
        if (refused) return refused;
        i = end + 1;
        valueStart = false;
        continue;
      }
      if (flow.length === 0 && valueStart && (ch === "-" || ch === "?") && isBreak(text[i + 1])) {
        const refused = count(i);
        if (refused) return refused;
        block.push({ col: i - lineStart + 2, keys: 0 });
        if (depth() > limits.maxDepth) return issue(depthMessage(limits), i);
        i += 1;
        continue;
      }
      if (ch === ":" && (isBreak(text[i + 1]) || (flow.length > 0 && ",]}".includes(text[i + 1] as string)))) {
        const container = flow.length > 0 ? flow[flow.length - 1] : block[block.length - 1];
        if (container && ++container.keys > limits.maxKeys) return issue(keysMessage(limits), i);
        valueStart = true;
        i += 1;
        continue;
      }
      if ((valueStart || flow.length > 0) && (ch === "[" || ch === "{")) {
        const refused = count(i);
        if (refused) return refused;
        flow.push({ keys: 0 });
        if (depth() > limits.maxDepth) return issue(depthMessage(limits), i);
        valueStart = true;
        i += 1;
        continue;
      }
      if (flow.length > 0 && (ch === "]" || ch === "}")) {
        flow.pop();
        valueStart = false;
        i += 1;
        continue;
      }
      if (flow.length > 0 && ch === ",") {
        valueStart = true;
        i += 1;
        continue;
      }
      if (valueStart && (ch === "&" || ch === "*")) {
        if (ch === "&" && ++anchors > limits.maxAnchors) return issue(`has more than ${limits.maxAnchors} anchors`, i);
        if (ch === "*" && ++aliases > limits.maxAnchors) return issue(`has more than ${limits.maxAnchors} aliases`, i);
        while (i < n && !isBreak(text[i]) && !",[]{}".includes(text[i] as string)) i += 1;
        continue;
      }
      if (valueStart && ch === "!") {
        while (i < n && !isBreak(text[i])) i += 1;
        continue;
      }
      if (valueStart && flow.length === 0 && (ch === "|" || ch === ">")) {
        scalarParent = (block[block.length - 1] as { col: number } | undefined)?.col ?? 0;
        scalarChars = 0;
        const refused = count(i);
        if (refused) return refused;
        i = endOfLine(i);
        break;
      }
      // A plain scalar: up to `: `, ` #`, the line's end or (in a flow collection) an indicator.
      const start = i;
      while (i < n && text[i] !== "\n") {
        const c = text[i] as string;
        if (c === ":" && (isBreak(text[i + 1]) || (flow.length > 0 && ",]}".includes(text[i + 1] as string)))) break;
        if (c === "#" && isBreak(text[i - 1])) break;
        if (flow.length > 0 && ",[]{}".includes(c)) break;
        i += 1;
      }
      if (i - start > limits.maxStringChars) return issue(stringMessage(limits), start);
      if (valueStart) {
        const refused = count(start);
        if (refused) return refused;
      }
      valueStart = false;
    }
    i += 1;
  }
  return null;
}

/** The 1-based line of an offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let at = text.indexOf("\n"); at >= 0 && at < offset; at = text.indexOf("\n", at + 1)) line += 1;
  return line;
}
