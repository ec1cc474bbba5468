import { RE2JS } from "re2js";
import { z } from "zod";
import { canonicalize } from "@gatehouse/tlog/portable";
import { jsonValue } from "../input";

/**
 * The `when` language. A condition is a comparison `{ field, op, value }`, a combinator
 * (`all`, `any`, `not`) or a rate condition `{ rate: { over, windowSeconds, per } }`.
 *
 * Fields: `actionType`, `metadata` and `metadata.<path>`, `dataAccessed` (the entries),
 * `dataAccessed.type` and `dataAccessed.sensitivity` (the entries' values, a list), `dataAccessed.count`
 * (the sum of counts), `agent.id`, `agent.name`, `agent.labels.<key>`, and of delegation:
 * `delegation.depth` (0 for a root agent, 1 for its delegate, …), `delegation.rootAgent` (the root
 * agent's name; the agent's own for a root agent) and `delegation.chain` (the agents' names, root
 * first and the acting agent last: a list). For a delegate, `agent.*` are its root agent's: policies
 * apply to a delegate as to its root.
 *
 * Operators: a missing field makes every comparison false (use `exists`, or `not`, to test absence).
 * On a list, `eq`, `contains`, `matches` and `in` hold when any element does; `not_in` when none does.
 * `lt` `lte` `gt` `gte` compare numbers only. `in` and `not_in` look each value up (a set of the
 * canonical JSON of the list's entries), so a long list in metadata costs its length, not its length
 * times the policy's list. `matches` uses RE2 (re2js): no backreferences or lookaround, and within the
 * decision's match budget (MATCH_BUDGET) or not at all, see below.
 */
export const OPERATORS = ["eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "matches", "exists"] as const;
export type Operator = (typeof OPERATORS)[number];

export type Condition = { field: string; op: Operator; value?: unknown } | { all: Condition[] } | { any: Condition[] } | { not: Condition } | { rate: RateSpec };

export interface RateSpec {
  over: number;
  windowSeconds: number;
  per: "agent" | "org";
}

const FIELD_PATTERN =
  /^(actionType|metadata(\.[A-Za-z0-9_-]{1,64}){0,8}|dataAccessed|dataAccessed\.(type|sensitivity|count)|agent\.(id|name)|agent\.labels\.[A-Za-z0-9_.-]{1,100}|delegation\.(depth|rootAgent|chain)|outcome(\.[A-Za-z0-9_-]{1,64}){1,8})$/;

/** A field of a reported outcome (`outcome.status`, `outcome.<path>` of its data): only post-conditions may name one. */
export const OUTCOME_FIELD_PREFIX = "outcome.";

/** The fields a condition names, walked without recursion (a condition nests at most MAX_DEPTH deep). */
export function conditionFields(condition: Condition): string[] {
  const out: string[] = [];
  const stack: Condition[] = [condition];
  while (stack.length > 0) {
    const c = stack.pop() as Condition;
    if ("field" in c) out.push(c.field);
    else if ("all" in c) stack.push(...c.all);
    else if ("any" in c) stack.push(...c.any);
    else if ("not" in c) stack.push(c.not);
  }
  return out;
}

/** Whether a condition holds a rate (post-conditions may not: an outcome is not counted). */
export function conditionHasRate(condition: Condition): boolean {
  const stack: Condition[] = [condition];
  while (stack.length > 0) {
    const c = stack.pop() as Condition;
    if ("rate" in c) return true;
    if ("all" in c) stack.push(...c.all);
    else if ("any" in c) stack.push(...c.any);
    else if ("not" in c) stack.push(c.not);
  }
  return false;
}
const MAX_DEPTH = 8;

/**
 * `matches` patterns: at most 256 characters each, compiling to at most 300 RE2 instructions (a
 * match costs up to the input's length times that: `\w{1000}` would cost seconds on a 64 KB value),
 * and per set at most 200 patterns of 16,384 characters in all, counted before any is compiled.
 */
export const MAX_PATTERN_CHARS = 256;
export const MAX_PATTERN_PROGRAM = 300;
export const MAX_PATTERNS_PER_SET = 200;
export const MAX_PATTERN_CHARS_PER_SET = 16_384;

const rateSchema = z.strictObject({
  over: z.number().int().min(0).max(1_000_000),
  windowSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600),
  per: z.enum(["agent", "org"]).default("agent"),
});

