/**
 * Waiting for approvals. Every wait of one client joins a shared set, and the set is long-polled
 * with `POST /v1/approvals/wait` (up to {@link MAX_WAIT_IDS} approvals a request), so a thousand
 * gates cost one connection, not a thousand, and the API's per-key cap on waits bounds connections,
 * never gates. docs/adr/0018-one-wait-per-client.md says why.
 */
import { APIUserAbortError, ApprovalTimeoutError, BadRequestError, deniedError, GatehouseError, NotFoundError } from "./errors.ts";
import { attemptRequest, type TransportConfig } from "./request.ts";
import { backoffDelay } from "./retry.ts";
import type { ActionResult, ApprovalOutcome, ApprovalWaitResult } from "./types.ts";

/** Longest hold the server grants one wait (`timeoutMs`). */
export const WAIT_HOLD_MAX_MS = 25_000;
/**
 * A full hold is shortened by up to this fraction at random, so clients that started waiting
 * together (a fleet restarting) spread their next waits out instead of all coming back to the server
 * in the same second. A hold that ends at a caller's deadline is not shortened.
 */
export const WAIT_HOLD_JITTER = 0.2;
/** How much longer than its hold one wait may take before the client gives up on the attempt. */
export const WAIT_GRACE_MS = 10_000;
/** How long `gate()` and `waitForApproval()` wait when given no deadline: 8 hours. */
export const DEFAULT_WAIT_MS = 8 * 60 * 60 * 1000;
/** Most approvals one request waits on (the server's limit); a client with more holds one request per this many. */
export const MAX_WAIT_IDS = 1000;
/**
 * A request whose set grew (a new gate) is re-issued with the new set, at most this often: gates
 * that arrive in a burst join one re-issue instead of cancelling a request each. A decision that
 * lands meanwhile is not lost: the server answers at once for approvals already decided.
 */
export const WAIT_REISSUE_MS = 50;
/** First retry delay of a failed wait (connection refused, 5xx): short, so a wait re-attaches as soon as its API is back. */
export const WAIT_RETRY_BASE_MS = 250;
/** Longest retry delay of a failed wait without `Retry-After`. */
export const WAIT_RETRY_MAX_MS = 500;

/** The shape of an approval id; a malformed one would fail the whole shared request with a 400. */
const APPROVAL_ID = /^apr_[0-9A-Za-z]{22}$/;

/** The deadline in ms since the epoch: the caller's, or {@link DEFAULT_WAIT_MS} from `nowMs`. */
export function resolveDeadline(deadline: Date | number | undefined, nowMs: number): number {
  if (deadline === undefined) return nowMs + DEFAULT_WAIT_MS;
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new GatehouseError("Invalid deadline: expected a Date or ms since the epoch", { code: "INVALID_OPTION" });
  }
  return ms;
}

/** The delay before retry number `retry` of a failed wait: 250 ms, then 500 ms steps, jittered by up to a quarter. */
export function waitRetryDelay(retry: number, random: () => number): number {
  return backoffDelay(retry, random, WAIT_RETRY_BASE_MS, WAIT_RETRY_MAX_MS);
}

/** One caller's wait: its approval, deadline and promise. */
interface Entry {
  approvalId: string;
  deadline: number;
  resolve: (result: ActionResult) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** One request's worth of approvals (at most {@link MAX_WAIT_IDS}), and the loop that long-polls them. */
interface Lane {
  ids: Set<string>;
  /** What the loop is doing: nothing yet (about to start), a wait in flight, or a retry delay. */
  phase: "starting" | "polling" | "sleeping" | "stopped";
  /** Aborts the request in flight or the retry delay. */
  controller: AbortController | null;
  /** When the request in flight was sent (the client's clock), and when its hold ends. */
  sentAt: number;
  holdEnd: number;
  /** Set when the set grew while a request was in flight: a re-issue is due. */
  reissue: ReturnType<typeof setTimeout> | null;
  failures: number;
}

/**
 * The waits of one client. `wait()` joins the shared set; each lane long-polls its approvals, settles
 * the callers of every approval the server answers decided, and waits again on the rest. Network
 * errors, timeouts, 408, 429 and 5xx are retried (250–500 ms apart, or what `Retry-After` asks)
 * until each caller's deadline; any other error ends the waits of that request.
 */
export class ApprovalWaits {
  readonly #config: TransportConfig;
  readonly #entries = new Map<string, Entry[]>();
  readonly #laneOf = new Map<string, Lane>();
  readonly #lanes: Lane[] = [];

