/**
 * A YAML reader and writer for the subset policy files use, so the CLI needs no dependency.
 *
 * Read: block mappings and sequences (a `- ` item may hold a mapping or another sequence), flow
 * sequences `[a, b]` and mappings `{ k: v }` (which may span lines), plain, single- and
 * double-quoted scalars, comments, and a leading `---`. Plain scalars resolve as in YAML 1.2's core
 * schema: `null`/`~`/empty, `true`/`false`, integers (also `0x`, `0o`), floats; anything else is a
 * string. Everything else YAML has (anchors and aliases, tags, block scalars `|` `>`, several
 * documents, directives, complex `?` keys, multi-line plain or quoted scalars, tabs as indentation,
 * duplicate keys) is rejected with a {@link YamlError} that names the line.
 *
 * Write: block style, with short lists of scalars and small mappings of scalars in flow style, and
 * strings quoted whenever a plain form could read back as something else (here or in YAML 1.1
 * readers, e.g. `yes`, `2024-01-01`).
 */

/** A YAML text outside the supported subset, or malformed. `line` counts from 1. */
export class YamlError extends Error {
  override readonly name = "YamlError";
  readonly line: number;
  /** The message without the line number. */
  readonly reason: string;

  constructor(reason: string, line: number) {
    super(`line ${line}: ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}

/** A parsed document and the line where each mapping entry and sequence item starts. */
export interface YamlDocument {
  value: unknown;
  /**
   * Line (from 1) of each node, keyed by its path written as `policies[2].when.all[0]`; the
   * root is `""`.
   */
  lines: Map<string, number>;
}

/** Parses `text`; throws {@link YamlError} for anything outside the subset. */
export function parseYaml(text: string): unknown {
  return parseYamlDocument(text).value;
}

/** Parses `text` and records the line of every node; throws {@link YamlError} for anything outside the subset. */
export function parseYamlDocument(text: string): YamlDocument {
  const reader = new Reader(text);
  return { value: reader.document(), lines: reader.lines };
}

/** `policies[2].when.all[0]`: the path format the Gatehouse API uses in validation issues. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out === "" ? key : `${out}.${key}`), "");
}

type Path = ReadonlyArray<string | number>;

/** A line with content: its number (from 1), the column its content starts at, and the content. */
interface Line {
  no: number;
  indent: number;
  text: string;
}

/** A position in the source, for flow collections that span lines. */
interface Cursor {
  li: number;
  c: number;
}

const SPACE = /[ \t]/;
const FLOW_INDICATOR = /[,[\]{}]/;

class Reader {
  readonly lines = new Map<string, number>();
  readonly #source: string[];
  /** Index of the current line. */
  #i = 0;
  /** Where the current line's content starts when it is the rest of a `- ` item; otherwise its indentation decides. */
  #start: number | undefined;
  #sawContent = false;

  constructor(text: string) {
    this.#source = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  }

  document(): unknown {
    const first = this.#peek();
    this.lines.set("", first?.no ?? 1);
    if (first === undefined) return null;
    const value = this.#node(first, []);
    const rest = this.#peek();
    if (rest !== undefined) fail(rest.indent > 0 ? "unexpected indentation" : "unexpected content after the document", rest.no);
    return value;
  }

  /** The next line with content, skipping blank and comment lines; `undefined` at the end. */
  #peek(): Line | undefined {
    for (; this.#i < this.#source.length; this.#i++, this.#start = undefined) {
      const raw = this.#source[this.#i] ?? "";
      const no = this.#i + 1;
      let col = this.#start;
      if (col === undefined) {
        col = 0;
        while (raw[col] === " ") col++;
        if (raw[col] === "\t" && !/^[ \t]*(#.*)?$/.test(raw)) fail("tabs cannot indent YAML; use spaces", no);
      }
      const text = raw.slice(col).replace(/[ \t]+$/, "");
      if (text === "" || text.startsWith("#")) continue;
      if (this.#start === undefined && col === 0) {
        if (/^---([ \t]|$)/.test(text)) {
          if (this.#sawContent || !/^---[ \t]*(#.*)?$/.test(text)) fail("only one document is supported (found ---)", no);
          continue;
        }
        if (/^\.\.\.([ \t]|$)/.test(text)) fail("document end markers (...) are not supported", no);
        if (text.startsWith("%")) fail("directives (%) are not supported", no);
      }
      this.#sawContent = true;
      return { no, indent: col, text };
    }
    return undefined;
  }

  /** Moves past the current line. */
  #advance(): void {
    this.#i++;
    this.#start = undefined;
  }

  /** The node whose first line is `line` (already peeked): a sequence, a mapping or a lone scalar or flow collection. */
  #node(line: Line, path: Path): unknown {
    if (isDash(line.text)) return this.#sequence(line.indent, path);
    if (splitKey(line) !== undefined) return this.#mapping(line.indent, path);
    return this.#inline(line, 0, path);
  }

  #mapping(indent: number, path: Path): Record<string, unknown> {
    const entries = new Map<string, unknown>();
    for (let line = this.#peek(); line !== undefined && line.indent >= indent; line = this.#peek()) {
      if (line.indent > indent) fail("unexpected indentation", line.no);
      if (isDash(line.text)) fail("expected a 'key: value' entry, found a list item", line.no);
      const entry = splitKey(line);
      if (entry === undefined) fail("expected a 'key: value' entry", line.no);
      if (entries.has(entry.key)) fail(`duplicate key "${entry.key}"`, line.no);
      const childPath = [...path, entry.key];
      this.lines.set(formatPath(childPath), line.no);
      entries.set(entry.key, this.#valueAfter(line, entry.valueOffset, indent, childPath, true));
    }
    return Object.fromEntries(entries);
  }

  #sequence(indent: number, path: Path): unknown[] {
    const items: unknown[] = [];
    for (let line = this.#peek(); line !== undefined && line.indent >= indent; line = this.#peek()) {
      if (line.indent > indent) fail("unexpected indentation", line.no);
      if (!isDash(line.text)) break;
      const itemPath = [...path, items.length];
      this.lines.set(formatPath(itemPath), line.no);
      let offset = 1;
      while (SPACE.test(line.text[offset] ?? "")) offset++;
      if (offset >= line.text.length || line.text[offset] === "#") {
        items.push(this.#valueAfter(line, offset, indent, itemPath, false));
      } else {
        // The rest of the line is a node of its own, indented to where it starts.
        this.#start = line.indent + offset;
        const rest = this.#peek();
        if (rest === undefined) fail("expected a list item", line.no);
        items.push(this.#node(rest, itemPath));
      }
    }
    return items;
  }

  /**
   * The value that follows a key or a dash at `offset` of `line`: inline on the line, or, when the
   * line ends there, the more indented block below it (or, after a key, a `- ` list at the key's
   * own indentation); `null` when there is none.
   */
  #valueAfter(line: Line, offset: number, parentIndent: number, path: Path, compactList: boolean): unknown {
    let at = offset;
    while (SPACE.test(line.text[at] ?? "")) at++;
    if (at < line.text.length && line.text[at] !== "#") return this.#inline(line, at, path);
    this.#advance();
    const next = this.#peek();
    if (next === undefined) return null;
    if (next.indent > parentIndent) return this.#node(next, path);
    if (compactList && next.indent === parentIndent && isDash(next.text)) return this.#sequence(parentIndent, path);
    return null;
  }

  /** A scalar or flow collection starting at `offset` of `line`; nothing but a comment may follow it. */
  #inline(line: Line, offset: number, path: Path): unknown {
    const raw = this.#source[line.no - 1] ?? "";
    const cursor: Cursor = { li: line.no - 1, c: line.indent + offset };
    const ch = raw[cursor.c] ?? "";
    let value: unknown;
    if (ch === "-" && SPACE.test(raw[cursor.c + 1] ?? " ")) {
      fail("a list cannot start on the same line as its key; start it on the next line", line.no);
    } else if (ch === "[" || ch === "{") {
      value = this.#flowNode(cursor, path, line.no);
    } else if (ch === '"' || ch === "'") {
      const quoted = readQuoted(raw, cursor.c, line.no);
      value = quoted.value;
      cursor.c = quoted.end;
    } else {
      rejectIndicator(raw, cursor.c, line.no);
      const text = raw.slice(cursor.c, plainEnd(raw, cursor.c, false));
      if (/:([ \t]|$)/.test(text)) fail("a mapping cannot start on the same line as another key's value; quote the value if it contains ': '", line.no);
      value = resolvePlain(text, line.no);
      cursor.c += text.length;
    }
    const end = this.#source[cursor.li] ?? "";
    const rest = end.slice(cursor.c);
    if (!/^([ \t]*|[ \t]+#.*)$/.test(rest)) fail("unexpected text after the value", cursor.li + 1);
    this.#i = cursor.li;
    this.#advance();
    return value;
  }

  /** Skips spaces, line ends and comments inside a flow collection opened on line `opened`. */
  #flowSkip(cursor: Cursor, opened: number): string {
    for (;;) {
      const raw = this.#source[cursor.li];
      if (raw === undefined) fail("this [ or { is never closed", opened);
      while (SPACE.test(raw[cursor.c] ?? "")) cursor.c++;
      if (raw[cursor.c] === "#" && (cursor.c === 0 || SPACE.test(raw[cursor.c - 1] ?? ""))) cursor.c = raw.length;
      if (cursor.c < raw.length) return raw;
      cursor.li++;
      cursor.c = 0;
    }
  }

  #flowNode(cursor: Cursor, path: Path, opened: number): unknown {
    const raw = this.#flowSkip(cursor, opened);
    const no = cursor.li + 1;
    const ch = raw[cursor.c] ?? "";
    if (ch === "[") return this.#flowSequence(cursor, path);
    if (ch === "{") return this.#flowMapping(cursor, path);
    if (ch === '"' || ch === "'") {
      const quoted = readQuoted(raw, cursor.c, no);
      cursor.c = quoted.end;
      return quoted.value;
    }
    if (FLOW_INDICATOR.test(ch)) fail(`expected a value, found '${ch}'`, no);
    rejectIndicator(raw, cursor.c, no);
    const text = raw.slice(cursor.c, plainEnd(raw, cursor.c, true));
    if (text === "") fail(`expected a value, found '${ch}'`, no);
    cursor.c += text.length;
    return resolvePlain(text, no);
  }

  #flowSequence(cursor: Cursor, path: Path): unknown[] {
    const opened = cursor.li + 1;
    cursor.c++;
    const items: unknown[] = [];
    for (;;) {
      let raw = this.#flowSkip(cursor, opened);
      if (raw[cursor.c] === "]") break;
      const itemPath = [...path, items.length];
      this.lines.set(formatPath(itemPath), cursor.li + 1);
      items.push(this.#flowNode(cursor, itemPath, opened));
      raw = this.#flowSkip(cursor, opened);
      const next = raw[cursor.c];
      if (next === ":") fail("a mapping inside [ ] needs braces: [{ key: value }]", cursor.li + 1);
      if (next === "]") break;
      if (next !== ",") fail("expected ',' or ']' in a [ ] list", cursor.li + 1);
      cursor.c++;
    }
    cursor.c++;
    return items;
  }

  #flowMapping(cursor: Cursor, path: Path): Record<string, unknown> {
    const opened = cursor.li + 1;
    cursor.c++;
    const entries = new Map<string, unknown>();
    for (;;) {
      let raw = this.#flowSkip(cursor, opened);
      if (raw[cursor.c] === "}") break;
      const no = cursor.li + 1;
      const key = readFlowKey(raw, cursor, no);
      if (entries.has(key)) fail(`duplicate key "${key}"`, no);
      raw = this.#flowSkip(cursor, opened);
      if (raw[cursor.c] !== ":") fail("expected ': ' after the key", cursor.li + 1);
      cursor.c++;
      const childPath = [...path, key];
      this.lines.set(formatPath(childPath), no);
      raw = this.#flowSkip(cursor, opened);
      const ahead = raw[cursor.c];
      entries.set(key, ahead === "," || ahead === "}" ? null : this.#flowNode(cursor, childPath, opened));
      raw = this.#flowSkip(cursor, opened);
      const next = raw[cursor.c];
      if (next === "}") break;
      if (next !== ",") fail("expected ',' or '}' in a { } mapping", cursor.li + 1);
      cursor.c++;
    }
    cursor.c++;
    return Object.fromEntries(entries);
  }
}

function fail(reason: string, line: number): never {
  throw new YamlError(reason, line);
}

/** `- item` or a lone `-`. */
function isDash(text: string): boolean {
  return text === "-" || (text.startsWith("-") && SPACE.test(text[1] ?? ""));
}

/** Splits `key: value`; `undefined` when the line is not a mapping entry. */
function splitKey(line: Line): { key: string; valueOffset: number } | undefined {
  const { text, no } = line;
  const first = text[0] ?? "";
  if (first === '"' || first === "'") {
    const quoted = readQuoted(text, 0, no);
    let at = quoted.end;
    while (SPACE.test(text[at] ?? "")) at++;
    if (text[at] !== ":" || !(at + 1 === text.length || SPACE.test(text[at + 1] ?? ""))) return undefined;
    return { key: quoted.value, valueOffset: at + 1 };
  }
  if (first === "[" || first === "{") return undefined;
  rejectIndicator(text, 0, no);
  for (let at = 0; at < text.length; at++) {
    const ch = text[at];
    if (ch === "#" && at > 0 && SPACE.test(text[at - 1] ?? "")) return undefined;
    if (ch === ":" && (at + 1 === text.length || SPACE.test(text[at + 1] ?? ""))) {
      const key = text.slice(0, at).replace(/[ \t]+$/, "");
      if (key === "") fail("a key cannot be empty", no);
      return { key, valueOffset: at + 1 };
    }
  }
  return undefined;
}

/** Throws for a plain scalar that would start with a YAML indicator this subset does not support. */
function rejectIndicator(text: string, at: number, line: number): void {
  const ch = text[at] ?? "";
  const next = text[at + 1] ?? "";
  switch (ch) {
    case "&":
      fail("anchors (&) are not supported", line);
    case "*":
      fail(`aliases (*) are not supported; quote values that start with *, e.g. "*.read"`, line);
    case "!":
      fail("tags (!) are not supported", line);
    case "|":
    case ">":
      fail("block scalars (| and >) are not supported; write the text as a quoted string", line);
    case "%":
    case "@":
    case "`":
    case ",":
    case "]":
    case "}":
      fail(`a value cannot start with ${ch}; quote it`, line);
    case "#":
      fail("a value cannot start with #; quote it", line);
    case "?":
      if (next === "" || SPACE.test(next)) fail("complex keys (?) are not supported", line);
      return;
    case ":":
      if (next === "" || SPACE.test(next)) fail("a key cannot be empty", line);
      return;
    default:
      return;
  }
}

/** Where a plain scalar starting at `at` ends: before a comment, the line end, or (in flow) an indicator. */
function plainEnd(text: string, at: number, inFlow: boolean): number {
  let end = at;
  for (let i = at; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (ch === "#" && SPACE.test(text[i - 1] ?? "")) break;
    if (inFlow) {
      if (FLOW_INDICATOR.test(ch)) break;
      if (ch === ":") {
        const next = text[i + 1] ?? "";
        if (next === "" || SPACE.test(next) || FLOW_INDICATOR.test(next)) break;
      }
    }
    if (!SPACE.test(ch)) end = i + 1;
  }
  return end;
}

/** A key inside `{ }`: quoted or plain, kept as written. */
function readFlowKey(raw: string, cursor: Cursor, line: number): string {
  const ch = raw[cursor.c] ?? "";
  if (ch === '"' || ch === "'") {
    const quoted = readQuoted(raw, cursor.c, line);
    cursor.c = quoted.end;
    return quoted.value;
  }
  if (ch === "[" || ch === "{") fail("complex keys are not supported", line);
  if (FLOW_INDICATOR.test(ch)) fail(`expected a key, found '${ch}'`, line);
  rejectIndicator(raw, cursor.c, line);
  const key = raw.slice(cursor.c, plainEnd(raw, cursor.c, true));
  if (key === "") fail("a key cannot be empty", line);
  cursor.c += key.length;
  return key;
}

const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

/** A single- or double-quoted scalar starting at `at`, which must close on the same line. */
function readQuoted(text: string, at: number, line: number): { value: string; end: number } {
  const quote = text[at];
  let value = "";
  for (let i = at + 1; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (quote === "'") {
      if (ch !== "'") value += ch;
      else if (text[i + 1] === "'") {
        value += "'";
        i++;
      } else return { value, end: i + 1 };
    } else if (ch === '"') {
      return { value, end: i + 1 };
    } else if (ch === "\\") {
      const code = text[i + 1] ?? "";
      const simple = ESCAPES[code];
      const digits = HEX_ESCAPES[code];
      if (simple !== undefined) {
        value += simple;
        i++;
      } else if (digits !== undefined) {
        const hex = text.slice(i + 2, i + 2 + digits);
        if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) fail(`\\${code} needs ${digits} hex digits`, line);
        const point = Number.parseInt(hex, 16);
        if (point > 0x10ffff) fail(`\\${code}${hex} is not a Unicode code point`, line);
        value += String.fromCodePoint(point);
        i += 1 + digits;
      } else {
        fail(code === "" ? "a quoted string cannot continue on the next line" : `unknown escape \\${code}`, line);
      }
    } else {
      value += ch;
    }
  }
  return fail("a quoted string must close on the same line", line);
}

