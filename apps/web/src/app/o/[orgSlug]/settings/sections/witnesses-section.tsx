"use client";

import type { OrgSettings } from "@gatehouse/contracts";
import { updateSettings } from "@/lib/admin-api";
import { settingsOutcome, useSettingSection } from "@/lib/use-setting-section";
import { SaveRow, SECTION, type SectionProps } from "../settings-parts";

const witnessValues = (settings: OrgSettings) => ({ policy: settings.witnesses.policy });

const EXAMPLE = `witness w1 witness.example.com/w1+1a2b3c4d+BP… https://w1.example.com
witness w2 witness.other.org/w2+5e6f7a8b+BK… https://w2.other.org
group both all w1 w2
quorum both`;

/** Settings → Witnesses (docs/audit.md, Witnesses): the C2SP tlog-policy of the witnesses that cosign the org's checkpoints. */
export function WitnessesSection({ orgSlug, settings, canWriteSettings }: SectionProps) {
  const section = useSettingSection({
    server: witnessValues(settings),
    save: (draft) => updateSettings(orgSlug, { witnesses: { policy: draft.policy.trim() === "" ? "" : `${draft.policy.trimEnd()}\n` } }),
    outcome: settingsOutcome(witnessValues, ({ witnesses }) =>
      witnesses.policy.trim() === ""
        ? "Saved. Checkpoints are signed by the org's key only; no witness is asked."
        : "Saved. Within seconds the worker puts the latest checkpoint to each witness; the governance health on the org home shows their answers.",
    ),
    fields: ["witnesses.policy"],
  });
  const error = section.errorAt("witnesses.policy");

  return (
    <section aria-labelledby="witnesses-heading" className={SECTION}>
      <h2 id="witnesses-heading" className="text-lg font-semibold">
        Witnesses
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        Witnesses run by others cosign the log&apos;s checkpoints only when each extends the last one they cosigned, so no one can be shown a different history unnoticed. Write a
        C2SP tlog-policy: one <code>witness &lt;name&gt; &lt;key&gt; &lt;url&gt;</code> line each (a witness prints its key with <code>gatehouse witness init</code>), groups, and
        the quorum a checkpoint needs. Auditors pass the same file to <code>gatehouse verify --policy</code>. Changing or removing a policy needs a second admin while the two-admin
        rule is on.
      </p>
      <form onSubmit={section.submit} noValidate className="mt-4 space-y-3">
        <label htmlFor="witnesses-policy" className="block text-sm font-medium text-stone-700">
          Policy
        </label>
        <textarea
          id="witnesses-policy"
          rows={6}
          value={section.draft.policy}
          placeholder={EXAMPLE}
          disabled={!canWriteSettings}
          spellCheck={false}
          onChange={(event) => section.set({ policy: event.target.value })}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "witnesses-policy-error" : "witnesses-policy-hint"}
          className={`block w-full rounded-md border bg-white px-3 py-1.5 font-mono text-xs disabled:bg-stone-50 ${error ? "border-red-400" : "border-stone-300"}`}
        />
        {error ? (
          <p id="witnesses-policy-error" className="text-xs text-red-700">
            Policy {error}
          </p>
        ) : (
          <p id="witnesses-policy-hint" className="text-xs text-stone-500">
            Empty: no witnesses. Lines starting with # are comments.
          </p>
        )}
        {canWriteSettings ? <SaveRow {...section.saveRow} /> : null}
      </form>
    </section>
  );
}
