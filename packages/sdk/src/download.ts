/** A GET whose body is streamed to the caller instead of read whole, for downloads as big as the audit log. */
import { APIConnectionError, APITimeoutError, APIUserAbortError, GatehouseError } from "./errors.ts";
import { connectionFailed, failedResponse, requestHeaders, userAborted, type Attempt, type TransportConfig } from "./request.ts";
import { backoffDelay } from "./retry.ts";

/** One download to make. */
export interface DownloadSpec {
  /** Path and query, e.g. `/v1/audit/export?format=csv`. */
  path: string;
  /** The `accept` header. */
  accept: string;
  signal?: AbortSignal | undefined;
}

/** A download whose headers have arrived: its headers, and its body as chunks pulled from the network one by one. */
export interface Download {
  headers: Headers;
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * Starts the download: retried like any call (network errors, timeouts, 408, 429, 5xx, up to
 * `maxRetries`) until the response's headers arrive; never once the body has started, since a
 * download cannot resume. `timeout` bounds the wait for the headers and then each silence of the
 * body, so a long download runs as long as data keeps coming. A broken or stalled body rejects
 * the iteration with `APIConnectionError` or `APITimeoutError`; aborting `signal` rejects it
 * with `APIUserAbortError`; leaving the loop early closes the connection.
 */
export async function download(config: TransportConfig, spec: DownloadSpec): Promise<Download> {
  for (let retry = 0; ; retry++) {
    const attempt = await attemptDownload(config, spec);
    if (attempt.ok) return attempt.value;
    if (!attempt.retry || retry >= config.maxRetries) throw attempt.error;
    await config.sleep(attempt.retryAfterMs ?? backoffDelay(retry, config.random), spec.signal);
  }
}

async function attemptDownload(config: TransportConfig, spec: DownloadSpec): Promise<Attempt<Download>> {
  const { signal } = spec;
  if (signal?.aborted) return userAborted(signal);
  const url = `${config.baseUrl}${spec.path}`;
  // Aborting `connection` ends the download: the caller's abort, a timeout, or the caller leaving the loop.
  const connection = new AbortController();
  const forwardAbort = (): void => connection.abort();
  signal?.addEventListener("abort", forwardAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    connection.abort();
  }, config.timeout);
  let handedOver = false;
  try {
    const response = await config.fetch(url, { method: "GET", headers: requestHeaders(config, { accept: spec.accept }), signal: connection.signal });
    if (!response.ok) return failedResponse(response, await response.text(), config.now());
    if (response.body === null) {
      const error = new GatehouseError(`Gatehouse answered ${url} with no body`, { status: response.status, requestId: response.headers.get("x-request-id") ?? undefined });
      return { ok: false, error, retry: false };
    }
    handedOver = true;
    const chunks = bodyChunks(response.body, { url, idleMs: config.timeout, connection, signal, stopForwarding: () => signal?.removeEventListener("abort", forwardAbort) });
    return { ok: true, value: { headers: response.headers, chunks } };
  } catch (cause) {
    if (signal?.aborted) return userAborted(signal);
    if (timedOut) return { ok: false, error: new APITimeoutError(`Request timed out after ${config.timeout} ms`, { cause }), retry: true };
    return connectionFailed(url, cause);
  } finally {
    clearTimeout(timer);
    if (!handedOver) {
      signal?.removeEventListener("abort", forwardAbort);
      connection.abort();
    }
  }
}

interface BodyWatch {
  url: string;
  idleMs: number;
  connection: AbortController;
  signal: AbortSignal | undefined;
  stopForwarding: () => void;
}

/** The body's chunks until it ends; a silence longer than `idleMs`, a break or an abort rejects. */
async function* bodyChunks(body: ReadableStream<Uint8Array>, watch: BodyWatch): AsyncGenerator<Uint8Array, void, undefined> {
  const { connection, signal } = watch;
  const reader = body.getReader();
  let stalled = false;
  // Cancelling the reader settles a pending read whatever the fetch does with its signal.
  const cancel = (): void => {
    reader.cancel().catch(() => undefined);
  };
  connection.signal.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const idle = setTimeout(() => {
        stalled = true;
        connection.abort();
      }, watch.idleMs);
      let read: Awaited<ReturnType<typeof reader.read>> | undefined;
      let failure: unknown;
      try {
        read = await reader.read();
      } catch (cause) {
        failure = cause;
      } finally {
        clearTimeout(idle);
      }
      if (signal?.aborted) throw new APIUserAbortError("Request aborted by the caller", { cause: signal.reason });
      if (stalled) throw new APITimeoutError(`The download from ${watch.url} stalled: no data for ${watch.idleMs} ms`);
      if (read === undefined) {
        const reason = failure instanceof Error ? failure.message : String(failure);
        throw new APIConnectionError(`The download from ${watch.url} broke off: ${reason}`, { cause: failure });
      }
      if (read.done) return;
      yield read.value;
    }
  } finally {
    connection.signal.removeEventListener("abort", cancel);
    watch.stopForwarding();
    cancel();
    connection.abort();
  }
}