const comparisonSchema = z
  .strictObject({
    field: z
      .string()
      .regex(
        FIELD_PATTERN,
        "must be actionType, metadata.<path>, dataAccessed[.type|.sensitivity|.count], agent.id, agent.name, agent.labels.<key>, delegation.depth|rootAgent|chain, or in postConditions outcome.status|outcome.<path>",
      ),
    op: z.enum(OPERATORS),
    value: jsonValue().optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: "custom", path: ["value"], message });
    switch (c.op) {
      case "lt":
      case "lte":
      case "gt":
      case "gte":
        if (typeof c.value !== "number" || !Number.isFinite(c.value)) issue(`'${c.op}' compares numbers: value must be a number`);
        break;
      case "in":
      case "not_in":
        if (!Array.isArray(c.value) || c.value.length > 1000) issue(`'${c.op}' needs a list of at most 1000 values`);
        break;
      case "matches": {
        if (typeof c.value !== "string" || c.value.length > MAX_PATTERN_CHARS) issue(`'matches' needs a pattern string of at most ${MAX_PATTERN_CHARS} characters`);
        else {
          try {
            const size = RE2JS.compile(c.value).programSize();
            if (size > MAX_PATTERN_PROGRAM) issue(`compiles to ${size} instructions, more than ${MAX_PATTERN_PROGRAM}: use fewer or smaller counted repetitions ({n,m})`);
          } catch (error) {
            issue(`is not a valid RE2 pattern: ${(error as Error).message}`);
          }
        }
        break;
      }
      case "exists":
        if (c.value !== undefined && typeof c.value !== "boolean") issue("'exists' takes true, false or no value");
        break;
      default:
        if (c.value === undefined) issue(`'${c.op}' needs a value`);
    }
  });

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    comparisonSchema,
    z.strictObject({ all: z.array(conditionSchema).min(1).max(100) }),
    z.strictObject({ any: z.array(conditionSchema).min(1).max(100) }),
    z.strictObject({ not: conditionSchema }),
    z.strictObject({ rate: rateSchema }),
  ]),
) as z.ZodType<Condition>;

