import { z } from "zod";

// The fields every process's env.ts reads its variables with (apps/api, apps/worker, apps/web and packages/db's own),
// and the one way each gathers its problems. Zod only, no node: module: the console's env.ts, which its proxy reads
// too, imports this file through @gatehouse/db/env-fields.

/** An empty or blank variable (`SMTP_URL=`, as docker compose passes `${SMTP_URL:-}`) counts as unset. */
export function unsetWhenBlank<T extends z.ZodType>(inner: T) {
  return z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), inner);
}

interface WholeNumberOptions {
  min: number;
  max?: number;
}

function wholeNumberIn({ min, max = Number.MAX_SAFE_INTEGER }: WholeNumberOptions, what = "a whole number") {
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
  const message = `must be ${what} ${range}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
}

/** A whole number within bounds (a count, a limit, a duration in ms or s); blank or unset: `fallback`, or undefined without one. */
export function wholeNumber(options: WholeNumberOptions & { default: number }): z.ZodType<number>;
export function wholeNumber(options: WholeNumberOptions): z.ZodType<number | undefined>;
export function wholeNumber(options: WholeNumberOptions & { default?: number }): z.ZodType<number | undefined> {
  const inner = wholeNumberIn(options);
  return unsetWhenBlank(options.default === undefined ? inner.optional() : inner.default(options.default));
}

/** A TCP port to listen on; `anyFree` admits 0 (the system picks a free one). Blank or unset: `default`, or undefined without one. */
export function port(options: { default: number; anyFree?: boolean }): z.ZodType<number>;
export function port(options?: { anyFree?: boolean }): z.ZodType<number | undefined>;
export function port(options: { default?: number; anyFree?: boolean } = {}): z.ZodType<number | undefined> {
  const inner = wholeNumberIn({ min: options.anyFree ? 0 : 1, max: 65535 }, "a port");
  return unsetWhenBlank(options.default === undefined ? inner.optional() : inner.default(options.default));
}

/**
 * A switch: 1 (or true) turns it on; 0 (or false), blank or unset leave it off. `digitsOnly` refuses true and false,
 * for a switch that only a launcher sets (GATEHOUSE_DEVELOPMENT) or one that weakens a guard.
 */
export function flag({ digitsOnly = false, message = digitsOnly ? "must be 1 or 0" : "must be 1 or 0 (true or false)" }: { digitsOnly?: boolean; message?: string } = {}) {
  const values = digitsOnly ? (["1", "0"] as const) : (["1", "0", "true", "false"] as const);
  return unsetWhenBlank(
    z
      .enum(values, { error: message })
      .optional()
      .transform((value) => value === "1" || value === "true"),
  );
}

/** GATEHOUSE_DEVELOPMENT: 1 only when the process was started for development (`npm start` sets it); never inferred. */
export function startedForDevelopment() {
  return flag({ digitsOnly: true, message: "must be 1 (started for development, as `npm start` sets it) or 0" });
}

/** An http(s) URL; blank or unset: undefined. */
export function httpUrl(message = "must be an http(s) URL") {
  return unsetWhenBlank(z.url({ protocol: /^https?$/, error: message }).optional());
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** pino's levels; `info` unless set. */
export function logLevel() {
  return unsetWhenBlank(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"));
}

type Readers = Record<string, (source: Readonly<Record<string, string | undefined>>) => unknown>;

/**
 * An environment read by `schema`, and by each of `readers` (which throw naming their variable), with every problem of
 * either named in one error: `Invalid environment for <owner>: VARIABLE: what is wrong; …`.
 */
export function readEnvironment<S extends z.ZodType, R extends Readers = Record<never, never>>(
  owner: string,
  schema: S,
  source: Readonly<Record<string, string | undefined>>,
  readers: R = {} as R,
): z.output<S> & { [K in keyof R]: ReturnType<R[K]> } {
  const parsed = schema.safeParse(source);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  const read: Record<string, unknown> = {};
  for (const [name, reader] of Object.entries(readers)) {
    try {
      read[name] = reader(source);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new Error(`Invalid environment for ${owner}: ${problems.join("; ")}`);
  return { ...(parsed.data as object), ...read } as z.output<S> & { [K in keyof R]: ReturnType<R[K]> };
}
