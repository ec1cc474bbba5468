/** How an executed action went, as its agent reports it (`report`). */
export const OUTCOME_STATUSES = ["success", "failure", "partial"] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];
