"use client";

import type { OrgSettings } from "@gatehouse/contracts";
import { updateSettings } from "@/lib/admin-api";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { CheckboxField, Field, SaveRow, SECTION, type SectionProps } from "../settings-parts";

const loopValues = (settings: OrgSettings) => ({
  enabled: settings.loops.enabled,
  maxRepeats: String(settings.loops.maxRepeats),
  windowSeconds: String(settings.loops.windowSeconds),
  haltAgent: settings.loops.haltAgent,
});

/** Settings → Loops (docs/loops.md): the same call repeated too often within a window is refused, and may halt the agent. */
export function LoopsSection({ orgSlug, settings, canWriteSettings }: SectionProps) {
  const section = useSettingSection({
    server: loopValues(settings),
    save: (draft) =>
      updateSettings(orgSlug, {
        loops: { enabled: draft.enabled, maxRepeats: Number(draft.maxRepeats), windowSeconds: Number(draft.windowSeconds), haltAgent: draft.haltAgent },
      }),
    outcome: settingsOutcome(loopValues, ({ loops }) =>
      loops.enabled
        ? `Saved. The same call more than ${loops.maxRepeats} times within ${loops.windowSeconds} s is refused${loops.haltAgent ? ", and the agent halted" : ""}.`
        : "Saved. Repeated calls are not refused, except where a policy sets its own loop limit.",
    ),
    fields: ["loops.maxRepeats", "loops.windowSeconds"],
  });
  const { draft } = section;
  // The limits mean nothing while loops are not refused.
  const limitsDisabled = !canWriteSettings || !draft.enabled;

  return (
    <section aria-labelledby="loops-heading" className={SECTION}>
      <h2 id="loops-heading" className="text-lg font-semibold">
        Loops
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        An agent that asks for the same action with the same arguments — or alternates between two such calls — more often than this within the window is refused (LOOP_DETECTED)
        until the window passes. A policy&apos;s <code className="font-mono text-xs">loop</code> sets its own limit for the calls it matches.
      </p>
      <form onSubmit={section.submit} noValidate className="mt-4 space-y-4">
        <CheckboxField
          id="loops-enabled"
          label="Refuse repeated calls"
          checked={draft.enabled}
          disabled={!canWriteSettings}
          onChange={(checked) => section.set({ enabled: checked })}
        />
        <Field
          id="loops-max-repeats"
          label="Repeats allowed"
          type="number"
          value={draft.maxRepeats}
          onChange={(maxRepeats) => section.set({ maxRepeats })}
          error={section.errorAt("loops.maxRepeats")}
          disabled={limitsDisabled}
          hint="1–100,000 identical calls (or alternations) within the window; the next is refused. 20 unless changed."
        />
        <Field
          id="loops-window"
          label="Window (seconds)"
          type="number"
          value={draft.windowSeconds}
          onChange={(windowSeconds) => section.set({ windowSeconds })}
          error={section.errorAt("loops.windowSeconds")}
          disabled={limitsDisabled}
          hint="1–3,600 s. 60 unless changed."
        />
        <CheckboxField
          id="loops-halt"
          label="Halt the agent when a loop is detected"
          checked={draft.haltAgent}
          disabled={limitsDisabled}
          onChange={(checked) => section.set({ haltAgent: checked })}
          hint="The halt is audited with the loop as its reason; a member resumes the agent from its page."
        />
        {canWriteSettings ? <SaveRow {...section.saveRow} /> : null}
      </form>
    </section>
  );
}
