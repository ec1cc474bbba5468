import { GatehouseError } from "./errors.ts";
import { defaultSleep, request, type Sleep, type TransportConfig } from "./request.ts";
import type { ActionResult, ExecuteOptions, Fetch, RequestOptions, WhoAmI } from "./types.ts";

/** Options of {@link Gatehouse}. */
export interface GatehouseOptions {
  /** The agent's API key, `gh_…`. Required. */
  apiKey: string;
  /** Where the Gatehouse API listens. Default: `"http://localhost:4000"`. */
  baseUrl?: string;
  /** Longest wait for one attempt (response headers and body), in ms. Default: `30_000`. */
  timeout?: number;
  /** How many times a failed call is retried (network errors, timeouts, 408, 409 with `x-should-retry`, 429, 5xx). Default: `2`. */
  maxRetries?: number;
  /** The `fetch` to call. Default: `globalThis.fetch`. */
  fetch?: Fetch;
}

/**
 * Hooks that let tests run without real waiting. Not part of the public API.
 * @internal
 */
export interface GatehouseInternals {
  /** Waits between retries. Default: a `setTimeout` that stops early when the call's signal aborts. */
  sleep?: Sleep;
  /** Randomness for backoff jitter, in [0, 1). Default: `Math.random`. */
  random?: () => number;
  /** The clock, for `Retry-After` dates, in ms since the epoch. Default: `Date.now`. */
  now?: () => number;
}

const DEFAULT_BASE_URL = "http://localhost:4000";
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 2;

/** A client of the Gatehouse API for one agent key. */
export class Gatehouse {
  readonly #config: TransportConfig;

  constructor(options: GatehouseOptions, internals: GatehouseInternals = {}) {
    const { apiKey, baseUrl = DEFAULT_BASE_URL, timeout = DEFAULT_TIMEOUT_MS, maxRetries = DEFAULT_MAX_RETRIES } = options;
    if (typeof apiKey !== "string" || apiKey === "") {
      throw new GatehouseError('Missing apiKey: pass new Gatehouse({ apiKey: "gh_…" })', { code: "MISSING_API_KEY" });
    }
    if (!apiKey.startsWith("gh_")) {
      throw new GatehouseError('Invalid apiKey: Gatehouse keys start with "gh_"', { code: "INVALID_API_KEY" });
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
    const fetch = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (fetch === undefined) {
      throw new GatehouseError("No global fetch: pass the fetch option", { code: "INVALID_OPTION" });
    }
    this.#config = {
      apiKey,
      baseUrl: baseUrl.replace(/\/+$/, ""),
      timeout,
      maxRetries,
      fetch,
      sleep: internals.sleep ?? defaultSleep,
      random: internals.random ?? Math.random,
      now: internals.now ?? Date.now,
    };
  }

  /**
   * Asks Gatehouse to decide on an action and records the decision in the audit log.
   *
   * Resolves with the decision whatever it is: `executed`, `requested` (an approval is pending) or
   * `denied`. A denial is a normal result here, not an error.
   */
  execute(actionType: string, options: ExecuteOptions = {}): Promise<ActionResult> {
    const eventId = options.eventId ?? globalThis.crypto.randomUUID();
    return request<ActionResult>(this.#config, {
      method: "POST",
      path: "/v1/actions",
      body: { actionType, metadata: options.metadata, dataAccessed: options.dataAccessed, eventId },
      headers: { "idempotency-key": eventId },
      signal: options.signal,
    });
  }

  /** The organization, agent and key behind this client's API key. */
  whoami(options: RequestOptions = {}): Promise<WhoAmI> {
    return request<WhoAmI>(this.#config, { method: "GET", path: "/v1/whoami", signal: options.signal });
  }
}
