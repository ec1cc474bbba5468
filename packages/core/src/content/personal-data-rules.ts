/**
 * The personal data detectors.ts scans for: email addresses, phone numbers, payment card numbers,
 * IBANs and a set of national identifiers, each checked with its checksum where it has one.
 *
 * Most of these are digits with no keyword to look for, so instead of keywords a rule names
 * `minDigits`: it runs only when the text holds a run of at least that many digits (digits may be
 * parted by up to two of ` .-/()`, as in `+1 (415) 555-2671`). See `longestDigitRun`.
 */

/** One personal-data format, as detectors.ts takes it (it adds `class: "personalData"`). See `Detector`. */
export interface PersonalDataRule {
  id: string;
  description: string;
  keywords: readonly string[];
  /** With no keywords: the rule runs when `longestDigitRun(text) >= minDigits`. */
  minDigits?: number;
  pattern: RegExp;
  group?: number;
  validate?: (value: string) => boolean;
}

const rx = (source: string, flags = "g") => new RegExp(source, flags);
const digitsOf = (value: string) => value.replace(/[^0-9]/g, "");
const separatorsOf = (value: string) => value.replace(/[0-9A-Za-z]/g, "");
/** Every separator in `value` is the same character (or there is none). */
const sameSeparators = (value: string) => new Set(separatorsOf(value)).size <= 1;

// ── The digit gate ──────────────────────────────────────────────────────────────────────────────

/** 1: a digit; 2: a separator that may stand inside a run of digits (space . - / ( )). */
const DIGIT_RUN_CLASS = new Uint8Array(128);
for (let code = 48; code <= 57; code++) DIGIT_RUN_CLASS[code] = 1;
for (const separator of " .-/()") DIGIT_RUN_CLASS[separator.charCodeAt(0)] = 2;
const NEXT_DIGIT = /[0-9]/g;

/**
 * The longest run of digits in `text`, where up to two separators (` .-/()`) may stand between two
 * digits of a run; it stops counting at `cap` (no rule needs more). The regex engine skips to each
 * run's first digit (most of a text has none), and a loop walks the run.
 */
export function longestDigitRun(text: string, cap = Number.POSITIVE_INFINITY): number {
  let best = 0;
  NEXT_DIGIT.lastIndex = 0;
  for (let match = NEXT_DIGIT.exec(text); match !== null; match = NEXT_DIGIT.exec(text)) {
    let run = 0;
    let gap = 0;
    let i = match.index;
    for (; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const kind = code < 128 ? DIGIT_RUN_CLASS[code] : 0;
      if (kind === 1) {
        run += 1;
        gap = 0;
      } else if (kind === 2 && gap < 2) {
        gap += 1;
      } else {
        break;
      }
    }
    if (run > best) {
      best = run;
      if (best >= cap) return cap;
    }
    NEXT_DIGIT.lastIndex = i;
  }
  return best;
}

// ── Checksums ───────────────────────────────────────────────────────────────────────────────────

/** Luhn (ISO/IEC 7812-1 mod 10) over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** `digits` (a decimal string of any length) modulo `m`, a digit at a time, so no precision is lost. */
function decimalMod(digits: string, m: number): number {
  let rest = 0;
  for (let i = 0; i < digits.length; i++) rest = (rest * 10 + (digits.charCodeAt(i) - 48)) % m;
  return rest;
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 7, 6, 0, 8],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** Verhoeff's dihedral-group check (Aadhaar's last digit). */
export function verhoeffValid(digits: string): boolean {
  let check = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    check = VERHOEFF_D[check]?.[VERHOEFF_P[i % 8]?.[digit] ?? 0] ?? 0;
  }
  return check === 0;
}

// ── Email ───────────────────────────────────────────────────────────────────────────────────────

