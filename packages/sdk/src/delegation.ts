/** What delegation needs besides the calls: the `ttl` option read into seconds, `Symbol.asyncDispose` on every runtime, and fan-out. */
import { GatehouseError } from "./errors.ts";

declare global {
  interface SymbolConstructor {
    /**
     * The well-known symbol of `await using` (TypeScript's `esnext.disposable` lib and `@types/node`
     * declare it the same way). Declared here too so the SDK's types compile without either.
     */
    readonly asyncDispose: unique symbol;
  }
}

/**
 * The key of `DelegatedAgent`'s dispose method: `Symbol.asyncDispose` where the runtime has it, else
 * `Symbol.for("Symbol.asyncDispose")`, so loading the SDK never fails on an older runtime (install a
 * polyfill that sets `Symbol.asyncDispose` to that registered symbol before loading the SDK to use
 * `await using` there).
 */
export const asyncDispose: typeof Symbol.asyncDispose = ((Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for("Symbol.asyncDispose")) as typeof Symbol.asyncDispose;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/**
 * A delegation's lifetime in whole seconds: a number of seconds, or text of one or more
 * `<number><unit>` parts with the units `s`, `m`, `h`, `d` (`"90s"`, `"15m"`, `"1h30m"`, `"1d"`;
 * digits alone are seconds). Anything else, or zero, is a `GatehouseError` with code `INVALID_OPTION`.
 * The server caps it (at most 24 hours, and no longer than the parent's own delegation has left).
 */
export function ttlSeconds(ttl: number | string): number {
  if (typeof ttl === "number") {
    if (Number.isInteger(ttl) && ttl > 0) return ttl;
    throw invalidTtl(String(ttl));
  }
  const text = typeof ttl === "string" ? ttl.trim().toLowerCase() : "";
  if (/^\d+$/.test(text)) return positive(Number(text), ttl);
  if (!/^(\d+[smhd])+$/.test(text)) throw invalidTtl(String(ttl));
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhd])/g)) seconds += Number(amount) * (UNIT_SECONDS[unit ?? "s"] ?? 1);
  return positive(seconds, ttl);
}

function positive(seconds: number, given: string): number {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw invalidTtl(given);
  return seconds;
}

function invalidTtl(given: string): GatehouseError {
  return new GatehouseError(`Invalid ttl ${JSON.stringify(given)}: expected whole seconds (900) or a duration like "15m", "2h", "1h30m"`, { code: "INVALID_OPTION" });
}

/** One task of `Gatehouse.parallel`: a promise already under way, or a function that starts one. */
export type ParallelTask<T = unknown> = PromiseLike<T> | (() => T | PromiseLike<T>);

/** What a task settles with. */
export type ParallelValue<Task> = Task extends () => infer R ? Awaited<R> : Awaited<Task>;

/** Options of `Gatehouse.parallel`. */
export interface ParallelOptions {
  /**
   * How many of the function tasks run at once; the next starts when one settles. Promises passed
   * in are already running and are only awaited. Default: all at once.
   */
  concurrency?: number;
}

/** What `Gatehouse.parallel` resolves with: each task's settled result, in the order of the tasks. */
export type ParallelResults<Tasks extends readonly unknown[]> = { -readonly [K in keyof Tasks]: PromiseSettledResult<ParallelValue<Tasks[K]>> };

/**
 * Runs the tasks side by side (functions at most `concurrency` at a time) and resolves, once every
 * one has settled, with their results as `Promise.allSettled` gives them, in the tasks' order. It
 * never rejects for a task's failure: a task that throws, synchronously or not, is a `rejected` result.
 */
export async function parallel<const Tasks extends readonly ParallelTask[]>(tasks: Tasks, options: ParallelOptions = {}): Promise<ParallelResults<Tasks>> {
  const { concurrency = Number.POSITIVE_INFINITY } = options;
  if (!(concurrency === Number.POSITIVE_INFINITY || (Number.isInteger(concurrency) && concurrency > 0))) {
    throw new GatehouseError("Invalid concurrency: expected a whole number ≥ 1", { code: "INVALID_OPTION" });
  }
  const results: PromiseSettledResult<unknown>[] = new Array<PromiseSettledResult<unknown>>(tasks.length);
  const settle = async (index: number): Promise<void> => {
    const task = tasks[index];
    try {
      const value = await (typeof task === "function" ? task() : task);
      results[index] = { status: "fulfilled", value };
    } catch (reason) {
      results[index] = { status: "rejected", reason };
    }
  };
  // Promises are already running: only await them. Functions take turns, `concurrency` at a time.
  const started = tasks.flatMap((task, index) => (typeof task === "function" ? [] : [settle(index)]));
  const queue = tasks.flatMap((task, index) => (typeof task === "function" ? [index] : []));
  const worker = async (): Promise<void> => {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) await settle(index);
  };
  await Promise.all([...started, ...Array.from({ length: Math.min(queue.length, concurrency) }, worker)]);
  return results as ParallelResults<Tasks>;
}
