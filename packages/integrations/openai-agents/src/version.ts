/** This package's version, sent with its name as `x-gatehouse-integration`. Kept equal to package.json by a test. */
export const VERSION = "0.1.0";
/** How this adapter names itself to Gatehouse (`withIntegration`). */
export const INTEGRATION = `openai-agents/${VERSION}`;
