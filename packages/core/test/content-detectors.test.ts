import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTENT_DETECTORS, detectorsToRun, findInText, type ContentClass, type Detector } from "../src/content/detectors";
import { longestDigitRun, PERSONAL_DATA_RULES } from "../src/content/personal-data-rules";
import { KEY_HINTED_TOKEN } from "../src/content/secret-rules";
import { ALNUM, CASES, dea, DIGITS, jwt, npi, password, r, withLuhn, type NearMiss } from "./content-cases";

// The detectors of secrets and personal data (docs/content-detectors.md): for every detector, true
// positives found at exactly their offsets and near misses not found; the prefilter never hides a
// detector from its own true positives; every pattern linear by a static check of its source and by
// adversarial 64 KB inputs. The cases and their fake values are in ./content-cases.ts (built at runtime
// from a seeded generator, so no complete secret-shaped literal sits in either file for a scanner to flag).

const BY_ID = new Map(CASES.map((entry) => [entry.id, entry]));
const detectorById = (id: string): Detector => {
  const detector = CONTENT_DETECTORS.find((candidate) => candidate.id === id);
  if (detector === undefined) throw new Error(`no detector ${id}`);
  return detector;
};
const nearMiss = (miss: string | NearMiss): NearMiss => (typeof miss === "string" ? { text: miss } : miss);

// ── The table's shape ───────────────────────────────────────────────────────────────────────────

describe("the detector table", () => {
  it("covers at least 100 secret formats and 16 personal-data formats, 12 of them national identifiers", () => {
    const secrets = CONTENT_DETECTORS.filter((detector) => detector.class === "secrets");
    const personal = CONTENT_DETECTORS.filter((detector) => detector.class === "personalData");
    expect(secrets.length).toBeGreaterThanOrEqual(100);
    expect(personal.length).toBeGreaterThanOrEqual(16);
    const national = ["us_ssn", "uk_nino", "ca_sin", "fr_nir", "de_tax_id", "es_dni", "es_nie", "it_codice_fiscale", "nl_bsn", "in_aadhaar", "in_pan", "br_cpf"];
    expect(personal.map((detector) => detector.id)).toEqual(expect.arrayContaining(national));
  });

  it("has unique snake_case ids, global patterns and lowercase ASCII keywords", () => {
    const ids = CONTENT_DETECTORS.map((detector) => detector.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const detector of CONTENT_DETECTORS) {
      expect(detector.id).toMatch(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/);
      expect(detector.pattern.flags).toContain("g");
      expect(detector.description.length).toBeGreaterThan(10);
      // Lowercase ASCII: the prefilter's case-insensitive scan then reports every keyword as written.
      for (const keyword of detector.keywords) expect(keyword).toMatch(/^[\x20-\x40\x5b-\x7e]+$/);
    }
  });

  it("gives every keyword-less detector a digit gate, and only personal data goes without keywords", () => {
    for (const detector of CONTENT_DETECTORS.filter((candidate) => candidate.keywords.length === 0)) {
      expect(detector.class).toBe("personalData");
      expect(PERSONAL_DATA_RULES.find((rule) => rule.id === detector.id)?.minDigits).toBeGreaterThan(0);
    }
  });

  it("has two true positives and a near miss for every detector, and no case for an unknown id", () => {
    for (const detector of CONTENT_DETECTORS) {
      const entry = BY_ID.get(detector.id);
      expect(entry?.tp.length ?? 0, detector.id).toBeGreaterThanOrEqual(2);
      expect(entry?.fp.length ?? 0, detector.id).toBeGreaterThanOrEqual(1);
    }
    expect(CASES.length).toBe(BY_ID.size);
    for (const entry of CASES)
      expect(
        CONTENT_DETECTORS.some((detector) => detector.id === entry.id),
        entry.id,
      ).toBe(true);
  });

  it("names every detector in docs/content-detectors.md", () => {
    const doc = readFileSync(new URL("../../../docs/content-detectors.md", import.meta.url), "utf8");
    for (const detector of CONTENT_DETECTORS) expect(doc, detector.id).toContain(`\`${detector.id}\``);
  });
});

// ── True and false positives ────────────────────────────────────────────────────────────────────

