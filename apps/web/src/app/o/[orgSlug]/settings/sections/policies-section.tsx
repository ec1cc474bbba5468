"use client";

import type { OrgSettings } from "@gatehouse/contracts";
import { updateSettings } from "@/lib/admin-api";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { CheckboxField, SaveRow, SECTION, type SectionProps } from "../settings-parts";

const policyValues = (settings: OrgSettings) => ({ reportOnly: settings.policies.reportOnly, requireSecondApproval: settings.policies.requireSecondApproval });

/** Settings → Policies: how policy changes roll out (report-only, and the two-admin rule for publishing). */
export function PoliciesSection({ orgSlug, settings, canWriteSettings }: SectionProps) {
  const section = useSettingSection({
    server: policyValues(settings),
    save: (draft) => updateSettings(orgSlug, { policies: draft }),
    outcome: settingsOutcome(policyValues, (saved) =>
      saved.policies.reportOnly
        ? "Saved. Report-only is on: what policies would deny or hold is executed and recorded with what it would have been."
        : "Saved. Policies are enforced as published.",
    ),
    fields: [],
  });

  return (
    <section aria-labelledby="policies-heading" className={SECTION}>
      <h2 id="policies-heading" className="text-lg font-semibold">
        Policies
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        How policy changes roll out. A single policy can also run in monitor mode (its effect is only recorded); the policies page shows what monitor mode and report-only would
        have blocked.
      </p>
      <form onSubmit={section.submit} noValidate className="mt-4 space-y-4">
        <CheckboxField
          id="policies-report-only"
          label="Report-only (trial)"
          checked={section.draft.reportOnly}
          disabled={!canWriteSettings}
          onChange={(checked) => section.set({ reportOnly: checked })}
          hint={
            <>
              What the policies would deny or hold for approval is executed instead, and its audit entry records what it would have been. A halted agent, an open circuit breaker
              and a delegation&apos;s limits still refuse.
            </>
          }
        />
        <CheckboxField
          id="policies-second-approval"
          label={<>Require a second admin&apos;s approval to publish</>}
          checked={section.draft.requireSecondApproval}
          disabled={!canWriteSettings}
          onChange={(checked) => section.set({ requireSecondApproval: checked })}
          hint="Publishing a policy set waits in the approval queue until another admin approves it."
        />
        {canWriteSettings ? <SaveRow {...section.saveRow} /> : null}
      </form>
    </section>
  );
}
