import { EVENT_ENTRY_TYPES, eventOfEntry, type GatehouseEvent } from "@gatehouse/core";
import { db } from "../infra/client";
import { signals } from "../infra/signals";

/**
 * Live events per org, read from the audit log. One tail per org and process reads new entries once
 * — when a commit announces `audit.appended` (Redis, or in-process), and in any case on a timer
 * (every second without Redis, every 5 s with it) — and fans them out to that org's subscribers.
 */
interface Subscriber {
  agentId: string | null;
  cursor: number;
  ready: boolean;
  buffer: GatehouseEvent[];
  deliver: (event: GatehouseEvent) => void;
}

const PAGE = 500;

interface EntryRow {
  id: string;
  seq: bigint;
  type: string;
  agent_id: string | null;
  canonical: string;
}

function project(row: EntryRow): GatehouseEvent | null {
  const parsed = JSON.parse(row.canonical) as { time: string; actor?: { type: string; id: string }; data?: Record<string, unknown> };
  return eventOfEntry({
    id: row.id,
    seq: Number(row.seq),
    type: row.type,
    ...(parsed.actor ? { actor: parsed.actor } : {}),
    agentId: row.agent_id,
    time: parsed.time,
    data: parsed.data ?? {},
  });
}

async function readAfter(orgId: string, afterSeq: number, uptoSeq: number | null, agentId: string | null): Promise<EntryRow[]> {
  return db().$queryRawUnsafe<EntryRow[]>(
    `SELECT id, seq, type, agent_id, canonical FROM audit_entries
     WHERE org_id = $1 AND seq > $2 AND ($3::bigint IS NULL OR seq <= $3) AND type = ANY($4::text[]) AND ($5::text IS NULL OR agent_id = $5)
     ORDER BY seq LIMIT ${PAGE}`,
    orgId,
    afterSeq,
    uptoSeq,
    [...EVENT_ENTRY_TYPES],
    agentId,
  );
}

class OrgTail {
  readonly subscribers = new Set<Subscriber>();
  lastSeq = -1;
  readonly ready: Promise<void>;
  #reading = false;
  #again = false;

  constructor(readonly orgId: string) {
    this.ready = db()
      .auditLogHead.findUnique({ where: { orgId }, select: { size: true } })
      .then((head) => {
        this.lastSeq = Number(head?.size ?? 0) - 1;
      });
  }

  async pull(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    try {
      await this.ready;
      do {
        this.#again = false;
        for (;;) {
          const rows = await readAfter(this.orgId, this.lastSeq, null, null);
          for (const row of rows) {
            this.lastSeq = Number(row.seq);
            const event = project(row);
            if (event) this.#fanOut(event);
          }
          if (rows.length < PAGE) break;
        }
      } while (this.#again);
    } catch {
      // Observation: the next signal or tick reads again from the same place.
    } finally {
      this.#reading = false;
    }
  }

  #fanOut(event: GatehouseEvent): void {
    for (const sub of this.subscribers) {
      if (sub.agentId && event.data.agentId !== sub.agentId) continue;
      if (!sub.ready) sub.buffer.push(event);
      else if (event.data.seq > sub.cursor) {
        sub.cursor = event.data.seq;
        sub.deliver(event);
      }
    }
  }
}

const tails = new Map<string, OrgTail>();
let timer: NodeJS.Timeout | null = null;
let unsubscribe: (() => void) | null = null;

function startTimer(): void {
  if (timer) return;
  unsubscribe = signals().subscribe((signal) => {
    if (signal.type === "audit.appended") void tails.get(signal.orgId)?.pull();
  });
  timer = setInterval(
    () => {
      for (const tail of tails.values()) void tail.pull();
    },
    signals().transport === "redis" ? 5_000 : 1_000,
  );
  timer.unref();
}

function stopTimerIfIdle(): void {
  if (tails.size > 0 || !timer) return;
  clearInterval(timer);
  timer = null;
  unsubscribe?.();
  unsubscribe = null;
}

/**
 * Subscribes to an org's events (only `agentId`'s when given). With `afterSeq`, first replays what
 * followed it, then continues live without a gap or a repeat; without it, starts with what happens
 * next. Returns the unsubscribe function.
 */
export async function openEventFeed(options: { orgId: string; agentId: string | null; afterSeq: number | null; deliver: (event: GatehouseEvent) => void }): Promise<() => void> {
  const { orgId, agentId, deliver } = options;
  let tail = tails.get(orgId);
  if (!tail) {
    tail = new OrgTail(orgId);
    tails.set(orgId, tail);
  }
  startTimer();
  const current = tail;
  const sub: Subscriber = { agentId, cursor: -1, ready: false, buffer: [], deliver };
  current.subscribers.add(sub);
  const close = () => {
    current.subscribers.delete(sub);
    if (current.subscribers.size === 0 && tails.get(orgId) === current) tails.delete(orgId);
    stopTimerIfIdle();
  };
  try {
    await current.ready;
    const upto = current.lastSeq;
    sub.cursor = options.afterSeq ?? upto;
    while (sub.cursor < upto) {
      const rows = await readAfter(orgId, sub.cursor, upto, agentId);
      for (const row of rows) {
        sub.cursor = Number(row.seq);
        const event = project(row);
        if (event) deliver(event);
      }
      if (rows.length < PAGE) break;
    }
    sub.cursor = Math.max(sub.cursor, upto);
    sub.ready = true;
    for (const event of sub.buffer.splice(0)) {
      if (event.data.seq > sub.cursor) {
        sub.cursor = event.data.seq;
        deliver(event);
      }
    }
  } catch (error) {
    close();
    throw error;
  }
  return close;
}
