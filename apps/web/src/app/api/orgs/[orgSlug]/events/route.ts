import { NextResponse, type NextRequest } from "next/server";
import { ConcurrencySlots } from "@gatehouse/core";
import { sseFrame, subscribeEvents, type Ctx } from "@gatehouse/db";
import { eventsQuerySchema } from "@gatehouse/contracts";
import { checkedParams, parseInput, queryInput } from "@/server/http";
import { withMember } from "@/server/member-route";

export const dynamic = "force-dynamic";

const HEARTBEAT_MS = 15_000;

// At most 10 open streams per signed-in user in this console process (a tab holds one); over it, 429
// with Retry-After. Per process like the API's caps: a stream holds this process's connection and
// subscription, and its slot frees when it ends, however it ends.
const streams = new ConcurrencySlots({ max: 10, what: "event streams", holder: "your account", retryAfterSeconds: 5 });

// GET /api/orgs/[orgSlug]/events: the org's events as server-sent events (docs/approvals.md, Events),
// for the console's live views. Resumes after `Last-Event-ID` (or ?lastEventId=), which EventSource
// sends by itself when it reconnects; without either, starts with what happens next. Session (401),
// membership (another org is 404) and a malformed Last-Event-ID (400) answer JSON before the stream.
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "follow events", async (ctx, _params, requestId) => stream(request, ctx, requestId));
}

async function stream(request: NextRequest, ctx: Ctx, requestId: string): Promise<Response> {
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let closed = false;
  // Events delivered while the subscription replays, before the stream has started.
  const pending: string[] = [];
  const write = (chunk: string) => {
    if (closed) return;
    if (!controller) {
      pending.push(chunk);
      return;
    }
    try {
      controller.enqueue(encoder.encode(chunk));
    } catch {
      close();
    }
  };

  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    request.signal.removeEventListener("abort", close);
    unsubscribe();
    release();
    try {
      controller?.close();
    } catch {
      // Already closed by the client going away.
    }
  };

  // The query is checked as the API checks it (a repeated or unsafe parameter is a 400 naming it).
  const query = parseInput(eventsQuerySchema, queryInput(request));
  const lastEventId = request.headers.get("last-event-id") ?? query.lastEventId ?? null;
  const release = streams.acquire(ctx.actor.type === "user" ? ctx.actor.userId : ctx.requestId);
  // Errors (a malformed Last-Event-ID: 400) reach withMember and answer JSON before any stream starts.
  let unsubscribe: () => void;
  try {
    unsubscribe = await subscribeEvents({ ctx, input: { lastEventId }, deliver: (event) => write(sseFrame(event)) });
  } catch (error) {
    release();
    throw error;
  }

  const stream = new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
      streamController.enqueue(encoder.encode(`retry: 2000\n: connected\n\n`));
      for (const chunk of pending.splice(0)) write(chunk);
      heartbeat = setInterval(() => write(`: ping\n\n`), HEARTBEAT_MS);
    },
    cancel: close,
  });
  if (request.signal.aborted) close();
  else request.signal.addEventListener("abort", close, { once: true });

  return new NextResponse(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      // no-transform keeps the server's compression from buffering the stream.
      "cache-control": "no-store, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-request-id": requestId,
    },
  });
}
