import { isDomainError, streamClosedSlowReader, type FeedItem, type GatehouseEvent } from "@gatehouse/core";
import type { EventFeed } from "@gatehouse/db";
import { describe, expect, it, vi } from "vitest";
import { consoleStreamCaps, eventStreamResponse } from "../src/server/event-stream";

// The console's event stream (GET /api/orgs/[orgSlug]/events): its caps per user and per org, and its
// body, which asks its feed for the next event only when the client has taken the last one. The feed
// itself (replay pages, window, queue bound) is tested against PostgreSQL in apps/api/test/event-streams.test.ts;
// here a scripted feed counts what the body asks of it.

describe("console stream caps", () => {
  const refusal = (fn: () => unknown) => {
    try {
      fn();
      return null;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return { code: error.code, message: error.message, retryAfter: error.retryAfterSeconds };
    }
  };
  const userFull = { code: "RATE_LIMITED", message: "10 event streams are already open for your account (at most 10); close one first", retryAfter: 5 };
  const orgFull = { code: "RATE_LIMITED", message: "50 event streams are already open for this organization (at most 50); close one first", retryAfter: 5 };

  it("per user (10), per org across its members (50), another org unaffected; a refusal holds nothing and a release frees both", () => {
    const caps = consoleStreamCaps();
    const held: Array<() => void> = [];
    const open = (userId: string, orgId: string) => refusal(() => held.push(caps.acquire({ userId, orgId })));
    const steps: Array<{ what: string; run: () => unknown; expect: unknown }> = [
      { what: "user 1 of org A opens 10", run: () => Array.from({ length: 10 }, () => open("u1", "A")), expect: Array(10).fill(null) },
      { what: "user 1's 11th", run: () => open("u1", "A"), expect: userFull },
      {
        what: "users 2 to 5 of org A open 10 each (the org's 50)",
        run: () => ["u2", "u3", "u4", "u5"].flatMap((u) => Array.from({ length: 10 }, () => open(u, "A"))),
        expect: Array(40).fill(null),
      },
      { what: "user 6 of org A, under its own cap", run: () => open("u6", "A"), expect: orgFull },
      { what: "user 1 in org B (its own slots are full)", run: () => open("u1", "B"), expect: userFull },
      { what: "user 7 of org B", run: () => open("u7", "B"), expect: null },
      { what: "user 6 of org A after one stream of org A closes", run: () => (held.shift()?.(), open("u6", "A")), expect: null },
      { what: "user 1's 10th again after its closed one", run: () => open("u1", "A"), expect: orgFull },
    ];
    expect(steps.map((s) => ({ what: s.what, got: s.run() }))).toEqual(steps.map((s) => ({ what: s.what, got: s.expect })));
    // Releasing twice frees once.
    const release = held.pop();
    release?.();
    release?.();
    expect(open("u8", "A")).toBeNull();
    expect(open("u9", "A")).toEqual(orgFull);
  });
});

const event = (seq: number): GatehouseEvent => ({
  id: String(seq),
  type: "action.executed",
  data: { seq, type: "action.executed", at: "2026-11-23T00:00:00.000Z", agentId: "agt_x" },
});

/** A feed that hands out `items` in order (then heartbeats) and counts what it was asked. */
function scriptedFeed(items: Array<FeedItem | null>): EventFeed & { asked: () => number; closed: () => number } {
  let asked = 0;
  let closed = 0;
  return {
    next: async () => {
      asked += 1;
      return items.shift() ?? null;
    },
    // Nothing is ready without asking: each read of the body asks `next` once.
    takeReady: () => [],
    overflowed: new Promise<void>(() => undefined),
    close: () => {
      closed += 1;
    },
    asked: () => asked,
    closed: () => closed,
  };
}

