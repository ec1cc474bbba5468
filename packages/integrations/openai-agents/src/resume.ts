import type { RunState, RunToolApprovalItem } from "@openai/agents";
import { callArguments, describeCall, governanceOf, standing, type Standing } from "./governance.ts";

/** Options of {@link resumeWhenDecided}. */
export interface ResumeOptions {
  /**
   * Wait for approvals nobody has decided yet (the default), or only read them (`false`): their
   * interruptions then stay pending, and running the state again stops at them again, on the same
   * approvals.
   */
  wait?: boolean;
  /** When to stop waiting: `ApprovalTimeoutError` then, and the approval stays pending. Default: 8 hours from the call. */
  deadline?: Date | number;
  /** Aborts the waits. */
  signal?: AbortSignal;
}

/** The run state behind {@link resumeWhenDecided}: what it reads and the two calls it makes. */
type ResumableState = Pick<RunState<unknown, never>, "getInterruptions" | "approve" | "reject">;

/**
 * Applies Gatehouse's decisions to a run stopped on governed tools (from `result.state`, or
 * `RunState.fromString(agent, text)` in another process), and resolves with the state to pass to
 * `run()` again. For each interruption of a governed tool it asks Gatehouse with the call's id and
 * the digest of the arguments in the state, which finds the decision the run stopped on (no second
 * approval), waits for a person when none has decided yet, and then approves the call when Gatehouse
 * allowed exactly these arguments, or rejects it with the denial (and the reviewer's reason) as the
 * message the model reads. Arguments changed in the state since are not the ones asked about: they
 * are a new request that needs an approval of its own. Interruptions of other tools are left to you.
 */
export async function resumeWhenDecided<S extends ResumableState>(state: S, options: ResumeOptions = {}): Promise<S> {
  const { wait = true, deadline, signal } = options;
  const decided = await Promise.all(
    state.getInterruptions().map(async (item): Promise<[RunToolApprovalItem, Standing] | undefined> => {
      const { rawItem } = item;
      if (rawItem.type !== "function_call") return undefined;
      const settings = governanceOf(item.agent, rawItem.name);
      if (settings === undefined) return undefined;
      const call = await describeCall(settings, rawItem.name, callArguments(rawItem.arguments), rawItem.callId);
      return [item, await standing(settings, call, { wait, deadline, signal })];
    }),
  );
  for (const entry of decided) {
    if (entry === undefined) continue;
    const [item, now] = entry;
    if (now.status === "allowed") state.approve(item);
    else if (now.status === "denied") state.reject(item, { message: now.message });
  }
  return state;
}
