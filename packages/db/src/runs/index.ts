export { listRuns } from "./list-runs";
export { getRun } from "./get-run";
export { endRun } from "./end-run";
