import { resolveConfig, type ClientInternals, type ClientOptions } from "./config.ts";
import { request, type TransportConfig } from "./request.ts";
import type {
  ActionResult,
  CanIOptions,
  CheckResult,
  ExecuteOptions,
  Outcome,
  PoliciesOptions,
  PolicyList,
  ReportOptions,
  RequestOptions,
  WhoAmI,
} from "./types.ts";

/** Options of {@link Gatehouse}. `apiKey` is the agent's key. */
export type GatehouseOptions = ClientOptions;

/**
 * Hooks that let tests run without real waiting. Not part of the public API.
 * @internal
 */
export type GatehouseInternals = ClientInternals;

/** A client of the Gatehouse API for one agent key. */
export class Gatehouse {
  readonly #config: TransportConfig;

  constructor(options: GatehouseOptions, internals: GatehouseInternals = {}) {
    this.#config = resolveConfig(options, internals, {
      prefix: "gh_",
      example: 'new Gatehouse({ apiKey: "gh_…" })',
      description: "Gatehouse keys",
    });
  }

  /**
   * Asks Gatehouse to decide on an action and records the decision in the audit log.
   *
   * Resolves with the decision whatever it is: `executed`, `requested` (an approval is pending) or
   * `denied`. A denial is a normal result here, not an error; pass the result to
   * {@link assertAllowed} to turn a denial into a `DeniedError`.
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

  /**
   * Asks what `execute` would decide now, without recording anything, creating an approval or
   * counting toward rate limits. The answer can differ from a later `execute` if policies, rate
   * counts or the agent's state change in between.
   */
  canI(actionType: string, options: CanIOptions = {}): Promise<CheckResult> {
    return request<CheckResult>(this.#config, {
      method: "POST",
      path: "/v1/actions/check",
      body: { actionType, metadata: options.metadata, dataAccessed: options.dataAccessed },
      signal: options.signal,
    });
  }

  /**
   * Reports how an executed (or approved) action went. The first outcome reported wins: the same
   * report again answers the outcome on record; a different one rejects with `ConflictError`
   * (never retried), as does a report on a denied action. A `failure` counts toward the agent's
   * circuit breaker.
   */
  report(auditEventId: string, options: ReportOptions): Promise<Outcome> {
    return request<Outcome>(this.#config, {
      method: "POST",
      path: `/v1/actions/${encodeURIComponent(auditEventId)}/outcome`,
      body: { status: options.status, message: options.message },
      headers: { "idempotency-key": globalThis.crypto.randomUUID() },
      signal: options.signal,
    });
  }

  /** The active policies: those that apply to this agent (`scope: "own"`, the default) or all of the org's (`"org"`). */
  policies(options: PoliciesOptions = {}): Promise<PolicyList> {
    const query = options.scope === undefined ? "" : `?scope=${encodeURIComponent(options.scope)}`;
    return request<PolicyList>(this.#config, { method: "GET", path: `/v1/policies${query}`, signal: options.signal });
  }

  /** The organization, agent and key behind this client's API key, with the agent's breaker state and policies. */
  whoami(options: RequestOptions = {}): Promise<WhoAmI> {
    return request<WhoAmI>(this.#config, { method: "GET", path: "/v1/whoami", signal: options.signal });
  }
}
