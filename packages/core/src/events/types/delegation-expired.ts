import { delegationFields, eventType } from "../event-type";

/** A delegation reached its expiry. */
export const delegationExpired = eventType({
  type: "delegation.expired",
  from: { "delegation.expired": true },
  fields: delegationFields,
});
