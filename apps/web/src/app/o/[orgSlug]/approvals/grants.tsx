"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { FormAlert, INPUT_CLASS } from "@/components/form-fields";
import { ApiError } from "@/lib/api-client";
import { formatDateTime, inlineValue } from "@/lib/format";
import { fetchGrants, grantApproval, grantKeys, revokeGrant, type StandingGrant } from "@/lib/grants";
import type { Approval } from "@/lib/approvals";

/**
 * "Grant instead": approve this request and let the same agent's later calls of the same action, whose
 * arguments hold the ticked fields, through without a person for a while (docs/approvals.md).
 */
export function GrantForm({ orgSlug, approval, onGranted }: { orgSlug: string; approval: Approval; onGranted: (approval: Approval) => void }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const keys = Object.keys(approval.metadata ?? {});
  const grant = useMutation({
    mutationFn: (body: Parameters<typeof grantApproval>[2]) => grantApproval(orgSlug, approval.id, body),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: grantKeys.list(orgSlug) });
      onGranted(result.approval);
    },
  });
  const fields = grant.error instanceof ApiError ? grant.error.fields : {};
  if (!open) {
    return (
      <Button size="sm" variant="link" onClick={() => setOpen(true)}>
        Grant instead…
      </Button>
    );
  }
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const minutes = Number(form.get("minutes"));
    const usesText = String(form.get("uses") ?? "").trim();
    const ticked = new Set(form.getAll("match").map(String));
    const match = Object.fromEntries(Object.entries(approval.metadata ?? {}).filter(([key]) => ticked.has(key)));
    const anyArguments = form.get("anyArguments") === "on";
    grant.mutate({ durationSeconds: Math.round(minutes * 60), ...(usesText ? { uses: Number(usesText) } : {}), ...(anyArguments ? { anyArguments } : { match }) });
  };
  return (
    <form onSubmit={submit} aria-label="Standing grant" className="space-y-3 rounded-lg border border-amber-200 bg-amber-50 p-3">
      <p className="text-sm text-amber-900">
        Approve this request, and let <strong>{approval.agentName}</strong>&apos;s later <code className="font-mono">{approval.actionType}</code> calls whose arguments hold the
        ticked values through without asking anyone, until the grant ends.
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <label className="space-y-1 text-sm">
          <span className="block font-medium text-stone-700">For (minutes)</span>
          <input name="minutes" type="number" min={1} max={10080} defaultValue={60} required className={INPUT_CLASS} />
          {fields.durationSeconds ? <span className="text-xs text-red-700">Duration {fields.durationSeconds}</span> : null}
        </label>
        <label className="space-y-1 text-sm">
          <span className="block font-medium text-stone-700">At most (calls)</span>
          <input name="uses" type="number" min={1} max={10000} placeholder="the org's maximum" className={INPUT_CLASS} />
          {fields.uses ? <span className="text-xs text-red-700">Uses {fields.uses}</span> : null}
        </label>
      </div>
      {keys.length > 0 ? (
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium text-stone-700">Later calls must carry</legend>
          {keys.map((key) => (
            <label key={key} className="flex items-center gap-2 text-xs">
              <input type="checkbox" name="match" value={key} defaultChecked />
              <span className="font-mono">
                {key} = {inlineValue(approval.metadata[key])}
              </span>
            </label>
          ))}
        </fieldset>
      ) : null}
      <label className="flex items-start gap-2 text-xs text-amber-900">
        <input type="checkbox" name="anyArguments" />
        <span>
          <strong>Any arguments</strong>: let every later <code className="font-mono">{approval.actionType}</code> call of this agent through, whatever it carries (at most 10
          calls).
        </span>
      </label>
      {fields.match ? <span className="text-xs text-red-700">Arguments: {fields.match}</span> : null}
      {grant.error && !fields.durationSeconds && !fields.uses && !fields.match ? <FormAlert>{grant.error.message}</FormAlert> : null}
      <div className="flex gap-2">
        <Button type="submit" variant="approve" disabled={grant.isPending}>
          {grant.isPending ? "Granting…" : "Approve and grant"}
        </Button>
        <Button variant="ghost" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** The live standing grants, with Revoke (the granter, or an owner or admin). */
export function GrantsPanel({ orgSlug }: { orgSlug: string }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: grantKeys.list(orgSlug), queryFn: ({ signal }) => fetchGrants(orgSlug, signal), refetchInterval: 10_000 });
  const revoke = useMutation({ mutationFn: (id: string) => revokeGrant(orgSlug, id), onSuccess: () => void queryClient.invalidateQueries({ queryKey: grantKeys.list(orgSlug) }) });
  const grants: StandingGrant[] = query.data?.grants ?? [];
  return (
    <section aria-labelledby="grants-heading" className="mt-10 space-y-3">
      <h2 id="grants-heading" className="text-base font-semibold">
        Standing grants
      </h2>
      <p className="text-sm text-stone-600">Calls these cover are executed without a person; each names its grant in the audit log. Revoking one holds for the very next call.</p>
      {revoke.error ? <FormAlert>{revoke.error.message}</FormAlert> : null}
      {query.isPending ? (
        <p className="text-sm text-stone-500">Loading…</p>
      ) : grants.length === 0 ? (
        <p className="text-sm text-stone-500">None live.</p>
      ) : (
        <ul className="divide-y divide-stone-100 rounded-xl border border-stone-200 bg-white">
          {grants.map((g) => (
            <li key={g.id} data-testid="grant-row" className="flex flex-wrap items-center justify-between gap-3 px-4 py-3 text-sm">
              <div className="min-w-0 space-y-0.5">
                <p>
                  <code className="font-mono">{g.actionType}</code> by {g.agentName},{" "}
                  {g.anyArguments ? (
                    <strong className="text-amber-800">with any arguments</strong>
                  ) : (
                    <>
                      matching <span className="font-mono text-xs">{inlineValue(g.match)}</span>
                    </>
                  )}
                </p>
                <p className="text-xs text-stone-500">
                  {g.uses} of {g.maxUses} calls used · until {formatDateTime(g.expiresAt)} · granted by {g.grantedBy.email}
                </p>
              </div>
              <Button size="xs" variant="danger" onClick={() => revoke.mutate(g.id)} disabled={revoke.isPending}>
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
