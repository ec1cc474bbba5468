/**
 * Gatehouse for the Vercel AI SDK (`ai` 7): every tool call of `generateText`, `streamText` or a
 * `ToolLoopAgent` is decided by the org's policies, bound to its exact input, recorded in the audit
 * log, and reported with its outcome (docs/integrations/ai-sdk.md).
 *
 * - {@link gatehouseToolApproval}: the run's `toolApproval` function (allow, deny with the reason the
 *   model reads, or wait for a reviewer: inside the step, or out of band);
 * - {@link governTools}: the tools, each reporting its outcome to the decision it ran under;
 * - {@link approvalResponses}: a paused run's approvals, decided in Gatehouse, as the message parts
 *   that resume it; {@link verifyApprovalResponses}: refuses approvals in a history Gatehouse never granted.
 */
export { approvalResponses, verifyApprovalResponses, type ApprovalResponsesOptions } from "./approval-responses.ts";
export type { GatehouseAiSdkOptions, ToolCallRef } from "./decide.ts";
export { governTools, type GovernToolsOptions } from "./govern-tools.ts";
export { gatehouseToolApproval, type GatehouseToolApproval, type GatehouseToolApprovalOptions, type ToolApprovalRequestInfo } from "./tool-approval.ts";
export { VERSION } from "./version.ts";
