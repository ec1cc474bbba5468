export { rollUpDecisions, pruneMinuteRollups, ROLLUP_PAGE_SIZE, MINUTE_ROLLUP_RETENTION_MS } from "./roll-up-decisions";
