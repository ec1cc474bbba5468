import type { IntegrationName, MemberRole } from "@gatehouse/core";
import type { ResolvedChain } from "./delegation-chain";

export interface OrgRef {
  id: string;
  slug: string;
  name: string;
}

/** Who acts. Every service takes `{ ctx, input }`; ctx.org scopes every query. */
export type Actor =
  | { type: "user"; userId: string; membershipId: string; role: MemberRole }
  | {
      type: "agent";
      agentId: string;
      agentName: string;
      keyId: string;
      /** The ids of the delegations the agent acts under, root's first (empty for a root agent). */
      delegationChain: string[];
      /** A delegate's chain, resolved with its key (absent for a root agent). */
      delegation?: ResolvedChain;
    }
  | { type: "adminKey"; keyId: string; userId: string; membershipId: string; role: MemberRole }
  | { type: "system"; name: string };

export interface Ctx {
  org: OrgRef;
  actor: Actor;
  requestId: string;
  /** The W3C `traceparent` of the decision's span, when telemetry is on (infra/telemetry.ts): stored with an approval it opens. */
  traceparent?: string;
  /** The integration an agent's request came through (x-gatehouse-integration), for coverage (noteIntegration). */
  integration?: { name: IntegrationName; version: string | null } | null;
  /**
   * Where a member's vote comes from when not the console or the API: an emailed link (a signed-in
   * session opening it) or a Slack button (a click mapped to the member by their verified email).
   */
  channel?: "email" | "slack";
}

export function systemCtx(org: OrgRef, name: string, requestId = "system"): Ctx {
  return { org, actor: { type: "system", name }, requestId };
}
