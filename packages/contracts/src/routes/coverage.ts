import { COVERAGE_WINDOW_DAYS } from "@gatehouse/core";
import { coverageSchema } from "../coverage";
import type { RouteContract } from "./contract";

/** Coverage: how each agent's model and tool calls reach Gatehouse (docs/agents.md, Coverage). */
export const coverageRoutes = [
  {
    operationId: "getCoverage",
    method: "GET",
    path: "/v1/coverage",
    summary: "How each agent's model and tool calls reach Gatehouse",
    description: `Per agent, over the last ${COVERAGE_WINDOW_DAYS} UTC days: the integrations its calls came through (name, version, last seen), its model calls (decisions declaring \`spend\`) through a model-client wrapper against those declared by hand with no wrapper, and its tool calls (decisions naming their \`tool\`) through an adapter against those sent by hand. Counts are of recorded decisions (canI records none); each API process writes its counts within 5 seconds. Members' keys of every role (\`agents.read\`); an agent's key is refused.`,
    tag: "Agents",
    auth: "admin",
    permission: "agents.read",
    success: { status: 200, description: "Every agent of the org, by name.", json: coverageSchema },
  },
] as const satisfies readonly RouteContract[];
