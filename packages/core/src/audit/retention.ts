import { z } from "zod";
import { ERASABLE_FIELDS } from "./erasable-fields";
import type { AuditEntryType } from "./entry-types";

/**
 * Retention of the log's erasable values (docs/audit.md, Retention): per org, how long the values of
 * erasable fields (ERASABLE_FIELDS) are kept, by entry type or by the class of a content finding the
 * entry holds, after which the worker erases them the way an owner's erasure does (the entry, its
 * hashes and every proof stay). 0 keeps them for the life of the org, the default. Where several rules
 * reach one entry, the shortest holds.
 */

export const RETENTION_MAX_DAYS = 36_500;

/** Each rule by entry type: the setting's field and the entry type whose erasable fields it times. */
export const RETENTION_BY_TYPE = {
  decisions: "action.decided",
  outcomes: "action.outcome",
  postconditions: "action.postcondition_violated",
  evidence: "agent.evidence",
} as const satisfies Record<string, AuditEntryType>;

/** Each rule by finding class: the setting's field and the class of content finding (docs/content.md). */
export const RETENTION_BY_CLASS = { personalData: "personalData", secrets: "secrets" } as const;

const days = (what: string) =>
  z
    .number()
    .int()
    .min(0)
    .max(RETENTION_MAX_DAYS)
    .default(0)
    .describe(`Days the values of ${what} are kept, 1 to ${RETENTION_MAX_DAYS.toLocaleString("en-US")}; 0 keeps them (the default).`);

export const retentionSettingsSchema = z.strictObject({
  decisions: days("decisions' erasable fields (metadata, data accessed, conditions' values)"),
  outcomes: days("outcomes' erasable fields (message, data)"),
  postconditions: days("broken post-conditions' conditions' values"),
  evidence: days("agents' own evidence (details)"),
  personalData: days("any of those fields in an entry with a personal-data finding"),
  secrets: days("any of those fields in an entry with a secrets finding"),
  entries: z
    .number()
    .int()
    .min(0)
    .max(RETENTION_MAX_DAYS)
    .default(0)
    .describe(
      `Days whole entries are kept, 1 to ${RETENTION_MAX_DAYS.toLocaleString("en-US")}; 0 keeps them for the life of the org (the default). Past it the worker may drop the month they are in once every org with entries in that month allows it; the log then starts later and the rest stays verifiable (docs/audit.md, Dropping old months).`,
    ),
});
export type RetentionSettings = z.output<typeof retentionSettingsSchema>;

/** The retention settings of an org's settings object; missing or invalid settings keep every value. */
export function retentionSettings(orgSettings: unknown): RetentionSettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { retention?: unknown }).retention : undefined;
  const parsed = retentionSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : retentionSettingsSchema.parse({});
}

/** One rule in force: the entries it reaches (a type, or a finding class in any erasable entry) and its days. */
export type RetentionRule =
  | { kind: "type"; field: keyof typeof RETENTION_BY_TYPE; type: AuditEntryType; days: number }
  | { kind: "class"; field: keyof typeof RETENTION_BY_CLASS; class: string; days: number };

/** The rules in force (a day count above 0), types first. */
export function retentionRules(settings: RetentionSettings): RetentionRule[] {
  const byType = (Object.keys(RETENTION_BY_TYPE) as Array<keyof typeof RETENTION_BY_TYPE>)
    .filter((field) => settings[field] > 0)
    .map((field): RetentionRule => ({ kind: "type", field, type: RETENTION_BY_TYPE[field], days: settings[field] }));
  const byClass = (Object.keys(RETENTION_BY_CLASS) as Array<keyof typeof RETENTION_BY_CLASS>)
    .filter((field) => settings[field] > 0)
    .map((field): RetentionRule => ({ kind: "class", field, class: RETENTION_BY_CLASS[field], days: settings[field] }));
  return [...byType, ...byClass];
}

/** The entry types retention reaches: those with erasable fields. */
export const RETAINED_TYPES = Object.keys(ERASABLE_FIELDS) as AuditEntryType[];

/** The rules as a sentence (the sweep's entry and the report say it). */
export function describeRetention(rules: readonly RetentionRule[]): string {
  if (rules.length === 0) return "Values are kept for the life of the organization; only an owner's erasure removes them.";
  const parts = rules.map((rule) =>
    rule.kind === "type"
      ? `${rule.field} ${rule.days} ${rule.days === 1 ? "day" : "days"}`
      : `any entry with a ${rule.class === "personalData" ? "personal-data" : "secrets"} finding ${rule.days} ${rule.days === 1 ? "day" : "days"}`,
  );
  return `Values of erasable fields are erased after: ${parts.join("; ")} (the shortest rule that reaches an entry holds). The entries and their hashes stay.`;
}
