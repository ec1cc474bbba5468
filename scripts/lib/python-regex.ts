// A JavaScript regular expression (no u flag) in Python `re` syntax, with the same meaning on every string of
// UTF-16 code units: for the Python SDK's twin of the content screen (../content-python.ts), whose engine scans
// text as code units, as JavaScript's does. Construct by construct; anything not known to translate exactly
// throws Untranslatable, naming it: backreferences, \p{…}, a variable-width lookbehind (Python's `re` needs a
// fixed width), a quantified assertion, an identity escape of a letter, the u/v/y flags. What the two engines
// read differently is written out: \s becomes JavaScript's own whitespace set (Python's ASCII \s lacks U+00A0,
// U+2028, U+FEFF, …), `.` JavaScript's "any unit but a line terminator", `^` and `$` JavaScript's anchors
// (Python's `$` also matches before a final newline, and its multi-line anchors know only \n), a named group
// (?P<name>…); every literal other than a letter, digit, `_` or space is escaped. The pattern is to be compiled
// with re.ASCII (pythonFlags), so that \d \w \b and case-folding are ASCII's, as in JavaScript without u: the
// sets are asked of the JavaScript engine this runs on, and the module refuses to load when they are not ASCII's.

// ── JavaScript's character sets, asked of the engine this runs on ──────────────────────────────────

/** The UTF-16 code units a one-unit JavaScript regex (no u flag) matches, each tried alone. */
const unitsMatching = (regex: RegExp) => {
  const units: number[] = [];
  for (let unit = 0; unit <= 0xffff; unit += 1) if (regex.test(String.fromCharCode(unit))) units.push(unit);
  return units;
};

/** A class body for a sorted list of code units, in runs: `\t-\r \xa0\u1680…`. */
function classBody(units: readonly number[]): string {
  let out = "";
  for (let i = 0; i < units.length;) {
    let j = i;
    while (j + 1 < units.length && units[j + 1] === (units[j] as number) + 1) j += 1;
    const from = units[i] as number;
    const to = units[j] as number;
    out += to === from ? classChar(from) : to === from + 1 ? classChar(from) + classChar(to) : `${classChar(from)}-${classChar(to)}`;
    i = j + 1;
  }
  return out;
}

