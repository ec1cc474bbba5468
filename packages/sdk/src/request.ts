/** One API call over `fetch`: headers, per-attempt timeout, retries with backoff, typed errors. */
import { APIConnectionError, APITimeoutError, APIUserAbortError, GatehouseError, errorClassForStatus } from "./errors.ts";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "./retry.ts";
import type { Fetch } from "./types.ts";
import { VERSION } from "./version.ts";

/** Waits `ms`; returns early (without rejecting) when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Everything a call needs from the client. */
export interface TransportConfig {
  apiKey: string;
  baseUrl: string;
  timeout: number;
  maxRetries: number;
  fetch: Fetch;
  sleep: Sleep;
  random: () => number;
  now: () => number;
  /** Longest silence on the event stream before reconnecting, in ms. */
  streamIdleTimeout: number;
  /** Sent as `x-gatehouse-integration` when set (ClientOptions.integration). */
  integration?: string;
  /** The caller's W3C trace context, sent as `traceparent` / `tracestate` (ClientOptions.traceContext). */
  traceContext?: () => { traceparent?: string; tracestate?: string } | undefined;
  /** Told of every call the client makes (its heartbeats start with the first, docs/agents.md). */
  onUse?: () => void;
}

/** One call to make. */
export interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path and query, e.g. `/v1/policies?scope=org`. */
  path: string;
  /** Sent as JSON when present. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Longest wait for this call's attempts, in ms, instead of the client's `timeout` (a long-poll holds longer). */
  timeout?: number;
  /** Resolve with the body as text rather than parsed JSON (a printable report). */
  text?: boolean;
}

/** How one attempt went: the value, or the error with whether it may be retried and after how long the server asks. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; error: GatehouseError; retry: boolean; retryAfterMs?: number | undefined };

export const defaultSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (signal?.aborted) done();
    else signal?.addEventListener("abort", done, { once: true });
  });

/** Makes the call, retrying what may be retried, and resolves with the parsed JSON body. */
export async function request<T>(config: TransportConfig, spec: RequestSpec): Promise<T> {
  for (let retry = 0; ; retry++) {
    const attempt = await attemptRequest<T>(config, spec);
    if (attempt.ok) return attempt.value;
    if (!attempt.retry || retry >= config.maxRetries) throw attempt.error;
    await config.sleep(attempt.retryAfterMs ?? backoffDelay(retry, config.random), spec.signal);
  }
}

/** Makes one attempt of the call, without retrying; the caller decides what to do with a failure. */
export function attemptRequest<T>(config: TransportConfig, spec: RequestSpec): Promise<Attempt<T>> {
  config.onUse?.();
  const url = `${config.baseUrl}${spec.path}`;
  const headers = requestHeaders(config, spec.headers);
  const init: RequestInit = { method: spec.method, headers };
  if (spec.body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(spec.body);
  }
  return attemptOnce<T>(config, url, init, spec.signal, spec.timeout ?? config.timeout, spec.text === true);
}

/** The headers every call sends (JSON, the key, the SDK version), then the call's own. */
export function requestHeaders(config: TransportConfig, extra: Record<string, string> = {}): Record<string, string> {
  return {
    accept: "application/json",
    authorization: `Bearer ${config.apiKey}`,
    "x-gatehouse-sdk": VERSION,
    ...(config.integration === undefined ? {} : { "x-gatehouse-integration": config.integration }),
    ...traceHeaders(config),
    ...extra,
  };
}

/** W3C trace context: version 00 (or a later one of the same form), trace and parent ids not all zeros. */
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/** A tracestate of list members, no longer than the specification's 512 characters, and nothing a header cannot carry. */
const TRACESTATE = /^[\x20-\x7e]{1,512}$/;

