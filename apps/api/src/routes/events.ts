import { routeOf } from "@gatehouse/contracts";
import { sseFrame } from "@gatehouse/core";
import { subscribeEvents } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf, keyIdOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

const HEARTBEAT_MS = 15_000;

/** Streams that are open, so shutdown can end them instead of waiting for clients to leave. */
const open = new Set<() => void>();

/**
 * `GET /v1/events`: server-sent events, resumable with `Last-Event-ID` (or `?lastEventId=`). A key
 * holds at most `abuse.streams` open at once in this process (429 over it); a stream's slot frees
 * when it ends, however it ends.
 */
export async function eventRoutes(app: FastifyInstance): Promise<void> {
  app.addHook("preClose", async () => {
    for (const end of [...open]) end();
  });

  app.withTypeProvider<ZodTypeProvider>().route({
    ...fromContract(routeOf("streamEvents")),
    handler: async (request, reply) => {
      const header = request.headers["last-event-id"];
      const lastEventId = typeof header === "string" ? header : (request.query.lastEventId ?? null);
      const pending: string[] = [];
      let started = false;
      const write = (chunk: string) => (started ? reply.raw.write(chunk) : pending.push(chunk));
      const release = app.abuse.streams.acquire(keyIdOf(request));
      // Subscribing first validates the request (400/403 as JSON), then the stream starts.
      let unsubscribe: () => void;
      try {
        unsubscribe = await subscribeEvents({
          ctx: ctxOf(request),
          input: { lastEventId, types: request.query.types, agentId: request.query.agentId },
          deliver: (event) => void write(sseFrame(event)),
        });
      } catch (error) {
        release();
        throw error;
      }
      reply.hijack();
      reply.raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        "x-request-id": request.id,
      });
      reply.raw.write(`retry: 2000\n: connected\n\n`);
      started = true;
      for (const chunk of pending.splice(0)) reply.raw.write(chunk);
      const heartbeat = setInterval(() => reply.raw.write(`: ping\n\n`), HEARTBEAT_MS);
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
        release();
        open.delete(end);
        if (!reply.raw.writableEnded) reply.raw.end();
      };
      open.add(end);
      reply.raw.once("close", end);
      // The client may have gone while the subscription was made: no "close" is coming then.
      if (reply.raw.destroyed || request.raw.destroyed) end();
    },
  });
}
