import type { WebhookDeliveryView } from "@gatehouse/contracts";
import { newId, notFound, WEBHOOK_TEST_EVENT, webhookHeaders, webhookPayload } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { project, type EntryRow } from "../events/event-feed";
import { db } from "../infra/client";
import { sendWebhook } from "./send-webhook";
import { deliveryView, signingSecrets, type EndpointRow } from "./webhook-view";

async function endpointOf(ctx: Ctx, id: string): Promise<EndpointRow> {
  // Its sealed secrets, to sign with: named, as SECRET_FIELDS asks.
  const row = await db().webhookEndpoint.findFirst({ where: { id, orgId: ctx.org.id }, omit: { secretEnc: false, previousSecretEnc: false } });
  if (!row) throw notFound("webhook endpoint");
  return row;
}

/** An endpoint's attempts, newest first, a page at a time (`cursor`: the last delivery id of the page before). */
export async function listWebhookDeliveries({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { id: string; cursor?: string | undefined; limit?: number | undefined };
}): Promise<{ deliveries: WebhookDeliveryView[]; nextCursor: string | null }> {
  requirePermission(ctx, "integrations.manage");
  const endpoint = await endpointOf(ctx, input.id);
  const limit = input.limit ?? 50;
  const after = input.cursor ? await db().webhookDelivery.findFirst({ where: { id: input.cursor, endpointId: endpoint.id }, select: { position: true } }) : null;
  const rows = await db().webhookDelivery.findMany({
    where: { endpointId: endpoint.id, ...(after ? { position: { lt: after.position } } : {}) },
    orderBy: { position: "desc" },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { deliveries: page.map(deliveryView), nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

/** Sends one signed message now and logs the attempt (a test send, a redelivery, an approval notice). */
export async function sendAndLog(
  endpoint: EndpointRow,
  message: { id: string; seq: bigint | null; type: string; body: string; kind: "test" | "redelivery" | "notice"; attempt: number },
): Promise<WebhookDeliveryView> {
  const secrets = await signingSecrets(endpoint);
  const sent = await sendWebhook(endpoint.url, webhookHeaders(secrets, message.id, Math.floor(Date.now() / 1_000), message.body), message.body);
  const row = await db().webhookDelivery.create({
    data: {
      id: newId("webhookDelivery"),
      orgId: endpoint.orgId,
      endpointId: endpoint.id,
      messageId: message.id,
      seq: message.seq,
      eventType: message.type,
      kind: message.kind,
      attempt: message.attempt,
      status: sent.ok ? "delivered" : "failed",
      responseStatus: sent.status,
      error: sent.error,
      durationMs: sent.durationMs,
    },
  });
  return deliveryView(row);
}

/** Sends a signed `webhook.test` message now (a paused endpoint too) and answers the attempt. */
export async function testWebhook({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<WebhookDeliveryView> {
  requirePermission(ctx, "integrations.manage");
  const endpoint = await endpointOf(ctx, input.id);
  const id = `msg_test_${newId("webhookDelivery").slice(4)}`;
  const at = new Date().toISOString();
  const body = webhookPayload(WEBHOOK_TEST_EVENT, at, { endpointId: endpoint.id, message: "A test message from Gatehouse: this endpoint receives and verifies signed events." });
  return sendAndLog(endpoint, { id, seq: null, type: WEBHOOK_TEST_EVENT, body, kind: "test", attempt: 1 });
}

/** Sends a logged message again, same webhook-id, once, now; the endpoint's place in the log does not move. */
export async function redeliverWebhook({ ctx, input }: { ctx: Ctx; input: { id: string; deliveryId: string } }): Promise<WebhookDeliveryView> {
  requirePermission(ctx, "integrations.manage");
  const endpoint = await endpointOf(ctx, input.id);
  const delivery = await db().webhookDelivery.findFirst({ where: { id: input.deliveryId, endpointId: endpoint.id } });
  if (!delivery) throw notFound("webhook delivery");
  const attempts = await db().webhookDelivery.count({ where: { endpointId: endpoint.id, messageId: delivery.messageId } });
  if (delivery.seq === null && delivery.kind === "notice") throw notFound("webhook delivery's message (an approval notice is sent again by its reminder, not redelivered)");
  if (delivery.seq === null) {
    const body = webhookPayload(WEBHOOK_TEST_EVENT, delivery.createdAt.toISOString(), { endpointId: endpoint.id, message: "A test message from Gatehouse, sent again." });
    return sendAndLog(endpoint, { id: delivery.messageId, seq: null, type: WEBHOOK_TEST_EVENT, body, kind: "redelivery", attempt: attempts + 1 });
  }
  const [entry] = await db().$queryRawUnsafe<EntryRow[]>(
    `SELECT id, seq, type, agent_id, canonical, fields FROM audit_entries WHERE org_id = $1 AND id = $2`,
    endpoint.orgId,
    delivery.messageId,
  );
  const event = entry ? project(entry) : null;
  if (!entry || !event) throw notFound("webhook delivery's message");
  const body = webhookPayload(event.type, event.data.at, event.data);
  return sendAndLog(endpoint, { id: entry.id, seq: entry.seq, type: event.type, body, kind: "redelivery", attempt: attempts + 1 });
}
