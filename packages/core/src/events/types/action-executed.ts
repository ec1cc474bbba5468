import { decisionFields, decisionProjection, eventType } from "../event-type";

/** An action was allowed and ran. */
export const actionExecuted = eventType({
  type: "action.executed",
  from: { "action.decided": (entry) => entry.data.status === "executed" },
  fields: decisionFields,
  project: decisionProjection,
});