describe.each(CASES)("$id", ({ id, tp, fp }) => {
  const detector = detectorById(id);

  it.each(tp.map((sample, index) => [index, sample] as const))("finds true positive %i exactly at its value", (_index, sample) => {
    const start = sample.text.indexOf(sample.value);
    expect(start, "the value is in the text").toBeGreaterThanOrEqual(0);
    const findings = findInText(sample.text, sample.key === undefined ? {} : { key: sample.key });
    expect(findings).toContainEqual({ detector: id, class: detector.class, start, end: start + sample.value.length });
  });

  it.each(fp.map((miss, index) => [index, nearMiss(miss)] as const))("does not find near miss %i", (_index, miss) => {
    const findings = findInText(miss.text, miss.key === undefined ? {} : { key: miss.key });
    expect(findings.filter((finding) => finding.detector === id)).toEqual([]);
  });

  it("is chosen by the prefilter for each true positive, and its own match holds a keyword", () => {
    for (const sample of tp) {
      const options = sample.key === undefined ? {} : { key: sample.key };
      expect(
        detectorsToRun(sample.text, options).map((selected) => selected.id),
        sample.text.slice(0, 80),
      ).toContain(id);
      // A keyword the pattern does not need could be absent while the pattern matches: the keyword
      // must be inside the match itself (key-hinted tokens and digit-gated rules have none to hold).
      if (detector.keywords.length === 0 || sample.key !== undefined) continue;
      const matches = [...sample.text.matchAll(new RegExp(detector.pattern.source, detector.pattern.flags))].map((match) => match[0].toLowerCase());
      expect(
        matches.some((match) => detector.keywords.some((keyword) => match.includes(keyword))),
        sample.text.slice(0, 80),
      ).toBe(true);
    }
  });
});

// ── The scanner's contract ──────────────────────────────────────────────────────────────────────