/** Image extensions: `icon@2x.png` is a file name, not an address. */
const IMAGE_EXTENSIONS = new Set(["png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "tif", "tiff"]);

function emailValid(value: string): boolean {
  const at = value.lastIndexOf("@");
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split(".");
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) return false;
  if (labels.some((label) => label === "" || label.startsWith("-") || label.endsWith("-"))) return false;
  return !IMAGE_EXTENSIONS.has((labels[labels.length - 1] ?? "").toLowerCase());
}

// ── Phone numbers ───────────────────────────────────────────────────────────────────────────────

/** International: + country code, then digits in up to six groups parted by single separators, one group may be in parentheses. */
const PHONE_E164 = String.raw`\+[1-9]\d{0,2}[ .-]?\(?\d{1,4}\)?[ .-]?\d{1,4}[ .-]?\d{1,4}[ .-]?\d{1,4}[ .-]?\d{1,4}`;
/** North American (NANP): (NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, NXX NXX XXXX. */
const PHONE_NANP = String.raw`\(?[2-9]\d{2}\)?[ .-]?[2-9]\d{2}[ .-]\d{4}`;
/** National with a trunk 0 (most of Europe, Australia, India, …): 0 + area + number in groups. */
const PHONE_TRUNK = String.raw`0[1-9]\d{0,3}[ .-]?\d{1,4}[ .-]?\d{1,4}[ .-]?\d{1,4}[ .-]?\d{1,4}`;

function phoneValid(value: string): boolean {
  const digits = digitsOf(value).length;
  const open = value.indexOf("(");
  const close = value.indexOf(")");
  // At most one pair of parentheses, in order, around a group.
  if (open !== value.lastIndexOf("(") || close !== value.lastIndexOf(")") || open < 0 !== close < 0 || close < open) return false;
  if (value.startsWith("+")) return digits >= 8 && digits <= 15;
  const separators = value.replace(/[0-9()]/g, "");
  if (value.startsWith("0")) return (digits === 10 || digits === 11) && separators.length > 0 && sameSeparators(value.replace(/[()]/g, ""));
  // NANP: with parentheses any separators; without, two equal ones (415-555-2671, not 415555-2671).
  return digits === 10 && (open === 0 || (separators.length === 2 && sameSeparators(value)));
}

// ── Payment cards ───────────────────────────────────────────────────────────────────────────────

/** Issuer identification number ranges (ISO/IEC 7812) and the lengths each network issues. */
const CARD_ISSUERS: ReadonlyArray<{ ranges: ReadonlyArray<readonly [string, string]>; lengths: readonly number[] }> = [
  { ranges: [["4", "4"]], lengths: [13, 16, 19] }, // Visa
  {
    ranges: [
      ["51", "55"],
      ["2221", "2720"],
    ],
    lengths: [16],
  }, // Mastercard
  {
    ranges: [
      ["34", "34"],
      ["37", "37"],
    ],
    lengths: [15],
  }, // American Express
  {
    ranges: [
      ["6011", "6011"],
      ["644", "649"],
      ["65", "65"],
    ],
    lengths: [16, 17, 18, 19],
  }, // Discover
  {
    ranges: [
      ["300", "305"],
      ["3095", "3095"],
      ["36", "36"],
      ["38", "39"],
    ],
    lengths: [14, 15, 16, 17, 18, 19],
  }, // Diners Club
  { ranges: [["3528", "3589"]], lengths: [16, 17, 18, 19] }, // JCB
  { ranges: [["62", "62"]], lengths: [16, 17, 18, 19] }, // UnionPay
  { ranges: [["2200", "2204"]], lengths: [16, 17, 18, 19] }, // Mir
  {
    ranges: [
      ["5018", "5018"],
      ["5020", "5020"],
      ["5038", "5038"],
      ["5893", "5893"],
      ["6304", "6304"],
      ["6759", "6759"],
      ["6761", "6763"],
    ],
    lengths: [13, 14, 15, 16, 17, 18, 19],
  }, // Maestro
  {
    ranges: [
      ["60", "60"],
      ["81", "82"],
      ["508", "508"],
      ["353", "353"],
      ["356", "356"],
    ],
    lengths: [16],
  }, // RuPay
];

function knownIssuer(digits: string): boolean {
  return CARD_ISSUERS.some(
    ({ ranges, lengths }) =>
      lengths.includes(digits.length) &&
      ranges.some(([from, to]) => {
        const prefix = Number(digits.slice(0, from.length));
        return prefix >= Number(from) && prefix <= Number(to);
      }),
  );
}

function cardValid(value: string): boolean {
  const digits = digitsOf(value);
  return sameSeparators(value) && digits.length >= 13 && digits.length <= 19 && knownIssuer(digits) && luhnValid(digits);
}

// ── IBAN ────────────────────────────────────────────────────────────────────────────────────────

/** IBAN country codes and lengths (ISO 13616 registry, SWIFT). */
const IBAN_REGISTRY =
  "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 " +
  "GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 " +
  "PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30";
const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(IBAN_REGISTRY.split(" ").map((entry) => [entry.slice(0, 2), Number(entry.slice(2))]));

/**
 * After the country code and check digits, the BBAN of each registered length, in groups of four
 * (the print format) or unbroken; longest first, so a longer IBAN is never cut to a shorter one.
 */
const IBAN_BODIES = [...new Set(IBAN_LENGTHS.values())]
  .sort((a, b) => b - a)
  .map((length) => {
    const rest = length - 4;
    const groups = Array.from({ length: Math.floor(rest / 4) }, () => " ?[A-Z0-9]{4}");
    if (rest % 4 > 0) groups.push(` ?[A-Z0-9]{${rest % 4}}`);
    return groups.join("");
  });

/** ISO 13616 / ISO 7064 MOD 97-10: the country code and check digits moved to the end, letters as 10–35, the number mod 97 is 1. */
export function ibanValid(value: string): boolean {
  const compact = value.replace(/ /g, "");
  if (IBAN_LENGTHS.get(compact.slice(0, 2)) !== compact.length) return false;
  // Printed IBANs are spaced every four characters or not at all.
  if (compact !== value && value !== compact.replace(/(.{4})(?!$)/g, "$1 ")) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const number = code >= 65 ? code - 55 : code - 48;
    rest = (rest * (number >= 10 ? 100 : 10) + number) % 97;
  }
  return rest === 1;
}

