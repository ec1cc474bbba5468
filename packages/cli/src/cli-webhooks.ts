/** `gatehouse webhooks …`: the org's webhook endpoints and their delivery logs (docs/webhooks.md), with an admin key. */
import type { CreateWebhookRequest, WebhookDelivery, WebhookEndpoint } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, shortTime, table, UsageError, withConnection } from "./cli-common.ts";
import { defineCommand, type CommandGroup } from "./command.ts";

function endpointRow(w: WebhookEndpoint): string[] {
  const state = w.enabled ? (w.failedAttempts > 0 ? `retrying (${w.failedAttempts} failed)` : "active") : `paused: ${w.disabledReason ?? ""}`;
  return [w.id, w.url, w.events.join(","), state, String(w.backlog)];
}

function deliveryRow(d: WebhookDelivery): string[] {
  return [
    shortTime(d.createdAt),
    d.id,
    d.eventType,
    d.messageId,
    String(d.attempt),
    d.status,
    d.responseStatus === null ? "-" : String(d.responseStatus),
    `${d.durationMs} ms`,
    d.error ?? "",
  ];
}

function idArgument(args: readonly string[], usage: string): string {
  const [id, ...extra] = args;
  if (id === undefined) throw new UsageError(`needs a webhook endpoint id: ${usage}`);
  noMore(extra);
  return id;
}

function eventsOption(value: string | undefined): string[] {
  return (value ?? "*")
    .split(",")
    .map((event) => event.trim())
    .filter((event) => event !== "");
}

function printAttempt(out: (text: string) => void, d: WebhookDelivery): void {
  out(d.status === "delivered" ? `Delivered (${d.responseStatus}) in ${d.durationMs} ms: ${d.id}.\n` : `Failed: ${d.error ?? `answered ${d.responseStatus}`} (${d.id}).\n`);
}

const SECRET_NOTE = "Keep the secret: it is shown once. Verify each message with any Standard Webhooks library.\n";