describe("console stream body", () => {
  it("asks its feed for an event only when the client reads: 20,000 events read slowly were fetched one read at a time", async () => {
    const feed = scriptedFeed(Array.from({ length: 20_000 }, (_, i) => ({ kind: "event", event: event(i) })));
    let ends = 0;
    const response = eventStreamResponse("req_test", feed, { signal: new AbortController().signal, onEnd: () => (ends += 1) });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    await new Promise((r) => setTimeout(r, 20));
    expect(feed.asked()).toBe(0);
    expect(decoder.decode((await reader.read()).value)).toBe("retry: 2000\n: connected\n\n");
    expect(feed.asked()).toBe(0);
    for (let i = 0; i < 20_000; i += 1) {
      const { value } = await reader.read();
      expect(feed.asked()).toBe(i + 1);
      if (i % 5_000 === 0) {
        expect(decoder.decode(value)).toBe(`id: ${i}\nevent: action.executed\ndata: {"seq":${i},"type":"action.executed","at":"2026-11-23T00:00:00.000Z","agentId":"agt_x"}\n\n`);
        // A pause: nothing is fetched for a reader that is not reading.
        await new Promise((r) => setTimeout(r, 20));
        expect(feed.asked()).toBe(i + 1);
      }
    }
    await reader.cancel();
    expect([ends, feed.closed()]).toEqual([1, 1]);
  });

  it("a heartbeat when the feed has nothing; the closing notice is the last frame, then the body ends", async () => {
    const feed = scriptedFeed([null, { kind: "event", event: event(7) }, { kind: "notice", notice: streamClosedSlowReader(1_000) }]);
    let ends = 0;
    const response = eventStreamResponse("req_test", feed, { signal: new AbortController().signal, onEnd: () => (ends += 1) });
    const text = await response.text();
    expect(text.split("\n\n").filter((f) => f !== "")).toEqual([
      "retry: 2000\n: connected",
      ": ping",
      `id: 7\nevent: action.executed\ndata: {"seq":7,"type":"action.executed","at":"2026-11-23T00:00:00.000Z","agentId":"agt_x"}`,
      expect.stringMatching(/^event: stream\.closed\ndata: \{"type":"stream\.closed","reason":"slow_reader"/),
    ]);
    expect([ends, feed.closed()]).toEqual([1, 1]);
  });

  const endings: Array<{ name: string; end: (controller: AbortController, body: ReadableStream<Uint8Array>) => Promise<unknown> }> = [
    { name: "the client cancels the body", end: (_c, body) => body.cancel() },
    { name: "the request is aborted", end: async (c) => c.abort() },
  ];
  for (const ending of endings) {
    it(`ends once, closing its feed and freeing its slots, when ${ending.name}`, async () => {
      const feed = scriptedFeed([]);
      const controller = new AbortController();
      let ends = 0;
      const response = eventStreamResponse("req_test", feed, { signal: controller.signal, onEnd: () => (ends += 1) });
      await ending.end(controller, response.body as ReadableStream<Uint8Array>);
      controller.abort();
      expect([ends, feed.closed()]).toEqual([1, 1]);
    });
  }

  // The reader usually goes away while the body waits on the feed for the next event (up to a 15 s
  // heartbeat): the slots free then, not when the feed next answers, and nothing is logged as a failure.
  for (const ending of endings) {
    it(`frees its slots at once when ${ending.name} while a read waits on the feed`, async () => {
      let asked = 0;
      let closed = 0;
      let wake: (item: FeedItem | null) => void = () => {};
      const feed: EventFeed = {
        next: () => {
          asked += 1;
          return new Promise((resolve) => (wake = resolve));
        },
        takeReady: () => [],
        overflowed: new Promise<void>(() => undefined),
        close: () => {
          closed += 1;
          wake(null);
        },
      };
      const controller = new AbortController();
      let ends = 0;
      const errors: unknown[] = [];
      const logged = vi.spyOn(console, "error").mockImplementation((...args) => void errors.push(args));
      try {
        const body = eventStreamResponse("req_test", feed, { signal: controller.signal, onEnd: () => (ends += 1) }).body as ReadableStream<Uint8Array>;
        const reader = body.getReader();
        await reader.read(); // the preamble
        const waiting = reader.read().catch(() => ({ done: true }));
        await new Promise((r) => setTimeout(r, 10));
        expect([asked, ends, closed]).toEqual([1, 0, 0]);
        reader.releaseLock();
        await ending.end(controller, body);
        expect([ends, closed]).toEqual([1, 1]);
        await waiting;
        await new Promise((r) => setTimeout(r, 10));
        expect([ends, closed, errors]).toEqual([1, 1, []]);
      } finally {
        logged.mockRestore();
      }
    });
  }

  it("a request aborted before the stream starts ends at once", async () => {
    const feed = scriptedFeed([{ kind: "event", event: event(1) }]);
    const controller = new AbortController();
    controller.abort();
    let ends = 0;
    const response = eventStreamResponse("req_test", feed, { signal: controller.signal, onEnd: () => (ends += 1) });
    expect(await response.text()).toBe("");
    expect([ends, feed.closed(), feed.asked()]).toEqual([1, 1, 0]);
  });
});
