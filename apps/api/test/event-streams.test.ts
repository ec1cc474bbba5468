import { request as httpRequest, type IncomingMessage } from "node:http";
import { createAgent, db, REPLAY_SHARE_LIMITS, replayShare, signals, systemCtx } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StreamEnd } from "../src/routes/events";
import { ALLOW_ALL_PR, startApp, stopApp } from "./helpers";

// Event streams hold bounded memory whatever the reader does (docs/events.md):
// a replay reads the log one page at a time as the socket drains, within a replay window; a reader
// too slow for the live events is closed with a last `stream.closed` event; streams are capped per
// key and per org. Histories are seeded with SQL (entries of the log's shape that the stream reads;
// the seeded orgs' logs are not meant to verify).

const REPLAY_TURNS = REPLAY_SHARE_LIMITS.perOrg;

interface Frame {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/** Splits server-sent events out of `buffer`; returns the frames and what is left. */
function parseFrames(buffer: string): { frames: Frame[]; rest: string } {
  const frames: Frame[] = [];
  let rest = buffer;
  let end: number;
  while ((end = rest.indexOf("\n\n")) >= 0) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const fields = Object.fromEntries(
      block
        .split("\n")
        .filter((l) => !l.startsWith(":") && l.includes(":"))
        .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
    );
    if (fields.event && fields.data) frames.push({ id: fields.id ?? "", event: fields.event, data: JSON.parse(fields.data) as Record<string, unknown> });
  }
  return { frames, rest };
}

/** Appends `count` decision entries (`executed`, by `agentId`, shaped as the log's `action.decided`, the agent's name `reasonBytes` long) to an org's log in one statement; returns their first seq. */
async function seed(orgId: string, agentId: string, count: number, reasonBytes = 40): Promise<number> {
  const { rows } = await db().pool.query<{ start: string }>(
    `WITH head AS (
       UPDATE audit_log_heads SET size = size + $2, updated_at = now() WHERE org_id = $1 RETURNING size - $2 AS start
     ), inserted AS (
       INSERT INTO audit_entries (id, org_id, seq, type, actor_type, actor_id, agent_id, canonical, leaf_hash, chain_hash)
       SELECT 'aud_' || substr(md5(random()::text || g), 1, 22), $1, head.start + g, 'action.decided', 'agent', $3::text, $3::text,
              json_build_object('type', 'action.decided', 'time', now(), 'actor', json_build_object('type', 'agent', 'id', $3::text),
                                'data', json_build_object('actionId', 'act_seeded' || g, 'agentName', repeat('r', $4::int), 'actionType', 'pr.open', 'status', 'executed',
                                                          'mode', 'enforce', 'monitored', '[]'::json, 'conditionsEvaluated', '[]'::json, 'metadata', '{}'::json,
                                                          'dataAccessed', '[]'::json, 'requestHash', 'seeded'))::text,
              'seeded', 'seeded'
       FROM head, generate_series(0, $2::int - 1) AS g
       RETURNING 1
     )
     SELECT (SELECT start FROM head)::text AS start, (SELECT count(*) FROM inserted)`,
    [orgId, count, agentId, reasonBytes],
  );
  await signals().publish({ type: "audit.appended", orgId });
  return Number(rows[0]?.start);
}

async function logSize(orgId: string): Promise<number> {
  return Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId } })).size);
}

