import type { NextRequest } from "next/server";
import { subscribeEvents, type Ctx, type EventFeed } from "@gatehouse/db";
import { eventsQuerySchema } from "@gatehouse/contracts";
import type { z } from "zod";
import { memberRoute } from "@/server/member-route";
import { consoleStreamCaps, eventStreamResponse } from "@/server/event-stream";

export const dynamic = "force-dynamic";

// At most 10 open streams per signed-in user and 50 per org in this console process; over either, 429
// with Retry-After.
const caps = consoleStreamCaps();

// GET /api/orgs/[orgSlug]/events: the org's events as server-sent events (docs/approvals.md, Events),
// for the console's live views. Resumes after `Last-Event-ID` (or ?lastEventId=), which EventSource
// sends by itself when it reconnects, within the replay window (docs/events.md);
// without either, starts with what happens next. Session (401), membership (another org is 404) and a
// malformed or future Last-Event-ID (400) answer JSON before the stream.
export const GET = memberRoute({ what: "follow events", query: eventsQuerySchema }, async ({ ctx, query, request, requestId }) => stream(request, ctx, query, requestId));

/** The query was checked as the API checks it (a repeated or unsafe parameter is a 400 naming it). */
async function stream(request: NextRequest, ctx: Ctx, query: z.output<typeof eventsQuerySchema>, requestId: string): Promise<Response> {
  const lastEventId = request.headers.get("last-event-id") ?? query.lastEventId ?? null;
  const release = caps.acquire({ userId: ctx.actor.type === "user" ? ctx.actor.userId : ctx.requestId, orgId: ctx.org.id });
  // Errors (a malformed or future Last-Event-ID: 400) reach memberRoute and answer JSON before any stream starts.
  let feed: EventFeed;
  try {
    feed = await subscribeEvents({ ctx, input: { lastEventId } });
  } catch (error) {
    release();
    throw error;
  }
  return eventStreamResponse(requestId, feed, { signal: request.signal, onEnd: release });
}
