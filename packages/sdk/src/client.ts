import { createAudit, type Audit } from "./audit.ts";
import { resolveConfig, type ClientInternals, type ClientOptions } from "./config.ts";
import { DeniedError, GatehouseError } from "./errors.ts";
import { subscribeEvents } from "./events.ts";
import { request, type TransportConfig } from "./request.ts";
import type {
  ActionResult,
  Approval,
  AuditVerification,
  CanIOptions,
  CheckResult,
  ExecuteOptions,
  GateOptions,
  GatehouseEvent,
  Outcome,
  PoliciesOptions,
  PolicyList,
  ReportOptions,
  RequestOptions,
  SubscribeOptions,
  WaitOptions,
  WhoAmI,
} from "./types.ts";
import { resolveDeadline, waitForApproval } from "./wait.ts";

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
  /**
   * The org's audit log as this agent sees it (its own agent's entries): `list`, `checkpoint`,
   * `checkpoints`, `keys`, `proof` and `consistency` (checked on this machine), `verify`, `export`.
   */
  readonly audit: Audit;

  constructor(options: GatehouseOptions, internals: GatehouseInternals = {}) {
    this.#config = resolveConfig(options, internals, {
      prefix: "gh_",
      example: 'new Gatehouse({ apiKey: "gh_…" })',
      description: "Gatehouse keys",
    });
    this.audit = createAudit(this.#config);
  }

  /**
   * Asks the server to recompute the org's audit log from its stored rows (every leaf hash, the
   * hash chain, the Merkle tree against every signed checkpoint and signature): the same call as
   * `audit.verify()`. To check without trusting the server, export the log and run `verifyBundle`.
   */
  verify(options: RequestOptions = {}): Promise<AuditVerification> {
    return this.audit.verify(options);
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
   * Asks Gatehouse before acting and waits for the answer: resolves with the `executed` result
   * once the action may go ahead, at once or when its approval is granted; throws `DeniedError`
   * when a policy or a reviewer denies it, or the approval expires or is cancelled, and
   * `ApprovalTimeoutError` when nobody decides before `deadline` (default: 8 hours from now).
   *
   * ```ts
   * const result = await gatehouse.gate("pr.merge", { metadata: { pr: 42 }, onRequested: (r) => console.log(`waiting: ${r.approvalId}`) });
   * await mergePullRequest();
   * await gatehouse.report(result.auditEventId, { status: "success" });
   * ```
   */
  async gate(actionType: string, options: GateOptions = {}): Promise<ActionResult> {
    const deadline = resolveDeadline(options.deadline, this.#config.now());
    const result = await this.execute(actionType, options);
    if (result.status === "executed") return result;
    if (result.status === "denied") throw new DeniedError(result);
    if (result.approvalId === undefined) {
      throw new GatehouseError("Gatehouse answered requested without an approvalId", { code: "INVALID_RESPONSE" });
    }
    options.onRequested?.(result);
    return waitForApproval(this.#config, result.approvalId, deadline, options.signal);
  }

  /**
   * Waits for an approval to be decided, e.g. to pick up again after a restart. Resolves with the
   * action's `executed` result when it is approved; throws `DeniedError` (reason
   * `DENIED_BY_REVIEWER`, `APPROVAL_EXPIRED` or `AGENT_HALTED`, with `approvalId`, `decidedBy` and
   * `decisionReason`) when it is denied, expires or is cancelled, and `ApprovalTimeoutError` when
   * `deadline` (default: 8 hours from now) passes first; the approval then stays pending.
   *
   * Holds long-polls of up to 25 s each. Network errors, timeouts, 408, 429 and 5xx (an API
   * restarting or failing over) are retried with backoff until the deadline, whatever
   * `maxRetries` says; 401, 403, 404 and other errors end the wait.
   */
  waitForApproval(approvalId: string, options: WaitOptions = {}): Promise<ActionResult> {
    const deadline = resolveDeadline(options.deadline, this.#config.now());
    return waitForApproval(this.#config, approvalId, deadline, options.signal);
  }

  /** One of this agent's approvals, as it stands. */
  approval(approvalId: string, options: RequestOptions = {}): Promise<Approval> {
    return request<Approval>(this.#config, {
      method: "GET",
      path: `/v1/approvals/${encodeURIComponent(approvalId)}`,
      signal: options.signal,
    });
  }

  /**
   * This agent's events as they happen (decisions, approvals requested, voted, decided, expired):
   * `for await (const event of gatehouse.subscribe()) …`. Reconnects by itself after a dropped
   * connection, resuming after the last event seen; ends when `signal` aborts or the loop is left.
   */
  subscribe(options: SubscribeOptions = {}): AsyncIterable<GatehouseEvent> {
    return subscribeEvents(this.#config, options);
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
