/** Options shared by {@link Gatehouse} and {@link GatehouseAdmin}, checked once, turned into a transport. */
import { GatehouseError } from "./errors.ts";
import { defaultSleep, type Sleep, type TransportConfig } from "./request.ts";
import type { Fetch } from "./types.ts";

/** Options of a client. */
export interface ClientOptions {
  /** The API key, `gh_…`. Required. */
  apiKey: string;
  /** Where the Gatehouse API listens. Default: `"http://localhost:4000"`. */
  baseUrl?: string;
  /** Longest wait for one attempt (response headers and body), in ms. Default: `30_000`. */
  timeout?: number;
  /** How many times a failed call is retried (network errors, timeouts, 408, 429, 5xx). Default: `2`. */
  maxRetries?: number;
  /** The `fetch` to call. Default: `globalThis.fetch`. */
  fetch?: Fetch;
  /**
   * The adapter calling through this client, as `name/version` (e.g. `ai-sdk/0.1.0`), sent as the
   * `x-gatehouse-integration` header: the console shows which integrations each agent used. Set by
   * the `@gatehouse/*` adapters (`withIntegration`); leave it unset in your own code.
   */
  integration?: string;
  /**
   * The W3C trace context of the caller's current span, sent with every call as `traceparent` (and `tracestate`), so
   * the agent's trace continues through Gatehouse (docs/telemetry.md in the repository). Called once per request;
   * with OpenTelemetry's API: `() => { const carrier = {}; propagation.inject(context.active(), carrier); return carrier; }`.
   * A value that is not a valid `traceparent` is left out. Default: none.
   */
  traceContext?: () => { traceparent?: string; tracestate?: string } | undefined;
}

/** Options of {@link Gatehouse} beyond those every client has. */
export interface AgentClientOptions extends ClientOptions {
  /**
   * Heartbeats while the client is in use (docs/agents.md in the repository, Presence): a beat when it
   * makes its first call, then every `intervalSeconds` while it was used in the last 5 minutes, then
   * a `stopped` beat. So the console shows the agent live, and unresponsive when it stops answering
   * mid-work. The timer never keeps a Node process alive; `close()` stops it. `false`: none.
   * Default: `{ intervalSeconds: 30 }`.
   */
  heartbeat?: false | { intervalSeconds?: number };
  /**
   * Warn once (`console.warn`) when a call declares a model call's spend by hand (`spend` on execute, gate or canI,
   * `usage` on report) on a client that is not a model-client wrapper's: such a call's prompt is not screened, and
   * coverage counts it as bypassing the wrappers. `false`, or the variable `GATEHOUSE_NO_UNWRAPPED_WARNING=1`,
   * silences it. Default: `true`.
   */
  warnUnwrapped?: boolean;
}

/**
 * Hooks that let tests run without real waiting. Not part of the public API.
 * @internal
 */
export interface ClientInternals {
  /** Waits between retries. Default: a `setTimeout` that stops early when the call's signal aborts. */
  sleep?: Sleep;
  /** Randomness for backoff jitter, in [0, 1). Default: `Math.random`. */
  random?: () => number;
  /** The clock, for `Retry-After` dates and approval deadlines, in ms since the epoch. Default: `Date.now`. */
  now?: () => number;
  /** Longest silence (not even a ping) on the event stream before it reconnects, in ms. Default: `45_000`, three of the server's pings. */
  streamIdleTimeout?: number;
  /** Schedules the heartbeats. Default: a `setTimeout` that does not keep the process alive. */
  setTimer?: (fn: () => void, ms: number) => () => void;
  /** Where the one-time warnings go (warnUnwrapped). Default: `console.warn`. */
  warn?: (message: string) => void;
}

export const DEFAULT_BASE_URL = "http://localhost:4000";
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 45_000;
/** What the API records of `x-gatehouse-integration` (docs/integrations.md, Coverage). */
const INTEGRATION = /^[a-z0-9][a-z0-9-]{0,39}(\/[0-9A-Za-z.+-]{1,40})?$/;

/**
 * Checks the options and fills in defaults. `keyRule` says which prefix the key must have, and how
 * to describe the mistake (the message never echoes the key).
 */
export function resolveConfig(options: ClientOptions, internals: ClientInternals, keyRule: { prefix: string; example: string; description: string }): TransportConfig {
  const { apiKey, baseUrl = DEFAULT_BASE_URL, timeout = DEFAULT_TIMEOUT_MS, maxRetries = DEFAULT_MAX_RETRIES } = options;
  if (typeof apiKey !== "string" || apiKey === "") {
    throw new GatehouseError(`Missing apiKey: pass ${keyRule.example}`, { code: "MISSING_API_KEY" });
  }
  if (!apiKey.startsWith(keyRule.prefix)) {
    throw new GatehouseError(`Invalid apiKey: ${keyRule.description} start with "${keyRule.prefix}"`, { code: "INVALID_API_KEY" });
  }
  if (!URL.canParse(baseUrl)) {
    throw new GatehouseError(`Invalid baseUrl: ${baseUrl}`, { code: "INVALID_OPTION" });
  }
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new GatehouseError("Invalid timeout: expected a positive number of ms", { code: "INVALID_OPTION" });
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new GatehouseError("Invalid maxRetries: expected a whole number ≥ 0", { code: "INVALID_OPTION" });
  }
  if (options.traceContext !== undefined && typeof options.traceContext !== "function") {
    throw new GatehouseError("Invalid traceContext: expected a function answering { traceparent, tracestate }", { code: "INVALID_OPTION" });
  }
  if (options.integration !== undefined && !INTEGRATION.test(options.integration)) {
    throw new GatehouseError("Invalid integration: expected name/version, e.g. ai-sdk/0.1.0", { code: "INVALID_OPTION" });
  }
  const fetch = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (fetch === undefined) {
    throw new GatehouseError("No global fetch: pass the fetch option", { code: "INVALID_OPTION" });
  }
  return {
    apiKey,
    baseUrl: baseUrl.replace(/\/+$/, ""),
    timeout,
    maxRetries,
    fetch,
    sleep: internals.sleep ?? defaultSleep,
    random: internals.random ?? Math.random,
    now: internals.now ?? Date.now,
    streamIdleTimeout: internals.streamIdleTimeout ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    ...(options.integration === undefined ? {} : { integration: options.integration }),
    ...(options.traceContext === undefined ? {} : { traceContext: options.traceContext }),
  };
}
