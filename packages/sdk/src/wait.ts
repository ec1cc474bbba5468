/** Waiting for an approval: repeated long-polls of `GET /v1/approvals/:id/wait` until it is decided or the deadline passes. */
import { ApprovalTimeoutError, DeniedError, GatehouseError } from "./errors.ts";
import { attemptRequest, type TransportConfig } from "./request.ts";
import { reconnectDelay } from "./retry.ts";
import type { ActionResult, Approval } from "./types.ts";

/** Longest hold the server grants one wait (`timeoutMs`). */
export const WAIT_HOLD_MAX_MS = 25_000;
/**
 * A full hold is shortened by up to this fraction at random, so gates that started waiting together
 * (a fleet restarting, a batch of requests) spread their next waits out instead of all coming back
 * to the server in the same second. A hold that ends at the caller's deadline is not shortened.
 */
export const WAIT_HOLD_JITTER = 0.2;
/** How much longer than its hold one wait may take before the client gives up on the attempt. */
export const WAIT_GRACE_MS = 10_000;
/** How long `gate()` and `waitForApproval()` wait when given no deadline: 8 hours. */
export const DEFAULT_WAIT_MS = 8 * 60 * 60 * 1000;

/** The deadline in ms since the epoch: the caller's, or {@link DEFAULT_WAIT_MS} from `nowMs`. */
export function resolveDeadline(deadline: Date | number | undefined, nowMs: number): number {
  if (deadline === undefined) return nowMs + DEFAULT_WAIT_MS;
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new GatehouseError("Invalid deadline: expected a Date or ms since the epoch", { code: "INVALID_OPTION" });
  }
  return ms;
}

/**
 * Waits until the approval is decided or `deadline` passes. Network errors, timeouts, 408, 429 and
 * 5xx (an API restarting or failing over) are retried with backoff until the deadline, apart from
 * `maxRetries`; any other error ends the wait.
 */
export async function waitForApproval(config: TransportConfig, approvalId: string, deadline: number, signal: AbortSignal | undefined): Promise<ActionResult> {
  const path = `/v1/approvals/${encodeURIComponent(approvalId)}/wait`;
  for (let failures = 0; ;) {
    const fullHold = Math.floor(WAIT_HOLD_MAX_MS * (1 - WAIT_HOLD_JITTER * config.random()));
    const hold = Math.max(0, Math.min(fullHold, Math.floor(deadline - config.now())));
    const attempt = await attemptRequest<Approval>(config, {
      method: "GET",
      path: `${path}?timeoutMs=${hold}`,
      signal,
      timeout: hold + WAIT_GRACE_MS,
    });
    if (attempt.ok) {
      if (attempt.value.status !== "pending") return settle(attempt.value);
      // Less than the 1 ms a hold can be counted in is left: the deadline has come.
      if (deadline - config.now() < 1) throw new ApprovalTimeoutError(approvalId);
      failures = 0;
      // Let the answered wait's connection go back to the pool first, so the next wait reuses it:
      // in a process with many gates waiting, re-waiting at once would open a new connection each time.
      await nextTurn();
      continue;
    }
    if (!attempt.retry) throw attempt.error;
    const delay = attempt.retryAfterMs ?? reconnectDelay(failures++, config.random);
    if (config.now() + delay >= deadline) throw new ApprovalTimeoutError(approvalId, { cause: attempt.error });
    // An abort ends the sleep early; the next attempt then rejects with APIUserAbortError.
    await config.sleep(delay, signal);
  }
}

/** Resolves on a later turn of the event loop. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The action's result when the approval was approved; otherwise the `DeniedError` it ended with. */
function settle(approval: Approval): ActionResult {
  if (approval.status === "approved") return approval.result;
  const member = approval.decidedBy;
  throw new DeniedError(approval.result, {
    approvalId: approval.id,
    decidedBy: member === null ? undefined : member.email || member.name || member.id,
    decisionReason: approval.decisionReason ?? undefined,
  });
}
