export { decideAction } from "./decide-action";
export { checkAction } from "./check-action";
export { reportOutcome, type OutcomeView } from "./report-outcome";
export { decideHookCall, type HookCallDecision } from "./decide-hook-call";
