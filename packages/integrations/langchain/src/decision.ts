import { assertSameCall, DeniedError, GatehouseError, type Gatehouse, type WaitOptions } from "@gatehouse/sdk";
import type { HITLResponse } from "langchain";
import { deniedMessage } from "./denial.ts";
import { isGatehouseInterrupt, type GatehouseInterrupt } from "./interrupt.ts";
import { INTEGRATION } from "./version.ts";

/**
 * Waits until Gatehouse decides the approval a `gatehouseMiddleware` interrupt waits on, and answers
 * the value to resume the run with (`new Command({ resume })`): `approve` when Gatehouse approved
 * these exact arguments, `reject` with the reviewer's reason (or why it ended: expired, cancelled)
 * when it did not. Throws `ApprovalTimeoutError` when `deadline` (default: 8 hours) passes first; the
 * run stays paused and the approval pending, so ask again later.
 */
export async function gatehouseDecision(gatehouse: Gatehouse, value: unknown, options: WaitOptions = {}): Promise<HITLResponse> {
  if (!isGatehouseInterrupt(value)) {
    throw new GatehouseError("This interrupt was not raised by gatehouseMiddleware: it names no Gatehouse approval", { code: "NOT_GATEHOUSE_INTERRUPT" });
  }
  return decide(gatehouse.withIntegration(INTEGRATION), value, options);
}

/**
 * {@link gatehouseDecision} for every Gatehouse interrupt of a paused run (`result.__interrupt__`,
 * waited on together), keyed by interrupt id: `new Command({ resume: await gatehouseResume(gh, result.__interrupt__) })`.
 * Interrupts other middleware raised are left out; answer them in the same map.
 */
export async function gatehouseResume(gatehouse: Gatehouse, interrupts: readonly PendingInterrupt[] | undefined, options: WaitOptions = {}): Promise<Record<string, HITLResponse>> {
  const client = gatehouse.withIntegration(INTEGRATION);
  const ours = (interrupts ?? []).flatMap((i) => (i.id !== undefined && isGatehouseInterrupt(i.value) ? [{ id: i.id, value: i.value }] : []));
  const answers = await Promise.all(ours.map(async ({ id, value }) => [id, await decide(client, value, options)] as const));
  return Object.fromEntries(answers);
}

/** An interrupt as a paused run lists it: `result.__interrupt__`, or `tasks[].interrupts` of `agent.graph.getState(config)`. */
export interface PendingInterrupt {
  id?: string | undefined;
  value?: unknown;
}

async function decide(client: Gatehouse, request: GatehouseInterrupt, options: WaitOptions): Promise<HITLResponse> {
  const { approvalId, argsDigest } = request.gatehouse;
  const name = request.actionRequests[0]?.name ?? "";
  try {
    const result = await client.waitForApproval(approvalId, options);
    // A call its policies rewrote is bound to the rewritten arguments: the middleware checks those when it runs the tool.
    if ((result.rewritten?.changes.length ?? 0) === 0) assertSameCall(result, { name, argsDigest });
    return { decisions: [{ type: "approve" }] };
  } catch (error) {
    if (!(error instanceof DeniedError)) throw error;
    return { decisions: [{ type: "reject", message: deniedMessage(name, error) }] };
  }
}
