import { routeOf } from "@gatehouse/contracts";
import { sseHeaders, sseWriter, SSE_HEARTBEAT_MS } from "@gatehouse/core";
import { subscribeEvents, type EventFeed, type EventFeedLimits } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf, keyIdOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** How an event stream ended: the client left, it was closed for reading too slowly, or the server is closing. */
export type StreamEnd = "client" | "slow_reader" | "shutdown";

export interface EventStreamOptions {
  /** Each stream's replay window, replay page and queue of waiting events (packages/db, event-feed.ts). */
  limits?: Partial<EventFeedLimits>;
  /** A heartbeat comment after this long without an event. */
  heartbeatMs?: number;
  /** How long a stream closed for a slow reader may take to hand over its last bytes before its socket is destroyed. */
  closeGraceMs?: number;
  /** Told the rows of each replay page a stream reads, in its replay turn (tests count what a stream holds; a promise holds the turn). */
  onRows?: (rows: number) => void | Promise<void>;
  /** Told when a stream writes its last event because its reader fell too far behind (tests). */
  onClosing?: () => void;
  /** Told how each stream ended, once its slots are free (tests). */
  onEnd?: (reason: StreamEnd) => void;
}

const CLOSE_GRACE_MS = 10_000;

/**
 * `GET /v1/events`: server-sent events, resumable with `Last-Event-ID` (or `?lastEventId=`). A key
 * holds at most `abuse.streams` open at once in this process, and the org's keys together
 * `abuse.orgStreams` (429 over either); a stream's slots free when it ends, however it ends. Each
 * stream is written by the one event-stream writer (packages/core, events/sse-writer.ts, shared with the
 * console) only as fast as its socket drains: a replay writes a page at once and reads the next page of
 * the log (in the org's replay turn) once the socket took the previous one, and a reader too slow for
 * the live events gets a last `stream.closed` event and is disconnected (docs/events.md).
 */
export async function eventRoutes(app: FastifyInstance, options: EventStreamOptions): Promise<void> {
  const heartbeatMs = options.heartbeatMs ?? SSE_HEARTBEAT_MS;
  const closeGraceMs = options.closeGraceMs ?? CLOSE_GRACE_MS;
  /** Streams that are open, so shutdown can end them instead of waiting for clients to leave. */
  const open = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const end of [...open]) end();
  });

  app.withTypeProvider<ZodTypeProvider>().route({
    ...fromContract(routeOf("streamEvents")),
    handler: async (request, reply) => {
      const header = request.headers["last-event-id"];
      const lastEventId = typeof header === "string" ? header : (request.query.lastEventId ?? null);
      const ctx = ctxOf(request);
      const releaseKey = app.abuse.streams.acquire(keyIdOf(request));
      let releaseOrg: () => void = () => undefined;
      // Subscribing first validates the request (400/403 as JSON), then the stream starts.
      let feed: EventFeed;
      try {
        releaseOrg = app.abuse.orgStreams.acquire(ctx.org.id);
        feed = await subscribeEvents({
          ctx,
          input: { lastEventId, types: request.query.types, agentId: request.query.agentId },
          limits: options.limits,
          onRows: options.onRows,
        });
      } catch (error) {
        releaseOrg();
        releaseKey();
        throw error;
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, sseHeaders(request.id));
      const writer = sseWriter(feed, { heartbeatMs });

      let ended = false;
      let closing: StreamEnd | null = null;
      let grace: NodeJS.Timeout | undefined;
      /** Wakes the pump waiting for the socket to drain (a drain, the socket closing, or the feed overflowing). */
      let wake: (() => void) | null = null;
      const end = (reason: StreamEnd) => {
        if (ended) return;
        ended = true;
        clearTimeout(grace);
        feed.close();
        releaseOrg();
        releaseKey();
        open.delete(shutdown);
        wake?.();
        if (!res.writableEnded) res.end();
        options.onEnd?.(reason);
      };
      const shutdown = () => end("shutdown");
      const drained = () => wake?.();
      open.add(shutdown);
      res.on("drain", drained);
      res.once("close", () => {
        res.off("drain", drained);
        end(closing ?? "client");
      });
      void feed.overflowed.then(drained);

      const pump = async (): Promise<void> => {
        while (!ended) {
          const chunk = await writer.next();
          if (ended) return;
          const flowing = res.write(chunk.text);
          if (chunk.last) {
            // The reader fell too far behind: its last event is written; if it does not take it in time, the socket goes.
            closing = "slow_reader";
            options.onClosing?.();
            feed.close();
            res.end();
            grace = setTimeout(() => res.destroy(), closeGraceMs);
            return;
          }
          if (!flowing && !ended) await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      };
      pump().catch((error: unknown) => {
        request.log.warn({ err: error }, "event stream failed; closing it");
        res.destroy();
      });
      // The client may have gone while the subscription was made: no "close" is coming then.
      if (res.destroyed || request.raw.destroyed) end("client");
    },
  });
}
