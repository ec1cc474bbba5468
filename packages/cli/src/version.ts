/** The CLI's version, printed by `gatehouse --version`. Kept equal to package.json by a test. */
export const VERSION = "0.1.0";
