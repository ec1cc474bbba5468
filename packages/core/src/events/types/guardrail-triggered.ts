import { z } from "zod";
import { contentFindingSchema } from "../../content/content-finding";
import { eventField, eventType } from "../event-type";

/** The content screen found secrets or personal data in a call or its outcome: by detector, class and path, never the value (docs/content.md). */
export const guardrailTriggered = eventType({
  type: "guardrail.triggered",
  from: { "guardrail.triggered": true },
  fields: {
    agentName: eventField.agentName,
    actionId: eventField.actionId,
    actionType: eventField.actionType,
    auditEventId: eventField.auditEventId.describe("The decision the findings are on (for an outcome's, the decision it reports on)."),
    source: z.enum(["decision", "outcome"]).optional().describe("Where they were found: the call (`decision`) or its reported outcome (`outcome`)."),
    findings: z.array(contentFindingSchema).optional().describe("Each finding: its detector, class, path and what was done (`redacted`, `denied`, `flagged`)."),
  },
});
