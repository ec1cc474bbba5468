// Next.js calls register() once when the server starts (not during `next build`), in each runtime it
// builds for. The console's checks (instrumentation-node.ts) are the Node.js server's: behind this
// test, which the build decides, the Edge build leaves them (and @gatehouse/db with its driver) out
// instead of compiling them a second time for a runtime the console never serves from.
export async function register(): Promise<void> {
  // eslint-disable-next-line no-restricted-properties -- NEXT_RUNTIME is the build's to replace with a constant, not configuration: read through env.ts it would not be
  if (process.env.NEXT_RUNTIME === "nodejs") await (await import("./instrumentation-node")).registerNode();
}
