import { heartbeatBodySchema, heartbeatSchema } from "../agents";
import type { RouteContract } from "./contract";

/** An agent's presence: the heartbeat that tells an unresponsive agent from one that is there. */
export const heartbeatRoutes = [
  {
    operationId: "heartbeat",
    method: "POST",
    path: "/v1/heartbeat",
    summary: "Say the agent is there (presence)",
    description:
      "Opens or keeps the calling agent's heartbeat session (`running`, the default, with its `intervalSeconds`), or closes it (`stopped`). While a session is open, missing three beats makes the agent read as unresponsive and records `agent.unresponsive` (streamed, naming its runs in flight); any call with the agent's key counts as a beat too. The TypeScript SDK sends these while a client is in use.",
    tag: "Agents",
    auth: "agent",
    body: heartbeatBodySchema,
    bodyOptional: true,
    success: { status: 200, description: "The agent's presence after the beat.", json: heartbeatSchema },
  },
] as const satisfies readonly RouteContract[];