const CONTROL: Record<number, string> = { 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r" };

/**
 * A code unit as Python `re` reads it literally, in a class or out of one: a backslash before what is special
 * there (in a class also `&~|-`, which Python may one day read as set operations, and `[`), and before `"`, so
 * that the pattern can be written as a raw string; an escape for control and non-ASCII units.
 */
function literal(unit: number, inClass: boolean): string {
  if (unit > 0x7f) return `\\u${unit.toString(16).padStart(4, "0")}`;
  if (CONTROL[unit] !== undefined) return CONTROL[unit];
  if (unit < 0x20 || unit === 0x7f) return `\\x${unit.toString(16).padStart(2, "0")}`;
  const char = String.fromCharCode(unit);
  return (inClass ? '\\]["^-&~|' : '\\.^$*+?{}[]|()"').includes(char) ? `\\${char}` : char;
}
const classChar = (unit: number) => literal(unit, true);

const ASCII_ONLY = (name: string, units: readonly number[], expected: string) => {
  const got = units.map((unit) => String.fromCharCode(unit)).join("");
  if (got !== expected) throw new Error(`JavaScript's ${name} is not ASCII's here (${JSON.stringify(got)}): the translation to Python's re.ASCII no longer holds`);
};
const WORD = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
ASCII_ONLY("\\w", unitsMatching(/\w/), WORD);
ASCII_ONLY("\\d", unitsMatching(/\d/), "0123456789");
ASCII_ONLY("\\w (case-insensitive)", unitsMatching(/\w/i), WORD);
/** JavaScript's \s: its WhiteSpace and LineTerminator code units (U+00A0, U+FEFF, U+2028, every Zs, …). */
const JS_SPACE = classBody(unitsMatching(/\s/));
/** What JavaScript's `.` does not match without the s flag: the line terminators (\n \r U+2028 U+2029). */
const JS_LINE_END = classBody(unitsMatching(/[^]/).filter((unit) => !/./.test(String.fromCharCode(unit))));

// ── The translation ────────────────────────────────────────────────────────────────────────────────

type Node =
  | { type: "alt"; branches: Node[][] }
  | { type: "group"; kind: "capture" | "named" | "plain" | "ahead" | "notAhead" | "behind" | "notBehind"; name?: string; body: Node }
  | { type: "quant"; atom: Node; min: number; max: number; lazy: boolean }
  | { type: "char"; py: string }
  | { type: "assert"; py: string };

/** Why a pattern cannot be translated: the generator fails with it. */
export class Untranslatable extends Error {}

/**
 * `source` (a JavaScript pattern, no u flag) in Python `re` syntax, with the same meaning for every string of
 * UTF-16 code units (the Python engine scans text as code units: see _screen.py). Throws Untranslatable.
 */
export function pythonPattern(source: string, flags: string): string {
  for (const flag of flags) if (!"gimsd".includes(flag)) throw new Untranslatable(`the ${flag} flag has no translation`);
  const multiline = flags.includes("m");
  const dotAll = flags.includes("s");
  let at = 0;
  const fail = (why: string): never => {
    throw new Untranslatable(`${why}, at ${at} of /${source}/`);
  };
  const peek = (offset = 0) => source[at + offset] ?? "";

  const hex = (length: number) => {
    const digits = source.slice(at, at + length);
    if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(digits)) fail("an incomplete \\x or \\u escape (a literal letter in JavaScript)");
    at += length;
    return Number.parseInt(digits, 16);
  };

  /** An escape after its backslash: a code unit, or a class escape (\d \w \s …) as Python text. */
  const escape = (inClass: boolean): { unit: number } | { set: string } => {
    const char = peek();
    at += 1;
    switch (char) {
      case "d":
      case "D":
      case "w":
      case "W":
        return { set: `\\${char}` };
      case "s":
        return { set: inClass ? JS_SPACE : `[${JS_SPACE}]` };
      case "S":
        return inClass ? fail("\\S inside a class") : { set: `[^${JS_SPACE}]` };
      case "t":
        return { unit: 9 };
      case "n":
        return { unit: 10 };
      case "v":
        return { unit: 11 };
      case "f":
        return { unit: 12 };
      case "r":
        return { unit: 13 };
      case "x":
        return { unit: hex(2) };
      case "u":
        return { unit: hex(4) };
      case "c": {
        const letter = peek();
        if (!/[A-Za-z]/.test(letter)) fail("a \\c escape without a letter");
        at += 1;
        return { unit: letter.charCodeAt(0) % 32 };
      }
      case "0":
        if (/[0-9]/.test(peek())) fail("an octal escape");
        return { unit: 0 };
      case "b":
        return inClass ? { unit: 8 } : fail("\\b where an atom is read");
      case "":
        return fail("a trailing backslash");
      default:
        if (/[1-9]/.test(char)) fail("a backreference");
        if (char === "k") fail("a named backreference");
        if (char === "p" || char === "P") fail("a Unicode property escape (\\p{…})");
        if (/[A-Za-z0-9_]/.test(char)) fail(`the identity escape \\${char}`);
        return { unit: char.charCodeAt(0) };
    }
  };

  const parseClass = (): Node => {
    at += 1; // [
    const negated = peek() === "^";
    if (negated) at += 1;
    if (peek() === "]") fail(negated ? "[^] (any unit)" : "[] (an empty class)");
    // `escaped`: written with a backslash (`\-` is a dash, never a range's).
    const members: Array<({ unit: number } | { set: string }) & { escaped: boolean }> = [];
    while (peek() !== "]") {
      if (peek() === "") fail("an unclosed class");
      if (peek() === "\\") {
        at += 1;
        if (peek() === "B" || /[1-9]/.test(peek())) fail(`\\${peek()} inside a class`);
        members.push({ ...escape(true), escaped: true });
      } else {
        members.push({ unit: source.charCodeAt(at), escaped: false });
        at += 1;
      }
    }
    at += 1; // ]
    let out = "";
    for (let i = 0; i < members.length; i += 1) {
      const member = members[i] as ({ unit: number } | { set: string }) & { escaped: boolean };
      const dash = members[i + 1];
      const end = members[i + 2];
      // a-z: a range between two code units; beside a class escape the dash is a literal (Annex B).
      if ("unit" in member && dash && "unit" in dash && dash.unit === 0x2d && !dash.escaped && end && "unit" in end) {
        if (end.unit < member.unit) fail("a range out of order");
        out += `${classChar(member.unit)}-${classChar(end.unit)}`;
        i += 2;
      } else {
        out += "unit" in member ? classChar(member.unit) : member.set;
      }
    }
    return { type: "char", py: `[${negated ? "^" : ""}${out}]` };
  };

  const parseAtom = (): Node | null => {
    const char = peek();
    switch (char) {
      case "(": {
        at += 1;
        let kind: "capture" | "named" | "plain" | "ahead" | "notAhead" | "behind" | "notBehind" = "capture";
        let name: string | undefined;
        if (peek() === "?") {
          const head = source.slice(at, at + 3);
          if (head.startsWith("?:")) [kind, at] = ["plain", at + 2];
          else if (head.startsWith("?=")) [kind, at] = ["ahead", at + 2];
          else if (head.startsWith("?!")) [kind, at] = ["notAhead", at + 2];
          else if (head === "?<=") [kind, at] = ["behind", at + 3];
          else if (head === "?<!") [kind, at] = ["notBehind", at + 3];
          else if (head.startsWith("?<")) {
            const close = source.indexOf(">", at);
            name = source.slice(at + 2, close);
            if (close < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail("a group name Python cannot take");
            [kind, at] = ["named", close + 1];
          } else fail("an unknown group");
        }
        const body = parseAlternation();
        if (peek() !== ")") fail("an unclosed group");
        at += 1;
        return { type: "group", kind, ...(name === undefined ? {} : { name }), body };
      }
      case "[":
        return parseClass();
      case "\\": {
        at += 1;
        const next = peek();
        if (next === "b" || next === "B") {
          at += 1;
          return { type: "assert", py: `\\${next}` };
        }
        const escaped = escape(false);
        return { type: "char", py: "unit" in escaped ? literal(escaped.unit, false) : escaped.set };
      }
      case ".":
        at += 1;
        return { type: "char", py: dotAll ? "(?s:.)" : `[^${JS_LINE_END}]` };
      case "^":
        at += 1;
        return { type: "assert", py: multiline ? `(?<![^${JS_LINE_END}])` : "\\A" };
      case "$":
        at += 1;
        return { type: "assert", py: multiline ? `(?![^${JS_LINE_END}])` : "\\Z" };
      case "|":
      case ")":
      case "":
        return null;
      case "*":
      case "+":
      case "?":
        return fail("a quantifier with nothing to repeat");
      default:
        if (char === "{" && /^\{\d+(?:,\d*)?\}/.test(source.slice(at))) fail("a quantifier with nothing to repeat");
        at += 1;
        return { type: "char", py: literal(char.charCodeAt(0), false) };
    }
  };

  const parseQuantified = (): Node | null => {
    const atom = parseAtom();
    if (atom === null) return null;
    let min: number;
    let max: number;
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
    if (peek() === "*") [min, max, at] = [0, Infinity, at + 1];
    else if (peek() === "+") [min, max, at] = [1, Infinity, at + 1];
    else if (peek() === "?") [min, max, at] = [0, 1, at + 1];
    else if (braces) {
      min = Number(braces[1]);
      max = braces[2] === undefined ? min : braces[3] === "" ? Infinity : Number(braces[3]);
      if (max < min) fail("a quantifier out of order");
      at += braces[0].length;
    } else return atom;
    if (atom.type === "assert" || (atom.type === "group" && !["capture", "named", "plain"].includes(atom.kind))) fail("a quantified assertion");
    const lazy = peek() === "?";
    if (lazy) at += 1;
    return { type: "quant", atom, min, max, lazy };
  };

  function parseAlternation(): Node {
    const branches: Node[][] = [[]];
    for (;;) {
      const node = parseQuantified();
      if (node !== null) {
        (branches[branches.length - 1] as Node[]).push(node);
        continue;
      }
      if (peek() === "|") {
        at += 1;
        branches.push([]);
        continue;
      }
      return { type: "alt", branches };
    }
  }

  const tree = parseAlternation();
  if (at !== source.length) fail("an unbalanced )");

  /** The fixed number of code units a node matches, or null when it varies. */
  const width = (node: Node): number | null => {
    switch (node.type) {
      case "char":
        return 1;
      case "assert":
        return 0;
      case "group":
        return ["capture", "named", "plain"].includes(node.kind) ? width(node.body) : 0;
      case "quant": {
        const one = width(node.atom);
        return one === null || node.min !== node.max ? (one === 0 ? 0 : null) : one * node.min;
      }
      case "alt": {
        const widths = node.branches.map((branch) => {
          let sum: number | null = 0;
          for (const item of branch) {
            const one = width(item);
            sum = sum === null || one === null ? null : sum + one;
          }
          return sum;
        });
        const first = widths[0] as number | null;
        return widths.every((w) => w === first) ? first : null;
      }
    }
  };

  /** The fewest code units a node matches. */
  const minWidth = (node: Node): number => {
    switch (node.type) {
      case "char":
        return 1;
      case "assert":
        return 0;
      case "group":
        return ["capture", "named", "plain"].includes(node.kind) ? minWidth(node.body) : 0;
      case "quant":
        return node.min * minWidth(node.atom);
      case "alt":
        return Math.min(...node.branches.map((branch) => branch.reduce((sum, item) => sum + minWidth(item), 0)));
    }
  };
  // After an empty match JavaScript's exec loop steps one unit on, Python's finditer tries a longer match at
  // the same place: the screen relies on no pattern matching the empty string.
  if (minWidth(tree) === 0) throw new Untranslatable(`/${source}/ can match the empty string`);

  const emit = (node: Node): string => {
    switch (node.type) {
      case "char":
      case "assert":
        return node.py;
      case "alt":
        return node.branches.map((branch) => branch.map(emit).join("")).join("|");
      case "quant": {
        const atom = emit(node.atom);
        const count =
          node.min === 0 && node.max === Infinity
            ? "*"
            : node.min === 1 && node.max === Infinity
              ? "+"
              : node.min === 0 && node.max === 1
                ? "?"
                : node.max === Infinity
                  ? `{${node.min},}`
                  : node.min === node.max
                    ? `{${node.min}}`
                    : `{${node.min},${node.max}}`;
        return `${atom}${count}${node.lazy ? "?" : ""}`;
      }
      case "group": {
        if ((node.kind === "behind" || node.kind === "notBehind") && width(node.body) === null) {
          throw new Untranslatable(`a variable-width lookbehind (${emit(node.body)}) in /${source}/: Python's re needs a fixed width`);
        }
        const open = { capture: "(", named: `(?P<${node.name}>`, plain: "(?:", ahead: "(?=", notAhead: "(?!", behind: "(?<=", notBehind: "(?<!" }[node.kind];
        return `${open}${emit(node.body)})`;
      }
    }
  };

  return emit(tree);
}

/** Python's flags for a JavaScript pattern's: re.ASCII always (JavaScript without u). */
export function pythonFlags(flags: string): string {
  const names = ["re.ASCII"];
  if (flags.includes("i")) names.push("re.IGNORECASE");
  if (flags.includes("m")) names.push("re.MULTILINE");
  if (flags.includes("s")) names.push("re.DOTALL");
  return names.join(" | ");
}
