/** The event stream, `GET /v1/events`: server-sent events read from fetch's streaming body, reconnected with `Last-Event-ID`. */
import { APITimeoutError, GatehouseError } from "./errors.ts";
import { connectionFailed, failedResponse, query, requestHeaders, userAborted, type Attempt, type TransportConfig } from "./request.ts";
import { reconnectDelay } from "./retry.ts";
import { SseParser, type SseMessage } from "./sse.ts";
import type { GatehouseEvent, GatehouseEventData, SubscribeOptions } from "./types.ts";

/**
 * The events of the stream as they happen, for as long as the caller iterates. A dropped or silent
 * connection, a network error, 408, 429 or 5xx reconnects after a backoff (250 ms doubling to 5 s,
 * or what the server asks), resuming after the last event seen; any other error status rejects
 * the iteration with its typed error. Aborting `signal` or leaving the loop closes the connection
 * and ends the iteration without an error. A `replay.truncated` notice (the resume point was older
 * than the server's replay window) is yielded whatever `types` asked for; `stream.closed` (the server
 * closed a stream its reader fell behind on) is not: the connection ends and is resumed like any other.
 */
export async function* subscribeEvents(config: TransportConfig, options: SubscribeOptions): AsyncGenerator<GatehouseEvent, void, undefined> {
  const { signal } = options;
  const wanted = options.types === undefined ? undefined : new Set(options.types);
  // The server filters too; the check on this side keeps the promise with a server that does not yet.
  const filter = query({ types: options.types?.length ? options.types.join(",") : undefined, agentId: options.agentId });
  let lastEventId = options.lastEventId ?? "";
  let serverRetryMs: number | undefined;
  let failures = 0;
  // A function, so that TypeScript does not narrow `aborted` across the awaits that can change it.
  const stopped = (): boolean => signal?.aborted === true;

  while (!stopped()) {
    // Aborting `connection` closes it: the caller's abort, a timeout, silence, or leaving the loop.
    const connection = new AbortController();
    const close = (): void => connection.abort();
    signal?.addEventListener("abort", close, { once: true });
    let retryAfterMs: number | undefined;
    try {
      const opened = await open(config, filter, lastEventId, connection);
      if (stopped()) return;
      if (!opened.ok) {
        if (!opened.retry) throw opened.error;
        retryAfterMs = opened.retryAfterMs;
      } else {
        const parser = new SseParser(lastEventId);
        for await (const chunk of chunks(opened.value, connection, config.streamIdleTimeout)) {
          failures = 0;
          for (const message of parser.feed(chunk)) {
            const event = toEvent(message);
            if (event !== undefined && event.type !== "stream.closed" && (wanted === undefined || wanted.has(event.type) || event.type === "replay.truncated")) yield event;
            if (stopped()) return;
          }
          // Moved on by every dispatch, including those without data (which yield nothing).
          lastEventId = parser.lastEventId;
        }
        serverRetryMs = parser.retry ?? serverRetryMs;
      }
    } finally {
      signal?.removeEventListener("abort", close);
      connection.abort();
    }
    if (stopped()) return;
    await config.sleep(retryAfterMs ?? Math.max(serverRetryMs ?? 0, reconnectDelay(failures++, config.random)), signal);
  }
}

/** Connects; resolves with the stream's body, or with why it could not and whether to try again. */
async function open(config: TransportConfig, filter: string, lastEventId: string, connection: AbortController): Promise<Attempt<ReadableStream<Uint8Array>>> {
  const url = `${config.baseUrl}/v1/events${filter}`;
  const headers = requestHeaders(config, {
    accept: "text/event-stream",
    "cache-control": "no-cache",
    ...(lastEventId === "" ? {} : { "last-event-id": lastEventId }),
  });
  // `timeout` bounds the wait for the response's headers (or an error's body); the stream itself is watched for silence.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    connection.abort();
  }, config.timeout);
  try {
    const response = await config.fetch(url, { method: "GET", headers, signal: connection.signal });
    if (!response.ok) return failedResponse(response, await response.text(), config.now());
    const type = response.headers.get("content-type") ?? "";
    if (!type.toLowerCase().startsWith("text/event-stream") || response.body === null) {
      const error = new GatehouseError(`Gatehouse answered ${url} with ${type || "no content type"}, not an event stream`, {
        status: response.status,
        requestId: response.headers.get("x-request-id") ?? undefined,
      });
      return { ok: false, error, retry: false };
    }
    return { ok: true, value: response.body };
  } catch (cause) {
    if (timedOut) return { ok: false, error: new APITimeoutError(`Request timed out after ${config.timeout} ms`, { cause }), retry: true };
    if (connection.signal.aborted) return userAborted(connection.signal);
    return connectionFailed(url, cause);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The body's chunks until it ends, breaks, stays silent for `idleMs` or `connection` is aborted;
 * then the body is cancelled. Silence is only timed while waiting for the server, not while the
 * caller handles an event.
 */
async function* chunks(body: ReadableStream<Uint8Array>, connection: AbortController, idleMs: number): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  const cancel = (): void => {
    reader.cancel().catch(() => undefined);
  };
  connection.signal.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const idle = setTimeout(() => connection.abort(), idleMs);
      let read: Awaited<ReturnType<typeof reader.read>>;
      try {
        read = await reader.read();
      } finally {
        clearTimeout(idle);
      }
      if (read.done) return;
      yield read.value;
    }
  } catch {
    // The connection broke: the caller reconnects, or stops if it was the one closing it.
  } finally {
    connection.signal.removeEventListener("abort", cancel);
    cancel();
  }
}

/** The event a message carries; `undefined` when its data is not the JSON object the contract promises. */
function toEvent(message: SseMessage): GatehouseEvent | undefined {
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return undefined;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  return { id: message.id, type: message.event, data: data as GatehouseEventData };
}
