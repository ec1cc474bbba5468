import { DeniedError, type ActionResult, type Gatehouse } from "@gatehouse/sdk";
import { screenToolOutputFor, type screenToolOutput } from "@gatehouse/sdk/model-call";
import { INTEGRATION } from "./version.ts";
import type { ToolExecutionOptions, ToolSet } from "ai";
import { decide, describeCall, integrationClient, type GatehouseAiSdkOptions, type ToolCallRef } from "./decide.ts";

/** Options of {@link governTools}. */
export interface GovernToolsOptions extends GatehouseAiSdkOptions {
  /**
   * When a tool runs while its approval is still pending (no Gatehouse `toolApproval` in front of it),
   * when to stop waiting: a `Date`, ms since the epoch, or a function called at each wait. Default: 8
   * hours from the start of each wait.
   */
  deadline?: Date | number | (() => Date | number);
  /** Called with the `requested` decision when a tool starts waiting for its approval. */
  onRequested?: (result: ActionResult, toolCall: ToolCallRef) => void;
  /**
   * Called when the outcome could not be reported (after the SDK's retries). The tool's own result
   * or error stands either way: a tool that ran is never turned into a failure the model would retry.
   * Default: a `console.warn` naming the call.
   */
  onReportError?: (error: unknown, toolCall: ToolCallRef & { auditEventId: string }) => void;
}

type Execute = (input: unknown, options: ToolExecutionOptions<unknown>) => unknown;

/** An outcome names at most this many findings (the server's cap). */
const MAX_SCREENED = 100;

/** A finding of the caller's own screen, as an outcome's `screened` takes it. */
type LocalFinding = ReturnType<typeof screenToolOutput>["screened"][number];

/** Gatehouse's outcome message is at most this long. */
const MAX_OUTCOME_MESSAGE = 2_000;

/**
 * The same tools, each of whose `execute` first finds its call's Gatehouse decision (the one
 * `gatehouseToolApproval` made, by the same idempotency key, or a new one), runs only once it is
 * `executed` (waiting for a pending approval; throwing `DeniedError`, which the model reads as the
 * tool's error, for a denial), and then reports the outcome against the decision's audit entry:
 * `success`, or `failure` with the error's message. Tools without `execute` are left as they are.
 * A tool that streams its results must be an `async function*`.
 */
export function governTools<TOOLS extends ToolSet>(tools: TOOLS, options: GovernToolsOptions): TOOLS {
  const client = integrationClient(options.gatehouse);
  const governed: Record<string, unknown> = {};
  for (const [name, tool] of Object.entries(tools)) {
    const execute = tool.execute as Execute | undefined;
    governed[name] = execute === undefined ? tool : { ...tool, execute: governedExecute(client, options, name, tool, execute) };
  }
  return governed as TOOLS;
}

function governedExecute(client: Gatehouse, options: GovernToolsOptions, toolName: string, tool: object, execute: Execute): Execute {
  /** The decision this call runs under: its audit entry is where the outcome goes. */
  /** The decision this call runs under, and the input it runs with (as its policies rewrote it, when they did). */
  const allow = async (input: unknown, execution: ToolExecutionOptions<unknown>): Promise<ToolCallRef & { auditEventId: string; runWith: unknown; decision: ActionResult }> => {
    const call: ToolCallRef = { toolCallId: execution.toolCallId, toolName, input };
    const deadline = typeof options.deadline === "function" ? options.deadline() : options.deadline;
    const decided = await decide(
      client,
      await describeCall(options, call),
      {
        deadline,
        signal: execution.abortSignal,
        onRequested: (result) => options.onRequested?.(result, call),
      },
      input,
    );
    if (decided.result.status !== "executed") throw new DeniedError(decided.result, { decisionReason: decided.decisionReason });
    return { ...call, auditEventId: decided.result.auditEventId, runWith: decided.input, decision: decided.result };
  };
  const report = async (call: ToolCallRef & { auditEventId: string }, error?: { error: unknown }, screened: readonly LocalFinding[] = []): Promise<void> => {
    const outcome =
      error === undefined
        ? { status: "success" as const, ...(screened.length > 0 ? { screened: screened.slice(0, MAX_SCREENED) } : {}) }
        : { status: "failure" as const, message: failureMessage(error.error) };
    try {
      await client.report(call.auditEventId, outcome);
    } catch (reportError) {
      if (options.onReportError !== undefined) options.onReportError(reportError, call);
      else console.warn(`Gatehouse: the outcome of ${call.toolName} (call ${call.toolCallId}, ${call.auditEventId}) was not reported`, reportError);
    }
  };

  if (Object.prototype.toString.call(execute) === "[object AsyncGeneratorFunction]") {
    return async function* (input: unknown, execution: ToolExecutionOptions<unknown>) {
      const call = await allow(input, execution);
      const screened: LocalFinding[] = [];
      try {
        // Each result the tool yields is screened before the model reads it (docs/guardrails.md, What the model reads).
        for await (const part of execute.call(tool, call.runWith, execution) as AsyncIterable<unknown>) {
          const seen = await screenToolOutputFor(options.gatehouse, part, call.decision, INTEGRATION);
          screened.push(...seen.screened);
          yield seen.output;
          if (seen.withheld) break;
        }
      } catch (error) {
        await report(call, { error });
        throw error;
      }
      await report(call, undefined, screened);
    };
  }
  return async (input: unknown, execution: ToolExecutionOptions<unknown>) => {
    const call = await allow(input, execution);
    let output: unknown;
    try {
      output = await execute.call(tool, call.runWith, execution);
    } catch (error) {
      await report(call, { error });
      throw error;
    }
    // The result is screened before the model reads it (docs/guardrails.md, What the model reads).
    const seen = await screenToolOutputFor(options.gatehouse, output, call.decision, INTEGRATION);
    await report(call, undefined, seen.screened);
    return seen.output;
  };
}

function failureMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_OUTCOME_MESSAGE ? `${text.slice(0, MAX_OUTCOME_MESSAGE - 1)}…` : text;
}
