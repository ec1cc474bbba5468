"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { Button } from "@/components/button";
import { ConfirmDelete } from "@/components/confirm-delete";
import { FormAlert, INPUT_CLASS } from "@/components/form-fields";
import { EmptyBox, RefreshErrorBanner } from "@/components/panel-states";
import { CopyButton } from "@/components/text-actions";
import { ApiError } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import { lineDiff } from "@/lib/line-diff";
import { DiffView } from "@/components/diff-view";
import {
  acceptMcpTool,
  catalogueState,
  definitionText,
  fetchMcpTools,
  createMcpGateway,
  createMcpServer,
  deleteMcpGateway,
  deleteMcpServer,
  fetchMcpGateways,
  fetchMcpServers,
  mcpKeys,
  updateMcpServer,
  type McpGatewayList,
  type McpGatewayView,
  type McpServerList,
  type McpServerView,
  type McpToolPinView,
} from "@/lib/mcp";

const TONES = {
  good: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  waiting: "bg-amber-50 text-amber-900 ring-amber-200",
  neutral: "bg-stone-50 text-stone-700 ring-stone-200",
};
const NAME_HINT = "1 to 32 of a-z, 0-9 and '-'";

/** The MCP page: the org's servers (credentials sealed, tools pinned) and the gateways its MCP clients connect to. */
export function McpView({ orgSlug, initialServers, initialGateways, apiUrl }: { orgSlug: string; initialServers: McpServerList; initialGateways: McpGatewayList; apiUrl: string }) {
  const queryClient = useQueryClient();
  // What a gateway pinned or saw change arrives without anyone here acting: refreshed every few seconds.
  const servers = useQuery({ queryKey: mcpKeys.servers(orgSlug), queryFn: ({ signal }) => fetchMcpServers(orgSlug, signal), initialData: initialServers, refetchInterval: 5_000 });
  const gateways = useQuery({ queryKey: mcpKeys.gateways(orgSlug), queryFn: ({ signal }) => fetchMcpGateways(orgSlug, signal), initialData: initialGateways });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["mcp", orgSlug] });
  const origin = apiUrl.replace(/\/+$/, "");

  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-xl font-semibold">MCP gateway</h1>
        <p className="mt-1 max-w-3xl text-sm text-stone-600">
          Register the MCP servers your agents use, then point MCP clients at one gateway URL instead of at each server. Every tool call through a gateway is decided by the
          org&apos;s policies as <code className="font-mono text-xs">mcp.&lt;server&gt;.&lt;tool&gt;</code> and recorded in the audit log. A server&apos;s credential is sealed and
          never shown again, nor sent to agents.
        </p>
      </div>
      <section aria-labelledby="mcp-servers-heading" className="space-y-4">
        <h2 id="mcp-servers-heading" className="text-base font-semibold">
          Servers
        </h2>
        <NewServerForm orgSlug={orgSlug} onCreated={refresh} />
        <RefreshErrorBanner what="MCP servers" error={servers.error} onRetry={() => void servers.refetch()} />
        {servers.data.servers.length === 0 ? (
          <EmptyBox title="No MCP servers">Register one to put it behind a gateway.</EmptyBox>
        ) : (
          <ul className="space-y-3">
            {servers.data.servers.map((server) => (
              <ServerCard key={server.id} orgSlug={orgSlug} server={server} onChanged={refresh} />
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="mcp-gateways-heading" className="space-y-4">
        <h2 id="mcp-gateways-heading" className="text-base font-semibold">
          Gateways
        </h2>
        <NewGatewayForm orgSlug={orgSlug} servers={servers.data.servers} onCreated={refresh} />
        <RefreshErrorBanner what="MCP gateways" error={gateways.error} onRetry={() => void gateways.refetch()} />
        {gateways.data.gateways.length === 0 ? (
          <EmptyBox title="No gateways">Create one in front of some of the servers above; its URL is what your MCP clients connect to.</EmptyBox>
        ) : (
          <ul className="space-y-3">
            {gateways.data.gateways.map((gateway) => (
              <GatewayCard key={gateway.id} orgSlug={orgSlug} gateway={gateway} url={`${origin}${gateway.path}`} onChanged={refresh} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function fieldsOf(error: Error | null): Record<string, string> {
  return error instanceof ApiError ? error.fields : {};
}

function NewServerForm({ orgSlug, onCreated }: { orgSlug: string; onCreated: () => void }) {
  const create = useMutation({ mutationFn: (body: Parameters<typeof createMcpServer>[1]) => createMcpServer(orgSlug, body) });
  const fields = fieldsOf(create.error);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const description = String(form.get("description") ?? "").trim();
    const credential = String(form.get("credential") ?? "").trim();
    create.mutate(
      { name: String(form.get("name") ?? "").trim(), url: String(form.get("url") ?? "").trim(), ...(description ? { description } : {}), ...(credential ? { credential } : {}) },
      { onSuccess: () => (formElement.reset(), onCreated()) },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Register MCP server" className="space-y-3 rounded-xl border border-stone-200 bg-white p-4">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field id="mcp-server-name" label="Name" error={fields.name} hint={`Its tools' namespace: ${NAME_HINT}`}>
          <input id="mcp-server-name" name="name" required maxLength={32} pattern="[a-z0-9](?:[a-z0-9\-]{0,30}[a-z0-9])?" placeholder="github" className={INPUT_CLASS} />
        </Field>
        <Field id="mcp-server-url" label="Streamable HTTP URL" error={fields.url}>
          <input id="mcp-server-url" name="url" type="url" required placeholder="https://mcp.example.com/mcp" className={INPUT_CLASS} />
        </Field>
        <Field id="mcp-server-credential" label="Authorization header (optional)" error={fields.credential} hint="Sent upstream as is, e.g. Bearer …; sealed, never shown again">
          <input id="mcp-server-credential" name="credential" type="password" autoComplete="off" className={INPUT_CLASS} />
        </Field>
        <Field id="mcp-server-description" label="Description (optional)" error={fields.description}>
          <input id="mcp-server-description" name="description" maxLength={200} className={INPUT_CLASS} />
        </Field>
      </div>
      {create.error && Object.keys(fields).length === 0 ? <FormAlert>{create.error.message}</FormAlert> : null}
      <Button type="submit" variant="primary" disabled={create.isPending}>
        {create.isPending ? "Registering…" : "Register server"}
      </Button>
    </form>
  );
}

function Field({ id, label, error, hint, children }: { id: string; label: string; error: string | undefined; hint?: string; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-stone-700">
        {label}
      </label>
      {children}
      {error ? <p className="text-xs text-red-700">{`${label.replace(/ \(optional\)$/, "")} ${error}`}</p> : hint ? <p className="text-xs text-stone-500">{hint}</p> : null}
    </div>
  );
}

function ServerCard({ orgSlug, server, onChanged }: { orgSlug: string; server: McpServerView; onChanged: () => void }) {
  const [showTools, setShowTools] = useState(false);
  const remove = useMutation({ mutationFn: () => deleteMcpServer(orgSlug, server.id), onSuccess: onChanged });
  const dropCredential = useMutation({ mutationFn: () => updateMcpServer(orgSlug, server.id, { credential: null }), onSuccess: onChanged });
  const state = catalogueState(server);
  const error = remove.error ?? dropCredential.error;
  return (
    <li data-testid="mcp-server-row" className="rounded-xl border border-stone-200 bg-white p-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <p className="text-sm font-semibold">{server.name}</p>
          <p className="font-mono text-xs break-all text-stone-700">{server.url}</p>
          {server.description ? <p className="text-sm text-stone-600">{server.description}</p> : null}
          <p className="text-xs text-stone-500">
            Credential: {server.hasCredential ? "sealed" : "none"} · {server.gateways.length === 0 ? "in no gateway" : `in ${server.gateways.join(", ")}`} · added{" "}
            {formatDateTime(server.createdAt)}
          </p>
          <p className="text-xs">
            <span data-testid="mcp-catalogue-state" className={`rounded-full px-2 py-0.5 font-medium ring-1 ${TONES[state.tone]}`}>
              {state.label}
            </span>
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {server.tools > 0 ? (
            <Button size="xs" onClick={() => setShowTools(!showTools)} aria-expanded={showTools} variant={server.changedTools > 0 ? "warning" : "secondary"}>
              {showTools ? "Hide tools" : server.changedTools > 0 ? "Review changes" : "Tools"}
            </Button>
          ) : null}
          {server.hasCredential ? (
            <Button size="xs" onClick={() => dropCredential.mutate()} disabled={dropCredential.isPending}>
              Remove credential
            </Button>
          ) : null}
          <ConfirmDelete onDelete={() => remove.mutate()} pending={remove.isPending} />
        </div>
      </div>
      {error ? (
        <div className="mt-3">
          <FormAlert>{error.message}</FormAlert>
        </div>
      ) : null}
      {showTools ? <ToolReview orgSlug={orgSlug} server={server} onChanged={onChanged} /> : null}
    </li>
  );
}

/** A server's pinned tools; each one held (changed, or new) with its difference from the pinned definition and Accept. */
function ToolReview({ orgSlug, server, onChanged }: { orgSlug: string; server: McpServerView; onChanged: () => void }) {
  const query = useQuery({ queryKey: mcpKeys.tools(orgSlug, server.id), queryFn: ({ signal }) => fetchMcpTools(orgSlug, server.id, signal) });
  if (query.isPending) return <p className="mt-3 text-sm text-stone-500">Loading tools…</p>;
  if (query.error) return <RefreshErrorBanner what="tools" error={query.error} onRetry={() => void query.refetch()} />;
  const tools = [...query.data.tools].sort((a, b) => Number(b.pending !== null) - Number(a.pending !== null) || a.name.localeCompare(b.name));
  return (
    <ul className="mt-4 space-y-3" aria-label={`Tools of ${server.name}`}>
      {tools.map((tool) => (
        <ToolRow key={tool.name} orgSlug={orgSlug} serverId={server.id} tool={tool} onChanged={() => (void query.refetch(), onChanged())} />
      ))}
    </ul>
  );
}

function ToolRow({ orgSlug, serverId, tool, onChanged }: { orgSlug: string; serverId: string; tool: McpToolPinView; onChanged: () => void }) {
  const accept = useMutation({ mutationFn: (digest: string) => acceptMcpTool(orgSlug, serverId, tool.name, digest), onSuccess: onChanged });
  const pending = tool.pending;
  const added = pending?.fields.includes("added") ?? false;
  return (
    <li data-testid="mcp-tool-row" className="rounded-lg border border-stone-200 p-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm">
          <span className="font-mono font-medium">{tool.name}</span>{" "}
          {pending ? (
            <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${TONES.waiting}`}>
              {added ? "new: held until accepted" : `held: ${pending.fields.join(", ")} changed`}
            </span>
          ) : (
            <span className="text-xs text-stone-500">pinned {formatDateTime(tool.pinnedAt)}</span>
          )}
        </p>
        {pending ? (
          <Button size="xs" variant="approve" onClick={() => accept.mutate(pending.digest)} disabled={accept.isPending}>
            {accept.isPending ? "Accepting…" : "Accept this definition"}
          </Button>
        ) : null}
      </div>
      {pending ? (
        <>
          <p className="mt-2 text-xs text-stone-600">
            {added ? "The server added this tool after it was first pinned." : "What the server lists now, against what was pinned."} Read it as the model would: instructions to
            the model in a description are how a server turns on its users.
          </p>
          <DiffView lines={lineDiff(added ? "" : definitionText(tool.definition), definitionText(pending.definition))} />
        </>
      ) : null}
      {accept.error ? (
        <div className="mt-2">
          <FormAlert>{accept.error.message}</FormAlert>
        </div>
      ) : null}
    </li>
  );
}

function NewGatewayForm({ orgSlug, servers, onCreated }: { orgSlug: string; servers: McpServerView[]; onCreated: () => void }) {
  const create = useMutation({ mutationFn: (body: Parameters<typeof createMcpGateway>[1]) => createMcpGateway(orgSlug, body) });
  const fields = fieldsOf(create.error);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const onChange = String(form.get("onChange") ?? "hide") === "require_approval" ? "require_approval" : "hide";
    create.mutate({ name: String(form.get("name") ?? "").trim(), servers: form.getAll("servers").map(String), onChange }, { onSuccess: () => (formElement.reset(), onCreated()) });
  };
  return (
    <form onSubmit={submit} aria-label="Create MCP gateway" className="space-y-3 rounded-xl border border-stone-200 bg-white p-4">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field id="mcp-gateway-name" label="Name" error={fields.name} hint={`Its URL ends in it: ${NAME_HINT}`}>
          <input id="mcp-gateway-name" name="name" required maxLength={32} pattern="[a-z0-9](?:[a-z0-9\-]{0,30}[a-z0-9])?" placeholder="engineering" className={INPUT_CLASS} />
        </Field>
        <Field id="mcp-gateway-on-change" label="A tool whose definition changed" error={fields.onChange}>
          <select id="mcp-gateway-on-change" name="onChange" defaultValue="hide" className={INPUT_CLASS}>
            <option value="hide">is hidden until an admin accepts the change</option>
            <option value="require_approval">stays listed; its calls wait for approval</option>
          </select>
        </Field>
      </div>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-stone-700">Servers</legend>
        {servers.length === 0 ? (
          <p className="text-sm text-stone-500">Register a server first.</p>
        ) : (
          <div className="grid gap-1 sm:grid-cols-3">
            {servers.map((server) => (
              <label key={server.id} className="flex items-center gap-2 text-sm">
                <input type="checkbox" name="servers" value={server.name} /> {server.name}
              </label>
            ))}
          </div>
        )}
        {fields.servers ? <p className="text-xs text-red-700">Servers {fields.servers}</p> : null}
      </fieldset>
      {create.error && Object.keys(fields).length === 0 ? <FormAlert>{create.error.message}</FormAlert> : null}
      <Button type="submit" variant="primary" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create gateway"}
      </Button>
    </form>
  );
}

function GatewayCard({ orgSlug, gateway, url, onChanged }: { orgSlug: string; gateway: McpGatewayView; url: string; onChanged: () => void }) {
  const remove = useMutation({ mutationFn: () => deleteMcpGateway(orgSlug, gateway.id), onSuccess: onChanged });
  return (
    <li data-testid="mcp-gateway-row" className="rounded-xl border border-stone-200 bg-white p-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <p className="text-sm font-semibold">{gateway.name}</p>
          <p className="flex flex-wrap items-center gap-2">
            <code data-testid="mcp-gateway-url" className="font-mono text-xs break-all">
              {url}
            </code>
            <CopyButton text={url} label="Copy URL" />
          </p>
          <p className="text-xs text-stone-500">
            Serves {gateway.servers.length === 0 ? "no servers" : gateway.servers.join(", ")} · a changed tool {gateway.onChange === "hide" ? "is hidden" : "waits for approval"}{" "}
            until accepted
          </p>
        </div>
        <div className="flex gap-2">
          <ConfirmDelete onDelete={() => remove.mutate()} pending={remove.isPending} />
        </div>
      </div>
      {remove.error ? (
        <div className="mt-3">
          <FormAlert>{remove.error.message}</FormAlert>
        </div>
      ) : null}
    </li>
  );
}
