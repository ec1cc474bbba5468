"use client";

import { updateSettings } from "@/lib/admin-api";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { CheckboxField, SaveRow, SECTION, type SectionProps } from "../settings-parts";

/** Settings → Anomalies: whether an agent is halted when its traffic turns unusual (it is reported either way). */
export function AnomaliesSection({ orgSlug, settings, canWriteSettings }: SectionProps) {
  const section = useSettingSection({
    server: { haltAgent: settings.anomaly.haltAgent },
    save: (draft) => updateSettings(orgSlug, { anomaly: { haltAgent: draft.haltAgent } }),
    outcome: settingsOutcome(
      (saved) => ({ haltAgent: saved.anomaly.haltAgent }),
      (saved) => (saved.anomaly.haltAgent ? "Saved. An agent is halted when an anomaly is detected in its traffic." : "Saved. Anomalies are reported; agents keep running."),
    ),
    fields: [],
  });

  return (
    <section aria-labelledby="anomalies-heading" className={SECTION}>
      <h2 id="anomalies-heading" className="text-lg font-semibold">
        Anomalies
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        Every minute, each agent&apos;s last five minutes are compared with the hour before them: a call rate five times its usual, or a denial share of half its calls and three
        times its usual, is reported as an anomaly in the audit log and the live events.
      </p>
      <form onSubmit={section.submit} noValidate className="mt-4 space-y-4">
        <CheckboxField
          id="anomaly-halt"
          label="Halt the agent when an anomaly is detected"
          checked={section.draft.haltAgent}
          disabled={!canWriteSettings}
          onChange={(checked) => section.set({ haltAgent: checked })}
          hint="The halt is audited with the anomaly as its reason; a member resumes the agent from its page."
        />
        {canWriteSettings ? <SaveRow {...section.saveRow} /> : null}
      </form>
    </section>
  );
}
