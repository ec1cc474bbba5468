"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { Button } from "@/components/button";
import { FormAlert, INPUT_CLASS } from "@/components/form-fields";
import { ApiError, getJson, orgPath, request } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";

interface HandoverState {
  handover: { id: string; to: { id: string; email: string; name: string }; endsAt: string; createdAt: string } | null;
  colleagues: Array<{ id: string; email: string; name: string; role: string }>;
}

/** Out of office in one org: hand your approvals to a colleague until a date, or end it (docs/approvals.md, Hand-over). */
export function HandoverSection({ orgSlug, orgName }: { orgSlug: string; orgName: string }) {
  const queryClient = useQueryClient();
  const key = ["handover", orgSlug];
  const path = `${orgPath(orgSlug)}/handover`;
  const query = useQuery({ queryKey: key, queryFn: ({ signal }) => getJson<HandoverState>(path, signal) });
  const save = (state: HandoverState) => queryClient.setQueryData(key, state);
  const set = useMutation({ mutationFn: (body: { toMemberId: string; until: string }) => request<HandoverState>("PUT", path, { body }), onSuccess: save });
  const end = useMutation({ mutationFn: () => request<HandoverState>("DELETE", path), onSuccess: save });
  const fields = set.error instanceof ApiError ? set.error.fields : {};
  if (query.isPending) return <p className="text-sm text-stone-500">Loading {orgName}…</p>;
  if (query.error)
    return (
      <FormAlert>
        Could not load your hand-over in {orgName}: {query.error.message}
      </FormAlert>
    );
  const { handover, colleagues } = query.data;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const day = String(form.get("until") ?? "");
    set.mutate({ toMemberId: String(form.get("to") ?? ""), until: new Date(`${day}T23:59:00`).toISOString() });
  };
  return (
    <div data-testid="handover" data-org={orgSlug} className="space-y-3">
      <h3 className="text-sm font-semibold">{orgName}</h3>
      {handover ? (
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <p role="status">
            {handover.to.name || handover.to.email} holds your approvals until {formatDateTime(handover.endsAt)}.
          </p>
          <Button size="xs" onClick={() => end.mutate()} disabled={end.isPending}>
            End now
          </Button>
        </div>
      ) : colleagues.length === 0 ? (
        <p className="text-sm text-stone-500">Nobody else here approves: there is no one to hand your approvals to.</p>
      ) : (
        <form onSubmit={submit} aria-label={`Hand over in ${orgName}`} className="flex flex-wrap items-end gap-2">
          <label className="space-y-1 text-sm">
            <span className="block text-stone-700">Colleague</span>
            <select name="to" required className={INPUT_CLASS}>
              {colleagues.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name ? `${c.name} (${c.email})` : c.email}
                </option>
              ))}
            </select>
          </label>
          <label className="space-y-1 text-sm">
            <span className="block text-stone-700">Until (the end of)</span>
            <input name="until" type="date" required className={INPUT_CLASS} />
          </label>
          <Button type="submit" variant="primary" disabled={set.isPending}>
            Hand over
          </Button>
          {fields.until ? <p className="w-full text-xs text-red-700">Until {fields.until}</p> : null}
        </form>
      )}
      {(set.error && !fields.until) || end.error ? <FormAlert>{(set.error ?? end.error)?.message}</FormAlert> : null}
    </div>
  );
}
