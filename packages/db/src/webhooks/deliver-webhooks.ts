import {
  EVENT_ENTRY_TYPES,
  newId,
  WEBHOOK_RETRY_SCHEDULE_SECONDS,
  WEBHOOK_TIMEOUT_MS,
  webhookHeaders,
  webhookPayload,
  webhookRetryDelayMs,
  webhookWants,
  type EventType,
} from "@gatehouse/core";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { project, type EntryRow } from "../events/event-feed";
import { db, TX_OPTIONS } from "../infra/client";
import { recordWebhookDelivery, recordWebhookEndpointPaused } from "../infra/metrics";
import { signals } from "../infra/signals";
import { sendWebhook, type Resolve } from "./send-webhook";
import { signingSecrets, type DeliveryRow, type EndpointRow } from "./webhook-view";

/**
 * Delivery (docs/webhooks.md, ADR 0029). The audit log is the outbox: each endpoint keeps the first
 * seq of its org's log it has not handled (`next_seq`), so nothing committed is lost across restarts,
 * and each endpoint receives its events in log order, at least once. The worker's leader ticks every
 * 200 ms (and at once when a commit in this process announces itself): it leases the endpoints that
 * have entries past their cursor and no retry pending, and runs one task per endpoint. A task sends
 * that endpoint's messages one after another; a slow or failing endpoint holds only its own task.
 * A failed message is retried on the published schedule with jitter, the endpoint's later messages
 * waiting behind it (order); after the last retry, or on a 410, the endpoint is paused with its
 * cursor kept, and resuming it delivers from there. Delivery rows and the cursor are written together.
 */
export interface WebhookDispatcherOptions {
  /** Retry waits in seconds (the published schedule; tests and the benchmark compress it). */
  retryScheduleSeconds?: readonly number[];
  allowPrivate?: boolean;
  resolve?: Resolve;
  timeoutMs?: number;
  /** Log entries one page reads. */
  pageSize?: number;
  /** Endpoints delivered to at once, in all, and per org (fairness: one org's endpoints never take every slot). */
  maxInFlight?: number;
  perOrg?: number;
  /** How long a lease lasts without renewal (another worker takes a lost leader's endpoints after it). */
  leaseMs?: number;
  /** The longest a task keeps its results before writing them (the delivery log's freshness). */
  flushMs?: number;
  /** Deliver for these orgs only (tests and benchmarks sharing a database); every org by default. */
  onlyOrgs?: readonly string[];
}

interface DueRow extends EndpointRow {
  size: bigint;
  /** The lease this dispatcher holds on the endpoint, as the database wrote it (text, compared as written). */
  lease: string | null;
}

/** An attempt as the delivery log stores it, written with the cursor. */
type PendingDelivery = DeliveryRow;

const ENDPOINT_COLUMNS = `e.id, e.org_id AS "orgId", e.url, e.description, e.events, e.secret_enc AS "secretEnc", e.previous_secret_enc AS "previousSecretEnc",
  e.previous_secret_until AS "previousSecretUntil", e.enabled, e.disabled_reason AS "disabledReason", e.next_seq AS "nextSeq",
  e.failed_attempts AS "failedAttempts", e.next_attempt_at AS "nextAttemptAt", e.created_at AS "createdAt"`;

export class WebhookDispatcher {
  readonly #options: Required<Omit<WebhookDispatcherOptions, "allowPrivate" | "resolve" | "onlyOrgs">> & Pick<WebhookDispatcherOptions, "allowPrivate" | "resolve" | "onlyOrgs">;
  readonly #tasks = new Map<string, { orgId: string; done: Promise<void> }>();
  /**
   * Leases this dispatcher still holds for a task that died (its database went away mid-delivery: a failover's cut
   * connection, 57P01), by endpoint. The lease keeps other workers off until it lapses; this dispatcher knows no task
   * of its own runs there, so its next claim takes the endpoint back at once, if the lease is still the one it wrote.
   */
  readonly #orphaned = new Map<string, string>();
  #stopped = false;
  #ticking: Promise<void> | null = null;
  #again = false;
  #unsubscribe: (() => void) | null = null;

