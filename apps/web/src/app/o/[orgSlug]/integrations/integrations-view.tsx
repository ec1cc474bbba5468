"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { ConfirmDelete } from "@/components/confirm-delete";
import { FormAlert, INPUT_CLASS } from "@/components/form-fields";
import { EmptyBox, RefreshErrorBanner } from "@/components/panel-states";
import { CopyButton } from "@/components/text-actions";
import type { CreateWebhookBody } from "@gatehouse/contracts";
import { ApiError } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import {
  createWebhook,
  deleteWebhook,
  endpointState,
  fetchDeliveries,
  fetchWebhooks,
  redeliver,
  rotateWebhook,
  testWebhook,
  updateWebhook,
  webhookKeys,
  type CreatedWebhook,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookList,
  connectSlack,
  disconnectSlack,
  fetchSlack,
  slackKey,
  type SlackConnection,
} from "@/lib/webhooks";

const TONES = { good: "bg-emerald-50 text-emerald-800 ring-emerald-200", waiting: "bg-amber-50 text-amber-900 ring-amber-200", bad: "bg-red-50 text-red-800 ring-red-200" };

/** The Integrations page: the org's webhook endpoints, each with its state, actions and delivery log. */
export function IntegrationsView({
  orgSlug,
  initial,
  initialSlack,
  mail,
  apiUrl,
  eventTypes,
}: {
  orgSlug: string;
  initial: WebhookList;
  initialSlack: SlackConnection;
  mail: { transport: "smtp" | "outbox" | "off"; from: string; linkOrigin: string };
  apiUrl: string;
  eventTypes: string[];
}) {
  const queryClient = useQueryClient();
  // The endpoints' state (backlog, retries, a pause by a 410) changes without anyone here acting: refreshed every few seconds.
  const query = useQuery({ queryKey: webhookKeys.list(orgSlug), queryFn: ({ signal }) => fetchWebhooks(orgSlug, signal), initialData: initial, refetchInterval: 5_000 });
  const [secret, setSecret] = useState<{ title: string; created: CreatedWebhook } | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["webhooks", orgSlug] });
  const webhooks = query.data.webhooks;

  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-xl font-semibold">Integrations</h1>
        <p className="mt-1 max-w-3xl text-sm text-stone-600">
          Webhooks send the org&apos;s events (decisions, approvals, halts, policy changes) to your own systems as they happen, signed per the Standard Webhooks spec: verify them
          with any Standard Webhooks library and the endpoint&apos;s secret. Each endpoint receives its events in order; a failed one is retried on a schedule and the later ones
          wait behind it; a 410 answer pauses the endpoint, and resuming it delivers what it missed.
        </p>
      </div>
      <EmailSection mail={mail} />
      <SlackSection orgSlug={orgSlug} initial={initialSlack} apiUrl={apiUrl} />
      <section aria-labelledby="webhooks-heading" className="space-y-4">
        <h2 id="webhooks-heading" className="text-base font-semibold">
          Webhooks
        </h2>
        <NewWebhookForm orgSlug={orgSlug} eventTypes={eventTypes} onCreated={(created) => (setSecret({ title: "The new endpoint's signing secret", created }), refresh())} />
        {secret ? <WebhookSecret title={secret.title} created={secret.created} onDismiss={() => setSecret(null)} /> : null}
        <RefreshErrorBanner what="webhook endpoints" error={query.error} onRetry={() => void query.refetch()} />
        {webhooks.length === 0 ? (
          <EmptyBox title="No webhook endpoints">Add one to receive the org&apos;s events where you work.</EmptyBox>
        ) : (
          <ul className="space-y-4">
            {webhooks.map((webhook) => (
              <WebhookCard
                key={webhook.id}
                orgSlug={orgSlug}
                webhook={webhook}
                onChanged={refresh}
                onRotated={(created) => (setSecret({ title: `New secret for ${created.webhook.url}`, created }), refresh())}
              />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function NewWebhookForm({ orgSlug, eventTypes, onCreated }: { orgSlug: string; eventTypes: string[]; onCreated: (created: CreatedWebhook) => void }) {
  const [all, setAll] = useState(true);
  const create = useMutation({ mutationFn: (body: Parameters<typeof createWebhook>[1]) => createWebhook(orgSlug, body), onSuccess: onCreated });
  const fields = create.error instanceof ApiError ? create.error.fields : {};
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const events = all ? ["*"] : form.getAll("events").map(String);
    const description = String(form.get("description") ?? "").trim();
    create.mutate({ url: String(form.get("url") ?? "").trim(), events: events as CreateWebhookBody["events"], ...(description ? { description } : {}) });
  };
  return (
    <form onSubmit={submit} aria-label="Add webhook endpoint" className="space-y-3 rounded-xl border border-stone-200 bg-white p-4">
      <div className="grid gap-3 sm:grid-cols-2">
        <div className="space-y-1">
          <label htmlFor="webhook-url" className="block text-sm font-medium text-stone-700">
            Endpoint URL
          </label>
          <input id="webhook-url" name="url" type="url" required placeholder="https://example.com/gatehouse" className={INPUT_CLASS} aria-invalid={fields.url ? true : undefined} />
          {fields.url ? <p className="text-xs text-red-700">URL {fields.url}</p> : null}
        </div>
        <div className="space-y-1">
          <label htmlFor="webhook-description" className="block text-sm font-medium text-stone-700">
            Description <span className="font-normal text-stone-500">(optional)</span>
          </label>
          <input id="webhook-description" name="description" maxLength={200} className={INPUT_CLASS} />
        </div>
      </div>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-stone-700">Events</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> All events, including types added later
        </label>
        {all ? null : (
          <div className="grid gap-1 sm:grid-cols-3">
            {eventTypes.map((type) => (
              <label key={type} className="flex items-center gap-2 font-mono text-xs">
                <input type="checkbox" name="events" value={type} /> {type}
              </label>
            ))}
          </div>
        )}
        {fields.events ? <p className="text-xs text-red-700">Events {fields.events}</p> : null}
      </fieldset>
      {create.error && !fields.url && !fields.events ? <FormAlert>{create.error.message}</FormAlert> : null}
      <Button type="submit" variant="primary" disabled={create.isPending}>
        {create.isPending ? "Adding…" : "Add endpoint"}
      </Button>
    </form>
  );
}

function WebhookSecret({ title, created, onDismiss }: { title: string; created: CreatedWebhook; onDismiss: () => void }) {
  return (
    <section aria-label={title} className="rounded-xl border border-amber-300 bg-amber-50 p-4">
      <h3 className="text-sm font-semibold text-amber-900">{title}</h3>
      <p className="mt-1 text-xs text-amber-900">Copy it now: it is shown once. Your receiver verifies each message&apos;s signature with it.</p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code data-testid="webhook-secret" className="rounded-md border border-amber-200 bg-white px-2 py-1 font-mono text-xs break-all">
          {created.secret}
        </code>
        <CopyButton text={created.secret} label="Copy secret" />
        <Button size="xs" variant="ghost" onClick={onDismiss}>
          Done
        </Button>
      </div>
    </section>
  );
}

function WebhookCard({
  orgSlug,
  webhook,
  onChanged,
  onRotated,
}: {
  orgSlug: string;
  webhook: WebhookEndpointView;
  onChanged: () => void;
  onRotated: (created: CreatedWebhook) => void;
}) {
  const [open, setOpen] = useState(false);
  const [lastTest, setLastTest] = useState<WebhookDeliveryView | null>(null);
  const state = endpointState(webhook);
  const toggle = useMutation({ mutationFn: () => updateWebhook(orgSlug, webhook.id, { enabled: !webhook.enabled }), onSuccess: onChanged });
  const remove = useMutation({ mutationFn: () => deleteWebhook(orgSlug, webhook.id), onSuccess: onChanged });
  const rotate = useMutation({ mutationFn: () => rotateWebhook(orgSlug, webhook.id, {}), onSuccess: onRotated });
  const test = useMutation({ mutationFn: () => testWebhook(orgSlug, webhook.id), onSuccess: (attempt) => (setLastTest(attempt), onChanged()) });
  const error = toggle.error ?? remove.error ?? rotate.error ?? test.error;
  return (
    <li data-testid="webhook-row" className="rounded-xl border border-stone-200 bg-white p-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <p className="font-mono text-sm break-all">{webhook.url}</p>
          {webhook.description ? <p className="text-sm text-stone-600">{webhook.description}</p> : null}
          <p className="text-xs text-stone-500">
            {webhook.events.includes("*") ? "All events" : webhook.events.join(", ")} · added {formatDateTime(webhook.createdAt)}
            {webhook.backlog > 0 ? ` · ${webhook.backlog} log entries not handled yet` : ""}
            {webhook.previousSecretUntil ? ` · the previous secret signs too until ${formatDateTime(webhook.previousSecretUntil)}` : ""}
          </p>
          <p className="text-xs">
            <span data-testid="webhook-state" className={`rounded-full px-2 py-0.5 font-medium ring-1 ${TONES[state.tone]}`}>
              {state.label}
            </span>
            {state.detail ? <span className="ml-2 text-stone-600">{state.detail}</span> : null}
            {webhook.nextAttemptAt ? <span className="ml-2 text-stone-600">next try {formatDateTime(webhook.nextAttemptAt)}</span> : null}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Button size="xs" onClick={() => test.mutate()} disabled={test.isPending}>
            {test.isPending ? "Sending…" : "Send test"}
          </Button>
          <Button size="xs" onClick={() => toggle.mutate()} disabled={toggle.isPending} variant={webhook.enabled ? "warning" : "approve"}>
            {webhook.enabled ? "Pause" : "Resume"}
          </Button>
          <Button size="xs" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
            Rotate secret
          </Button>
          <Button size="xs" onClick={() => setOpen(!open)} aria-expanded={open}>
            {open ? "Hide deliveries" : "Deliveries"}
          </Button>
          <ConfirmDelete onDelete={() => remove.mutate()} pending={remove.isPending} />
        </div>
      </div>
      {lastTest ? (
        <p role="status" className={`mt-3 text-sm ${lastTest.status === "delivered" ? "text-emerald-800" : "text-red-800"}`}>
          Test message{" "}
          {lastTest.status === "delivered"
            ? `delivered (${lastTest.responseStatus}) in ${lastTest.durationMs} ms`
            : `failed: ${lastTest.error ?? `answered ${lastTest.responseStatus}`}`}
        </p>
      ) : null}
      {error ? (
        <div className="mt-3">
          <FormAlert>{error.message}</FormAlert>
        </div>
      ) : null}
      {open ? <DeliveryLog orgSlug={orgSlug} webhookId={webhook.id} /> : null}
    </li>
  );
}

function DeliveryLog({ orgSlug, webhookId }: { orgSlug: string; webhookId: string }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: webhookKeys.deliveries(orgSlug, webhookId), queryFn: ({ signal }) => fetchDeliveries(orgSlug, webhookId, signal), refetchInterval: 3_000 });
  const again = useMutation({
    mutationFn: (deliveryId: string) => redeliver(orgSlug, webhookId, deliveryId),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: webhookKeys.deliveries(orgSlug, webhookId) }),
  });
  if (query.isPending) return <p className="mt-3 text-sm text-stone-500">Loading deliveries…</p>;
  if (query.error) return <RefreshErrorBanner what="deliveries" error={query.error} onRetry={() => void query.refetch()} />;
  const deliveries = query.data.deliveries;
  return (
    <div className="mt-4 overflow-x-auto">
      {again.error ? <FormAlert>{again.error.message}</FormAlert> : null}
      {deliveries.length === 0 ? (
        <p className="text-sm text-stone-500">No deliveries yet: the next event, or a test, shows up here.</p>
      ) : (
        <table className="min-w-full text-left text-xs" aria-label="Delivery log">
          <thead className="text-stone-500">
            <tr>
              <th className="py-1 pr-3 font-medium">When</th>
              <th className="py-1 pr-3 font-medium">Event</th>
              <th className="py-1 pr-3 font-medium">Message</th>
              <th className="py-1 pr-3 font-medium">Try</th>
              <th className="py-1 pr-3 font-medium">Result</th>
              <th className="py-1 pr-3 font-medium">Took</th>
              <th className="py-1 font-medium" />
            </tr>
          </thead>
          <tbody className="divide-y divide-stone-100">
            {deliveries.map((d) => (
              <tr key={d.id} data-testid="delivery-row">
                <td className="py-1 pr-3 whitespace-nowrap">{formatDateTime(d.createdAt)}</td>
                <td className="py-1 pr-3 font-mono">{d.eventType}</td>
                <td className="py-1 pr-3 font-mono">{d.messageId}</td>
                <td className="py-1 pr-3">
                  {d.attempt}
                  {d.kind === "event" ? "" : ` (${d.kind})`}
                </td>
                <td className={`py-1 pr-3 ${d.status === "delivered" ? "text-emerald-800" : "text-red-800"}`}>
                  {d.status}
                  {d.responseStatus === null ? "" : ` · ${d.responseStatus}`}
                  {d.error ? ` · ${d.error}` : ""}
                </td>
                <td className="py-1 pr-3 whitespace-nowrap">{d.durationMs} ms</td>
                <td className="py-1">
                  <Button size="xs" variant="link" onClick={() => again.mutate(d.id)} disabled={again.isPending}>
                    Redeliver
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The org's Slack app: where approvals with `notify.slack` are posted, with Approve / Deny buttons, once Slack has proven it. */
function SlackSection({ orgSlug, initial, apiUrl }: { orgSlug: string; initial: SlackConnection; apiUrl: string }) {
  const queryClient = useQueryClient();
  // Slack's proof arrives without anyone here acting (the app's Request URL set in Slack): refreshed while it is awaited.
  const query = useQuery({
    queryKey: slackKey(orgSlug),
    queryFn: ({ signal }) => fetchSlack(orgSlug, signal),
    initialData: initial,
    refetchInterval: (q) => (q.state.data?.state === "pending" || q.state.data?.pendingApprovalId ? 5_000 : false),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: slackKey(orgSlug) });
  const [asked, setAsked] = useState<string | null>(null);
  const connect = useMutation({
    mutationFn: (body: { botToken: string; signingSecret: string }) => connectSlack(orgSlug, body),
    onSuccess: (answer) => {
      if ("status" in answer) {
        setAsked(answer.approvalId);
      } else {
        setAsked(null);
        queryClient.setQueryData(slackKey(orgSlug), answer);
      }
      refresh();
    },
  });
  const disconnect = useMutation({ mutationFn: () => disconnectSlack(orgSlug), onSuccess: (state) => queryClient.setQueryData(slackKey(orgSlug), state) });
  const fields = connect.error instanceof ApiError ? connect.error.fields : {};
  const slack = query.data;
  const waiting = asked ?? slack.pendingApprovalId;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    connect.mutate({ botToken: String(form.get("botToken") ?? "").trim(), signingSecret: String(form.get("signingSecret") ?? "").trim() });
  };
  const workspace = slack.teamName ?? slack.teamId ?? "a workspace";
  return (
    <section aria-labelledby="slack-heading" className="space-y-3 rounded-xl border border-stone-200 bg-white p-4">
      <h2 id="slack-heading" className="text-base font-semibold">
        Slack
      </h2>
      <p className="max-w-3xl text-sm text-stone-600">
        Connect your own Slack app and policies can post approval requests to channels (<code className="font-mono text-xs">approval.notify.slack</code>) with Approve and Deny
        buttons. A click counts only from the app&apos;s workspace, from a full member of it (not a guest, a person from another organization, a bot or a deactivated account), on
        the message Gatehouse posted for that request; it is the vote of the member whose account has the clicker&apos;s Slack email, checked like a console vote. The app needs the
        scopes chat:write, users:read and users:read.email. In the app&apos;s settings, set the Event Subscriptions Request URL (Slack&apos;s request there proves the app is yours,
        and only then is it used) and the Interactivity Request URL:
      </p>
      <dl className="grid gap-1 text-sm sm:grid-cols-[max-content_1fr] sm:gap-x-3">
        <dt className="text-stone-600">Event Subscriptions</dt>
        <dd>
          <code data-testid="slack-events-url" className="block rounded-md bg-stone-100 px-2 py-1 font-mono text-xs break-all">
            {apiUrl}
            {slack.eventsPath}
          </code>
        </dd>
        <dt className="text-stone-600">Interactivity</dt>
        <dd>
          <code data-testid="slack-interactions-url" className="block rounded-md bg-stone-100 px-2 py-1 font-mono text-xs break-all">
            {apiUrl}
            {slack.interactionsPath}
          </code>
        </dd>
      </dl>
      {slack.state === "none" ? (
        <p data-testid="slack-state" className="text-sm text-stone-600">
          Not connected.
        </p>
      ) : (
        <div className="flex flex-wrap items-center gap-3">
          {slack.state === "verified" ? (
            <p data-testid="slack-state" className="text-sm text-emerald-800">
              Connected to {workspace}, verified by Slack{slack.verifiedAt ? ` ${formatDateTime(slack.verifiedAt)}` : ""}.
            </p>
          ) : (
            <p data-testid="slack-state" className="text-sm text-amber-900">
              Connected to {workspace}, waiting for Slack to verify it: set the app&apos;s Event Subscriptions Request URL to the address above. Until Slack&apos;s request arrives,
              nothing is posted and no click counts.
            </p>
          )}
          <Button size="xs" variant="danger" onClick={() => disconnect.mutate()} disabled={disconnect.isPending}>
            Disconnect
          </Button>
        </div>
      )}
      {waiting ? (
        <p data-testid="slack-pending-approval" role="status" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          A Slack app waits for another owner or admin to approve it (the two-admin rule){slack.connected ? "; the current one stays until then" : ""}.{" "}
          <Link href={`/o/${encodeURIComponent(orgSlug)}/approvals?approval=${encodeURIComponent(waiting)}`} className="font-medium underline underline-offset-2">
            Open the approval
          </Link>
        </p>
      ) : null}
      <form onSubmit={submit} aria-label="Connect Slack" className="grid gap-3 sm:grid-cols-2">
        <div className="space-y-1">
          <label htmlFor="slack-bot-token" className="block text-sm font-medium text-stone-700">
            Bot token
          </label>
          <input id="slack-bot-token" name="botToken" type="password" autoComplete="off" required placeholder="xoxb-…" className={INPUT_CLASS} />
          {fields.botToken ? <p className="text-xs text-red-700">Bot token {fields.botToken}</p> : null}
        </div>
        <div className="space-y-1">
          <label htmlFor="slack-signing-secret" className="block text-sm font-medium text-stone-700">
            Signing secret
          </label>
          <input id="slack-signing-secret" name="signingSecret" type="password" autoComplete="off" required className={INPUT_CLASS} />
          {fields.signingSecret ? <p className="text-xs text-red-700">Signing secret {fields.signingSecret}</p> : null}
        </div>
        <div className="sm:col-span-2">
          <Button type="submit" variant="primary" disabled={connect.isPending}>
            {connect.isPending ? "Checking with Slack…" : slack.connected ? "Replace the Slack app" : "Connect Slack"}
          </Button>
        </div>
      </form>
      {(connect.error && !fields.botToken && !fields.signingSecret) || disconnect.error ? <FormAlert>{(connect.error ?? disconnect.error)?.message}</FormAlert> : null}
    </section>
  );
}

/** How approval emails leave this instance: policies route them (`approval.notify.emails` or `roles`). */
function EmailSection({ mail }: { mail: { transport: "smtp" | "outbox" | "off"; from: string; linkOrigin: string } }) {
  return (
    <section aria-labelledby="email-heading" className="space-y-2 rounded-xl border border-stone-200 bg-white p-4">
      <h2 id="email-heading" className="text-base font-semibold">
        Email
      </h2>
      <p className="max-w-3xl text-sm text-stone-600">
        Policies email approvers a link of their own (<code className="font-mono text-xs">approval.notify.emails</code> or <code className="font-mono text-xs">roles</code>
        ): opening it decides nothing; only the approver, signed in, decides on its page. Reminders and escalation come the same way.
      </p>
      <p data-testid="mail-state" className={`text-sm ${mail.transport === "off" ? "text-red-800" : "text-stone-800"}`}>
        {mail.transport === "smtp"
          ? `Sent by this instance's mail server, from ${mail.from}; links start with ${mail.linkOrigin}.`
          : mail.transport === "outbox"
            ? `Kept in the development outbox (/dev/outbox): this instance was started for development without SMTP_URL. Links start with ${mail.linkOrigin}.`
            : "Mail is off on this instance (MAIL_TRANSPORT=off): approval emails are not sent. Ask its operator to set SMTP_URL."}
      </p>
    </section>
  );
}
