"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { FormAlert } from "@/components/form-fields";
import { KeyTable, NewKeyFields } from "@/components/key-table";
import { EmptyBox, RefreshErrorBanner } from "@/components/panel-states";
import { agentKeys, fetchAdminKeys, issueAdminKey, newKeyBody, revokeKey, type AdminKeyList, type IssuedAdminKey } from "@/lib/agents";
import { SecretOnce, Snippet } from "../agents/secret-once";

export function AdminKeys({ orgSlug, initial, apiUrl }: { orgSlug: string; initial: AdminKeyList; apiUrl: string }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: agentKeys.adminKeys(orgSlug), queryFn: ({ signal }) => fetchAdminKeys(orgSlug, signal), initialData: initial });
  const [issued, setIssued] = useState<IssuedAdminKey | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: agentKeys.adminKeys(orgSlug) });
  const issue = useMutation({ mutationFn: (body: { name?: string; expiresInDays?: number }) => issueAdminKey(orgSlug, body), onSuccess: (key) => (setIssued(key), refresh()) });
  const revoke = useMutation({ mutationFn: (keyId: string) => revokeKey(orgSlug, keyId), onSuccess: refresh });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    issue.mutate(newKeyBody(new FormData(event.currentTarget)));
  };
  const keys = query.data.keys;

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">Admin keys</h1>
        <p className="mt-1 max-w-2xl text-sm text-stone-600">
          A personal admin key calls the admin API (<code className="font-mono text-xs">/v1/admin/*</code>, the CLI) as you, with your role at the time of each call. Keys of
          members you outrank or equal are listed too, so you can revoke them.
        </p>
      </div>
      <form onSubmit={submit} aria-label="Issue admin key" className="flex flex-wrap items-end gap-2">
        <NewKeyFields namePlaceholder="admin" />
        <Button type="submit" variant="primary" disabled={issue.isPending}>
          Issue admin key
        </Button>
      </form>
      {issue.error ? <FormAlert>{issue.error.message}</FormAlert> : null}
      {revoke.error ? <FormAlert>{revoke.error.message}</FormAlert> : null}
      {issued ? (
        <SecretOnce title="Your new admin key" secret={issued.apiKey}>
          <Snippet label="curl" code={`curl -sS ${apiUrl}/v1/whoami \\\n  -H "authorization: Bearer ${issued.apiKey}"`} />
        </SecretOnce>
      ) : null}
      <RefreshErrorBanner what="keys" error={query.error} onRetry={() => void query.refetch()} />
      {keys.length === 0 ? (
        <EmptyBox title="No admin keys">Issue one to use the admin API or the CLI.</EmptyBox>
      ) : (
        <KeyTable
          keys={keys}
          rowTestId="admin-key-row"
          showCreated
          member={(key) => (
            <>
              {key.mine ? "you" : key.member.name || key.member.email} <span className="text-stone-500">({key.member.role})</span>
            </>
          )}
          onRevoke={(id) => revoke.mutate(id)}
          revoking={revoke.isPending ? revoke.variables : undefined}
        />
      )}
    </div>
  );
}
