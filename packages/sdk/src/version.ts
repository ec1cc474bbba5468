/** The SDK version, sent as the `x-gatehouse-sdk` header. Kept equal to package.json by a test. */
export const VERSION = "0.1.0";