const NULL = /^(~|null|Null|NULL)$/;
const TRUE = /^(true|True|TRUE)$/;
const FALSE = /^(false|False|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const OCTAL = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const NOT_A_NUMBER = /^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;

/** What a plain scalar means under the YAML 1.2 core schema. */
function resolvePlain(text: string, line: number): unknown {
  if (text === "" || NULL.test(text)) return null;
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  if (INT.test(text) || FLOAT.test(text)) return Number(text);
  if (OCTAL.test(text)) return Number.parseInt(text.slice(2), 8);
  if (HEX.test(text)) return Number.parseInt(text.slice(2), 16);
  if (NOT_A_NUMBER.test(text)) fail(`${text} has no JSON form; quote it if you mean the string`, line);
  return text;
}

// ---- writer ----------------------------------------------------------------------------------

const WIDTH = 80;
const INDENT = 2;
/** Flow mappings are kept for small objects such as a condition `{ field, op, value }`. */
const MAX_FLOW_MAPPING_ENTRIES = 3;

/**
 * Writes a JSON-like value (objects, arrays, strings, finite numbers, booleans, null) as YAML that
 * {@link parseYaml} reads back to an equal value. Object entries whose value is `undefined` are left
 * out, as `JSON.stringify` does; anything else without a JSON form throws a `TypeError`.
 */
export function stringifyYaml(value: unknown): string {
  const lines = isCollection(value) && !isEmpty(value) ? block(value, 0) : [flow(value)];
  return `${lines.join("\n")}\n`;
}

type Collection = unknown[] | Record<string, unknown>;

function isCollection(value: unknown): value is Collection {
  return typeof value === "object" && value !== null;
}

function isEmpty(value: Collection): boolean {
  return Array.isArray(value) ? value.length === 0 : entries(value).length === 0;
}

function entries(value: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(value).filter(([, v]) => v !== undefined);
}

/** Whether `value` may be written in flow style: scalars, lists of scalars, small mappings of those. */
function flowable(value: unknown): boolean {
  if (!isCollection(value)) return true;
  if (Array.isArray(value)) return value.every((item) => !isCollection(item));
  const list = entries(value);
  return list.length <= MAX_FLOW_MAPPING_ENTRIES && list.every(([, v]) => flowable(v));
}

/** The lines of a non-empty collection written in block style at `indent`. */
function block(value: Collection, indent: number): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const element of value) {
      const item = element === undefined ? null : element;
      const inline = `${pad}- ${flow(item)}`;
      if (!isCollection(item) || isEmpty(item) || (flowable(item) && inline.length <= WIDTH)) {
        lines.push(inline);
      } else if (Array.isArray(item)) {
        lines.push(`${pad}-`, ...block(item, indent + INDENT));
      } else {
        const [first = "", ...rest] = block(item, indent + INDENT);
        lines.push(`${pad}- ${first.trimStart()}`, ...rest);
      }
    }
    return lines;
  }
  for (const [key, item] of entries(value)) {
    const head = `${pad}${scalar(key, false)}:`;
    const inline = `${head} ${flow(item)}`;
    if (!isCollection(item) || isEmpty(item) || (flowable(item) && inline.length <= WIDTH)) lines.push(inline);
    else lines.push(head, ...block(item, indent + INDENT));
  }
  return lines;
}