  constructor(config: TransportConfig) {
    this.#config = config;
  }

  /** Waits until the approval is decided (resolves with the executed result, or throws DeniedError) or `deadline` passes (ApprovalTimeoutError). */
  wait(approvalId: string, deadline: number, signal: AbortSignal | undefined): Promise<ActionResult> {
    return new Promise<ActionResult>((resolve, reject) => {
      if (signal?.aborted) return reject(aborted(signal));
      if (typeof approvalId !== "string" || !APPROVAL_ID.test(approvalId)) {
        return reject(new BadRequestError("Invalid approvalId: expected apr_ and 22 letters or digits", { code: "INVALID_APPROVAL_ID" }));
      }
      const entry: Entry = { approvalId, deadline, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        entry.onAbort = () => this.#end(entry, aborted(signal));
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      const entries = this.#entries.get(approvalId);
      if (entries) entries.push(entry);
      else this.#entries.set(approvalId, [entry]);
      this.#join(approvalId, deadline);
    });
  }

  /** Puts the approval into a lane (or finds it there) and starts or re-issues that lane's wait when it must. */
  #join(approvalId: string, deadline: number): void {
    let lane = this.#laneOf.get(approvalId);
    const isNew = lane === undefined;
    if (lane === undefined) {
      lane = this.#lanes.find((l) => l.phase !== "stopped" && l.ids.size < MAX_WAIT_IDS);
      if (lane === undefined) {
        lane = { ids: new Set(), phase: "starting", controller: null, sentAt: 0, holdEnd: 0, reissue: null, failures: 0 };
        this.#lanes.push(lane);
        // On a later turn, so that the gates of one burst go out in the first request together.
        setTimeout(() => void this.#run(lane as Lane), 0);
      }
      lane.ids.add(approvalId);
      this.#laneOf.set(approvalId, lane);
    }
    // A request in flight covers this wait when it already asks for the approval and holds no longer than the caller waits.
    if (lane.phase === "polling" && (isNew || deadline < lane.holdEnd)) this.#scheduleReissue(lane);
  }

  #scheduleReissue(lane: Lane): void {
    if (lane.reissue !== null) return;
    const delay = Math.max(0, lane.sentAt + WAIT_REISSUE_MS - this.#config.now());
    lane.reissue = setTimeout(() => {
      lane.reissue = null;
      if (lane.phase === "polling") lane.controller?.abort();
    }, delay);
  }

  async #run(lane: Lane): Promise<void> {
    const config = this.#config;
    while (lane.ids.size > 0) {
      const ids = [...lane.ids];
      const now = config.now();
      const fullHold = Math.floor(WAIT_HOLD_MAX_MS * (1 - WAIT_HOLD_JITTER * config.random()));
      const hold = Math.max(0, Math.min(fullHold, Math.floor(this.#soonestDeadline(ids) - now)));
      const controller = new AbortController();
      Object.assign(lane, { phase: "polling", controller, sentAt: now, holdEnd: now + hold });
      const attempt = await attemptRequest<ApprovalWaitResult>(config, {
        method: "POST",
        path: "/v1/approvals/wait",
        body: { approvalIds: ids, timeoutMs: hold },
        signal: controller.signal,
        timeout: hold + WAIT_GRACE_MS,
      });
      lane.controller = null;
      if (lane.reissue !== null) clearTimeout(lane.reissue);
      lane.reissue = null;
      // Aborted to re-issue with a changed set, or because nobody waits on it any more.
      if (controller.signal.aborted) continue;
      if (attempt.ok) {
        lane.failures = 0;
        this.#answered(attempt.value);
        this.#timeOut(lane, config.now() + 1, undefined);
        // Let the answered request's connection go back to the pool first, so the next wait reuses it.
        if (lane.ids.size > 0) await nextTurn();
        continue;
      }
      if (!attempt.retry) {
        for (const id of [...lane.ids]) for (const entry of [...(this.#entries.get(id) ?? [])]) this.#end(entry, attempt.error);
        continue;
      }
      const delay = attempt.retryAfterMs ?? waitRetryDelay(lane.failures++, config.random);
      this.#timeOut(lane, config.now() + delay + 1, attempt.error);
      if (lane.ids.size === 0) break;
      const sleeping = new AbortController();
      Object.assign(lane, { phase: "sleeping", controller: sleeping });
      await config.sleep(delay, sleeping.signal);
      lane.controller = null;
    }
    lane.phase = "stopped";
    const index = this.#lanes.indexOf(lane);
    if (index !== -1) this.#lanes.splice(index, 1);
  }

  #soonestDeadline(ids: readonly string[]): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const id of ids) for (const entry of this.#entries.get(id) ?? []) if (entry.deadline < soonest) soonest = entry.deadline;
    return soonest;
  }

  /** Settles the callers of every approval the server answered decided or not found. */
  #answered(result: ApprovalWaitResult): void {
    for (const approval of result.approvals) {
      if (approval.status === "pending") continue;
      let outcome: { ok: true; value: ActionResult } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: settle(approval) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      for (const entry of [...(this.#entries.get(approval.id) ?? [])]) {
        if (outcome.ok) this.#end(entry, undefined, outcome.value);
        else this.#end(entry, outcome.error);
      }
    }
    for (const id of result.notFound) {
      for (const entry of [...(this.#entries.get(id) ?? [])]) this.#end(entry, new NotFoundError("approval not found", { status: 404, code: "NOT_FOUND" }));
    }
  }

  /** Ends, with ApprovalTimeoutError, the waits of this lane whose deadline comes before `by` (less than 1 ms left, or before the next retry). */
  #timeOut(lane: Lane, by: number, cause: unknown): void {
    for (const id of [...lane.ids]) {
      for (const entry of [...(this.#entries.get(id) ?? [])]) {
        if (entry.deadline < by) this.#end(entry, new ApprovalTimeoutError(id, cause === undefined ? {} : { cause }));
      }
    }
  }

  /** Settles one caller and takes it out of the set; an approval nobody waits on any more leaves its lane. */
  #end(entry: Entry, error: unknown, result?: ActionResult): void {
    const entries = this.#entries.get(entry.approvalId);
    const index = entries?.indexOf(entry) ?? -1;
    if (entries === undefined || index === -1) return;
    entries.splice(index, 1);
    if (entry.onAbort) entry.signal?.removeEventListener("abort", entry.onAbort);
    if (entries.length === 0) {
      this.#entries.delete(entry.approvalId);
      const lane = this.#laneOf.get(entry.approvalId);
      this.#laneOf.delete(entry.approvalId);
      if (lane) {
        lane.ids.delete(entry.approvalId);
        // Nobody left to wait for: stop the request in flight or the retry delay.
        if (lane.ids.size === 0) lane.controller?.abort();
      }
    }
    if (result !== undefined) entry.resolve(result);
    else entry.reject(error);
  }
}

function aborted(signal: AbortSignal): APIUserAbortError {
  return new APIUserAbortError("Request aborted by the caller", { cause: signal.reason });
}

/** Resolves on a later turn of the event loop. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The action's result when the approval was approved; otherwise the `DeniedError` it ended with. */
function settle(approval: ApprovalOutcome): ActionResult {
  if (approval.status === "approved") return approval.result;
  const member = approval.decidedBy;
  throw deniedError(approval.result, {
    approvalId: approval.id,
    decidedBy: member === null ? undefined : member.email || member.name || member.id,
    decisionReason: approval.decisionReason ?? undefined,
  });
}
