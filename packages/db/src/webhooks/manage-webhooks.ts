import type { CreateWebhookBody, RotateWebhookBody, UpdateWebhookBody, WebhookEndpointView } from "@gatehouse/contracts";
import { conflict, newId, newWebhookSecret, notFound, validationError, WEBHOOK_ROTATION_OVERLAP_SECONDS } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { sealOrgSecret } from "../infra/org-vault";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { refusedDestination } from "./send-webhook";
import { WEBHOOK_SECRET_PURPOSE, webhookView, type EndpointViewRow } from "./webhook-view";

/** Endpoints one org may have. */
export const MAX_WEBHOOKS_PER_ORG = 20;

async function checkDestination(url: string): Promise<void> {
  const why = await refusedDestination(new URL(url));
  if (why) throw validationError([{ path: "url", message: `refused: ${why}` }]);
}

async function backlogOf(tx: Tx, orgId: string, nextSeq: bigint): Promise<number> {
  const head = await tx.auditLogHead.findUnique({ where: { orgId }, select: { size: true } });
  return Math.max(0, Number((head?.size ?? 0n) - nextSeq));
}

async function endpointOf(tx: Tx, ctx: Ctx, id: string): Promise<EndpointViewRow> {
  const row = await tx.webhookEndpoint.findFirst({ where: { id, orgId: ctx.org.id } });
  if (!row) throw notFound("webhook endpoint");
  return row;
}

/** Adds an endpoint that receives the org's events from now on; answers its secret once. */
export async function createWebhook({ ctx, input }: { ctx: Ctx; input: CreateWebhookBody }): Promise<{ webhook: WebhookEndpointView; secret: string }> {
  requirePermission(ctx, "integrations.manage");
  await checkDestination(input.url);
  const id = newId("webhookEndpoint");
  const secret = newWebhookSecret();
  const secretEnc = await sealOrgSecret(WEBHOOK_SECRET_PURPOSE, id, ctx.org.id, secret);
  const events = [...new Set(input.events)];
  return db().$transaction(async (tx) => {
    const count = await tx.webhookEndpoint.count({ where: { orgId: ctx.org.id } });
    if (count >= MAX_WEBHOOKS_PER_ORG) throw conflict(`an organization has at most ${MAX_WEBHOOKS_PER_ORG} webhook endpoints: delete one first`);
    // The entry recording the endpoint is the last one before it: it receives what comes after.
    const entry = await appendAuditEntry(tx, ctx.org.id, {
      type: "webhook.endpoint_changed",
      actor: actorRef(ctx.actor),
      subjectId: id,
      data: { endpointId: id, change: "created", url: input.url, events },
    });
    const row = await tx.webhookEndpoint.create({
      data: {
        id,
        orgId: ctx.org.id,
        url: input.url,
        description: input.description ?? "",
        events,
        secretEnc,
        nextSeq: BigInt(entry.seq + 1),
        createdBy: ctx.actor.type === "user" || ctx.actor.type === "adminKey" ? ctx.actor.membershipId : null,
      },
    });
    return { webhook: webhookView(row, 0), secret };
  }, TX_OPTIONS);
}