async function waitUntil(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A stream read through node:http, so the test decides when (and whether) it reads. */
async function openRaw(baseUrl: string, key: string, lastEventId?: string, query = ""): Promise<{ response: IncomingMessage; close: () => void }> {
  const url = new URL(`${baseUrl}/v1/events${query}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: { authorization: `Bearer ${key}`, ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId }) },
      },
      (response) => resolve({ response, close: () => req.destroy() }),
    );
    req.on("error", reject);
    req.end();
  });
}

/** Collects the frames of `response` as they arrive (the test pauses and resumes it); `waitFor` waits until enough came or the stream ended. */
function frameReader(
  response: IncomingMessage,
  onFirst: () => void = () => undefined,
): { frames: Frame[]; ended: () => boolean; waitFor: (until: (frames: Frame[]) => boolean) => Promise<void> } {
  const frames: Frame[] = [];
  let buffer = "";
  let ended = false;
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => {
    const parsed = parseFrames(buffer + chunk);
    buffer = parsed.rest;
    if (frames.length === 0 && parsed.frames.length > 0) onFirst();
    frames.push(...parsed.frames);
  });
  const finish = () => (ended = true);
  response.on("end", finish);
  response.on("close", finish);
  response.on("error", finish);
  return {
    frames,
    ended: () => ended,
    waitFor: (until) => waitUntil(() => until(frames) || ended, "the frames arrive"),
  };
}

describe("a replay is read from the log as the reader takes it", () => {
  const HISTORY = 20_000;
  const PAGE = 100;
  let app: FastifyInstance;
  let baseUrl: string;
  let org: TestOrg;
  const pages: number[] = [];
  const rowsRead = () => pages.reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    app = await startApp({ eventStreams: { limits: { pageSize: PAGE, replayWindow: 50_000 }, onRows: (rows) => void pages.push(rows) } });
    baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
    org = await createTestOrg({ label: "replay-large", policies: ALLOW_ALL_PR });
    // About 20 MB of events: more than the sockets between the test and the server can hold.
    await seed(org.org.id, org.agent.id, HISTORY, 1_000);
  }, 120_000);
  afterAll(async () => stopApp(app));

  it("from 0 over 20,000 entries: the first event comes after one page, a reader that pauses stops the reading, and every event arrives once, in order", async () => {
    const size = await logSize(org.org.id);
    const { response, close } = await openRaw(baseUrl, org.adminKey.apiKey, "0");
    try {
      expect(response.statusCode).toBe(200);
      let readAtFirstEvent = -1;
      const reader = frameReader(response, () => (readAtFirstEvent = rowsRead()));
      await reader.waitFor((frames) => frames.length >= 1);
      // The first event arrived before the history was read: a page or two of it so far.
      expect(readAtFirstEvent).toBeGreaterThan(0);
      expect(readAtFirstEvent).toBeLessThanOrEqual(2 * PAGE);

      // The reader stops reading: once the sockets are full the server reads no further.
      response.pause();
      let settled = -1;
      const deadline = Date.now() + 20_000;
      while (rowsRead() !== settled) {
        if (Date.now() > deadline) throw new Error("the server kept reading for a reader that stopped");
        settled = rowsRead();
        await new Promise((r) => setTimeout(r, 500));
      }
      await new Promise((r) => setTimeout(r, 500));
      expect(rowsRead()).toBe(settled);
      expect(rowsRead()).toBeLessThan(HISTORY / 2);

      response.resume();
      await reader.waitFor((frames) => frames.at(-1)?.id === String(size - 1));
      const seqs = reader.frames.map((f) => Number(f.id));
      const seeded = seqs.filter((s) => s >= size - HISTORY);
      expect(seeded).toHaveLength(HISTORY);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      // Page by page all the way: no read was ever larger than a page.
      expect(Math.max(...pages)).toBeLessThanOrEqual(PAGE);
    } finally {
      close();
    }
  });
});

describe("an org's replays take turns, one page at a time (docs/adr/0015-fair-shares.md)", () => {
  const HISTORY = 30;
  const PAGE = 10;
  let app: FastifyInstance;
  let baseUrl: string;
  let a: TestOrg;
  let b: TestOrg;
  const pages: number[] = [];
  /** The first page read holds its replay turn until this opens. */
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));

  beforeAll(async () => {
    app = await startApp({
      eventStreams: {
        limits: { pageSize: PAGE },
        onRows: (rows) => {
          pages.push(rows);
          return pages.length === 1 ? gate : undefined;
        },
      },
    });
    baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
    a = await createTestOrg({ label: "turns-a", policies: ALLOW_ALL_PR });
    b = await createTestOrg({ label: "turns-b", policies: ALLOW_ALL_PR });
    await seed(a.org.id, a.agent.id, HISTORY);
    await seed(b.org.id, b.agent.id, HISTORY);
  });
  afterAll(async () => {
    open();
    await stopApp(app);
  });

  it(`with ${REPLAY_TURNS} turn per org: the org's second replay waits while the first holds its page, another org's replay goes through, then both finish in order`, async () => {
    const closes: Array<() => void> = [];
    try {
      const first = await openRaw(baseUrl, a.adminKey.apiKey, "0");
      closes.push(first.close);
      const firstFrames = frameReader(first.response);
      await waitUntil(() => pages.length === 1, "the first replay reads its first page");
      expect(replayShare().stats(a.org.id)).toMatchObject({ running: 1, waiting: 0 });

      const second = await openRaw(baseUrl, a.adminKey.apiKey, "0");
      closes.push(second.close);
      const secondFrames = frameReader(second.response);
      await waitUntil(() => replayShare().stats(a.org.id).waiting === 1, "the org's second replay waits for its turn");

      // Another org's replay is not behind them: it reads every page and reaches its last event.
      const other = await openRaw(baseUrl, b.adminKey.apiKey, "0");
      closes.push(other.close);
      const otherFrames = frameReader(other.response);
      const bLast = String((await logSize(b.org.id)) - 1);
      await otherFrames.waitFor((frames) => frames.at(-1)?.id === bLast);
      // Meanwhile the org's first replay still holds its only turn, the second still waits, and neither sent an event.
      expect(replayShare().stats(a.org.id)).toMatchObject({ running: 1, waiting: 1, peakRunning: 1 });
      expect(firstFrames.frames).toHaveLength(0);
      expect(secondFrames.frames).toHaveLength(0);
      // No page was larger than a page, and nothing of org A was read past the held page.
      expect(Math.max(...pages)).toBeLessThanOrEqual(PAGE);

      open();
      const aLast = String((await logSize(a.org.id)) - 1);
      await firstFrames.waitFor((frames) => frames.at(-1)?.id === aLast);
      await secondFrames.waitFor((frames) => frames.at(-1)?.id === aLast);
      for (const reader of [firstFrames, secondFrames, otherFrames]) {
        const seqs = reader.frames.map((f) => Number(f.id));
        expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
        expect(seqs.length).toBeGreaterThanOrEqual(HISTORY);
      }
      // One page of the org at a time, always.
      expect(replayShare().stats(a.org.id).peakRunning).toBe(REPLAY_TURNS);
    } finally {
      for (const close of closes) close();
    }
  });
});

describe("many replays from the same place read each page once", () => {
  const HISTORY = 2_000;
  const PAGE = 100;
  const READERS = 5;
  let app: FastifyInstance;
  let baseUrl: string;
  let org: TestOrg;
  let agentOnly: TestOrg;
  const pages: number[] = [];
  const rowsRead = () => pages.reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    app = await startApp({ eventStreams: { limits: { pageSize: PAGE, replayWindow: 50_000 }, onRows: (rows) => void pages.push(rows) } });
    baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
    org = await createTestOrg({ label: "replay-shared", policies: ALLOW_ALL_PR });
    agentOnly = await createTestOrg({ label: "replay-shared-agent", policies: ALLOW_ALL_PR });
    await seed(org.org.id, org.agent.id, HISTORY);
    await seed(agentOnly.org.id, agentOnly.agent.id, HISTORY);
  }, 60_000);
  afterAll(async () => stopApp(app));

  it(`${READERS} replays from 0 each get every event once, in order, while the log is read about once (not ${READERS} times)`, async () => {
    const size = await logSize(org.org.id);
    pages.length = 0;
    const streams = await Promise.all(Array.from({ length: READERS }, () => openRaw(baseUrl, org.adminKey.apiKey, "0")));
    try {
      const readers = streams.map((stream) => frameReader(stream.response));
      for (const reader of readers) await reader.waitFor((frames) => frames.at(-1)?.id === String(size - 1));
      for (const reader of readers) {
        const seqs = reader.frames.map((f) => Number(f.id));
        expect(seqs).toEqual(Array.from({ length: size }, (_, i) => i).filter((seq) => seqs.includes(seq)));
        expect(seqs.filter((seq) => seq >= size - HISTORY)).toHaveLength(HISTORY);
      }
      // Every full page once; at most each reader's own short last page on top.
      expect(rowsRead()).toBeGreaterThanOrEqual(HISTORY);
      expect(rowsRead()).toBeLessThanOrEqual(size + READERS * PAGE);
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it("a page kept for the org's replays serves neither another org's replay nor a stream of one agent", async () => {
    // The first test left the org's pages from 0 kept. Another org replays from the same seq: its own log.
    const otherSize = await logSize(agentOnly.org.id);
    const other = await openRaw(baseUrl, agentOnly.adminKey.apiKey, "0");
    // A second agent of the org with a few entries of its own; its stream from 0 is filtered to them.
    const second = await createAgent({ ctx: systemCtx(org.org, "test"), input: { name: "second" } });
    await seed(org.org.id, second.id, 3);
    const own = await openRaw(baseUrl, org.adminKey.apiKey, "0", `?agentId=${second.id}`);
    try {
      const otherFrames = frameReader(other.response);
      await otherFrames.waitFor((f) => f.at(-1)?.id === String(otherSize - 1));
      const seeded = otherFrames.frames.filter((f) => f.event === "action.executed");
      expect(seeded).toHaveLength(HISTORY);
      expect(seeded.every((f) => f.data.agentId === agentOnly.agent.id)).toBe(true);

      const ownFrames = frameReader(own.response);
      await ownFrames.waitFor((f) => f.filter((x) => x.event === "action.executed").length >= 3);
      expect(ownFrames.frames.length).toBeGreaterThan(0);
      expect(ownFrames.frames.every((f) => f.data.agentId === second.id)).toBe(true);
    } finally {
      other.close();
      own.close();
    }
  });
});

describe("a reader that falls behind the live events is closed with a last event", () => {
  const MAX_QUEUED = 50;
  let app: FastifyInstance;
  let baseUrl: string;
  let org: TestOrg;
  const closings: string[] = [];
  const ends: StreamEnd[] = [];

  beforeAll(async () => {
    app = await startApp({
      eventStreams: { limits: { maxQueued: MAX_QUEUED }, closeGraceMs: 1_500, onClosing: () => closings.push("slow_reader"), onEnd: (reason) => ends.push(reason) },
    });
    baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
    org = await createTestOrg({ label: "slow-reader", policies: ALLOW_ALL_PR });
  });
  afterAll(async () => stopApp(app));

  // Each case: the reader stops reading, the org writes 20 MB of events, and the reader either comes back
  // before the grace ends (it gets what was sent, then the closing event, then the end) or never does
  // (its socket is destroyed); either way the stream's slots are free.
  const cases = [
    { name: "comes back before the grace ends", resumes: true },
    { name: "never reads again", resumes: false },
  ];
  for (const c of cases) {
    it(`a stopped reader that ${c.name} is disconnected after ${MAX_QUEUED} waiting events`, async () => {
      closings.length = 0;
      ends.length = 0;
      const { response, close } = await openRaw(baseUrl, org.agent.apiKey);
      try {
        expect(response.statusCode).toBe(200);
        const reader = frameReader(response);
        response.pause();
        await waitUntil(() => app.abuse.streams.held(org.agent.keyId) === 1, "the stream is open");
        await seed(org.org.id, org.agent.id, 20_000, 1_000);
        await waitUntil(() => closings.length === 1, "the server closes the stream");
        if (!c.resumes) {
          await waitUntil(() => ends.length === 1, "the socket is destroyed after the grace");
          expect(ends).toEqual(["slow_reader"]);
          expect(app.abuse.streams.held(org.agent.keyId)).toBe(0);
          return;
        }
        response.resume();
        await reader.waitFor(() => false);
        expect(reader.ended()).toBe(true);
        const last = reader.frames.at(-1);
        expect(last?.event).toBe("stream.closed");
        expect(last?.data).toMatchObject({ type: "stream.closed", reason: "slow_reader" });
        expect(last?.id).toBe("");
        // Far from all of them: the rest waits in the log for the reconnect.
        expect(reader.frames.length).toBeLessThan(20_000);
        await waitUntil(() => ends.length === 1, "the stream has ended");
        expect(ends).toEqual(["slow_reader"]);
        expect(app.abuse.streams.held(org.agent.keyId)).toBe(0);
      } finally {
        close();
      }
    }, 60_000);
  }
});

describe("streams are capped per key and per org", () => {
  let app: FastifyInstance;
  let baseUrl: string;
  let a: TestOrg;
  let b: TestOrg;
  let a2 = "";
  let a3 = "";

  beforeAll(async () => {
    app = await startApp({ limits: { streamsPerKey: 2, streamsPerOrg: 3 } });
    baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
    a = await createTestOrg({ label: "caps-a", policies: ALLOW_ALL_PR });
    b = await createTestOrg({ label: "caps-b", policies: ALLOW_ALL_PR });
    a2 = (await createAgent({ ctx: systemCtx(a.org, "test"), input: { name: "second" } })).apiKey;
    a3 = (await createAgent({ ctx: systemCtx(a.org, "test"), input: { name: "third" } })).apiKey;
  });
  afterAll(async () => stopApp(app));

  it("in order: a key's third stream, then any key of a full org, is 429 with Retry-After; another org is unaffected; a closed stream frees both slots", async () => {
    const open: Array<() => void> = [];
    const attempt = async (key: string) => {
      const controller = new AbortController();
      const response = await fetch(`${baseUrl}/v1/events`, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal });
      // Each open stream's response stays referenced until the test closes it: a fetch body never read is
      // cancelled when the response is garbage-collected (undici), which would close the stream early.
      if (response.status === 200) open.push(() => controller.abort(response.url));
      const refusal = response.status === 429 ? ((await response.json()) as { error: { code: string; message: string } }).error : null;
      return { status: response.status, retryAfter: response.headers.get("retry-after"), refusal: refusal?.message ?? null };
    };
    const keyFull = "2 event streams are already open for this API key (at most 2); close one first";
    const orgFull = "3 event streams are already open for this organization (at most 3); close one first";
    const steps: Array<{ who: string; key: () => string; expect: { status: number; retryAfter: string | null; refusal: string | null } }> = [
      { who: "org A, agent key 1", key: () => a.agent.apiKey, expect: { status: 200, retryAfter: null, refusal: null } },
      { who: "org A, agent key 1", key: () => a.agent.apiKey, expect: { status: 200, retryAfter: null, refusal: null } },
      { who: "org A, agent key 1, over its key's cap", key: () => a.agent.apiKey, expect: { status: 429, retryAfter: "5", refusal: keyFull } },
      { who: "org A, agent key 2", key: () => a2, expect: { status: 200, retryAfter: null, refusal: null } },
      { who: "org A, agent key 3, over the org's cap across its keys", key: () => a3, expect: { status: 429, retryAfter: "5", refusal: orgFull } },
      { who: "org A, admin key, over the org's cap", key: () => a.adminKey.apiKey, expect: { status: 429, retryAfter: "5", refusal: orgFull } },
      { who: "org A, agent key 2, under its key's cap but over the org's", key: () => a2, expect: { status: 429, retryAfter: "5", refusal: orgFull } },
      { who: "org B, agent key", key: () => b.agent.apiKey, expect: { status: 200, retryAfter: null, refusal: null } },
      { who: "org B, agent key", key: () => b.agent.apiKey, expect: { status: 200, retryAfter: null, refusal: null } },
      { who: "org B, admin key", key: () => b.adminKey.apiKey, expect: { status: 200, retryAfter: null, refusal: null } },
    ];
    try {
      const results = [];
      for (const step of steps) results.push({ who: step.who, ...(await attempt(step.key())) });
      expect(results).toEqual(steps.map((s) => ({ who: s.who, ...s.expect })));
      // Refusals hold nothing: org A holds exactly its three streams.
      expect(app.abuse.orgStreams.held(a.org.id)).toBe(3);
      expect(app.abuse.streams.held(a.agent.keyId)).toBe(2);

      // Closing one of org A's streams frees a slot of the org: its third key gets in.
      open.shift()?.();
      await waitUntil(() => app.abuse.orgStreams.held(a.org.id) === 2, "the closed stream's slots are free");
      expect(await attempt(a3)).toEqual({ status: 200, retryAfter: null, refusal: null });
    } finally {
      for (const close of open) close();
    }
    await waitUntil(() => app.abuse.orgStreams.held(a.org.id) === 0 && app.abuse.orgStreams.held(b.org.id) === 0, "every slot is free");
  });
});

describe("Last-Event-ID variants stay bounded and within the org", () => {
  const WINDOW = 10;
  let app: FastifyInstance;
  let baseUrl: string;
  let a: TestOrg;
  let b: TestOrg;
  let sizeA = 0;
  let sizeB = 0;
  const pages: number[] = [];

  beforeAll(async () => {
    app = await startApp({ eventStreams: { limits: { replayWindow: WINDOW, pageSize: 4 }, onRows: (rows) => void pages.push(rows) } });
    baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
    a = await createTestOrg({ label: "lei-a", policies: ALLOW_ALL_PR });
    b = await createTestOrg({ label: "lei-b", policies: ALLOW_ALL_PR });
    await seed(a.org.id, a.agent.id, 30);
    await seed(b.org.id, b.agent.id, 200);
    sizeA = await logSize(a.org.id);
    sizeB = await logSize(b.org.id);
  });
  afterAll(async () => stopApp(app));

  /** Opens a stream and reads it until the event with the log's newest id (or, when none is expected, for 300 ms). */
  async function replay(init: { header?: string; query?: string }, expectNewest: boolean): Promise<{ status: number; field?: string; frames: Frame[] }> {
    const controller = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${a.adminKey.apiKey}` };
    if (init.header !== undefined) headers["last-event-id"] = init.header;
    const response = await fetch(`${baseUrl}/v1/events${init.query ?? ""}`, { headers, signal: controller.signal });
    if (response.status !== 200) {
      const body = (await response.json()) as { error: { details?: { issues?: Array<{ path: string }> } } };
      return { status: response.status, ...(body.error.details?.issues?.[0] ? { field: body.error.details.issues[0].path } : {}), frames: [] };
    }
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const frames: Frame[] = [];
    const timer = setTimeout(() => controller.abort(), expectNewest ? 8_000 : 300);
    try {
      while (!frames.some((f) => f.id === String(sizeA - 1) && f.event !== "replay.truncated")) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseFrames(buffer + decoder.decode(value, { stream: true }));
        buffer = parsed.rest;
        frames.push(...parsed.frames);
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    return { status: 200, frames };
  }

  const oldest = () => sizeA - WINDOW;
  const truncatedFrom = (after: number) => ({
    event: "replay.truncated",
    id: String(oldest() - 1),
    data: expect.objectContaining({ requestedAfter: after, resumesAfter: oldest() - 1, skipped: { fromSeq: after + 1, toSeq: oldest() - 1 }, window: WINDOW }),
  });
  const eventsAfter = (after: number) => Array.from({ length: sizeA - 1 - after }, (_, i) => String(after + 1 + i));

  const cases: Array<{
    name: string;
    init: () => { header?: string; query?: string };
    expect: () => { status: number; field?: string; notice?: ReturnType<typeof truncatedFrom>; ids?: string[] };
  }> = [
    { name: "0 (older than the window)", init: () => ({ header: "0" }), expect: () => ({ status: 200, notice: truncatedFrom(0), ids: eventsAfter(oldest() - 1) }) },
    { name: "0 as ?lastEventId=", init: () => ({ query: "?lastEventId=0" }), expect: () => ({ status: 200, notice: truncatedFrom(0), ids: eventsAfter(oldest() - 1) }) },
    {
      name: "just before the window",
      init: () => ({ header: String(oldest() - 2) }),
      expect: () => ({ status: 200, notice: truncatedFrom(oldest() - 2), ids: eventsAfter(oldest() - 1) }),
    },
    { name: "the window's first resume point", init: () => ({ header: String(oldest() - 1) }), expect: () => ({ status: 200, ids: eventsAfter(oldest() - 1) }) },
    { name: "inside the window", init: () => ({ header: String(sizeA - 4) }), expect: () => ({ status: 200, ids: eventsAfter(sizeA - 4) }) },
    { name: "the newest event", init: () => ({ header: String(sizeA - 1) }), expect: () => ({ status: 200, ids: [] }) },
    { name: "the future (the log's size)", init: () => ({ header: String(sizeA) }), expect: () => ({ status: 400, field: "lastEventId" }) },
    { name: "another org's newest id (past this log)", init: () => ({ header: String(sizeB - 1) }), expect: () => ({ status: 400, field: "lastEventId" }) },
    { name: "another org's id inside this log", init: () => ({ header: String(sizeA - 3) }), expect: () => ({ status: 200, ids: eventsAfter(sizeA - 3) }) },
    { name: "huge (18 digits)", init: () => ({ header: "999999999999999999" }), expect: () => ({ status: 400, field: "lastEventId" }) },
    { name: "huge (30 digits)", init: () => ({ header: "9".repeat(30) }), expect: () => ({ status: 400, field: "lastEventId" }) },
    { name: "negative", init: () => ({ header: "-1" }), expect: () => ({ status: 400, field: "lastEventId" }) },
    { name: "garbage", init: () => ({ header: "yesterday" }), expect: () => ({ status: 400, field: "lastEventId" }) },
    { name: "exponent", init: () => ({ header: "1e3" }), expect: () => ({ status: 400, field: "lastEventId" }) },
    { name: "hexadecimal", init: () => ({ header: "0x10" }), expect: () => ({ status: 400, field: "lastEventId" }) },
    { name: "fraction", init: () => ({ header: "3.5" }), expect: () => ({ status: 400, field: "lastEventId" }) },
  ];

  for (const c of cases) {
    it(`Last-Event-ID ${c.name}`, async () => {
      pages.length = 0;
      const want = c.expect();
      const got = await replay(c.init(), (want.ids?.length ?? 0) > 0);
      expect({ status: got.status, field: got.field }).toEqual({ status: want.status, field: want.field });
      if (want.status !== 200) return;
      const notices = got.frames.filter((f) => f.event === "replay.truncated");
      const events = got.frames.filter((f) => f.event !== "replay.truncated");
      if (want.notice) {
        expect(got.frames[0]).toMatchObject(want.notice);
        expect(notices).toHaveLength(1);
      } else {
        expect(notices).toEqual([]);
      }
      expect(events.map((f) => f.id)).toEqual(want.ids);
      // Only this org's events, and never more read than the window (plus the page that found its end).
      for (const f of events) expect(f.data.agentId).toBe(a.agent.id);
      expect(pages.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(WINDOW);
    });
  }
});