export const webhooksGroup: CommandGroup = {
  name: "webhooks",
  notes: `Events are POSTed per the Standard Webhooks spec (webhook-id, webhook-timestamp, webhook-signature
with the whsec_ secret), in order per endpoint, retried on the published schedule; a 410 pauses the
endpoint. --events takes event types separated by commas (those of gatehouse tail), or * for all.`,
  commands: [
    defineCommand({
      name: "list",
      summary: "List the org's webhook endpoints and their state",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse webhooks list [--json]\n\nLists the org's webhook endpoints: URL, events, state, entries not handled yet."),
      async run(io, args, options) {
        noMore(args);
        const webhooks = await io.admin().webhooks.list({ signal: io.signal });
        if (options.json) return printJson(io.stdout, { webhooks });
        io.stdout(webhooks.length === 0 ? "No webhook endpoints.\n" : table(["ID", "URL", "EVENTS", "STATE", "BACKLOG"], webhooks.map(endpointRow)));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "create",
      synopsis: "<url> [--events <types>]",
      summary: "Add an endpoint; prints its secret once",
      options: { events: { type: "string" }, description: { type: "string" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse webhooks create <url> [--events <type,type|*>] [--description <text>] [--json]\n\nAdds an endpoint receiving the events from now on (all of them unless --events says which).",
      ),
      async run(io, args, options) {
        const url = idArgument(args, "gatehouse webhooks create <url>");
        const created = await io
          .admin()
          .webhooks.create(
            { url, events: eventsOption(options.events) as CreateWebhookRequest["events"], ...(options.description === undefined ? {} : { description: options.description }) },
            { signal: io.signal },
          );
        if (options.json) return printJson(io.stdout, created);
        io.stdout(`Added ${created.webhook.id} for ${created.webhook.url}.\nSecret: ${created.secret}\n${SECRET_NOTE}`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "pause",
      synopsis: "<id>",
      summary: "Pause deliveries (what happens meanwhile waits)",
      options: {},
      connection: "admin",
      help: withConnection("Usage: gatehouse webhooks pause <webhook-id>\n\nPauses an endpoint (whe_…); resume delivers what it missed, in order."),
      async run(io, args) {
        const id = idArgument(args, "gatehouse webhooks pause <webhook-id>");
        const webhook = await io.admin().webhooks.update(id, { enabled: false }, { signal: io.signal });
        io.stdout(`Paused ${webhook.id}.\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "resume",
      synopsis: "<id>",
      summary: "Resume a paused endpoint from the first message it missed",
      options: {},
      connection: "admin",
      help: withConnection("Usage: gatehouse webhooks resume <webhook-id>\n\nResumes an endpoint (whe_…): what it missed is delivered in order, retries start over."),
      async run(io, args) {
        const id = idArgument(args, "gatehouse webhooks resume <webhook-id>");
        const webhook = await io.admin().webhooks.update(id, { enabled: true }, { signal: io.signal });
        io.stdout(`Resumed ${webhook.id}: ${webhook.backlog} log entries to go through.\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "rotate",
      synopsis: "<id> [--overlap-seconds <n>]",
      summary: "Give an endpoint a new secret; prints it once",
      options: { "overlap-seconds": { type: "string" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse webhooks rotate <webhook-id> [--overlap-seconds <n>] [--json]\n\nA new secret; the old one keeps signing beside it for --overlap-seconds (86400 by default, at most 604800).",
      ),
      async run(io, args, options) {
        const id = idArgument(args, "gatehouse webhooks rotate <webhook-id>");
        const text = options["overlap-seconds"];
        const overlap = text === undefined ? undefined : Number(text);
        if (overlap !== undefined && (!Number.isInteger(overlap) || overlap < 0 || overlap > 604_800))
          throw new UsageError(`--overlap-seconds must be a whole number from 0 to 604800, not "${text}"`);
        const rotated = await io.admin().webhooks.rotateSecret(id, { ...(overlap === undefined ? {} : { overlapSeconds: overlap }), signal: io.signal });
        if (options.json) return printJson(io.stdout, rotated);
        const until = rotated.webhook.previousSecretUntil;
        io.stdout(
          `New secret for ${rotated.webhook.id}: ${rotated.secret}\n${until ? `The old one signs too until ${shortTime(until)}.\n` : "The old one stopped signing.\n"}${SECRET_NOTE}`,
        );
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "test",
      synopsis: "<id>",
      summary: "Send a signed test message now",
      options: {},
      connection: "admin",
      help: withConnection("Usage: gatehouse webhooks test <webhook-id>\n\nSends a signed webhook.test message to the endpoint and prints the result."),
      async run(io, args) {
        const id = idArgument(args, "gatehouse webhooks test <webhook-id>");
        printAttempt(io.stdout, await io.admin().webhooks.test(id, { signal: io.signal }));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "deliveries",
      synopsis: "<id> [--limit <n>]",
      summary: "Show an endpoint's delivery log, newest first",
      options: { limit: { type: "string" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse webhooks deliveries <webhook-id> [--limit <n>] [--json]\n\nEach attempt: when, the message, the result, the status code, how long it took.",
      ),
      async run(io, args, options) {
        const id = idArgument(args, "gatehouse webhooks deliveries <webhook-id>");
        const limit = options.limit === undefined ? undefined : Number(options.limit);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 200))
          throw new UsageError(`--limit must be a whole number from 1 to 200, not "${options.limit}"`);
        const page = await io.admin().webhooks.deliveries(id, { ...(limit === undefined ? {} : { limit }), signal: io.signal });
        if (options.json) return printJson(io.stdout, page);
        io.stdout(
          page.deliveries.length === 0
            ? "No deliveries yet.\n"
            : table(["TIME", "ID", "EVENT", "MESSAGE", "TRY", "RESULT", "STATUS", "TOOK", "ERROR"], page.deliveries.map(deliveryRow)),
        );
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "redeliver",
      synopsis: "<id> <delivery-id>",
      summary: "Send a logged message again",
      options: {},
      connection: "admin",
      help: withConnection("Usage: gatehouse webhooks redeliver <webhook-id> <delivery-id>\n\nSends the message of a logged attempt (whd_…) again, same webhook-id."),
      async run(io, args) {
        const [id, deliveryId, ...extra] = args;
        if (id === undefined || deliveryId === undefined)
          throw new UsageError("webhooks redeliver needs an endpoint and a delivery id: gatehouse webhooks redeliver <webhook-id> <delivery-id>");
        noMore(extra);
        printAttempt(io.stdout, await io.admin().webhooks.redeliver(id, deliveryId, { signal: io.signal }));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "delete",
      synopsis: "<id>",
      summary: "Delete an endpoint",
      options: {},
      connection: "admin",
      help: withConnection("Usage: gatehouse webhooks delete <webhook-id>\n\nDeletes an endpoint (whe_…) and its delivery log."),
      async run(io, args) {
        const id = idArgument(args, "gatehouse webhooks delete <webhook-id>");
        const webhook = await io.admin().webhooks.delete(id, { signal: io.signal });
        io.stdout(`Deleted ${webhook.id} (${webhook.url}).\n`);
        return EXIT_OK;
      },
    }),
  ],
};
