import { collectCliLoginBodySchema, collectedCliLoginSchema, startCliLoginBodySchema, startedCliLoginSchema } from "../cli-logins";
import type { RouteContract } from "./contract";

/** Signing the CLI in from the console (`gatehouse login --web`): public, since the CLI has no key yet. */
export const cliLoginRoutes = [
  {
    operationId: "startCliLogin",
    method: "POST",
    path: "/v1/cli-logins",
    summary: "Ask for a CLI login",
    description:
      "The CLI shows `userCode` and `verificationUriComplete`; a member signed in to the console confirms the code there for one of their orgs, and the CLI's poll then collects an admin key for that member. The console shows the member the `deviceName`, the address the request came from (through the trusted-proxy rule) and its User-Agent. An owner must type the code; a link's pre-filled code is not enough. A login lives 10 minutes. At most 20 may wait per address (429).",
    tag: "Members",
    auth: "public",
    body: startCliLoginBodySchema,
    success: { status: 201, description: "The login, waiting for its confirmation.", json: startedCliLoginSchema },
  },
  {
    operationId: "collectCliLogin",
    method: "POST",
    path: "/v1/cli-logins/token",
    summary: "Poll a CLI login",
    description:
      "`pending` until a member confirms or refuses the code. Once confirmed, this call answers the member's new admin key (acting with their role), once: any later poll hears `expired`. The key expires in 30 days, may be refreshed with itself before then (`POST /v1/admin/keys/:id/refresh`), and is listed and revoked with the member's other admin keys. A refused login is `denied`; one past its 10 minutes, used, or unknown is `expired`.",
    tag: "Members",
    auth: "public",
    body: collectCliLoginBodySchema,
    success: { status: 200, description: "Where the login stands.", json: collectedCliLoginSchema },
  },
] as const satisfies readonly RouteContract[];
