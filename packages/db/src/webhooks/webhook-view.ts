import type { WebhookDeliveryView, WebhookEndpointView } from "@gatehouse/contracts";
import { openOrgSecret } from "../infra/org-vault";

/** What the endpoints' secrets are sealed for (bound into their ciphertext). */
export const WEBHOOK_SECRET_PURPOSE = "webhook";

export interface EndpointRow {
  id: string;
  orgId: string;
  url: string;
  description: string;
  events: string[];
  secretEnc: string;
  previousSecretEnc: string | null;
  previousSecretUntil: Date | null;
  enabled: boolean;
  disabledReason: string | null;
  nextSeq: bigint;
  failedAttempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
}

export interface DeliveryRow {
  id: string;
  messageId: string;
  seq: bigint | null;
  eventType: string;
  kind: string;
  attempt: number;
  status: string;
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
  createdAt: Date;
}

/** An endpoint as views read it: its sealed secrets are left out of plain reads (SECRET_FIELDS). */
export type EndpointViewRow = Omit<EndpointRow, "secretEnc" | "previousSecretEnc">;

export function webhookView(row: EndpointViewRow, backlog: number): WebhookEndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    failedAttempts: row.failedAttempts,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    backlog,
    previousSecretUntil: row.previousSecretUntil && row.previousSecretUntil.getTime() > Date.now() ? row.previousSecretUntil.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
  };
}

export function deliveryView(row: DeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    messageId: row.messageId,
    seq: row.seq === null ? null : Number(row.seq),
    eventType: row.eventType,
    kind: row.kind as WebhookDeliveryView["kind"],
    attempt: row.attempt,
    status: row.status as WebhookDeliveryView["status"],
    responseStatus: row.responseStatus,
    error: row.error,
    durationMs: row.durationMs,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The secrets a message is signed with now: the current one, and during a rotation's overlap the previous one too. */
export async function signingSecrets(row: Pick<EndpointRow, "id" | "orgId" | "secretEnc" | "previousSecretEnc" | "previousSecretUntil">, now = Date.now()): Promise<string[]> {
  const current = await openOrgSecret(WEBHOOK_SECRET_PURPOSE, row.id, row.orgId, row.secretEnc);
  if (!row.previousSecretEnc || !row.previousSecretUntil || row.previousSecretUntil.getTime() <= now) return [current];
  return [current, await openOrgSecret(WEBHOOK_SECRET_PURPOSE, row.id, row.orgId, row.previousSecretEnc)];
}
