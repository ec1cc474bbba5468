/** This package's version, sent with its name as `x-gatehouse-integration`. Kept equal to package.json by a test. */
export const VERSION = "0.1.0";
