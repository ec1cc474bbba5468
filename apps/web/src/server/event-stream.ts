import { ConcurrencySlots, sseHeaders, sseWriter } from "@gatehouse/core";
import type { EventFeed } from "@gatehouse/db";

// Not "server-only": it holds nothing secret, and the web tests import it.

const RETRY_AFTER_SECONDS = 5;

export interface ConsoleStreamCaps {
  /** Takes a slot of the user and one of the org, or throws RATE_LIMITED (429, Retry-After) naming the full one; the release frees both once. */
  acquire(holder: { userId: string; orgId: string }): () => void;
}

/**
 * The console's caps on open event streams, per process like the API's: at most `perUser` per
 * signed-in user (a tab holds one) and `perOrg` per org, across its members. A stream holds this
 * process's connection and feed; its slots free when it ends, however it ends.
 */
export function consoleStreamCaps(limits: { perUser: number; perOrg: number } = { perUser: 10, perOrg: 50 }): ConsoleStreamCaps {
  const users = new ConcurrencySlots({ max: limits.perUser, what: "event streams", holder: "your account", retryAfterSeconds: RETRY_AFTER_SECONDS });
  const orgs = new ConcurrencySlots({ max: limits.perOrg, what: "event streams", holder: "this organization", retryAfterSeconds: RETRY_AFTER_SECONDS });
  return {
    acquire({ userId, orgId }) {
      const releaseUser = users.acquire(userId);
      let releaseOrg: () => void;
      try {
        releaseOrg = orgs.acquire(orgId);
      } catch (error) {
        releaseUser();
        throw error;
      }
      return () => {
        releaseOrg();
        releaseUser();
      };
    },
  };
}

/**
 * Server-sent events pulled from `feed` as the client reads them, written by the one event-stream
 * writer the API uses too (packages/core, events/sse-writer.ts: preamble, frames, heartbeats, the last
 * `stream.closed`): the body asks the writer for its next write only when the response has taken the
 * last one (Next.js writes a chunk, waits for the socket to drain, then reads again), so a replay
 * reads the log one page at a time and a stalled reader makes the feed close itself instead of
 * growing. `onEnd` runs once, however the stream ends (read to its end, cancelled, or `signal`, the
 * request's, aborted).
 */
export function eventStreamResponse(requestId: string, feed: EventFeed, options: { signal: AbortSignal; onEnd: () => void }): Response {
  const encoder = new TextEncoder();
  const writer = sseWriter(feed);
  let ended = false;
  // Set once the body is cancelled (the client went away): its controller is closed then, and a
  // pull that was waiting on the feed must not write to it or close it again.
  let cancelled = false;
  const end = () => {
    if (ended) return;
    ended = true;
    options.signal.removeEventListener("abort", end);
    feed.close();
    options.onEnd();
  };
  if (options.signal.aborted) end();
  else options.signal.addEventListener("abort", end, { once: true });
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const finish = () => {
          if (!cancelled) controller.close();
        };
        if (ended) {
          finish();
          return;
        }
        try {
          const chunk = await writer.next();
          if (ended) {
            finish();
            return;
          }
          controller.enqueue(encoder.encode(chunk.text));
          if (chunk.last) {
            controller.close();
            end();
          }
        } catch (error) {
          console.error(`[${requestId}] event stream failed; closing it`, error);
          controller.error(error);
          end();
        }
      },
      cancel: () => {
        cancelled = true;
        end();
      },
    },
    // Nothing is read ahead of the client: the next event is fetched when the response wants it.
    { highWaterMark: 0 },
  );
  return new Response(body, { headers: sseHeaders(requestId) });
}