  constructor(options: WebhookDispatcherOptions = {}) {
    this.#options = {
      retryScheduleSeconds: options.retryScheduleSeconds ?? WEBHOOK_RETRY_SCHEDULE_SECONDS,
      timeoutMs: options.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
      pageSize: options.pageSize ?? 200,
      maxInFlight: options.maxInFlight ?? 32,
      perOrg: options.perOrg ?? 4,
      leaseMs: options.leaseMs ?? 60_000,
      flushMs: options.flushMs ?? 100,
      allowPrivate: options.allowPrivate,
      resolve: options.resolve,
      onlyOrgs: options.onlyOrgs,
    };
    // A commit announced in this process (or over Redis) starts a tick at once instead of at the next timer.
    // Its failure (the database away: a failover's cut connection, 57P01) is the timer's to retry: the
    // worker's job runner sees the next tick's error; this one must not end the process as an unhandled rejection.
    this.#unsubscribe = signals().subscribe((signal) => {
      if (signal.type === "audit.appended") this.tick().catch(() => {});
    });
  }

  /** Endpoints being delivered to now. */
  get inFlight(): number {
    return this.#tasks.size;
  }

  /** Leases the due endpoints and starts their tasks; returns without waiting for them. */
  tick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#ticking) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = (async () => {
      try {
        do {
          this.#again = false;
          await this.#claim();
        } while (this.#again && !this.#stopped);
      } finally {
        this.#ticking = null;
      }
    })();
    return this.#ticking;
  }

  /** Stops leasing; waits for the running tasks to write what they delivered and give their leases back. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    await this.#ticking?.catch(() => {});
    await Promise.all([...this.#tasks.values()].map((task) => task.done));
  }

  /** Resolves when no task runs (tests). */
  async idle(): Promise<void> {
    while (this.#tasks.size > 0 || this.#ticking) {
      await this.#ticking?.catch(() => {});
      await Promise.all([...this.#tasks.values()].map((task) => task.done));
    }
  }

  async #claim(): Promise<void> {
    const free = this.#options.maxInFlight - this.#tasks.size;
    if (free <= 0) return;
    const perOrg = new Map<string, number>();
    for (const task of this.#tasks.values()) perOrg.set(task.orgId, (perOrg.get(task.orgId) ?? 0) + 1);
    const busy = [...this.#tasks.keys()];
    for (const [id, lease] of this.#orphaned) if (Date.parse(lease) < Date.now()) this.#orphaned.delete(id);
    const rows = await db().$queryRawUnsafe<DueRow[]>(
      `WITH due AS (
         SELECT e.id FROM webhook_endpoints e JOIN audit_log_heads h ON h.org_id = e.org_id
         WHERE e.enabled AND h.size > e.next_seq AND (e.next_attempt_at IS NULL OR e.next_attempt_at <= now())
           AND (e.lease_until IS NULL OR e.lease_until < now()
                OR (e.id, e.lease_until) IN (SELECT o.id, o.lease::timestamptz FROM unnest($5::text[], $6::text[]) AS o(id, lease)))
           AND NOT (e.id = ANY($1::text[])) AND ($4::text[] IS NULL OR e.org_id = ANY($4::text[]))
         ORDER BY e.next_attempt_at NULLS FIRST, e.id
         LIMIT $2 FOR UPDATE OF e SKIP LOCKED)
       UPDATE webhook_endpoints e SET lease_until = now() + ($3::int * interval '1 millisecond')
       FROM due, audit_log_heads h WHERE e.id = due.id AND h.org_id = e.org_id
       RETURNING ${ENDPOINT_COLUMNS}, h.size, e.lease_until::text AS lease`,
      busy,
      free * 4,
      this.#options.leaseMs,
      this.#options.onlyOrgs ?? null,
      [...this.#orphaned.keys()],
      [...this.#orphaned.values()],
    );
    for (const row of rows) this.#orphaned.delete(row.id);
    const release: string[] = [];
    for (const row of rows) {
      const count = perOrg.get(row.orgId) ?? 0;
      if (this.#tasks.size >= this.#options.maxInFlight || count >= this.#options.perOrg) {
        release.push(row.id);
        continue;
      }
      perOrg.set(row.orgId, count + 1);
      const done = this.#deliver(row)
        .catch(() => {
          if (row.lease !== null) this.#orphaned.set(row.id, row.lease);
        })
        .finally(() => this.#tasks.delete(row.id));
      this.#tasks.set(row.id, { orgId: row.orgId, done });
    }
    if (release.length > 0) await db().$executeRawUnsafe(`UPDATE webhook_endpoints SET lease_until = NULL WHERE id = ANY($1::text[])`, release);
  }

  /** Delivers one endpoint's messages until it is caught up, a message fails, or the dispatcher stops. */
  async #deliver(endpoint: DueRow): Promise<void> {
    let secrets: string[];
    try {
      secrets = await signingSecrets(endpoint);
    } catch {
      await this.#write(endpoint, [], { nextSeq: endpoint.nextSeq, failedAttempts: endpoint.failedAttempts, nextAttemptAt: new Date(Date.now() + 60_000), disable: null });
      return;
    }
    let nextSeq = endpoint.nextSeq;
    let size = endpoint.size;
    let failedAttempts = endpoint.failedAttempts;
    let pending: PendingDelivery[] = [];
    let lastFlush = performance.now();
    while (!this.#stopped) {
      const rows = await db().$queryRawUnsafe<EntryRow[]>(
        `SELECT id, seq, type, agent_id, canonical, fields FROM audit_entries
         WHERE org_id = $1 AND seq >= $2 AND seq < $3 AND type = ANY($4::text[]) ORDER BY seq LIMIT $5`,
        endpoint.orgId,
        nextSeq,
        size,
        [...EVENT_ENTRY_TYPES],
        this.#options.pageSize,
      );
      for (const row of rows) {
        const event = project(row);
        if (!event || !webhookWants(endpoint.events, event.type as EventType)) {
          nextSeq = row.seq + 1n;
          continue;
        }
        const body = webhookPayload(event.type, event.data.at, event.data);
        const attempt = failedAttempts + 1;
        const sent = await sendWebhook(endpoint.url, webhookHeaders(secrets, row.id, Math.floor(Date.now() / 1_000), body), body, {
          ...(this.#options.allowPrivate !== undefined ? { allowPrivate: this.#options.allowPrivate } : {}),
          ...(this.#options.resolve ? { resolve: this.#options.resolve } : {}),
          timeoutMs: this.#options.timeoutMs,
        });
        recordWebhookDelivery(sent.ok, sent.durationMs / 1000);
        pending.push({
          id: newId("webhookDelivery"),
          messageId: row.id,
          seq: row.seq,
          eventType: event.type,
          kind: "event",
          attempt,
          status: sent.ok ? "delivered" : "failed",
          responseStatus: sent.status,
          error: sent.error,
          durationMs: sent.durationMs,
          createdAt: new Date(),
        });
        if (!sent.ok) {
          failedAttempts = attempt;
          const gone = sent.status === 410;
          const delay = gone ? null : webhookRetryDelayMs(failedAttempts, this.#options.retryScheduleSeconds);
          const disable = gone
            ? "the receiver answered 410 Gone"
            : delay === null
              ? `retries used up: message ${row.id} failed ${failedAttempts} times (${sent.error ?? "failed"})`
              : null;
          const written = await this.#write(endpoint, pending, { nextSeq, failedAttempts, nextAttemptAt: delay === null ? null : new Date(Date.now() + delay), disable });
          if (written && disable) recordWebhookEndpointPaused(gone ? "gone" : "retries_exhausted");
          return;
        }
        failedAttempts = 0;
        nextSeq = row.seq + 1n;
        if (performance.now() - lastFlush >= this.#options.flushMs) {
          if (!(await this.#write(endpoint, pending, { nextSeq, failedAttempts, nextAttemptAt: null, disable: null, keepLease: true }))) return;
          pending = [];
          lastFlush = performance.now();
        }
        if (this.#stopped) break;
      }
      if (rows.length < this.#options.pageSize && !this.#stopped) {
        nextSeq = nextSeq > size ? nextSeq : size;
        // Caught up with what the lease saw: look once more at the head before giving the endpoint back.
        const [head] = await db().$queryRawUnsafe<Array<{ size: bigint }>>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, endpoint.orgId);
        if (!head || head.size <= nextSeq) break;
        size = head.size;
        if (!(await this.#write(endpoint, pending, { nextSeq, failedAttempts, nextAttemptAt: null, disable: null, keepLease: true }))) return;
        pending = [];
        lastFlush = performance.now();
      }
    }
    await this.#write(endpoint, pending, { nextSeq, failedAttempts, nextAttemptAt: null, disable: null });
  }

  /**
   * Writes the attempts and moves the cursor, in one transaction; false when the endpoint was deleted
   * or paused meanwhile (the task stops; what it sent stays sent, and a resume starts after it).
   */
  async #write(
    endpoint: DueRow,
    deliveries: readonly PendingDelivery[],
    state: { nextSeq: bigint; failedAttempts: number; nextAttemptAt: Date | null; disable: string | null; keepLease?: boolean },
  ): Promise<boolean> {
    let lease: string | null = null;
    const written = await db().$transaction(async (tx) => {
      const updated = await tx.$queryRawUnsafe<Array<{ id: string; lease: string | null }>>(
        `UPDATE webhook_endpoints SET next_seq = GREATEST(next_seq, $2::bigint), failed_attempts = $3, next_attempt_at = $4,
           enabled = enabled AND $5::text IS NULL, disabled_reason = COALESCE($5::text, disabled_reason),
           lease_until = CASE WHEN $6 THEN now() + ($7::int * interval '1 millisecond') ELSE NULL END
         WHERE id = $1 RETURNING id, enabled, lease_until::text AS lease`,
        endpoint.id,
        state.nextSeq,
        state.failedAttempts,
        state.nextAttemptAt,
        state.disable,
        state.keepLease === true,
        this.#options.leaseMs,
      );
      if (updated.length === 0) return false;
      lease = updated[0]?.lease ?? null;
      if (deliveries.length > 0) {
        await tx.$executeRawUnsafe(
          `INSERT INTO webhook_deliveries (id, org_id, endpoint_id, message_id, seq, event_type, kind, attempt, status, response_status, error, duration_ms, created_at)
           SELECT d.id, $1, $2, d.message_id, d.seq, d.event_type, d.kind, d.attempt, d.status, d.response_status, d.error, d.duration_ms, d.created_at
           FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::int[], $9::text[], $10::int[], $11::text[], $12::int[], $13::timestamptz[])
             AS d(id, message_id, seq, event_type, kind, attempt, status, response_status, error, duration_ms, created_at)`,
          endpoint.orgId,
          endpoint.id,
          deliveries.map((d) => d.id),
          deliveries.map((d) => d.messageId),
          deliveries.map((d) => d.seq),
          deliveries.map((d) => d.eventType),
          deliveries.map((d) => d.kind),
          deliveries.map((d) => d.attempt),
          deliveries.map((d) => d.status),
          deliveries.map((d) => d.responseStatus),
          deliveries.map((d) => d.error),
          deliveries.map((d) => d.durationMs),
          deliveries.map((d) => d.createdAt),
        );
      }
      if (state.disable) {
        await appendAuditEntry(tx, endpoint.orgId, {
          type: "webhook.endpoint_changed",
          actor: { type: "system", id: "webhook-delivery" },
          subjectId: endpoint.id,
          data: { endpointId: endpoint.id, change: "disabled", url: endpoint.url, reason: state.disable },
        });
      }
      return true;
    }, TX_OPTIONS);
    // The lease the database holds now, once the transaction committed (rolled back, it keeps the one before).
    if (written) endpoint.lease = lease;
    return written;
  }
}

/** Delivery rows older than this are dropped by the worker. */
export const WEBHOOK_DELIVERY_RETENTION_DAYS = 30;

export async function pruneWebhookDeliveries(): Promise<number> {
  return db().$executeRawUnsafe(`DELETE FROM webhook_deliveries WHERE created_at < now() - ($1::int * interval '1 day')`, WEBHOOK_DELIVERY_RETENTION_DAYS);
}

const dispatcherKey = Symbol.for("gatehouse.webhookDispatcher");
type DispatcherHolder = { [dispatcherKey]?: WebhookDispatcher };

/** This process's dispatcher (the worker's job ticks it; its shutdown stops it). */
export function webhookDispatcher(): WebhookDispatcher {
  const holder = globalThis as DispatcherHolder;
  holder[dispatcherKey] ??= new WebhookDispatcher();
  return holder[dispatcherKey];
}

/** Endpoints this process's dispatcher is delivering to now, for the metrics (no dispatcher is made here). */
export function webhookTasksInFlight(): number {
  return (globalThis as DispatcherHolder)[dispatcherKey]?.inFlight ?? 0;
}

export async function stopWebhookDispatcher(): Promise<void> {
  const holder = globalThis as DispatcherHolder;
  await holder[dispatcherKey]?.stop();
  delete holder[dispatcherKey];
}