/** `value` on one line: a scalar, `[a, b]` or `{ k: v }`. */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => flow(item === undefined ? null : item)).join(", ")}]`;
  if (isCollection(value)) {
    const list = entries(value as Record<string, unknown>);
    return list.length === 0 ? "{}" : `{ ${list.map(([k, v]) => `${scalar(k, true)}: ${flow(v)}`).join(", ")} }`;
  }
  return scalar(value, true);
}

function scalar(value: unknown, inFlow: boolean): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return String(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as YAML: it has no JSON form`);
      return String(value);
    case "string":
      return plainIsSafe(value, inFlow) ? value : JSON.stringify(value);
    default:
      throw new TypeError(`cannot write a ${typeof value} as YAML`);
  }
}

/** YAML 1.1 readers take these for booleans; quoting keeps them strings everywhere. */
const YAML11_BOOLEAN = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

/** Whether `text` reads back as the same string when written plain. */
function plainIsSafe(text: string, inFlow: boolean): boolean {
  if (text === "" || text !== text.trim()) return false;
  if (/[\x00-\x1f\x7f\x85\u2028\u2029\ufeff]/.test(text)) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(text) || text.startsWith("...")) return false;
  if (/: |:$| #/.test(text)) return false;
  if (inFlow && /[,[\]{}]/.test(text)) return false;
  if (YAML11_BOOLEAN.test(text) || /^[-+.]?[0-9]/.test(text) || text === "<<") return false;
  return !(NULL.test(text) || TRUE.test(text) || FALSE.test(text) || NOT_A_NUMBER.test(text) || OCTAL.test(text) || HEX.test(text));
}
