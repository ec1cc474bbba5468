import "server-only";
import { toErrorBody } from "./http";

// Streamed answers of the console's route handlers. Errors before a stream starts reach memberRoute
// and answer the JSON error envelope; these helpers only handle what happens after.

// no-transform keeps the server's compression from buffering a stream until it ends.
const STREAM_HEADERS = { "cache-control": "no-store, no-transform", "x-accel-buffering": "no" };

/**
 * JSON Lines, one object per line as `run` sends them, for work that reports progress. An error
 * thrown by `run` becomes a last line `{ type: "error", status, error }` (the one error envelope).
 * If the client goes away, the work runs to its end but nothing more is written.
 */
export function jsonLinesResponse<Line extends object>(requestId: string, run: (send: (line: Line) => void) => Promise<void>): Response {
  const encoder = new TextEncoder();
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (line: object): void => {
        if (!closed) controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      };
      void run(send)
        .catch((error: unknown) => send({ type: "error", ...toErrorBody(error, requestId) }))
        .finally(() => {
          if (closed) return;
          closed = true;
          controller.close();
        });
    },
    cancel() {
      closed = true;
    },
  });
  return new Response(body, {
    headers: { ...STREAM_HEADERS, "content-type": "application/x-ndjson; charset=utf-8", "x-request-id": requestId },
  });
}

/**
 * A file download pulled from `chunks` as the client reads it, so memory stays flat for any size.
 * An error part-way aborts the response, so the browser shows a failed download, never a short file.
 */
export function downloadResponse(requestId: string, file: { contentType: string; filename: string; chunks: AsyncIterable<string>; headers?: Record<string, string> }): Response {
  const encoder = new TextEncoder();
  const iterator = file.chunks[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        console.error(`[${requestId}] download failed part-way`, error);
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  const filename = file.filename.replace(/[^\w.-]/g, "_");
  return new Response(body, {
    headers: {
      ...STREAM_HEADERS,
      ...file.headers,
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${filename}"`,
      "x-request-id": requestId,
    },
  });
}
