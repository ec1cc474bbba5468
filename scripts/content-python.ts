// The Python SDK's twin of the content screen has one source: core's TypeScript table. This script writes
//   packages/sdk-python/src/gatehouse/_content_table.py   every detector of CONTENT_DETECTORS (id, class, keywords,
//       its pattern translated to Python `re` syntax, flags, group, the digit gate, its validator's name), the
//       key-hinted token pattern, what keyNamesSecret reads, the instruction heuristic's rules and the screen's limits;
//   packages/sdk-python/tests/fixtures/screen-vectors.json   what the TypeScript screen answers for a corpus
//       (./content-python-vectors.ts), which packages/sdk-python/tests/test_screen.py holds the Python one to.
// The engine (_screen.py) and the validators (_validators.py) are written by hand; each validator of the table
// is named by its function's `name`, and this script fails when one has no name or no Python twin.
// `npm run openapi` runs it; `npm run openapi:check` (CI) runs it with --check, which fails when either file is
// stale. Run: npx tsx --conditions=@gatehouse/source scripts/content-python.ts [--check]
// Patterns are translated by ./lib/python-regex.ts; one it cannot translate exactly (a backreference, \p{…}, a
// variable-width lookbehind, …) fails the run, naming the detector.
import { readFileSync, writeFileSync } from "node:fs";
import { CONTENT_DETECTORS, type Detector } from "../packages/core/src/content/detectors.ts";
import { INSTRUCTION_RULES } from "../packages/core/src/content/instruction-rules.ts";
import { PERSONAL_DATA_RULES } from "../packages/core/src/content/personal-data-rules.ts";
import { CONTENT_KEY_MIN_LENGTH, CONTENT_MIN_LENGTH, MAX_FINDINGS } from "../packages/core/src/content/screen-content.ts";
import { KEY_HINTED_TOKEN, NOT_AUTH_WORD, NOT_SECRET_KEYS, NOT_SECRET_SUFFIX, SECRET_HINTS } from "../packages/core/src/content/secret-rules.ts";
import { screenVectors } from "./content-python-vectors.ts";
import { keywordAnchor, pythonFlags, pythonPattern, Untranslatable } from "./lib/python-regex.ts";

const TABLE_FILE = "packages/sdk-python/src/gatehouse/_content_table.py";
const VALIDATORS_FILE = "packages/sdk-python/src/gatehouse/_validators.py";
const VECTORS_FILE = "packages/sdk-python/tests/fixtures/screen-vectors.json";

// ── The table ──────────────────────────────────────────────────────────────────────────────────────

