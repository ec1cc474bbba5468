import { describe, expect, it } from "vitest";
import { AuthenticationError, GatehouseError, NotFoundError } from "../src/errors.ts";
import type { GatehouseEvent } from "../src/types.ts";
import { ADMIN_KEY, API_KEY, adminClient, apiError, client, eventStream, json, rejection, sseEvent, type StreamProbe } from "./helpers.ts";

const EVENTS_URL = "http://localhost:4000/v1/events";

/** Collects events until `count` have arrived, then leaves the loop. */
async function take(events: AsyncIterable<GatehouseEvent>, count: number): Promise<GatehouseEvent[]> {
  const seen: GatehouseEvent[] = [];
  if (count === 0) return seen;
  for await (const event of events) {
    seen.push(event);
    if (seen.length === count) break;
  }
  return seen;
}

describe("subscribe()", () => {
  it("GETs /v1/events as an event stream with the key", async () => {
    const { gatehouse, calls } = client([eventStream([sseEvent(1, "action.executed")], { open: true })]);
    await take(gatehouse.subscribe(), 1);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("accept"), calls[0]?.headers.get("authorization")]).toEqual([
      "GET",
      EVENTS_URL,
      "text/event-stream",
      `Bearer ${API_KEY}`,
    ]);
  });

  it("sends types and agentId as the query, and again when it reconnects", async () => {
    const { admin, calls } = adminClient([eventStream([sseEvent(1, "approval.requested")]), eventStream([sseEvent(2, "approval.decided")], { open: true })]);
    await take(admin.subscribe({ types: ["approval.requested", "approval.decided"], agentId: "agt_1" }), 2);
    const url = `${EVENTS_URL}?types=approval.requested%2Capproval.decided&agentId=agt_1`;
    expect(calls.map((call) => call.url)).toEqual([url, url]);
  });

  it("starts with what happens next: no Last-Event-ID", async () => {
    const { gatehouse, calls } = client([eventStream([sseEvent(1, "action.executed")], { open: true })]);
    await take(gatehouse.subscribe(), 1);
    expect(calls[0]?.headers.has("last-event-id")).toBe(false);
  });

  it("resumes after lastEventId", async () => {
    const { gatehouse, calls } = client([eventStream([sseEvent(42, "action.executed")], { open: true })]);
    await take(gatehouse.subscribe({ lastEventId: "41" }), 1);
    expect(calls[0]?.headers.get("last-event-id")).toBe("41");
  });

  it("yields each event with its id, type and parsed data", async () => {
    const stream = [": ping\n\n", sseEvent(7, "approval.requested", { approvalId: "apr_1" }), sseEvent(8, "approval.decided", { approvalId: "apr_1", status: "approved" })];
    const { gatehouse } = client([eventStream(stream, { open: true })]);
    expect(await take(gatehouse.subscribe(), 2)).toEqual([
      {
        id: "7",
        type: "approval.requested",
        data: { seq: 7, type: "approval.requested", at: "2025-06-01T12:00:00.000Z", agentId: "agt_1", actionId: "act_1", actionType: "pr.merge", approvalId: "apr_1" },
      },
      {
        id: "8",
        type: "approval.decided",
        data: {
          seq: 8,
          type: "approval.decided",
          at: "2025-06-01T12:00:00.000Z",
          agentId: "agt_1",
          actionId: "act_1",
          actionType: "pr.merge",
          approvalId: "apr_1",
          status: "approved",
        },
      },
    ]);
  });

  it("reads events split across chunks anywhere", async () => {
    const text = sseEvent(1, "action.executed") + sseEvent(2, "action.denied", { denialReason: "NO_POLICY" });
    const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
    const { gatehouse } = client([eventStream(chunks, { open: true })]);
    expect((await take(gatehouse.subscribe(), 2)).map((event) => [event.id, event.type])).toEqual([
      ["1", "action.executed"],
      ["2", "action.denied"],
    ]);
  });

  it("reconnects when the connection ends, with the Last-Event-ID of the last event seen", async () => {
    const { gatehouse, calls, sleeps } = client([
      eventStream([sseEvent(1, "action.executed"), sseEvent(2, "action.executed")]),
      eventStream([sseEvent(3, "action.executed")], { open: true }),
    ]);
    const events = await take(gatehouse.subscribe(), 3);
    expect([events.map((event) => event.id), calls[1]?.headers.get("last-event-id"), sleeps]).toEqual([["1", "2", "3"], "2", [250]]);
  });

  it("resumes after the last complete event when the connection breaks mid-event", async () => {
    const { gatehouse, calls } = client([
      eventStream([sseEvent(1, "action.executed"), 'id: 2\nevent: action.executed\ndata: {"seq"']),
      eventStream([sseEvent(2, "action.executed")], { open: true }),
    ]);
    const events = await take(gatehouse.subscribe(), 2);
    expect([events.map((event) => event.id), calls[1]?.headers.get("last-event-id")]).toEqual([["1", "2"], "1"]);
  });

  const truncated = (requestedAfter: number, resumesAfter: number) =>
    `id: ${resumesAfter}\nevent: replay.truncated\ndata: ${JSON.stringify({ type: "replay.truncated", requestedAfter, resumesAfter, skipped: { fromSeq: requestedAfter + 1, toSeq: resumesAfter }, window: 10000, message: "cut" })}\n\n`;
  const closed = `event: stream.closed\ndata: ${JSON.stringify({ type: "stream.closed", reason: "slow_reader", message: "closed" })}\n\n`;

  // After a cut replay or a stream closed for a slow reader, the iteration goes on from the right place.
  const resumes: Array<{ name: string; first: string[]; types?: string[]; expect: { ids: string[]; types: string[]; resumedWith: string } }> = [
    {
      name: "a replay.truncated notice is yielded (whatever types asked for) and a reconnect resumes after its id",
      first: [truncated(0, 9_999)],
      types: ["action.executed"],
      expect: { ids: ["9999", "10000"], types: ["replay.truncated", "action.executed"], resumedWith: "9999" },
    },
    {
      name: "after a replay.truncated notice and an event, a reconnect resumes after the event",
      first: [truncated(0, 9_998), sseEvent(9_999, "action.executed")],
      types: ["action.executed"],
      expect: { ids: ["9998", "9999", "10000"], types: ["replay.truncated", "action.executed", "action.executed"], resumedWith: "9999" },
    },
    {
      name: "stream.closed is not yielded, and the reconnect resumes after the last event received",
      first: [sseEvent(9_999, "action.executed"), closed],
      expect: { ids: ["9999", "10000"], types: ["action.executed", "action.executed"], resumedWith: "9999" },
    },
  ];
  for (const r of resumes) {
    it(r.name, async () => {
      const { gatehouse, calls } = client([eventStream(r.first), eventStream([sseEvent(10_000, "action.executed")], { open: true })]);
      const events = await take(gatehouse.subscribe({ lastEventId: "0", ...(r.types ? { types: r.types } : {}) }), r.expect.ids.length);
      expect({ ids: events.map((e) => e.id), types: events.map((e) => e.type), resumedWith: calls[1]?.headers.get("last-event-id") }).toEqual(r.expect);
    });
  }

  it("resumes after an id the server sent without data", async () => {
    const { gatehouse, calls } = client([eventStream([sseEvent(1, "action.executed"), "id: 5\n\n"]), eventStream([sseEvent(6, "action.executed")], { open: true })]);
    await take(gatehouse.subscribe(), 2);
    expect(calls[1]?.headers.get("last-event-id")).toBe("5");
  });

  it("starts the backoff over after a connection that received something", async () => {
    const { gatehouse, sleeps } = client([
      apiError(503, "A"),
      apiError(503, "B"),
      eventStream([": ping\n\n"]),
      apiError(503, "C"),
      eventStream([sseEvent(1, "action.executed")], { open: true }),
    ]);
    await take(gatehouse.subscribe(), 1);
    expect(sleeps).toEqual([250, 500, 250, 500]);
  });

  it("reconnects after a network error, a 503 and a body that breaks, backing off from 250 ms", async () => {
    const broken = (): Response =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.error(new TypeError("terminated"));
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    const { gatehouse, calls, sleeps } = client([
      new TypeError("fetch failed"),
      apiError(503, "UNAVAILABLE"),
      broken(),
      eventStream([sseEvent(1, "action.executed")], { open: true }),
    ]);
    await take(gatehouse.subscribe(), 1);
    expect([calls.length, sleeps]).toEqual([4, [250, 500, 1000]]);
  });

  it("does not give up however many times it must reconnect (maxRetries does not apply)", async () => {
    const failures = Array.from({ length: 8 }, () => apiError(502, "BAD_GATEWAY"));
    const { gatehouse, sleeps } = client([...failures, eventStream([sseEvent(1, "action.executed")], { open: true })], { maxRetries: 0 });
    await take(gatehouse.subscribe(), 1);
    expect(sleeps).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it("waits the reconnection time the server sets with retry:", async () => {
    const { gatehouse, sleeps } = client([eventStream(["retry: 3000\n\n", sseEvent(1, "action.executed")]), eventStream([sseEvent(2, "action.executed")], { open: true })]);
    await take(gatehouse.subscribe(), 2);
    expect(sleeps).toEqual([3000]);
  });

  it("reconnects when the stream stays silent longer than the idle timeout", async () => {
    const first: StreamProbe = { cancelled: false, signal: undefined };
    const { gatehouse, calls } = client(
      [eventStream([sseEvent(1, "action.executed")], { open: true, probe: first }), eventStream([sseEvent(2, "action.executed")], { open: true })],
      {},
      { streamIdleTimeout: 20 },
    );
    const events = await take(gatehouse.subscribe(), 2);
    expect([events.map((event) => event.id), first.cancelled, calls[1]?.headers.get("last-event-id")]).toEqual([["1", "2"], true, "1"]);
  });

  it("yields only the types asked for, and still resumes after the last event seen", async () => {
    const { gatehouse, calls } = client([
      eventStream([sseEvent(1, "action.executed"), sseEvent(2, "approval.requested"), sseEvent(3, "action.executed")]),
      eventStream([sseEvent(4, "approval.decided")], { open: true }),
    ]);
    const events = await take(gatehouse.subscribe({ types: ["approval.requested", "approval.decided"] }), 2);
    expect([events.map((event) => event.id), calls[1]?.headers.get("last-event-id")]).toEqual([["2", "4"], "3"]);
  });

  it("skips an event whose data is not JSON", async () => {
    const { gatehouse } = client([eventStream(["id: 1\nevent: action.executed\ndata: {oops\n\n", sseEvent(2, "action.executed")], { open: true })]);
    expect((await take(gatehouse.subscribe(), 1)).map((event) => event.id)).toEqual(["2"]);
  });

  it("cancels the body and closes the connection when the loop is left", async () => {
    const probe: StreamProbe = { cancelled: false, signal: undefined };
    const { gatehouse, calls } = client([eventStream([sseEvent(1, "action.executed"), sseEvent(2, "action.executed")], { open: true, probe })]);
    await take(gatehouse.subscribe(), 1);
    expect([probe.cancelled, probe.signal?.aborted, calls.length]).toEqual([true, true, 1]);
  });

  it("ends without an error, closing the connection, when the signal aborts while it waits for events", async () => {
    const probe: StreamProbe = { cancelled: false, signal: undefined };
    const controller = new AbortController();
    const { gatehouse, calls } = client([eventStream([sseEvent(1, "action.executed")], { open: true, probe })]);
    const seen: string[] = [];
    for await (const event of gatehouse.subscribe({ signal: controller.signal })) {
      seen.push(event.id);
      setTimeout(() => controller.abort(), 1);
    }
    expect([seen, probe.cancelled, calls.length]).toEqual([["1"], true, 1]);
  });

  it("ends at once when the signal aborts while the caller handles an event", async () => {
    const controller = new AbortController();
    const { gatehouse } = client([eventStream([sseEvent(1, "action.executed") + sseEvent(2, "action.executed")], { open: true })]);
    const seen: string[] = [];
    for await (const event of gatehouse.subscribe({ signal: controller.signal })) {
      seen.push(event.id);
      controller.abort();
    }
    expect(seen).toEqual(["1"]);
  });

  it("does not connect when the signal is already aborted", async () => {
    const { gatehouse, calls } = client([eventStream([sseEvent(1, "action.executed")])]);
    expect([await take(gatehouse.subscribe({ signal: AbortSignal.abort() }), 5), calls.length]).toEqual([[], 0]);
  });

  it.each([
    [401, AuthenticationError],
    [404, NotFoundError],
  ])("rejects at a %i with its typed error, without reconnecting", async (status, ErrorClass) => {
    const { gatehouse, calls } = client([apiError(status, "NOPE"), eventStream([sseEvent(1, "action.executed")])]);
    const error = await rejection(take(gatehouse.subscribe(), 1));
    expect([error instanceof ErrorClass, calls.length]).toEqual([true, 1]);
  });

  it("rejects an answer that is not an event stream", async () => {
    const { gatehouse } = client([json(200, { events: [] })]);
    const error = await rejection(take(gatehouse.subscribe(), 1));
    expect([error instanceof GatehouseError, (error as Error).message]).toEqual([true, `Gatehouse answered ${EVENTS_URL} with application/json, not an event stream`]);
  });
});

describe("admin.subscribe()", () => {
  it("streams /v1/events with the admin key", async () => {
    const { admin, calls } = adminClient([eventStream([sseEvent(1, "approval.requested")], { open: true })]);
    const events = await take(admin.subscribe(), 1);
    expect([events[0]?.type, calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual(["approval.requested", EVENTS_URL, `Bearer ${ADMIN_KEY}`]);
  });
});
