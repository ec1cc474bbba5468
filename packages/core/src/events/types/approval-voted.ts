import { z } from "zod";
import { eventField, eventType, memberField } from "../event-type";

/** A member voted on an approval that needs more than one vote. */
export const approvalVoted = eventType({
  type: "approval.voted",
  from: { "approval.vote": true },
  fields: {
    actionId: eventField.actionId,
    actionType: eventField.actionType,
    approvalId: eventField.approvalId,
    status: eventField.status,
    reason: eventField.reason,
    decision: z.enum(["approve", "deny"]).optional(),
    member: memberField.optional().describe("`approval.voted`: the member who voted."),
    approvals: z.number().int().optional(),
    quorum: z.number().int().optional(),
  },
});
