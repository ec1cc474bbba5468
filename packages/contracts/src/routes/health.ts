import { governanceHealthSchema } from "../governance-health";
import type { RouteContract } from "./contract";

/** The org's governance health, for whoever is on call (docs/audit.md, Governance health). */
export const healthRoutes = [
  {
    operationId: "getGovernanceHealth",
    method: "GET",
    path: "/health/governance",
    summary: "The org's governance health",
    description:
      "What an on-call person checks first, in one answer: the log's integrity as last checked (the latest checkpoint's signature and size against the log head), whether the org's signing key is usable, the checkpoint's age, decision latency, the worker's jobs and the webhook backlog. Each item has a status (`ok`, `warn`, `fail`) and a reason; `status` is the worst. A probe that fails makes its item `fail` and the others still answer. Cheap: a few indexed reads, nothing recomputed over the whole log.",
    tag: "Audit",
    auth: "admin",
    permission: "audit.verify",
    success: { status: 200, description: "Each item's status, reason and figures, and the worst status.", json: governanceHealthSchema },
  },
] as const satisfies readonly RouteContract[];
