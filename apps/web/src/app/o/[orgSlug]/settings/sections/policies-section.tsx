"use client";

import type { OrgSettings } from "@gatehouse/contracts";
import { updateSettings } from "@/lib/admin-api";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { CheckboxField, SaveRow, SECTION, type SectionProps } from "../settings-parts";

const policyValues = (settings: OrgSettings) => ({
  reportOnly: settings.policies.reportOnly,
  requireSecondApproval: settings.policies.requireSecondApproval,
  failurePolicy: settings.policies.failurePolicy,
});

type FailurePolicy = OrgSettings["policies"]["failurePolicy"];

/** Settings → Policies: how policy changes roll out (report-only, and the two-admin rule for publishing), and what a decision that cannot be evaluated becomes. */
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
        <div className="space-y-1">
          <label htmlFor="policies-failure-policy" className="block text-sm font-medium text-stone-700">
            When a decision cannot be evaluated
          </label>
          <select
            id="policies-failure-policy"
            value={section.draft.failurePolicy}
            disabled={!canWriteSettings}
            aria-describedby="policies-failure-policy-hint"
            onChange={(event) => section.set({ failurePolicy: event.target.value as FailurePolicy })}
            className="block w-64 rounded-md border border-stone-300 bg-white py-1.5 pl-3 pr-8 text-sm disabled:bg-stone-50"
          >
            <option value="deny">Deny it (default)</option>
            <option value="require_approval">Hold it for a person&apos;s approval</option>
          </select>
          <p id="policies-failure-policy-hint" className="max-w-xl text-xs text-stone-500">
            If a step of a decision fails with an internal error, the call is never allowed: it is denied (EVALUATION_FAILED) or waits for an approver, recorded with the step that
            failed and counted in the governance health.
          </p>
        </div>
        {canWriteSettings ? <SaveRow {...section.saveRow} /> : null}
      </form>
    </section>
  );
}
