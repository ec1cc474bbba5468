import { z } from "zod";
import { budgetStateSchema } from "../../spend/budgets";
import { eventField, eventType } from "../event-type";

/** A budget refused a call, or held it for a person, for the first time in its window (docs/budgets.md, Alerts). */
export const budgetExceeded = eventType({
  type: "budget.exceeded",
  from: { "budget.exceeded": true },
  fields: {
    agentName: eventField.agentName,
    actionId: eventField.actionId,
    actionType: eventField.actionType,
    auditEventId: eventField.auditEventId.describe("The decision it refused or held."),
    status: z.enum(["denied", "requested"]).optional().describe("`denied` (the budget's atLimit is deny) or `requested` (held for a person)."),
    budget: budgetStateSchema.optional().describe("The budget: its name, policy, window, limit, and counts before the call."),
  },
});
