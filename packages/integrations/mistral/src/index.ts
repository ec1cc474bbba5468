/**
 * Gatehouse for Mistral's official client (`@mistralai/mistralai`): `wrapMistral(new Mistral(),
 * gatehouse)` decides every chat completion by the org's policies and budgets before a request leaves
 * the process, screens its messages, and settles each with the usage Mistral reports. A refused call
 * throws the SDK's `BudgetExceededError` or `DeniedError`; if Gatehouse cannot be asked, nothing is sent.
 */
export { flushReports, wrapMistral, type WrapMistralOptions } from "./wrap-mistral.ts";
export { actionTypeOf, DEFAULT_MAX_OUTPUT_TOKENS, estimateTokens } from "@gatehouse/sdk/model-call";
export { INTEGRATION, VERSION } from "./version.ts";
