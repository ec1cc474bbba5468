// `npm start` is for a person at a terminal: the API's and the worker's JSON log lines (pino) are
// rewritten as one readable line each ("warn  rate counter unavailable  reqId=…"). Production entry
// points (`npm run api`, `npm run worker`, Docker) keep writing JSON; LOG_FORMAT=json keeps it here too.

const LEVELS: Readonly<Record<number, string>> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

/** Fields every line has, or that the prefix already says: not repeated after the message. */
const OMITTED = new Set(["level", "time", "pid", "hostname", "msg", "role", "v"]);

const MAX_EXTRAS = 240;

function extra(value: unknown): string {
  if (typeof value === "string") return /\s/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === "object" && value !== null && "message" in value && typeof value.message === "string") return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line as "level  message  key=value …"; any other line as it is. */
export function formatLogLine(line: string): string {
  if (!line.startsWith("{")) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return line;
  const record = parsed as Record<string, unknown>;
  const level = typeof record.level === "number" ? LEVELS[record.level] : typeof record.level === "string" ? record.level : undefined;
  if (!level || typeof record.msg !== "string") return line;
  const extras = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${extra(value)}`)
    .join(" ");
  const tail = extras.length > MAX_EXTRAS ? `${extras.slice(0, MAX_EXTRAS - 1)}…` : extras;
  return `${level.padEnd(5)} ${record.msg}${tail ? `  ${tail}` : ""}`;
}
