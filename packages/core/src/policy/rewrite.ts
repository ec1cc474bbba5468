import { z } from "zod";
import { safeString } from "../input";
import { isRecord, read, remove, write, type Json } from "./rewrite-changes";

/**
 * Graduated effects (docs/policies.md, Rewriting a call): beside allow, deny and require approval, a
 * policy may `redact` named fields of a call (removed, or masked with a text of its own) or `transform`
 * them (a number capped or raised to a bound, a field pinned to a value). Whenever the policy applies
 * (enforce mode, its patterns match and its `when` holds) its rewrites hold, whatever effect wins: the
 * answer carries the changes the agent must make, the adapters make them before the tool runs, and the
 * decision, its entry and its approval are of the call as rewritten.
 *
 * The changes a decision answers never echo what the agent sent: a field is removed, or set to a value
 * the policy wrote (a mask, a pinned value, a bound), so the answer can be stored and logged as it is.
 */

/** `metadata.<key>…`: up to 8 keys as conditions name them, `*` standing for every element of an array. */
const REWRITE_PATH = /^metadata(\.([A-Za-z0-9_-]{1,64}|\*)){1,8}$/;
/** Who asked (`metadata.requestedBy`) is what separation of duties reads: no policy rewrites it. */
const REQUESTER_PATH = /^metadata\.requestedBy(\.|$)/;

export const rewritePathSchema = z
  .string()
  .regex(REWRITE_PATH, "must be a field of the call like 'metadata.arguments.amount' (up to 8 keys; '*' for every element of an array)")
  .refine((path) => !REQUESTER_PATH.test(path), "may not rewrite metadata.requestedBy (separation of duties reads who asked)");

/** A value a policy pins a field to: a scalar, so what the answer carries is the policy's own text. */
const pinnedValueSchema = z.union([safeString().max(1000), z.number().finite(), z.boolean(), z.null()]);

export const policyRedactSchema = z
  .array(
    z.strictObject({
      path: rewritePathSchema,
      mask: safeString()
        .max(200)
        .optional()
        .describe("The text the value is replaced with (`[card number]`); without it the field is removed (in an array, the element becomes null)."),
    }),
  )
  .min(1)
  .max(50)
  .describe(
    "Fields of the calls this policy applies to that are removed or masked before the tool runs (docs/policies.md, Rewriting a call): the answer's `rewritten` says which, and the decision, its entry and its approval are of the call as rewritten.",
  );

export const policyTransformSchema = z
  .array(
    z
      .strictObject({
        path: rewritePathSchema,
        max: z.number().finite().optional().describe("A number above it is lowered to it."),
        min: z.number().finite().optional().describe("A number below it is raised to it."),
        set: pinnedValueSchema.optional().describe("The field is pinned to this value (created when the call lacks it and the path names no '*')."),
      })
      .superRefine((rule, ctx) => {
        const bounded = rule.max !== undefined || rule.min !== undefined;
        if (rule.set !== undefined && bounded) ctx.addIssue({ code: "custom", path: ["set"], message: "pins a value: it cannot also hold 'max' or 'min'" });
        else if (rule.set === undefined && !bounded) ctx.addIssue({ code: "custom", path: ["set"], message: "a transform needs 'set', or 'max' and/or 'min'" });
        if (rule.max !== undefined && rule.min !== undefined && rule.min > rule.max) ctx.addIssue({ code: "custom", path: ["min"], message: "must not be above 'max'" });
      }),
  )
  .min(1)
  .max(50)
  .describe(
    "Declarative rewrites of the calls this policy applies to (docs/policies.md, Rewriting a call): `max` / `min` bound a number, `set` pins a field to a value. A bounded field that holds something other than a number refuses the call (`REWRITE_REFUSED`).",
  );

export type PolicyRedact = z.output<typeof policyRedactSchema>;
export type PolicyTransform = z.output<typeof policyTransformSchema>;

/** The rewrites one applying policy brings to a decision. */
export interface PolicyRewrite {
  policy: string;
  redact?: PolicyRedact | undefined;
  transform?: PolicyTransform | undefined;
}

/** One change the agent must make before acting: a field removed, or set to a value of the policy's. */
export type RewriteChange = { path: string; op: "remove"; policy: string } | { path: string; op: "set"; value: string | number | boolean | null; policy: string };

export const rewriteChangeSchema = z
  .object({
    path: z.string().describe("The field, as `metadata.<key>…` (array elements by their index)."),
    op: z.enum(["remove", "set"]).describe("`remove`: the field is taken out (an array element becomes null); `set`: it takes `value`."),
    value: z
      .union([z.string(), z.number(), z.boolean(), z.null()])
      .optional()
      .describe("For `set`: the policy's value (a mask, a bound, a pinned value), never one the call sent."),
    policy: z.string().describe("The policy whose rewrite made the change."),
  })
  .describe("A change a policy made to the call.");

export const rewrittenSchema = z
  .object({
    changes: z.array(rewriteChangeSchema).describe("In the order they apply. The answer's `tool.argsDigest` is of the arguments with them made."),
  })
  .describe(
    "Set when a policy's `redact` or `transform` rewrote the call (docs/policies.md, Rewriting a call): act on the call with these changes made — the adapters make them before the tool runs; the decision, its entry and its approval are of the call as rewritten.",
  );
export type Rewritten = z.output<typeof rewrittenSchema>;

/** Why a call's rewrites could not be made: the call is refused (`REWRITE_REFUSED`), never let through as sent. */
export interface RewriteRefusal {
  policy: string;
  path: string;
  message: string;
}

