/**
 * Gatehouse for the official OpenAI client (`openai`): `wrapOpenAI(new OpenAI(), gatehouse)` decides
 * every chat completion and response by the org's policies and budgets before a request leaves the
 * process, and settles each with the usage OpenAI reports. A refused call throws the SDK's
 * `BudgetExceededError` or `DeniedError`; if Gatehouse cannot be asked, nothing is sent.
 */
export { flushReports, wrapOpenAI, type WrapOpenAIOptions } from "./wrap-openai.ts";
export { actionTypeOf, DEFAULT_MAX_OUTPUT_TOKENS, estimateTokens } from "@gatehouse/sdk/model-call";
export { INTEGRATION, VERSION } from "./version.ts";
