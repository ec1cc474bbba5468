/**
 * Gatehouse for the OpenAI Agents SDK (`@openai/agents`): every call of a governed function tool is
 * decided by the org's policies before it runs and recorded in the audit log. A call a person must
 * approve stops the run with an interruption, bound to the call's exact arguments;
 * `resumeWhenDecided` applies the decision to the run state, in this process or after a restart.
 */
export { governTool, governTools, type GovernToolOptions } from "./govern-tool.ts";
export { gatehouseInputGuardrail } from "./guardrail.ts";
export { gatehouseNeedsApproval, type GatehouseApprovalFunction, type NeedsApprovalOptions } from "./needs-approval.ts";
export { resumeWhenDecided, type ResumeOptions } from "./resume.ts";
export type { GatehouseToolOptions } from "./governance.ts";
export { VERSION } from "./version.ts";