/** The concrete places a path names in `root` (the metadata), as key lists; `*` expands over what is there. */
function locations(root: Record<string, Json>, path: string, create = false): Array<Array<string | number>> {
  const keys = path.split(".").slice(1);
  let frontier: Array<{ value: Json; at: Array<string | number> }> = [{ value: root, at: [] }];
  for (const [index, key] of keys.entries()) {
    const last = index === keys.length - 1;
    const next: typeof frontier = [];
    for (const { value, at } of frontier) {
      if (key === "*") {
        // Over an array's elements only: a change's path then holds the policy's own keys and indices, never a key the call chose.
        if (Array.isArray(value)) value.forEach((item, i) => next.push({ value: item, at: [...at, i] }));
      } else if (isRecord(value) && (Object.hasOwn(value, key) || last || create)) {
        next.push({ value: Object.hasOwn(value, key) ? value[key] : undefined, at: [...at, key] });
      } else if (create && value === undefined) {
        // A value pinned where the call has nothing yet: what holds it is created with it.
        next.push({ value: undefined, at: [...at, key] });
      }
    }
    frontier = next;
  }
  return frontier.map((f) => f.at);
}

const pathText = (at: ReadonlyArray<string | number>) => ["metadata", ...at].join(".");

function sameJson(a: Json, b: Json): boolean {
  return a === b || (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Makes the rewrites of every applying policy on a copy of the metadata, deterministically: the
 * policies in name order, and within the call pinned values first, then bounds (every `max` and
 * `min` holds, so the tightest wins), then masks, then removals (a removed field stays removed,
 * whatever another policy pinned). Two policies pinning one field to different values, or a bound on
 * a field that holds something other than a number, refuse the call: a rewrite that cannot be made
 * is never let through as sent. Answers the metadata as rewritten and the changes, one per field
 * whose value differs from what was sent, in the order the fields were first changed.
 */
export function applyRewrites(
  metadata: Record<string, unknown>,
  rewrites: readonly PolicyRewrite[],
): { metadata: Record<string, unknown>; changes: RewriteChange[] } | { refused: RewriteRefusal } {
  const out = structuredClone(metadata) as Record<string, Json>;
  const ordered = [...rewrites].sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
  const touched = new Map<string, { at: Array<string | number>; policy: string; removed: boolean }>();
  const touch = (at: Array<string | number>, policy: string, removed = false) => {
    const key = pathText(at);
    touched.delete(key);
    touched.set(key, { at, policy, removed });
  };
  const pinned = new Map<string, { value: Json; policy: string }>();
  for (const { policy, transform } of ordered) {
    for (const rule of transform ?? []) {
      if (rule.set === undefined) continue;
      for (const at of locations(out, rule.path, !rule.path.includes("*"))) {
        const key = pathText(at);
        const earlier = pinned.get(key);
        if (earlier && !sameJson(earlier.value, rule.set)) {
          return { refused: { policy, path: key, message: `policies '${earlier.policy}' and '${policy}' pin ${key} to different values` } };
        }
        pinned.set(key, { value: rule.set, policy });
        if (!write(out, at, rule.set)) return { refused: { policy, path: key, message: `${key} cannot be set: what holds it is not an object` } };
        touch(at, policy);
      }
    }
  }
  for (const { policy, transform } of ordered) {
    for (const rule of transform ?? []) {
      if (rule.set !== undefined) continue;
      for (const at of locations(out, rule.path)) {
        const { found, value } = read(out, at);
        if (!found || value === undefined) continue;
        if (typeof value !== "number" || !Number.isFinite(value)) {
          return {
            refused: { policy, path: pathText(at), message: `${pathText(at)} is bounded by policy '${policy}' but holds ${value === null ? "null" : typeof value}, not a number` },
          };
        }
        const bounded = Math.min(rule.max ?? Number.POSITIVE_INFINITY, Math.max(rule.min ?? Number.NEGATIVE_INFINITY, value));
        if (bounded !== value) {
          write(out, at, bounded);
          touch(at, policy);
        }
      }
    }
  }
  for (const { policy, redact } of ordered) {
    for (const rule of redact ?? []) {
      if (rule.mask === undefined) continue;
      for (const at of locations(out, rule.path)) {
        if (!read(out, at).found) continue;
        write(out, at, rule.mask);
        touch(at, policy);
      }
    }
  }
  for (const { policy, redact } of ordered) {
    for (const rule of redact ?? []) {
      if (rule.mask !== undefined) continue;
      for (const at of locations(out, rule.path)) {
        if (!read(out, at).found) continue;
        remove(out, at);
        touch(at, policy, true);
      }
    }
  }
  // A value pinned where the call had nothing creates what holds it; when a removal then took the value out again, what
  // was created for it and is left empty goes too, so that the changes alone (which name fields, not what holds them)
  // give exactly this metadata on the caller's side.
  for (const { at } of touched.values()) {
    for (let depth = at.length - 1; depth > 0; depth -= 1) {
      const holder = at.slice(0, depth);
      const now = read(out, holder).value;
      if (!isRecord(now) || Object.keys(now).length > 0 || read(metadata, holder).found) break;
      remove(out, holder);
    }
  }
  const changes: RewriteChange[] = [];
  for (const [path, { at, policy, removed }] of touched) {
    const before = read(metadata, at);
    if (removed) {
      if (before.found) changes.push({ path, op: "remove", policy });
      continue;
    }
    const after = read(out, at);
    // A field whose holder a later change masked or removed: that later change says all there is to say.
    if (!after.found) continue;
    if (before.found && sameJson(before.value, after.value)) continue;
    changes.push({ path, op: "set", value: after.value as string | number | boolean | null, policy });
  }
  return { metadata: out, changes };
}
