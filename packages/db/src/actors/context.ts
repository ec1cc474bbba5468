import type { MemberRole } from "@gatehouse/core";

export interface OrgRef {
  id: string;
  slug: string;
  name: string;
}

/** Who acts. Every service takes `{ ctx, input }`; ctx.org scopes every query. */
export type Actor =
  | { type: "user"; userId: string; membershipId: string; role: MemberRole }
  | { type: "agent"; agentId: string; agentName: string; keyId: string; delegationChain: string[] }
  | { type: "adminKey"; keyId: string; userId: string; membershipId: string; role: MemberRole }
  | { type: "system"; name: string };

export interface Ctx {
  org: OrgRef;
  actor: Actor;
  requestId: string;
}

export function systemCtx(org: OrgRef, name: string, requestId = "system"): Ctx {
  return { org, actor: { type: "system", name }, requestId };
}
