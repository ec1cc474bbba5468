import { decisionFields, decisionProjection, eventType } from "../event-type";

/** An action waits for a person's approval. */
export const approvalRequested = eventType({
  type: "approval.requested",
  from: { "action.decided": (entry) => entry.data.status === "requested" },
  fields: decisionFields,
  project: decisionProjection,
});
