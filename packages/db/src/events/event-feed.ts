import {
  EVENT_ENTRY_TYPES,
  openEntry,
  eventOfEntry,
  replayTruncated,
  sseFrame,
  storedEntry,
  streamClosedSlowReader,
  validationError,
  type FeedItem,
  type GatehouseEvent,
  type StoredFields,
  type StreamNotice,
} from "@gatehouse/core";
import { db } from "../infra/client";
import { eventLoopSlices, FairShare, type FairShareLimits } from "../infra/fair-share";
import { signals } from "../infra/signals";

/**
 * Live events per org, read from the audit log. One tail per org and process reads new entries once
 * — when a commit announces `audit.appended` (Redis, or in-process), and in any case on a timer
 * (every second without Redis, every 5 s with it) — and fans them out to that org's live feeds.
 *
 * A feed is pulled by its connection: a replay reads the log one keyset page at a time, the next page
 * only once the connection took the last event of the previous one, so a slow reader holds one page.
 * Live events wait in a queue of at most `maxQueued`; one more and the feed ends with a
 * `stream.closed` notice instead of growing (the reader reconnects and replays what it missed).
 *
 * Replay pages take turns (docs/adr/0015-fair-shares.md): a page is read and projected in one of the
 * org's replay turns (`replayShare`, one per org at once, four in the process), in slices that let
 * decisions run between them, so an org's many replays from 0 go one page at a time instead of all at
 * once, and another org's replay (or decision) never waits behind more than one page of theirs.
 */
export interface EventFeedLimits {
  /** How many log entries a replay goes back at most; an older Last-Event-ID starts with `replay.truncated`. */
  replayWindow: number;
  /** Log entries one replay page reads. */
  pageSize: number;
  /** Live events that may wait for a slow reader; one more closes the feed. */
  maxQueued: number;
  /**
   * A replay page's turn lasts at least this long (ms), read or kept: with one turn per org, an org's
   * replays together take at most 1000 / turnMs pages a second in a process, however many readers it
   * opens and however fast they read.
   */
  turnMs: number;
}

export const EVENT_FEED_LIMITS: EventFeedLimits = { replayWindow: 10_000, pageSize: 100, maxQueued: 1_000, turnMs: 10 };

export interface EventFeed {
  /**
   * The next event or notice; reads the next replay page when the previous one is used up, or waits
   * up to `waitMs` for a live event. Null when nothing came in time (send a heartbeat) or the feed is
   * closed.
   */
  next(waitMs: number): Promise<FeedItem | null>;
  /** Resolves when the reader fell too far behind: the next item is the `stream.closed` notice, then nothing. */
  readonly overflowed: Promise<void>;
  /** What is ready without reading (the rest of a replay page, queued items), to write with the last `next` at once. */
  takeReady(): FeedItem[];
  /** Stops the feed; a pending `next` answers null. */
  close(): void;
}

export interface EventFeedOptions {
  orgId: string;
  /** Only this agent's events. */
  agentId: string | null;
  /** Resume after this sequence number; null: start with what happens next. */
  afterSeq: number | null;
  /** Which events the reader wants (the others are skipped, not queued). */
  accept: (event: GatehouseEvent) => boolean;
  limits?: Partial<EventFeedLimits>;
  /**
   * Told the number of rows each replay page read, while the page still holds its replay turn (tests
   * count what a stream holds; a returned promise keeps the turn until it settles).
   */
  onRows?: (rows: number) => void | Promise<void>;
}

/**
 * Replay turns: at most `perOrg` replay pages of one org are read and projected at once in this
 * process, `total` for every org together; the others wait their turn (round robin across orgs).
 * A wait is never refused in practice: the queue is larger than the stream caps, and a turn lasts one page.
 */
export const REPLAY_SHARE_LIMITS: FairShareLimits = { total: 4, perOrg: 1, queuePerOrg: 1_000, maxWaitMs: 60_000 };

const replayShareKey = Symbol.for("gatehouse.replayShare");
type ReplayShareHolder = { [replayShareKey]?: FairShare };

/** This process's replay turns (tests read `stats(orgId)`). */
export function replayShare(): FairShare {
  const holder = globalThis as ReplayShareHolder;
  holder[replayShareKey] ??= new FairShare(REPLAY_SHARE_LIMITS);
  return holder[replayShareKey];
}

export interface EntryRow {
  id: string;
  seq: bigint;
  type: string;
  agent_id: string | null;
  canonical: string;
  fields: StoredFields | null;
}

/** Entries the tail reads at once (shared by every feed of the org). */
const TAIL_PAGE = 500;
/** Full replay pages an org's tail keeps, projected, for the org's other replays at the same place (the newest are kept). */
const KEPT_PAGES = 32;

/** A replay page as read and projected: each entry's seq and its event (null: an entry that is no event). */
interface ReplayPage {
  entries: Array<{ seq: number; event: GatehouseEvent | null }>;
}

