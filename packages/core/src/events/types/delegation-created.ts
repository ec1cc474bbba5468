import { delegationFields, eventType } from "../event-type";

/** An agent delegated capabilities to a sub-agent. */
export const delegationCreated = eventType({
  type: "delegation.created",
  from: { "delegation.created": true },
  fields: delegationFields,
});
