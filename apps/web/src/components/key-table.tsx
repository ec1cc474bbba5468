"use client";

import type { ApiKeyView } from "@gatehouse/contracts";
import type { ReactNode } from "react";
import { Button } from "@/components/button";
import { INPUT_CLASS } from "@/components/form-fields";
import { keyState } from "@/lib/agents";
import { formatDateTime } from "@/lib/format";

/** A key as the admin API lists it (no secret). */
export type KeyRow = ApiKeyView;

/**
 * API keys as a table (an agent's keys, members' admin keys): name, its owner when `member` is given,
 * the visible part of the key, its state, when it was created (`showCreated`) and last used, and a
 * Revoke button while it is live.
 */
export function KeyTable<K extends KeyRow>({
  keys,
  onRevoke,
  revoking,
  rowTestId,
  member,
  showCreated = false,
}: {
  keys: readonly K[];
  onRevoke: (id: string) => void;
  revoking: string | undefined;
  rowTestId: string;
  member?: (key: K) => ReactNode;
  showCreated?: boolean;
}) {
  return (
    <div className="overflow-x-auto rounded-xl border border-stone-200 bg-white">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-stone-200 text-xs text-stone-500">
          <tr>
            <th className="px-4 py-2 font-medium">Name</th>
            {member ? <th className="px-4 py-2 font-medium">Member</th> : null}
            <th className="px-4 py-2 font-medium">Key</th>
            <th className="px-4 py-2 font-medium">State</th>
            {showCreated ? <th className="px-4 py-2 font-medium">Created</th> : null}
            <th className="px-4 py-2 font-medium">Last used</th>
            <th className="px-4 py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} data-testid={rowTestId} className="border-b border-stone-100 last:border-0">
              <td className="px-4 py-2">{key.name}</td>
              {member ? <td className="px-4 py-2 text-xs">{member(key)}</td> : null}
              <td className="px-4 py-2 font-mono text-xs">
                {key.prefix}…{key.lastFour}
              </td>
              <td className="px-4 py-2 text-xs">{keyState(key)}</td>
              {showCreated ? <td className="px-4 py-2 text-xs">{formatDateTime(key.createdAt)}</td> : null}
              <td className="px-4 py-2 text-xs">{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : "never"}</td>
              <td className="px-4 py-2 text-right">
                {key.revokedAt ? null : (
                  <Button size="xs" variant="danger" disabled={revoking === key.id} onClick={() => onRevoke(key.id)}>
                    Revoke<span className="sr-only"> {key.name}</span>
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The fields of a form that issues a key: its name, and its lifetime in days (empty: it never expires). */
export function NewKeyFields({ namePlaceholder }: { namePlaceholder: string }) {
  return (
    <>
      <label className="space-y-1 text-xs font-medium text-stone-700">
        <span>Key name</span>
        <input name="name" maxLength={100} placeholder={namePlaceholder} className={INPUT_CLASS} />
      </label>
      <label className="space-y-1 text-xs font-medium text-stone-700">
        <span>Expires in (days)</span>
        <input name="expiresInDays" type="number" min={1} max={3650} placeholder="never" className={INPUT_CLASS} />
      </label>
    </>
  );
}
