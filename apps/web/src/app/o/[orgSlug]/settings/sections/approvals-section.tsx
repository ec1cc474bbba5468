"use client";

import { updateSettings } from "@/lib/admin-api";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { Field, SaveRow, SECTION, type SectionProps } from "../settings-parts";

/** Settings → Approvals: how long an approval waits when its policy sets no timeout. */
export function ApprovalsSection({ orgSlug, settings, canWriteSettings }: SectionProps) {
  const section = useSettingSection({
    server: { timeout: String(settings.approvalTimeoutSeconds) },
    save: (draft) => updateSettings(orgSlug, { approvalTimeoutSeconds: Number(draft.timeout) }),
    outcome: settingsOutcome(
      (saved) => ({ timeout: String(saved.approvalTimeoutSeconds) }),
      () => "Saved. New approvals whose policy sets no timeout wait this long.",
    ),
    fields: ["approvalTimeoutSeconds"],
  });

  return (
    <section aria-labelledby="approvals-heading" className={SECTION}>
      <h2 id="approvals-heading" className="text-lg font-semibold">
        Approvals
      </h2>
      <p className="mt-1 text-sm text-stone-600">How long an approval waits for a decision before it expires, when its policy does not set its own timeoutSeconds.</p>
      <form onSubmit={section.submit} noValidate className="mt-4 space-y-4">
        <Field
          id="approval-timeout"
          label="Default approval timeout (seconds)"
          type="number"
          value={section.draft.timeout}
          onChange={(timeout) => section.set({ timeout })}
          error={section.errorAt("approvalTimeoutSeconds")}
          disabled={!canWriteSettings}
          hint="60–604,800 s (7 days). 3,600 s is an hour. Approvals already waiting keep their deadline."
        />
        {canWriteSettings ? <SaveRow {...section.saveRow} /> : null}
      </form>
    </section>
  );
}