/** The typed event of a stored entry (null: an entry that is no event); webhooks send the same. */
export function project(row: EntryRow): GatehouseEvent | null {
  const parsed = openEntry(row.canonical, row.fields);
  return eventOfEntry(
    storedEntry({
      id: row.id,
      seq: Number(row.seq),
      type: row.type,
      ...(parsed.actor ? { actor: parsed.actor } : {}),
      agentId: row.agent_id,
      time: parsed.time,
      data: parsed.data ?? {},
    }),
  );
}

async function readAfter(orgId: string, afterSeq: number, uptoSeq: number | null, agentId: string | null, limit: number): Promise<EntryRow[]> {
  return db().$queryRawUnsafe<EntryRow[]>(
    `SELECT id, seq, type, agent_id, canonical, fields FROM audit_entries
     WHERE org_id = $1 AND seq > $2 AND ($3::bigint IS NULL OR seq <= $3) AND type = ANY($4::text[]) AND ($5::text IS NULL OR agent_id = $5)
     ORDER BY seq LIMIT $6`,
    orgId,
    afterSeq,
    uptoSeq,
    [...EVENT_ENTRY_TYPES],
    agentId,
    limit,
  );
}

class OrgTail {
  readonly feeds = new Set<Feed>();
  lastSeq = -1;
  readonly ready: Promise<void>;
  #reading = false;
  #again = false;
  /**
   * Full replay pages read by this org's replays, by where they start: many replays from the same
   * place (reconnects after a deploy, readers from 0) read and project each page once. A full page
   * holds only entries at or below the tail's `lastSeq` when it was read, which only grows, so a kept
   * page is never ahead of what the tail has fanned out. Kept while the org has feeds in this process.
   */
  readonly #pages = new Map<string, ReplayPage>();

  keptPage(agentId: string | null, afterSeq: number, size: number): ReplayPage | undefined {
    return this.#pages.get(`${agentId ?? "*"}|${afterSeq}|${size}`);
  }

  keepPage(agentId: string | null, afterSeq: number, size: number, page: ReplayPage): void {
    this.#pages.set(`${agentId ?? "*"}|${afterSeq}|${size}`, page);
    if (this.#pages.size > KEPT_PAGES) this.#pages.delete(this.#pages.keys().next().value as string);
  }

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
          const rows = await readAfter(this.orgId, this.lastSeq, null, null, TAIL_PAGE);
          for (const row of rows) {
            this.lastSeq = Number(row.seq);
            const event = project(row);
            if (event) for (const feed of this.feeds) feed.offer(event);
          }
          if (rows.length < TAIL_PAGE) break;
        }
      } while (this.#again);
    } catch {
      // Observation: the next signal or tick reads again from the same place.
    } finally {
      this.#reading = false;
    }
  }
}

class Feed implements EventFeed {
  readonly overflowed: Promise<void>;
  #overflow!: () => void;
  #state: "replaying" | "live" | "overflowed" | "closed" = "replaying";
  /** The last sequence number this feed has passed (delivered, skipped or replayed past). */
  #cursor: number;
  /** Notices, then live events, waiting for the reader. */
  #queue: FeedItem[] = [];
  /** What is left of the replay page being read. */
  #page: GatehouseEvent[] = [];
  #wake: (() => void) | null = null;

