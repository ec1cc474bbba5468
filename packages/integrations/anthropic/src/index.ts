/**
 * Gatehouse for the official Anthropic client (`@anthropic-ai/sdk`): `wrapAnthropic(new Anthropic(),
 * gatehouse)` decides every message by the org's policies and budgets before a request leaves the
 * process, and settles each with the usage Anthropic reports. A refused call throws the SDK's
 * `BudgetExceededError` or `DeniedError`; if Gatehouse cannot be asked, nothing is sent.
 */
export { flushReports, wrapAnthropic, type WrapAnthropicOptions } from "./wrap-anthropic.ts";
export { actionTypeOf, DEFAULT_MAX_OUTPUT_TOKENS, estimateTokens } from "@gatehouse/sdk/model-call";
export { INTEGRATION, VERSION } from "./version.ts";
