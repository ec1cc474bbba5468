import { createAgentAudit, type AgentAudit } from "./audit.ts";
import { resolveConfig, type AgentClientOptions, type ClientInternals } from "./config.ts";
import { defaultSetTimer, DEFAULT_HEARTBEAT_SECONDS, Heartbeats, sendHeartbeat } from "./heartbeat.ts";
import { asyncDispose, parallel, ttlSeconds, type ParallelOptions, type ParallelResults, type ParallelTask } from "./delegation.ts";
import { DelegationScopeError, deniedError, GatehouseError, NotFoundError } from "./errors.ts";
import { subscribeEvents } from "./events.ts";
import { query, request, type TransportConfig } from "./request.ts";
import { scanContent } from "./scan.ts";
import { warnIfUnwrapped } from "./unwrapped-warning.ts";
import type {
  ActionResult,
  Approval,
  AuditVerification,
  CanIOptions,
  CheckResult,
  CreatedDelegation,
  DelegateOptions,
  Delegation,
  ExecuteOptions,
  GateOptions,
  GatehouseEvent,
  Heartbeat,
  HeartbeatOptions,
  ListDelegationsOptions,
  ListRunsOptions,
  Outcome,
  PoliciesOptions,
  PolicyList,
  ReportOptions,
  RequestOptions,
  RevokedDelegations,
  Run,
  RunDetail,
  PriceList,
  ScreenDetectorList,
  RunEndStatus,
  RunOptions,
  ScanInput,
  ScanResult,
  SubscribeOptions,
  WaitOptions,
  WhoAmI,
  Posture,
  WithDelegationOptions,
} from "./types.ts";
import { ApprovalWaits, resolveDeadline } from "./wait.ts";

/** Options of {@link Gatehouse}. `apiKey` is the agent's key. */
export type GatehouseOptions = AgentClientOptions;

/**
 * Hooks that let tests run without real waiting. Not part of the public API.
 * @internal
 */
export type GatehouseInternals = ClientInternals;

/** The transport of a client, for {@link DelegatedAgent} to call with the same options and another key. */
let configOf: (client: Gatehouse) => TransportConfig;
/** What a client was made with, for {@link RunClient} to make one on the same key. */
let madeOf: (client: Gatehouse) => { options: GatehouseOptions; internals: GatehouseInternals };
/** The run a client's calls belong to by default, read and set by the subclasses. */
let runOf: (client: Gatehouse) => RunDefaults | undefined;
let bindRun: (client: Gatehouse, run: RunDefaults | undefined) => void;
/** Makes `client` share `from`'s heartbeat session (the same key: one session, not one per copy). */
let shareHeartbeats: (client: Gatehouse, from: Gatehouse) => void;

/** The run a client's calls carry unless a call names another. */
interface RunDefaults {
  runId: string;
  runName?: string;
}

/** A client of the Gatehouse API for one agent key. */
export class Gatehouse {
  static {
    configOf = (client) => client.#config;
    madeOf = (client) => client.#made;
    runOf = (client) => client.#run;
    bindRun = (client, run) => {
      client.#run = run;
    };
    shareHeartbeats = (client, from) => {
      client.#heartbeats = from.#heartbeats;
      client.#config.onUse = from.#config.onUse;
    };
  }

  /** The heartbeats this client sends while it is in use (none with `heartbeat: false`). */
  #heartbeats: Heartbeats | undefined;

  /** The run this client's calls belong to (made by `run()` or `withRun()`), if any. */
  #run: RunDefaults | undefined;

  readonly #config: TransportConfig;
  /** Every wait of this client, long-polled together. */
  readonly #waits: ApprovalWaits;
  /**
   * The org's audit log as this agent sees it (its own agent's entries): `list`, `checkpoint`,
   * `checkpoints`, `keys`, `proof` and `consistency` (checked on this machine), `verify`, `export`;
   * and `log`, the agent's own entries about its work.
   */
  readonly audit: AgentAudit;

  /** What this client was made with, for {@link withIntegration}. */
  readonly #made: { options: GatehouseOptions; internals: GatehouseInternals };