/** How deep combinators nest (a comparison is 1), measured without recursion. */
export function conditionDepth(condition: Condition): number {
  let deepest = 0;
  const stack: Array<[Condition, number]> = [[condition, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [Condition, number];
    deepest = Math.max(deepest, depth);
    const children = "all" in item ? item.all : "any" in item ? item.any : "not" in item ? [item.not] : [];
    for (const child of children) stack.push([child, depth + 1]);
  }
  return deepest;
}
export const MAX_CONDITION_DEPTH = MAX_DEPTH;

// ---- evaluation ----------------------------------------------------------------------------

export interface Facts {
  actionType: string;
  agent: { id: string; name: string; labels: Record<string, string> };
  /** A delegate's place in its chain; absent for a root agent (depth 0, itself its root and its chain). */
  delegation?: { depth: number; rootAgent: string; chain: readonly string[] };
  metadata: Record<string, unknown>;
  dataAccessed: ReadonlyArray<{ type: string; count?: number; sensitivity?: string }>;
  /** A reported outcome (post-conditions only): its data, and `status` as reported. */
  outcome?: Record<string, unknown>;
}

export interface ConditionResult {
  field: string;
  operator: string;
  expected: unknown;
  actual?: unknown;
  result: boolean;
}

/** A rate condition's place: which policy version and which of its rate conditions. */
export interface RateRef {
  key: string;
  spec: RateSpec;
}

/** The count of calls in the window including this one, per rate condition key. */
export type RateCounts = ReadonlyMap<string, number>;

/**
 * What the `matches` conditions of one decision may cost. RE2 reads a value once, but keeps up to its
 * program's instructions alive per character read: a match costs at most (characters read + 1) ×
 * instructions steps (about 30–60 ns each at worst on a 2-core host), whatever the pattern and value.
 * Each `matches` condition is charged that cost for the strings it would read (a list: each of its
 * strings) before it runs; a decision may spend at most MATCH_BUDGET. A condition whose charge would
 * go past it does not run: it throws ConditionLimitError, and the decision denies with
 * `CONDITION_LIMIT` (evaluate.ts), never reads a prefix of the value and never guesses.
 */
export const MATCH_BUDGET = 50_000;

/** One decision's spending on `matches` conditions; `spent` never passes `limit`. */
export interface MatchBudget {
  readonly limit: number;
  spent: number;
}

export function matchBudget(limit: number = MATCH_BUDGET): MatchBudget {
  return { limit, spent: 0 };
}

/** A condition that could not be evaluated within the decision's bounds (its value is too long to match). */
export class ConditionLimitError extends Error {
  constructor(
    readonly field: string,
    readonly cost: number,
    readonly left: number,
  ) {
    super(`'matches' on ${field} would cost ${cost}, more than the ${left} left of the decision's match budget`);
    this.name = "ConditionLimitError";
  }
}

export type CompiledCondition = (facts: Facts, rates: RateCounts, trace: ConditionResult[], budget: MatchBudget) => boolean;

function resolve(field: string, facts: Facts): unknown {
  if (field === "actionType") return facts.actionType;
  if (field === "dataAccessed") return facts.dataAccessed;
  if (field === "dataAccessed.type") return facts.dataAccessed.map((d) => d.type);
  if (field === "dataAccessed.sensitivity") return facts.dataAccessed.flatMap((d) => (d.sensitivity ? [d.sensitivity] : []));
  if (field === "dataAccessed.count") return facts.dataAccessed.reduce((sum, d) => sum + (d.count ?? 0), 0);
  if (field === "agent.id") return facts.agent.id;
  if (field === "agent.name") return facts.agent.name;
  if (field === "delegation.depth") return facts.delegation?.depth ?? 0;
  if (field === "delegation.rootAgent") return facts.delegation?.rootAgent ?? facts.agent.name;
  if (field === "delegation.chain") return facts.delegation ? [...facts.delegation.chain] : [facts.agent.name];
  if (field.startsWith("agent.labels.")) {
    const key = field.slice("agent.labels.".length);
    return Object.hasOwn(facts.agent.labels, key) ? facts.agent.labels[key] : undefined;
  }
  // metadata[.path], outcome.<path>
  let value: unknown = field.startsWith(OUTCOME_FIELD_PREFIX) ? facts.outcome : facts.metadata;
  for (const key of field.split(".").slice(1)) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Structural equality of two JSON values, without recursion (metadata can nest as deep as the edge allows). */
function deepEqual(a: unknown, b: unknown): boolean {
  const pairs: Array<[unknown, unknown]> = [[a, b]];
  while (pairs.length > 0) {
    const [left, right] = pairs.pop() as [unknown, unknown];
    if (left === right) continue;
    if (typeof left !== "object" || typeof right !== "object" || left === null || right === null) return false;
    if (Array.isArray(left) !== Array.isArray(right)) return false;
    if (Array.isArray(left) && Array.isArray(right)) {
      if (left.length !== right.length) return false;
      for (let i = 0; i < left.length; i += 1) pairs.push([left[i], right[i]]);
      continue;
    }
    const leftKeys = Object.keys(left);
    if (leftKeys.length !== Object.keys(right).length) return false;
    for (const key of leftKeys) pairs.push([(left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]]);
  }
  return true;
}

/** A key per JSON value that two values share exactly when deepEqual holds (canonical JSON sorts keys). */
function lookupKey(value: unknown): string {
  return typeof value === "string" ? `s${value}` : canonicalize(value);
}

function compileTest(op: Operator, value: unknown, field: string): (actual: unknown, budget: MatchBudget) => boolean {
  const anyOf = (test: (item: unknown) => boolean) => (actual: unknown) => (Array.isArray(actual) ? actual.some(test) : test(actual));
  switch (op) {
    case "exists":
      return value === false ? (actual) => actual === undefined : (actual) => actual !== undefined;
    case "eq":
      return (actual) => deepEqual(actual, value) || (Array.isArray(actual) && actual.some((item) => deepEqual(item, value)));
    case "neq":
      return (actual) => !(deepEqual(actual, value) || (Array.isArray(actual) && actual.some((item) => deepEqual(item, value))));
    case "lt":
      return (actual) => typeof actual === "number" && actual < (value as number);
    case "lte":
      return (actual) => typeof actual === "number" && actual <= (value as number);
    case "gt":
      return (actual) => typeof actual === "number" && actual > (value as number);
    case "gte":
      return (actual) => typeof actual === "number" && actual >= (value as number);
    case "in": {
      const set = new Set((value as unknown[]).map(lookupKey));
      return anyOf((item) => set.has(lookupKey(item)));
    }
    case "not_in": {
      const set = new Set((value as unknown[]).map(lookupKey));
      return (actual) => !(Array.isArray(actual) ? actual : [actual]).some((item) => set.has(lookupKey(item)));
    }
    case "contains":
      return (actual) =>
        typeof actual === "string" ? typeof value === "string" && actual.includes(value) : Array.isArray(actual) && actual.some((item) => deepEqual(item, value));
    case "matches": {
      const regex = RE2JS.compile(value as string);
      const instructions = regex.programSize();
      return (actual, budget) => {
        const items = Array.isArray(actual) ? actual : [actual];
        let cost = 0;
        for (const item of items) if (typeof item === "string") cost += (item.length + 1) * instructions;
        const left = budget.limit - budget.spent;
        if (cost > left) throw new ConditionLimitError(field, cost, left);
        budget.spent += cost;
        return items.some((item) => typeof item === "string" && regex.matcher(item).find());
      };
    }
  }
}

/**
 * Compiles a condition once per policy version. `rateKey` names each rate condition (in document
 * order) so the caller can count calls for it; they are collected into `rates`.
 */
export function compileCondition(condition: Condition, rateKey: (index: number) => string, rates: RateRef[]): CompiledCondition {
  if ("all" in condition) {
    const parts = condition.all.map((c) => compileCondition(c, rateKey, rates));
    return (facts, counts, trace, budget) => parts.every((part) => part(facts, counts, trace, budget));
  }
  if ("any" in condition) {
    const parts = condition.any.map((c) => compileCondition(c, rateKey, rates));
    return (facts, counts, trace, budget) => parts.some((part) => part(facts, counts, trace, budget));
  }
  if ("not" in condition) {
    const inner = compileCondition(condition.not, rateKey, rates);
    return (facts, counts, trace, budget) => !inner(facts, counts, trace, budget);
  }
  if ("rate" in condition) {
    const spec = condition.rate;
    const key = rateKey(rates.length);
    rates.push({ key, spec });
    return (_facts, counts, trace) => {
      const count = counts.get(key);
      // No count means the caller could not count: the condition holds, so a rate-limit policy applies (fail closed).
      const result = count === undefined || count > spec.over;
      trace.push({ field: `rate.${spec.per}`, operator: "over", expected: { over: spec.over, windowSeconds: spec.windowSeconds }, actual: count, result });
      return result;
    };
  }
  const { field, op, value } = condition;
  const test = compileTest(op, value, field);
  return (facts, _counts, trace, budget) => {
    const actual = resolve(field, facts);
    let result: boolean;
    try {
      result = actual !== undefined || op === "exists" ? test(actual, budget) : false;
    } catch (error) {
      // Recorded without the value (too long to be worth echoing); the caller decides CONDITION_LIMIT.
      if (error instanceof ConditionLimitError) trace.push({ field, operator: op, expected: value, result: false });
      throw error;
    }
    trace.push({ field, operator: op, expected: value, ...(actual !== undefined ? { actual } : {}), result });
    return result;
  };
}
