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
  // `units`: the code units it matches, when it is a literal or a class of a few listed ones (`[ps]`).
  | { type: "char"; py: string; units?: readonly number[] }
  | { type: "assert"; py: string };

/** Why a pattern cannot be translated: the generator fails with it. */
export class Untranslatable extends Error {}

/** A class lists its units (for keywordAnchor) when it has at most this many. */
const LISTED = 8;

/** `source` (a JavaScript pattern, no u flag) read into a tree of the constructs Python writes. Throws Untranslatable. */
function parse(source: string, flags: string): Node {
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
    // The units a class of a few listed ones matches (no escape of a set, no negation, no long range).
    let units: number[] | undefined = negated ? undefined : [];
    for (let i = 0; i < members.length; i += 1) {
      const member = members[i] as ({ unit: number } | { set: string }) & { escaped: boolean };
      const dash = members[i + 1];
      const end = members[i + 2];
      // a-z: a range between two code units; beside a class escape the dash is a literal (Annex B).
      if ("unit" in member && dash && "unit" in dash && dash.unit === 0x2d && !dash.escaped && end && "unit" in end) {
        if (end.unit < member.unit) fail("a range out of order");
        out += `${classChar(member.unit)}-${classChar(end.unit)}`;
        for (let unit = member.unit; units !== undefined && unit <= end.unit; unit += 1) units = units.length < LISTED ? [...units, unit] : undefined;
        i += 2;
      } else {
        out += "unit" in member ? classChar(member.unit) : member.set;
        if (units !== undefined) units = "unit" in member && units.length < LISTED ? [...units, member.unit] : undefined;
      }
    }
    return { type: "char", py: `[${negated ? "^" : ""}${out}]`, ...(units === undefined ? {} : { units }) };
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
        return "unit" in escaped ? { type: "char", py: literal(escaped.unit, false), units: [escaped.unit] } : { type: "char", py: escaped.set };
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
        return { type: "char", py: literal(char.charCodeAt(0), false), units: [char.charCodeAt(0)] };
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
  return tree;
}

const isGroupOfText = (node: Node) => node.type === "group" && ["capture", "named", "plain"].includes(node.kind);

