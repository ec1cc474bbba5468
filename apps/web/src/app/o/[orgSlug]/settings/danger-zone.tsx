"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { closeOrg, fieldError } from "@/lib/admin-api";

/**
 * Closing the org (owners only): a dialog whose button stays disabled until the org's slug is typed
 * out. Afterwards the owner lands on the page that says the org is closed.
 */
export function DangerZone({ orgSlug }: { orgSlug: string }) {
  const router = useRouter();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const close = useMutation({
    mutationFn: () => closeOrg(orgSlug, typed),
    onSuccess: () => {
      router.push(`/o/${encodeURIComponent(orgSlug)}/closed`);
      router.refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (typed === orgSlug) close.mutate();
  };
  const confirmError = fieldError(close.error, "confirm");

  return (
    <section aria-labelledby={`${id}-heading`} className="rounded-xl border border-red-200 bg-white p-5">
      <h2 id={`${id}-heading`} className="text-lg font-semibold text-red-800">
        Danger zone
      </h2>
      <div className="mt-3 flex flex-wrap items-center justify-between gap-4">
        <div className="max-w-xl text-sm text-stone-700">
          <p className="font-medium text-stone-900">Close this organization</p>
          <p className="mt-1">
            Every agent key and admin key stops working, other members lose access, pending approvals are cancelled, and nothing can be changed any more. The audit log, its signing
            keys and checkpoints are kept: owners can still read, export and verify it. A closed organization cannot be reopened.
          </p>
        </div>
        {open ? null : (
          <Button variant="danger" onClick={() => setOpen(true)}>
            Close organization…
          </Button>
        )}
      </div>
      {open ? (
        <div role="dialog" aria-modal="false" aria-labelledby={`${id}-dialog`} className="mt-4 rounded-lg border border-red-200 bg-red-50 p-4">
          <form onSubmit={submit} noValidate className="space-y-3">
            <h3 id={`${id}-dialog`} className="text-sm font-semibold text-red-900">
              Close {orgSlug} for good?
            </h3>
            <label htmlFor={`${id}-confirm`} className="block text-sm text-stone-800">
              Type <strong className="font-mono">{orgSlug}</strong> to confirm.
            </label>
            <input
              id={`${id}-confirm`}
              value={typed}
              autoComplete="off"
              spellCheck={false}
              autoFocus
              onChange={(event) => setTyped(event.target.value)}
              aria-invalid={confirmError ? true : undefined}
              className="block w-full max-w-md rounded-md border border-stone-300 bg-white px-3 py-1.5 font-mono text-sm"
            />
            {close.error ? (
              <p role="alert" className="text-sm text-red-700">
                {confirmError ? `Confirmation ${confirmError}` : close.error.message}
              </p>
            ) : null}
            <div className="flex items-center gap-3">
              <Button type="submit" variant="danger" disabled={typed !== orgSlug || close.isPending}>
                {close.isPending ? "Closing…" : "Close this organization"}
              </Button>
              <Button
                variant="ghost"
                onClick={() => {
                  setOpen(false);
                  setTyped("");
                  close.reset();
                }}
              >
                Cancel
              </Button>
            </div>
          </form>
        </div>
      ) : null}
    </section>
  );
}
