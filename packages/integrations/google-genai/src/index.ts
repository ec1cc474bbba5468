/**
 * Gatehouse for Google's official Gen AI client (`@google/genai`): `wrapGoogleGenAI(new GoogleGenAI(),
 * gatehouse)` decides every `generateContent` call by the org's policies and budgets before a request
 * leaves the process, screens its prompt, and settles each with the usage Google reports. A refused
 * call throws the SDK's `BudgetExceededError` or `DeniedError`; if Gatehouse cannot be asked, nothing is sent.
 */
export { flushReports, wrapGoogleGenAI, type WrapGoogleGenAIOptions } from "./wrap-google-genai.ts";
export { actionTypeOf, DEFAULT_MAX_OUTPUT_TOKENS, estimateTokens } from "@gatehouse/sdk/model-call";
export { INTEGRATION, VERSION } from "./version.ts";