/** The caller's trace context as headers: a valid `traceparent` (with its `tracestate`), else nothing. Observation: a throwing hook sends none. */
function traceHeaders(config: TransportConfig): Record<string, string> {
  if (config.traceContext === undefined) return {};
  let carrier: { traceparent?: string; tracestate?: string } | undefined;
  try {
    carrier = config.traceContext();
  } catch {
    return {};
  }
  const traceparent = carrier?.traceparent;
  if (typeof traceparent !== "string" || !TRACEPARENT.test(traceparent)) return {};
  const tracestate = carrier?.tracestate;
  return { traceparent, ...(typeof tracestate === "string" && TRACESTATE.test(tracestate) ? { tracestate } : {}) };
}

async function attemptOnce<T>(config: TransportConfig, url: string, init: RequestInit, userSignal: AbortSignal | undefined, timeout: number, asText = false): Promise<Attempt<T>> {
  if (userSignal?.aborted) return userAborted(userSignal);

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeout);
  const forwardAbort = (): void => controller.abort();
  userSignal?.addEventListener("abort", forwardAbort, { once: true });

  let response: Response;
  let text: string;
  try {
    response = await config.fetch(url, { ...init, signal: controller.signal });
    text = await response.text();
  } catch (cause) {
    if (userSignal?.aborted) return userAborted(userSignal);
    if (timedOut) {
      return {
        ok: false,
        error: new APITimeoutError(`Request timed out after ${timeout} ms`, { cause }),
        retry: true,
      };
    }
    return connectionFailed(url, cause);
  } finally {
    clearTimeout(timer);
    userSignal?.removeEventListener("abort", forwardAbort);
  }

  if (!response.ok) return failedResponse(response, text, config.now());
  return asText ? { ok: true, value: text as T } : parseBody<T>(response, text);
}

/** A network failure: retryable. */
export function connectionFailed(url: string, cause: unknown): Attempt<never> {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return {
    ok: false,
    error: new APIConnectionError(`Could not reach Gatehouse at ${url}: ${reason}`, { cause }),
    retry: true,
  };
}

export function userAborted(signal: AbortSignal): Attempt<never> {
  return {
    ok: false,
    error: new APIUserAbortError("Request aborted by the caller", { cause: signal.reason }),
    retry: false,
  };
}

function parseBody<T>(response: Response, text: string): Attempt<T> {
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch (cause) {
    const error = new GatehouseError(`Gatehouse answered ${response.status} with a body that is not JSON`, {
      status: response.status,
      requestId: response.headers.get("x-request-id") ?? undefined,
      cause,
    });
    return { ok: false, error, retry: false };
  }
}

/** An error status, read into its typed error (from the envelope), whether it may be retried and any `Retry-After`. */
export function failedResponse(response: Response, text: string, nowMs: number): Attempt<never> {
  const envelope = readErrorEnvelope(text);
  const ErrorClass = errorClassForStatus(response.status, envelope.code);
  const error = new ErrorClass(envelope.message ?? `Request failed with status ${response.status}`, {
    status: response.status,
    code: envelope.code,
    requestId: envelope.requestId ?? response.headers.get("x-request-id") ?? undefined,
    details: envelope.details,
  });
  return {
    ok: false,
    error,
    retry: isRetryableStatus(response.status),
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), nowMs),
  };
}

interface ErrorEnvelope {
  code?: string | undefined;
  message?: string | undefined;
  details?: unknown;
  requestId?: string | undefined;
}

/** Reads `{ "error": { code, message, details?, requestId } }`; anything else yields no fields. */
function readErrorEnvelope(text: string): ErrorEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (!isRecord(parsed) || !isRecord(parsed.error)) return {};
  const { code, message, details, requestId } = parsed.error;
  return {
    code: typeof code === "string" ? code : undefined,
    message: typeof message === "string" ? message : undefined,
    details,
    requestId: typeof requestId === "string" ? requestId : undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `?a=1&b=x` from the values that are set, in the order given; `""` when none is. */
export function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** A time option as the API takes it: ISO 8601 text (a `Date` is converted, text is sent as given). */
export function isoTime(value: Date | string | undefined): string | undefined {
  return value instanceof Date ? value.toISOString() : value;
}
