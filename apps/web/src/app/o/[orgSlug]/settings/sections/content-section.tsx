"use client";

import type { ContentAction, DetectorConfidence } from "@gatehouse/core";
import { updateSettings } from "@/lib/admin-api";
import { CONFIDENCE_CHOICES, CONTENT_ACTION_CHOICES, CONTENT_RULE_FIELDS, CONTENT_RULE_ROWS, contentRulesText, MIN_CONFIDENCE_FIELD } from "@/lib/content-findings";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { SaveRow, SECTION, type SectionProps } from "../settings-parts";

/**
 * Settings → Secrets and personal data (docs/content.md): the org default for each class the content
 * screen looks for — in what agents send Gatehouse, and in what the model-client wrappers send a model
 * provider (docs/guardrails.md) — saved through the settings route. Loosening either is a weakening change: under the
 * two-admin rule it waits for another owner or admin, and the section says so.
 */
export function ContentSection({ orgSlug, settings, contentDefaults: defaults, canWriteSettings: canWrite }: SectionProps) {
  const section = useSettingSection({
    server: settings.content,
    save: (rules) => updateSettings(orgSlug, { content: rules }),
    outcome: settingsOutcome(
      (saved) => saved.content,
      (saved) => `Saved. From the next call, ${contentRulesText(saved.content)}.`,
    ),
    fields: [...CONTENT_RULE_FIELDS.map((field) => `content.${field.key}`), `content.${MIN_CONFIDENCE_FIELD.key}`],
  });
  const confidenceError = section.errorAt(`content.${MIN_CONFIDENCE_FIELD.key}`);

  return (
    <section aria-labelledby="content-heading" className={SECTION}>
      <h2 id="content-heading" className="text-lg font-semibold">
        Secrets and personal data
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        What agents send — a decision&apos;s metadata and data accessed, an outcome&apos;s message — is screened before anything is written to the audit log. Choose what happens to
        what is found; a policy&apos;s <code className="font-mono text-xs">content</code> can say otherwise for its own actions. Out of the box, {contentRulesText(defaults)}.
      </p>
      {canWrite ? null : <p className="mt-1 text-sm text-stone-600">Only a member with the permission to change settings can change these.</p>}
      <form onSubmit={section.submit} noValidate className="mt-4 space-y-4">
        {CONTENT_RULE_ROWS.map((row) => (
          <fieldset key={row.where} className="space-y-2">
            <legend className="text-sm text-stone-600">{row.legend}</legend>
            <div className="flex flex-wrap gap-6">
              {CONTENT_RULE_FIELDS.filter((field) => field.where === row.where).map((field) => {
                const id = `content-${field.key}`;
                const error = section.errorAt(`content.${field.key}`);
                return (
                  <div key={field.key} className="space-y-1">
                    <label htmlFor={id} className="block text-sm font-medium text-stone-700">
                      {field.label}
                    </label>
                    <select
                      id={id}
                      value={section.draft[field.key]}
                      disabled={!canWrite}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={`${id}-hint`}
                      onChange={(event) => section.set({ [field.key]: event.target.value as ContentAction })}
                      className={`block w-48 rounded-md border bg-white py-1.5 pl-3 pr-8 text-sm disabled:bg-stone-50 ${error ? "border-red-400" : "border-stone-300"}`}
                    >
                      {CONTENT_ACTION_CHOICES.map((choice) => (
                        <option key={choice.value} value={choice.value}>
                          {choice.label}
                          {choice.value === defaults[field.key] ? " (default)" : ""}
                        </option>
                      ))}
                    </select>
                    <p id={`${id}-hint`} className={`max-w-xs text-xs ${error ? "text-red-700" : "text-stone-500"}`}>
                      {error ? `${field.label} ${error}` : `${field.kind.examples}.`}
                    </p>
                  </div>
                );
              })}
            </div>
          </fieldset>
        ))}
        <fieldset className="space-y-2">
          <legend className="text-sm text-stone-600">Which findings Redact and Deny act on (a finding of a less sure detector is only flagged, kept as sent)</legend>
          <div className="space-y-1">
            <label htmlFor="content-minConfidence" className="block text-sm font-medium text-stone-700">
              {MIN_CONFIDENCE_FIELD.label}
            </label>
            <select
              id="content-minConfidence"
              value={section.draft.minConfidence}
              disabled={!canWrite}
              aria-invalid={confidenceError ? true : undefined}
              aria-describedby="content-minConfidence-hint"
              onChange={(event) => section.set({ minConfidence: event.target.value as DetectorConfidence })}
              className={`block w-48 rounded-md border bg-white py-1.5 pl-3 pr-8 text-sm disabled:bg-stone-50 ${confidenceError ? "border-red-400" : "border-stone-300"}`}
            >
              {CONFIDENCE_CHOICES.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                  {choice.value === defaults.minConfidence ? " (default)" : ""}
                </option>
              ))}
            </select>
            <p id="content-minConfidence-hint" className={`max-w-md text-xs ${confidenceError ? "text-red-700" : "text-stone-500"}`}>
              {confidenceError
                ? `${MIN_CONFIDENCE_FIELD.label} ${confidenceError}`
                : (CONFIDENCE_CHOICES.find((choice) => choice.value === section.draft.minConfidence) ?? CONFIDENCE_CHOICES[0]).line}
            </p>
          </div>
        </fieldset>
        <dl aria-label="What each choice does" className="grid grid-cols-[4.5rem_1fr] gap-x-3 gap-y-1 rounded-lg bg-stone-50 px-3 py-2 text-xs">
          {CONTENT_ACTION_CHOICES.map((choice) => (
            <div key={choice.value} className="contents">
              <dt className="font-medium text-stone-700">{choice.label}</dt>
              <dd className="text-stone-600">{choice.line}</dd>
            </div>
          ))}
        </dl>
        <p className="text-xs text-stone-500">
          Loosening any (towards Off), or raising the minimum confidence, weakens enforcement: while a second admin&apos;s approval is required, it waits for another owner or admin
          in Approvals.
        </p>
        {canWrite ? <SaveRow {...section.saveRow} /> : null}
      </form>
    </section>
  );
}
