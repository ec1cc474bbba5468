import { whoamiSchema } from "../agents";
import type { RouteContract } from "./contract";

/** Who a key acts as: its org, and its agent or member. */
export const whoamiRoutes = [
  {
    operationId: "whoami",
    method: "GET",
    path: "/v1/whoami",
    summary: "Who the key acts as",
    tag: "Organization",
    auth: "key",
    success: { status: 200, description: "The org, the key, and its agent or member.", json: whoamiSchema },
  },
] as const satisfies readonly RouteContract[];
