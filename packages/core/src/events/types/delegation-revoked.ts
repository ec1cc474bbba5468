import { delegationFields, eventType } from "../event-type";

/** A delegation was revoked (with the subtree below it). */
export const delegationRevoked = eventType({
  type: "delegation.revoked",
  from: { "delegation.revoked": true },
  fields: delegationFields,
});
