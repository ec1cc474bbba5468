"use client";

import type { OrgSettings } from "@gatehouse/contracts";
import { updateSettings } from "@/lib/admin-api";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { Field, SaveRow, SECTION, type SectionProps } from "../settings-parts";

type BreakerKey = keyof OrgSettings["circuitBreaker"];

/** The circuit breaker's three numbers: one field each, the same markup. */
const BREAKER_FIELDS: ReadonlyArray<{ key: BreakerKey; id: string; label: string; hint: string }> = [
  { key: "failureThreshold", id: "breaker-threshold", label: "Failure threshold", hint: "Failures, 1–10,000." },
  { key: "windowSeconds", id: "breaker-window", label: "Window (seconds)", hint: "1–86,400 s." },
  { key: "cooldownSeconds", id: "breaker-cooldown", label: "Cooldown (seconds)", hint: "1–86,400 s." },
];

const breakerValues = (settings: OrgSettings): Record<BreakerKey, string> => ({
  failureThreshold: String(settings.circuitBreaker.failureThreshold),
  windowSeconds: String(settings.circuitBreaker.windowSeconds),
  cooldownSeconds: String(settings.circuitBreaker.cooldownSeconds),
});

/** Settings → Circuit breaker: how many failures within a window pause an agent, and for how long. */
export function CircuitBreakerSection({ orgSlug, settings, canWriteSettings }: SectionProps) {
  const section = useSettingSection({
    server: breakerValues(settings),
    save: (draft) =>
      updateSettings(orgSlug, {
        circuitBreaker: { failureThreshold: Number(draft.failureThreshold), windowSeconds: Number(draft.windowSeconds), cooldownSeconds: Number(draft.cooldownSeconds) },
      }),
    outcome: settingsOutcome(breakerValues, () => "Saved. Every API instance applies the new thresholds from its next request."),
    fields: BREAKER_FIELDS.map((field) => `circuitBreaker.${field.key}`),
  });

  return (
    <section aria-labelledby="breaker-heading" className={SECTION}>
      <h2 id="breaker-heading" className="text-lg font-semibold">
        Circuit breaker
      </h2>
      <p className="mt-1 text-sm text-stone-600">An agent whose actions fail this many times within the window is paused for the cooldown, then let through again.</p>
      <form onSubmit={section.submit} noValidate className="mt-4 space-y-4">
        {BREAKER_FIELDS.map((field) => (
          <Field
            key={field.key}
            id={field.id}
            label={field.label}
            type="number"
            value={section.draft[field.key]}
            onChange={(value) => section.set({ [field.key]: value })}
            error={section.errorAt(`circuitBreaker.${field.key}`)}
            disabled={!canWriteSettings}
            hint={field.hint}
          />
        ))}
        {canWriteSettings ? <SaveRow {...section.saveRow} /> : null}
      </form>
    </section>
  );
}
