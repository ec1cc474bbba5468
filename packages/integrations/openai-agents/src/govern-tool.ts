import { DeniedError, GatehouseError, type ActionResult, type Gatehouse } from "@gatehouse/sdk";
import { screenToolOutputFor, type screenToolOutput } from "@gatehouse/sdk/model-call";
import type { FunctionTool, Tool, ToolInputParameters } from "@openai/agents";
import { argumentsToRun, callArguments, describeCall, governance, standing, type GatehouseToolOptions } from "./governance.ts";
import { inputGuardrail } from "./guardrail.ts";
import { INTEGRATION } from "./version.ts";
import { approvalFunction } from "./needs-approval.ts";

/** Options of {@link governTool} and {@link governTools}. */
export interface GovernToolOptions extends GatehouseToolOptions {
  /**
   * Called when reporting a call's outcome to Gatehouse fails. The tool has run by then, so its
   * output still goes to the model. Default: a `console.warn`.
   */
  onReportError?: (error: unknown, auditEventId: string) => void;
}

/**
 * The tool, governed by Gatehouse: a copy whose `needsApproval` asks Gatehouse (the run stops with
 * an interruption when a person must approve), with the Gatehouse input guardrail first (a denied
 * call never runs; the model reads why), and whose invocation reports its outcome against the
 * decision (`success` when it returns, `failure` with the message when it throws). The original tool
 * is left as it was.
 *
 * ```ts
 * const agent = new Agent({ name: "ops", tools: governTools([readFile, deploy], { gatehouse }) });
 * ```
 */
export function governTool<TContext, TParameters extends ToolInputParameters, TResult>(
  tool: FunctionTool<TContext, TParameters, TResult>,
  options: GovernToolOptions,
): FunctionTool<TContext, TParameters, TResult> {
  type Governed = FunctionTool<TContext, TParameters, TResult>;
  const settings = governance(options);
  const onReportError = options.onReportError ?? warnReportFailed;
  // The decision the guardrail let each call through on, by eventId, for the outcome report just after.
  const cleared = new Map<string, ActionResult>();
  const needsApproval = approvalFunction(settings, tool.name, false);
  const guardrail = inputGuardrail<TContext>(settings, tool.name, (call, result) => {
    if (call.eventId !== undefined) cleared.set(call.eventId, result);
  });

  const invoke: Governed["invoke"] = async (runContext, input, details) => {
    const call = await describeCall(settings, tool.name, callArguments(input), details?.toolCall?.callId);
    let decision = call.eventId === undefined ? undefined : cleared.get(call.eventId);
    if (call.eventId !== undefined) cleared.delete(call.eventId);
    if (decision === undefined) {
      // Invoked without the guardrail before it (called directly, or the guardrail removed): check here.
      const now = await standing(settings, call);
      if (now.status === "denied") throw new DeniedError(now.result);
      if (now.status === "pending") throw new GatehouseError(now.message, { code: "APPROVAL_PENDING" });
      decision = now.result;
    }
    // The tool runs with the arguments the decision is bound to: as sent, or as its policies rewrote them.
    const runWith = await argumentsToRun(decision, call, input);
    let output: Awaited<ReturnType<Governed["invoke"]>>;
    try {
      output = await tool.invoke(runContext, runWith, details);
    } catch (error) {
      await report(settings.client, decision.auditEventId, { status: "failure", message: errorMessage(error) }, onReportError);
      throw error;
    }
    // The result is screened before the model reads it (docs/guardrails.md, What the model reads).
    const seen = await screenToolOutputFor(options.gatehouse, output, decision, INTEGRATION);
    await report(settings.client, decision.auditEventId, { status: "success", ...(seen.screened.length > 0 ? { screened: seen.screened.slice(0, 100) } : {}) }, onReportError);
    return seen.output as typeof output;
  };

  // A copy with every property of the original (symbols included: a namespace, an output validator), three replaced.
  const governed = Object.create(Object.getPrototypeOf(tool) as object | null, Object.getOwnPropertyDescriptors(tool)) as Governed;
  return Object.assign(governed, { needsApproval, inputGuardrails: [guardrail, ...(tool.inputGuardrails ?? [])], invoke });
}

/**
 * {@link governTool} for each of `tools`, with the same options. Only function tools can be
 * governed: any other (a hosted tool, a shell or computer tool) is a `TypeError` rather than a tool
 * left ungoverned in the list.
 */
export function governTools<TContext>(tools: readonly Tool<TContext>[], options: GovernToolOptions): Tool<TContext>[] {
  return tools.map((tool) => {
    if (tool.type !== "function") throw new TypeError(`governTools governs function tools; '${tool.name}' is a ${tool.type} tool`);
    return governTool(tool, options);
  });
}

async function report(
  client: Gatehouse,
  auditEventId: string,
  outcome: { status: "success" | "failure"; message?: string; screened?: ReturnType<typeof screenToolOutput>["screened"] },
  onError: (error: unknown, auditEventId: string) => void,
): Promise<void> {
  try {
    await client.report(auditEventId, outcome);
  } catch (error) {
    onError(error, auditEventId);
  }
}

/** An outcome's message: the error's, within the 2,000 characters an outcome keeps. */
function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}

function warnReportFailed(error: unknown, auditEventId: string): void {
  console.warn(`@gatehouse/openai-agents: the outcome of ${auditEventId} was not reported to Gatehouse`, error);
}
