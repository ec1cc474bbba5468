// Display helpers shared by every page of the console. Pure, so server and browser print the same text
// (no locale or time zone of the machine leaks in) and unit tests cover them.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

const pad = (value: number) => String(value).padStart(2, "0");

/**
 * The one way the console writes a moment: "22 Nov 2026, 14:05:09 UTC". Accepts an ISO 8601 string,
 * epoch milliseconds or a Date; anything that is not a time is returned as given (or "—").
 */
export function formatDateTime(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const day = date.getUTCDate();
  const month = MONTHS[date.getUTCMonth()] ?? "";
  return `${day} ${month} ${date.getUTCFullYear()}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC`;
}

/** "1,234": digits grouped by thousands, the same on every machine. */
export function formatCount(value: number): string {
  const [whole = "0", fraction] = String(Math.trunc(Math.abs(value) * 1000) / 1000).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${value < 0 ? "-" : ""}${grouped}${fraction ? `.${fraction}` : ""}`;
}

/**
 * The one way the console counts things: "1 decision", "2 decisions", "1,234 entries". `many` is the
 * plural when it is not `one` + "s".
 */
export function countOf(value: number, one: string, many = `${one}s`): string {
  return `${formatCount(value)} ${pluralWord(value, one, many)}`;
}

/** The word alone, for a count shown apart from it: "decision" for 1, "decisions" otherwise. */
export function pluralWord(value: number, one: string, many = `${one}s`): string {
  return value === 1 ? one : many;
}

/** "912 B", "14.2 KB", "2.1 MB" (powers of 1,000, one decimal below 100). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"] as const;
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const shown = value < 100 ? value.toFixed(1).replace(/\.0$/, "") : String(Math.round(value));
  return `${shown} ${units[unit]}`;
}

/** Cuts `text` to at most `max` characters, ending with "…" when it was longer. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** One value on one line: strings as they are, everything else as compact JSON. */
export function inlineValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "—";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A short digest of an action's metadata for a list row: the first `pairs` key=value pairs, each value cut
 * to `valueLength`, the whole cut to `length` and "+N more" when keys were left out.
 * `{ repo: "acme/web", pr: 7, files: 80 }` → "repo=acme/web · pr=7 · files=80".
 */
export function metadataDigest(
  metadata: Readonly<Record<string, unknown>> | null | undefined,
  options: { pairs?: number; valueLength?: number; length?: number; omit?: readonly string[] } = {},
): string {
  const { pairs = 3, valueLength = 24, length = 80, omit = [] } = options;
  if (!metadata) return "";
  const keys = Object.keys(metadata).filter((key) => !omit.includes(key));
  const shown = keys.slice(0, pairs).map((key) => `${key}=${truncate(inlineValue(metadata[key]), valueLength)}`);
  const more = keys.length - shown.length;
  const digest = truncate(shown.join(" · "), length);
  return more > 0 ? `${digest} · +${more} more` : digest;
}
