"use client";

import { updateSettings } from "@/lib/admin-api";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { CheckboxField, SaveRow, SECTION, type SectionProps } from "../settings-parts";

/** Settings → Post-conditions: whether an agent whose reported outcome breaks one is halted (it is recorded either way). */
export function PostConditionsSection({ orgSlug, settings, canWriteSettings }: SectionProps) {
  const section = useSettingSection({
    server: { haltAgent: settings.postConditions.haltAgent },
    save: (draft) => updateSettings(orgSlug, { postConditions: { haltAgent: draft.haltAgent } }),
    outcome: settingsOutcome(
      (saved) => ({ haltAgent: saved.postConditions.haltAgent }),
      (saved) =>
        saved.postConditions.haltAgent
          ? "Saved. An agent whose outcome breaks a post-condition is halted."
          : "Saved. A broken post-condition is recorded and streamed; the agent keeps running.",
    ),
    fields: [],
  });

  return (
    <section aria-labelledby="postconditions-heading" className={SECTION}>
      <h2 id="postconditions-heading" className="text-lg font-semibold">
        Post-conditions
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        A policy&apos;s <code className="font-mono text-xs">postConditions</code> say what must hold after the calls it matches (
        <code className="font-mono text-xs">outcome.rowsAffected &lt; 100</code>), tested on each reported outcome. A broken one is always recorded, streamed and counted in
        posture.
      </p>
      <form onSubmit={section.submit} noValidate className="mt-4 space-y-4">
        <CheckboxField
          id="postconditions-halt"
          label="Halt an agent whose outcome breaks a post-condition"
          checked={section.draft.haltAgent}
          disabled={!canWriteSettings}
          onChange={(checked) => section.set({ haltAgent: checked })}
        />
        {canWriteSettings ? <SaveRow {...section.saveRow} /> : null}
      </form>
    </section>
  );
}
