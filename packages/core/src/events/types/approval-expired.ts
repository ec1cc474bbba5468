import { approvalEndFields, eventType } from "../event-type";

/** An approval nobody decided in time. */
export const approvalExpired = eventType({
  type: "approval.expired",
  from: { "approval.expired": true },
  fields: approvalEndFields,
});
