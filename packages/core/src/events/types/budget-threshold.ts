import { z } from "zod";
import { budgetStateSchema } from "../../spend/budgets";
import { eventField, eventType } from "../event-type";

/** A call took a budget past one of its alert ratios: once per budget, window and ratio (docs/budgets.md, Alerts). */
export const budgetThreshold = eventType({
  type: "budget.threshold",
  from: { "budget.threshold": true },
  fields: {
    agentName: eventField.agentName,
    actionId: eventField.actionId,
    actionType: eventField.actionType,
    auditEventId: eventField.auditEventId.describe("The decision whose reservation crossed it."),
    threshold: z.number().optional().describe("The alert ratio crossed (0 to 1): the highest the call reached."),
    used: z.number().optional().describe("How much of the limit is used with the call (0 to 1, the larger of tokens and money)."),
    budget: budgetStateSchema.optional().describe("The budget: its name, policy, window, limit, and counts before the call."),
  },
});