  constructor(
    private readonly tail: OrgTail,
    private readonly options: EventFeedOptions & { limits: EventFeedLimits },
    cursor: number,
    notice: StreamNotice | null,
    private readonly detach: () => void,
  ) {
    this.#cursor = cursor;
    if (notice) this.#queue.push({ kind: "notice", notice });
    this.overflowed = new Promise((resolve) => (this.#overflow = resolve));
  }

  /** A live event from the tail. */
  offer(event: GatehouseEvent): void {
    if (this.#state !== "live" || event.data.seq <= this.#cursor) return;
    if (this.options.agentId && event.data.agentId !== this.options.agentId) return;
    this.#cursor = event.data.seq;
    if (!this.options.accept(event)) return;
    if (this.#queue.length >= this.options.limits.maxQueued) {
      this.#state = "overflowed";
      this.#queue = [{ kind: "notice", notice: streamClosedSlowReader(this.options.limits.maxQueued) }];
      this.detach();
      this.#overflow();
    } else {
      this.#queue.push({ kind: "event", event });
    }
    this.#wake?.();
  }

  async next(waitMs: number): Promise<FeedItem | null> {
    for (;;) {
      const queued = this.#queue.shift();
      if (queued) return queued;
      if (this.#state === "closed" || this.#state === "overflowed") return null;
      if (this.#state === "replaying") {
        const replayed = this.#page.shift();
        if (replayed) return { kind: "event", event: replayed };
        await this.#readPage();
        continue;
      }
      const woken = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), waitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.#wake = null;
      if (!woken) return null;
    }
  }

  /**
   * Items that are ready now without reading anything (the rest of the replay page, queued notices and
   * live events), so a connection writes them at once; stops after a `stream.closed` notice.
   */
  takeReady(): FeedItem[] {
    const ready: FeedItem[] = [];
    for (;;) {
      const queued = this.#queue.shift();
      if (queued) {
        ready.push(queued);
        if (queued.kind === "notice" && queued.notice.type === "stream.closed") return ready;
        continue;
      }
      if (this.#state !== "replaying") return ready;
      const replayed = this.#page.shift();
      if (!replayed) return ready;
      ready.push({ kind: "event", event: replayed });
    }
  }

  /** Reads the next replay page in one of the org's replay turns, or turns live once the replay has caught up with the tail. */
  async #readPage(): Promise<void> {
    const { orgId, agentId, limits, onRows } = this.options;
    if (this.#cursor < this.tail.lastSeq) {
      const release = await replayShare().acquire(orgId, "event replays");
      const turnEnds = performance.now() + limits.turnMs;
      try {
        if (this.#state !== "replaying") return;
        const upto = this.tail.lastSeq;
        const from = this.#cursor;
        let page = this.tail.keptPage(agentId, from, limits.pageSize);
        if (!page) {
          const rows = await readAfter(orgId, from, upto, agentId, limits.pageSize);
          await onRows?.(rows.length);
          const pause = eventLoopSlices();
          const read: ReplayPage = { entries: [] };
          for (const row of rows) {
            if (this.#state !== "replaying") return;
            const event = project(row);
            if (event) sseFrame(event); // serialized here, in slices, not all at once when the page is written
            read.entries.push({ seq: Number(row.seq), event });
            await pause();
          }
          // A full page is kept for the org's other replays from the same place; a short one is not (it ends at `upto`).
          if (rows.length === limits.pageSize) this.tail.keepPage(agentId, from, limits.pageSize, read);
          page = read;
        }
        this.#take(page);
        // A short page is everything up to `upto` (the tail had read it, so it was committed).
        if (page.entries.length < limits.pageSize) this.#cursor = Math.max(this.#cursor, upto);
        // The turn's least length, so the org's replays together keep to their pace (a kept page costs little).
        const left = turnEnds - performance.now();
        if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      } finally {
        release();
      }
    }
    if (this.#state !== "replaying") return;
    // Synchronous with the tail's fan-out: from here on, it hands this feed every entry after the cursor.
    if (this.#page.length === 0 && this.#cursor >= this.tail.lastSeq) this.#state = "live";
  }

  /** A replay page's events this reader wants, in order; the cursor passes every entry of it. */
  #take(page: ReplayPage): void {
    const { accept } = this.options;
    for (const { seq, event } of page.entries) {
      this.#cursor = seq;
      if (event && accept(event)) this.#page.push(event);
    }
  }

  close(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#queue = [];
    this.#page = [];
    this.detach();
    this.#wake?.();
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
 * Opens a feed of an org's events (only `agentId`'s when given). With `afterSeq`, it first replays what
 * followed it — at most the last `replayWindow` log entries, announced by a `replay.truncated` notice
 * when `afterSeq` is older — then continues live without a gap or a repeat; without it, it starts with
 * what happens next. An `afterSeq` past the log's newest entry is no id of this stream: a 400.
 */
export async function openEventFeed(options: EventFeedOptions): Promise<EventFeed> {
  const limits = { ...EVENT_FEED_LIMITS, ...options.limits };
  const { orgId, afterSeq } = options;
  const head = await db().auditLogHead.findUnique({ where: { orgId }, select: { size: true } });
  const size = Number(head?.size ?? 0);
  if (afterSeq !== null && afterSeq >= size) throw validationError([{ path: "lastEventId", message: "must be the id of an event from this stream" }]);
  let tail = tails.get(orgId);
  if (!tail) {
    tail = new OrgTail(orgId);
    tails.set(orgId, tail);
  }
  startTimer();
  const current = tail;
  let feed: Feed | null = null;
  const detach = () => {
    if (feed) current.feeds.delete(feed);
    if (current.feeds.size === 0 && tails.get(orgId) === current) tails.delete(orgId);
    stopTimerIfIdle();
  };
  try {
    await current.ready;
  } catch (error) {
    detach();
    throw error;
  }
  const oldestKept = Math.max(0, size - limits.replayWindow);
  let cursor = afterSeq ?? current.lastSeq;
  let notice: StreamNotice | null = null;
  if (afterSeq !== null && afterSeq < oldestKept - 1) {
    notice = replayTruncated({ requestedAfter: afterSeq, resumesAfter: oldestKept - 1, window: limits.replayWindow });
    cursor = oldestKept - 1;
  }
  feed = new Feed(current, { ...options, limits }, cursor, notice, detach);
  current.feeds.add(feed);
  return feed;
}