describe("findInText", () => {
  const token = `ghp_${r(ALNUM, 36)}`;
  const mixed = `owner alice@example.com pushed with ${token}; card ${withLuhn(`400000${r(DIGITS, 9)}`)} on file`;

  it("returns findings sorted by start, non-overlapping, each slice the value its detector validates", () => {
    const samples = CASES.flatMap((entry) => entry.tp.filter((sample) => sample.key === undefined).map((sample) => sample.text));
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...samples), { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom(" ", "\n", " x ", "; ", ""), { minLength: 6, maxLength: 6 }),
        (parts, glue) => {
          const text = parts.map((part, i) => part + (glue[i] ?? "")).join("");
          const findings = findInText(text);
          let end = 0;
          for (const finding of findings) {
            expect(finding.start).toBeGreaterThanOrEqual(end);
            expect(finding.end).toBeGreaterThan(finding.start);
            expect(finding.end).toBeLessThanOrEqual(text.length);
            const { validate } = detectorById(finding.detector);
            if (validate !== undefined) expect(validate(text.slice(finding.start, finding.end))).toBe(true);
            end = finding.end;
          }
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it("runs only the classes asked for", () => {
    expect(new Set(findInText(mixed).map((finding) => finding.class))).toEqual(new Set<ContentClass>(["secrets", "personalData"]));
    const secrets = findInText(mixed, { classes: new Set<ContentClass>(["secrets"]) });
    expect(secrets.map((finding) => finding.detector)).toEqual(["github_token"]);
    const personal = findInText(mixed, { classes: new Set<ContentClass>(["personalData"]) });
    expect(personal.map((finding) => finding.detector)).toEqual(["email", "card_number"]);
    expect(findInText(mixed, { classes: new Set<ContentClass>() })).toEqual([]);
    expect(detectorsToRun(mixed, { classes: new Set<ContentClass>(["secrets"]) }).every((detector) => detector.class === "secrets")).toBe(true);
  });

  it("points at exactly the value", () => {
    for (const finding of findInText(mixed)) {
      const value = mixed.slice(finding.start, finding.end);
      expect(value).toMatch(finding.detector === "github_token" ? /^ghp_\w{36}$/ : finding.detector === "email" ? /^alice@example\.com$/ : /^\d{16}$/);
    }
  });

  it("covers only the password of a connection string", () => {
    const pw = password();
    const text = `DATABASE_URL=postgres://app_user:${pw}@db.example.com:5432/app?sslmode=require`;
    const findings = findInText(text);
    expect(findings).toEqual([{ detector: "postgres_url_password", class: "secrets", start: text.indexOf(pw), end: text.indexOf(pw) + pw.length }]);
  });

  it("prefers the longer of two findings that start together, and a provider's name over the generic rule", () => {
    const key = `sk_live_${r(ALNUM, 30)}`;
    expect(findInText(`stripe_secret_key = "${key}"`)).toEqual([{ detector: "stripe_secret_key", class: "secrets", start: 21, end: 21 + key.length }]);
    const signed = jwt({ alg: "HS256" });
    expect(findInText(`token: ${signed}`).map((finding) => finding.detector)).toEqual(["jwt"]);
  });

  it("uses a secret-naming key as the generic rule's hint, and no other key", () => {
    const value = r(ALNUM, 32);
    expect(findInText(value)).toEqual([]);
    expect(findInText(value, { key: "note" })).toEqual([]);
    for (const key of ["apiKey", "api_key", "X-Api-Key", "clientSecret", "password", "refreshToken", "credentials"]) {
      expect(findInText(value, { key }), key).toEqual([{ detector: "high_entropy_secret", class: "secrets", start: 0, end: value.length }]);
    }
  });

  it("finds nothing in an empty text or ordinary metadata", () => {
    expect(findInText("")).toEqual([]);
    const metadata = JSON.stringify({
      repo: "acme/web",
      branch: "feature/login-form",
      pr: 4312,
      files: ["src/app/login/page.tsx", "src/lib/auth/session.ts"],
      title: "Add rate limit to the sign-in form",
      requestedAt: "2026-11-23T13:25:00Z",
      commit: "9fc9405",
      agent: "agt_01J9Z3",
    });
    expect(findInText(metadata)).toEqual([]);
  });
});

// ── Linear time ─────────────────────────────────────────────────────────────────────────────────

/**
 * Why a pattern's source may take more than linear time, by the rules the table is written to:
 * no quantified group that holds a quantifier, no backreference, no lookaround that holds a
 * quantifier, and no unbounded quantifier (`*`, `+`, `{n,}`) except on a single character or class
 * with nothing after it but closing parentheses (a final run). Whether that final run can overlap
 * the token before it is left to review: the adversarial inputs below are the net for it.
 */
function linearityProblems(source: string): string[] {
  const problems: string[] = [];
  type Atom = { kind: "char" | "group" | "lookaround"; holdsQuantifier: boolean } | null;
  const frames: Array<{ holdsQuantifier: boolean; lookaround: boolean }> = [{ holdsQuantifier: false, lookaround: false }];
  let last: Atom = null;
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    const top = frames[frames.length - 1]!;
    if (char === "\\") {
      const escaped = source[i + 1] ?? "";
      if (/[1-9]/.test(escaped) || escaped === "k") problems.push(`backreference at ${i}`);
      if (escaped === "x") i += 4;
      else if (escaped === "u") i += source[i + 2] === "{" ? source.indexOf("}", i) + 1 - i : 6;
      else if (escaped === "p" || escaped === "P") i = source.indexOf("}", i) + 1;
      else if (escaped === "c") i += 3;
      else i += 2;
      last = { kind: "char", holdsQuantifier: false };
      continue;
    }
    if (char === "[") {
      let j = i + 1;
      if (source[j] === "^") j += 1;
      if (source[j] === "]") j += 1;
      while (j < source.length && source[j] !== "]") j += source[j] === "\\" ? 2 : 1;
      i = j + 1;
      last = { kind: "char", holdsQuantifier: false };
      continue;
    }
    if (char === "(") {
      const lookaround = /^\(\?<?[=!]/.test(source.slice(i, i + 4));
      if (lookaround) i += source[i + 2] === "<" ? 4 : 3;
      else if (source.startsWith("(?:", i)) i += 3;
      else if (source.startsWith("(?<", i)) i = source.indexOf(">", i) + 1;
      else i += 1;
      frames.push({ holdsQuantifier: false, lookaround });
      last = null;
      continue;
    }
    if (char === ")") {
      const frame = frames.pop();
      if (frame === undefined || frames.length === 0) {
        problems.push(`unbalanced ) at ${i}`);
        break;
      }
      if (frame.lookaround && frame.holdsQuantifier) problems.push(`lookaround holding a quantifier, ending at ${i}`);
      if (frame.holdsQuantifier) frames[frames.length - 1]!.holdsQuantifier = true;
      last = { kind: frame.lookaround ? "lookaround" : "group", holdsQuantifier: frame.holdsQuantifier };
      i += 1;
      continue;
    }
    if (char === "|") {
      last = null;
      i += 1;
      continue;
    }
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    const quantifier =
      char === "*" || char === "+"
        ? { bounded: false, length: 1 }
        : char === "?"
          ? { bounded: true, length: 1 }
          : braces
            ? { bounded: braces[2] === undefined || braces[3] !== "", length: braces[0].length }
            : null;
    if (quantifier === null) {
      last = { kind: "char", holdsQuantifier: false };
      i += 1;
      continue;
    }
    if (last === null) problems.push(`quantifier without an atom at ${i}`);
    else if (last.kind === "lookaround") problems.push(`quantified lookaround at ${i}`);
    else if (last.kind === "group" && last.holdsQuantifier) problems.push(`quantified group holding a quantifier at ${i}`);
    let end = i + quantifier.length;
    if (source[end] === "?") end += 1;
    if (!quantifier.bounded && (last?.kind !== "char" || !/^\)*$/.test(source.slice(end)))) problems.push(`unbounded quantifier that is not a final run at ${i}`);
    top.holdsQuantifier = true;
    last = null;
    i = end;
  }
  if (frames.length !== 1) problems.push("unbalanced (");
  return problems;
}

describe("linear time", () => {
  it("the checker refuses what it should", () => {
    expect(linearityProblems("(a+)+")).not.toEqual([]);
    expect(linearityProblems("(?:ab{1,3})?")).not.toEqual([]);
    expect(linearityProblems("(a)\\1")).not.toEqual([]);
    expect(linearityProblems("(?=a{2,})b")).not.toEqual([]);
    expect(linearityProblems("a+b")).not.toEqual([]);
    expect(linearityProblems("a{2,}b")).not.toEqual([]);
    expect(linearityProblems("(?:ab)+")).not.toEqual([]);
    expect(linearityProblems("x(?:a|b[c]+)")).toEqual([]);
    expect(linearityProblems("[a-z]{1,8}\\.[a-z]{2,}")).toEqual([]);
    expect(linearityProblems("(?<![\\w-])a(?:bc)?d{3}")).toEqual([]);
  });

  it.each(CONTENT_DETECTORS.map((detector) => [detector.id, detector.pattern.source] as const))("%s: its pattern is linear by construction", (_id, source) => {
    expect(linearityProblems(source)).toEqual([]);
  });

  it("the key-hinted token pattern is linear by construction", () => {
    expect(linearityProblems(KEY_HINTED_TOKEN.source)).toEqual([]);
  });

  const SIZE = 64 * 1024;
  const fill = (unit: string, size: number) => (unit.length === 0 ? "" : unit.repeat(Math.ceil(size / unit.length)).slice(0, size));
  const RUNS = ["a", "A", "0", "f", "_", "-", ".", " ", "/", "=", "+", ":", "@", "\t", "aA0", "0 ", "0-", "a@"];

  /** Texts of `size` characters that keep `detector`'s pattern busy: its keyword before long runs, almost-matches, separators. */
  function adversarial(detector: Detector, size: number): string[] {
    const keyword = detector.keywords[0] ?? "";
    const sample = BY_ID.get(detector.id)?.tp[0]?.text ?? keyword;
    return [
      ...RUNS.map((unit) => keyword + fill(unit, size - keyword.length)),
      fill(keyword.toUpperCase(), size),
      fill(`${keyword}a`, size),
      fill(`${keyword}=`, size),
      fill(`${sample.slice(0, -1)}\u0001`, size),
      fill(`${sample.slice(0, -1)} `, size),
      fill(sample.slice(0, -1), size),
      fill(sample, size),
    ];
  }

  /** The CPU time, in ms, `body` takes (process.cpuUsage: another process's load on the machine does not count, as it does in wall-clock time). */
  function cpuMs(body: () => void): number {
    const started = process.cpuUsage();
    body();
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000;
  }

  /**
   * What scanning a text with `detector` costs: its own pattern over the whole text (what could take more than
   * linear time; the other detectors are each held to their own texts), or for the generic rule the screen
   * itself, which also scans every token when the key names a secret.
   */
  function scanner(detector: Detector): (text: string) => void {
    if (detector.id === "high_entropy_secret") return (text) => void findInText(text, { key: "apiKey" });
    const pattern = new RegExp(detector.pattern.source, detector.pattern.flags);
    return (text) => {
      pattern.lastIndex = 0;
      for (const match of text.matchAll(pattern)) void match;
    };
  }

  /**
   * The CPU time to scan every text once: each text's median of `runs` (a median per text, not of
   * totals, so a collection in one call does not count), summed; and the slowest single call.
   */
  function suiteMs(texts: string[], runs: number, scan: (text: string) => void): { total: number; slowest: number } {
    let total = 0;
    let slowest = 0;
    for (const text of texts) {
      const times: number[] = [];
      for (let run = 0; run < runs; run++) times.push(cpuMs(() => scan(text)));
      times.sort((a, b) => a - b);
      total += times[Math.floor(runs / 2)]!;
      slowest = Math.max(slowest, times[runs - 1]!);
    }
    return { total, slowest };
  }

  // Timing is a safety net, the static check above is the bound: generous limits, medians of three, CPU time
  // rather than wall-clock time (a loaded machine slowed the wall clock past the ratio), 5 ms of slack for timer
  // noise on the small 16 KB totals, and up to three measurements of the ratio (a collection can stall one; a
  // superlinear pattern fails all three). Each detector's own pattern is timed, not the whole screen: the screen
  // is the sum of its detectors, and timing all of them for each one cost 40 s of CPU in every run.
  it.each(CONTENT_DETECTORS.map((detector) => [detector.id, detector] as const))("%s: adversarial 64 KB inputs finish fast and scale linearly", (_id, detector) => {
    const scan = scanner(detector);
    const smallTexts = adversarial(detector, SIZE / 4);
    const largeTexts = adversarial(detector, SIZE);
    let small = suiteMs(smallTexts, 3, scan);
    let large = suiteMs(largeTexts, 3, scan);
    for (let attempt = 1; attempt < 3 && large.total >= 8 * small.total + 5; attempt++) {
      small = suiteMs(smallTexts, 3, scan);
      large = suiteMs(largeTexts, 3, scan);
    }
    expect(large.slowest).toBeLessThan(500);
    expect(large.total).toBeLessThan(1_000);
    expect(large.total).toBeLessThan(8 * small.total + 5);
  });

  it("counts digit runs across up to two separators", () => {
    expect(longestDigitRun("+1 (415) 555-2671")).toBe(11);
    expect(longestDigitRun("a1b22c333")).toBe(3);
    expect(longestDigitRun("12 - - 34")).toBe(2);
    expect(longestDigitRun("no digits")).toBe(0);
    expect(longestDigitRun("1234567890123456", 13)).toBe(13);
  });
});

// ── Health identifiers: their check digits over every body ─────────────────────────────────────────

describe("health identifiers' check digits", () => {
  const digits = (length: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((list) => list.join(""));
  const found = (text: string, id: string) =>
    findInText(text)
      .filter((finding) => finding.detector === id)
      .map((finding) => text.slice(finding.start, finding.end));

  it("an NPI is found after its keyword with its own check digit, and with none of the nine others", () => {
    fc.assert(
      fc.property(fc.constantFrom("1", "2"), digits(8), fc.integer({ min: 1, max: 9 }), (first, body, shift) => {
        const valid = npi(`${first}${body}`);
        const wrong = `${valid.slice(0, -1)}${(Number(valid.at(-1)) + shift) % 10}`;
        expect(found(`Prescriber NPI: ${valid}.`, "us_npi")).toEqual([valid]);
        expect(found(`Prescriber NPI: ${wrong}.`, "us_npi")).toEqual([]);
        // Without its keyword the same number is no finding of this detector.
        expect(found(`Order ${valid}.`, "us_npi")).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("a DEA number is found with its own check digit, and with none of the nine others", () => {
    fc.assert(
      fc.property(fc.constantFrom(..."ABFGMPX"), fc.constantFrom(..."ABCKMZ9"), digits(6), fc.integer({ min: 1, max: 9 }), (type, second, body, shift) => {
        const valid = dea(`${type}${second}`, body);
        const wrong = `${valid.slice(0, -1)}${(Number(valid.at(-1)) + shift) % 10}`;
        expect(found(`DEA# ${valid}`, "us_dea_number")).toEqual([valid]);
        expect(found(`DEA# ${wrong}`, "us_dea_number")).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