export async function listWebhooks({ ctx }: { ctx: Ctx }): Promise<{ webhooks: WebhookEndpointView[] }> {
  requirePermission(ctx, "integrations.manage");
  const [rows, head] = await Promise.all([
    db().webhookEndpoint.findMany({ where: { orgId: ctx.org.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
    db().auditLogHead.findUnique({ where: { orgId: ctx.org.id }, select: { size: true } }),
  ]);
  const size = head?.size ?? 0n;
  return { webhooks: rows.map((row) => webhookView(row, Math.max(0, Number(size - row.nextSeq)))) };
}

export async function getWebhook({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<WebhookEndpointView> {
  requirePermission(ctx, "integrations.manage");
  return db().$transaction(async (tx) => {
    const row = await endpointOf(tx, ctx, input.id);
    return webhookView(row, await backlogOf(tx, ctx.org.id, row.nextSeq));
  }, TX_OPTIONS);
}

/** Changes an endpoint; `enabled: true` resumes a paused one from the first message it did not receive, its retries starting over. */
export async function updateWebhook({ ctx, input }: { ctx: Ctx; input: { id: string; body: UpdateWebhookBody } }): Promise<WebhookEndpointView> {
  requirePermission(ctx, "integrations.manage");
  const { body } = input;
  if (body.url !== undefined) await checkDestination(body.url);
  return db().$transaction(async (tx) => {
    const row = await tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT id FROM webhook_endpoints WHERE id = $1 AND org_id = $2 FOR UPDATE`, input.id, ctx.org.id);
    if (row.length === 0) throw notFound("webhook endpoint");
    const before = await endpointOf(tx, ctx, input.id);
    const events = body.events ? [...new Set(body.events)] : undefined;
    const resuming = body.enabled === true && !before.enabled;
    const pausing = body.enabled === false && before.enabled;
    const updated = await tx.webhookEndpoint.update({
      where: { id: before.id },
      data: {
        ...(body.url !== undefined ? { url: body.url } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(events ? { events } : {}),
        ...(resuming ? { enabled: true, disabledReason: null, failedAttempts: 0, nextAttemptAt: null } : {}),
        ...(pausing ? { enabled: false, disabledReason: "paused by a member", nextAttemptAt: null } : {}),
        updatedAt: new Date(),
      },
    });
    const change = resuming ? "enabled" : pausing ? "disabled" : "updated";
    await appendAuditEntry(tx, ctx.org.id, {
      type: "webhook.endpoint_changed",
      actor: actorRef(ctx.actor),
      subjectId: before.id,
      data: { endpointId: before.id, change, url: updated.url, events: updated.events },
    });
    return webhookView(updated, await backlogOf(tx, ctx.org.id, updated.nextSeq));
  }, TX_OPTIONS);
}

export async function deleteWebhook({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<WebhookEndpointView> {
  requirePermission(ctx, "integrations.manage");
  return db().$transaction(async (tx) => {
    const row = await endpointOf(tx, ctx, input.id);
    const view = webhookView(row, await backlogOf(tx, ctx.org.id, row.nextSeq));
    await tx.webhookEndpoint.delete({ where: { id: row.id } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "webhook.endpoint_changed",
      actor: actorRef(ctx.actor),
      subjectId: row.id,
      data: { endpointId: row.id, change: "deleted", url: row.url },
    });
    return view;
  }, TX_OPTIONS);
}

/** A new secret, answered once; the old one keeps signing beside it for `overlapSeconds`. */
export async function rotateWebhookSecret({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { id: string; body?: RotateWebhookBody | undefined };
}): Promise<{ webhook: WebhookEndpointView; secret: string }> {
  requirePermission(ctx, "integrations.manage");
  const overlapSeconds = input.body?.overlapSeconds ?? WEBHOOK_ROTATION_OVERLAP_SECONDS;
  const secret = newWebhookSecret();
  return db().$transaction(async (tx) => {
    // Its sealed secret too (the rotated-out one keeps signing): named, as SECRET_FIELDS asks.
    const row = await tx.webhookEndpoint.findFirst({ where: { id: input.id, orgId: ctx.org.id }, omit: { secretEnc: false } });
    if (!row) throw notFound("webhook endpoint");
    const secretEnc = await sealOrgSecret(WEBHOOK_SECRET_PURPOSE, row.id, ctx.org.id, secret);
    const updated = await tx.webhookEndpoint.update({
      where: { id: row.id },
      data: {
        secretEnc,
        previousSecretEnc: overlapSeconds > 0 ? row.secretEnc : null,
        previousSecretUntil: overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1_000) : null,
        updatedAt: new Date(),
      },
    });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "webhook.endpoint_changed",
      actor: actorRef(ctx.actor),
      subjectId: row.id,
      data: { endpointId: row.id, change: "rotated", url: row.url },
    });
    return { webhook: webhookView(updated, await backlogOf(tx, ctx.org.id, updated.nextSeq)), secret };
  }, TX_OPTIONS);
}