/** A Python raw string literal of a translated pattern (every quote in it is escaped by the translation). */
function raw(pattern: string): string {
  if (/(^|[^\\])(\\\\)*"/.test(pattern) || /(^|[^\\])(\\\\)*\\$/.test(pattern)) throw new Error(`cannot write ${pattern} as a raw string`);
  return `r"${pattern}"`;
}
const str = (text: string) => JSON.stringify(text);
const strings = (texts: readonly string[]) => (texts.length === 0 ? "()" : `(${texts.map(str).join(", ")}${texts.length === 1 ? "," : ""})`);

/** The names _validators.py gives its twins (the keys of its VALIDATORS map). */
function pythonValidatorNames(): Set<string> {
  const text = readFileSync(VALIDATORS_FILE, "utf8");
  const block = /^VALIDATORS: [^\n]*\{\n([\s\S]*?)^\}/m.exec(text);
  if (!block) throw new Error(`${VALIDATORS_FILE} has no VALIDATORS = { … } map`);
  return new Set([...(block[1] as string).matchAll(/^\s+"(\w+)":/gm)].map((match) => match[1] as string));
}

function validatorName(detector: Detector, twins: ReadonlySet<string>): string | null {
  if (detector.validate === undefined) return null;
  const name = detector.validate.name;
  // An arrow written in the table is named after the property it sits in: `validate`.
  if (name === "" || name === "validate") throw new Error(`${detector.id}: its validator has no name of its own; make it a named function in core's table`);
  if (!twins.has(name)) throw new Error(`${detector.id}: its validator ${name} has no Python twin in ${VALIDATORS_FILE} (VALIDATORS)`);
  return name;
}

function translated(id: string, regex: RegExp): string {
  try {
    return raw(pythonPattern(regex.source, regex.flags));
  } catch (error) {
    if (error instanceof Untranslatable) throw new Error(`${id}: its pattern cannot be translated to Python: ${error.message}`);
    throw error;
  }
}

function contentTable(): string {
  const twins = pythonValidatorNames();
  const rows = CONTENT_DETECTORS.map((detector) => {
    const minDigits = PERSONAL_DATA_RULES.find((rule) => rule.id === detector.id)?.minDigits ?? 0;
    const validator = validatorName(detector, twins);
    const anchor = keywordAnchor(detector.pattern.source, detector.pattern.flags, detector.keywords);
    return `    Detector(${[
      `id=${str(detector.id)}`,
      `content_class=${str(detector.class)}`,
      `keywords=${strings(detector.keywords)}`,
      `keyword_at=${anchor === null ? "None" : `(${anchor.join(", ")})`}`,
      `pattern=${translated(detector.id, detector.pattern)}`,
      `flags=${pythonFlags(detector.pattern.flags)}`,
      `group=${detector.group ?? 0}`,
      `min_digits=${minDigits}`,
      `validator=${validator === null ? "None" : str(validator)}`,
      `confidence=${str(detector.confidence)}`,
    ].join(", ")}),`;
  });
  const instructions = INSTRUCTION_RULES.map(
    (rule) =>
      `    InstructionRule(id=${str(rule.id)}, keywords=${strings(rule.keywords)}, pattern=${translated(rule.id, rule.pattern)}, flags=${pythonFlags(rule.pattern.flags)}),`,
  );
  const notAuth = new RegExp(NOT_AUTH_WORD.source, NOT_AUTH_WORD.flags);
  return `"""The content detectors' table, generated from core's TypeScript table (packages/core/src/content/) by
scripts/content-python.ts. Do not edit: \`npm run openapi\` writes it, and \`npm run openapi:check\` fails when
it is stale.

Each pattern is the TypeScript one translated to Python \`\`re\`\` syntax (JavaScript's \\\\s, \`\`.\`\`, \`\`^\`\` and
\`\`$\`\` written out, named groups as \`\`(?P<name>...)\`\`) and compiled with \`\`re.ASCII\`\`, so it reads a text of
UTF-16 code units as JavaScript's engine does (without the u flag); a leading lookbehind is written after the
fixed-width head that follows it, so that Python's engine can skip to that head (the same matches). _screen.py
runs the table; _validators.py holds each validator named here.
"""

from __future__ import annotations

import re
from typing import Final, Literal, NamedTuple

ContentClass = Literal["secrets", "personalData"]


class Detector(NamedTuple):
    """One detector of core's CONTENT_DETECTORS (docs/content-detectors.md)."""

    id: str
    content_class: ContentClass
    #: Lowercase ASCII literals, one of which must be in the text for the pattern to run; none: the digit gate.
    keywords: tuple[str, ...]
    #: Where one of the keywords stands in every match, in units after the match's start (at least, at most), as
    #: the translation reads the pattern: the engine tries the pattern only there before each keyword of the text.
    #: None: not read (no keywords, or none at a bounded place).
    keyword_at: tuple[int, int] | None
    pattern: str
    flags: int
    #: Which group is the value (0: the whole match).
    group: int
    #: The digit gate of a keyword-less rule: the longest run of digits the text needs (0: none).
    min_digits: int
    #: The validator's name (its TypeScript function's), a key of _validators.VALIDATORS; None: no check.
    validator: str | None
    #: How sure its findings are (docs/content-detectors.md, "Confidence").
    confidence: Literal["high", "medium", "low"]


class InstructionRule(NamedTuple):
    """One phrase family of core's INSTRUCTION_RULES (docs/guardrails.md)."""

    id: str
    keywords: tuple[str, ...]
    pattern: str
    flags: int


DETECTORS: Final[tuple[Detector, ...]] = (
${rows.join("\n")}
)

#: Every token of a value whose key names a secret (the generic rule's, high_entropy_secret, with no text hint).
KEY_HINTED_TOKEN: Final[str] = ${translated("KEY_HINTED_TOKEN", KEY_HINTED_TOKEN)}
KEY_HINTED_TOKEN_FLAGS: Final[int] = ${pythonFlags("g")}

# What keyNamesSecret reads: a key, lowercased, kept to [a-z0-9], NOT_AUTH_WORD taken out, names a secret when it
# holds one of SECRET_HINTS, none of NOT_SECRET_KEYS, and NOT_SECRET_SUFFIX does not match it.
SECRET_HINTS: Final[tuple[str, ...]] = ${strings(SECRET_HINTS)}
NOT_SECRET_KEYS: Final[tuple[str, ...]] = ${strings(NOT_SECRET_KEYS)}
NOT_SECRET_SUFFIX: Final[str] = ${translated("NOT_SECRET_SUFFIX", NOT_SECRET_SUFFIX)}
NOT_AUTH_WORD: Final[str] = ${translated("NOT_AUTH_WORD", notAuth)}

INSTRUCTION_RULES: Final[tuple[InstructionRule, ...]] = (
${instructions.join("\n")}
)

#: Texts shorter than this (in UTF-16 code units) are not screened.
CONTENT_MIN_LENGTH: Final = ${CONTENT_MIN_LENGTH}
#: Object keys shorter than this are names, not values: not screened.
CONTENT_KEY_MIN_LENGTH: Final = ${CONTENT_KEY_MIN_LENGTH}
#: Findings kept per screen.
MAX_FINDINGS: Final = ${MAX_FINDINGS}
`;
}

// ── Write or check ─────────────────────────────────────────────────────────────────────────────────

{
  const files: Record<string, string> = {
    [TABLE_FILE]: contentTable(),
    [VECTORS_FILE]: screenVectors(),
  };
  if (process.argv.includes("--check")) {
    const stale = Object.entries(files).filter(([file, text]) => {
      try {
        return readFileSync(file, "utf8") !== text;
      } catch {
        return true;
      }
    });
    for (const [file] of stale) console.error(`${file} is stale: core's content table or screen changed. Run \`npm run openapi\` and commit the result.`);
    if (stale.length > 0) process.exit(1);
    console.log(`${Object.keys(files).join(" and ")} match core's content screen`);
  } else {
    for (const [file, text] of Object.entries(files)) {
      writeFileSync(file, text);
      console.log(`wrote ${file}`);
    }
  }
}
