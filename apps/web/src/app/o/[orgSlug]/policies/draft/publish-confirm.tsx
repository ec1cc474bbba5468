"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { Button } from "@/components/button";
import { FormAlert } from "@/components/form-fields";
import { countOf, formatCount, pluralWord } from "@/lib/format";
import { policyKeys, previewPublish, simulateSource, type PolicySetDiff } from "@/lib/policies";
import type { SourceFormat } from "@/lib/policy-source";

/** How far back the confirm step's replay looks. */
const REPLAY_DAYS = 7;

/**
 * The step before a publish: what the draft would change in the active set (policies created, changed
 * and archived, from a dry run on the server), a replay of the last week's decisions against it, and
 * the button that publishes. Nothing is published until the author confirms.
 */
export function PublishConfirm({
  orgSlug,
  source,
  format,
  prepare,
  publishing,
  onConfirm,
  onCancel,
}: {
  orgSlug: string;
  source: string;
  format: SourceFormat;
  /** Saves the draft first (false: it could not be saved, and the save state says why). */
  prepare: () => Promise<boolean>;
  publishing: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const preview = useQuery({
    queryKey: [...policyKeys.draft(orgSlug), "preview", format, source],
    queryFn: async ({ signal }) => {
      if (!(await prepare())) throw new Error("the draft could not be saved");
      return previewPublish(orgSlug, { source, format }, signal);
    },
    staleTime: 0,
    gcTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
  });
  const replay = useMutation({ mutationFn: () => simulateSource(orgSlug, { source, format, days: REPLAY_DAYS }) });
  const diff = preview.data;
  const changes = diff ? diff.created.length + diff.updated.length + diff.archived.length : 0;

  return (
    <section role="dialog" aria-labelledby="publish-confirm-title" data-testid="publish-confirm" className="rounded-xl border border-stone-300 bg-white p-4 shadow-sm">
      <h2 id="publish-confirm-title" className="text-sm font-semibold">
        Publish the draft?
      </h2>
      {preview.isPending ? (
        <p aria-busy="true" className="mt-2 text-sm text-stone-500">
          Working out what changes…
        </p>
      ) : preview.isError ? (
        <div className="mt-2">
          <FormAlert>Could not work out what publishing changes: {preview.error.message}</FormAlert>
        </div>
      ) : diff ? (
        <PlannedChanges diff={diff} />
      ) : null}

      <div className="mt-3 rounded-lg bg-stone-50 px-3 py-2 text-xs text-stone-700">
        {replay.data ? (
          <p data-testid="publish-replay">
            Replayed {countOf(replay.data.evaluated, "decision")} of the last {countOf(REPLAY_DAYS, "day")}: {formatCount(replay.data.changed)}{" "}
            {pluralWord(replay.data.changed, "decision")} would change. The replay panel breaks them down.
          </p>
        ) : (
          <div className="flex flex-wrap items-center gap-2">
            <span>Check first what the draft would have decided for the last {countOf(REPLAY_DAYS, "day")} of real calls.</span>
            <Button size="xs" onClick={() => replay.mutate()} disabled={replay.isPending}>
              {replay.isPending ? "Replaying…" : `Replay the last ${countOf(REPLAY_DAYS, "day")}`}
            </Button>
          </div>
        )}
        {replay.error ? <p className="mt-1 text-red-700">Replay failed: {replay.error.message}</p> : null}
      </div>

      <div className="mt-3 flex flex-wrap gap-2">
        <Button size="sm" variant="primary" onClick={onConfirm} disabled={!diff || publishing}>
          {publishing ? "Publishing…" : changes === 0 ? "Publish anyway" : `Publish ${countOf(changes, "change")}`}
        </Button>
        <Button size="sm" variant="ghost" onClick={onCancel} disabled={publishing}>
          Cancel
        </Button>
      </div>
    </section>
  );
}

function PlannedChanges({ diff }: { diff: PolicySetDiff }) {
  if (diff.created.length + diff.updated.length + diff.archived.length === 0) {
    return <p className="mt-2 text-sm text-stone-700">Nothing changes: the draft says what the active set already says.</p>;
  }
  return (
    <ul data-testid="publish-plan" className="mt-2 space-y-0.5 text-sm text-stone-800">
      {diff.created.map((c) => (
        <li key={`c-${c.name}`} data-change="created">
          Creates <code className="font-mono">{c.name}</code> v{c.version}
        </li>
      ))}
      {diff.updated.map((c) => (
        <li key={`u-${c.name}`} data-change="changed">
          Changes <code className="font-mono">{c.name}</code> v{c.previousVersion} → v{c.version}
        </li>
      ))}
      {diff.archived.map((c) => (
        <li key={`a-${c.name}`} data-change="archived">
          Archives <code className="font-mono">{c.name}</code> (its v{c.version} stops deciding)
        </li>
      ))}
      {diff.unchanged.length > 0 ? <li className="text-stone-500">{countOf(diff.unchanged.length, "policy", "policies")} unchanged</li> : null}
    </ul>
  );
}
