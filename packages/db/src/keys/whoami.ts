import type { WhoAmI } from "@gatehouse/contracts";
import { notFound } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { listPolicies } from "../policies/list-policies";

export type { WhoAmI };

/** Who the presented key acts as. */
export async function whoami({ ctx }: { ctx: Ctx }): Promise<WhoAmI> {
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
        }
      : {}),
    ...(key.membership ? { member: { id: key.membership.id, userId: key.membership.userId, email: key.membership.user.email, role: key.membership.role } } : {}),
    key: { id: key.id, prefix: key.prefix, lastFour: key.lastFour, kind: key.kind },
  };
}
