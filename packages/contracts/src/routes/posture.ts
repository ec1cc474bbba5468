import { postureSchema } from "../posture";
import type { RouteContract } from "./contract";

/** The org's posture score and its findings (docs/posture.md). */
export const postureRoutes = [
  {
    operationId: "getPosture",
    method: "GET",
    path: "/v1/posture",
    summary: "The org's posture score and what to fix",
    description:
      "How well the org's agents are governed, 0–100: four components of 25 points (policy coverage, human oversight, identity and access, audit integrity), each deduction a finding with the measured numbers and a fix. Computed on each call from the org's data over the last 30 days; the formulas are in docs/posture.md. Any key of the org.",
    tag: "Posture",
    auth: "key",
    permission: "posture.read",
    success: { status: 200, description: "The score, its components and their findings.", json: postureSchema },
  },
] as const satisfies readonly RouteContract[];
