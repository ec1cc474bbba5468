// Steps of long scans that a work-pool worker runs with reads of its own (docs/adr/0016, "Reads on the
// worker"). Loaded by worker threads by name (`@gatehouse/db/work-steps`): it imports pg and core only,
// never the Prisma client or the rest of the package.
export { verifyStoredStep } from "./audit/verify-stored-step";
export { replayStoredStep } from "./policies/replay-stored-step";
