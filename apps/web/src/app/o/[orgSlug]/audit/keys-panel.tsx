"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { CopyButton, DownloadTextButton } from "@/components/text-actions";
import { ApiError, fetchSigningKeys, rotateSigningKey } from "@/lib/api-client";
import { auditKeys, type SigningKey, type SigningKeyList } from "@/lib/audit";
import { EmptyBox, LoadError, RowsSkeleton } from "@/components/panel-states";
import { formatDateTime } from "@/lib/format";
import { buttonClass } from "@/components/button";

/** "gatehouse/org_…+1a2b3c4d": the part of a verifier key people compare by eye. */
const keyLabel = (key: SigningKey) => key.vkey.split("+").slice(0, 2).join("+");

/** The Keys section: the public keys that verify the org's checkpoints, and rotation for owners and admins. */
export function KeysPanel({ orgSlug, canRotate }: { orgSlug: string; canRotate: boolean }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [flash, setFlash] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const rotateRef = useRef<HTMLButtonElement>(null);
  // Focus goes back to "Rotate signing key…" once the confirmation closes.
  const returnFocus = useRef(false);
  const query = useQuery({
    queryKey: auditKeys.keys(orgSlug),
    queryFn: ({ signal }) => fetchSigningKeys(orgSlug, signal),
  });
  const rotation = useMutation({
    mutationFn: () => rotateSigningKey(orgSlug),
    onSuccess: (rotated) => {
      queryClient.setQueryData<SigningKeyList>(auditKeys.keys(orgSlug), { keys: rotated.keys });
      void queryClient.invalidateQueries({ queryKey: auditKeys.checkpoints(orgSlug) });
      const active = rotated.keys.find((key) => key.status === "active");
      setFlash(`Rotated. ${active ? keyLabel(active) : "The new key"} signs checkpoints from now on; the old key stays published.`);
      returnFocus.current = true;
      setConfirming(false);
    },
  });

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (returnFocus.current) rotateRef.current?.focus();
    returnFocus.current = false;
  }, [confirming]);

  const cancel = () => {
    returnFocus.current = true;
    setConfirming(false);
    rotation.reset();
  };

  const keys = query.data?.keys ?? [];
  return (
    <div className="max-w-4xl">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h2 className="text-lg font-semibold">Verifier keys</h2>
          <p className="mt-1 max-w-2xl text-sm text-stone-600">
            Public Ed25519 keys in signed-note form. They verify the organization&apos;s checkpoints, and with them any export or inclusion proof. Retired keys stay listed:
            checkpoints they signed still verify. The keys file (one key per line) is what <code className="font-mono text-xs">gatehouse verify --key @file</code> reads.
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {keys.length > 0 ? <DownloadTextButton text={keys.map((key) => `${key.vkey}\n`).join("")} filename={`gatehouse-${orgSlug}-keys.txt`} label="Download all keys" /> : null}
          {canRotate && !confirming ? (
            <button
              ref={rotateRef}
              type="button"
              onClick={() => {
                setFlash(null);
                setConfirming(true);
              }}
              className={buttonClass()}
            >
              Rotate signing key…
            </button>
          ) : null}
        </div>
      </div>

      {confirming ? (
        <div
          role="group"
          aria-labelledby="rotate-confirm-title"
          onKeyDown={(event) => {
            if (event.key === "Escape" && !rotation.isPending) cancel();
          }}
          className="mt-4 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-950"
        >
          <p id="rotate-confirm-title" className="font-medium">
            Rotate the signing key?
          </p>
          <p className="mt-1">
            A new key signs every checkpoint from now on and the current one is retired. Auditors need the new public key to verify what is signed after this; give it to them.
          </p>
          {rotation.isError ? (
            <p role="alert" className="mt-2 text-red-800">
              {rotation.error.message}
              {rotation.error instanceof ApiError && rotation.error.requestId ? <span className="ml-1 font-mono text-xs">({rotation.error.requestId})</span> : null}
            </p>
          ) : null}
          <div className="mt-3 flex gap-2">
            <button ref={confirmRef} type="button" onClick={() => rotation.mutate()} disabled={rotation.isPending} className={buttonClass({ variant: "warning" })}>
              {rotation.isPending ? "Rotating…" : "Rotate key"}
            </button>
            <button type="button" onClick={cancel} disabled={rotation.isPending} className={buttonClass()}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}

      {flash ? (
        <div role="status" className="mt-4 flex items-center justify-between gap-3 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-2.5 text-sm text-emerald-900">
          <span>{flash}</span>
          <button type="button" onClick={() => setFlash(null)} className={buttonClass({ size: "xs", variant: "link" })}>
            Dismiss
          </button>
        </div>
      ) : null}

      <div className="mt-5">
        {query.isPending ? (
          <RowsSkeleton rows={2} label="Loading keys…" />
        ) : query.isError && !query.data ? (
          <LoadError what="Keys" error={query.error} onRetry={() => void query.refetch()} />
        ) : keys.length === 0 ? (
          <EmptyBox title="No signing key yet">The organization&apos;s first key is made with its first checkpoint.</EmptyBox>
        ) : (
          <ul aria-label="Verifier keys" className="space-y-3">
            {[...keys].reverse().map((key) => (
              <li key={key.id} data-testid="signing-key" data-status={key.status} className="rounded-xl border border-stone-200 bg-white p-4 shadow-xs">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <div className="flex items-center gap-2">
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${
                        key.status === "active" ? "bg-emerald-50 text-emerald-800 ring-emerald-600/20" : "bg-stone-100 text-stone-600 ring-stone-500/20"
                      }`}
                    >
                      {key.status}
                    </span>
                    <span className="font-mono text-xs text-stone-600">{keyLabel(key)}</span>
                  </div>
                  <div className="flex gap-2">
                    <CopyButton text={key.vkey} label="Copy key" context={keyLabel(key)} />
                    <DownloadTextButton text={`${key.vkey}\n`} filename={`gatehouse-${orgSlug}-${key.id}.vkey`} label="Download key" context={keyLabel(key)} />
                  </div>
                </div>
                <p data-testid="vkey" className="mt-3 break-all rounded-md bg-stone-50 px-3 py-2 font-mono text-xs text-stone-800">
                  {key.vkey}
                </p>
                <p className="mt-2 text-xs text-stone-500">
                  Created {formatDateTime(key.createdAt)}
                  {key.retiredAt ? ` · retired ${formatDateTime(key.retiredAt)}` : ""}
                </p>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
