"use client";

import type { OrgSettings } from "@gatehouse/contracts";
import { updateSettings } from "@/lib/admin-api";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { Field, SaveRow, SECTION, type SectionProps } from "../settings-parts";

/** The retention fields, in the order the section shows them, with what each times. */
const FIELDS = [
  { key: "decisions", label: "Decisions", hint: "A decision's metadata, data accessed and the values its conditions read." },
  { key: "outcomes", label: "Outcomes", hint: "An outcome's message and data." },
  { key: "postconditions", label: "Broken post-conditions", hint: "The values the broken condition read." },
  { key: "evidence", label: "Agents' evidence", hint: "The details an agent logged about its own work." },
  { key: "personalData", label: "Anything with personal data", hint: "Any of those values in an entry where the content screen found personal data." },
  { key: "secrets", label: "Anything with a secret", hint: "Any of those values in an entry where the content screen found a secret." },
  {
    key: "entries",
    label: "Whole entries",
    hint: "Past this, the worker may drop the month the entries are in (once every organization with entries in it allows it); the log then starts later and still verifies.",
  },
] as const;
type RetentionKey = (typeof FIELDS)[number]["key"];

/** The form's values: blank keeps the values (0 on the wire). */
const retentionValues = (settings: OrgSettings) =>
  Object.fromEntries(FIELDS.map(({ key }) => [key, settings.retention[key] === 0 ? "" : String(settings.retention[key])])) as Record<RetentionKey, string>;

/** Settings → Retention (docs/audit.md, Retention): how long the log keeps the values of its erasable fields. */
export function RetentionSection({ orgSlug, settings, canWriteSettings, canShortenRetention }: SectionProps) {
  const section = useSettingSection({
    server: retentionValues(settings),
    save: (draft) =>
      updateSettings(orgSlug, {
        retention: Object.fromEntries(FIELDS.map(({ key }) => [key, draft[key].trim() === "" ? 0 : Number(draft[key])])) as Record<RetentionKey, number>,
      }),
    outcome: settingsOutcome(
      retentionValues,
      ({ retention }) =>
        (FIELDS.some(({ key }) => key !== "entries" && retention[key] > 0)
          ? "Saved. Within the hour the worker erases the values past their retention; each sweep is recorded in the log."
          : "Saved. Values are kept for the life of the organization; only an owner's erasure removes them.") +
        (retention.entries > 0
          ? " Whole entries past their retention go a month at a time, once every organization with entries in that month allows it; each drop is recorded in the log."
          : ""),
    ),
    fields: FIELDS.map(({ key }) => `retention.${key}`),
  });

  return (
    <section aria-labelledby="retention-heading" className={SECTION}>
      <h2 id="retention-heading" className="text-lg font-semibold">
        Retention
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        How long the log keeps the values of the fields that may hold personal or secret data. After that the worker erases them as an owner&apos;s erasure does: the entries, their
        hashes and every proof stay, so the log still verifies, and each sweep is an entry of its own. Leave a field blank to keep the values; where two rules reach an entry, the
        shorter holds. Setting or shortening a retention removes evidence as an erasure does, so only an owner can: while the two-admin rule is on it waits for a second owner or
        admin, and otherwise every other owner is told by email. A value waiting for an approval is kept until the approval is decided, and its days count from then.
      </p>
      {canWriteSettings && !canShortenRetention ? (
        <p className="mt-2 text-sm text-stone-600" data-testid="retention-owner-only">
          Only an owner can set or shorten a retention. You can lengthen one, or clear it to keep the values.
        </p>
      ) : null}
      <form onSubmit={section.submit} noValidate className="mt-4 grid gap-4 sm:grid-cols-2">
        {FIELDS.map(({ key, label, hint }) => (
          <Field
            key={key}
            id={`retention-${key}`}
            label={`${label} (days)`}
            type="number"
            value={section.draft[key]}
            onChange={(value) => section.set({ [key]: value } as Partial<Record<RetentionKey, string>>)}
            error={section.errorAt(`retention.${key}`)}
            disabled={!canWriteSettings}
            hint={`${hint} 1–36,500 days; blank keeps them.`}
          />
        ))}
        {canWriteSettings ? (
          <div className="sm:col-span-2">
            <SaveRow {...section.saveRow} />
          </div>
        ) : null}
      </form>
    </section>
  );
}
