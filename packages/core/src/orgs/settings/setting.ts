import { z } from "zod";
import type { Permission } from "../../permissions";

/**
 * One org setting, declared once (issue 44): what the settings read answers, what a change may send, how a change
 * merges onto the value before it, and which changes weaken enforcement. The registry (./registry.ts) lists every
 * setting; the settings read and change (db), the API's contracts and the two-admin rule's table all walk it, so a new
 * setting is its own file here and one line there.
 */
export interface OrgSetting<V, P> {
  /** The value as `GET /v1/admin/settings` answers it, described for the API's document. */
  value: z.ZodType<V>;
  /** The field of a settings change (`PATCH /v1/admin/settings`), described for the API's document. */
  patch: z.ZodType<P>;
  /** The value in an org's stored settings object; missing or invalid reads as the default. */
  read: (orgSettings: unknown) => V;
  /** The value after a change that names this setting (its patch, validated), merged onto the value before it. */
  merge: (before: V, patch: P) => V;
  /** Which changes weaken enforcement: the two-admin rule holds them for a second owner or admin (./weakening-settings). */
  rules: RulesOf<V>;
}

/** One setting's (or one field's) rule: whether going from `before` to `after` weakens enforcement, and what such a change is. */
export interface SettingRule<V> {
  weakens: (before: V, after: V) => boolean;
  /** What a weakening change of this setting is, for people (docs, the approval's summary). */
  weakening: string | null;
  /**
   * The permission (the catalogue, ../../permissions.ts) a weakening change of this setting needs beside `settings.write`,
   * whoever asks and whether or not the two-admin rule is in force; a change that does not weaken it needs only `settings.write`.
   */
  requires?: Permission;
}

type Leaf = string | number | boolean | readonly unknown[];
/** A rule for each leaf of a settings value: the compiler refuses a field added to a setting's schema without one. */
export type Rules<T> = { [K in keyof T]-?: T[K] extends Leaf ? SettingRule<T[K]> : Rules<T[K]> };
export type RulesOf<V> = V extends Leaf ? SettingRule<V> : Rules<V>;

export const raised = (weakening: string): SettingRule<number> => ({ weakens: (before, after) => after > before, weakening });
export const lowered = (weakening: string): SettingRule<number> => ({ weakens: (before, after) => after < before, weakening });
export const switchedOff = (weakening: string): SettingRule<boolean> => ({ weakens: (before, after) => before && !after, weakening });
export const switchedOn = (weakening: string): SettingRule<boolean> => ({ weakens: (before, after) => !before && after, weakening });
/** A setting no change of which lets more through. */
export const neutral = <V>(): SettingRule<V> => ({ weakens: () => false, weakening: null });

type PatchShape<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer Inner> ? Inner : S[K]> };

/**
 * A settings group as a patch: every field optional and none defaulted, so a field left out stays as it
 * is (`.partial()` would fill it with its default: `{ policies: { reportOnly: true } }` would also turn
 * `requireSecondApproval` off).
 */
export function patchOf<S extends z.ZodRawShape>(schema: z.ZodObject<S>): z.ZodObject<PatchShape<S>, z.core.$strict> {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => {
      const optional = z.optional(field instanceof z.ZodDefault ? field.unwrap() : field);
      const { description } = field as z.ZodType;
      return [key, description ? optional.describe(description) : optional];
    }),
  );
  return z.strictObject(shape) as unknown as z.ZodObject<PatchShape<S>, z.core.$strict>;
}

/**
 * A setting that is a group of fields with defaults (`loops: { enabled, maxRepeats, … }`): a change names any of
 * them, and the group after it is validated whole.
 */
export function groupSetting<S extends z.ZodRawShape>(
  schema: z.ZodObject<S>,
  options: { read: (orgSettings: unknown) => z.output<z.ZodObject<S>>; rules: RulesOf<z.output<z.ZodObject<S>>>; describe: string; describeChange: string },
): OrgSetting<z.output<z.ZodObject<S>>, z.output<z.ZodObject<PatchShape<S>>>> {
  return {
    value: schema.describe(options.describe) as unknown as z.ZodType<z.output<z.ZodObject<S>>>,
    patch: patchOf(schema).describe(options.describeChange) as unknown as z.ZodType<z.output<z.ZodObject<PatchShape<S>>>>,
    read: options.read,
    merge: (before, patch) => schema.parse({ ...before, ...patch }),
    rules: options.rules,
  };
}

/** A setting whose change replaces it whole (a number, a list). */
export function wholeSetting<V>(options: { value: z.ZodType<V>; patch: z.ZodType<V>; read: (orgSettings: unknown) => V; rules: RulesOf<V> }): OrgSetting<V, V> {
  return { ...options, merge: (_before, patch) => patch };
}
