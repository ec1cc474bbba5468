import { NextResponse, type NextRequest } from "next/server";
import { getMemberContext, subscribeEvents } from "@gatehouse/db";
import { errorResponse, toErrorResponse } from "@/server/http";
import { requestIdFrom } from "@/server/request-id";
import { getSessionUser } from "@/server/session";

export const dynamic = "force-dynamic";

const HEARTBEAT_MS = 15_000;

interface StreamedEvent {
  id: string;
  type: string;
  data: unknown;
}

const frame = (event: StreamedEvent) => `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;

// GET /api/orgs/[orgSlug]/events: the org's events as server-sent events (docs/approvals.md, Events),
// for the console's live views. Resumes after `Last-Event-ID` (or ?lastEventId=), which EventSource
// sends by itself when it reconnects; without either, starts with what happens next. Session (401),
// membership (another org is 404) and a malformed Last-Event-ID (400) answer JSON before the stream.
export async function GET(
  request: NextRequest,
  { params }: { params: Promise<{ orgSlug: string }> },
): Promise<Response> {
  const requestId = requestIdFrom(request.headers);
  const user = await getSessionUser();
  if (!user) return errorResponse("UNAUTHENTICATED", "Sign in to follow events.", requestId);

  let unsubscribe: () => void;
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
    try {
      controller?.close();
    } catch {
      // Already closed by the client going away.
    }
  };

  try {
    const { orgSlug } = await params;
    const ctx = await getMemberContext({ userId: user.id, orgSlug, requestId });
    const lastEventId = request.headers.get("last-event-id") ?? request.nextUrl.searchParams.get("lastEventId");
    unsubscribe = await subscribeEvents({ ctx, input: { lastEventId }, deliver: (event) => write(frame(event)) });
  } catch (error) {
    return toErrorResponse(error, requestId);
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
