import type { WhoAmI } from "@gatehouse/contracts";
import { notFound } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { listPolicies } from "../policies/list-policies";
import { resolveChain } from "../delegations/chain";

export type { WhoAmI };

/** Who the presented key acts as. */
export async function whoami({ ctx, now = Date.now() }: { ctx: Ctx; now?: number }): Promise<WhoAmI> {
  const { actor } = ctx;
  if (actor.type !== "agent" && actor.type !== "adminKey") throw notFound("API key");
  const key = await db().apiKey.findFirst({
    where: { id: actor.keyId, orgId: ctx.org.id },
    include: { agent: true, membership: { include: { user: true } } },
  });
  if (!key) throw notFound("API key");
  return {
    org: ctx.org,
    ...(key.agent
      ? {
          agent: { id: key.agent.id, name: key.agent.name, status: key.agent.status, labels: key.agent.labels as Record<string, string>, cbState: key.agent.circuitState },
          policies: (await listPolicies({ ctx, input: { scope: "own" } })).policies.map((p) => ({ name: p.name, version: p.version })),
          ...(await delegationOf(ctx.org.id, key.agent.id, now)),
        }
      : {}),
    ...(key.membership ? { member: { id: key.membership.id, userId: key.membership.userId, email: key.membership.user.email, role: key.membership.role } } : {}),
    key: { id: key.id, prefix: key.prefix, lastFour: key.lastFour, kind: key.kind },
  };
}

/** An agent's delegation (its chain, root first, read now) and how many delegations it granted are active. */
async function delegationOf(orgId: string, agentId: string, now: number): Promise<Pick<WhoAmI, "delegation" | "activeDelegations">> {
  const [chain, activeDelegations] = await Promise.all([
    resolveChain(orgId, agentId),
    db().delegation.count({ where: { orgId, parentAgentId: agentId, revokedAt: null, expiresAt: { gt: new Date(now) } } }),
  ]);
  const own = chain?.links[chain.links.length - 1];
  return {
    delegation:
      chain && own
        ? {
            id: chain.delegationId,
            chain: [{ agentId: chain.rootAgentId, name: chain.rootAgentName }, ...chain.links.map((l) => ({ agentId: l.agentId, name: l.agentName }))],
            depth: chain.depth,
            expiresAt: own.expiresAt.toISOString(),
            capabilities: [...own.capabilities],
          }
        : null,
    activeDelegations,
  };
}
