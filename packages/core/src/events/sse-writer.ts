import { feedFrame, SSE_PREAMBLE, type FeedItem } from "./stream-notice";

/** What the writer reads: an event feed (packages/db, events/event-feed.ts), or any source of feed items. */
export interface SseSource {
  /** The next item, or null when none came within `waitMs` (a heartbeat is written). */
  next(waitMs: number): Promise<FeedItem | null>;
  /** What is ready without waiting, written with the last `next` at once. */
  takeReady(): FeedItem[];
}

/** A comment after this long without an event keeps proxies from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;

/**
 * The response headers of an event stream, the API's and the console's alike. `no-transform` keeps a
 * compressing proxy or server from buffering the stream until it ends; `x-accel-buffering` does the
 * same for nginx.
 */
export function sseHeaders(requestId: string): Record<string, string> {
  return {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-request-id": requestId,
  };
}

/** One write of an event stream: its text, and whether it is the last (the stream ends after it). */
export interface SseChunk {
  text: string;
  last: boolean;
}

/**
 * The one writer of server-sent events from an event feed, for both transports (the API's Node
 * response, apps/api/src/routes/events.ts; the console's web stream, apps/web/src/server/event-stream.ts).
 * Each call of `next` is one write: first the preamble (the reconnect delay and a comment, without
 * asking the feed), then the feed's next event, or a `: ping` heartbeat when none came within
 * `heartbeatMs`, together with whatever else is ready behind it (the rest of a replay page: one write
 * per page, not per event). The `stream.closed` notice (the reader fell too far behind) is the last
 * write. The transport asks for the next write only once the reader took the previous one (a drained
 * socket, a pulled body), which is all the backpressure there is: the feed reads its next replay page,
 * or closes itself for a stalled reader, instead of growing.
 */
export function sseWriter(feed: SseSource, options: { heartbeatMs?: number } = {}): { next(): Promise<SseChunk> } {
  const heartbeatMs = options.heartbeatMs ?? SSE_HEARTBEAT_MS;
  let started = false;
  return {
    async next() {
      if (!started) {
        started = true;
        return { text: SSE_PREAMBLE, last: false };
      }
      const first = await feed.next(heartbeatMs);
      const items = first === null ? [null] : [first, ...feed.takeReady()];
      const item = items[items.length - 1];
      return { text: items.map(feedFrame).join(""), last: item?.kind === "notice" && item.notice.type === "stream.closed" };
    },
  };
}
