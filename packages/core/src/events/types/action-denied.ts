import { decisionFields, decisionProjection, eventType } from "../event-type";

/** An action was denied (`denialReason` says why). */
export const actionDenied = eventType({
  type: "action.denied",
  from: { "action.decided": (entry) => entry.data.status === "denied" },
  fields: decisionFields,
  project: decisionProjection,
});
