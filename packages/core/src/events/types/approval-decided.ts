import { approvalEndFields, eventType } from "../event-type";

/** An approval ended by a person: approved, denied, or cancelled. */
export const approvalDecided = eventType({
  type: "approval.decided",
  from: { "approval.decided": true, "approval.cancelled": true },
  fields: approvalEndFields,
});