// ── National identifiers ────────────────────────────────────────────────────────────────────────

/** US SSN: area 001–899 except 666, group 01–99, serial 0001–9999 (SSA); the two SSA advertising numbers are not findings. */
function ssnValid(value: string): boolean {
  const digits = digitsOf(value);
  const area = Number(digits.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (digits.slice(3, 5) === "00" || digits.slice(5) === "0000") return false;
  return digits !== "078051120" && digits !== "219099999";
}

/** UK National Insurance number: prefixes HMRC never issues. */
const NINO_NOT_ISSUED = new Set(["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]);

/** A UK National Insurance number whose prefix HMRC issues. */
function ninoIssued(value: string): boolean {
  return !NINO_NOT_ISSUED.has(value.slice(0, 2));
}

/** Canadian SIN: Luhn, and a first digit that names a region (0 and 8 are not issued). */
function sinValid(value: string): boolean {
  const digits = digitsOf(value);
  return sameSeparators(value) && digits[0] !== "0" && digits[0] !== "8" && luhnValid(digits);
}

/**
 * French NIR (numéro de sécurité sociale): sex 1–4/7/8, birth year, month 01–12 (20–42 and 50–99 for
 * unknown months), department (2A/2B count as 19/18), commune, order, and key = 97 − (number mod 97).
 */
function nirValid(value: string): boolean {
  const compact = value.replace(/ /g, "");
  const month = Number(compact.slice(3, 5));
  if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50)) return false;
  const number = compact.slice(0, 13).replace(/2A/i, "19").replace(/2B/i, "18");
  return 97 - decimalMod(number, 97) === Number(compact.slice(13));
}

/**
 * German tax id (Steuerliche Identifikationsnummer): 11 digits, no leading 0; in the first ten one
 * digit occurs twice or three times (three not in a row) and the others at most once; the last is
 * the ISO 7064 MOD 11,10 check digit.
 */
function steuerIdValid(value: string): boolean {
  const digits = digitsOf(value);
  const counts = new Array<number>(10).fill(0);
  for (const char of digits.slice(0, 10)) counts[Number(char)] = (counts[Number(char)] ?? 0) + 1;
  const repeated = counts.filter((count) => count > 1);
  if (repeated.length !== 1 || (repeated[0] ?? 0) > 3) return false;
  // A digit three times must not stand three in a row.
  for (let i = 2; i < 10; i++) if (digits[i] === digits[i - 1] && digits[i] === digits[i - 2]) return false;
  let product = 10;
  for (const char of digits.slice(0, 10)) {
    let sum = (Number(char) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = (11 - product) % 10;
  return check === Number(digits[10]);
}

const DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE";

/** Spanish DNI: 8 digits and the letter DNI_LETTERS[number mod 23]. */
function dniValid(value: string): boolean {
  const compact = value.replace("-", "");
  return DNI_LETTERS[decimalMod(compact.slice(0, 8), 23)] === compact[8];
}

/** Spanish NIE: X/Y/Z (read as 0/1/2) + 7 digits, and the DNI letter of that 8-digit number. */
function nieValid(value: string): boolean {
  const compact = value.replace(/-/g, "");
  const number = String("XYZ".indexOf(compact[0] ?? "")) + compact.slice(1, 8);
  return DNI_LETTERS[decimalMod(number, 23)] === compact[8];
}

/** Italian codice fiscale: the odd-position values of each character (DM 23/12/1976). */
const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
/** Omocodia: digits replaced by these letters when two people would share a code. */
const CF_OMOCODIA = "LMNPQRSTUV";

/** Italian codice fiscale: a day of birth 1–31 (41–71 for women) and the check letter (sum of odd/even values mod 26). */
function codiceFiscaleValid(value: string): boolean {
  const day = Number(
    value
      .slice(9, 11)
      .split("")
      .map((char) => (CF_OMOCODIA.includes(char) ? String(CF_OMOCODIA.indexOf(char)) : char))
      .join(""),
  );
  if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const code = value.charCodeAt(i);
    const index = code >= 65 ? code - 65 : code - 48;
    // Positions are counted from 1: the 1st, 3rd, … characters are odd.
    sum += i % 2 === 0 ? (CF_ODD[index] ?? 0) : index;
  }
  return String.fromCharCode(65 + (sum % 26)) === value[15];
}

/** Dutch BSN: the 11-test, 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 (mod 11), and not all zeros. */
function bsnValid(value: string): boolean {
  const digits = digitsOf(value);
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * Number(digits[i]);
  sum -= Number(digits[8]);
  return sum % 11 === 0 && digits !== "000000000";
}

/** Indian Aadhaar: 12 digits, the first 2–9, grouped 4-4-4 by one kind of separator, Verhoeff check digit. */
const aadhaarValid = (value: string) => sameSeparators(value) && verhoeffValid(digitsOf(value));

/** Brazilian CPF: two mod-11 check digits; the eleven-same-digit numbers pass the arithmetic and are not issued. */
function cpfValid(value: string): boolean {
  const digits = digitsOf(value);
  if (new Set(digits).size === 1) return false;
  const check = (length: number) => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += Number(digits[i]) * (length + 1 - i);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  return check(9) === Number(digits[9]) && check(10) === Number(digits[10]);
}

// ── Health identifiers (US) ─────────────────────────────────────────────────────────────────────

/** A National Provider Identifier: Luhn over the 10 digits prefixed with 80840 (the US health industry's ISO 7812 issuer prefix). */
export function npiValid(value: string): boolean {
  const digits = digitsOf(value);
  return digits.length === 10 && luhnValid(`80840${digits}`);
}

/** The letters a DEA registration number starts with: the registrant's type (A, B, F, G practitioners; M mid-level; P–U distributors; X narcotic treatment; …). */
const DEA_REGISTRANT_TYPES = "ABCDEFGHJKLMPRSTUX";

/** A DEA registration number: a registrant-type letter, a letter or 9, 7 digits, the last = (d1 + d3 + d5 + 2·(d2 + d4 + d6)) mod 10. */
export function deaValid(value: string): boolean {
  const upper = value.toUpperCase();
  if (!DEA_REGISTRANT_TYPES.includes(upper.charAt(0))) return false;
  const d = upper.slice(2).split("").map(Number);
  if (d.length !== 7 || d.some((digit) => Number.isNaN(digit))) return false;
  const sum = (d[0] ?? 0) + (d[2] ?? 0) + (d[4] ?? 0) + 2 * ((d[1] ?? 0) + (d[3] ?? 0) + (d[5] ?? 0));
  return sum % 10 === d[6];
}

/** A letter a Medicare Beneficiary Identifier may hold: A–Z without S, L, O, I, B and Z. */
const MBI_LETTER = "[AC-HJKMNP-RT-Y]";
const MBI_ALNUM = "[AC-HJKMNP-RT-Y0-9]";
/** The MBI's 11 places (C A AN N A AN N A A N N), unbroken or dashed after the 4th and 7th. */
const MBI = `[1-9]${MBI_LETTER}${MBI_ALNUM}\\d(?:${MBI_LETTER}${MBI_ALNUM}\\d${MBI_LETTER}{2}|-${MBI_LETTER}${MBI_ALNUM}\\d-${MBI_LETTER}{2})\\d{2}`;

/** An ICD-10 code with its subcategory: a letter, a digit, a digit or letter, a dot, 1–4 digits or letters. */
const ICD10 = String.raw`[A-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4}`;

// ── The table ───────────────────────────────────────────────────────────────────────────────────

/** No letter or digit on either side. */
const ALNUM_BEFORE = "(?<![A-Za-z0-9])";
const ALNUM_AFTER = "(?![A-Za-z0-9])";

export const PERSONAL_DATA_RULES: readonly PersonalDataRule[] = [
  {
    id: "email",
    description:
      "Email address: local part (≤ 64 of A–Z a–z 0–9 . _ % + -) @ domain with a TLD of 2–63 letters; no leading, trailing or double dot; not an image name like icon@2x.png.",
    keywords: ["@"],
    // Not after `:` or `/` (save mailto:): in `scheme://user:password@host` the part before the @ is a
    // password or a user name, found (or not) by the connection-string rules.
    pattern: rx(String.raw`(?:(?<=mailto:)|(?<![\w.%+:/-]))[\w.%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}(?![\w-])`),
    validate: emailValid,
  },
  {
    id: "phone_number",
    description:
      "Phone number: international +<country code> with 8–15 digits; North American (415) 555-2671 / 415-555-2671 / 415.555.2671; national with a trunk 0 and 10–11 digits in groups (020 7946 0958, 01 23 45 67 89).",
    keywords: [],
    minDigits: 8,
    pattern: rx(String.raw`(?<![\w+.()/-])(?:${PHONE_E164}|${PHONE_NANP}|${PHONE_TRUNK})(?![\d)])`),
    validate: phoneValid,
  },
  {
    id: "card_number",
    description:
      "Payment card number (PAN): 13–19 digits, unbroken or in groups (4-4-4-4[-1..3], 4-6-4/5) parted by one kind of space or dash, with a known issuer prefix and length (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Mir, Maestro, RuPay) and a valid Luhn digit.",
    keywords: [],
    minDigits: 13,
    pattern: rx(String.raw`(?<![\d-])(?:\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,3}|\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,4}|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19})(?![\d])`),
    validate: cardValid,
  },
  {
    id: "iban",
    description: "IBAN: country code, two check digits and the BBAN, unbroken or in groups of four, of the country's registered length (ISO 13616), valid mod 97.",
    keywords: [],
    minDigits: 7,
    pattern: rx(`${ALNUM_BEFORE}[A-Z]{2}\\d{2}(?:${IBAN_BODIES.join("|")})${ALNUM_AFTER}`),
    validate: ibanValid,
  },
  {
    id: "us_ssn",
    description: "US Social Security number written ddd-dd-dddd or ddd dd dddd: area 001–899 except 666, group ≠ 00, serial ≠ 0000 (no check digit exists).",
    keywords: [],
    minDigits: 9,
    pattern: rx(String.raw`(?<![\d-])(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4})(?![\d-])`),
    validate: ssnValid,
  },
  {
    id: "uk_nino",
    description: "UK National Insurance number: two prefix letters HMRC issues, six digits, suffix A–D (AB123456C, AB 12 34 56 C); no check digit exists.",
    keywords: [],
    minDigits: 6,
    pattern: rx(`${ALNUM_BEFORE}[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]${ALNUM_AFTER}`),
    validate: ninoIssued,
  },
  {
    id: "ca_sin",
    description: "Canadian Social Insurance Number written ddd-ddd-ddd or ddd ddd ddd: first digit 1–7 or 9, Luhn check digit.",
    keywords: [],
    minDigits: 9,
    pattern: rx(String.raw`(?<![\d-])\d{3}[ -]\d{3}[ -]\d{3}(?![\d-])`),
    validate: sinValid,
  },
  {
    id: "fr_nir",
    description: "French social security number (NIR): 13 digits (Corsica 2A/2B) + 2-digit key = 97 − (number mod 97), spaced or not.",
    keywords: [],
    minDigits: 8,
    pattern: rx(`${ALNUM_BEFORE}[1-478] ?\\d{2} ?\\d{2} ?(?:\\d{2}|2[AB]) ?\\d{3} ?\\d{3} ?\\d{2}${ALNUM_AFTER}`),
    validate: nirValid,
  },
  {
    id: "de_tax_id",
    description: "German tax id (Steuer-ID): 11 digits (or dd ddd ddd ddd), one digit repeated in the first ten, ISO 7064 MOD 11,10 check digit.",
    keywords: [],
    minDigits: 11,
    pattern: rx(String.raw`(?<![\d-])(?:[1-9]\d{10}|[1-9]\d \d{3} \d{3} \d{3})(?![\d-])`),
    validate: steuerIdValid,
  },
  {
    id: "es_dni",
    description: "Spanish DNI: 8 digits and the check letter TRWAGMYFPDXBNJZSQVHLCKE[number mod 23].",
    keywords: [],
    minDigits: 8,
    pattern: rx(`${ALNUM_BEFORE}\\d{8}-?[A-Z]${ALNUM_AFTER}`),
    validate: dniValid,
  },
  {
    id: "es_nie",
    description: "Spanish NIE (foreigner id): X, Y or Z, 7 digits and the DNI check letter of the number with X/Y/Z read as 0/1/2.",
    keywords: [],
    minDigits: 7,
    pattern: rx(`${ALNUM_BEFORE}[XYZ]-?\\d{7}-?[A-Z]${ALNUM_AFTER}`),
    validate: nieValid,
  },
  {
    id: "it_codice_fiscale",
    description:
      "Italian codice fiscale: 6 letters, birth year, month letter, day (+40 for women), place code, check letter (odd/even table sum mod 26); omocodia letters allowed.",
    keywords: [],
    minDigits: 2,
    pattern: rx(`${ALNUM_BEFORE}[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]${ALNUM_AFTER}`),
    validate: codiceFiscaleValid,
  },
  {
    id: "nl_bsn",
    description: "Dutch citizen service number (BSN): 9 digits (or dddd.dd.ddd) passing the 11-test, after bsn, burgerservicenummer or sofinummer.",
    keywords: ["bsn", "burgerservicenummer", "sofinummer"],
    pattern: rx(String.raw`(?:bsn|burgerservicenummer|sofinummer)[\w .:#=-]{0,24}?(?<!\d)(\d{9}|\d{4}\.\d{2}\.\d{3})(?![\d.])`, "gi"),
    group: 1,
    validate: bsnValid,
  },
  {
    id: "in_aadhaar",
    description: "Indian Aadhaar number written dddd dddd dddd or dddd-dddd-dddd: first digit 2–9, Verhoeff check digit.",
    keywords: [],
    minDigits: 12,
    pattern: rx(String.raw`(?<![\d-])[2-9]\d{3}[ -]\d{4}[ -]\d{4}(?![\d-])`),
    validate: aadhaarValid,
  },
  {
    id: "in_pan",
    description:
      "Indian Permanent Account Number (PAN): 3 letters, a holder-type letter (P, C, H, F, A, T, B, L, J, G), a letter, 4 digits, a letter (the check letter's algorithm is not published).",
    keywords: [],
    minDigits: 4,
    pattern: rx(`${ALNUM_BEFORE}[A-Z]{3}[ABCFGHJLPT][A-Z]\\d{4}[A-Z]${ALNUM_AFTER}`),
  },
  {
    id: "br_cpf",
    description: "Brazilian CPF written ddd.ddd.ddd-dd: two mod-11 check digits; eleven equal digits are not findings.",
    keywords: [],
    minDigits: 11,
    pattern: rx(String.raw`(?<![\d.-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\d-])`),
    validate: cpfValid,
  },
  // Protected health information (HIPAA's identifiers of a patient, a provider or a prescription): numbers
  // that say nothing without their keyword, so each is found only with it (or, for diagnosis codes, in a
  // text that speaks of a diagnosis).
  {
    id: "us_medical_record_number",
    description:
      'US medical record number (MRN): up to 3 letters and 5–12 digits (MR-0044123, 00123456) right after mrn, medical record, medical record number/no/id or medical_record_number (a separator of . : # = - quotes or spaces between, as in `"mrn": "00123456"`).',
    keywords: ["mrn", "medical"],
    pattern: rx(
      String.raw`(?<![A-Za-z])(?:mrn|medical[ _-]?record(?:[ _-](?:number|num|no|id)|number|num|no|id)?)(?![a-z])[ .:#="'-]{0,8}(?<![A-Za-z0-9])([A-Za-z]{0,3}-?\d{5,12})(?![A-Za-z0-9])`,
      "gi",
    ),
    group: 1,
  },
  {
    id: "us_npi",
    description: "US National Provider Identifier (NPI): 10 digits starting 1 or 2, Luhn check digit over the number prefixed 80840, after npi or national provider identifier.",
    keywords: ["npi", "national provider"],
    pattern: rx(String.raw`(?<![A-Za-z])(?:npi|national provider identifier)(?![a-z])[\w .:#="'-]{0,24}?(?<!\d)([12]\d{9})(?!\d)`, "gi"),
    group: 1,
    validate: npiValid,
  },
  {
    id: "us_dea_number",
    description:
      "US DEA registration number (prescribers): a registrant-type letter (A–H, J–M, P–U, X), a letter or 9, 7 digits, the last = (d1 + d3 + d5 + 2·(d2 + d4 + d6)) mod 10, after dea.",
    keywords: ["dea"],
    pattern: rx(String.raw`(?<![A-Za-z])dea(?![a-z])[\w .:#="'-]{0,24}?(?<![A-Za-z0-9])([A-Za-z][A-Za-z9]\d{7})(?![A-Za-z0-9])`, "gi"),
    group: 1,
    validate: deaValid,
  },
  {
    id: "us_mbi",
    description:
      "US Medicare Beneficiary Identifier (MBI): 11 places, digit 1–9, letter, letter or digit, digit, letter, letter or digit, digit, two letters, two digits (letters without S L O I B Z), unbroken or dashed 4-3-4 (1EG4-TE5-MK73), after mbi or medicare.",
    keywords: ["mbi", "medicare"],
    pattern: rx(`(?<![A-Za-z])(?:mbi(?![a-z])|medicare)[\\w .:#="'-]{0,32}?(?<![A-Za-z0-9])(${MBI})(?![A-Za-z0-9])`, "gi"),
    group: 1,
  },
  {
    id: "icd10_code",
    description:
      "ICD-10 diagnosis codes with their subcategory (E11.9, F32.A, S72.001A: a letter, a digit, a digit or letter, a dot, 1–4 digits or letters) within 40 characters after diagnosis (diagnosed, …), dx or ICD-10: the first code after each of those words (in a list, the others are not found).",
    keywords: ["diagnos", "dx", "icd"],
    pattern: rx(`(?<![A-Za-z])(?:diagnos[a-z]{0,6}|dx|icd[ -]?10(?:[ -]cm|cm)?)(?![a-z])[\\w ,.:;#=()/"'-]{0,40}?(?<![A-Za-z0-9.])(${ICD10})(?![A-Za-z0-9])`, "gi"),
    group: 1,
  },
];
