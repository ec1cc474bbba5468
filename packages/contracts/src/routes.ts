// Every route of the API. Each resource's routes are in a file of their own under ./routes/, named for
// the first segment of their paths after /v1/ or /v1/admin/ (a few kin share one: prices with budgets,
// invitations with members, the hand-over with grants); the types they are written against are in
// ./routes/contract.ts. This list is the one place that puts them together: a new resource is one new
// file there and one line here; a new route of an existing resource goes in its file.
// The order of the list is the order of the OpenAPI document and of everything generated from it (the
// SDK's wire types, the Python SDK's models), so `npm run openapi:check` fails when it changes. Where a
// resource's member routes come long after its agent routes (policies, approvals), its file has two
// lists, each in its place here.
import { actionRoutes } from "./routes/actions";
import { agentRoutes } from "./routes/agents";
import { adminApprovalRoutes, approvalRoutes } from "./routes/approvals";
import { auditRoutes } from "./routes/audit";
import { budgetRoutes } from "./routes/budgets";
import { cliLoginRoutes } from "./routes/cli-logins";
import { contentRoutes } from "./routes/content";
import { coverageRoutes } from "./routes/coverage";
import type { RouteContract } from "./routes/contract";
import { delegationRoutes } from "./routes/delegations";
import { eventRoutes } from "./routes/events";
import { grantRoutes } from "./routes/grants";
import { healthRoutes } from "./routes/health";
import { heartbeatRoutes } from "./routes/heartbeat";
import { hookRoutes } from "./routes/hooks";
import { keyRoutes } from "./routes/keys";
import { mcpRoutes } from "./routes/mcp";
import { memberRoutes } from "./routes/members";
import { orgRoutes } from "./routes/org";
import { adminPolicyRoutes, policyRoutes } from "./routes/policies";
import { postureRoutes } from "./routes/posture";
import { runRoutes } from "./routes/runs";
import { scanRoutes } from "./routes/scan";
import { serviceRoutes } from "./routes/service";
import { settingsRoutes } from "./routes/settings";
import { slackRoutes } from "./routes/slack";
import { webhookRoutes } from "./routes/webhooks";
import { whoamiRoutes } from "./routes/whoami";

export type { RawContent, RouteAuth, RouteContract } from "./routes/contract";

export const routes = [
  ...serviceRoutes,
  ...actionRoutes,
  ...scanRoutes,
  ...contentRoutes,
  ...heartbeatRoutes,
  ...runRoutes,
  ...budgetRoutes,
  ...policyRoutes,
  ...hookRoutes,
  ...whoamiRoutes,
  ...postureRoutes,
  ...coverageRoutes,
  ...delegationRoutes,
  ...approvalRoutes,
  ...eventRoutes,
  ...auditRoutes,
  ...healthRoutes,
  ...adminPolicyRoutes,
  ...agentRoutes,
  ...keyRoutes,
  ...settingsRoutes,
  ...orgRoutes,
  ...memberRoutes,
  ...webhookRoutes,
  ...mcpRoutes,
  ...slackRoutes,
  ...adminApprovalRoutes,
  ...grantRoutes,
  ...cliLoginRoutes,
] as const satisfies readonly RouteContract[];

export type Routes = typeof routes;
export type OperationId = Routes[number]["operationId"];

/** The contract of one operation, by its id. */
export function routeOf<Id extends OperationId>(operationId: Id): Extract<Routes[number], { operationId: Id }> {
  const found = routes.find((r) => r.operationId === operationId);
  if (!found) throw new Error(`no route ${operationId}`);
  return found as Extract<Routes[number], { operationId: Id }>;
}