/** The fixed number of code units a node matches, or null when it varies. */
function width(node: Node): number | null {
  switch (node.type) {
    case "char":
      return 1;
    case "assert":
      return 0;
    case "group":
      return isGroupOfText(node) ? width(node.body) : 0;
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
}

/** The fewest code units a node matches. */
function minWidth(node: Node): number {
  switch (node.type) {
    case "char":
      return 1;
    case "assert":
      return 0;
    case "group":
      return isGroupOfText(node) ? minWidth(node.body) : 0;
    case "quant":
      return node.min * minWidth(node.atom);
    case "alt":
      return Math.min(...node.branches.map((branch) => branch.reduce((sum, item) => sum + minWidth(item), 0)));
  }
}

/** The most code units a node matches (Infinity when unbounded). */
function maxWidth(node: Node): number {
  switch (node.type) {
    case "char":
      return 1;
    case "assert":
      return 0;
    case "group":
      return isGroupOfText(node) ? maxWidth(node.body) : 0;
    case "quant": {
      const one = maxWidth(node.atom);
      return node.max === 0 || one === 0 ? 0 : node.max * one;
    }
    case "alt":
      return Math.max(...node.branches.map((branch) => branch.reduce((sum, item) => sum + maxWidth(item), 0)));
  }
}

// ── Speed in Python's engine ───────────────────────────────────────────────────────────────────────
//
// Python's `re` skips to where a match can start only when a pattern opens with a literal (it searches for the
// literal) or a character class (it skips units outside it); a pattern that opens with a lookbehind, as most
// of the table's do (`(?<![\w-])ghp_…`), is tried at every unit of the text, the lookbehind first: fifty times
// slower on a long text. So a leading lookbehind is written after the fixed-width head that follows it, and
// extended over that head: `(?<![\w-])ghp_` becomes `ghp_(?<![\w-][\s\S]{4})`, `(?<!\d)\d{8,10}` becomes
// `\d\d\d\d(?<!\d[\s\S]{4})\d{4,6}`. Both forms match the same texts at the same places in the same order of
// backtracking (the head is single units, without choices), so every match, and every group of it, is the
// same (scripts/test/python-regex.test.ts checks it with JavaScript's engine, over every case of the table).

/** A lookbehind, or a group of lookbehinds as alternatives (`(?:(?<=mailto:)|(?<![\w.]))`). */
const isLookbehind = (node: Node): boolean =>
  node.type === "group" &&
  (node.kind === "behind" ||
    node.kind === "notBehind" ||
    (node.kind === "plain" && node.body.type === "alt" && node.body.branches.every((branch) => branch.length === 1 && isLookbehind(branch[0] as Node))));

const ANY_UNIT: Node = { type: "char", py: String.raw`[\s\S]` };

/** A lookbehind (or a group of them) that looks `units` further back, from the end of a head of that width. */
function lookingPast(node: Node, units: number): Node {
  if (node.type !== "group") return node;
  if (node.kind === "plain" && node.body.type === "alt")
    return { ...node, body: { type: "alt", branches: node.body.branches.map((branch) => branch.map((item) => lookingPast(item, units))) } };
  if (node.body.type !== "alt") return node;
  return {
    ...node,
    body: {
      type: "alt",
      branches: node.body.branches.map((branch) => [...branch, units === 1 ? ANY_UNIT : { type: "quant", atom: ANY_UNIT, min: units, max: units, lazy: false }]),
    },
  };
}

/** `atom{min,max}` less its first repetition: nothing when it was once, the atom alone when twice. */
const lessOne = (node: Node & { type: "quant" }): Node[] =>
  node.max === 1 ? [] : node.min === 2 && node.max === 2 ? [node.atom] : [{ ...node, min: Math.max(0, node.min - 1), max: node.max - 1 }];

/** A sequence's first unit taken off (`\d{3}x` → `\d` and `\d{2}x`): when it is one class, the same on every path. */
function firstUnit(sequence: readonly Node[]): { unit: Node; rest: Node[] } | null {
  const [first, ...after] = sequence;
  if (first === undefined) return null;
  if (first.type === "char") return { unit: first, rest: after };
  if (first.type === "quant" && first.atom.type === "char" && first.min >= 1) return { unit: first.atom, rest: [...lessOne(first), ...after] };
  // A group that captures keeps its first unit: the captured value must not change.
  if (first.type === "group" && first.kind === "plain" && first.body.type === "alt") {
    const taken = first.body.branches.map(firstUnit);
    const unit = taken[0]?.unit;
    if (unit === undefined || unit.type !== "char" || !taken.every((one) => one !== null && one.unit.type === "char" && one.unit.py === unit.py)) return null;
    return { unit, rest: [{ ...first, body: { type: "alt", branches: taken.map((one) => (one as { rest: Node[] }).rest) } }, ...after] };
  }
  return null;
}

/** Units taken off the front of a pattern to stand before its lookbehinds, at most. */
const HEAD = 4;

/** A branch with its leading lookbehinds written after the fixed-width head that follows them (see above). */
function hoisted(branch: readonly Node[]): readonly Node[] {
  let count = 0;
  while (count < branch.length && isLookbehind(branch[count] as Node)) count += 1;
  if (count === 0) return branch;
  // The head: the run of units that follows (`ghp_`, the literal Python's engine searches for), then units
  // taken off what follows, up to HEAD of them (a text where the first unit is common, as digits are, is
  // passed over at the second unit, before the lookbehind is read).
  const head: Node[] = [];
  let tail = branch.slice(count);
  while (tail[0]?.type === "char") [head[head.length], tail] = [tail[0], tail.slice(1)];
  for (let taken = firstUnit(tail); taken !== null && head.length < HEAD; taken = firstUnit(tail)) [head[head.length], tail] = [taken.unit, taken.rest];
  if (head.length === 0) return branch;
  return [...head, ...branch.slice(0, count).map((behind) => lookingPast(behind, head.length)), ...tail];
}

/**
 * `source` (a JavaScript pattern, no u flag) in Python `re` syntax, with the same meaning for every string of
 * UTF-16 code units (the Python engine scans text as code units: see _screen.py), its leading lookbehinds
 * written after the head that follows them (see "Speed in Python's engine"). Throws Untranslatable.
 */
export function pythonPattern(source: string, flags: string): string {
  const tree = parse(source, flags);
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

  return emit(tree.type === "alt" ? { type: "alt", branches: tree.branches.map((branch) => [...hoisted(branch)]) } : tree);
}

// ── Where a keyword stands in a match ──────────────────────────────────────────────────────────────

/** An ASCII capital lowered, as the Python engine lowers a text to look for keywords (_screen.py). */
const lowered = (unit: number) => String.fromCharCode(unit >= 65 && unit <= 90 ? unit + 32 : unit);
/** The most strings a sequence's openings are listed as (more: its first units alone). */
const OPENINGS = 256;

/**
 * Strings, one of which every match of `sequence` opens with (ASCII-lowered), listed up to `length` units;
 * `[""]` is always true. A unit outside ASCII stops a string: under the i flag it may match another case of
 * itself, which a lowered text does not show as one string.
 */
function openings(sequence: readonly Node[], length: number): string[] {
  const [first, ...after] = sequence;
  if (first === undefined || length === 0) return [""];
  switch (first.type) {
    case "char": {
      if (first.units === undefined || first.units.some((unit) => unit > 0x7f)) return [""];
      const heads = [...new Set(first.units.map(lowered))];
      const tails = openings(after, length - 1);
      return heads.length * tails.length > OPENINGS ? heads : heads.flatMap((head) => tails.map((tail) => head + tail));
    }
    case "assert":
      return [""];
    case "group":
      return isGroupOfText(first) ? openings([first.body, ...after], length) : [""];
    case "alt": {
      const all = new Set(first.branches.flatMap((branch) => openings([...branch, ...after], length)));
      return all.size > OPENINGS ? [""] : [...all];
    }
    case "quant": {
      if (first.max === 0) return openings(after, length);
      // A repeated atom that may match nothing would be unrolled for ever: no string is listed past it.
      if (minWidth(first.atom) === 0) return [""];
      const once = openings([first.atom, ...lessOne(first), ...after], length);
      if (first.min > 0) return once;
      const all = new Set([...once, ...openings(after, length)]);
      return all.size > OPENINGS ? [""] : [...all];
    }
  }
}

/**
 * Where one of `keywords` (lowercase ASCII) stands in every match of `source`: `[min, max]` units after the
 * match's start, the keyword as the text holds it lowered (A–Z only); null when the pattern does not show one
 * at a bounded place. The Python engine tries the pattern only that far before each place a keyword is in the
 * text, rather than at every unit of it (_screen.py, `keyword_at`).
 */
export function keywordAnchor(source: string, flags: string, keywords: readonly string[]): [number, number] | null {
  if (keywords.length === 0) return null;
  const tree = parse(source, flags);
  const longest = Math.max(...keywords.map((keyword) => keyword.length));
  const bounds = (anchors: Array<[number, number] | null>): [number, number] | null =>
    anchors.some((anchor) => anchor === null)
      ? null
      : [Math.min(...anchors.map((anchor) => (anchor as [number, number])[0])), Math.max(...anchors.map((anchor) => (anchor as [number, number])[1]))];
  // Along a sequence, the first place every match opens with a keyword; else, at a group, each of its
  // alternatives followed by the rest (`access_?key_?secret` holds `key_secret` six or seven units in).
  const anchorOf = (branch: readonly Node[], least: number, most: number): [number, number] | null => {
    for (let i = 0; i < branch.length; i += 1) {
      const node = branch[i] as Node;
      if (openings(branch.slice(i), longest).every((opening) => keywords.some((keyword) => opening.startsWith(keyword)))) return [least, most];
      if (node.type === "group" && isGroupOfText(node) && node.body.type === "alt") {
        const inside = bounds(node.body.branches.map((alternative) => anchorOf([...alternative, ...branch.slice(i + 1)], least, most)));
        if (inside !== null) return inside;
      }
      least += minWidth(node);
      most += maxWidth(node);
      if (most === Infinity) return null;
    }
    return null;
  };
  return bounds((tree.type === "alt" ? tree.branches : [[tree]]).map((branch) => anchorOf(branch, 0, 0)));
}

/** Python's flags for a JavaScript pattern's: re.ASCII always (JavaScript without u). */
export function pythonFlags(flags: string): string {
  const names = ["re.ASCII"];
  if (flags.includes("i")) names.push("re.IGNORECASE");
  if (flags.includes("m")) names.push("re.MULTILINE");
  if (flags.includes("s")) names.push("re.DOTALL");
  return names.join(" | ");
}