  constructor(options: GatehouseOptions, internals: GatehouseInternals = {}) {
    this.#made = { options, internals };
    this.#config = resolveConfig(options, internals, {
      prefix: "gh_",
      example: 'new Gatehouse({ apiKey: "gh_…" })',
      description: "Gatehouse keys",
    });
    if (options.heartbeat !== false) {
      const heartbeats = new Heartbeats(this.#config, options.heartbeat?.intervalSeconds ?? DEFAULT_HEARTBEAT_SECONDS, internals.setTimer ?? defaultSetTimer);
      this.#heartbeats = heartbeats;
      this.#config.onUse = () => heartbeats.use();
    }
    this.audit = createAgentAudit(this.#config);
    this.#waits = new ApprovalWaits(this.#config);
  }

  /** The one-time warning for model spend declared by hand on a client that is not a wrapper's (the `warnUnwrapped` option). */
  #warnIfUnwrapped(declared: boolean): void {
    warnIfUnwrapped(declared, this.#config.integration, this.#made.options.warnUnwrapped !== false, this.#made.internals.warn);
  }

  /**
   * Says the agent is there (`POST /v1/heartbeat`): `running` (default) opens or keeps its heartbeat
   * session, `stopped` closes it. The client sends these by itself while it is in use (the `heartbeat`
   * option); call it for an agent that stays quiet on purpose, e.g. between long steps.
   */
  heartbeat(options: HeartbeatOptions = {}): Promise<Heartbeat> {
    const body = { intervalSeconds: options.intervalSeconds ?? DEFAULT_HEARTBEAT_SECONDS, ...(options.state === undefined ? {} : { state: options.state }) };
    return sendHeartbeat(this.#config, body, options.signal);
  }

  /**
   * Stops the client's heartbeats and says it is done (a `stopped` beat), so the agent reads as idle
   * rather than unresponsive. Calls made afterwards start them again.
   */
  async close(): Promise<void> {
    await this.#heartbeats?.stop();
  }

  /**
   * A client on the same key and options that names an adapter on every call (`x-gatehouse-integration`,
   * e.g. `ai-sdk/0.1.0`), so the console shows which integrations the agent uses. The `@gatehouse/*`
   * adapters call it on the client they are given; there is no need to call it yourself.
   */
  withIntegration(integration: string): Gatehouse {
    const client = new Gatehouse({ ...this.#made.options, integration }, this.#made.internals);
    client.#run = this.#run;
    shareHeartbeats(client, this);
    return client;
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
    this.#warnIfUnwrapped(options.spend !== undefined);
    const eventId = options.eventId ?? globalThis.crypto.randomUUID();
    const run = options.runId === undefined ? this.#run : { runId: options.runId, ...(options.runName === undefined ? {} : { runName: options.runName }) };
    return request<ActionResult>(this.#config, {
      method: "POST",
      path: "/v1/actions",
      body: {
        actionType,
        metadata: options.metadata,
        dataAccessed: options.dataAccessed,
        eventId,
        tool: options.tool,
        runId: run?.runId,
        runName: run?.runName,
        spend: options.spend,
        screened: options.screened,
      },
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
    if (result.status === "denied") throw deniedError(result);
    if (result.approvalId === undefined) {
      throw new GatehouseError("Gatehouse answered requested without an approvalId", { code: "INVALID_RESPONSE" });
    }
    options.onRequested?.(result);
    return this.#waits.wait(result.approvalId, deadline, options.signal);
  }

  /**
   * Waits for an approval to be decided, e.g. to pick up again after a restart. Resolves with the
   * action's `executed` result when it is approved; throws `DeniedError` (reason
   * `DENIED_BY_REVIEWER`, `APPROVAL_EXPIRED` or `AGENT_HALTED`, with `approvalId`, `decidedBy` and
   * `decisionReason`) when it is denied, expires or is cancelled, and `ApprovalTimeoutError` when
   * `deadline` (default: 8 hours from now) passes first; the approval then stays pending.
   *
   * All waits of one client (its `gate()` calls and `waitForApproval()` calls) share one long-poll
   * of up to 25 s per 1,000 approvals (`POST /v1/approvals/wait`), so any number of gates use a
   * handful of connections. Network errors, timeouts, 408, 429 and 5xx (an API restarting or
   * failing over) are retried until the deadline, whatever `maxRetries` says: 250 ms, then every
   * 500 ms (or what `Retry-After` asks), so a wait re-attaches as soon as its API is back; 401, 403,
   * 404 and other errors end the wait. A malformed id is a `BadRequestError` without a request.
   */
  waitForApproval(approvalId: string, options: WaitOptions = {}): Promise<ActionResult> {
    const deadline = resolveDeadline(options.deadline, this.#config.now());
    return this.#waits.wait(approvalId, deadline, options.signal);
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
    this.#warnIfUnwrapped(options.spend !== undefined);
    return request<CheckResult>(this.#config, {
      method: "POST",
      path: "/v1/actions/check",
      body: {
        actionType,
        metadata: options.metadata,
        dataAccessed: options.dataAccessed,
        tool: options.tool,
        runId: options.runId ?? this.#run?.runId,
        spend: options.spend,
        screened: options.screened,
      },
      signal: options.signal,
    });
  }

  /**
   * Scans a text or a JSON value for secrets and personal data (`POST /v1/scan`), with the detectors
   * the decisions' content screen uses, both classes always: each finding's detector, class and path
   * (`text`; `json.ticket.summary`, `json.items[0]`), a text's also its `start`/`end` (UTF-16
   * offsets), never the value. Nothing is recorded: no audit entry, no decision. At most 100 findings
   * (`truncated` says there were more). `text` up to 256 KiB; `json` any JSON value, up to 32 levels,
   * 10,000 values and 256 KiB in its strings and keys. Give exactly one of the two.
   *
   * ```ts
   * const { findings } = await gatehouse.scan({ text: prompt });
   * if (findings.some((f) => f.class === "secrets")) throw new Error("the prompt holds a secret");
   * ```
   */
  scan(input: ScanInput, options: RequestOptions = {}): Promise<ScanResult> {
    return scanContent(this.#config, input, options);
  }

  /**
   * Reports how an executed (or approved) action went. The first outcome reported wins: the same
   * report again answers the outcome on record; a different one rejects with `ConflictError`
   * (never retried), as does a report on a denied action. A `failure` counts toward the agent's
   * circuit breaker.
   */
  report(auditEventId: string, options: ReportOptions): Promise<Outcome> {
    this.#warnIfUnwrapped(options.usage !== undefined);
    return request<Outcome>(this.#config, {
      method: "POST",
      path: `/v1/actions/${encodeURIComponent(auditEventId)}/outcome`,
      body: { status: options.status, message: options.message, runId: options.runId, usage: options.usage, data: options.data, screened: options.screened },
      signal: options.signal,
    });
  }

  /**
   * Runs `fn` as one run (docs/runs.md): every call made through the {@link RunClient} it is given
   * (`execute`, `gate`, `canI`, and its delegates' calls) is recorded in the run, which the first
   * call starts, so the run costs no request of its own. When `fn` resolves the run is ended as
   * `completed`, when it throws as `failed` (and the error is rethrown). A run in which no call
   * was made is never created (ending it answers 404, which is ignored).
   *
   * ```ts
   * await gatehouse.run("triage #4512", async (run) => {
   *   await run.gate("issue.label", { metadata: { issue: 4512 } });
   *   await run.gate("pr.open", { metadata: { issue: 4512 } });
   * });
   * ```
   */
  async run<T>(name: string, fn: (run: RunClient) => T | PromiseLike<T>, options: RunOptions = {}): Promise<T> {
    const run = new RunClient(this, { runId: options.runId ?? runIdFor(name), runName: name });
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await fn(run) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    // Ending is bookkeeping: its failure never fails the work (onEndError hears it). A run no call
    // started (not even a delegate's) does not exist: its 404 is no failure.
    await run.end(outcome.ok ? "completed" : "failed").catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) options.onEndError?.(error);
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /**
   * A client on the same key whose calls belong to the run `runId` (docs/runs.md), e.g. to carry on a
   * run in another process: `gatehouse.withRun(runIdHandedOver)`. Nothing is sent until a call.
   */
  withRun(runId: string, options: { name?: string } = {}): RunClient {
    return new RunClient(this, { runId, ...(options.name === undefined ? {} : { runName: options.name }) });
  }

  /** This agent's runs (those it started or that are rooted at it), the most recently active first, one page at a time. */
  runs(options: ListRunsOptions = {}): Promise<{ runs: Run[]; nextCursor: string | null }> {
    const path = `/v1/runs${query({ status: options.status, limit: options.limit === undefined ? undefined : String(options.limit), cursor: options.cursor })}`;
    return request(this.#config, { method: "GET", path, signal: options.signal });
  }

  /** One of this agent's runs, by its id (`run_…`) or the runId it chose, with its timeline. */
  getRun(id: string, options: RequestOptions = {}): Promise<RunDetail> {
    return request<RunDetail>(this.#config, { method: "GET", path: `/v1/runs/${encodeURIComponent(id)}`, signal: options.signal });
  }

  /** Ends one of this agent's runs (by its id or runId) as `completed` (default), `failed` or `cancelled`; a later call naming it picks it up again. */
  endRun(id: string, status: RunEndStatus = "completed", options: RequestOptions = {}): Promise<Run> {
    return request<Run>(this.#config, { method: "POST", path: `/v1/runs/${encodeURIComponent(id)}/end`, body: { status }, signal: options.signal });
  }

  /** The prices model calls are counted at (docs/budgets.md): the built-in table, each entry with its source and date, and the org's own prices. */
  prices(options: RequestOptions = {}): Promise<PriceList> {
    return request<PriceList>(this.#config, { method: "GET", path: "/v1/prices", signal: options.signal });
  }

  /**
   * The org's enabled content detectors (`GET /v1/content/detectors/screen`, docs/content-detectors.md): each
   * one's name and class, never its pattern (an admin's to read: ADR 0038). When there is any, the model-client
   * wrappers send the texts they screen to `POST /v1/scan`, where the patterns run.
   */
  contentDetectors(options: RequestOptions = {}): Promise<ScreenDetectorList> {
    return request<ScreenDetectorList>(this.#config, { method: "GET", path: "/v1/content/detectors/screen", signal: options.signal });
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

  /** The org's posture score (`GET /v1/posture`): 0–100, four components of 25, each deduction a finding with its fix. */
  posture(options: RequestOptions = {}): Promise<Posture> {
    return request<Posture>(this.#config, { method: "GET", path: "/v1/posture", signal: options.signal });
  }

  /**
   * Hands a narrower, short-lived part of this agent's authority to a new child agent: resolves with
   * a {@link DelegatedAgent}, a client on the child's key with the same options as this one.
   * `capabilities` must be covered by this agent's own, else `DelegationScopeError` (403, naming the
   * capability). Revoke it when done (`revoke()`, `await using`, or {@link withDelegation}); it
   * ends by itself at `expiresAt`. Sends an `Idempotency-Key` (a UUID per call, the same on every
   * retry), so a retry whose answer was lost gets the same delegation, never a second child.
   *
   * ```ts
   * await using sub = await gatehouse.delegate("reader", { capabilities: ["pr.read"], ttl: "15m" });
   * await sub.gate("pr.read", { metadata: { pr: 42 } });
   * ```
   */
  async delegate(name: string, options: DelegateOptions): Promise<DelegatedAgent> {
    const ttl = ttlSeconds(options.ttl);
    let created: CreatedDelegation;
    try {
      created = await request<CreatedDelegation>(this.#config, {
        method: "POST",
        path: "/v1/delegations",
        body: { name, capabilities: options.capabilities, ttlSeconds: ttl, ...(options.metadata === undefined ? {} : { metadata: options.metadata }) },
        headers: { "idempotency-key": globalThis.crypto.randomUUID() },
        signal: options.signal,
      });
    } catch (error) {
      throw namingCapability(error, options.capabilities);
    }
    return new DelegatedAgent(this, created);
  }

  /**
   * Delegates (as {@link delegate}), runs `fn` with the delegate, and revokes the delegation when
   * `fn` settles, whether it resolved or threw. Resolves with what `fn` resolves with; rethrows
   * what `fn` throws. A failed revoke goes to `onRevokeError` when given; otherwise it is thrown
   * (as an `AggregateError` of `[fnError, revokeError]` when `fn` threw too).
   */
  async withDelegation<T>(name: string, options: WithDelegationOptions, fn: (delegate: DelegatedAgent) => T | PromiseLike<T>): Promise<T> {
    const { onRevokeError, ...delegateOptions } = options;
    const delegate = await this.delegate(name, delegateOptions);
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await fn(delegate) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    try {
      await delegate.revoke();
    } catch (revokeError) {
      if (onRevokeError !== undefined) onRevokeError(revokeError, delegate.delegation);
      else if (outcome.ok) throw revokeError;
      else throw new AggregateError([outcome.error, revokeError], `The callback failed, and revoking delegation ${delegate.id} failed too`, { cause: outcome.error });
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /**
   * This agent's delegations, newest first: those it granted (`role: "parent"`, the default), or the
   * one it received (`role: "child"`, when it is a delegate). `activeOnly` leaves out revoked and
   * expired ones.
   */
  async delegations(options: ListDelegationsOptions = {}): Promise<Delegation[]> {
    const path = `/v1/delegations${query({ role: options.role, activeOnly: options.activeOnly === undefined ? undefined : String(options.activeOnly) })}`;
    return (await request<{ delegations: Delegation[] }>(this.#config, { method: "GET", path, signal: options.signal })).delegations;
  }

  /**
   * Revokes a delegation below this agent (one it granted, or one further down) and, in the same
   * transaction, every delegation below that: their keys stop at their next call on every
   * instance, their pending approvals are cancelled. Answers the ids revoked. Safe to repeat (and so
   * to retry): revoking again answers an empty list. This agent's own delegation, a sibling's or
   * another org's is a `NotFoundError`.
   */
  revoke(delegationId: string, options: RequestOptions = {}): Promise<RevokedDelegations> {
    return request<RevokedDelegations>(this.#config, { method: "DELETE", path: `/v1/delegations/${encodeURIComponent(delegationId)}`, signal: options.signal });
  }

  /**
   * Runs several tasks at once, e.g. delegates working side by side, and resolves when all have
   * settled with their results as `Promise.allSettled` gives them, in the tasks' order: it never
   * rejects for a task. A task is a promise already under way or a function that starts one;
   * functions run at most `concurrency` at a time (default: all at once).
   *
   * ```ts
   * const [a, b] = await Gatehouse.parallel([
   *   () => gatehouse.withDelegation("reader-1", { capabilities: ["pr.read"], ttl: "10m" }, (sub) => review(sub, 1)),
   *   () => gatehouse.withDelegation("reader-2", { capabilities: ["pr.read"], ttl: "10m" }, (sub) => review(sub, 2)),
   * ], { concurrency: 4 });
   * ```
   */
  static parallel<const Tasks extends readonly ParallelTask[]>(tasks: Tasks, options: ParallelOptions = {}): Promise<ParallelResults<Tasks>> {
    return parallel(tasks, options);
  }
}

/** A `DelegationScopeError` whose `path` points into `capabilities` (`capabilities[1]`), with that capability named; any other error as it is. */
function namingCapability(error: unknown, capabilities: readonly string[]): unknown {
  if (!(error instanceof DelegationScopeError) || error.capability !== undefined) return error;
  const index = /^capabilities\[(\d+)\]$/.exec(error.path ?? "")?.[1];
  const capability = index === undefined ? undefined : capabilities[Number(index)];
  if (capability === undefined) return error;
  const { status, code, requestId, details } = error;
  return new DelegationScopeError(error.message, { status, code, requestId, details }, { capability });
}

/**
 * A client on a delegate's key, made by {@link Gatehouse.delegate}: every call of {@link Gatehouse}
 * (`execute`, `gate`, `canI`, `report`, `whoami`, `delegate` for a further, narrower delegate, …)
 * acts as the child agent, with the options of the client that delegated. `revoke()` ends the
 * delegation and every one below it; so does leaving an `await using` scope, normally or by a throw.
 */
export class DelegatedAgent extends Gatehouse {
  /** The whole delegation as the server answered it. */
  readonly delegation: Delegation;
  readonly #parent: Gatehouse;
  readonly #apiKey: string;
  #revoking: Promise<RevokedDelegations> | undefined;
  #revoked = false;

  /** @internal Made by `Gatehouse.delegate`. */
  constructor(parent: Gatehouse, created: CreatedDelegation) {
    const config = configOf(parent);
    const { apiKey, delegation } = created;
    super(
      {
        apiKey,
        baseUrl: config.baseUrl,
        timeout: config.timeout,
        maxRetries: config.maxRetries,
        fetch: config.fetch,
        ...(config.integration === undefined ? {} : { integration: config.integration }),
        // The delegate beats for itself (its own key), as its parent was told to.
        ...(madeOf(parent).options.heartbeat === undefined ? {} : { heartbeat: madeOf(parent).options.heartbeat }),
        ...(madeOf(parent).options.warnUnwrapped === undefined ? {} : { warnUnwrapped: madeOf(parent).options.warnUnwrapped }),
      },
      {
        sleep: config.sleep,
        random: config.random,
        now: config.now,
        streamIdleTimeout: config.streamIdleTimeout,
        ...(madeOf(parent).internals.setTimer === undefined ? {} : { setTimer: madeOf(parent).internals.setTimer }),
        ...(madeOf(parent).internals.warn === undefined ? {} : { warn: madeOf(parent).internals.warn }),
      },
    );
    this.#parent = parent;
    this.#apiKey = apiKey;
    this.delegation = delegation;
    // A delegate made inside a run works in that run (its calls join its root agent's run).
    bindRun(this, runOf(parent));
  }

  /** The delegation's id, `dlg_…`. */
  get id(): string {
    return this.delegation.id;
  }

  /** The child agent, `agt_…`, that this client acts as. */
  get childAgentId(): string {
    return this.delegation.childAgentId;
  }

  /** When the delegation ends by itself (ISO 8601). */
  get expiresAt(): string {
    return this.delegation.expiresAt;
  }

  /** The action-type patterns the delegate may act on. */
  get capabilities(): readonly string[] {
    return this.delegation.capabilities;
  }

  /** The child's key, `gh_…`, e.g. to hand to a sub-agent running elsewhere. A secret: it is not shown when the object is logged or serialized. */
  get apiKey(): string {
    return this.#apiKey;
  }

  /**
   * `revoke()`: revokes this delegation, with the key of the client that delegated (a delegate may
   * not revoke its own), and with it every delegation below; answers the ids revoked. Calls after
   * the first success (or while one is under way) answer the same without calling again.
   * `revoke(delegationId)`: as {@link Gatehouse.revoke}, with the delegate's key (a delegation it
   * granted, or one below those).
   */
  override revoke(options?: RequestOptions): Promise<RevokedDelegations>;
  override revoke(delegationId: string, options?: RequestOptions): Promise<RevokedDelegations>;
  override revoke(first: string | RequestOptions = {}, options: RequestOptions = {}): Promise<RevokedDelegations> {
    if (typeof first === "string") return super.revoke(first, options);
    this.#revoking ??= this.#parent.revoke(this.id, first).then(
      (revoked) => {
        this.#revoked = true;
        return revoked;
      },
      (error: unknown) => {
        this.#revoking = undefined;
        throw error;
      },
    );
    return this.#revoking;
  }

  /** `await using`: revokes the delegation when the scope is left, unless it was revoked already. */
  async [asyncDispose](): Promise<void> {
    if (!this.#revoked) await this.revoke();
  }
}

/** A runId made from a run's name: its letters and digits, then 12 random hex digits. */
function runIdFor(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  const random = globalThis.crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  return `${slug || "run"}-${random}`;
}

/**
 * A client whose calls belong to one run (made by {@link Gatehouse.run} or {@link Gatehouse.withRun}):
 * every call of {@link Gatehouse} on the same key, each carrying the run's `runId` unless it names
 * another; a delegate made from it works in the same run. `get()` reads the run, `end()` ends it.
 */
export class RunClient extends Gatehouse {
  /** The runId every call of this client carries. */
  readonly runId: string;
  /** The run's name for people, sent with the calls (the server keeps the first). */
  readonly name: string | undefined;

  /** @internal Made by `Gatehouse.run` and `Gatehouse.withRun`. */
  constructor(parent: Gatehouse, run: RunDefaults) {
    const made = madeOf(parent);
    super(made.options, made.internals);
    bindRun(this, run);
    shareHeartbeats(this, parent);
    this.runId = run.runId;
    this.name = run.runName;
  }

  /** The run as it stands, with its timeline. */
  get(options: RequestOptions = {}): Promise<RunDetail> {
    return this.getRun(this.runId, options);
  }

  /** Ends the run: `completed` (default), `failed` or `cancelled`. A run with no call yet does not exist: a `NotFoundError`. */
  end(status: RunEndStatus = "completed", options: RequestOptions = {}): Promise<Run> {
    return this.endRun(this.runId, status, options);
  }
}
